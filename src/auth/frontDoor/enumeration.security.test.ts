/*
 * Attack: user enumeration (B-10). An attacker holding a leaked list of login IDs (seeds 000 and
 * 003) wants to know which of them are customers here before spending guesses on them. The
 * front door must give nothing away: a wrong password for a real login ID and any password for an
 * unknown one get the same status, the same body and the same cookies, in about the same time
 * (the unknown ID pays for a dummy argon2 verification); and the recovery and unlock start
 * endpoints, which take a bare login ID, answer an unknown one exactly like a known one — the same
 * keys and shapes, and usernameless WebAuthn options (an `allowCredentials` list would name the
 * account's credential ids and so confirm the account). A known account whose e-mail code budget
 * is used up must not answer differently either.
 *
 * Over real HTTP against the whole server (startServer) with the default policy, per dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, type Api, type ApiResponse } from '../../../test/support/http.js'
import { median, newCustomer, passwordLogin, type FrontDoorCustomer } from '../../../test/support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../../test/support/server.js'

const ATTEMPTS = 15

/** The structure of a JSON value: every leaf replaced by its type, arrays by their elements' shapes. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, shapeOf(v)]))
  }
  return value === null ? 'null' : typeof value
}

/** The names of the cookies a response sets, and the response's header names, without the date. */
function envelopeOf(res: ApiResponse): { status: number; cookies: string[]; headers: string[] } {
  return {
    status: res.status,
    cookies: res.headers.getSetCookie().map((c) => c.split('=', 1)[0]!).sort(),
    headers: [...res.headers.keys()].filter((h) => h !== 'date' && h !== 'content-length').sort(),
  }
}

describe.each(SERVER_DIALECTS)('user enumeration through the front door on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let known: FrontDoorCustomer

  beforeAll(async () => {
    // Fifteen wrong passwords would lock the known account at ten and trip the per-address
    // throttle at thirty; both have their own tests, and here would only change which path is timed.
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { auth: { lockoutThreshold: 1000, ipFailureLimit: 10_000, networkFailureLimit: 10_000 } } })
    client = api(ts.url)
    known = await newCustomer(ts)
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('answers a wrong password for a known login ID exactly like any password for an unknown one', async () => {
    const forKnown = await passwordLogin(api(ts.url), known, 'a wrong password')
    const forUnknown = await passwordLogin(api(ts.url), { loginId: `${known.loginId}x` }, 'a wrong password')
    expect(forKnown.status).toBe(401)
    expect(forUnknown.body).toEqual(forKnown.body)
    expect(envelopeOf(forUnknown)).toEqual(envelopeOf(forKnown))
  })

  it('takes about as long to refuse an unknown login ID as a known one with a wrong password', async () => {
    const time = async (loginId: string): Promise<number> => {
      const t0 = performance.now()
      const res = await client.post('/v1/auth/login', { loginId, password: 'a wrong password' })
      const elapsed = performance.now() - t0
      expect(res.status).toBe(401)
      return elapsed
    }
    // One of each first, so neither side pays for a cold path.
    await time(known.loginId)
    await time('ghost-warm-up')
    const knownTimes: number[] = []
    const unknownTimes: number[] = []
    for (let i = 0; i < ATTEMPTS; i++) {
      knownTimes.push(await time(known.loginId))
      unknownTimes.push(await time(`ghost-${i}-${known.loginId}`))
    }
    // Without the dummy verification an unknown ID answers an order of magnitude faster.
    const ratio = median(unknownTimes) / median(knownTimes)
    expect(ratio).toBeGreaterThan(0.5)
    expect(ratio).toBeLessThan(2)
  })

  for (const path of ['/v1/auth/recovery/start', '/v1/auth/unlock/start'] as const) {
    it(`answers ${path} for an unknown login ID exactly like for a known one`, async () => {
      const forKnown = await api(ts.url).post<Record<string, unknown>>(path, { loginId: known.loginId })
      const forUnknown = await api(ts.url).post<Record<string, unknown>>(path, { loginId: `nobody-${known.loginId}` })
      expect(forKnown.status).toBe(200)
      expect(envelopeOf(forUnknown)).toEqual(envelopeOf(forKnown))
      expect(Object.keys(forUnknown.body).sort()).toEqual(Object.keys(forKnown.body).sort())
      expect(shapeOf(forUnknown.body)).toEqual(shapeOf(forKnown.body))
      // Everything but the random tokens and the challenge is the same value.
      const fixed = (body: Record<string, unknown>): unknown => {
        const { flowToken: _f, challengeId: _c, options, ...rest } = body
        if (options === undefined) return rest
        const { challenge: _challenge, ...fixedOptions } = options as Record<string, unknown>
        return { ...rest, options: fixedOptions }
      }
      expect(fixed(forUnknown.body)).toEqual(fixed(forKnown.body))
      if (path === '/v1/auth/unlock/start') {
        expect(forKnown.body.options).toHaveProperty('allowCredentials', [])
        expect(forUnknown.body.options).toHaveProperty('allowCredentials', [])
      }
    })
  }

  it('answers recovery for a known login ID whose code budget is spent like for an unknown one', async () => {
    const c = await newCustomer(ts)
    const answers: ApiResponse<Record<string, unknown>>[] = []
    for (let i = 0; i <= ts.config.auth.emailCodesPerWindow; i++) {
      answers.push(await api(ts.url).post<Record<string, unknown>>('/v1/auth/recovery/start', { loginId: c.loginId }))
    }
    const unknown = await api(ts.url).post<Record<string, unknown>>('/v1/auth/recovery/start', { loginId: `nobody-${c.loginId}` })
    const spent = answers.at(-1)!
    expect(await c.inbox.count('code.recovery')).toBe(ts.config.auth.emailCodesPerWindow)
    expect(envelopeOf(spent)).toEqual(envelopeOf(unknown))
    expect(shapeOf(spent.body)).toEqual(shapeOf(unknown.body))
    expect(spent.body.expiresAt).toBe(unknown.body.expiresAt)
  })
})
