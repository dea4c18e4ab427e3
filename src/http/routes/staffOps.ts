import { z } from 'zod'
import type { AuditLog, AuditSubject } from '../../audit/index.js'
import type { BrokerageContext } from '../../brokerage/index.js'
import { MamoriError } from '../../errors/index.js'
import { accountsByOrigin, accountTimeline, recentBuyers, runDailyMonitor, similarAccounts } from '../../investigate/index.js'
import {
  compensationReport,
  listCompensations,
  recordCompensation,
  type ApprovalKind,
  type ApprovalRequest,
  type ApprovalService,
  type CaseService,
} from '../../ops/index.js'
import type { AccessLog } from '../../risk/events/index.js'
import { scanChanges } from '../../scan/index.js'
import { STAFF_ROLES } from '../../staff/permissions.js'
import type { StaffService } from '../../staff/StaffService.js'
import type { RouteModule } from '../app.js'
import { errorBodySchema } from '../errorBody.js'
import type { FastifyRequest } from 'fastify'
import { staffOf } from '../staffAuth.js'
import { staffConfig, staffErrors } from './staff.js'

/** What the operator routes use. */
export interface StaffOpsDeps {
  readonly brokerage: BrokerageContext
  readonly staff: StaffService
  readonly approvals: ApprovalService
  readonly cases: CaseService
  readonly audit: AuditLog
  /** The server's access history, flushed before pivots and the monitor read it. */
  readonly accessLog: AccessLog
}

const errors = { ...staffErrors, 410: errorBodySchema, 422: errorBodySchema }
const json = z.record(z.string(), z.unknown())
const customerId = z.string().min(1).max(100)
const caseId = z.string().regex(/^case_[0-9a-f]{32}$/, 'a case id issued by Mamori')
const approvalId = z.string().regex(/^apr_[0-9a-f]{32}$/, 'an approval id issued by Mamori')
const reason = z.string().max(1000).describe('Why: required, recorded in the audit log and the case timeline')
const instant = z.coerce.number().int().nonnegative().describe('Milliseconds since the epoch')
const limit = z.coerce.number().int().min(1).max(10_000).optional()

/** Kinds support and analysts may ask for about a customer (D-2). */
const CUSTOMER_SERVICE_KINDS = ['destination_change', 'account_unlock', 'factor_reset'] as const
/** Kinds that undo a fraud response or pay a victim (D-2, D-7). */
const REMEDIATION_KINDS = ['unfreeze', 'compensation_payment'] as const

const CASE_ACTIONS = ['freeze', 'cancel-withdrawals', 'end-sessions', 'notify'] as const

/**
 * The operator side's working routes (D-2 … D-7): cases and the actions taken on them, pivots, the
 * retrospective scan and the daily monitor, four-eyes requests and their approval, compensation
 * and its report, and the staff list. Each declares one permission (src/staff/permissions.ts),
 * each domain action is written to the audit log with its reason, and every call, refused or not,
 * is also audited by the staff hook.
 */
export function staffOpsRoutes(deps: StaffOpsDeps): RouteModule {
  return (app, ctx) => {
    const store = ctx.store
    const clock = ctx.clock
    const audit = async (request: FastifyRequest, action: Parameters<AuditLog['append']>[0]['action'], subject: AuditSubject | null, detail: Record<string, string | number | boolean | null>): Promise<void> => {
      await deps.audit.append({ actor: { kind: 'staff', id: staffOf(request).staffId }, action, subject, detail })
    }
    const customerSubject = (id: string | null): AuditSubject | null => (id === null ? null : { kind: 'customer', id })

    // ---- cases (D-3) ----

    app.get(
      '/v1/staff/cases',
      {
        config: staffConfig('alert.read'),
        schema: {
          summary: 'Cases, newest first',
          querystring: z.strictObject({ status: z.enum(['open', 'closed']).optional(), customerId: customerId.optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
          response: { 200: z.object({ cases: z.array(json) }), ...errors },
        },
      },
      async (request) => {
        const q = request.query
        const cases = await deps.cases.list({
          ...(q.status === undefined ? {} : { status: q.status }),
          ...(q.customerId === undefined ? {} : { customerId: q.customerId }),
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        return { cases: cases.map((c) => ({ ...c })) }
      },
    )

    app.post(
      '/v1/staff/cases',
      {
        config: staffConfig('case.manage'),
        schema: {
          summary: 'Open a case, optionally gathering alerts (their customer becomes the case customer when they agree)',
          body: z.strictObject({ title: z.string().max(200), customerId: customerId.optional(), alertIds: z.array(z.string().max(64)).max(500).optional() }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const b = request.body
        const c = await deps.cases.open({
          title: b.title,
          by: staffOf(request).staffId,
          ...(b.customerId === undefined ? {} : { customerId: b.customerId }),
          ...(b.alertIds === undefined ? {} : { alertIds: b.alertIds }),
        })
        await audit(request, 'staff.case_opened', customerSubject(c.customerId), { caseId: c.id, alerts: c.alertIds.length })
        return { ...c }
      },
    )

    app.get(
      '/v1/staff/cases/:id',
      {
        config: staffConfig('alert.read'),
        schema: { summary: 'One case with its timeline, oldest first', params: z.strictObject({ id: caseId }), response: { 200: json, ...errors } },
      },
      async (request) => {
        const c = await deps.cases.get(request.params.id)
        return { ...c, timeline: (await deps.cases.timeline(c.id)).map((e) => ({ ...e })) }
      },
    )

    app.post(
      '/v1/staff/cases/:id/alerts',
      {
        config: staffConfig('case.manage'),
        schema: { summary: 'Add an alert to an open case', params: z.strictObject({ id: caseId }), body: z.strictObject({ alertId: z.string().max(64) }), response: { 200: json, ...errors } },
      },
      async (request) => {
        const c = await deps.cases.addAlert(request.params.id, request.body.alertId, staffOf(request).staffId)
        await audit(request, 'staff.case_updated', customerSubject(c.customerId), { caseId: c.id, alertId: request.body.alertId })
        return { ...c }
      },
    )

    app.post(
      '/v1/staff/cases/:id/notes',
      {
        config: staffConfig('case.manage'),
        schema: { summary: 'Add a note to an open case', params: z.strictObject({ id: caseId }), body: z.strictObject({ text: z.string().max(4000) }), response: { 200: json, ...errors } },
      },
      async (request) => {
        const e = await deps.cases.addNote(request.params.id, { by: staffOf(request).staffId, text: request.body.text })
        await audit(request, 'staff.case_updated', null, { caseId: request.params.id, note: e.id })
        return { ...e }
      },
    )

    app.post(
      '/v1/staff/cases/:id/close',
      {
        config: staffConfig('case.manage'),
        schema: { summary: 'Close a case with a reason; its alerts close with it', params: z.strictObject({ id: caseId }), body: z.strictObject({ reason }), response: { 200: json, ...errors } },
      },
      async (request) => {
        const c = await deps.cases.close(request.params.id, { by: staffOf(request).staffId, reason: request.body.reason })
        await audit(request, 'staff.case_closed', customerSubject(c.customerId), { caseId: c.id, reason: request.body.reason.slice(0, 500) })
        return { ...c }
      },
    )

    app.post(
      '/v1/staff/cases/:id/actions/:action',
      {
        config: staffConfig('case.act'),
        schema: {
          summary: "Act on the case's customer: freeze the account, cancel pending withdrawals, end sessions, or notify (no links)",
          params: z.strictObject({ id: caseId, action: z.enum(CASE_ACTIONS) }),
          body: z.strictObject({ reason, customerId: customerId.optional() }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const { id, action } = request.params
        const act = { by: staffOf(request).staffId, reason: request.body.reason, ...(request.body.customerId === undefined ? {} : { customerId: request.body.customerId }) }
        const why = request.body.reason.slice(0, 500)
        switch (action) {
          case 'freeze': {
            const r = await deps.cases.freezeAccount(id, act)
            await audit(request, 'staff.freeze', customerSubject(r.customerId), { caseId: id, changed: r.frozen, sessionsEnded: r.sessionsEnded, reason: why })
            return { ...r }
          }
          case 'cancel-withdrawals': {
            const r = await deps.cases.cancelPendingWithdrawals(id, act)
            await audit(request, 'staff.withdrawal_cancelled', customerSubject(r.customerId), { caseId: id, withdrawals: r.cancelled.length, totalJpy: r.totalJpy, reason: why })
            return { ...r, cancelled: r.cancelled.map((w) => ({ ...w })) }
          }
          case 'end-sessions': {
            const r = await deps.cases.endSessions(id, act)
            await audit(request, 'staff.sessions_ended', customerSubject(r.customerId), { caseId: id, sessionsEnded: r.sessionsEnded, reason: why })
            return { ...r }
          }
          case 'notify': {
            const r = await deps.cases.notifyCustomer(id, act)
            await audit(request, 'staff.customer_notified', customerSubject(r.customerId), { caseId: id, notice: r.kind, reason: why })
            return { ...r }
          }
        }
      },
    )

    // ---- compensation (D-7) ----

    app.post(
      '/v1/staff/cases/:id/compensations',
      {
        config: staffConfig('compensation.record'),
        schema: {
          summary: "Record a victim's confirmed loss on a case (paying it is a four-eyes compensation_payment request)",
          params: z.strictObject({ id: caseId }),
          body: z.strictObject({ customerId, lossJpy: z.number().int(), reason }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const b = request.body
        const c = await recordCompensation(deps.brokerage, store.db, { caseId: request.params.id, customerId: b.customerId, lossJpy: b.lossJpy, reason: b.reason, by: staffOf(request).staffId })
        await audit(request, 'staff.compensation', customerSubject(c.customerId), { caseId: c.caseId, compensationId: c.id, lossJpy: c.lossJpy })
        return { ...c }
      },
    )

    app.get(
      '/v1/staff/compensations',
      {
        config: staffConfig('report.read'),
        schema: {
          summary: 'Recorded compensations, oldest first',
          querystring: z.strictObject({ caseId: caseId.optional(), customerId: customerId.optional(), status: z.enum(['recorded', 'paid']).optional(), limit }),
          response: { 200: z.object({ compensations: z.array(json) }), ...errors },
        },
      },
      async (request) => {
        const q = request.query
        const rows = await listCompensations(store.db, {
          ...(q.caseId === undefined ? {} : { caseId: q.caseId }),
          ...(q.customerId === undefined ? {} : { customerId: q.customerId }),
          ...(q.status === undefined ? {} : { status: q.status }),
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        return { compensations: rows.map((r) => ({ ...r })) }
      },
    )

    app.get(
      '/v1/staff/reports/compensation',
      {
        config: staffConfig('report.read'),
        schema: {
          summary: 'Losses and compensation per case and in total, with what the ledger says was paid out',
          querystring: z.strictObject({ caseId: caseId.optional() }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const r = await compensationReport(store.db, request.query.caseId === undefined ? {} : { caseId: request.query.caseId })
        return { cases: r.cases.map((c) => ({ ...c })), total: { ...r.total } }
      },
    )

    // ---- pivots (D-4) ----

    app.get(
      '/v1/staff/pivots/origin',
      {
        config: staffConfig('investigate'),
        schema: {
          summary: 'From an IP, a network (asn:4713, net:203.0.113.0/24) or a device id to every account it touched, and when',
          querystring: z.strictObject({ kind: z.enum(['ip', 'network', 'device']), value: z.string().min(1).max(200), since: instant.optional(), until: instant.optional(), limit }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const q = request.query
        await deps.accessLog.flush()
        const r = await accountsByOrigin(store, {
          kind: q.kind,
          value: q.value,
          ...(q.since === undefined ? {} : { since: q.since }),
          ...(q.until === undefined ? {} : { until: q.until }),
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        await audit(request, 'staff.investigate', null, { pivot: `origin:${q.kind}`, accounts: r.accounts.length })
        return plain(r)
      },
    )

    app.get(
      '/v1/staff/pivots/customers/:id/timeline',
      {
        config: staffConfig('investigate'),
        schema: {
          summary: "An account's full timeline: accesses, operations, risk decisions, notices, staff actions",
          params: z.strictObject({ id: customerId }),
          querystring: z.strictObject({ since: instant.optional(), until: instant.optional(), limit }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const q = request.query
        await deps.accessLog.flush()
        const r = await accountTimeline(store, request.params.id, {
          ...(q.since === undefined ? {} : { since: q.since }),
          ...(q.until === undefined ? {} : { until: q.until }),
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        await audit(request, 'staff.investigate', customerSubject(request.params.id), { pivot: 'timeline', items: r.items.length })
        return plain(r)
      },
    )

    app.get(
      '/v1/staff/pivots/symbols/:symbol/buyers',
      {
        config: staffConfig('investigate'),
        schema: {
          summary: 'Recent buyers of a symbol and the environments they bought from (default: the last 7 days)',
          params: z.strictObject({ symbol: z.string().min(1).max(20) }),
          querystring: z.strictObject({ since: instant.optional(), until: instant.optional(), limit }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const q = request.query
        await deps.accessLog.flush()
        const r = await recentBuyers(store, request.params.symbol, {
          since: q.since ?? clock.now() - 7 * 86_400_000,
          until: q.until ?? clock.now(),
          log: deps.accessLog,
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        await audit(request, 'staff.investigate', { kind: 'symbol', id: request.params.symbol }, { pivot: 'buyers', buyers: r.buyers.length })
        return plain(r)
      },
    )

    app.get(
      '/v1/staff/pivots/customers/:id/similar',
      {
        config: staffConfig('investigate'),
        schema: {
          summary: "Accounts whose recent pattern (origins, devices, symbols, destinations) is most like this one's (default: the last 30 days)",
          params: z.strictObject({ id: customerId }),
          querystring: z.strictObject({ since: instant.optional(), until: instant.optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const q = request.query
        await deps.accessLog.flush()
        const r = await similarAccounts(store, request.params.id, {
          since: q.since ?? clock.now() - 30 * 86_400_000,
          ...(q.until === undefined ? {} : { until: q.until }),
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        await audit(request, 'staff.investigate', customerSubject(request.params.id), { pivot: 'similar', accounts: r.similar.length })
        return plain(r)
      },
    )

    // ---- retrospective scan (D-5) and daily monitor (D-6) ----

    app.post(
      '/v1/staff/scan',
      {
        config: staffConfig('scan.run'),
        schema: {
          summary: "Check every destination change or withdrawal of a period against the customer's prior year of access (IP, network, device)",
          body: z.strictObject({ kind: z.enum(['destination_change', 'withdrawal']), from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const b = request.body
        await deps.accessLog.flush()
        const r = await scanChanges(store, { kind: b.kind, from: b.from, to: b.to })
        await audit(request, 'staff.scan', null, { kind: b.kind, from: b.from, to: b.to, suspicious: r.suspicious })
        return plain(r)
      },
    )

    app.post(
      '/v1/staff/monitor/run',
      {
        config: staffConfig('scan.run'),
        schema: {
          summary: "Run the daily monitor for one JST day (default yesterday): raises an alert per new finding; running a day twice raises nothing new",
          body: z.strictObject({ day: z.string().max(10).optional() }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        const r = await runDailyMonitor(store, { clock, random: ctx.random, log: deps.accessLog, ...(request.body.day === undefined ? {} : { day: request.body.day }) })
        await audit(request, 'staff.monitor_run', null, { day: r.day, findings: r.findings.length, alertsRaised: r.alertsRaised })
        return plain(r)
      },
    )

    // ---- four-eyes requests (D-2) ----

    const fileRequest = async (request: FastifyRequest, kind: ApprovalKind, input: { customerId?: string | undefined; payload: unknown; reason: string }): Promise<Record<string, unknown>> => {
      const r = await deps.approvals.request({
        kind,
        payload: input.payload,
        requestedBy: staffOf(request).staffId,
        reason: input.reason,
        ...(input.customerId === undefined ? {} : { customerId: input.customerId }),
      })
      await audit(request, 'staff.request', r.customerId === null ? staffSubject(r) : customerSubject(r.customerId), { approvalId: r.id, kind: r.kind, reason: r.requestReason.slice(0, 500) })
      return publicApproval(r)
    }

    app.post(
      '/v1/staff/requests/customer-service',
      {
        config: staffConfig('request.customer_service'),
        schema: {
          summary: 'Ask for a destination change entered for the customer, an account unlock or a factor reset; a second member of staff must approve',
          body: z.strictObject({ kind: z.enum(CUSTOMER_SERVICE_KINDS), customerId, payload: json.default({}), reason }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => fileRequest(request, request.body.kind, request.body),
    )

    app.post(
      '/v1/staff/requests/remediation',
      {
        config: staffConfig('request.remediation'),
        schema: {
          summary: 'Ask for an unfreeze or a compensation payment; a second member of staff must approve',
          body: z.strictObject({ kind: z.enum(REMEDIATION_KINDS), customerId: customerId.optional(), payload: json.default({}), reason }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => fileRequest(request, request.body.kind, request.body),
    )

    app.post(
      '/v1/staff/requests/role-change',
      {
        config: staffConfig('staff.manage'),
        schema: {
          summary: "Ask to change a staff member's role; another admin must approve",
          body: z.strictObject({ staffId: z.string().max(64), role: z.enum(STAFF_ROLES as [string, ...string[]]), reason }),
          response: { 200: json, ...errors },
        },
      },
      async (request) => {
        await deps.staff.get(request.body.staffId) // STAFF_NOT_FOUND before anything is filed
        return fileRequest(request, 'role_change', { payload: { staffId: request.body.staffId, role: request.body.role }, reason: request.body.reason })
      },
    )

    // ---- approvals: customer matters (supervisors) and staff matters (admins) ----

    for (const side of ['customer', 'staff'] as const) {
      const base = side === 'customer' ? '/v1/staff/approvals' : '/v1/staff/staff-approvals'
      const permission = side === 'customer' ? 'approve.customer' : 'approve.staff'
      const ours = (kind: ApprovalKind): boolean => (kind === 'role_change') === (side === 'staff')
      const own = async (id: string): Promise<ApprovalRequest> => {
        const r = await deps.approvals.get(id)
        if (!ours(r.kind)) throw new MamoriError('STAFF_FORBIDDEN', side === 'customer' ? 'role changes are approved by an admin' : 'customer matters are approved by a supervisor')
        return r
      }

      app.get(
        base,
        {
          config: staffConfig(permission),
          schema: {
            summary: side === 'customer' ? 'Requests about customers waiting for (or past) a second person' : 'Role-change requests',
            querystring: z.strictObject({ status: z.enum(['pending', 'approved', 'rejected', 'expired']).optional(), customerId: customerId.optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
            response: { 200: z.object({ requests: z.array(json) }), ...errors },
          },
        },
        async (request) => {
          const q = request.query
          const rows = await deps.approvals.list({
            ...(q.status === undefined ? {} : { status: q.status }),
            ...(q.customerId === undefined ? {} : { customerId: q.customerId }),
            ...(q.limit === undefined ? {} : { limit: q.limit }),
          })
          return { requests: rows.filter((r) => ours(r.kind)).map(publicApproval) }
        },
      )

      app.get(
        `${base}/:id`,
        { config: staffConfig(permission), schema: { summary: 'One request', params: z.strictObject({ id: approvalId }), response: { 200: json, ...errors } } },
        async (request) => publicApproval(await own(request.params.id)),
      )

      for (const verb of ['approve', 'reject'] as const) {
        app.post(
          `${base}/:id/${verb}`,
          {
            config: staffConfig(permission),
            schema: {
              summary: verb === 'approve' ? 'Approve and carry out the request (never your own)' : 'Reject the request (never your own)',
              params: z.strictObject({ id: approvalId }),
              body: z.strictObject({ reason }),
              response: { 200: json, ...errors },
            },
          },
          async (request) => {
            await own(request.params.id)
            const decision = { by: staffOf(request).staffId, reason: request.body.reason }
            const r = verb === 'approve' ? await deps.approvals.approve(request.params.id, decision) : await deps.approvals.reject(request.params.id, decision)
            await audit(request, verb === 'approve' ? 'staff.approve' : 'staff.reject', r.customerId === null ? staffSubject(r) : customerSubject(r.customerId), {
              approvalId: r.id,
              kind: r.kind,
              requestedBy: r.requestedBy,
              reason: request.body.reason.slice(0, 500),
            })
            return publicApproval(r)
          },
        )
      }
    }

    // ---- staff members (D-1) ----

    app.get(
      '/v1/staff/members',
      {
        config: staffConfig('staff.manage'),
        schema: { summary: 'Staff members, their roles and how many passkeys each has', response: { 200: z.object({ members: z.array(json) }), ...errors } },
      },
      async () => ({ members: (await deps.staff.list()).map((m) => ({ ...m })) }),
    )
  }
}

/** A request as staff see it: what it does and who asked, never a secret (payloads carry none). */
function publicApproval(r: ApprovalRequest): Record<string, unknown> {
  return { ...r, payload: maskPayload(r.payload), result: r.result === null ? null : { ...r.result } }
}

/** A destination's account number is shown by its last 3 digits, as everywhere on the staff side. */
function maskPayload(p: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...p }
  if (typeof out.accountNumber === 'string') out.accountNumber = `****${out.accountNumber.slice(-3)}`
  if (typeof out.holderKana === 'string') out.holderKana = `${out.holderKana.slice(0, 1)}＊＊＊`
  return out
}

function staffSubject(r: ApprovalRequest): AuditSubject | null {
  const id = r.payload.staffId
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? { kind: 'staff', id } : null
}

/** A report object as plain JSON (readonly arrays and frozen objects copied). */
function plain(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
}
