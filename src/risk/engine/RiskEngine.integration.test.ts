/**
 * The engine over the real rules and the real history (seed 004): the broker checked each of
 * 10,005 withdrawal-destination changes against the customer's past year of access. Here the
 * default typologies read a DbTypologyContext on a migrated store, and the engine holds a change
 * from an origin the customer never used, while the same change from home goes through.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type TypologyFixture,
} from '../../../test/support/typologyFixture.js'
import type { Store } from '../../store/index.js'
import { RbaModel } from '../model/index.js'
import { defaultTypologies } from '../typologies/index.js'
import { RiskEngine } from './RiskEngine.js'

describe.each(DIALECTS)('RiskEngine with the default typologies on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  // Default options, the 250 ms typology timeout included: the real queries answer well within it.
  const engine = new RiskEngine({ typologies: defaultTypologies(), model: new RbaModel(), options: {} })

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

  function customerWithHabits(): string {
    const customerId = fx.unique('cus')
    fx.recordHabit(customerId, [ORIGINS.home, ORIGINS.phone])
    return customerId
  }

  function change(
    customerId: string,
    origin: (typeof ORIGINS)[keyof typeof ORIGINS],
  ): ReturnType<TypologyFixture['event']> {
    return fx.event({
      customerId,
      at: T0,
      action: 'destination_change',
      origin,
      detail: { destinationId: 'dst-new' },
    })
  }

  it("allows a destination change from the customer's familiar home line", async () => {
    const decision = await engine.decide(change(customerWithHabits(), ORIGINS.home), fx.context(T0))

    expect(decision).toMatchObject({ outcome: 'allow', score: 0, reasons: [] })
  })

  it("holds a destination change on the customer's own PC from a network never seen in a year", async () => {
    const decision = await engine.decide(change(customerWithHabits(), ORIGINS.osakaHotel), fx.context(T0))

    expect(decision.outcome).toBe('hold')
    expect(decision.reasons[0]).toMatchObject({
      source: 'typology',
      id: 'destinationChangeFromUnseenOrigin',
      severity: 'high',
      shadow: false,
    })
  })

  it("stops the seed-004 attacker's change from an unseen address, network and device, his login minutes earlier notwithstanding", async () => {
    const customerId = customerWithHabits()
    fx.record({ customerId, at: T0 - 5 * 60_000, action: 'login', origin: ORIGINS.beijing })

    const decision = await engine.decide(change(customerId, ORIGINS.beijing), fx.context(T0))

    // Critical (90) reaches the destination change's freeze threshold: stricter than a hold.
    expect(decision.outcome).toBe('freeze')
    expect(decision.reasons.map((r) => r.id)).toEqual(
      expect.arrayContaining(['destinationChangeFromUnseenOrigin', 'newEnvironment']),
    )
    expect(decision.reasons[0]).toMatchObject({
      id: 'destinationChangeFromUnseenOrigin',
      severity: 'critical',
    })
  })

  it('holds rather than freezes the attacker’s change while the rule is in shadow and only the new-environment rule counts', async () => {
    const shadowed = new RiskEngine({
      typologies: defaultTypologies(),
      model: new RbaModel(),
      options: { shadow: ['destinationChangeFromUnseenOrigin'] },
    })
    const decision = await shadowed.decide(change(customerWithHabits(), ORIGINS.beijing), fx.context(T0))

    expect(decision.outcome).toBe('hold')
    expect(decision.reasons.find((r) => r.id === 'destinationChangeFromUnseenOrigin')).toMatchObject({
      shadow: true,
    })
  })
})
