/**
 * Pump ring (seed 003): one crew pushing a thin stock up by buying it through many taken-over
 * accounts within one session.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { pumpRing } from './pumpRing.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type FixtureOrigin,
  type TypologyFixture,
} from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const TOYOTA = '7203'

describe.each(DIALECTS)('pumpRing on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = pumpRing()

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

  /** A customer of a year's standing who uses their home PC and phone. */
  function holder(): string {
    const customerId = fx.unique('cus')
    fx.recordHabit(customerId, [ORIGINS.home, ORIGINS.phone])
    return customerId
  }

  function buy(
    customerId: string,
    symbol: string,
    origin: FixtureOrigin,
    at = T0,
  ): ReturnType<TypologyFixture['event']> {
    return fx.event({
      customerId,
      at,
      action: 'order',
      origin,
      detail: { symbol, side: 'buy', type: 'market', quantity: 1_000 },
    })
  }

  function recordBuy(customerId: string, symbol: string, origin: FixtureOrigin, agoMs: number): void {
    fx.log.record(buy(customerId, symbol, origin, T0 - agoMs))
  }

  it('flags the third account buying the same foreign small cap from a new environment within two hours, naming the symbol to freeze', async () => {
    const symbol = fx.symbolOf('foreign_small').symbol
    const [a, b, c] = [holder(), holder(), holder()]
    recordBuy(a, symbol, ORIGINS.beijing, 90 * MINUTE)
    recordBuy(b, symbol, ORIGINS.vps, 40 * MINUTE)

    const hit = await typology.evaluate(
      buy(c, symbol, { ...ORIGINS.beijing, ip: '198.51.100.89' }),
      fx.context(T0),
    )

    expect(hit).toMatchObject({
      typology: 'pumpRing',
      severity: 'critical',
      evidence: { symbol, freezeSymbol: true, segment: 'foreign_small', accounts: 3, windowMinutes: 120 },
    })
    expect(String(hit?.evidence['customerIds']).split(',').sort()).toEqual([a, b, c].sort())
  })

  it('counts a held buy as an attempt of the ring, and a domestic small cap as pumpable', async () => {
    const symbol = fx.symbolOf('domestic_small').symbol
    const [a, b] = [holder(), holder()]
    recordBuy(a, symbol, ORIGINS.vps, 30 * MINUTE)
    fx.log.record({ ...buy(b, symbol, ORIGINS.beijing, T0 - 20 * MINUTE), outcome: 'held' })

    expect(await typology.evaluate(buy(holder(), symbol, ORIGINS.vps), fx.context(T0))).toMatchObject({
      evidence: { accounts: 3 },
    })
  })

  it('does not flag three new environments buying a large cap', async () => {
    const [a, b] = [holder(), holder()]
    recordBuy(a, TOYOTA, ORIGINS.beijing, 30 * MINUTE)
    recordBuy(b, TOYOTA, ORIGINS.vps, 20 * MINUTE)

    expect(await typology.evaluate(buy(holder(), TOYOTA, ORIGINS.beijing), fx.context(T0))).toBeNull()
  })

  it('does not flag three long-time holders buying the small cap from their usual environments', async () => {
    const symbol = fx.symbolOf('foreign_small').symbol
    const [a, b] = [holder(), holder()]
    recordBuy(a, symbol, ORIGINS.home, 30 * MINUTE)
    recordBuy(b, symbol, ORIGINS.phone, 20 * MINUTE)

    expect(await typology.evaluate(buy(holder(), symbol, ORIGINS.home), fx.context(T0))).toBeNull()
    // A new-environment buyer among them is one account, not a ring.
    expect(await typology.evaluate(buy(holder(), symbol, ORIGINS.beijing), fx.context(T0))).toBeNull()
  })

  it('does not join buys more than two hours apart, or one account buying twice', async () => {
    const symbol = fx.symbolOf('foreign_small').symbol
    const [a, b] = [holder(), holder()]
    recordBuy(a, symbol, ORIGINS.beijing, 3 * 60 * MINUTE)
    recordBuy(b, symbol, ORIGINS.vps, 30 * MINUTE)
    recordBuy(b, symbol, ORIGINS.vps, 10 * MINUTE)

    expect(await typology.evaluate(buy(holder(), symbol, ORIGINS.beijing), fx.context(T0))).toBeNull()
  })
})
