/**
 * The cached context must answer exactly as the database does (C-4's 1 ms target must not buy a
 * different decision). A stale cache is an attack surface: an origin cached as "unseen" only costs
 * a customer a step-up, but a cached count that misses the last minute's events lets a credential
 * stuffing run or a one-device-many-accounts sweep through. So every question is asked of both
 * contexts over a random year of history, again right after new events are recorded (nothing
 * flushed), with caps so small that most answers come from the database, after retention, and
 * through the real typologies.
 */
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type FixtureOrigin,
  type TypologyFixture,
} from '../../../test/support/typologyFixture.js'
import { ManualClock, SeededRandom } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import {
  AccessHistoryCache,
  AccessLog,
  ACCESS_ACTIONS,
  ACCESS_OUTCOMES,
  type AccessEvent,
  type AccessHistoryCacheOptions,
  type AccessOrigin,
} from '../events/index.js'
import { CachedTypologyContext } from './CachedTypologyContext.js'
import { DbTypologyContext } from './DbTypologyContext.js'
import { defaultTypologies } from './index.js'
import type { TypologyContext } from './Typology.js'

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** The fixture's origins, plus a second address on the home network and a device-less phone. */
const ALL_ORIGINS: readonly FixtureOrigin[] = [
  ...Object.values(ORIGINS),
  { ...ORIGINS.home, ip: '203.0.113.11', deviceId: 'dev-laptop' },
  { ...ORIGINS.phone, ip: '198.51.100.21', deviceId: null },
]

describe.each(DIALECTS)('CachedTypologyContext on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  let caches: AccessHistoryCache[] = []

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
  afterEach(() => {
    for (const c of caches) c.close()
    caches = []
  })

  function openCache(options: Partial<AccessHistoryCacheOptions> = {}): AccessHistoryCache {
    const cache = new AccessHistoryCache({ log: fx.log, store, clock: new ManualClock(T0), ...options })
    caches.push(cache)
    return cache
  }

  function cached(cache: AccessHistoryCache, now: number): CachedTypologyContext {
    return new CachedTypologyContext({ cache, log: fx.log, store, prices: fx.prices, now })
  }

  /** A year of mixed history for `customers`, some of it after T0 and some in the same millisecond. */
  function recordHistory(customers: readonly string[], events: number, seed: number): void {
    const rng = new SeededRandom(seed)
    const symbols = [fx.symbolOf('domestic_large').symbol, fx.symbolOf('foreign_small').symbol]
    let last = T0 - 400 * DAY
    for (let i = 0; i < events; i++) {
      // Mostly the last day (the cross-customer windows), some of the year, a few after T0, some ties.
      const r = rng.next()
      const at =
        r < 0.05 ? last : r < 0.5 ? T0 - rng.int(2 * DAY) : r < 0.95 ? T0 - rng.int(370 * DAY) : T0 + rng.int(HOUR)
      last = at
      const action = rng.pick(ACCESS_ACTIONS)
      const customerId = action === 'login_failed' && rng.next() < 0.3 ? null : rng.pick(customers)
      const symbol = rng.pick(symbols)
      fx.record({
        customerId,
        at,
        action,
        outcome: rng.next() < 0.7 ? 'success' : rng.pick(ACCESS_OUTCOMES),
        origin: rng.pick(ALL_ORIGINS),
        ...(action === 'login_failed' ? { loginId: `login-${rng.int(30)}` } : {}),
        detail:
          action === 'order'
            ? {
                // SQLite's LIKE finds the lower-case spelling too; the answer must not include it.
                symbol: rng.next() < 0.1 ? symbol.toLowerCase() : symbol,
                side: rng.pick(['buy', 'sell']),
                quantity: 100 * (1 + rng.int(10)),
              }
            : action === 'destination_change' || action === 'withdrawal'
              ? { destinationId: `dst-${rng.int(3)}`, amount: 1_000 * rng.int(1_000) }
              : {},
      })
    }
  }

  /** Every kind of question the typologies ask, with windows inside and beyond the caches' reach. */
  async function ask(ctx: TypologyContext, customers: readonly string[]): Promise<unknown[]> {
    const answers: unknown[] = []
    const settle = async (p: () => Promise<unknown>): Promise<void> => {
      try {
        answers.push(await p())
      } catch (err) {
        answers.push({ threw: (err as Error).name })
      }
    }
    const now = ctx.now
    const windows = [10 * MINUTE, 2 * HOUR, DAY, 7 * DAY, 30 * DAY, 365 * DAY, 400 * DAY]
    const symbol = fx.symbolOf('foreign_small').symbol
    for (const customerId of [...customers, 'cus-nobody']) {
      for (const w of windows) await settle(() => ctx.history(customerId, now - w, 5_000))
      await settle(() => ctx.history(customerId, now - 365 * DAY, 3))
      for (const o of ALL_ORIGINS) {
        const origins: AccessOrigin[] = [
          { ip: o.ip },
          { network: o.network },
          ...(o.deviceId === null ? [] : [{ deviceId: o.deviceId }, { ip: o.ip, deviceId: o.deviceId }]),
        ]
        for (const origin of origins) {
          await settle(() => ctx.seenBefore(customerId, origin, now - 365 * DAY, now - 7 * DAY))
          await settle(() => ctx.seenBefore(customerId, origin, now - 400 * DAY, now + DAY))
          await settle(() => ctx.seenBefore(customerId, origin, now - DAY, now))
        }
      }
      await settle(() => ctx.seenBefore(customerId, { ip: 'not an address' }, now - 365 * DAY, now))
      await settle(() => ctx.seenBefore(customerId, { network: 'net:invalid' }, now - 365 * DAY, now))
      await settle(() => ctx.seenBefore(customerId, { ip: ORIGINS.home.ip }, now, now - DAY))
      await settle(() => ctx.holdingsValue(customerId))
    }
    for (const o of ALL_ORIGINS) {
      for (const w of windows) {
        await settle(() => ctx.byIp(o.ip, now - w, 10_000))
        await settle(() => ctx.byNetwork(o.network, now - w, 10_000))
        await settle(() => ctx.customersByOrigin({ ip: o.ip }, now - w))
        await settle(() => ctx.customersByOrigin({ network: o.network }, now - w))
        if (o.deviceId !== null) {
          await settle(() => ctx.customersByOrigin({ deviceId: o.deviceId! }, now - w))
          await settle(() => ctx.customersByOrigin({ ip: o.ip, deviceId: o.deviceId! }, now - w))
        }
      }
      await settle(() => ctx.byIp(`::ffff:${o.ip}`, now - DAY, 2))
    }
    for (const w of windows) {
      await settle(() => ctx.ordersForSymbol(symbol, now - w, 5_000))
      await settle(() => ctx.ordersForSymbol(symbol.toLowerCase(), now - w))
      await settle(() => ctx.ordersForSymbol(symbol, now - w, 2))
    }
    await settle(() => ctx.instrument(symbol))
    await settle(() => ctx.instrument('NOPE'))
    // Bad arguments fail the same way.
    await settle(() => ctx.history(customers[0]!, 1.5))
    await settle(() => ctx.history(customers[0]!, now - DAY, 0))
    await settle(() => ctx.customersByOrigin({}, now - DAY))
    await settle(() => ctx.seenBefore(customers[0]!, {}, now - DAY, now))
    await settle(() => ctx.ordersForSymbol(symbol, now - DAY, 100_001))
    return answers
  }

  async function expectSameAnswers(cache: AccessHistoryCache, customers: readonly string[]): Promise<void> {
    for (const now of [T0, T0 - 3 * DAY, T0 + 30 * MINUTE]) {
      const fromCache = await ask(cached(cache, now), customers)
      const fromDb = await ask(fx.context(now), customers)
      expect(fromCache).toEqual(fromDb)
    }
  }

  function someCustomers(n: number): string[] {
    return Array.from({ length: n }, () => fx.unique('cus'))
  }

  it('answers every question as the database does, read on demand or warmed ahead', async () => {
    const customers = someCustomers(6)
    recordHistory(customers, 600, 1)
    const onDemand = openCache()
    await expectSameAnswers(onDemand, customers)
    expect(onDemand.stats.hits).toBeGreaterThan(onDemand.stats.misses)

    const warmed = openCache()
    expect(await warmed.warm()).toMatchObject({ customers: customers.length })
    await expectSameAnswers(warmed, customers)
  })

  it('answers as the database does right after new events are recorded, before any flush', async () => {
    const customers = someCustomers(5)
    recordHistory(customers, 400, 2)
    const cache = openCache()
    await cache.warm()
    await expectSameAnswers(cache, customers)

    recordHistory([...customers, ...someCustomers(2)], 200, 3)
    expect(fx.log.stats.buffered).toBeGreaterThan(0)
    await expectSameAnswers(cache, customers)
  })

  it('sees a device used a moment ago, another account on it and an order just placed, with no stale answer', async () => {
    const [victim, other] = someCustomers(2)
    fx.recordHabit(victim!, [ORIGINS.home])
    const cache = openCache()
    const symbol = fx.symbolOf('foreign_small').symbol
    const before = cached(cache, T0)
    expect(await before.seenBefore(victim!, { deviceId: 'dev-attacker' }, T0 - DAY, T0)).toBe(false)
    expect(await before.customersByOrigin({ deviceId: 'dev-attacker' }, T0 - DAY)).toEqual([])
    expect(await before.ordersForSymbol(symbol, T0 - HOUR)).toEqual([])

    fx.record({ customerId: victim!, at: T0 - 2 * MINUTE, action: 'login', origin: ORIGINS.beijing })
    fx.record({ customerId: other!, at: T0 - MINUTE, action: 'login', origin: ORIGINS.beijing })
    const order = fx.record({
      customerId: other!,
      at: T0 - MINUTE,
      action: 'order',
      origin: ORIGINS.beijing,
      detail: { symbol, side: 'buy', quantity: 100 },
    })

    const after = cached(cache, T0)
    expect(await after.seenBefore(victim!, { deviceId: 'dev-attacker' }, T0 - DAY, T0)).toBe(true)
    expect((await after.customersByOrigin({ deviceId: 'dev-attacker' }, T0 - DAY)).map((c) => c.customerId)).toEqual([
      other,
      victim,
    ])
    expect(await after.ordersForSymbol(symbol, T0 - HOUR)).toEqual([order])
    expect(cache.stats.misses).toBe(0)
  })

  it('answers as the database does with caps so small that most questions go to the database', async () => {
    const customers = someCustomers(6)
    recordHistory(customers, 500, 4)
    const cache = openCache({ maxEvents: 60, maxEventsPerCustomer: 25, maxRecentEvents: 40, recentWindowMs: 3 * HOUR })
    await cache.warm()
    await expectSameAnswers(cache, customers)
    recordHistory(customers, 300, 5)
    await expectSameAnswers(cache, customers)
    expect(cache.stats).toMatchObject({ customers: expect.any(Number) })
    expect(cache.stats.customerEvents + cache.stats.customers).toBeLessThanOrEqual(60)
    expect(cache.stats.recentEvents).toBeLessThanOrEqual(40)
    expect(cache.stats.evictions).toBeGreaterThan(0)
    expect(cache.stats.misses).toBeGreaterThan(0)
  })

  it('forgets what retention deletes', async () => {
    const customers = someCustomers(4)
    recordHistory(customers, 400, 6)
    const cache = openCache()
    await cache.warm()
    await fx.log.pruneOlderThan(T0 - 100 * DAY)
    await expectSameAnswers(cache, customers)
  })

  it('gives every default typology the same answers as the database on the same events', async () => {
    const customers = someCustomers(5)
    recordHistory(customers, 500, 7)
    for (const c of customers) await fx.give(c, fx.symbolOf('foreign_small').symbol, 1_000)
    const cache = openCache()
    const rng = new SeededRandom(8)
    const typologies = defaultTypologies({ pumpRing: { minAccounts: 2 } })
    let hits = 0
    for (let i = 0; i < 60; i++) {
      const action = rng.pick(ACCESS_ACTIONS)
      const probe: AccessEvent = fx.event({
        customerId: rng.pick(customers),
        at: T0 - rng.int(HOUR),
        action,
        origin: rng.pick(ALL_ORIGINS),
        detail:
          action === 'order'
            ? { symbol: fx.symbolOf('foreign_small').symbol, side: rng.pick(['buy', 'sell']), quantity: 500 }
            : { destinationId: `dst-${rng.int(3)}` },
      })
      for (const t of typologies.filter((t) => t.actions.includes(action))) {
        const fromDb = await t.evaluate(probe, fx.context(probe.at))
        expect(await t.evaluate(probe, cached(cache, probe.at)), `${t.id} on ${action}`).toEqual(fromDb)
        if (fromDb !== null) hits++
      }
    }
    // The comparison means something only if some rules matched.
    expect(hits).toBeGreaterThan(5)
  })
})

describe('AccessHistoryCache when the log drops events', () => {
  let store: Store
  let fx: TypologyFixture

  beforeAll(async () => {
    store = await DIALECTS[0]!.open()
    fx = await openTypologyFixture(store)
  })
  afterAll(async () => {
    await fx.close()
    await store.close()
  })

  it('forgets the events the log dropped unwritten, as the database never had them', async () => {
    const log = new AccessLog({ store, clock: new ManualClock(T0), batchSize: 10, maxBuffered: 20, flushIntervalMs: 60_000 })
    const cache = new AccessHistoryCache({ log, store, clock: new ManualClock(T0) })
    const customerId = fx.unique('cus')
    const ctx = (): CachedTypologyContext => new CachedTypologyContext({ cache, log, store, prices: fx.prices, now: T0 })
    const event = (i: number): AccessEvent =>
      fx.event({ customerId, at: T0 - 60 * MINUTE + i * MINUTE, action: 'login', origin: ORIGINS.home })
    log.record(event(0))
    expect(await ctx().history(customerId, T0 - DAY)).toHaveLength(1)
    expect(await ctx().byIp(ORIGINS.home.ip, T0 - DAY)).toHaveLength(1)

    await sql`alter table access_events rename to access_events_away`.execute(store.db)
    try {
      for (let i = 1; i <= 30; i++) log.record(event(i))
      await log.flush().catch(() => undefined)
      expect(log.stats.dropped).toBeGreaterThan(0)
    } finally {
      await sql`alter table access_events_away rename to access_events`.execute(store.db)
    }
    await log.flush()
    const db = new DbTypologyContext({ log, store, prices: fx.prices, now: T0 })
    const kept = await db.history(customerId, T0 - DAY)
    expect(kept).toHaveLength(21)
    expect(await ctx().history(customerId, T0 - DAY)).toEqual(kept)
    expect(await ctx().byIp(ORIGINS.home.ip, T0 - DAY)).toEqual(await db.byIp(ORIGINS.home.ip, T0 - DAY))
    expect(cache.stats.misses).toBe(0)
    cache.close()
    await log.close()
  })
})
