/**
 * Destination change from an unseen origin (seed 004): the SBI attacker (seed 000) pointed each
 * victim's withdrawals at a forged same-name bank account from an address the victim had never
 * used; the broker of seed 004 then checked all 10,005 recent changes against each customer's
 * past year of access.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { destinationChangeFromUnseenOrigin } from './destinationChangeFromUnseenOrigin.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const DAY = 86_400_000

describe.each(DIALECTS)('destinationChangeFromUnseenOrigin on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = destinationChangeFromUnseenOrigin()

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

  it("flags the attacker's change from an address, network and device unseen in a year as critical, his login minutes earlier notwithstanding", async () => {
    const customerId = customerWithHabits()
    fx.record({ customerId, at: T0 - 5 * MINUTE, action: 'login', origin: ORIGINS.beijing })
    const change = fx.event({
      customerId,
      at: T0,
      action: 'destination_change',
      origin: ORIGINS.beijing,
      detail: { destinationId: 'dst-forged' },
    })

    const hit = await typology.evaluate(change, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'destinationChangeFromUnseenOrigin',
      severity: 'critical',
      evidence: {
        ip: ORIGINS.beijing.ip,
        knownNetwork: false,
        knownDevice: false,
        destinationId: 'dst-forged',
        lookbackDays: 365,
      },
    })
  })

  it('holds (high), not freezes, a change by a customer with no settled history: every origin is unseen for them', async () => {
    const customerId = fx.unique('cus')
    // Enrolled this week: a login from home three days ago is not settled yet.
    fx.record({ customerId, at: T0 - 3 * 24 * 60 * MINUTE, action: 'login', origin: ORIGINS.home })
    const change = fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.beijing, detail: { destinationId: 'dst-first' } })

    const hit = await typology.evaluate(change, fx.context(T0))

    expect(hit).toMatchObject({ severity: 'high', reason: expect.stringContaining('no settled history') })
  })

  it("flags high a change on the customer's own device from a network never seen (a hotel)", async () => {
    const customerId = customerWithHabits()
    const change = fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.osakaHotel })

    expect(await typology.evaluate(change, fx.context(T0))).toMatchObject({
      severity: 'high',
      evidence: { knownDevice: true, knownNetwork: false },
    })
  })

  it("flags a new device on the customer's mobile carrier: a carrier network vouches for millions", async () => {
    const customerId = customerWithHabits()
    const origin = { ...ORIGINS.phone, ip: '198.51.100.201', deviceId: 'dev-attacker-phone' }
    const change = fx.event({ customerId, at: T0, action: 'destination_change', origin })

    expect(await typology.evaluate(change, fx.context(T0))).toMatchObject({
      severity: 'critical',
      evidence: { knownNetwork: true, sharedNetwork: true, knownDevice: false },
    })
  })

  it("flags a new device even on the carrier address the customer's phone used, and not the customer's phone on a new one", async () => {
    const customerId = customerWithHabits()
    const stranger = { ...ORIGINS.phone, deviceId: 'dev-attacker-phone' }
    const ownPhone = { ...ORIGINS.phone, ip: '198.51.100.202' }

    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'destination_change', origin: stranger }),
        fx.context(T0),
      ),
    ).toMatchObject({ evidence: { knownIp: true, knownDevice: false } })
    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'destination_change', origin: ownPhone }),
        fx.context(T0),
      ),
    ).toBeNull()
  })

  it('does not flag a change from the home network seen last month, though the line was renumbered', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 30 * DAY, action: 'login', origin: ORIGINS.home })
    const change = fx.event({
      customerId,
      at: T0,
      action: 'destination_change',
      origin: { ...ORIGINS.home, ip: '203.0.113.77' },
    })

    expect(await typology.evaluate(change, fx.context(T0))).toBeNull()
  })

  it("flags high a new device on a new address of the customer's own ISP: a residential proxy", async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 30 * DAY, action: 'login', origin: ORIGINS.home })
    const change = fx.event({
      customerId,
      at: T0,
      action: 'destination_change',
      origin: { ...ORIGINS.home, ip: '203.0.113.78', deviceId: 'dev_residential_proxy' },
    })

    const hit = await typology.evaluate(change, fx.context(T0))
    expect(hit?.severity).toBe('high')
    expect(hit?.reason).toContain("new address of the customer's network")
  })

  it('does not flag a change from an address last used eleven months ago', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 330 * DAY, action: 'login', origin: ORIGINS.cafe })

    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.cafe }),
        fx.context(T0),
      ),
    ).toBeNull()
  })

  it('judges a past change against the history before it, as a retrospective scan must', async () => {
    const customerId = customerWithHabits()
    const change = fx.record({ customerId, at: T0, action: 'destination_change', origin: ORIGINS.beijing })
    // Later use of the same origin (the attacker returning, or a customer on holiday) does not
    // make the change look familiar when it is checked afterwards.
    fx.record({ customerId, at: T0 + 10 * DAY, action: 'login', origin: ORIGINS.beijing })

    expect(await typology.evaluate(change, fx.context(change.at))).toMatchObject({ severity: 'critical' })
  })
})
