/**
 * The front door over real HTTP against the whole server (startServer) with Mamori's default
 * (JSDA) policy, once per dialect (docs/front-door.md): the enrolment path from password + e-mail
 * code to a first passkey; passkey login and step-up with session rotation; the phone app's
 * pairing and number-matching approvals (approved, denied, expired, wrong number); the login lock
 * and the phone's login window; registered-devices-only; and the session rules — every route
 * names its operation, sessions are bound to their device, idle out after 15 minutes, rotate at
 * login, end on a password change and never show a hash.
 *
 * WebAuthn responses come from a software authenticator (test/support/softAuthenticator.ts) and
 * are verified for real; e-mail codes are read from the outbox table.
 */
import { randomUUID } from 'node:crypto'
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OPERATIONS } from '../../src/auth/index.js'
import { listOutbox } from '../../src/notify/index.js'
import { api, type Api, type ApiResponse } from '../support/http.js'
import {
  assert,
  enrolmentLogin,
  enrolWithPasskey,
  expectError,
  flowOf,
  flowPasskey,
  newCustomer,
  pairPhone,
  passkeyLogin,
  passwordLogin,
  registerPasskey,
  sendFlowCode,
  sessionOf,
  stepUp,
  confirm,
  submitFlowCode,
  WEBAUTHN,
  type ChallengeJson,
  type ErrorJson,
  type FrontDoorCustomer,
  type ProgressJson,
} from '../support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'
import type { SoftCredential } from '../support/softAuthenticator.js'

interface ApprovalJson {
  id: string
  environment: { ip: string; userAgent: string; at: number }
  choices: number[]
  expiresAt: number
}
interface ApprovalStatusJson {
  approval: 'none' | 'pending' | 'approved' | 'denied' | 'expired'
  login?: ProgressJson
}

const OWN_ACCOUNT = { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '1234567', holderKana: 'ｻﾄｳ ﾊﾅｺ' } as const

/** `METHOD /path` of every route in a printRoutes() tree (HEAD twins left out). */
function routesOf(tree: string): string[] {
  const prefixes: string[] = []
  const routes: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line)
    if (m === null) continue
    const level = m[1]!.length / 4
    const path = (level === 0 ? '' : prefixes[level - 1]) + m[2]!
    prefixes.length = level
    prefixes.push(path)
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`)
  }
  return routes
}

function key(): Record<string, string> {
  return { 'idempotency-key': `test-${randomUUID()}` }
}

describe.each(SERVER_DIALECTS)('the front door over HTTP on %s', (dialect) => {
  let ts: TestServer

  beforeAll(async () => {
    // Every request comes from 127.0.0.1; the per-address throttle has its own test
    // (credentialStuffing.security.test.ts) and must not trip across this file's scenarios.
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN, auth: { ipFailureLimit: 10_000 } } })
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('takes a customer without a passkey from password and e-mail code through a first passkey, its cooling period, to a passkey-confirmed withdrawal', async () => {
    const c = await newCustomer(ts)
    const client = api(ts.url)

    const first = await passwordLogin(client, c, c.password)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ status: 'factor_required', enrolment: true, deviceConfirmation: false, options: [['email_code']] })
    expect(typeof first.body.deviceToken).toBe('string')
    const flowToken = first.body.flowToken!

    const code = await sendFlowCode(client, c, flowToken)
    const enrolment = sessionOf(await submitFlowCode(client, flowToken, code), 'enrolment')

    // The enrolment session sees the profile, and nothing else but registering a passkey.
    const me = await client.get<{ id: string }>('/v1/me', { token: enrolment })
    expect(me.status).toBe(200)
    expect(me.body.id).toBe(c.id)
    for (const [path, body] of [
      ['/v1/deposits', { amount: 10_000 }],
      ['/v1/destinations', OWN_ACCOUNT],
      ['/v1/withdrawals', { destinationId: `dst_${'0'.repeat(32)}`, amount: 1000 }],
      ['/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100 }],
    ] as const) {
      const res = await client.post<ErrorJson>(path, body, { token: enrolment, headers: key() })
      expectError(res, 403, 'STEP_UP_REQUIRED')
      expect(res.body.error.details?.options).toEqual([['passkey']])
    }
    expectError(await client.get('/v1/portfolio', { token: enrolment }), 403, 'STEP_UP_REQUIRED')

    const { token: full, credential } = await registerPasskey(client, enrolment)
    expectError(await client.get('/v1/me', { token: enrolment }), 401, 'AUTH_REQUIRED')
    const session = await client.get<{ kind: string; factors: Record<string, number> }>('/v1/auth/session', { token: full })
    expect(session.status).toBe(200)
    expect(session.body.kind).toBe('customer')
    expect(session.body.factors.passkey).toBe(ts.clock.now())

    expect((await client.post('/v1/auth/logout', undefined, { token: full })).status).toBe(204)
    expectError(await client.get('/v1/me', { token: full }), 401, 'AUTH_REQUIRED')

    // That first passkey was enrolled on the strength of a password and an e-mail code only — what
    // a phishing relay has — so money and destinations stay frozen for the cooling period.
    const early = sessionOf(await passkeyLogin(client, credential))
    expectError(
      await client.post('/v1/destinations', OWN_ACCOUNT, { token: early, headers: key() }),
      423,
      'RECOVERY_COOLING_OFF',
    )
    ts.clock.advance(72 * 3_600_000)

    const login = sessionOf(await passkeyLogin(client, credential))
    const deposit = await client.post('/v1/deposits', { amount: 500_000 }, { token: login, headers: key() })
    expect(deposit.status).toBe(201)
    // A passkey from the login does not confirm a destination change: only one bound to it does.
    expectError(await client.post('/v1/destinations', OWN_ACCOUNT, { token: login, headers: key() }), 403, 'STEP_UP_REQUIRED')
    const destination = await client.post<{ id: string }>(
      '/v1/destinations',
      { ...OWN_ACCOUNT, confirmation: await confirm(client, login, 'destination_change', OWN_ACCOUNT, credential) },
      { token: login, headers: key() },
    )
    expect(destination.status).toBe(201)

    // A new destination receives nothing for 72 hours (seed 000: same-day payout to a forged account).
    const withdrawal = { destinationId: destination.body.id, amount: 120_000 }
    const early2 = await client.post('/v1/withdrawals', { ...withdrawal, confirmation: await confirm(client, login, 'withdrawal', withdrawal, credential) }, { token: login, headers: key() })
    expectError(early2, 423, 'DESTINATION_COOLING_OFF')
    ts.clock.advance(72 * 3_600_000)
    const relogin = sessionOf(await passkeyLogin(client, credential))
    const refused = await client.post<ErrorJson>('/v1/withdrawals', withdrawal, { token: relogin, headers: key() })
    expectError(refused, 403, 'STEP_UP_REQUIRED')
    expect(refused.body.error.details).toMatchObject({ operation: 'withdrawal', options: [['passkey']] })

    const stepped = relogin
    const done = await client.post<{ amount: number; status: string }>(
      '/v1/withdrawals',
      { ...withdrawal, confirmation: await confirm(client, relogin, 'withdrawal', withdrawal, credential) },
      { token: stepped, headers: key() },
    )
    expect(done.status).toBe(201)
    expect(done.body.amount).toBe(120_000)
    const portfolio = await client.get<{ cash: number; cashReserved: number }>('/v1/portfolio', { token: stepped })
    expect(portfolio.body).toMatchObject({ cash: 380_000, cashReserved: 120_000 })
  })

  it('recovery after a lost passkey opens an enrolment session that can register a new passkey, and money stays put for 72 hours', async () => {
    const c = await newCustomer(ts)
    const lostPhone = api(ts.url)
    await enrolWithPasskey(lostPhone, c)

    const client = api(ts.url)
    const start = await client.post<{ flowToken: string }>('/v1/auth/recovery/start', { loginId: c.loginId })
    expect(start.status).toBe(200)
    const code = await c.inbox.code('recovery')
    const recovered = sessionOf(
      await client.post<ProgressJson>('/v1/auth/recovery', { flowToken: start.body.flowToken, code, password: c.password }),
      'enrolment',
    )
    // B-11: the recovered customer registers a new passkey in place of the lost one.
    const { token, credential } = await registerPasskey(client, recovered)
    const destination = await client.post('/v1/destinations', OWN_ACCOUNT, { token, headers: key() })
    expectError(destination, 423, 'RECOVERY_COOLING_OFF')

    ts.clock.advance(72 * 3_600_000)
    const later = sessionOf(await passkeyLogin(client, credential))
    const confirmation = await confirm(client, later, 'destination_change', OWN_ACCOUNT, credential)
    expect((await client.post('/v1/destinations', { ...OWN_ACCOUNT, confirmation }, { token: later, headers: key() })).status).toBe(201)
  })

  describe('for a customer with a passkey and a paired phone app', () => {
    let c: FrontDoorCustomer
    let web: Api
    let passkey: SoftCredential
    let phone: Api
    let phoneToken: string
    let phoneKey: SoftCredential

    beforeAll(async () => {
      c = await newCustomer(ts)
      web = api(ts.url)
      ;({ credential: passkey } = await enrolWithPasskey(web, c))
    })

    /** A password login from a new device, waiting for its second factor. */
    async function startLogin(): Promise<{ client: Api; flowToken: string }> {
      const client = api(ts.url)
      return { client, flowToken: flowOf(await passwordLogin(client, c, c.password)) }
    }

    async function approvalStatus(client: Api, flowToken: string): Promise<ApprovalStatusJson> {
      const res = await client.post<ApprovalStatusJson>('/v1/auth/flow/approval/status', { flowToken })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body
    }

    async function pending(): Promise<ApprovalJson[]> {
      const res = await phone.get<{ approvals: ApprovalJson[] }>('/v1/app/approvals', { token: phoneToken })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.approvals
    }

    /** The phone answers with its passkey, bound to `number`. */
    async function approve(approvalId: string, number: number): Promise<ApiResponse<{ status: string }>> {
      const options = await phone.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>(`/v1/app/approvals/${approvalId}/options`, { number }, { token: phoneToken })
      expect(options.status, JSON.stringify(options.body)).toBe(200)
      return phone.post<{ status: string }>(
        `/v1/app/approvals/${approvalId}/approve`,
        { number, challengeId: options.body.challengeId, response: assert(options.body.options, phoneKey) },
        { token: phoneToken },
      )
    }

    it('asks a password login for the passkey, and the passkey completes it', async () => {
      const client = api(ts.url)
      const res = await passwordLogin(client, c, c.password)
      expect(res.body).toMatchObject({ status: 'factor_required', options: [['passkey']], enrolment: false, deviceConfirmation: false })
      sessionOf(await flowPasskey(client, flowOf(res), passkey))
    })

    it('offers the phone app approval as well once a phone is paired', async () => {
      const token = sessionOf(await passkeyLogin(web, passkey))
      phone = api(ts.url)
      ;({ token: phoneToken, credential: phoneKey } = await pairPhone(web, token, phone))
      const res = await passwordLogin(api(ts.url), c, c.password)
      expect(res.status).toBe(200)
      expect(res.body.options).toEqual([['passkey'], ['app_approval']])
    })

    it('completes a login the phone approves with the number the login screen shows', async () => {
      const { client, flowToken } = await startLogin()
      const asked = await client.post<{ approvalId: string; number: number; expiresAt: number }>('/v1/auth/flow/approval', { flowToken })
      expect(asked.status).toBe(200)
      expect(asked.body.expiresAt).toBe(ts.clock.now() + 30_000)
      expect((await approvalStatus(client, flowToken)).approval).toBe('pending')

      const listed = (await pending()).find((a) => a.id === asked.body.approvalId)
      expect(listed).toBeDefined()
      expect(listed!.choices).toHaveLength(3)
      expect(new Set(listed!.choices).size).toBe(3)
      expect(listed!.choices).toContain(asked.body.number)
      expect(listed!.environment.ip).toBe('127.0.0.1')

      const decided = await approve(asked.body.approvalId, asked.body.number)
      expect(decided.status).toBe(200)
      expect(decided.body.status).toBe('approved')

      const status = await approvalStatus(client, flowToken)
      expect(status.approval).toBe('approved')
      expect(status.login).toMatchObject({ status: 'complete', kind: 'customer', customerId: c.id })
      expect((await client.get('/v1/me', { token: status.login!.token! })).status).toBe(200)
    })

    it('refuses a login the phone denies, tells the customer to change the password (it got past), and alerts the analysts', async () => {
      const refusedBefore = await c.inbox.count('notice.login_refused')
      const { client, flowToken } = await startLogin()
      const asked = await client.post<{ approvalId: string }>('/v1/auth/flow/approval', { flowToken })
      const denied = await phone.post<{ status: string }>(`/v1/app/approvals/${asked.body.approvalId}/deny`, {}, { token: phoneToken })
      expect(denied.body.status).toBe('denied')
      const status = await approvalStatus(client, flowToken)
      expect(status).toEqual({ approval: 'denied' })
      expect(await c.inbox.count('notice.login_refused')).toBe(refusedBefore + 1)
      const alerts = await ts.server.store.db.selectFrom('risk_alerts').select(['top_reason', 'ip']).where('customer_id', '=', c.id).execute()
      const refused = alerts.filter((a) => a.top_reason.startsWith('login_refused_on_phone:'))
      expect(refused).toHaveLength(1)
      // Where the refused login came from, as the phone was shown it.
      expect(refused[0]!.ip).toBe('127.0.0.1')
      // Denying it again changes nothing and tells nobody twice.
      await phone.post(`/v1/app/approvals/${asked.body.approvalId}/deny`, {}, { token: phoneToken })
      expect(await c.inbox.count('notice.login_refused')).toBe(refusedBefore + 1)
    })

    it('lets an unanswered approval expire after 30 seconds', async () => {
      const { client, flowToken } = await startLogin()
      const asked = await client.post<{ approvalId: string; number: number }>('/v1/auth/flow/approval', { flowToken })
      ts.clock.advance(30_000)
      expect(await approvalStatus(client, flowToken)).toEqual({ approval: 'expired' })
      expect((await pending()).map((a) => a.id)).not.toContain(asked.body.approvalId)
      const late = await approve(asked.body.approvalId, asked.body.number)
      expect(late.body.status).toBe('expired')
      expect(await approvalStatus(client, flowToken)).toEqual({ approval: 'expired' })
    })

    it('treats an approval with the wrong number as a denial', async () => {
      const { client, flowToken } = await startLogin()
      const asked = await client.post<{ approvalId: string; number: number }>('/v1/auth/flow/approval', { flowToken })
      const listed = (await pending()).find((a) => a.id === asked.body.approvalId)
      const wrong = listed!.choices.find((n) => n !== asked.body.number)!
      const decided = await approve(asked.body.approvalId, wrong)
      expect(decided.body.status).toBe('denied')
      expect(await approvalStatus(client, flowToken)).toEqual({ approval: 'denied' })
    })

    it('under the login lock refuses the right password exactly like a wrong one, until the phone opens a 30-second window', async () => {
      const token = sessionOf(await passkeyLogin(web, passkey))
      expect((await web.post('/v1/login-lock', { enabled: true }, { token })).status).toBe(204)

      const wrong = await passwordLogin(api(ts.url), c, 'not the password at all')
      const right = await passwordLogin(api(ts.url), c, c.password)
      expectError(right, 401, 'AUTH_FAILED')
      expect(right.body).toEqual(wrong.body)
      expectError(await passkeyLogin(api(ts.url), passkey), 401, 'AUTH_FAILED')

      const window = await phone.post<{ until: number }>('/v1/app/login-window', {}, { token: phoneToken })
      expect(window.status).toBe(200)
      expect(window.body.until).toBe(ts.clock.now() + 30_000)
      expect((await passwordLogin(api(ts.url), c, c.password)).body.status).toBe('factor_required')
      ts.clock.advance(29_999)
      sessionOf(await passkeyLogin(api(ts.url), passkey))
      ts.clock.advance(1)
      expectError(await passwordLogin(api(ts.url), c, c.password), 401, 'AUTH_FAILED')
      expectError(await passkeyLogin(api(ts.url), passkey), 401, 'AUTH_FAILED')
    })
  })

  it('in registered-devices-only mode asks a new device for a device_add code before the login completes', async () => {
    const c = await newCustomer(ts)
    const home = api(ts.url)
    const { token, credential } = await enrolWithPasskey(home, c)
    expect((await home.post('/v1/devices/registered-only', { enabled: true }, { token })).status).toBe(204)
    const devices = await home.get<{ registeredOnly: boolean; devices: { current: boolean }[] }>('/v1/devices', { token })
    expect(devices.body.registeredOnly).toBe(true)
    expect(devices.body.devices.map((d) => d.current)).toEqual([true])

    const stranger = api(ts.url)
    const first = await passkeyLogin(stranger, credential)
    expect(first.body).toMatchObject({ status: 'factor_required', deviceConfirmation: true, options: [] })
    const flowToken = first.body.flowToken!
    // A login code is not a device confirmation.
    const loginCode = await sendFlowCode(stranger, c, flowToken, 'login')
    expect((await submitFlowCode(stranger, flowToken, loginCode, 'login')).body).toMatchObject({ status: 'factor_required', deviceConfirmation: true })

    const code = await sendFlowCode(stranger, c, flowToken, 'device_add')
    sessionOf(await submitFlowCode(stranger, flowToken, code, 'device_add'))
    expect(await c.inbox.count('notice.new_device')).toBe(1)

    // Both devices are registered now and log in directly.
    sessionOf(await passkeyLogin(home, credential))
    sessionOf(await passkeyLogin(stranger, credential))
  })

  describe('sessions', () => {
    let c: FrontDoorCustomer
    let passkey: SoftCredential

    beforeAll(async () => {
      c = await newCustomer(ts)
      ;({ credential: passkey } = await enrolWithPasskey(api(ts.url), c))
    })

    it('declares x-mamori-operation on every route the real app serves', async () => {
      const spec = await api(ts.url).get<{ paths: Record<string, Record<string, Record<string, unknown>>> }>('/openapi.json')
      expect(spec.status).toBe(200)
      const documented = Object.entries(spec.body.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation: op['x-mamori-operation'] })),
      )

      // Every route the router holds, hidden ones included, read from its printed tree.
      const served = routesOf(ts.server.app.printRoutes({ commonPrefix: false }))
      expect(served.length).toBeGreaterThan(60)
      expect(documented.filter((r) => !(OPERATIONS as readonly unknown[]).includes(r.operation))).toEqual([])
      const documentedRoutes = new Set(documented.map((r) => r.route))
      expect(documented.filter((r) => !served.includes(r.route))).toEqual([])
      // Only the pages, their assets, the metrics and the description itself may stay out of the
      // description (each declares operation 'public'; start-up refuses a route without one). A new
      // route missing from /openapi.json fails here.
      const hidden = served.filter((r) => !documentedRoutes.has(r))
      expect(hidden.filter((r) => !/^GET \/(|metrics|openapi\.json|login|account|app|assets\/[\w.-]+)$/.test(r))).toEqual([])
      for (const route of hidden) {
        const res = await api(ts.url).get(route.slice('GET '.length))
        expect(res.status, route).toBeLessThan(400)
      }
      expect(documented.length).toBeGreaterThan(50)
    })

    it('revokes a session presented from another device, for the thief and the owner alike', async () => {
      const owner = api(ts.url)
      const token = sessionOf(await passkeyLogin(owner, passkey))
      const other = api(ts.url)
      sessionOf(await passkeyLogin(other, passkey))
      expectError(await other.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
      expectError(await owner.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
    })

    it('ends a session left idle for 15 minutes on the frozen clock', async () => {
      const client = api(ts.url)
      const token = sessionOf(await passkeyLogin(client, passkey))
      ts.clock.advance(15 * 60_000 - 1)
      expect((await client.get('/v1/me', { token })).status).toBe(200)
      ts.clock.advance(15 * 60_000 - 1)
      expect((await client.get('/v1/me', { token })).status).toBe(200)
      ts.clock.advance(15 * 60_000)
      expectError(await client.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
    })

    it('ends the session a login request presents and issues a new one', async () => {
      const client = api(ts.url)
      const before = sessionOf(await passkeyLogin(client, passkey))
      const after = sessionOf(await passkeyLogin(client, passkey, before))
      expect(after).not.toBe(before)
      expectError(await client.get('/v1/me', { token: before }), 401, 'AUTH_REQUIRED')
      expect((await client.get('/v1/me', { token: after })).status).toBe(200)
    })

    it('ends every other session when the password changes', async () => {
      const laptop = api(ts.url)
      const tablet = api(ts.url)
      const laptopToken = sessionOf(await passkeyLogin(laptop, passkey))
      const tabletToken = sessionOf(await passkeyLogin(tablet, passkey))
      const newPassword = `a new and rather long passphrase ${randomUUID().slice(0, 6)}`
      const changed = await laptop.post<{ token: string }>('/v1/password', { currentPassword: c.password, newPassword }, { token: laptopToken })
      expect(changed.status, JSON.stringify(changed.body)).toBe(200)
      expectError(await tablet.get('/v1/me', { token: tabletToken }), 401, 'AUTH_REQUIRED')
      expectError(await laptop.get('/v1/me', { token: laptopToken }), 401, 'AUTH_REQUIRED')
      expect((await laptop.get('/v1/me', { token: changed.body.token })).status).toBe(200)

      expectError(await passwordLogin(api(ts.url), c, c.password), 401, 'AUTH_FAILED')
      c.password = newPassword
      expect((await passwordLogin(api(ts.url), c, c.password)).body.status).toBe('factor_required')
    })

    it('shows the profile through the cookie and through the bearer token, never with a hash', async () => {
      const client = api(ts.url)
      const token = sessionOf(await passkeyLogin(client, passkey))
      const viaCookie = await client.get<Record<string, unknown>>('/v1/me', { cookie: `__Host-mamori_session=${token}` })
      const viaBearer = await client.get<Record<string, unknown>>('/v1/me', { token })
      expect(viaCookie.status).toBe(200)
      expect(viaBearer.status).toBe(200)
      expect(viaCookie.body).toEqual(viaBearer.body)
      expect(viaBearer.body).toMatchObject({ id: c.id, loginId: c.loginId, email: c.email })
      const session = await client.get<Record<string, unknown>>('/v1/auth/session', { token })
      for (const body of [viaBearer.body, session.body]) {
        const text = JSON.stringify(body)
        expect(text).not.toMatch(/\$argon2/)
        expect(Object.keys(body).filter((k) => /hash|password|secret/i.test(k))).toEqual([])
        expect(text).not.toContain(token)
      }
    })

    it('logs out: the session ends and its cookie is cleared', async () => {
      const client = api(ts.url)
      const token = sessionOf(await passkeyLogin(client, passkey))
      const out = await client.post('/v1/auth/logout', undefined, { token })
      expect(out.status).toBe(204)
      expect(out.headers.getSetCookie().some((h) => h.startsWith('__Host-mamori_session=;'))).toBe(true)
      expectError(await client.get('/v1/me', { token }), 401, 'AUTH_REQUIRED')
      expectError(await client.get('/v1/me', { cookie: `__Host-mamori_session=${token}` }), 401, 'AUTH_REQUIRED')
    })
  })

  it('lets an enrolment session register only the first passkey', async () => {
    const c = await newCustomer(ts)
    const client = api(ts.url)
    const enrolment = await enrolmentLogin(client, c)
    const { token } = await registerPasskey(client, enrolment)
    // The passkey made the session a full one, and a second passkey needs a fresh one like any factor change.
    ts.clock.advance(301_000)
    expectError(await client.post('/v1/passkeys/registration/options', { purpose: 'login' }, { token }), 403, 'STEP_UP_REQUIRED')
  })

  it('changes the registered e-mail only with a fresh passkey, and tells both the old and the new address', async () => {
    const c = await newCustomer(ts, 'contact')
    const client = api(ts.url)
    const { token, credential } = await enrolWithPasskey(client, c)
    ts.clock.advance(301_000)
    const fresh = sessionOf(await passkeyLogin(client, credential))
    ts.clock.advance(301_000)
    expectError(await client.post('/v1/contact', { email: 'attacker@example.com' }, { token: fresh }), 403, 'STEP_UP_REQUIRED')
    expectError(await client.post('/v1/contact', {}, { token: fresh }), 400, 'VALIDATION_FAILED')
    const stepped = await stepUp(client, fresh, 'contact_change', credential)
    const before = (await ts.server.store.db.selectFrom('customers').select('email').where('id', '=', c.id).executeTakeFirstOrThrow()).email
    const changed = await client.post('/v1/contact', { email: 'new-address@example.jp' }, { token: stepped })
    expect(changed.status, JSON.stringify(changed.body)).toBe(204)
    const notices = (await listOutbox(ts.server.store.db, c.id, 100)).filter((m) => m.kind === 'notice.contact_changed')
    expect(notices.map((m) => m.to).sort()).toEqual([before, 'new-address@example.jp'].sort())
    void token
  })
})
