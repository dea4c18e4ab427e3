/**
 * New environment: a phished password used from the attacker's own device and network, which
 * the customer never used.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { newEnvironment, userAgentFamily } from './newEnvironment.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000

describe.each(DIALECTS)('newEnvironment on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = newEnvironment()

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

  it('flags a login from a device, network and country the customer never used as high', async () => {
    const customerId = customerWithHabits()
    const login = fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.beijing })

    const hit = await typology.evaluate(login, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'newEnvironment',
      severity: 'high',
      evidence: {
        newDevice: true,
        newNetwork: true,
        newCountry: true,
        newUserAgentFamily: false,
        country: 'CN',
      },
    })
  })

  it('flags a script from a hosting network abroad, without a device cookie, as critical', async () => {
    const customerId = customerWithHabits()
    const login = fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.vps })

    const hit = await typology.evaluate(login, fx.context(T0))

    expect(hit).toMatchObject({
      severity: 'critical',
      evidence: { newCountry: true, newUserAgentFamily: true, hosting: true, deviceId: null },
    })
  })

  it('flags only medium a new PC of the same kind on a new Japanese ISP', async () => {
    const customerId = customerWithHabits()
    const origin = { ...ORIGINS.osakaHotel, deviceId: 'dev-new-pc' }

    const hit = await typology.evaluate(
      fx.event({ customerId, at: T0, action: 'login', origin }),
      fx.context(T0),
    )

    expect(hit).toMatchObject({
      severity: 'medium',
      evidence: { newCountry: false, newUserAgentFamily: false },
    })
  })

  it("does not let the attacker's own login a few minutes earlier make his environment familiar", async () => {
    const customerId = customerWithHabits()
    fx.record({ customerId, at: T0 - 10 * MINUTE, action: 'login', origin: ORIGINS.beijing })
    const change = fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.beijing })

    expect(await typology.evaluate(change, fx.context(T0))).toMatchObject({ severity: 'high' })
  })

  it('does not flag the customer’s own laptop on a café Wi-Fi it never used', async () => {
    const customerId = customerWithHabits()
    const login = fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.cafe })

    expect(await typology.evaluate(login, fx.context(T0))).toBeNull()
  })

  it('does not flag a new phone on the customer’s home line', async () => {
    const customerId = customerWithHabits()
    const origin = {
      ...ORIGINS.home,
      ...{ userAgent: ORIGINS.phone.userAgent, browser: 'Mobile Safari 18', os: 'iOS 18.1' },
      deviceId: 'dev-new-iphone',
    }

    expect(
      await typology.evaluate(fx.event({ customerId, at: T0, action: 'login', origin }), fx.context(T0)),
    ).toBeNull()
  })

  it('flags only low a customer with no settled history, where everything is new and nothing is evidence', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 2 * 86_400_000, action: 'login', origin: ORIGINS.home })
    const hit = await typology.evaluate(fx.event({ customerId, at: T0, action: 'order', origin: ORIGINS.home }), fx.context(T0))
    expect(hit?.severity).toBe('low')
    expect(hit?.evidence.noHistory).toBe(true)
  })

  it('names a user-agent family without versions', () => {
    expect(userAgentFamily({ browser: 'Chrome 124', os: 'Windows 10' })).toBe('Chrome on Windows')
    expect(userAgentFamily({ browser: 'Mobile Safari 17', os: 'Mac OS 10.15' })).toBe(
      'Mobile Safari on Mac OS',
    )
    expect(userAgentFamily({ browser: null, os: null })).toBeNull()
  })
})
