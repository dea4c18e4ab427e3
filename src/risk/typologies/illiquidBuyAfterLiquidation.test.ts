/**
 * Illiquid buy after a liquidation (seed 003): the 2025 attackers sold victims' holdings and
 * spent the cash on thin Chinese small caps they had bought cheaply beforehand.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { illiquidBuyAfterLiquidation } from './illiquidBuyAfterLiquidation.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const TOYOTA = '7203'
const SONY = '6758'

describe.each(DIALECTS)('illiquidBuyAfterLiquidation on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = illiquidBuyAfterLiquidation()

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

  /** A customer who held 800 Toyota and 100 Sony and sold `toyotaSold` Toyota half an hour ago. */
  async function sold(toyotaSold: number): Promise<string> {
    const customerId = fx.unique('cus')
    await fx.give(customerId, TOYOTA, 800)
    await fx.give(customerId, SONY, 100)
    if (toyotaSold > 0) {
      const at = T0 - 30 * MINUTE
      const notional = toyotaSold * fx.prices.priceAt(TOYOTA, at)
      fx.record({
        customerId,
        at,
        action: 'order',
        origin: ORIGINS.home,
        detail: { symbol: TOYOTA, side: 'sell', quantity: toyotaSold, notional },
      })
      await fx.take(customerId, TOYOTA, toyotaSold)
    }
    return customerId
  }

  function buy(customerId: string, symbol: string, quantity: number): ReturnType<TypologyFixture['event']> {
    return fx.event({
      customerId,
      at: T0,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol, side: 'buy', type: 'market', quantity },
    })
  }

  it('flags a buy of a foreign small cap after selling most of the holdings', async () => {
    const customerId = await sold(800)
    const foreign = fx.symbolOf('foreign_small')

    const hit = await typology.evaluate(buy(customerId, foreign.symbol, 1), fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'illiquidBuyAfterLiquidation',
      severity: 'high',
      evidence: { symbol: foreign.symbol, segment: 'foreign_small', windowHours: 24 },
    })
    expect(Number(hit?.evidence['liquidatedPercent'])).toBeGreaterThan(80)
  })

  it('flags as critical a foreign small-cap buy that is also a large share of its daily volume', async () => {
    const customerId = await sold(800)
    const foreign = fx.symbolOf('foreign_small')
    const quantity = Math.ceil(foreign.avgDailyVolume * 0.06)

    expect(await typology.evaluate(buy(customerId, foreign.symbol, quantity), fx.context(T0))).toMatchObject({
      severity: 'critical',
    })
  })

  it('flags a domestic small-cap buy of at least 5% of its average daily volume after a liquidation', async () => {
    const customerId = await sold(800)
    const small = fx.symbolOf('domestic_small')
    const quantity = Math.ceil((small.avgDailyVolume * 0.05) / 100) * 100

    const hit = await typology.evaluate(buy(customerId, small.symbol, quantity), fx.context(T0))

    expect(hit).toMatchObject({ severity: 'high', evidence: { segment: 'domestic_small' } })
    expect(Number(hit?.evidence['advPercent'])).toBeGreaterThanOrEqual(5)
  })

  it('does not flag buying a large cap after selling', async () => {
    const customerId = await sold(800)

    expect(await typology.evaluate(buy(customerId, SONY, 500), fx.context(T0))).toBeNull()
  })

  it('does not flag a small-cap buy without a prior liquidation, or after a small sale', async () => {
    const foreign = fx.symbolOf('foreign_small')
    const small = fx.symbolOf('domestic_small')
    const big = Math.ceil((small.avgDailyVolume * 0.1) / 100) * 100

    const untouched = await sold(0)
    expect(await typology.evaluate(buy(untouched, foreign.symbol, 10), fx.context(T0))).toBeNull()
    expect(await typology.evaluate(buy(untouched, small.symbol, big), fx.context(T0))).toBeNull()

    const trimmed = await sold(200)
    expect(await typology.evaluate(buy(trimmed, foreign.symbol, 10), fx.context(T0))).toBeNull()
  })

  it('does not flag a domestic small-cap buy that is small against its volume', async () => {
    const customerId = await sold(800)
    const small = fx.symbolOf('domestic_small')

    expect(await typology.evaluate(buy(customerId, small.symbol, 100), fx.context(T0))).toBeNull()
  })
})
