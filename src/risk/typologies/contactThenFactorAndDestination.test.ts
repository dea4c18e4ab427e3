/**
 * Contact, then factor, then destination: the attacker redirects the notices and codes to himself,
 * enrols his own authenticator, and then points withdrawals at his account.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { contactThenFactorAndDestination } from './contactThenFactorAndDestination.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

const HOUR = 3_600_000
const DAY = 86_400_000

describe.each(DIALECTS)('contactThenFactorAndDestination on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = contactThenFactorAndDestination()

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

  it('flags as critical a destination change after a contact change and then a factor change within a week', async () => {
    const customerId = fx.unique('cus')
    fx.record({
      customerId,
      at: T0 - 3 * DAY,
      action: 'contact_change',
      origin: ORIGINS.beijing,
      detail: { channel: 'email' },
    })
    fx.record({
      customerId,
      at: T0 - 2 * DAY,
      action: 'factor_change',
      origin: ORIGINS.beijing,
      detail: { factor: 'totp' },
    })
    const change = fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.beijing })

    const hit = await typology.evaluate(change, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'contactThenFactorAndDestination',
      severity: 'critical',
      evidence: {
        step: 'destination_change',
        contactChangedAt: T0 - 3 * DAY,
        factorChangedAt: T0 - 2 * DAY,
        hoursAfterContact: 72,
      },
    })
  })

  it('flags high a factor change the day after a contact change', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 20 * HOUR, action: 'contact_change', origin: ORIGINS.beijing })
    const factor = fx.event({ customerId, at: T0, action: 'factor_change', origin: ORIGINS.beijing })

    expect(await typology.evaluate(factor, fx.context(T0))).toMatchObject({
      severity: 'high',
      evidence: { step: 'factor_change', hoursAfterContact: 20 },
    })
  })

  it('does not flag a contact change alone, nor a destination change that follows only a contact change', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - DAY, action: 'contact_change', origin: ORIGINS.home })

    expect(typology.actions).not.toContain('contact_change')
    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.home }),
        fx.context(T0),
      ),
    ).toBeNull()
  })

  it('does not flag a destination change months after a move that changed contact details and the phone', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 90 * DAY, action: 'contact_change', origin: ORIGINS.home })
    fx.record({ customerId, at: T0 - 89 * DAY, action: 'factor_change', origin: ORIGINS.phone })

    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.home }),
        fx.context(T0),
      ),
    ).toBeNull()
  })

  it('does not count changes that did not go through, or a factor change before the contact change', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 3 * DAY, action: 'factor_change', origin: ORIGINS.phone })
    fx.record({ customerId, at: T0 - 2 * DAY, action: 'contact_change', origin: ORIGINS.home })
    fx.record({
      customerId,
      at: T0 - DAY,
      action: 'factor_change',
      outcome: 'denied',
      origin: ORIGINS.beijing,
    })

    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.home }),
        fx.context(T0),
      ),
    ).toBeNull()
  })
})
