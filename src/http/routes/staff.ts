import { z } from 'zod'
import type { AuditLog } from '../../audit/index.js'
import { AUDIT_ACTIONS, verifyAuditChain } from '../../audit/index.js'
import type { ReviewService } from '../../guards/reviewService.js'
import { getAlert, listAlerts } from '../../staff/alerts.js'
import { PII_FIELDS, type CustomerView, type MaskedCustomer } from '../../staff/customerView.js'
import { ROLE_PERMISSIONS, type Permission } from '../../staff/permissions.js'
import type { StaffService } from '../../staff/StaffService.js'
import type { RouteModule } from '../app.js'
import { errorBodySchema } from '../errorBody.js'
import { clearStaffCookie, setStaffCookie } from '../sessionCookie.js'
import { staffOf } from '../staffAuth.js'
import { publicHeld } from './review.js'

/** What the staff routes use. */
export interface StaffRouteDeps {
  readonly staff: StaffService
  readonly customers: CustomerView
  readonly review: ReviewService
  readonly audit: AuditLog
  /** The configured secret key, for verifying the audit chain's MACs (null: hash chain only). */
  readonly auditKey: Buffer | null
}

export const staffErrors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  429: errorBodySchema,
}

const customerId = z.string().min(1).max(100)
const alertId = z.string().regex(/^alr_[0-9a-f]{32}$/, 'an alert id issued by Mamori')
const heldId = z.string().regex(/^hld_[0-9a-f]{32}$/, 'a review id issued by Mamori')
const reason = z.string().max(1000).describe('Why: required, recorded in the audit log')
const webauthnResponse = z.looseObject({ id: z.string().max(1024), rawId: z.string().max(1024), type: z.literal('public-key') }).describe('The PublicKeyCredential as JSON (SimpleWebAuthn browser output)')
const maskedDestination = z.object({
  id: z.string(),
  bankCode: z.string(),
  branchCode: z.string(),
  accountType: z.string(),
  accountNumber: z.string(),
  holderKana: z.string(),
  status: z.string(),
  createdAt: z.number(),
})
const maskedCustomer = z.object({
  id: z.string(),
  loginId: z.string(),
  name: z.string(),
  nameKana: z.string(),
  address: z.string(),
  phone: z.string(),
  dateOfBirth: z.string(),
  email: z.string(),
  status: z.string(),
  createdAt: z.number(),
  locked: z.boolean(),
  destinations: z.array(maskedDestination),
  masked: z.array(z.string()),
})
const alertSchema = z.object({
  id: z.string(),
  at: z.number(),
  customerId: z.string().nullable(),
  action: z.string(),
  outcome: z.string(),
  enforced: z.string(),
  score: z.number(),
  topReason: z.string(),
  reasons: z.unknown(),
  ip: z.string(),
  network: z.string(),
  heldOperationId: z.string().nullable(),
  status: z.enum(['open', 'closed']),
})
const staffView = z.object({ staffId: z.string(), username: z.string(), role: z.string(), permissions: z.array(z.string()) })

/** The config of a staff route needing `permission`. */
export function staffConfig(permission: Permission): { operation: 'staff'; permission: Permission } {
  return { operation: 'staff', permission }
}

/**
 * The staff API, first part (D-1, D-3, D-8): passkey enrolment and login, the signed-in member,
 * customers masked and one field revealed with a reason, risk alerts, the review queue of held
 * operations, and the audit log. Every route but enrolment and login is a staff route with one
 * permission (src/staff/permissions.ts), checked by the staff hook before the body is read, and
 * audited when its response is sent.
 */
export function staffRoutes(deps: StaffRouteDeps): RouteModule {
  return (app, ctx) => {
    const secure = ctx.config.http.secureCookies
    const open = { operation: 'public', auth: 'none' } as const

    app.post(
      '/v1/staff/enrol/options',
      {
        config: open,
        schema: {
          summary: 'Staff: begin registering a first passkey with the one-time enrolment token',
          body: z.strictObject({ token: z.string().min(1).max(200) }),
          response: { 200: z.object({ challengeId: z.string(), options: z.record(z.string(), z.unknown()) }), ...staffErrors },
        },
      },
      async (request) => optionsJson(await deps.staff.enrolmentOptions(request.body.token)),
    )

    app.post(
      '/v1/staff/enrol',
      {
        config: open,
        schema: {
          summary: 'Staff: complete the passkey registration; the token is spent and a session begins',
          body: z.strictObject({ token: z.string().min(1).max(200), challengeId: z.string().max(128), response: webauthnResponse }),
          response: { 200: z.object({ token: z.string(), staff: staffView }), ...staffErrors },
        },
      },
      async (request, reply) => {
        const r = await deps.staff.enrol(request.body)
        await deps.audit.append({ actor: { kind: 'staff', id: r.session.staffId }, action: 'staff.enrolled', detail: { ip: request.ip } })
        setStaffCookie(reply, r.token, secure)
        return { token: r.token, staff: viewOf(r.session) }
      },
    )

    app.post(
      '/v1/staff/login/options',
      {
        config: open,
        schema: {
          summary: 'Staff: begin a passkey login (no username: nothing tells who is staff)',
          response: { 200: z.object({ challengeId: z.string(), options: z.record(z.string(), z.unknown()) }), ...staffErrors },
        },
      },
      async () => optionsJson(await deps.staff.loginOptions()),
    )

    app.post(
      '/v1/staff/login',
      {
        config: open,
        schema: {
          summary: 'Staff: complete the passkey login; a new session token (cookie and body)',
          body: z.strictObject({ challengeId: z.string().max(128), response: webauthnResponse }),
          response: { 200: z.object({ token: z.string(), staff: staffView }), ...staffErrors },
        },
      },
      async (request, reply) => {
        const r = await deps.staff.login(request.body)
        await deps.audit.append({ actor: { kind: 'staff', id: r.session.staffId }, action: 'staff.login', detail: { ip: request.ip } })
        setStaffCookie(reply, r.token, secure)
        return { token: r.token, staff: viewOf(r.session) }
      },
    )

    app.post(
      '/v1/staff/logout',
      { config: staffConfig('self'), schema: { summary: 'Staff: end this session', response: { 204: z.null(), ...staffErrors } } },
      async (request, reply) => {
        const me = staffOf(request)
        await deps.staff.logout(me.sessionHash)
        await deps.audit.append({ actor: { kind: 'staff', id: me.staffId }, action: 'staff.logout' })
        clearStaffCookie(reply, secure)
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/v1/staff/me',
      { config: staffConfig('self'), schema: { summary: 'Staff: who am I, and what may I do', response: { 200: staffView, ...staffErrors } } },
      async (request) => viewOf(staffOf(request)),
    )

    app.get(
      '/v1/staff/customers',
      {
        config: staffConfig('customer.read'),
        schema: {
          summary: 'Find customers by login id prefix or customer id; every PII field masked',
          querystring: z.strictObject({ q: z.string().max(64) }),
          response: { 200: z.object({ customers: z.array(maskedCustomer) }), ...staffErrors },
        },
      },
      async (request) => ({ customers: (await deps.customers.search(viewer(request), request.query.q)).map(plainCustomer) }),
    )

    app.get(
      '/v1/staff/customers/:id',
      {
        config: staffConfig('customer.read'),
        schema: {
          summary: 'One customer, every PII field masked (viewing is audited and watched)',
          params: z.strictObject({ id: customerId }),
          response: { 200: maskedCustomer, ...staffErrors },
        },
      },
      async (request) => plainCustomer(await deps.customers.view(viewer(request), request.params.id)),
    )

    app.post(
      '/v1/staff/customers/:id/reveal',
      {
        config: staffConfig('customer.reveal'),
        schema: {
          summary: 'Reveal one PII field of one customer, with a reason (audited, rate-limited per staff member)',
          params: z.strictObject({ id: customerId }),
          body: z.strictObject({ field: z.enum(PII_FIELDS), reason, destinationId: z.string().max(100).optional() }),
          response: { 200: z.object({ field: z.string(), value: z.string() }), ...staffErrors },
        },
      },
      async (request) => {
        const b = request.body
        return deps.customers.reveal(viewer(request), request.params.id, {
          field: b.field,
          reason: b.reason,
          ...(b.destinationId === undefined ? {} : { destinationId: b.destinationId }),
        })
      },
    )

    app.get(
      '/v1/staff/alerts',
      {
        config: staffConfig('alert.read'),
        schema: {
          summary: 'Risk alerts (decisions, typology hits, monitor findings, staff-access watch), newest first',
          querystring: z.strictObject({
            status: z.enum(['open', 'closed']).optional(),
            customerId: customerId.optional(),
            action: z.string().max(40).optional(),
            since: z.coerce.number().int().nonnegative().optional(),
            limit: z.coerce.number().int().min(1).max(1000).optional(),
          }),
          response: { 200: z.object({ alerts: z.array(alertSchema) }), ...staffErrors },
        },
      },
      async (request) => {
        const q = request.query
        return {
          alerts: await listAlerts(ctx.store, {
            ...(q.status === undefined ? {} : { status: q.status }),
            ...(q.customerId === undefined ? {} : { customerId: q.customerId }),
            ...(q.action === undefined ? {} : { action: q.action }),
            ...(q.since === undefined ? {} : { since: q.since }),
            ...(q.limit === undefined ? {} : { limit: q.limit }),
          }),
        }
      },
    )

    app.get(
      '/v1/staff/alerts/:id',
      {
        config: staffConfig('alert.read'),
        schema: { summary: 'One alert', params: z.strictObject({ id: alertId }), response: { 200: alertSchema, ...staffErrors } },
      },
      async (request) => getAlert(ctx.store, request.params.id),
    )

    app.get(
      '/v1/staff/held',
      {
        config: staffConfig('alert.read'),
        schema: {
          summary: 'Operations the risk engine held, newest first (account numbers masked)',
          querystring: z.strictObject({ status: z.enum(['held', 'released', 'cancelled']).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
          response: { 200: z.object({ held: z.array(z.record(z.string(), z.unknown())) }), ...staffErrors },
        },
      },
      async (request) => {
        const { status, limit } = request.query
        const held = await deps.review.list({ ...(status === undefined ? {} : { status }), ...(limit === undefined ? {} : { limit }) })
        return { held: held.map(publicHeld) }
      },
    )

    for (const verb of ['release', 'cancel'] as const) {
      app.post(
        `/v1/staff/held/:id/${verb}`,
        {
          config: staffConfig('review.resolve'),
          schema: {
            summary: verb === 'release' ? 'Release a held operation: it runs now' : 'Cancel a held operation: it never runs, reserved money returns',
            params: z.strictObject({ id: heldId }),
            body: z.strictObject({ reason }),
            response: { 200: z.record(z.string(), z.unknown()), ...staffErrors },
          },
        },
        async (request) => {
          const me = staffOf(request)
          const by = `staff:${me.username}`
          const h = verb === 'release' ? await deps.review.release(request.params.id, { by, reason: request.body.reason }) : await deps.review.cancel(request.params.id, { by, reason: request.body.reason })
          await deps.audit.append({
            actor: { kind: 'staff', id: me.staffId },
            action: verb === 'release' ? 'staff.withdrawal_released' : 'staff.withdrawal_cancelled',
            subject: { kind: 'customer', id: h.customerId },
            detail: { heldOperationId: h.id, operation: h.action, reason: request.body.reason.slice(0, 500) },
          })
          return publicHeld(h)
        },
      )
    }

    app.get(
      '/v1/staff/audit',
      {
        config: staffConfig('audit.read'),
        schema: {
          summary: 'The audit log, newest first (keyset paging with beforeSeq)',
          querystring: z.strictObject({
            actorId: z.string().max(128).optional(),
            action: z.enum(AUDIT_ACTIONS).optional(),
            subjectId: z.string().max(128).optional(),
            beforeSeq: z.coerce.number().int().positive().optional(),
            limit: z.coerce.number().int().min(1).max(1000).optional(),
          }),
          response: { 200: z.object({ entries: z.array(z.record(z.string(), z.unknown())) }), ...staffErrors },
        },
      },
      async (request) => {
        const q = request.query
        const entries = await deps.audit.list({
          ...(q.actorId === undefined ? {} : { actorId: q.actorId }),
          ...(q.action === undefined ? {} : { action: q.action }),
          ...(q.subjectId === undefined ? {} : { subjectId: q.subjectId }),
          ...(q.beforeSeq === undefined ? {} : { beforeSeq: q.beforeSeq }),
          ...(q.limit === undefined ? {} : { limit: q.limit }),
        })
        return { entries: entries.map((e) => ({ ...e })) }
      },
    )

    app.get(
      '/v1/staff/audit/verify',
      {
        config: staffConfig('audit.read'),
        schema: { summary: 'Walk the audit chain and name the first broken row, if any', response: { 200: z.record(z.string(), z.unknown()), ...staffErrors } },
      },
      async () => ({ ...(await verifyAuditChain(ctx.store.db, { secretKey: deps.auditKey })) }),
    )
  }
}

function viewOf(s: { staffId: string; username: string; role: keyof typeof ROLE_PERMISSIONS }): z.infer<typeof staffView> {
  return { staffId: s.staffId, username: s.username, role: s.role, permissions: [...ROLE_PERMISSIONS[s.role]] }
}

function viewer(request: Parameters<typeof staffOf>[0]): { staffId: string; ip: string } {
  return { staffId: staffOf(request).staffId, ip: request.ip }
}

/** WebAuthn options as the JSON object the route's schema declares. */
function optionsJson<T extends { challengeId: string; options: object }>(x: T): { challengeId: string; options: Record<string, unknown> } {
  return { challengeId: x.challengeId, options: { ...x.options } }
}

/** A masked customer as the response schema's plain object. */
function plainCustomer(c: MaskedCustomer): z.infer<typeof maskedCustomer> {
  return { ...c, destinations: c.destinations.map((d) => ({ ...d })), masked: [...c.masked] }
}
