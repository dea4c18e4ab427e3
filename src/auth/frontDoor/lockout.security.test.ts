/*
 * Attack: online guessing against one account (B-10). An attacker with the victim's login ID
 * guesses passwords until the account locks, then keeps going in the hope the lock can be talked
 * round: with the right password (found later in another leak), with a second factor phished in
 * the meantime, by asking for fresh e-mail codes so each code's guess budget restarts, or by
 * unlocking with only one of the two proofs the unlock asks for. A locked account must answer
 * every one of these with the same AUTH_FAILED a wrong password gets — so the answer does not
 * even confirm the password — and only a passkey assertion together with the code e-mailed for
 * the unlock lifts it.
 *
 * Over real HTTP against the whole server (startServer) with the default policy, per dialect.
 */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, type Api, type ApiResponse } from '../../../test/support/http.js'
import {
  assert,
  enrolWithPasskey,
  expectError,
  flowOf,
  flowPasskey,
  lockoutState,
  newCustomer,
  passkeyLogin,
  passwordLogin,
  sendFlowCode,
  sessionOf,
  strangerCredential,
  submitFlowCode,
  WEBAUTHN,
  wrongCode,
  type FrontDoorCustomer,
} from '../../../test/support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../../test/support/server.js'
import type { SoftCredential } from '../../../test/support/softAuthenticator.js'

const THRESHOLD = 10

interface UnlockStartJson {
  flowToken: string
  challengeId: string
  options: PublicKeyCredentialRequestOptionsJSON
}

describe.each(SERVER_DIALECTS)('the account lockout over HTTP on %s', (dialect) => {
  let ts: TestServer
  let client: Api

  beforeAll(async () => {
    // The lockout threshold is the default (10). Every request comes from 127.0.0.1, so the
    // per-address throttle (credentialStuffing.security.test.ts) is raised out of the way.
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN, auth: { ipFailureLimit: 10_000, networkFailureLimit: 10_000 } } })
    client = api(ts.url)
    expect(ts.config.auth.lockoutThreshold).toBe(THRESHOLD)
  })
  afterAll(async () => {
    await ts?.close()
  })

  /** Ten wrong passwords; returns the answer the last one got. */
  async function lock(c: FrontDoorCustomer): Promise<ApiResponse> {
    let last: ApiResponse | undefined
    for (let i = 0; i < THRESHOLD; i++) {
      last = await passwordLogin(client, c, `wrong guess ${i}`)
      expectError(last, 401, 'AUTH_FAILED')
    }
    expect(await lockoutState(ts, c.id)).toEqual({ failedLogins: THRESHOLD, locked: true })
    return last!
  }

  it('answers the right password and a right second factor exactly like a wrong password once locked', async () => {
    const c = await newCustomer(ts)
    const { credential } = await enrolWithPasskey(api(ts.url), c)
    // A login begun with the right password before the lock, waiting for its passkey.
    const victim = api(ts.url)
    const openFlow = flowOf(await passwordLogin(victim, c, c.password))

    const wrong = await lock(c)
    const right = await passwordLogin(api(ts.url), c, c.password)
    expectError(right, 401, 'AUTH_FAILED')
    expect(right.body).toEqual(wrong.body)

    const usernameless = await passkeyLogin(api(ts.url), credential)
    expectError(usernameless, 401, 'AUTH_FAILED')
    expect(usernameless.body).toEqual(wrong.body)

    const completed = await flowPasskey(victim, openFlow, credential)
    expectError(completed, 401, 'AUTH_FAILED')
    expect(completed.body).toEqual(wrong.body)
    expect((await lockoutState(ts, c.id)).locked).toBe(true)
  })

  it('does not let a correct e-mail code finish a login that was waiting when the lock fell', async () => {
    const c = await newCustomer(ts)
    const victim = api(ts.url)
    const openFlow = flowOf(await passwordLogin(victim, c, c.password))
    const code = await sendFlowCode(victim, c, openFlow)

    const wrong = await lock(c)
    const completed = await submitFlowCode(victim, openFlow, code)
    expectError(completed, 401, 'AUTH_FAILED')
    expect(completed.body).toEqual(wrong.body)
  })

  it('keeps counting wrong e-mail codes across fresh codes, so asking for a new code never resets the count', async () => {
    const c = await newCustomer(ts)
    const flowToken = flowOf(await passwordLogin(client, c, c.password))
    let code = ''
    for (let i = 0; i < THRESHOLD; i++) {
      // A fresh code every third guess: each code's own budget (5 guesses) is never what stops this.
      if (i % 3 === 0) code = await sendFlowCode(client, c, flowToken)
      expectError(await submitFlowCode(client, flowToken, wrongCode(code)), 401, 'AUTH_FAILED')
      expect(await lockoutState(ts, c.id)).toEqual({ failedLogins: i + 1, locked: i + 1 >= THRESHOLD })
    }
    const wrong = await passwordLogin(client, c, 'wrong again')
    const right = await passwordLogin(client, c, c.password)
    expectError(right, 401, 'AUTH_FAILED')
    expect(right.body).toEqual(wrong.body)
  })

  describe('unlocking', () => {
    let c: FrontDoorCustomer
    let passkey: SoftCredential

    beforeAll(async () => {
      c = await newCustomer(ts)
      ;({ credential: passkey } = await enrolWithPasskey(api(ts.url), c))
      await lock(c)
    })

    async function start(): Promise<UnlockStartJson & { code: string }> {
      const res = await client.post<UnlockStartJson>('/v1/auth/unlock/start', { loginId: c.loginId })
      expect(res.status).toBe(200)
      return { ...res.body, code: await c.inbox.code('unlock') }
    }

    it('refuses the passkey without the e-mailed code', async () => {
      const s = await start()
      const res = await client.post('/v1/auth/unlock', {
        flowToken: s.flowToken,
        challengeId: s.challengeId,
        response: assert(s.options, passkey),
        code: wrongCode(s.code),
      })
      expectError(res, 401, 'AUTH_FAILED')
      expect((await lockoutState(ts, c.id)).locked).toBe(true)
    })

    it('refuses the e-mailed code without the passkey', async () => {
      const s = await start()
      const res = await client.post('/v1/auth/unlock', {
        flowToken: s.flowToken,
        challengeId: s.challengeId,
        response: assert(s.options, strangerCredential()),
        code: s.code,
      })
      expectError(res, 401, 'AUTH_FAILED')
      expect((await lockoutState(ts, c.id)).locked).toBe(true)
      expectError(await passwordLogin(client, c, c.password), 401, 'AUTH_FAILED')
    })

    it('unlocks with both, after which the customer logs in again', async () => {
      const s = await start()
      const res = await client.post('/v1/auth/unlock', {
        flowToken: s.flowToken,
        challengeId: s.challengeId,
        response: assert(s.options, passkey),
        code: s.code,
      })
      expect(res.status).toBe(204)
      expect(await lockoutState(ts, c.id)).toEqual({ failedLogins: 0, locked: false })
      expect(await c.inbox.count('notice.setting_changed')).toBe(1)

      const again = api(ts.url)
      const flowToken = flowOf(await passwordLogin(again, c, c.password))
      sessionOf(await flowPasskey(again, flowToken, passkey))
      sessionOf(await passkeyLogin(api(ts.url), passkey))
    })
  })
})
