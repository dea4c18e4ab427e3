import type { RouteOptions } from 'fastify'
import { isOperation, OPERATIONS, type Operation, type ResolvedSession, type SessionKind } from '../auth/index.js'
import { isPermission, type Permission } from '../staff/permissions.js'
import type { StaffSession } from '../staff/StaffService.js'

/** Who may call a route: a logged-in customer, a logged-in staff member holding the route's permission, or anyone. */
export type RouteAuth = 'customer' | 'staff' | 'none'

const ROUTE_AUTHS: readonly string[] = ['customer', 'staff', 'none'] satisfies readonly RouteAuth[]

/** The customer behind the request's session, set on routes whose auth is 'customer'. */
export interface AuthenticatedCustomer {
  readonly id: string
  /** Stored hash of the session (SessionService.revokeByHash ends exactly this session). */
  readonly sessionHash: string
  /** The whole live session: factors, device, kind. */
  readonly session: ResolvedSession
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route does; the authentication policy keys off it (B-8). Required on every route. */
    operation?: Operation
    /**
     * 'customer': the request must carry a live session (cookie or bearer), else AUTH_REQUIRED.
     * 'none': anyone. When omitted: 'none' for the 'public' and 'login' operations, 'customer'
     * for every other operation — a forgotten declaration fails closed.
     */
    auth?: RouteAuth
    /** Which kinds of session may call the route; ['customer'] when omitted. */
    sessionKinds?: readonly SessionKind[]
    /**
     * 'hook' (default for policy operations): the policy hook checks the operation's factors before
     * the handler runs. 'handler': the handler enforces the policy itself (it has a special case).
     */
    policy?: 'hook' | 'handler'
    /**
     * For bound operations (withdrawal, destination change): the fields the confirming passkey
     * must be bound to. Defaults to the request body without `confirmation` and `tradingPassword`.
     */
    confirmFields?: (request: FastifyRequest) => Record<string, unknown>
    /** Staff routes (auth 'staff'): the one permission the route needs (D-1); required, checked at start-up. */
    permission?: Permission
  }
  interface FastifyRequest {
    /** Set on routes whose auth is 'customer'; read it with `customerOf(request)`. */
    customer: AuthenticatedCustomer | undefined
    /** Set on routes whose auth is 'staff'; read it with `staffOf(request)`. */
    staff: StaffSession | undefined
    /** The stable code of the error a request was refused with, once the error handler has run. */
    errorCode: string | undefined
  }
}

/** The auth a route actually gets, given its declared config. */
export function routeAuth(config: { operation?: Operation; auth?: RouteAuth }): RouteAuth {
  if (config.operation === 'staff') return 'staff'
  if (config.auth !== undefined) return config.auth
  return config.operation === 'public' || config.operation === 'login' ? 'none' : 'customer'
}

/**
 * Refuses, at start-up, a route that does not say which operation it performs or declares an
 * unknown auth mode. A programming error, so a TypeError rather than a MamoriError.
 */
export function checkRouteConfig(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): void {
  const config: { operation?: unknown; auth?: unknown; permission?: unknown } = route.config ?? {}
  const where = `${String(route.method)} ${route.url}`
  if (!isOperation(config.operation)) {
    throw new TypeError(`route ${where} must declare config.operation, one of: ${OPERATIONS.join(', ')}`)
  }
  if (config.auth !== undefined && !ROUTE_AUTHS.includes(String(config.auth))) {
    throw new TypeError(`route ${where} has config.auth ${String(config.auth)}; expected 'customer', 'staff' or 'none'`)
  }
  // A staff route names its permission; a forgotten one refuses to start rather than serve anyone.
  const staffRoute = config.operation === 'staff' || config.auth === 'staff'
  if (staffRoute && (config.operation !== 'staff' || !isPermission(config.permission))) {
    throw new TypeError(`route ${where} is a staff route: it needs config.operation 'staff' and a config.permission`)
  }
  if (!staffRoute && config.permission !== undefined) throw new TypeError(`route ${where} declares a permission but is not a staff route`)
}
