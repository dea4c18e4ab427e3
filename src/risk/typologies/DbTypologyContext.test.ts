import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const DAY = 86_400_000

describe.each(DIALECTS)('DbTypologyContext on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture

  beforeAll(async () => {
    store = await dc.open()
    fx = await openTypologyFixture(store)
  })
  afterAll(async () => {
    await fx.close()
    await store.close()
  })
  beforeEach(async () => {
    await fx.log.flush()
    await store.db.deleteFrom('access_events').execute()
  })

  it('reads events recorded but not yet flushed, bounded to [since, now), newest first', async () => {
    const customerId = fx.unique('cus')
    const old = fx.record({ customerId, at: T0 - 2 * DAY, action: 'login', origin: ORIGINS.home })
    const recent = fx.record({
      customerId,
      at: T0 - MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: '7203', side: 'buy' },
    })
    fx.record({ customerId, at: T0, action: 'login', origin: ORIGINS.home })
    fx.record({ customerId, at: T0 + MINUTE, action: 'login', origin: ORIGINS.home })
    const ctx = fx.context(T0)

    const history = await ctx.history(customerId, T0 - 3 * DAY)
    expect(history.map((e) => e.id)).toEqual([recent.id, old.id])
    expect(history[0]).toEqual(recent)
    expect((await ctx.history(customerId, T0 - DAY)).map((e) => e.id)).toEqual([recent.id])
    expect(await ctx.history(customerId, T0 - 3 * DAY, 1)).toHaveLength(1)
  })

  it('finds events by address, IPv4-mapped or not, and by network, only before now', async () => {
    const a = fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 5 * MINUTE,
      action: 'login',
      origin: ORIGINS.home,
    })
    fx.record({ customerId: fx.unique('cus'), at: T0 - 4 * MINUTE, action: 'login', origin: ORIGINS.cafe })
    fx.record({ customerId: fx.unique('cus'), at: T0 + MINUTE, action: 'login', origin: ORIGINS.home })
    const ctx = fx.context(T0)

    expect((await ctx.byIp(ORIGINS.home.ip, T0 - DAY)).map((e) => e.id)).toEqual([a.id])
    expect((await ctx.byIp(`::ffff:${ORIGINS.home.ip}`, T0 - DAY)).map((e) => e.id)).toEqual([a.id])
    expect((await ctx.byNetwork('asn:4713', T0 - DAY)).map((e) => e.id)).toEqual([a.id])
    expect(await ctx.byNetwork('asn:1', T0 - DAY)).toEqual([])
  })

  it('counts the customers an origin touched before now, with their successes', async () => {
    const [x, y] = [fx.unique('cus'), fx.unique('cus')]
    fx.record({ customerId: x, at: T0 - 3 * MINUTE, action: 'login', origin: ORIGINS.home })
    fx.record({
      customerId: x,
      at: T0 - 2 * MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: '7203', side: 'buy' },
    })
    fx.record({ customerId: y, at: T0 - MINUTE, action: 'login', outcome: 'step_up', origin: ORIGINS.home })
    fx.record({ customerId: fx.unique('cus'), at: T0 + MINUTE, action: 'login', origin: ORIGINS.home })
    fx.record({
      customerId: null,
      at: T0 - MINUTE,
      action: 'login_failed',
      outcome: 'failure',
      origin: ORIGINS.home,
      loginId: 'nobody',
    })

    const customers = await fx.context(T0).customersByOrigin({ deviceId: ORIGINS.home.deviceId }, T0 - DAY)
    expect(customers).toEqual([
      { customerId: y, firstSeenAt: T0 - MINUTE, lastSeenAt: T0 - MINUTE, events: 1, successes: 0 },
      { customerId: x, firstSeenAt: T0 - 3 * MINUTE, lastSeenAt: T0 - 2 * MINUTE, events: 2, successes: 2 },
    ])
  })

  it('says an origin was seen only for successful events before the window end and before now', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 10 * DAY, action: 'login', outcome: 'denied', origin: ORIGINS.beijing })
    fx.record({ customerId, at: T0 - 10 * DAY, action: 'login', origin: ORIGINS.home })
    fx.record({ customerId, at: T0 + MINUTE, action: 'login', origin: ORIGINS.cafe })
    const ctx = fx.context(T0)

    expect(await ctx.seenBefore(customerId, { network: 'asn:4713' }, T0 - 365 * DAY, T0)).toBe(true)
    expect(await ctx.seenBefore(customerId, { network: 'asn:4713' }, T0 - 365 * DAY, T0 - 11 * DAY)).toBe(
      false,
    )
    expect(await ctx.seenBefore(customerId, { deviceId: 'dev-attacker' }, T0 - 365 * DAY, T0)).toBe(false)
    // Asked about a window reaching past now, it still only sees the past.
    expect(await ctx.seenBefore(customerId, { network: 'asn:2518' }, T0 - 365 * DAY, T0 + DAY)).toBe(false)
  })

  it('values holdings from the ledger at the feed price of now, cash excluded', async () => {
    const customerId = fx.unique('cus')
    const large = fx.symbolOf('domestic_large')
    const small = fx.symbolOf('foreign_small')
    await fx.give(customerId, large.symbol, 300)
    await fx.give(customerId, small.symbol, 1_000)
    const now = T0 + 37 * MINUTE
    const expected = 300 * fx.prices.priceAt(large.symbol, now) + 1_000 * fx.prices.priceAt(small.symbol, now)

    expect(await fx.context(now).holdingsValue(customerId)).toBe(expected)
    expect(await fx.context(now).holdingsValue(fx.unique('cus'))).toBe(0)
  })

  it('describes an instrument from its table row and the feed, and knows nothing of unlisted symbols', async () => {
    const small = fx.symbolOf('domestic_small')
    const facts = await fx.context(T0).instrument(small.symbol)

    expect(facts).toEqual({
      symbol: small.symbol,
      segment: 'domestic_small',
      avgDailyVolume: small.avgDailyVolume,
      price: fx.prices.priceAt(small.symbol, T0),
    })
    expect(await fx.context(T0).instrument('NOPE')).toBeUndefined()
  })

  it('finds order events of exactly one symbol across customers, not its prefixes or other cases', async () => {
    const symbol = fx.symbolOf('foreign_small').symbol
    const a = fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 20 * MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol, side: 'buy', quantity: 100 },
    })
    const b = fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 10 * MINUTE,
      action: 'order',
      outcome: 'held',
      origin: ORIGINS.phone,
      detail: { side: 'buy', symbol },
    })
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 5 * MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: `${symbol}1`, side: 'buy' },
    })
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 5 * MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: symbol.toLowerCase(), side: 'buy' },
    })
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 5 * MINUTE,
      action: 'withdrawal',
      origin: ORIGINS.home,
      detail: { symbol },
    })
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 - 3 * DAY,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol, side: 'sell' },
    })
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 + MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol, side: 'buy' },
    })

    const orders = await fx.context(T0).ordersForSymbol(symbol, T0 - DAY)
    expect(orders.map((e) => e.id)).toEqual([b.id, a.id])
    expect(orders[1]?.detail).toEqual({ symbol, side: 'buy', quantity: 100 })
  })

  it('treats LIKE wildcards in a symbol as text', async () => {
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 - MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: 'AB', side: 'buy' },
    })
    fx.record({
      customerId: fx.unique('cus'),
      at: T0 - MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: 'A_B!%', side: 'buy' },
    })

    expect(await fx.context(T0).ordersForSymbol('A%', T0 - DAY)).toEqual([])
    expect(await fx.context(T0).ordersForSymbol('A_', T0 - DAY)).toEqual([])
    expect((await fx.context(T0).ordersForSymbol('A_B!%', T0 - DAY)).map((e) => e.detail['symbol'])).toEqual([
      'A_B!%',
    ])
  })
})
