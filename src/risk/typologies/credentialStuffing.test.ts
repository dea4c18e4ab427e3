/**
 * Credential stuffing: a list of login IDs and passwords (phished, seed 003; reused, seed 000)
 * replayed from one address or a few addresses of one network.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { credentialStuffing } from './credentialStuffing.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type FixtureOrigin,
  type TypologyFixture,
} from '../../../test/support/typologyFixture.js'

const SECOND = 1_000
const MINUTE = 60_000

describe.each(DIALECTS)('credentialStuffing on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = credentialStuffing()

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

  /** Failed logins for distinct login IDs, one every `gapMs`, ending just before T0. */
  function stuff(origin: (i: number) => FixtureOrigin, ids: number, gapMs = 20 * SECOND): void {
    for (let i = 0; i < ids; i++) {
      fx.record({
        customerId: i % 3 === 0 ? fx.unique('cus') : null,
        at: T0 - (ids - i) * gapMs,
        action: 'login_failed',
        outcome: 'failure',
        origin: origin(i),
        loginId: `victim${i}@example.jp`,
      })
    }
  }

  it('flags the tenth distinct login ID failing from one address within ten minutes', async () => {
    stuff(() => ORIGINS.vps, 9)
    const tenth = fx.event({
      customerId: null,
      at: T0,
      action: 'login_failed',
      outcome: 'failure',
      origin: ORIGINS.vps,
      loginId: 'victim9@example.jp',
    })

    const hit = await typology.evaluate(tenth, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'credentialStuffing',
      severity: 'high',
      evidence: { origin: 'address', value: ORIGINS.vps.ip, distinctLoginIds: 10, succeeded: false },
    })
  })

  it('flags a successful login from a stuffing address as critical: the list found a working password', async () => {
    stuff(() => ORIGINS.vps, 12)
    const login = fx.event({
      customerId: fx.unique('cus'),
      at: T0,
      action: 'login',
      origin: ORIGINS.vps,
      loginId: 'victim12@example.jp',
    })

    const hit = await typology.evaluate(login, fx.context(T0))

    expect(hit).toMatchObject({ severity: 'critical', evidence: { distinctLoginIds: 12, succeeded: true } })
    expect(hit?.reason).toContain('login succeeded')
  })

  it('flags thirty login IDs spread over many addresses of one hosting network', async () => {
    const rotating = (i: number): FixtureOrigin => ({ ...ORIGINS.vps, ip: `192.0.2.${100 + (i % 10)}` })
    stuff(rotating, 29, 10 * SECOND)
    const next = fx.event({
      customerId: null,
      at: T0,
      action: 'login_failed',
      outcome: 'failure',
      origin: rotating(29),
      loginId: 'victim29@example.jp',
    })

    const hit = await typology.evaluate(next, fx.context(T0))

    expect(hit).toMatchObject({
      severity: 'high',
      evidence: { origin: 'network', value: 'asn:64500', distinctLoginIds: 30 },
    })
  })

  it('does not flag one customer mistyping their password five times', async () => {
    const customerId = fx.unique('cus')
    for (let i = 0; i < 4; i++) {
      fx.record({
        customerId,
        at: T0 - (4 - i) * 30 * SECOND,
        action: 'login_failed',
        outcome: 'failure',
        origin: ORIGINS.home,
        loginId: 'hanako',
      })
    }
    const fifth = fx.event({
      customerId,
      at: T0,
      action: 'login_failed',
      outcome: 'failure',
      origin: ORIGINS.home,
      loginId: 'hanako',
    })

    expect(await typology.evaluate(fifth, fx.context(T0))).toBeNull()
  })

  it('does not flag a dozen unrelated typos behind one carrier-grade NAT address, nor a slow trickle', async () => {
    stuff(() => ORIGINS.phone, 12)
    const phone = fx.event({
      customerId: null,
      at: T0,
      action: 'login_failed',
      outcome: 'failure',
      origin: ORIGINS.phone,
      loginId: 'someone',
    })
    expect(await typology.evaluate(phone, fx.context(T0))).toBeNull()

    // Nine failures from one address over two hours: never ten in one window.
    stuff(() => ORIGINS.cafe, 9, 12 * MINUTE)
    const cafe = fx.event({
      customerId: null,
      at: T0,
      action: 'login_failed',
      outcome: 'failure',
      origin: ORIGINS.cafe,
      loginId: 'another',
    })
    expect(await typology.evaluate(cafe, fx.context(T0))).toBeNull()
  })

  it('refuses thresholds that could never mean stuffing', () => {
    expect(() => credentialStuffing({ ipMinIds: 1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
    expect(() => credentialStuffing({ windowMs: -1 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
  })
})
