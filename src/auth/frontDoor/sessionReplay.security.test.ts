/*
 * Attack: session hijacking by replay (B-12). Malware or a malicious extension on the victim's
 * machine, or a leaked HAR file or proxy log, hands the attacker a live session id — the
 * `__Host-mamori_session` cookie or the bearer token — which they replay from their own machine,
 * on another network, with their own device cookie or with none. A session is bound to the device
 * it was opened on: presented from anywhere else it is refused AND revoked on the spot, so the
 * victim is logged out too and notices (the attacker's one try costs them the session rather
 * than leaving it to be tried again). After logout the id is worthless everywhere, the victim's
 * own device included.
 *
 * Over real HTTP against the whole server (startServer) with the default policy, per dialect; the
 * thief's requests leave from another loopback address (127.0.0.9) through node:http.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVICE_COOKIE } from '../device/index.js'
import { sessionHashOf } from '../session/index.js'
import { SESSION_COOKIE } from '../../http/index.js'
import { api, cookieFrom, type Api } from '../../../test/support/http.js'
import {
  enrolWithPasskey,
  expectError,
  newCustomer,
  passkeyLogin,
  requestFrom,
  sessionOf,
  WEBAUTHN,
  type ErrorJson,
} from '../../../test/support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../../test/support/server.js'
import type { SoftCredential } from '../../../test/support/softAuthenticator.js'

const THIEF_ADDRESS = '127.0.0.9'

describe.each(SERVER_DIALECTS)('a stolen session replayed on %s', (dialect) => {
  let ts: TestServer
  let passkey: SoftCredential

  beforeAll(async () => {
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN } })
    ;({ credential: passkey } = await enrolWithPasskey(api(ts.url), await newCustomer(ts, 'victim')))
  })
  afterAll(async () => {
    await ts?.close()
  })

  /** The victim logs in on their own device; returns their client and the session id. */
  async function victimSession(): Promise<{ victim: Api; token: string }> {
    const victim = api(ts.url)
    const token = sessionOf(await passkeyLogin(victim, passkey))
    expect((await victim.get('/v1/me', { token })).status).toBe(200)
    return { victim, token }
  }

  async function revokedAt(token: string): Promise<number | null> {
    const row = await ts.server.store.db.selectFrom('sessions').select('revoked_at').where('id_hash', '=', sessionHashOf(token)).executeTakeFirstOrThrow()
    return row.revoked_at === null ? null : Number(row.revoked_at)
  }

  /** A device cookie of the thief's own, issued to them by the server like to any visitor. */
  async function thiefDevice(): Promise<string> {
    const visit = await api(ts.url).post('/v1/auth/passkey/options', {})
    const device = cookieFrom(visit, DEVICE_COOKIE)
    expect(device).toBeDefined()
    return device!
  }

  it('refuses the cookie replayed with the thief’s own device cookie from another address, and logs the victim out', async () => {
    const { victim, token } = await victimSession()
    const replay = await requestFrom(THIEF_ADDRESS, ts.url, 'GET', '/v1/me', { headers: { cookie: `${SESSION_COOKIE}=${token}; ${await thiefDevice()}` } })
    expect({ status: replay.status, code: (replay.body as ErrorJson).error.code }).toEqual({ status: 401, code: 'AUTH_REQUIRED' })
    expect(await revokedAt(token)).toBe(ts.clock.now())
    expectError(await victim.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
  })

  it('refuses the cookie replayed with no device at all, and logs the victim out', async () => {
    const { victim, token } = await victimSession()
    const replay = await requestFrom(THIEF_ADDRESS, ts.url, 'GET', '/v1/portfolio', { headers: { cookie: `${SESSION_COOKIE}=${token}` } })
    expect({ status: replay.status, code: (replay.body as ErrorJson).error.code }).toEqual({ status: 401, code: 'AUTH_REQUIRED' })
    expect(await revokedAt(token)).not.toBeNull()
    expectError(await victim.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
  })

  it('refuses the bearer token replayed through another API client, and logs the victim out', async () => {
    const { victim, token } = await victimSession()
    const thief = api(ts.url)
    const device = (await thiefDevice()).slice(`${DEVICE_COOKIE}=`.length)
    expectError(await thief.get('/v1/me', { token, headers: { 'x-mamori-device': device } }), 401, 'AUTH_REQUIRED')
    expectError(await victim.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
  })

  it('does not let a session be used after logout, from the victim’s own device either', async () => {
    const { victim, token } = await victimSession()
    expect((await victim.post('/v1/auth/logout', undefined, { token })).status).toBe(204)
    expectError(await victim.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
    expectError(await victim.get('/v1/me', { cookie: `${SESSION_COOKIE}=${token}` }), 401, 'AUTH_REQUIRED')
    const replay = await requestFrom(THIEF_ADDRESS, ts.url, 'GET', '/v1/me', { headers: { cookie: `${SESSION_COOKIE}=${token}; ${await thiefDevice()}` } })
    expect(replay.status).toBe(401)
  })

  it('does not let a replayed session step up or change anything on its way out', async () => {
    const { victim, token } = await victimSession()
    const replay = await requestFrom(THIEF_ADDRESS, ts.url, 'POST', '/v1/auth/step-up/passkey/options', {
      body: { operation: 'withdrawal' },
      headers: { cookie: `${SESSION_COOKIE}=${token}; ${await thiefDevice()}` },
    })
    expect(replay.status).toBe(401)
    expectError(await victim.post('/v1/devices/registered-only', { enabled: true }, { token }), 401, 'AUTH_REQUIRED')
  })
})
