/**
 * An analyst's day with one takeover, over HTTP (D-3 … D-6), with the risk engine enforcing and
 * clients on real public addresses. An attacker on a residential proxy (seed 000's careful
 * variant) gets into two customers' accounts with their passwords, asks to change the first one's
 * withdrawal destination (held) and withdraws from an address nothing vouches for (held); the
 * customer's own withdrawal from home is waiting to be sent. The analyst gathers the alerts into a
 * case, adds a note, freezes the account (every session of it stops working), cancels the pending
 * withdrawals (the money is back in free cash, by the ledger), ends sessions, tells the customer
 * (an e-mail without links), reads the case timeline, pivots from the attacker's address and
 * device to the accounts they touched, reads the account's timeline, the buyers of its stock and
 * the accounts like it, runs the retrospective scan and the daily monitor — which find the
 * attacker's operations and not the customer's own — and closes the case.
 *
 * Runs on both dialects.
 */
import { createHash, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { accountBalance, cashAccount, cashReservedAccount, verifyLedger } from '../../src/ledger/index.js'
import { listOutbox } from '../../src/notify/index.js'
import { errorCode, expectError, WEBAUTHN } from '../support/frontDoorSteps.js'
import { api, type Api } from '../support/http.js'
import { from, loginSession, PROXY, REVIEW_TOKEN, UNVOUCHED, victimWithHistory, type Client, type Victim } from '../support/riskScenario.js'
import { SERVER_DIALECTS, SERVER_T0, startTestServer, type TestServer } from '../support/server.js'
import { addStaff, type SignedInStaff } from '../support/staff.js'

const HOUR = 3_600_000
const FORGED = { bankCode: '0009', branchCode: '456', accountType: 'ordinary', accountNumber: '7777777', holderKana: 'サトウ ハナコ' }

const once = (extra: Record<string, string> = {}): { headers: Record<string, string> } => ({ headers: { 'idempotency-key': randomUUID(), ...extra } })

interface AlertJson {
  id: string
  customerId: string | null
  action: string
  outcome: string
  enforced: string
  heldOperationId: string | null
  status: 'open' | 'closed'
}

interface CaseJson {
  id: string
  customerId: string | null
  status: 'open' | 'closed'
  alertIds: string[]
  timeline?: { kind: string; staffId: string; detail: Record<string, unknown> }[]
}

describe.each(SERVER_DIALECTS)('an analyst works a takeover case on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let analyst: SignedInStaff
  let auditor: SignedInStaff
  let victim: Victim
  /** A second account the same attacker entered from the same proxy and browser. */
  let second: Victim
  let attacker: Client
  let attackerToken: string
  let homeToken: string
  let heldChangeId: string
  let heldWithdrawalId: string
  let homeWithdrawalId: string
  let caseId: string
  /** Free cash before the two withdrawals. */
  let freeCashBefore: number

  const db = (): TestServer['server']['store']['db'] => ts.server.store.db
  const cash = async (customerId: string): Promise<{ free: number; reserved: number }> => ({
    free: await accountBalance(db(), cashAccount(customerId).id),
    reserved: await accountBalance(db(), cashReservedAccount(customerId).id),
  })

  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      overrides: {
        http: { trustProxy: true },
        risk: { mode: 'enforce' },
        review: { token: REVIEW_TOKEN },
        guards: { destinationCoolingHours: 72 },
        webauthn: WEBAUTHN,
      },
    })
    client = api(ts.url)
    victim = await victimWithHistory(ts)
    second = await victimWithHistory(ts)

    // The attacker, on a residential proxy of the victims' own ISP with their browser string, logs in to both.
    attacker = from(ts, PROXY)
    attackerToken = await loginSession(attacker, victim)
    const intoSecond = await attacker.post<{ status: string }>('/v1/auth/login', { loginId: second.loginId, password: second.password })
    expect(intoSecond.status, JSON.stringify(intoSecond.body)).toBe(200)

    // He asks to send the first victim's money to his forged same-name account: held for review.
    const change = await attacker.post<{ status: string; reviewId: string }>('/v1/destinations', { ...FORGED, tradingPassword: victim.tradingPassword }, { token: attackerToken, ...once() })
    expect(change.status, JSON.stringify(change.body)).toBe(202)
    heldChangeId = change.body.reviewId

    // The victim is at home; her own withdrawal waits to be sent ...
    homeToken = await loginSession(victim.home, victim)
    freeCashBefore = (await cash(victim.id)).free
    const home = await victim.home.post<{ id: string; status: string }>(
      '/v1/withdrawals',
      { destinationId: victim.destinationId, amount: 50_000, tradingPassword: victim.tradingPassword },
      { token: homeToken, ...once() },
    )
    expect(home.status, JSON.stringify(home.body)).toBe(201)
    expect(home.body.status).toBe('approved')
    homeWithdrawalId = home.body.id
    // ... and one from an address nothing vouches for, on her session and device, is held.
    const odd = from(ts, UNVOUCHED)
    const held = await odd.post<{ id: string; status: string }>(
      '/v1/withdrawals',
      { destinationId: victim.destinationId, amount: 100_000, tradingPassword: victim.tradingPassword },
      { token: homeToken, ...once({ 'x-mamori-device': victim.home.deviceToken()! }) },
    )
    expect(held.status, JSON.stringify(held.body)).toBe(201)
    expect(held.body.status).toBe('held')
    heldWithdrawalId = held.body.id
    expect(await cash(victim.id)).toEqual({ free: freeCashBefore - 150_000, reserved: 150_000 })

    // A minute later the analyst is on it (pivot windows end at "now", exclusive).
    ts.clock.advance(60_000)
    analyst = await addStaff(ts, client, 'analyst')
    auditor = await addStaff(ts, client, 'auditor')
  }, 120_000)
  afterAll(async () => ts?.close())

  it('gathers the held operations’ alerts into a case about the customer, with a note', async () => {
    const alerts = await client.get<{ alerts: AlertJson[] }>(`/v1/staff/alerts?customerId=${victim.id}&status=open`, { token: analyst.token })
    expect(alerts.status).toBe(200)
    const heldAlerts = alerts.body.alerts.filter((a) => a.heldOperationId !== null)
    expect(heldAlerts.map((a) => a.action).sort()).toEqual(['destination_change', 'withdrawal'])
    expect(heldAlerts.map((a) => a.heldOperationId)).toContain(heldChangeId)
    const queue = await client.get<{ held: { id: string; action: string; withdrawalId: string | null; status: string }[] }>('/v1/staff/held?status=held', { token: analyst.token })
    expect(queue.body.held.find((h) => h.withdrawalId === heldWithdrawalId)).toMatchObject({ action: 'withdrawal', status: 'held' })

    const opened = await client.post<CaseJson>('/v1/staff/cases', { title: 'Proxy login, destination change and withdrawal', alertIds: heldAlerts.map((a) => a.id) }, { token: analyst.token })
    expect(opened.status, JSON.stringify(opened.body)).toBe(200)
    // The alerts agree on their customer, who becomes the case's.
    expect(opened.body).toMatchObject({ customerId: victim.id, status: 'open' })
    expect(opened.body.alertIds.sort()).toEqual(heldAlerts.map((a) => a.id).sort())
    caseId = opened.body.id
    // An alert belongs to one case only.
    expectError(await client.post('/v1/staff/cases', { title: 'again', alertIds: [heldAlerts[0]!.id] }, { token: analyst.token }), 409, 'ALERT_ALREADY_IN_CASE')

    const note = await client.post<{ kind: string }>(`/v1/staff/cases/${caseId}/notes`, { text: 'Login from 114.160.3.4 on a new device; customer not reachable yet.' }, { token: analyst.token })
    expect(note.status).toBe(200)
    expect(note.body.kind).toBe('note')
  })

  it('freezes the account: every session of it stops working and nobody can sign in to it', async () => {
    expect((await victim.home.get('/v1/portfolio', { token: homeToken })).status).toBe(200)
    const frozen = await client.post<{ customerId: string; frozen: boolean; sessionsEnded: number }>(
      `/v1/staff/cases/${caseId}/actions/freeze`,
      { reason: 'destination change and withdrawal from unfamiliar origins' },
      { token: analyst.token },
    )
    expect(frozen.status, JSON.stringify(frozen.body)).toBe(200)
    expect(frozen.body).toMatchObject({ customerId: victim.id, frozen: true })
    expect(frozen.body.sessionsEnded).toBeGreaterThanOrEqual(2)
    const status = await db().selectFrom('customers').select('status').where('id', '=', victim.id).executeTakeFirstOrThrow()
    expect(status.status).toBe('frozen')

    expectError(await victim.home.get('/v1/portfolio', { token: homeToken }), 401, 'AUTH_REQUIRED')
    expectError(await attacker.get('/v1/portfolio', { token: attackerToken }), 401, 'AUTH_REQUIRED')
    const again = await attacker.post('/v1/auth/login', { loginId: victim.loginId, password: victim.password })
    expect(again.status).toBeGreaterThanOrEqual(400)
    expect((again.body as { token?: string }).token).toBeUndefined()
    // Freezing twice changes nothing.
    const twice = await client.post<{ frozen: boolean }>(`/v1/staff/cases/${caseId}/actions/freeze`, { reason: 'again' }, { token: analyst.token })
    expect(twice.body.frozen).toBe(false)
  })

  it('cancels the pending withdrawals: the held one through its hold, the approved one too, and the money is back in free cash', async () => {
    const r = await client.post<{ customerId: string; cancelled: { id: string; amount: number; from: string }[]; totalJpy: number }>(
      `/v1/staff/cases/${caseId}/actions/cancel-withdrawals`,
      { reason: 'customer cannot confirm either withdrawal' },
      { token: analyst.token },
    )
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.totalJpy).toBe(150_000)
    expect(r.body.cancelled.map((w) => [w.id, w.amount, w.from]).sort()).toEqual(
      [
        [heldWithdrawalId, 100_000, 'held'],
        [homeWithdrawalId, 50_000, 'approved'],
      ].sort(),
    )
    expect(await cash(victim.id)).toEqual({ free: freeCashBefore, reserved: 0 })
    const rows = await db().selectFrom('withdrawals').select(['id', 'status']).where('customer_id', '=', victim.id).execute()
    expect(rows.every((w) => w.status === 'cancelled')).toBe(true)
    const hold = await client.get<{ held: { withdrawalId: string | null; status: string }[] }>('/v1/staff/held?status=cancelled', { token: analyst.token })
    expect(hold.body.held.find((h) => h.withdrawalId === heldWithdrawalId)?.status).toBe('cancelled')
    expect((await verifyLedger(db())).ok).toBe(true)

    // The destination change is not a withdrawal: the analyst cancels its hold from the review queue.
    const cancelled = await client.post<{ status: string; resolvedBy: string }>(`/v1/staff/held/${heldChangeId}/cancel`, { reason: 'forged same-name account' }, { token: analyst.token })
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    expect(cancelled.body).toMatchObject({ status: 'cancelled', resolvedBy: `staff:${analyst.username}` })
    const destinations = await db().selectFrom('withdrawal_destinations').select('account_number').where('customer_id', '=', victim.id).execute()
    expect(destinations.map((d) => d.account_number)).toEqual(['1234567'])
  })

  it('ends sessions (none are left after the freeze) and tells the customer by an e-mail without links', async () => {
    const ended = await client.post<{ customerId: string; sessionsEnded: number }>(`/v1/staff/cases/${caseId}/actions/end-sessions`, { reason: 'belt and braces' }, { token: analyst.token })
    expect(ended.status).toBe(200)
    expect(ended.body).toEqual({ customerId: victim.id, sessionsEnded: 0 })
    const live = await db().selectFrom('sessions').select('id_hash').where('customer_id', '=', victim.id).where('revoked_at', 'is', null).execute()
    expect(live).toEqual([])

    expect(await victim.inbox.count('notice.account_under_review')).toBe(0)
    const notified = await client.post<{ customerId: string; kind: string }>(`/v1/staff/cases/${caseId}/actions/notify`, { reason: 'tell her before she calls' }, { token: analyst.token })
    expect(notified.status).toBe(200)
    expect(notified.body).toEqual({ customerId: victim.id, kind: 'notice.account_under_review' })
    const mails = (await listOutbox(db(), victim.id, 1000)).filter((m) => m.kind === 'notice.account_under_review')
    expect(mails).toHaveLength(1)
    expect(mails[0]!.channel).toBe('email')
    expect(mails[0]!.body).not.toMatch(/https?:\/\/|www\./i)
  })

  it('reads the case timeline: every step, oldest first, under the analyst', async () => {
    const c = await client.get<CaseJson>(`/v1/staff/cases/${caseId}`, { token: analyst.token })
    expect(c.status).toBe(200)
    const kinds = c.body.timeline!.map((e) => e.kind)
    expect(kinds).toEqual([
      'alert_added',
      'alert_added',
      'note',
      'account_frozen',
      'sessions_ended',
      'account_frozen',
      'sessions_ended',
      'withdrawals_cancelled',
      'sessions_ended',
      'customer_notified',
    ])
    expect(new Set(c.body.timeline!.map((e) => e.staffId))).toEqual(new Set([analyst.id]))
    expect(c.body.timeline!.find((e) => e.kind === 'withdrawals_cancelled')?.detail).toMatchObject({ customerId: victim.id, totalJpy: 150_000 })
  })

  it('pivots from the attacker’s address and device to both accounts, and through the account’s timeline, its stock’s buyers and the accounts like it', async () => {
    const byIp = await client.get<{ accounts: { customerId: string; loginsSucceeded: number; operations: number; status: string | null }[] }>(
      `/v1/staff/pivots/origin?kind=ip&value=${PROXY.ip}`,
      { token: analyst.token },
    )
    expect(byIp.status, JSON.stringify(byIp.body)).toBe(200)
    expect(byIp.body.accounts.map((a) => a.customerId).sort()).toEqual([victim.id, second.id].sort())
    expect(byIp.body.accounts.find((a) => a.customerId === victim.id)).toMatchObject({ status: 'frozen', loginsSucceeded: 1 })
    expect(byIp.body.accounts.find((a) => a.customerId === victim.id)!.operations).toBeGreaterThanOrEqual(1)

    const device = await db()
      .selectFrom('devices')
      .select('id')
      .where('token_hash', '=', createHash('sha256').update(attacker.deviceToken()!, 'utf8').digest('hex'))
      .executeTakeFirstOrThrow()
    const byDevice = await client.get<{ accounts: { customerId: string }[] }>(`/v1/staff/pivots/origin?kind=device&value=${device.id}`, { token: analyst.token })
    expect(byDevice.status).toBe(200)
    expect(byDevice.body.accounts.map((a) => a.customerId).sort()).toEqual([victim.id, second.id].sort())

    const timeline = await client.get<{ customerId: string; items: { kind: string; summary: string }[] }>(`/v1/staff/pivots/customers/${victim.id}/timeline`, { token: analyst.token })
    expect(timeline.status).toBe(200)
    const kinds = new Set(timeline.body.items.map((i) => i.kind))
    for (const k of ['access', 'operation', 'risk_alert', 'held', 'held_resolved', 'withdrawal', 'notice', 'order', 'destination_added']) expect(kinds, k).toContain(k)
    expect(timeline.body.items.some((i) => i.kind === 'access' && i.summary.includes(PROXY.ip))).toBe(true)

    const buyers = await client.get<{ symbol: string; buyers: { customerId: string; quantity: number }[] }>('/v1/staff/pivots/symbols/7203/buyers', { token: analyst.token })
    expect(buyers.status).toBe(200)
    expect(buyers.body.buyers.map((b) => b.customerId)).toEqual(expect.arrayContaining([victim.id, second.id]))
    expect(buyers.body.buyers.find((b) => b.customerId === victim.id)?.quantity).toBe(1000)

    const similar = await client.get<{ similar: { customerId: string; score: number; shared: Record<string, string[]> }[] }>(`/v1/staff/pivots/customers/${victim.id}/similar`, {
      token: analyst.token,
    })
    expect(similar.status).toBe(200)
    const twin = similar.body.similar.find((s) => s.customerId === second.id)
    expect(twin, JSON.stringify(similar.body)).toBeDefined()
    expect(twin!.shared.ips).toContain(PROXY.ip)
    expect(twin!.shared.devices).toContain(device.id)
    expect(twin!.score).toBeGreaterThan(0)
  })

  it('the retrospective scan flags the attacker’s destination change and withdrawal, not the customer’s own', async () => {
    const period = { from: SERVER_T0 - HOUR, to: ts.clock.now() + HOUR }
    const changes = await client.post<{ scanned: number; suspicious: number; rows: { customerId: string; ip: string; outcome: string; reasons: string[] }[] }>(
      '/v1/staff/scan',
      { kind: 'destination_change', ...period },
      { token: analyst.token },
    )
    expect(changes.status, JSON.stringify(changes.body)).toBe(200)
    const victimChanges = changes.body.rows.filter((r) => r.customerId === victim.id)
    expect(victimChanges).toHaveLength(1)
    expect(victimChanges[0]).toMatchObject({ ip: PROXY.ip, outcome: 'held' })
    expect(victimChanges[0]!.reasons).toEqual(expect.arrayContaining(['ip_unseen', 'device_unseen']))

    const withdrawals = await client.post<{ rows: { customerId: string; ip: string; amount: number | null; reasons: string[] }[] }>(
      '/v1/staff/scan',
      { kind: 'withdrawal', ...period },
      { token: analyst.token },
    )
    expect(withdrawals.status).toBe(200)
    const victimWithdrawals = withdrawals.body.rows.filter((r) => r.customerId === victim.id)
    expect(victimWithdrawals.map((r) => [r.ip, r.amount])).toEqual([[UNVOUCHED.ip, 100_000]])
    expect(victimWithdrawals[0]!.reasons).toContain('ip_unseen')
  })

  it('the daily monitor raises alerts for the same findings once, and an analyst sees them', async () => {
    const day = new Date(ts.clock.now() + 9 * HOUR).toISOString().slice(0, 10)
    const run = await client.post<{ day: string; alertsRaised: number; findings: { kind: string; customerId: string; ip: string; alertId: string }[] }>(
      '/v1/staff/monitor/run',
      { day },
      { token: analyst.token },
    )
    expect(run.status, JSON.stringify(run.body)).toBe(200)
    expect(run.body.day).toBe(day)
    const mine = run.body.findings.filter((f) => f.customerId === victim.id)
    expect(mine.map((f) => [f.kind, f.ip]).sort()).toEqual(
      [
        ['destination_change', PROXY.ip],
        ['withdrawal', UNVOUCHED.ip],
      ].sort(),
    )
    expect(run.body.alertsRaised).toBe(run.body.findings.length)
    const rerun = await client.post<{ alertsRaised: number; findings: unknown[] }>('/v1/staff/monitor/run', { day }, { token: analyst.token })
    expect(rerun.body.alertsRaised).toBe(0)
    expect(rerun.body.findings).toHaveLength(run.body.findings.length)
    const alerts = await client.get<{ alerts: AlertJson[] }>(`/v1/staff/alerts?action=monitor&customerId=${victim.id}`, { token: analyst.token })
    expect(alerts.body.alerts.map((a) => a.id).sort()).toEqual(mine.map((f) => f.alertId).sort())
    // The analyst adds them to the case before closing it.
    for (const f of mine) expect((await client.post(`/v1/staff/cases/${caseId}/alerts`, { alertId: f.alertId }, { token: analyst.token })).status).toBe(200)
  })

  it('closes the case with a reason: its alerts close with it, and it takes no more actions', async () => {
    const closed = await client.post<CaseJson>(`/v1/staff/cases/${caseId}/close`, { reason: 'account secured; customer to re-verify at the branch' }, { token: analyst.token })
    expect(closed.status, JSON.stringify(closed.body)).toBe(200)
    expect(closed.body.status).toBe('closed')
    expect(closed.body.alertIds).toHaveLength(4)
    for (const id of closed.body.alertIds) {
      const a = await client.get<AlertJson>(`/v1/staff/alerts/${id}`, { token: analyst.token })
      expect(a.body.status, id).toBe('closed')
    }
    expectError(await client.post(`/v1/staff/cases/${caseId}/actions/notify`, { reason: 'one more' }, { token: analyst.token }), 409, 'CASE_CLOSED')
    expectError(await client.post(`/v1/staff/cases/${caseId}/notes`, { text: 'late note' }, { token: analyst.token }), 409, 'CASE_CLOSED')
    expectError(await client.post(`/v1/staff/cases/${caseId}/close`, { reason: 'twice' }, { token: analyst.token }), 409, 'CASE_CLOSED')
    const list = await client.get<{ cases: CaseJson[] }>(`/v1/staff/cases?customerId=${victim.id}&status=closed`, { token: analyst.token })
    expect(list.body.cases.map((c) => c.id)).toEqual([caseId])

    // Every action is in the audit log, under the analyst, about the customer.
    interface Entry {
      actor: { kind: string; id: string }
      action: string
    }
    const audit = await client.get<{ entries: Entry[] }>(`/v1/staff/audit?subjectId=${victim.id}&actorId=${analyst.id}&limit=1000`, { token: auditor.token })
    expect(audit.status).toBe(200)
    const actions = new Set(audit.body.entries.map((e) => e.action))
    for (const a of ['staff.case_opened', 'staff.freeze', 'staff.withdrawal_cancelled', 'staff.sessions_ended', 'staff.customer_notified', 'staff.investigate', 'staff.case_closed']) {
      expect(actions, a).toContain(a)
    }
    expect(errorCode(await client.get('/v1/staff/audit', { token: analyst.token }))).toBe('STAFF_FORBIDDEN')
  })
})
