/**
 * Withdrawal after a destination change: in seeds 000 and 002 the money left for a forged
 * same-name account as soon as it had been registered as the withdrawal destination.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'
import { withdrawalAfterDestinationChange } from './withdrawalAfterDestinationChange.js'

const HOUR = 3_600_000
const DAY = 86_400_000

describe.each(DIALECTS)('withdrawalAfterDestinationChange on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = withdrawalAfterDestinationChange()

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

  it('flags a withdrawal two hours after its destination was changed', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 2 * HOUR,
      action: 'destination_change',
      origin: ORIGINS.beijing,
      detail: { destinationId: 'dst-forged' },
    })
    const withdrawal = fx.event({
      customerId,
      at: T0,
      action: 'withdrawal',
      origin: ORIGINS.beijing,
      detail: { amount: 9_800_000, destinationId: 'dst-forged' },
    })

    const hit = await typology.evaluate(withdrawal, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'withdrawalAfterDestinationChange',
      severity: 'high',
      evidence: { destinationId: 'dst-forged', hoursSinceChange: 2, withinCooling: true, otherOrigin: false },
    })
  })

  it('flags as critical a withdrawal soon after the change and from another origin than it', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 20 * HOUR,
      action: 'destination_change',
      origin: ORIGINS.beijing,
      detail: { destinationId: 'dst-forged' },
    })
    const withdrawal = fx.event({
      customerId,
      at: T0,
      action: 'withdrawal',
      origin: ORIGINS.vps,
      detail: { destinationId: 'dst-forged' },
    })

    expect(await typology.evaluate(withdrawal, fx.context(T0))).toMatchObject({
      severity: 'critical',
      evidence: { withinCooling: true, otherOrigin: true },
    })
  })

  it('flags a withdrawal after the cooling period from another origin than the change', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 5 * DAY,
      action: 'destination_change',
      outcome: 'held',
      origin: ORIGINS.beijing,
      detail: { destinationId: 'dst-forged' },
    })
    const withdrawal = fx.event({
      customerId,
      at: T0,
      action: 'withdrawal',
      origin: ORIGINS.vps,
      detail: { destinationId: 'dst-forged' },
    })

    expect(await typology.evaluate(withdrawal, fx.context(T0))).toMatchObject({
      severity: 'high',
      evidence: { withinCooling: false, otherOrigin: true },
    })
  })

  it('does not flag a withdrawal to a destination registered six months ago', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 180 * DAY,
      action: 'destination_change',
      origin: ORIGINS.home,
      detail: { destinationId: 'dst-own' },
    })
    const withdrawal = fx.event({
      customerId,
      at: T0,
      action: 'withdrawal',
      origin: ORIGINS.phone,
      detail: { destinationId: 'dst-own' },
    })

    expect(await typology.evaluate(withdrawal, fx.context(T0))).toBeNull()
  })

  it('does not flag a withdrawal to an older destination after another one was changed, nor after a denied change', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 400 * DAY,
      action: 'destination_change',
      origin: ORIGINS.home,
      detail: { destinationId: 'dst-own' },
    })
    fx.record({
      customerId,
      at: T0 - 3 * HOUR,
      action: 'destination_change',
      origin: ORIGINS.home,
      detail: { destinationId: 'dst-second' },
    })
    fx.record({
      customerId,
      at: T0 - 2 * HOUR,
      action: 'destination_change',
      outcome: 'denied',
      origin: ORIGINS.beijing,
    })
    const withdrawal = fx.event({
      customerId,
      at: T0,
      action: 'withdrawal',
      origin: ORIGINS.home,
      detail: { destinationId: 'dst-own' },
    })

    expect(await typology.evaluate(withdrawal, fx.context(T0))).toBeNull()
  })

  it('does not flag a customer withdrawing, ten days after changing it, from the device that changed it', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 10 * DAY,
      action: 'destination_change',
      origin: ORIGINS.home,
      detail: { destinationId: 'dst-new-bank' },
    })
    const withdrawal = fx.event({
      customerId,
      at: T0,
      action: 'withdrawal',
      origin: ORIGINS.cafe,
      detail: { destinationId: 'dst-new-bank' },
    })

    expect(await typology.evaluate(withdrawal, fx.context(T0))).toBeNull()
  })

  it('does not flag the customer withdrawing from their own phone a week after changing it at home; a phone first seen after the change is still another origin', async () => {
    const customerId = fx.unique('cus')
    fx.recordHabit(customerId, [ORIGINS.home, ORIGINS.phone])
    fx.record({ customerId, at: T0 - 8 * DAY, action: 'destination_change', origin: ORIGINS.home, detail: { destinationId: 'dst-new-bank' } })
    const fromPhone = fx.event({ customerId, at: T0, action: 'withdrawal', origin: ORIGINS.phone, detail: { destinationId: 'dst-new-bank' } })
    expect(await typology.evaluate(fromPhone, fx.context(T0))).toBeNull()

    const newcomer = fx.unique('cus')
    fx.record({ customerId: newcomer, at: T0 - 8 * DAY, action: 'destination_change', origin: ORIGINS.home, detail: { destinationId: 'dst-forged' } })
    // The attacker's phone, first used the day after the change: not the customer's before it.
    fx.record({ customerId: newcomer, at: T0 - 7 * DAY, action: 'login', origin: ORIGINS.phone })
    const later = fx.event({ customerId: newcomer, at: T0, action: 'withdrawal', origin: ORIGINS.phone, detail: { destinationId: 'dst-forged' } })
    expect(await typology.evaluate(later, fx.context(T0))).toMatchObject({ severity: 'high', evidence: { otherOrigin: true } })
  })
})
