/*
 * Attack: credential stuffing (seed 003). A leaked list of login ID / password pairs from another
 * site is replayed against the login, one attempt per account, so that no account ever reaches its
 * own lockout threshold. The defence is keyed by where the attempts come from (B-10): after
 * `auth.ipFailureLimit` failures from one address, and `auth.networkFailureLimit` from one network
 * (the /24 here), every further attempt is refused with 429 RATE_LIMITED before the database is
 * read or any argon2 work is done — even for a pair that happens to be right. The evidence that no
 * password work is done: throttled answers arrive far faster than an argon2 verification, and the
 * real customers on the list stop accumulating failed logins once the throttle is on.
 *
 * Requests leave from different loopback addresses (127.0.0.0/8 is all loopback on Linux) through
 * node:http's `localAddress`; X-Forwarded-For is not trusted (http.trustProxy is off), so a header
 * cannot buy a fresh address.
 *
 * Over real HTTP against the whole server (startServer) with the default policy, per dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lockoutState, median, newCustomer, requestFrom, type ErrorJson, type FrontDoorCustomer, type RawResponse } from '../../../test/support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../../test/support/server.js'

const IP_LIMIT = 20
const NETWORK_LIMIT = 45
const LIST_SIZE = 200

interface Timed {
  readonly res: RawResponse
  readonly ms: number
}

describe.each(SERVER_DIALECTS)('credential stuffing against the login on %s', (dialect) => {
  let ts: TestServer
  let real: readonly FrontDoorCustomer[]

  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      defaultPolicy: true,
      overrides: { auth: { ipFailureLimit: IP_LIMIT, networkFailureLimit: NETWORK_LIMIT } },
    })
    expect(ts.config.http.trustProxy).toBe(false)
    real = await Promise.all(Array.from({ length: 5 }, () => newCustomer(ts, 'stuffed')))
  })
  afterAll(async () => {
    await ts?.close()
  })

  async function attempt(from: string, loginId: string, password: string, headers: Record<string, string> = {}): Promise<Timed> {
    const t0 = performance.now()
    const res = await requestFrom(from, ts.url, 'POST', '/v1/auth/login', { body: { loginId, password }, headers })
    return { res, ms: performance.now() - t0 }
  }

  function codeOf(t: Timed): string | undefined {
    return (t.res.body as Partial<ErrorJson>).error?.code
  }

  it('refuses the rest of a leaked list with RATE_LIMITED after the per-address limit, without touching the accounts', async () => {
    // Real accounts early (before the throttle) and late (after it); the one right pair sits late.
    const list = Array.from({ length: LIST_SIZE }, (_, i) => ({ loginId: `leaked-${i}-nobody`, password: `hunter${i}` }))
    const early = real.slice(0, 2)
    const late = real.slice(2)
    list[3] = { loginId: early[0]!.loginId, password: 'password from another site' }
    list[11] = { loginId: early[1]!.loginId, password: 'password from another site' }
    list[60] = { loginId: late[0]!.loginId, password: 'password from another site' }
    list[120] = { loginId: late[1]!.loginId, password: late[1]!.password }
    list[199] = { loginId: late[2]!.loginId, password: 'password from another site' }

    const results: Timed[] = []
    for (const entry of list) results.push(await attempt('127.0.0.1', entry.loginId, entry.password))

    const failed = results.filter((r) => r.res.status === 401)
    const throttled = results.filter((r) => r.res.status === 429)
    expect(failed).toHaveLength(IP_LIMIT)
    expect(failed.every((r) => codeOf(r) === 'AUTH_FAILED')).toBe(true)
    // Exactly the first IP_LIMIT attempts were looked at; every later one was refused at the gate.
    expect(results.slice(0, IP_LIMIT).every((r) => r.res.status === 401)).toBe(true)
    expect(throttled).toHaveLength(LIST_SIZE - IP_LIMIT)
    expect(throttled.every((r) => codeOf(r) === 'RATE_LIMITED')).toBe(true)
    const details = (throttled[0]!.res.body as ErrorJson).error.details
    expect(details?.retryAfterMs).toBeGreaterThan(0)
    // The right pair behind the throttle was refused like the rest: the gate never checks passwords.
    expect(results[120]!.res.status).toBe(429)
    expect(results[120]!.res.body).toEqual(results[121]!.res.body)

    // No argon2 behind the gate: a throttled answer costs a fraction of a password verification.
    const verifying = median(failed.map((r) => r.ms))
    const gated = median(throttled.map((r) => r.ms))
    expect(gated).toBeLessThan(verifying / 4)

    // Nor any database work on the accounts: only those tried before the throttle counted a failure.
    for (const c of early) expect(await lockoutState(ts, c.id)).toEqual({ failedLogins: 1, locked: false })
    for (const c of late) expect(await lockoutState(ts, c.id)).toEqual({ failedLogins: 0, locked: false })

    // A forwarded-for header from the same socket does not buy a fresh address.
    const spoofed = await attempt('127.0.0.1', late[0]!.loginId, 'another guess', { 'x-forwarded-for': '198.51.100.7' })
    expect({ status: spoofed.res.status, code: codeOf(spoofed) }).toEqual({ status: 429, code: 'RATE_LIMITED' })
  })

  it('throttles a whole network once its addresses together reach the per-network limit', async () => {
    // 127.0.0.1 already spent IP_LIMIT failures of the network's budget in the test above.
    const untilThrottled = async (from: string): Promise<number> => {
      let failures = 0
      for (let i = 0; i < IP_LIMIT + 5; i++) {
        const t = await attempt(from, `leaked-${from}-${i}`, 'guess')
        if (t.res.status === 429) {
          expect(codeOf(t)).toBe('RATE_LIMITED')
          return failures
        }
        expect(t.res.status).toBe(401)
        failures++
      }
      return failures
    }
    // A second address has a budget of its own...
    expect(await untilThrottled('127.0.0.2')).toBe(IP_LIMIT)
    // ...but a third is stopped by the network's limit long before its own.
    expect(await untilThrottled('127.0.0.3')).toBe(NETWORK_LIMIT - 2 * IP_LIMIT)
    expect(await untilThrottled('127.0.0.4')).toBe(0)
    const real0 = real[0]!
    const right = await attempt('127.0.0.5', real0.loginId, real0.password)
    expect({ status: right.res.status, code: codeOf(right) }).toEqual({ status: 429, code: 'RATE_LIMITED' })
  })

  it('lets the network in again once the throttle window has passed', async () => {
    ts.clock.advance(ts.config.auth.throttleWindowSeconds * 1000)
    const c = real[0]!
    const res = await requestFrom('127.0.0.1', ts.url, 'POST', '/v1/auth/login', { body: { loginId: c.loginId, password: c.password } })
    expect(res.status).toBe(200)
    expect((res.body as { status: string }).status).toBe('factor_required')
  })
})
