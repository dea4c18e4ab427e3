/**
 * Seed 002, replayed over HTTP: an outsourced engineer at a broker's systems contractor used the
 * broad access his job gave him to read customers' login IDs, passwords and trading passwords for
 * two and a half years (June 2017 – November 2019), opened bank accounts in the victims' names
 * with forged papers, and drained fifteen accounts of about ¥200 million before a customer
 * noticed. Here the same insider works at Mamori's operator side, once in every staff role:
 *
 * 1. He walks every staff route his role may call about a victim — search, profile, a reveal of
 *    every PII field, alerts, held operations, the case and its timeline, every pivot, the scan,
 *    the monitor, approvals, reports, the members list, the audit log — and none of the answers
 *    holds the victim's password hash, TOTP secret (read from the database and opened with the
 *    server's key, so the test looks for the real secret), session token or its hash, trading
 *    password or device token. Credentials are not fields a reveal can name, and support and
 *    analysts cannot read the audit log.
 * 2. He tries to redirect the victim's withdrawals: as support he enters a destination change to
 *    his own same-name account; he cannot approve it, a colluding supervisor can neither enter one
 *    nor approve their own request, and while nobody else approves nothing is registered. When a
 *    second supervisor does approve, the new destination is in its cooling period, the customer is
 *    told, and a withdrawal to it is refused even with the customer's own passkey: no money leaves.
 * 3. Looking at many customers raises a staff-access alert an analyst sees, and every step is in
 *    the audit log under the staff member who took it.
 *
 * Runs on both dialects, with the default (JSDA) policy.
 */
import { createHash, randomUUID } from 'node:crypto'
import { Secret, TOTP, URI } from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretBox } from '../../src/auth/crypto/index.js'
import { accountBalance, cashAccount, cashReservedAccount, verifyLedger } from '../../src/ledger/index.js'
import { can, type Permission } from '../../src/staff/permissions.js'
import type { StaffRole } from '../../src/store/index.js'
import {
  confirm,
  enrolWithPasskey,
  errorCode,
  expectError,
  newCustomer,
  passkeyLogin,
  passwordLogin,
  sessionOf,
  WEBAUTHN,
  type FrontDoorCustomer,
} from '../support/frontDoorSteps.js'
import { api, type Api, type ApiResponse } from '../support/http.js'
import { SERVER_DIALECTS, SERVER_T0, startTestServer, TEST_SECRET_KEY, type TestServer } from '../support/server.js'
import { addStaff, type SignedInStaff } from '../support/staff.js'
import type { SoftCredential } from '../support/softAuthenticator.js'

const HOUR = 3_600_000
const ROLES: readonly StaffRole[] = ['support', 'analyst', 'supervisor', 'auditor', 'admin']
/** The victim's own account, registered long ago. */
const OWN_ACCOUNT = { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'ｻﾄｳ ﾊﾅｺ' } as const
/** The insider's account at another bank, opened in the victim's name with forged papers (seed 002, and seed 000). */
const FORGED_ACCOUNT = { bankCode: '0009', branchCode: '456', accountType: 'ordinary', accountNumber: '6660999', holderKana: 'サトウ ハナコ' } as const
/** What a reveal must never accept as a field name. */
const CREDENTIAL_FIELDS = ['password', 'loginPassword', 'tradingPassword', 'totp_secret', 'totpSecret', 'session', 'sessionId', 'deviceToken', 'passkey']

const key = (): { headers: Record<string, string> } => ({ headers: { 'idempotency-key': randomUUID() } })
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** One staff call: what it asks and the permission it needs. */
interface StaffCall {
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly body?: unknown
  readonly permission: Permission
}

describe.each(SERVER_DIALECTS)('the insider of seed 002 on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let victim: FrontDoorCustomer
  let victimClient: Api
  let passkey: SoftCredential
  /** The secret her authenticator app was given, from the otpauth URI. */
  let appSecret: string
  /** Customers the insider browses in bulk. */
  const others: FrontDoorCustomer[] = []
  /** Every token the victim's browser was ever handed (enrolment, sessions, device). */
  const issuedTokens: string[] = []
  let ownDestinationId: string
  let caseId: string
  const staff = new Map<StaffRole, SignedInStaff>()
  /** Support: the insider himself. */
  let insider: SignedInStaff
  let colluder: SignedInStaff
  let approver: SignedInStaff
  let auditor: SignedInStaff

  const who = (role: StaffRole): SignedInStaff => staff.get(role)!

  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      defaultPolicy: true,
      overrides: { webauthn: WEBAUTHN, staff: { watchCustomersPerHour: 3 } },
    })
    client = api(ts.url)

    // The victim: a passkey, an authenticator app, money, shares and her own bank account.
    victim = await newCustomer(ts, 'seed002')
    victimClient = api(ts.url)
    const enrolled = await enrolWithPasskey(victimClient, victim)
    passkey = enrolled.credential
    issuedTokens.push(enrolled.token)
    const totp = await victimClient.post<{ uri: string }>('/v1/totp/enrol', {}, { token: enrolled.token })
    expect(totp.status, JSON.stringify(totp.body)).toBe(200)
    const app = URI.parse(totp.body.uri)
    if (!(app instanceof TOTP)) throw new Error('not a TOTP URI')
    appSecret = app.secret.base32
    const confirmed = await victimClient.post<{ token: string }>('/v1/totp/confirm', { code: app.generate({ timestamp: ts.clock.now() }) }, { token: enrolled.token })
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200)
    issuedTokens.push(confirmed.body.token)
    // A first passkey enrolled on a password and an e-mail code leaves money frozen for 72 hours.
    ts.clock.advance(73 * HOUR)
    const session = sessionOf(await passkeyLogin(victimClient, passkey))
    issuedTokens.push(session)
    expect((await victimClient.post('/v1/deposits', { amount: 3_000_000 }, { token: session, ...key() })).status).toBe(201)
    const own = await victimClient.post<{ id: string }>(
      '/v1/destinations',
      { ...OWN_ACCOUNT, confirmation: await confirm(victimClient, session, 'destination_change', OWN_ACCOUNT, passkey) },
      { token: session, ...key() },
    )
    expect(own.status, JSON.stringify(own.body)).toBe(201)
    ownDestinationId = own.body.id
    const buy = await victimClient.post('/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: victim.tradingPassword }, { token: session, ...key() })
    expect(buy.status, JSON.stringify(buy.body)).toBe(201)
    const device = victimClient.deviceToken()
    expect(device, 'the victim’s browser holds a device token').toBeDefined()
    issuedTokens.push(device!)
    for (let i = 0; i < 5; i++) others.push(await newCustomer(ts, 'browse'))

    for (const role of ROLES) staff.set(role, await addStaff(ts, client, role))
    insider = who('support')
    colluder = await addStaff(ts, client, 'supervisor', `colluder_${dialect}`)
    approver = who('supervisor')
    auditor = who('auditor')

    // A case about the victim, so the walk has a timeline to read.
    const analyst = who('analyst')
    const opened = await client.post<{ id: string }>('/v1/staff/cases', { title: 'Customer asks about a login notice', customerId: victim.id }, { token: analyst.token })
    expect(opened.status, JSON.stringify(opened.body)).toBe(200)
    caseId = opened.body.id
    expect((await client.post(`/v1/staff/cases/${caseId}/notes`, { text: 'customer recognises the login' }, { token: analyst.token })).status).toBe(200)
    expect((await client.post(`/v1/staff/cases/${caseId}/actions/notify`, { reason: 'tell her we are looking' }, { token: analyst.token })).status).toBe(200)
  }, 120_000)
  afterAll(async () => ts?.close())

  /**
   * Everything that would let someone act as the victim, as the database holds it and as her
   * browser was given it, labelled for the failure message.
   */
  async function victimCredentials(): Promise<Map<string, string>> {
    const db = ts.server.store.db
    const out = new Map<string, string>([
      ['login password', victim.password],
      ['trading password', victim.tradingPassword],
    ])
    const row = await db.selectFrom('customers').select(['login_password_hash', 'trading_password_hash']).where('id', '=', victim.id).executeTakeFirstOrThrow()
    expect(row.login_password_hash.startsWith('$argon2')).toBe(true)
    out.set('login password hash', row.login_password_hash)
    out.set('trading password hash', row.trading_password_hash)
    const totp = await db.selectFrom('totp_credentials').select('secret_enc').where('customer_id', '=', victim.id).executeTakeFirstOrThrow()
    const secret = Secret.fromBase32(SecretBox.fromBase64(TEST_SECRET_KEY).open(totp.secret_enc, `totp:${victim.id}`))
    // What the server stores is the secret her app holds: the test looks for the real thing.
    expect(secret.base32).toBe(appSecret)
    out.set('TOTP secret (base32)', secret.base32)
    out.set('TOTP secret (hex)', secret.hex)
    out.set('TOTP secret (sealed)', totp.secret_enc)
    const sessions = await db.selectFrom('sessions').select('id_hash').where('customer_id', '=', victim.id).execute()
    expect(sessions.length).toBeGreaterThan(0)
    for (const s of sessions) out.set(`session hash ${s.id_hash.slice(0, 6)}`, s.id_hash)
    const devices = await db.selectFrom('devices').select('token_hash').where('customer_id', '=', victim.id).execute()
    expect(devices.length).toBeGreaterThan(0)
    for (const d of devices) out.set(`device token hash ${d.token_hash.slice(0, 6)}`, d.token_hash)
    const codes = await db.selectFrom('email_codes').select('code_hash').where('customer_id', '=', victim.id).execute()
    for (const c of codes) out.set(`e-mail code hash ${c.code_hash.slice(0, 6)}`, c.code_hash)
    for (const t of issuedTokens) {
      out.set(`issued token ${t.slice(0, 6)}`, t)
      out.set(`issued token hash ${t.slice(0, 6)}`, sha256(t))
    }
    return out
  }

  function expectNoCredential(res: ApiResponse, secrets: ReadonlyMap<string, string>, what: string): void {
    const text = JSON.stringify(res.body)
    expect(text, `${what}: an argon2 hash`).not.toContain('$argon2')
    for (const [label, value] of secrets) expect(text.includes(value), `${what} contains the victim’s ${label}`).toBe(false)
  }

  /** Every staff route a member may call about the victim, with the victim's real ids. */
  async function routesAboutTheVictim(): Promise<StaffCall[]> {
    const db = ts.server.store.db
    const alerts = await db.selectFrom('risk_alerts').select('id').where('customer_id', '=', victim.id).execute()
    const device = await db.selectFrom('devices').select('id').where('customer_id', '=', victim.id).executeTakeFirstOrThrow()
    const approvals = await db.selectFrom('approval_requests').select(['id', 'kind']).execute()
    const calls: StaffCall[] = [
      { method: 'GET', path: '/v1/staff/me', permission: 'self' },
      { method: 'GET', path: `/v1/staff/customers?q=${encodeURIComponent(victim.loginId.slice(0, 10))}`, permission: 'customer.read' },
      { method: 'GET', path: `/v1/staff/customers?q=${victim.id}`, permission: 'customer.read' },
      { method: 'GET', path: `/v1/staff/customers/${victim.id}`, permission: 'customer.read' },
      ...(['name', 'address', 'phone', 'dateOfBirth', 'email'] as const).map(
        (field): StaffCall => ({ method: 'POST', path: `/v1/staff/customers/${victim.id}/reveal`, body: { field, reason: 'caller verification, ticket 2002' }, permission: 'customer.reveal' }),
      ),
      {
        method: 'POST',
        path: `/v1/staff/customers/${victim.id}/reveal`,
        body: { field: 'bankAccount', destinationId: ownDestinationId, reason: 'caller verification, ticket 2002' },
        permission: 'customer.reveal',
      },
      { method: 'GET', path: '/v1/staff/alerts?limit=1000', permission: 'alert.read' },
      { method: 'GET', path: `/v1/staff/alerts?customerId=${victim.id}`, permission: 'alert.read' },
      ...alerts.map((a): StaffCall => ({ method: 'GET', path: `/v1/staff/alerts/${a.id}`, permission: 'alert.read' })),
      { method: 'GET', path: '/v1/staff/held?limit=1000', permission: 'alert.read' },
      { method: 'GET', path: '/v1/staff/cases', permission: 'alert.read' },
      { method: 'GET', path: `/v1/staff/cases/${caseId}`, permission: 'alert.read' },
      { method: 'GET', path: '/v1/staff/pivots/origin?kind=ip&value=127.0.0.1', permission: 'investigate' },
      { method: 'GET', path: `/v1/staff/pivots/origin?kind=device&value=${device.id}`, permission: 'investigate' },
      { method: 'GET', path: `/v1/staff/pivots/customers/${victim.id}/timeline?limit=10000`, permission: 'investigate' },
      { method: 'GET', path: `/v1/staff/pivots/customers/${victim.id}/similar?since=0`, permission: 'investigate' },
      { method: 'GET', path: '/v1/staff/pivots/symbols/7203/buyers', permission: 'investigate' },
      { method: 'POST', path: '/v1/staff/scan', body: { kind: 'destination_change', from: SERVER_T0 - 24 * HOUR, to: ts.clock.now() + 1 }, permission: 'scan.run' },
      { method: 'POST', path: '/v1/staff/scan', body: { kind: 'withdrawal', from: SERVER_T0 - 24 * HOUR, to: ts.clock.now() + 1 }, permission: 'scan.run' },
      { method: 'POST', path: '/v1/staff/monitor/run', body: {}, permission: 'scan.run' },
      { method: 'GET', path: '/v1/staff/approvals?limit=1000', permission: 'approve.customer' },
      ...approvals
        .filter((a) => a.kind !== 'role_change')
        .map((a): StaffCall => ({ method: 'GET', path: `/v1/staff/approvals/${a.id}`, permission: 'approve.customer' })),
      { method: 'GET', path: '/v1/staff/compensations', permission: 'report.read' },
      { method: 'GET', path: '/v1/staff/reports/compensation', permission: 'report.read' },
      { method: 'GET', path: '/v1/staff/members', permission: 'staff.manage' },
      { method: 'GET', path: '/v1/staff/staff-approvals', permission: 'approve.staff' },
      { method: 'GET', path: '/v1/staff/audit?limit=1000', permission: 'audit.read' },
      { method: 'GET', path: `/v1/staff/audit?subjectId=${victim.id}&limit=1000`, permission: 'audit.read' },
      { method: 'GET', path: '/v1/staff/audit/verify', permission: 'audit.read' },
    ]
    return calls
  }

  /** Each role walks every route; the ones it may call answer 200, the others STAFF_FORBIDDEN; no answer holds a credential. */
  async function walkEveryRoute(): Promise<void> {
    const secrets = await victimCredentials()
    const calls = await routesAboutTheVictim()
    for (const role of ROLES) {
      const member = who(role)
      let allowed = 0
      for (const call of calls) {
        const res = await client.request(call.method, call.path, { token: member.token, ...(call.method === 'POST' ? { body: call.body ?? {} } : {}) })
        const what = `${role} ${call.method} ${call.path}`
        if (can(role, call.permission)) {
          expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200)
          allowed++
        } else {
          expect({ status: res.status, code: errorCode(res) }, what).toEqual({ status: 403, code: 'STAFF_FORBIDDEN' })
        }
        expectNoCredential(res, secrets, what)
      }
      // Every role reads something: the walk is not vacuous.
      expect(allowed, role).toBeGreaterThan(1)
    }
    // And what the analyst read was the victim's real history, not empty pages.
    const timeline = await client.get<{ items: { kind: string }[] }>(`/v1/staff/pivots/customers/${victim.id}/timeline`, { token: who('analyst').token })
    expect(timeline.body.items.map((i) => i.kind)).toEqual(expect.arrayContaining(['access', 'operation', 'notice', 'order', 'destination_added']))
    const theCase = await client.get<{ timeline: { kind: string }[] }>(`/v1/staff/cases/${caseId}`, { token: who('analyst').token })
    expect(theCase.body.timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['note', 'customer_notified']))
  }

  async function cashOf(customerId: string): Promise<{ free: number; reserved: number }> {
    const db = ts.server.store.db
    return { free: await accountBalance(db, cashAccount(customerId).id), reserved: await accountBalance(db, cashReservedAccount(customerId).id) }
  }

  async function forgedDestinations(): Promise<number> {
    const rows = await ts.server.store.db
      .selectFrom('withdrawal_destinations')
      .select('id')
      .where('customer_id', '=', victim.id)
      .where('account_number', '=', FORGED_ACCOUNT.accountNumber)
      .execute()
    return rows.length
  }

  it('no staff role can read the victim’s password, TOTP secret, session or device token from any route it may call', async () => {
    await walkEveryRoute()
  })

  it('a reveal names a PII field, never a credential: password, TOTP secret, session and the like are refused as VALIDATION_FAILED', async () => {
    for (const role of ROLES) {
      for (const field of CREDENTIAL_FIELDS) {
        const res = await client.post(`/v1/staff/customers/${victim.id}/reveal`, { field, reason: 'caller verification, ticket 2002' }, { token: who(role).token })
        if (can(role, 'customer.reveal')) expectError(res, 400, 'VALIDATION_FAILED')
        else expectError(res, 403, 'STAFF_FORBIDDEN')
      }
    }
  })

  it('support and analysts cannot read or verify the audit log', async () => {
    for (const role of ['support', 'analyst'] as const) {
      expectError(await client.get('/v1/staff/audit', { token: who(role).token }), 403, 'STAFF_FORBIDDEN')
      expectError(await client.get(`/v1/staff/audit?subjectId=${victim.id}`, { token: who(role).token }), 403, 'STAFF_FORBIDDEN')
      expectError(await client.get('/v1/staff/audit/verify', { token: who(role).token }), 403, 'STAFF_FORBIDDEN')
    }
  })

  it('a destination change the insider enters waits for a second person; once approved it is cooling, the customer is told, and no money leaves', async () => {
    const cashBefore = await cashOf(victim.id)
    // She was told when she added her own account; count from here.
    const noticesBefore = await victim.inbox.count('notice.destination_added')
    const reason = 'customer called: she changed banks'

    // 1. As support, the insider enters his forged account as the victim's new destination.
    const filed = await client.post<{ id: string; status: string; requestedBy: string; payload: Record<string, string> }>(
      '/v1/staff/requests/customer-service',
      { kind: 'destination_change', customerId: victim.id, payload: FORGED_ACCOUNT, reason },
      { token: insider.token },
    )
    expect(filed.status, JSON.stringify(filed.body)).toBe(200)
    expect(filed.body).toMatchObject({ status: 'pending', requestedBy: insider.id })
    expect(filed.body.payload.accountNumber).toBe('****999')
    const requestId = filed.body.id

    // 2. He cannot approve it, reject it or even list the queue: support holds no approval right.
    expectError(await client.post(`/v1/staff/approvals/${requestId}/approve`, { reason: 'verified by phone' }, { token: insider.token }), 403, 'STAFF_FORBIDDEN')
    expectError(await client.post(`/v1/staff/approvals/${requestId}/reject`, { reason: 'changed my mind' }, { token: insider.token }), 403, 'STAFF_FORBIDDEN')
    expectError(await client.get('/v1/staff/approvals', { token: insider.token }), 403, 'STAFF_FORBIDDEN')

    // 3. A colluding supervisor cannot enter a destination change (only support and analysts do),
    //    and cannot approve a request of their own.
    expectError(
      await client.post('/v1/staff/requests/customer-service', { kind: 'destination_change', customerId: victim.id, payload: FORGED_ACCOUNT, reason }, { token: colluder.token }),
      403,
      'STAFF_FORBIDDEN',
    )
    const own = await client.post<{ id: string; status: string }>(
      '/v1/staff/requests/remediation',
      { kind: 'unfreeze', customerId: victim.id, reason: 'customer asked for her account back' },
      { token: colluder.token },
    )
    expect(own.status, JSON.stringify(own.body)).toBe(200)
    expectError(await client.post(`/v1/staff/approvals/${own.body.id}/approve`, { reason: 'approved' }, { token: colluder.token }), 403, 'FOUR_EYES_SELF_APPROVAL')
    expectError(await client.post(`/v1/staff/approvals/${own.body.id}/reject`, { reason: 'withdrawn' }, { token: colluder.token }), 403, 'FOUR_EYES_SELF_APPROVAL')
    const ownAfter = await client.get<{ status: string }>(`/v1/staff/approvals/${own.body.id}`, { token: approver.token })
    expect(ownAfter.body.status).toBe('pending')
    expect((await client.post(`/v1/staff/approvals/${own.body.id}/reject`, { reason: 'the account is not frozen' }, { token: approver.token })).status).toBe(200)

    // 4. Until a second person decides, the request is pending and nothing is registered.
    const pending = await client.get<{ status: string; decidedBy: string | null }>(`/v1/staff/approvals/${requestId}`, { token: approver.token })
    expect(pending.status).toBe(200)
    expect(pending.body).toMatchObject({ status: 'pending', decidedBy: null })
    expect(await forgedDestinations()).toBe(0)
    expect(await victim.inbox.count('notice.destination_added')).toBe(noticesBefore)

    // 5. A second supervisor approves (deceived, or colluding too): the destination is registered ...
    const approved = await client.post<{ status: string; decidedBy: string; result: { destinationId: string; createdAt: number } }>(
      `/v1/staff/approvals/${requestId}/approve`,
      { reason: 'called the customer back on her registered number' },
      { token: approver.token },
    )
    expect(approved.status, JSON.stringify(approved.body)).toBe(200)
    expect(approved.body).toMatchObject({ status: 'approved', decidedBy: approver.id })
    expect(await forgedDestinations()).toBe(1)
    const forgedId = approved.body.result.destinationId
    // ... the customer is told at once, on her own e-mail ...
    expect(await victim.inbox.count('notice.destination_added')).toBe(noticesBefore + 1)

    // ... and for 72 hours it receives nothing, even from the customer herself with her passkey.
    const session = sessionOf(await passkeyLogin(victimClient, passkey))
    const withdrawal = { destinationId: forgedId, amount: 2_000_000 }
    const refused = await victimClient.post(
      '/v1/withdrawals',
      { ...withdrawal, confirmation: await confirm(victimClient, session, 'withdrawal', withdrawal, passkey) },
      { token: session, ...key() },
    )
    expectError(refused, 423, 'DESTINATION_COOLING_OFF')
    expect((refused.body as { error: { details: { until: number } } }).error.details.until).toBe(approved.body.result.createdAt + 72 * HOUR)

    // The insider holds the victim's login ID and password from outside: not enough to sign in.
    const attempt = await passwordLogin(api(ts.url), victim, victim.password)
    expect(attempt.status).toBe(200)
    expect(attempt.body.status).toBe('factor_required')
    expect(attempt.body.token).toBeUndefined()

    const sentOrQueued = await ts.server.store.db
      .selectFrom('withdrawals')
      .select(['id', 'status'])
      .where('customer_id', '=', victim.id)
      .where('destination_id', '=', forgedId)
      .execute()
    expect(sentOrQueued).toEqual([])
    expect(await cashOf(victim.id)).toEqual(cashBefore)
    expect((await verifyLedger(ts.server.store.db)).ok).toBe(true)
  })

  it('browsing many customers raises a staff-access alert that analysts see', async () => {
    const analyst = who('analyst')
    const before = await client.get<{ alerts: { topReason: string }[] }>('/v1/staff/alerts?action=staff_access', { token: analyst.token })
    expect(before.body.alerts.filter((a) => a.topReason.includes(insider.id))).toHaveLength(0)
    for (const c of others) expect((await client.get(`/v1/staff/customers/${c.id}`, { token: insider.token })).status).toBe(200)
    const after = await client.get<{ alerts: { action: string; topReason: string; status: string; customerId: string | null }[] }>('/v1/staff/alerts?action=staff_access', {
      token: analyst.token,
    })
    expect(after.status).toBe(200)
    const mine = after.body.alerts.filter((a) => a.topReason.includes(insider.id))
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ action: 'staff_access', status: 'open', customerId: null })
    // Looking on does not raise a second alert within the hour.
    await client.get(`/v1/staff/customers/${others[0]!.id}`, { token: insider.token })
    const again = await client.get<{ alerts: { topReason: string }[] }>('/v1/staff/alerts?action=staff_access', { token: analyst.token })
    expect(again.body.alerts.filter((a) => a.topReason.includes(insider.id))).toHaveLength(1)
  })

  it('after the attempt, every route is still free of credentials, and the auditor finds each step under the member who took it', async () => {
    await walkEveryRoute()

    interface Entry {
      seq: number
      actor: { kind: string; id: string }
      action: string
      subject: { kind: string; id: string } | null
      detail: Record<string, unknown>
    }
    const about = await client.get<{ entries: Entry[] }>(`/v1/staff/audit?subjectId=${victim.id}&limit=1000`, { token: auditor.token })
    expect(about.status).toBe(200)
    const entries = about.body.entries
    const find = (action: string, actorId: string, detail: Record<string, unknown> = {}): Entry[] =>
      entries.filter((e) => e.action === action && e.actor.id === actorId && Object.entries(detail).every(([k, v]) => e.detail[k] === v))
    expect(find('staff.request', insider.id, { kind: 'destination_change' })).toHaveLength(1)
    expect(find('staff.request', colluder.id, { kind: 'unfreeze' })).toHaveLength(1)
    expect(find('staff.approve', approver.id, { kind: 'destination_change', requestedBy: insider.id })).toHaveLength(1)
    expect(find('staff.reject', approver.id, { kind: 'unfreeze', requestedBy: colluder.id })).toHaveLength(1)
    expect(find('staff.customer_viewed', insider.id).length).toBeGreaterThan(0)
    const reveals = find('staff.pii_reveal', insider.id)
    expect(reveals.map((e) => e.detail.field).sort()).toEqual(['address', 'bankAccount', 'dateOfBirth', 'email', 'name', 'phone'].flatMap((f) => [f, f]).sort())
    expect(find('staff.case_opened', who('analyst').id)).toHaveLength(1)
    expect(find('staff.customer_notified', who('analyst').id)).toHaveLength(1)
    // The customer's own security events are there too, under her.
    expect(entries.some((e) => e.action === 'customer.login' && e.actor.kind === 'customer' && e.actor.id === victim.id)).toBe(true)
    expect(entries.some((e) => e.action === 'customer.destination_added' && e.actor.id === victim.id)).toBe(true)

    // The refusals are audited with their error codes, under whoever was refused.
    await expect
      .poll(async () => {
        const calls = await client.get<{ entries: Entry[] }>(`/v1/staff/audit?actorId=${colluder.id}&action=staff.api_call&limit=1000`, { token: auditor.token })
        return calls.body.entries.map((e) => e.detail.errorCode).filter((c) => c !== undefined)
      })
      .toEqual(expect.arrayContaining(['STAFF_FORBIDDEN', 'FOUR_EYES_SELF_APPROVAL']))
    const insiderCalls = await client.get<{ entries: Entry[] }>(`/v1/staff/audit?actorId=${insider.id}&action=staff.api_call&limit=1000`, { token: auditor.token })
    expect(insiderCalls.body.entries.map((e) => e.detail)).toContainEqual(
      expect.objectContaining({ method: 'POST', route: '/v1/staff/approvals/:id/approve', status: 403, errorCode: 'STAFF_FORBIDDEN' }),
    )
    expect(insiderCalls.body.entries.map((e) => e.detail)).toContainEqual(expect.objectContaining({ route: '/v1/staff/audit', status: 403, errorCode: 'STAFF_FORBIDDEN' }))
    expect(insiderCalls.body.entries.map((e) => e.detail)).toContainEqual(
      expect.objectContaining({ route: '/v1/staff/customers/:id/reveal', status: 400, errorCode: 'VALIDATION_FAILED' }),
    )

    // And nobody has quietly rewritten any of it.
    const verified = await client.get<{ ok: boolean }>('/v1/staff/audit/verify', { token: auditor.token })
    expect(verified.status).toBe(200)
    expect(verified.body.ok).toBe(true)
  })
})
