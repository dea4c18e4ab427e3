import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditLog } from '../audit/index.js'
import { MamoriError } from '../errors/index.js'
import { can } from '../staff/permissions.js'
import type { StaffService, StaffSession } from '../staff/StaffService.js'
import { routeAuth } from './routeConfig.js'
import { staffTokenOf } from './sessionCookie.js'

/**
 * The one place staff access is decided (D-1): on a staff route, before any body is read, the
 * request must carry a live staff session (else STAFF_AUTH_REQUIRED) whose role holds the route's
 * permission (else STAFF_FORBIDDEN). Roles and permissions are src/staff/permissions.ts.
 */
export function staffAuthHook(staff: StaffService): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    request.staff = undefined
    const config = request.routeOptions.config
    if (request.is404 || config.operation === undefined || routeAuth(config) !== 'staff') return
    const token = staffTokenOf(request)
    const session = token === undefined ? undefined : await staff.resolve(token)
    if (session === undefined) throw new MamoriError('STAFF_AUTH_REQUIRED', 'a valid staff session is required')
    request.staff = session
    // checkRouteConfig guarantees a permission on every staff route; an absent one would refuse here too.
    if (config.permission === undefined || !can(session.role, config.permission)) {
      throw new MamoriError('STAFF_FORBIDDEN', 'your role does not allow this')
    }
  }
}

/**
 * Writes one audit row for every staff API call once its response is sent (D-8): who, which
 * route, the outcome and the error code of a refusal (bad input, forbidden, not found). The call's
 * own domain rows (a reveal, an approval) are written by the services as they act. Calls without
 * a staff session are audited too, as the `anonymous` actor, so probing shows.
 */
export function staffAuditHook(audit: AuditLog, onError: (err: unknown) => void): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const config = request.routeOptions.config
    if (request.is404 || config.operation === undefined || routeAuth(config) !== 'staff') return
    const who = request.staff
    try {
      await audit.append({
        actor: { kind: 'staff', id: who?.staffId ?? 'anonymous' },
        action: 'staff.api_call',
        detail: {
          method: request.method,
          route: request.routeOptions.url ?? '',
          status: reply.statusCode,
          ...(request.errorCode === undefined ? {} : { errorCode: request.errorCode }),
          ip: request.ip,
        },
      })
    } catch (err) {
      onError(err)
    }
  }
}

/** The staff member behind a request on a staff route; STAFF_AUTH_REQUIRED when none (fails closed). */
export function staffOf(request: FastifyRequest): StaffSession {
  const s = request.staff
  if (s === undefined) throw new MamoriError('STAFF_AUTH_REQUIRED', 'a valid staff session is required')
  return s
}

