/**
 * Four-eyes control over HTTP (D-2): every sensitive staff action — a destination change entered
 * by support, an account unlock, a factor reset, an unfreeze, a compensation payment and a role
 * change — is a request one member files and another decides. The attack is one person doing
 * both (seed 002's insider needed nobody's consent): the requester cannot decide their own
 * request, not even after being promoted to a role that decides; the staff member a role change
 * targets cannot decide it; a role change is decided on the staff side and a customer matter on
 * the customer side only; a request is decided once; an undecided one expires. Until a second
 * person approves, nothing happens: the test compares a snapshot of every table the actions
 * touch. Bad input (unknown ids, empty reasons, a reversed scan period, an unknown case) is a 4xx
 * with a stable code, changes nothing, and is audited as a staff.api_call with that code.
 *
 * Runs on both dialects, with the default (JSDA) policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountBalance, cashAccount, compensationAccount, verifyLedger } from '../../src/ledger/index.js'
import {
  enrolWithPasskey,
  errorCode,
  expectError,
  lockoutState,
  newCustomer,
  passkeyLogin,
  passwordLogin,
  WEBAUTHN,
} from '../support/frontDoorSteps.js'
import { api, type Api, type ApiResponse } from '../support/http.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'
import { addStaff, staffLogin, type SignedInStaff } from '../support/staff.js'

const HOUR = 3_600_000
const LOCKOUT_THRESHOLD = 3
const UNKNOWN_APPROVAL = `apr_${'0'.repeat(32)}`
const UNKNOWN_CASE = `case_${'0'.repeat(32)}`
const UNKNOWN_ALERT = `alr_${'0'.repeat(32)}`

/** A same-name account at another bank, as support would type it from a customer's call. */
function account(accountNumber: string): Record<string, string> {
  return { bankCode: '0005', branchCode: '321', accountType: 'ordinary', accountNumber, holderKana: 'サトウ ハナコ' }
}

interface ApprovalJson {
  id: string
  kind: string
  status: 'pending' | 'approved' | 'rejected' | 'expired'
  customerId: string | null
  requestedBy: string
  decidedBy: string | null
  expiresAt: number
  payload: Record<string, unknown>
  result: Record<string, unknown> | null
}

describe.each(SERVER_DIALECTS)('four-eyes approval over HTTP on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let support: SignedInStaff
  let analyst: SignedInStaff
  let sv1: SignedInStaff
  let sv2: SignedInStaff
  let admin1: SignedInStaff
  let admin2: SignedInStaff
  let admin3: SignedInStaff
  let auditor: SignedInStaff
  /** An analyst who will be promoted to supervisor. */
  let turncoat: SignedInStaff

  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      defaultPolicy: true,
      overrides: {
        webauthn: WEBAUTHN,
        auth: { lockoutThreshold: LOCKOUT_THRESHOLD },
        // A one-hour time to live, so the test can let a request expire without ending every staff session.
        staff: { approvalTtlHours: 1, idleMinutes: 600, absoluteHours: 24 },
      },
    })
    client = api(ts.url)
    support = await addStaff(ts, client, 'support')
    analyst = await addStaff(ts, client, 'analyst')
    sv1 = await addStaff(ts, client, 'supervisor')
    sv2 = await addStaff(ts, client, 'supervisor')
    admin1 = await addStaff(ts, client, 'admin')
    admin2 = await addStaff(ts, client, 'admin')
    admin3 = await addStaff(ts, client, 'admin')
    auditor = await addStaff(ts, client, 'auditor')
    turncoat = await addStaff(ts, client, 'analyst')
  }, 120_000)
  afterAll(async () => ts?.close())

  // ---- helpers ----

  /** Files a request on `route` as `who`; it must be accepted and pending. */
  async function file(who: SignedInStaff, route: 'customer-service' | 'remediation' | 'role-change', body: Record<string, unknown>): Promise<ApprovalJson> {
    const res = await client.post<ApprovalJson>(`/v1/staff/requests/${route}`, body, { token: who.token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ status: 'pending', requestedBy: who.id, decidedBy: null })
    return res.body
  }

  function decide(who: SignedInStaff, id: string, verb: 'approve' | 'reject', side: 'customer' | 'staff' = 'customer', reason = 'checked with the customer on the registered number'): Promise<ApiResponse<ApprovalJson>> {
    return client.post<ApprovalJson>(`/v1/staff/${side === 'customer' ? 'approvals' : 'staff-approvals'}/${id}/${verb}`, { reason }, { token: who.token })
  }

  /** Approves as `who`, which must succeed. */
  async function approve(who: SignedInStaff, id: string, side: 'customer' | 'staff' = 'customer'): Promise<ApprovalJson> {
    const res = await decide(who, id, 'approve', side)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ status: 'approved', decidedBy: who.id })
    return res.body
  }

  /** The second decision of a decided request, either way, is APPROVAL_RESOLVED. */
  async function expectDecidedOnce(id: string, side: 'customer' | 'staff', by: SignedInStaff): Promise<void> {
    expectError(await decide(by, id, 'approve', side), 409, 'APPROVAL_RESOLVED')
    expectError(await decide(by, id, 'reject', side), 409, 'APPROVAL_RESOLVED')
  }

  /**
   * Everything a four-eyes action could change, as one value: requests and their decisions,
   * destinations, customers' status and locks, factors, sessions, cases, compensations, the ledger,
   * staff roles. Equal snapshots mean nothing happened.
   */
  async function snapshot(): Promise<string> {
    const db = ts.server.store.db
    const [approvals, destinations, customers, passkeys, totp, sessions, cases, caseEvents, compensations, transfers, members, alerts] = await Promise.all([
      db.selectFrom('approval_requests').select(['id', 'status', 'decided_by', 'result_json']).orderBy('id').execute(),
      db.selectFrom('withdrawal_destinations').select(['id', 'status']).orderBy('id').execute(),
      db.selectFrom('customers').select(['id', 'status', 'locked_at', 'failed_logins', 'recovery_cooling_until']).orderBy('id').execute(),
      db.selectFrom('passkeys').select(['id', 'removed_at']).orderBy('id').execute(),
      db.selectFrom('totp_credentials').select(['customer_id']).orderBy('customer_id').execute(),
      db.selectFrom('sessions').select(['id_hash', 'revoked_at']).orderBy('id_hash').execute(),
      db.selectFrom('cases').select(['id', 'status']).orderBy('id').execute(),
      db.selectFrom('case_events').select('id').orderBy('id').execute(),
      db.selectFrom('compensations').select(['id', 'status']).orderBy('id').execute(),
      db.selectFrom('ledger_transfers').select('id').orderBy('id').execute(),
      db.selectFrom('staff_members').select(['id', 'role', 'status']).orderBy('id').execute(),
      db.selectFrom('risk_alerts').select(['id', 'status']).orderBy('id').execute(),
    ])
    return JSON.stringify({ approvals, destinations, customers, passkeys, totp, sessions, cases, caseEvents, compensations, transfers, members, alerts }, (_k, v: unknown) =>
      typeof v === 'bigint' ? Number(v) : v,
    )
  }

  async function destinationsOf(customerId: string): Promise<string[]> {
    const rows = await ts.server.store.db.selectFrom('withdrawal_destinations').select('account_number').where('customer_id', '=', customerId).where('status', '=', 'active').execute()
    return rows.map((r) => r.account_number)
  }

  async function statusOf(customerId: string): Promise<string> {
    return (await ts.server.store.db.selectFrom('customers').select('status').where('id', '=', customerId).executeTakeFirstOrThrow()).status
  }

  async function openCase(customerId: string, title: string): Promise<string> {
    const res = await client.post<{ id: string }>('/v1/staff/cases', { title, customerId }, { token: analyst.token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return res.body.id
  }

  // ---- one test per kind ----

  it('destination_change: entered by support, refused to support, analysts and admins, registered only when a supervisor approves', async () => {
    const c = await newCustomer(ts, 'dst')
    const r = await file(support, 'customer-service', { kind: 'destination_change', customerId: c.id, payload: account('1112223'), reason: 'customer called from the registered number' })
    expect(r.payload).toMatchObject({ accountNumber: '****223' })
    const before = await snapshot()
    expectError(await decide(support, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(analyst, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(admin1, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(auditor, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expect(await snapshot()).toBe(before)
    expect(await destinationsOf(c.id)).toEqual([])

    const approved = await approve(sv1, r.id)
    expect(approved.result).toMatchObject({ destinationId: expect.stringMatching(/^dst_/), bankCode: '0005' })
    expect(await destinationsOf(c.id)).toEqual(['1112223'])
    expect(await c.inbox.count('notice.destination_added')).toBe(1)
    await expectDecidedOnce(r.id, 'customer', sv2)
    expect(await destinationsOf(c.id)).toEqual(['1112223'])
  })

  it('account_unlock: a customer locked by failed logins stays locked until a second person approves the unlock', async () => {
    const c = await newCustomer(ts, 'lck')
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) expectError(await passwordLogin(client, c, `wrong guess ${i}`), 401, 'AUTH_FAILED')
    expect((await lockoutState(ts, c.id)).locked).toBe(true)
    expectError(await passwordLogin(client, c, c.password), 401, 'AUTH_FAILED')

    const r = await file(support, 'customer-service', { kind: 'account_unlock', customerId: c.id, reason: 'identity confirmed by call-back' })
    const before = await snapshot()
    expectError(await decide(support, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(analyst, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expect(await snapshot()).toBe(before)
    expect((await lockoutState(ts, c.id)).locked).toBe(true)

    const approved = await approve(sv2, r.id)
    expect(approved.result).toEqual({ wasLocked: true })
    expect(await lockoutState(ts, c.id)).toEqual({ failedLogins: 0, locked: false })
    const login = await passwordLogin(client, c, c.password)
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    expect(login.body.status).toBe('factor_required')
    expect(await c.inbox.count('notice.setting_changed')).toBe(1)
    await expectDecidedOnce(r.id, 'customer', sv1)
  })

  it('factor_reset: the customer’s passkey and sessions survive until a second person approves; then they are gone and money is frozen for the cooling period', async () => {
    const c = await newCustomer(ts, 'rst')
    const own = api(ts.url)
    const { credential } = await enrolWithPasskey(own, c)
    const session = (await passkeyLogin(own, credential)).body.token!
    expect((await own.get('/v1/me', { token: session })).status).toBe(200)

    const r = await file(analyst, 'customer-service', { kind: 'factor_reset', customerId: c.id, payload: { factors: ['passkey'] }, reason: 'lost phone, identity checked at the branch' })
    expect(r.payload).toEqual({ factors: ['passkey'] })
    const before = await snapshot()
    expectError(await decide(analyst, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(support, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expect(await snapshot()).toBe(before)
    expect((await own.get('/v1/me', { token: session })).status).toBe(200)

    const approved = await approve(sv1, r.id)
    expect(approved.result).toMatchObject({ factors: ['passkey'], passkeysRemoved: 1 })
    expect(Number(approved.result!.sessionsEnded)).toBeGreaterThanOrEqual(1)
    expect(approved.result!.coolingUntil).toBe(ts.clock.now() + ts.config.auth.recoveryCoolingHours * HOUR)
    expectError(await own.get('/v1/me', { token: session }), 401, 'AUTH_REQUIRED')
    expect(errorCode(await passkeyLogin(api(ts.url), credential))).toBeDefined()
    const live = await ts.server.store.db.selectFrom('passkeys').select('id').where('customer_id', '=', c.id).where('removed_at', 'is', null).execute()
    expect(live).toEqual([])
    await expectDecidedOnce(r.id, 'customer', sv2)
  })

  it('unfreeze: an account frozen by a case action stays frozen when its requester approves, and reopens when a second supervisor does', async () => {
    const c = await newCustomer(ts, 'frz')
    const caseId = await openCase(c.id, 'Suspected takeover')
    const frozen = await client.post<{ frozen: boolean }>(`/v1/staff/cases/${caseId}/actions/freeze`, { reason: 'withdrawal to a new destination from abroad' }, { token: analyst.token })
    expect(frozen.status, JSON.stringify(frozen.body)).toBe(200)
    expect(frozen.body.frozen).toBe(true)
    expect(await statusOf(c.id)).toBe('frozen')

    // Analysts may ask, never decide.
    const asked = await file(analyst, 'remediation', { kind: 'unfreeze', customerId: c.id, reason: 'customer confirmed every operation' })
    expectError(await decide(analyst, asked.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    // A supervisor who asks cannot decide either.
    const r = await file(sv1, 'remediation', { kind: 'unfreeze', customerId: c.id, reason: 'customer confirmed every operation' })
    const before = await snapshot()
    expectError(await decide(sv1, r.id, 'approve'), 403, 'FOUR_EYES_SELF_APPROVAL')
    expectError(await decide(sv1, r.id, 'reject'), 403, 'FOUR_EYES_SELF_APPROVAL')
    expect(await snapshot()).toBe(before)
    expect(await statusOf(c.id)).toBe('frozen')

    const approved = await approve(sv2, r.id)
    expect(approved.result).toEqual({ wasFrozen: true })
    expect(await statusOf(c.id)).toBe('active')
    await expectDecidedOnce(r.id, 'customer', sv1)
    // The analyst's duplicate is rejected by someone else, with a reason.
    const rejected = await decide(sv1, asked.id, 'reject', 'customer', 'already unfrozen under another request')
    expect(rejected.status).toBe(200)
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: sv1.id, result: null })
  })

  it('compensation_payment: a recorded loss is paid through the ledger only on a second person’s approval, once, and the report agrees with the ledger', async () => {
    const c = await newCustomer(ts, 'cmp')
    const caseId = await openCase(c.id, 'Unauthorised sale and withdrawal')
    const recorded = await client.post<{ id: string; status: string; lossJpy: number }>(
      `/v1/staff/cases/${caseId}/compensations`,
      { customerId: c.id, lossJpy: 250_000, reason: 'sale of 100 shares at a loss by the attacker, order ord_x' },
      { token: analyst.token },
    )
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(200)
    expect(recorded.body).toMatchObject({ status: 'recorded', lossJpy: 250_000 })
    const db = ts.server.store.db
    const cashBefore = await accountBalance(db, cashAccount(c.id).id)
    const paidOutBefore = await accountBalance(db, compensationAccount.id)

    const r = await file(sv1, 'remediation', { kind: 'compensation_payment', payload: { compensationId: recorded.body.id }, reason: 'loss confirmed by the case' })
    expect(r.customerId).toBe(c.id)
    const before = await snapshot()
    expectError(await decide(sv1, r.id, 'approve'), 403, 'FOUR_EYES_SELF_APPROVAL')
    expectError(await decide(analyst, r.id, 'approve'), 403, 'STAFF_FORBIDDEN')
    expect(await snapshot()).toBe(before)
    expect(await accountBalance(db, cashAccount(c.id).id)).toBe(cashBefore)

    const approved = await approve(sv2, r.id)
    expect(approved.result).toMatchObject({ compensationId: recorded.body.id, customerId: c.id, amountJpy: 250_000 })
    // One balanced transfer: the customer's free cash up, the broker's compensation account down.
    expect(await accountBalance(db, cashAccount(c.id).id)).toBe(cashBefore + 250_000)
    expect(await accountBalance(db, compensationAccount.id)).toBe(paidOutBefore - 250_000)
    expect((await verifyLedger(db)).ok).toBe(true)
    await expectDecidedOnce(r.id, 'customer', sv1)
    expect(await accountBalance(db, cashAccount(c.id).id)).toBe(cashBefore + 250_000)
    // Paying the same loss again cannot even be asked for.
    expectError(
      await client.post('/v1/staff/requests/remediation', { kind: 'compensation_payment', payload: { compensationId: recorded.body.id }, reason: 'again' }, { token: sv1.token }),
      409,
      'COMPENSATION_ALREADY_PAID',
    )

    const list = await client.get<{ compensations: { id: string; status: string; paidViaApproval: string | null }[] }>(`/v1/staff/compensations?caseId=${caseId}`, { token: auditor.token })
    expect(list.status).toBe(200)
    expect(list.body.compensations).toEqual([expect.objectContaining({ id: recorded.body.id, status: 'paid', paidViaApproval: r.id })])
    const report = await client.get<{ cases: { caseId: string; lossJpy: number; paidJpy: number; outstandingJpy: number }[]; total: { paidJpy: number; ledgerPaidJpy: number } }>(
      '/v1/staff/reports/compensation',
      { token: auditor.token },
    )
    expect(report.status).toBe(200)
    expect(report.body.cases).toContainEqual(expect.objectContaining({ caseId, lossJpy: 250_000, paidJpy: 250_000, outstandingJpy: 0 }))
    expect(report.body.total.ledgerPaidJpy).toBe(report.body.total.paidJpy)
    expect(report.body.total.ledgerPaidJpy).toBe(-(await accountBalance(db, compensationAccount.id)))
  })

  it('role_change: asked by an admin, decided by another admin on the staff side only, never by the requester or the member it targets', async () => {
    // A customer matter pending on the customer side, to try the wrong door with.
    const customerMatter = await file(support, 'customer-service', { kind: 'account_unlock', customerId: (await newCustomer(ts, 'door')).id, reason: 'customer asked' })
    const r = await file(admin1, 'role-change', { staffId: admin2.id, role: 'auditor', reason: 'moves to internal audit' })
    expect(r).toMatchObject({ kind: 'role_change', customerId: null, payload: { staffId: admin2.id, role: 'auditor' } })
    const before = await snapshot()

    expectError(await decide(admin1, r.id, 'approve', 'staff'), 403, 'FOUR_EYES_SELF_APPROVAL')
    expectError(await decide(admin2, r.id, 'approve', 'staff'), 403, 'FOUR_EYES_SELF_APPROVAL')
    expectError(await decide(admin2, r.id, 'reject', 'staff'), 403, 'FOUR_EYES_SELF_APPROVAL')
    // Supervisors decide customer matters, not staff ones, by either door.
    expectError(await decide(sv1, r.id, 'approve', 'staff'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(sv1, r.id, 'approve', 'customer'), 403, 'STAFF_FORBIDDEN')
    expectError(await client.get(`/v1/staff/approvals/${r.id}`, { token: sv1.token }), 403, 'STAFF_FORBIDDEN')
    // Admins decide staff matters, not customer ones, by either door.
    expectError(await decide(admin3, customerMatter.id, 'approve', 'staff'), 403, 'STAFF_FORBIDDEN')
    expectError(await decide(admin3, customerMatter.id, 'approve', 'customer'), 403, 'STAFF_FORBIDDEN')
    expectError(await client.get(`/v1/staff/staff-approvals/${customerMatter.id}`, { token: admin3.token }), 403, 'STAFF_FORBIDDEN')
    expect(await snapshot()).toBe(before)
    const queue = await client.get<{ requests: ApprovalJson[] }>('/v1/staff/staff-approvals?status=pending', { token: admin3.token })
    expect(queue.body.requests.map((q) => q.kind)).toEqual(['role_change'])
    const customerQueue = await client.get<{ requests: ApprovalJson[] }>('/v1/staff/approvals?status=pending', { token: sv1.token })
    expect(customerQueue.body.requests.map((q) => q.kind)).not.toContain('role_change')

    await approve(admin3, r.id, 'staff')
    const members = await client.get<{ members: { id: string; role: string }[] }>('/v1/staff/members', { token: admin1.token })
    expect(members.body.members.find((m) => m.id === admin2.id)?.role).toBe('auditor')
    // The old rights stop at once: the session is gone, and a new one carries the new role.
    expectError(await client.get('/v1/staff/members', { token: admin2.token }), 401, 'STAFF_AUTH_REQUIRED')
    const relogin = await staffLogin(client, admin2.credential)
    expect(relogin.status).toBe(200)
    expectError(await client.get('/v1/staff/members', { token: relogin.token! }), 403, 'STAFF_FORBIDDEN')
    expect((await client.get('/v1/staff/audit/verify', { token: relogin.token! })).status).toBe(200)
    await expectDecidedOnce(r.id, 'staff', admin1)
    expect(await decide(sv2, customerMatter.id, 'reject', 'customer', 'filed to test the doors')).toMatchObject({ status: 200 })
  })

  it('a requester promoted to supervisor still cannot decide what they asked for, of any customer-service kind', async () => {
    const c = await newCustomer(ts, 'prm')
    const asked = [
      await file(turncoat, 'customer-service', { kind: 'destination_change', customerId: c.id, payload: account('3334445'), reason: 'customer called' }),
      await file(turncoat, 'customer-service', { kind: 'account_unlock', customerId: c.id, reason: 'customer called' }),
      await file(turncoat, 'customer-service', { kind: 'factor_reset', customerId: c.id, reason: 'customer called' }),
    ]
    const promotion = await file(admin1, 'role-change', { staffId: turncoat.id, role: 'supervisor', reason: 'team lead' })
    // The member a role change targets does not decide it, even for a promotion of their own.
    expectError(await decide(turncoat, promotion.id, 'approve', 'staff'), 403, 'STAFF_FORBIDDEN')
    await approve(admin3, promotion.id, 'staff')
    const relogin = await staffLogin(client, turncoat.credential)
    expect(relogin.status).toBe(200)
    const promoted: SignedInStaff = { ...turncoat, role: 'supervisor', token: relogin.token! }
    const me = await client.get<{ role: string }>('/v1/staff/me', { token: promoted.token })
    expect(me.body.role).toBe('supervisor')

    const before = await snapshot()
    for (const r of asked) {
      expectError(await decide(promoted, r.id, 'approve'), 403, 'FOUR_EYES_SELF_APPROVAL')
      expectError(await decide(promoted, r.id, 'reject'), 403, 'FOUR_EYES_SELF_APPROVAL')
    }
    expect(await snapshot()).toBe(before)
    expect(await destinationsOf(c.id)).toEqual([])
    for (const r of asked) expect((await decide(sv1, r.id, 'reject', 'customer', 'filed by the requester alone')).status).toBe(200)
  })

  it('a request nobody decides within its time to live expires: APPROVAL_EXPIRED (410), marked expired, and nothing done', async () => {
    const c = await newCustomer(ts, 'exp')
    const r = await file(support, 'customer-service', { kind: 'destination_change', customerId: c.id, payload: account('5556667'), reason: 'customer called' })
    const role = await file(admin1, 'role-change', { staffId: auditor.id, role: 'admin', reason: 'cover for holidays' })
    expect(r.expiresAt).toBe(ts.clock.now() + 1 * HOUR)
    ts.clock.advance(1 * HOUR + 1_000)

    const before = await snapshot()
    expectError(await decide(sv1, r.id, 'approve'), 410, 'APPROVAL_EXPIRED')
    expectError(await decide(admin3, role.id, 'approve', 'staff'), 410, 'APPROVAL_EXPIRED')
    const after = await snapshot()
    // The only change: both requests are now marked expired.
    expect(after).not.toBe(before)
    const shown = await client.get<ApprovalJson>(`/v1/staff/approvals/${r.id}`, { token: sv1.token })
    expect(shown.body.status).toBe('expired')
    const shownRole = await client.get<ApprovalJson>(`/v1/staff/staff-approvals/${role.id}`, { token: admin3.token })
    expect(shownRole.body.status).toBe('expired')
    expectError(await decide(sv2, r.id, 'approve'), 410, 'APPROVAL_EXPIRED')
    expectError(await decide(sv2, r.id, 'reject'), 410, 'APPROVAL_EXPIRED')
    expect(await snapshot()).toBe(after)
    expect(await destinationsOf(c.id)).toEqual([])
    const members = await client.get<{ members: { id: string; role: string }[] }>('/v1/staff/members', { token: admin1.token })
    expect(members.body.members.find((m) => m.id === auditor.id)?.role).toBe('auditor')
  })

  it('bad input is a 4xx with a stable code, changes nothing, and is audited with that code', async () => {
    const c = await newCustomer(ts, 'bad')
    const pending = await file(support, 'customer-service', { kind: 'account_unlock', customerId: c.id, reason: 'customer called' })
    const caseId = await openCase(c.id, 'Open case for the bad-input test')
    const before = await snapshot()
    const now = ts.clock.now()

    const cases: { who: SignedInStaff; method: 'GET' | 'POST'; path: string; route: string; body?: unknown; status: number; code: string }[] = [
      // unknown ids
      { who: sv1, method: 'POST', path: `/v1/staff/approvals/${UNKNOWN_APPROVAL}/approve`, route: '/v1/staff/approvals/:id/approve', body: { reason: 'ok' }, status: 404, code: 'APPROVAL_NOT_FOUND' },
      { who: sv1, method: 'GET', path: `/v1/staff/approvals/${UNKNOWN_APPROVAL}`, route: '/v1/staff/approvals/:id', status: 404, code: 'APPROVAL_NOT_FOUND' },
      { who: admin1, method: 'POST', path: `/v1/staff/staff-approvals/${UNKNOWN_APPROVAL}/reject`, route: '/v1/staff/staff-approvals/:id/reject', body: { reason: 'no' }, status: 404, code: 'APPROVAL_NOT_FOUND' },
      { who: sv1, method: 'POST', path: '/v1/staff/approvals/apr_not-an-id/approve', route: '/v1/staff/approvals/:id/approve', body: { reason: 'ok' }, status: 400, code: 'VALIDATION_FAILED' },
      {
        who: support,
        method: 'POST',
        path: '/v1/staff/requests/customer-service',
        route: '/v1/staff/requests/customer-service',
        body: { kind: 'destination_change', customerId: 'cus_nobody', payload: account('7778889'), reason: 'customer called' },
        status: 404,
        code: 'CUSTOMER_NOT_FOUND',
      },
      {
        who: sv1,
        method: 'POST',
        path: '/v1/staff/requests/remediation',
        route: '/v1/staff/requests/remediation',
        body: { kind: 'compensation_payment', payload: { compensationId: 'cmp_nobody' }, reason: 'pay it' },
        status: 404,
        code: 'COMPENSATION_NOT_FOUND',
      },
      { who: analyst, method: 'GET', path: `/v1/staff/cases/${UNKNOWN_CASE}`, route: '/v1/staff/cases/:id', status: 404, code: 'CASE_NOT_FOUND' },
      { who: analyst, method: 'POST', path: `/v1/staff/cases/${UNKNOWN_CASE}/actions/freeze`, route: '/v1/staff/cases/:id/actions/:action', body: { reason: 'fraud', customerId: c.id }, status: 404, code: 'CASE_NOT_FOUND' },
      { who: analyst, method: 'POST', path: `/v1/staff/cases/${UNKNOWN_CASE}/notes`, route: '/v1/staff/cases/:id/notes', body: { text: 'a note' }, status: 404, code: 'CASE_NOT_FOUND' },
      { who: analyst, method: 'POST', path: `/v1/staff/cases/${UNKNOWN_CASE}/close`, route: '/v1/staff/cases/:id/close', body: { reason: 'done' }, status: 404, code: 'CASE_NOT_FOUND' },
      {
        who: analyst,
        method: 'POST',
        path: `/v1/staff/cases/${UNKNOWN_CASE}/compensations`,
        route: '/v1/staff/cases/:id/compensations',
        body: { customerId: c.id, lossJpy: 1000, reason: 'loss' },
        status: 404,
        code: 'CASE_NOT_FOUND',
      },
      { who: analyst, method: 'POST', path: '/v1/staff/cases', route: '/v1/staff/cases', body: { title: 'With a made-up alert', alertIds: [UNKNOWN_ALERT] }, status: 404, code: 'ALERT_NOT_FOUND' },
      { who: analyst, method: 'GET', path: `/v1/staff/alerts/${UNKNOWN_ALERT}`, route: '/v1/staff/alerts/:id', status: 404, code: 'ALERT_NOT_FOUND' },
      { who: support, method: 'GET', path: '/v1/staff/customers/cus_nobody', route: '/v1/staff/customers/:id', status: 404, code: 'CUSTOMER_NOT_FOUND' },
      // empty reasons
      { who: sv1, method: 'POST', path: `/v1/staff/approvals/${pending.id}/approve`, route: '/v1/staff/approvals/:id/approve', body: { reason: '   ' }, status: 400, code: 'REASON_REQUIRED' },
      { who: sv1, method: 'POST', path: `/v1/staff/approvals/${pending.id}/reject`, route: '/v1/staff/approvals/:id/reject', body: { reason: '' }, status: 400, code: 'REASON_REQUIRED' },
      {
        who: support,
        method: 'POST',
        path: '/v1/staff/requests/customer-service',
        route: '/v1/staff/requests/customer-service',
        body: { kind: 'account_unlock', customerId: c.id, reason: ' ' },
        status: 400,
        code: 'REASON_REQUIRED',
      },
      { who: admin1, method: 'POST', path: '/v1/staff/requests/role-change', route: '/v1/staff/requests/role-change', body: { staffId: support.id, role: 'admin', reason: '' }, status: 400, code: 'REASON_REQUIRED' },
      { who: analyst, method: 'POST', path: `/v1/staff/cases/${caseId}/close`, route: '/v1/staff/cases/:id/close', body: { reason: '\t' }, status: 400, code: 'REASON_REQUIRED' },
      { who: analyst, method: 'POST', path: `/v1/staff/cases/${caseId}/actions/freeze`, route: '/v1/staff/cases/:id/actions/:action', body: { reason: '  ' }, status: 400, code: 'REASON_REQUIRED' },
      { who: support, method: 'POST', path: `/v1/staff/customers/${c.id}/reveal`, route: '/v1/staff/customers/:id/reveal', body: { field: 'phone', reason: '' }, status: 400, code: 'REASON_REQUIRED' },
      // malformed and reversed periods, days and origins
      { who: analyst, method: 'POST', path: '/v1/staff/scan', route: '/v1/staff/scan', body: { kind: 'destination_change', from: now, to: now - 86_400_000 }, status: 400, code: 'SCAN_PERIOD_REVERSED' },
      { who: analyst, method: 'POST', path: '/v1/staff/scan', route: '/v1/staff/scan', body: { kind: 'withdrawal', from: now, to: now }, status: 400, code: 'SCAN_PERIOD_REVERSED' },
      { who: analyst, method: 'POST', path: '/v1/staff/scan', route: '/v1/staff/scan', body: { kind: 'withdrawal', from: '2020-07-01', to: now }, status: 400, code: 'VALIDATION_FAILED' },
      { who: analyst, method: 'POST', path: '/v1/staff/monitor/run', route: '/v1/staff/monitor/run', body: { day: '2020-02-30' }, status: 400, code: 'MONITOR_DAY_INVALID' },
      { who: analyst, method: 'GET', path: '/v1/staff/pivots/origin?kind=ip&value=999.1.1.1', route: '/v1/staff/pivots/origin', status: 400, code: 'PIVOT_INVALID' },
      {
        who: analyst,
        method: 'POST',
        path: `/v1/staff/cases/${caseId}/compensations`,
        route: '/v1/staff/cases/:id/compensations',
        body: { customerId: c.id, lossJpy: -250_000, reason: 'a negative loss would debit the victim' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      // a payload that is not the kind's
      {
        who: support,
        method: 'POST',
        path: '/v1/staff/requests/customer-service',
        route: '/v1/staff/requests/customer-service',
        body: { kind: 'destination_change', customerId: c.id, payload: { bankCode: '0005' }, reason: 'customer called' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    ]
    for (const k of cases) {
      const res = await client.request(k.method, k.path, { token: k.who.token, ...(k.method === 'POST' ? { body: k.body } : {}) })
      expect({ status: res.status, code: errorCode(res) }, `${k.method} ${k.path} ${JSON.stringify(k.body)}`).toEqual({ status: k.status, code: k.code })
    }
    expect(await snapshot()).toBe(before)
    const still = await client.get<ApprovalJson>(`/v1/staff/approvals/${pending.id}`, { token: sv1.token })
    expect(still.body.status).toBe('pending')

    // Each refusal is in the audit log, under the member refused, with its route, status and code.
    interface Entry {
      actor: { id: string }
      detail: { route?: string; status?: number; errorCode?: string }
    }
    await expect
      .poll(async () => {
        const rows = await client.get<{ entries: Entry[] }>('/v1/staff/audit?action=staff.api_call&limit=1000', { token: auditor.token })
        return cases.filter(
          (k) => !rows.body.entries.some((e) => e.actor.id === k.who.id && e.detail.route === k.route && e.detail.status === k.status && e.detail.errorCode === k.code),
        ).map((k) => `${k.route} ${k.code}`)
      })
      .toEqual([])
  })

  // Found by this suite: the request used to be filed and fail only at approval.
  it('a role change for an unknown staff member is refused as STAFF_NOT_FOUND and files nothing', async () => {
    const before = await snapshot()
    const res = await client.post('/v1/staff/requests/role-change', { staffId: `stf_${'0'.repeat(32)}`, role: 'admin', reason: 'promote the new hire' }, { token: admin1.token })
    expect({ status: res.status, code: errorCode(res) }).toEqual({ status: 404, code: 'STAFF_NOT_FOUND' })
    expect(await snapshot()).toBe(before)
  })

  // Found by this suite: one scan ran a query per day of any period, ten years took 18 s, and
  // `to: Number.MAX_SAFE_INTEGER` would have held the server for hours.
  it('a scan period longer than the year of history kept is refused as SCAN_PERIOD_INVALID before any work', async () => {
    const now = ts.clock.now()
    const res = await client.post('/v1/staff/scan', { kind: 'withdrawal', from: now - 2 * 365 * 86_400_000, to: now }, { token: analyst.token })
    expect({ status: res.status, code: errorCode(res) }).toEqual({ status: 400, code: 'SCAN_PERIOD_INVALID' })
  })
})
