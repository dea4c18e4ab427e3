/**
 * Liquidation from a new environment: the SBI attacker (seed 000) sold the victims' securities
 * before withdrawing the cash; the 2025 wave (seed 003) sold them to fund the pump.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { liquidationFromNewEnvironment } from './liquidationFromNewEnvironment.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type FixtureOrigin,
  type TypologyFixture,
} from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const TOYOTA = '7203'
const SONY = '6758'

describe.each(DIALECTS)('liquidationFromNewEnvironment on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = liquidationFromNewEnvironment()

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

  /** A customer of a year's standing holding 800 Toyota and 100 Sony (about 86% and 14% of the value). */
  async function investor(): Promise<string> {
    const customerId = fx.unique('cus')
    fx.recordHabit(customerId, [ORIGINS.home, ORIGINS.phone])
    await fx.give(customerId, TOYOTA, 800)
    await fx.give(customerId, SONY, 100)
    return customerId
  }

  function sell(
    customerId: string,
    origin: FixtureOrigin,
    symbol: string,
    quantity: number,
    at = T0,
  ): ReturnType<TypologyFixture['event']> {
    return fx.event({
      customerId,
      at,
      action: 'order',
      origin,
      detail: { symbol, side: 'sell', type: 'market', quantity },
    })
  }

  it('flags selling most of the holdings from a device and network the customer never used', async () => {
    const customerId = await investor()
    fx.record({ customerId, at: T0 - 5 * MINUTE, action: 'login', origin: ORIGINS.beijing })

    const hit = await typology.evaluate(sell(customerId, ORIGINS.beijing, TOYOTA, 800), fx.context(T0))

    const toyota = 800 * fx.prices.priceAt(TOYOTA, T0)
    const all = toyota + 100 * fx.prices.priceAt(SONY, T0)
    expect(hit).toMatchObject({
      typology: 'liquidationFromNewEnvironment',
      severity: 'high',
      evidence: {
        symbol: TOYOTA,
        soldFromNewEnvironments: toyota,
        holdingsBefore: all,
        sellOrders: 1,
        sharePercent: Math.round((toyota / all) * 100),
      },
    })
  })

  it('adds up a liquidation split into small sales that went through earlier in the day', async () => {
    const customerId = await investor()
    // 400 Toyota already sold from the new environment: the ledger no longer holds them.
    const earlier = T0 - 3 * 60 * MINUTE
    const notional = 400 * fx.prices.priceAt(TOYOTA, earlier)
    fx.record({
      customerId,
      at: earlier,
      action: 'order',
      origin: ORIGINS.vps,
      detail: { symbol: TOYOTA, side: 'sell', quantity: 400, notional },
    })
    await fx.take(customerId, TOYOTA, 400)

    const hit = await typology.evaluate(sell(customerId, ORIGINS.beijing, TOYOTA, 400), fx.context(T0))

    const now = 400 * fx.prices.priceAt(TOYOTA, T0)
    const before = notional + now + 100 * fx.prices.priceAt(SONY, T0)
    expect(hit).toMatchObject({
      evidence: { sellOrders: 2, sharePercent: Math.round(((notional + now) / before) * 100) },
    })
  })

  it('does not flag the same sale from the customer’s usual environment', async () => {
    const customerId = await investor()

    expect(await typology.evaluate(sell(customerId, ORIGINS.home, TOYOTA, 800), fx.context(T0))).toBeNull()
    expect(await typology.evaluate(sell(customerId, ORIGINS.cafe, TOYOTA, 800), fx.context(T0))).toBeNull()
  })

  it('flags the liquidation from an unknown device on an address never used inside the customer’s own ISP (a residential proxy)', async () => {
    const customerId = await investor()
    const proxy = { ...ORIGINS.home, ip: '203.0.113.77', deviceId: 'dev-attacker' }

    expect(await typology.evaluate(sell(customerId, proxy, TOYOTA, 800), fx.context(T0))).toMatchObject({ typology: 'liquidationFromNewEnvironment' })
  })

  it('does not flag the liquidation from a new phone on the customer’s home address', async () => {
    const customerId = await investor()
    const newPhoneAtHome = { ...ORIGINS.home, deviceId: 'dev-new-phone' }

    expect(await typology.evaluate(sell(customerId, newPhoneAtHome, TOYOTA, 800), fx.context(T0))).toBeNull()
  })

  it('a small sale from a new environment is medium (a step-up), not high (a hold); with stepUpShare above its share, nothing', async () => {
    const customerId = await investor()

    expect(await typology.evaluate(sell(customerId, ORIGINS.beijing, SONY, 100), fx.context(T0))).toMatchObject({ severity: 'medium', evidence: { sellOrders: 1 } })
    expect(await liquidationFromNewEnvironment({ stepUpShare: 0.2 }).evaluate(sell(customerId, ORIGINS.beijing, SONY, 100), fx.context(T0))).toBeNull()
    expect(await liquidationFromNewEnvironment({ stepUpShare: 1 }).evaluate(sell(customerId, ORIGINS.beijing, SONY, 100), fx.context(T0))).toBeNull()
  })

  it('a small first sale from a residential proxy on the victim’s ISP is medium; the same small sale from home is nothing', async () => {
    const customerId = await investor()
    const proxy = { ...ORIGINS.home, ip: '203.0.113.77', deviceId: 'dev-attacker' }

    expect(await typology.evaluate(sell(customerId, proxy, SONY, 100), fx.context(T0))).toMatchObject({ severity: 'medium' })
    expect(await typology.evaluate(sell(customerId, ORIGINS.home, SONY, 100), fx.context(T0))).toBeNull()
  })

  it('does not count the customer’s own sales from home towards the new environment’s share', async () => {
    const customerId = await investor()
    const earlier = T0 - 60 * MINUTE
    fx.record({
      customerId,
      at: earlier,
      action: 'order',
      origin: ORIGINS.home,
      detail: {
        symbol: TOYOTA,
        side: 'sell',
        quantity: 500,
        notional: 500 * fx.prices.priceAt(TOYOTA, earlier),
      },
    })
    await fx.take(customerId, TOYOTA, 500)

    // 300 of the 400 Toyota left plus Sony: below the liquidation share once home's sale is not counted.
    expect(await typology.evaluate(sell(customerId, ORIGINS.beijing, TOYOTA, 300), fx.context(T0))).toMatchObject({ severity: 'medium', evidence: { sellOrders: 1 } })
  })

  it('does not flag a sell order it cannot value, nor buys', async () => {
    const customerId = await investor()
    const unvalued = fx.event({
      customerId,
      at: T0,
      action: 'order',
      origin: ORIGINS.beijing,
      detail: { symbol: TOYOTA, side: 'sell' },
    })
    const buy = fx.event({
      customerId,
      at: T0,
      action: 'order',
      origin: ORIGINS.beijing,
      detail: { symbol: TOYOTA, side: 'buy', quantity: 100_000 },
    })

    expect(await typology.evaluate(unvalued, fx.context(T0))).toBeNull()
    expect(await typology.evaluate(buy, fx.context(T0))).toBeNull()
  })
})
