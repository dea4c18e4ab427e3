import type { RouteOptions } from 'fastify'
import { isOperation, OPERATIONS, type Operation, type ResolvedSession, type SessionKind } from '../auth/index.js'

/** Who may call a route: a logged-in customer, or anyone. */
export type RouteAuth = 'customer' | 'none'

const ROUTE_AUTHS: readonly string[] = ['customer', 'none'] satisfies readonly RouteAuth[]

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
  }
  interface FastifyRequest {
    /** Set on routes whose auth is 'customer'; read it with `customerOf(request)`. */
    customer: AuthenticatedCustomer | undefined
  }
}

/** The auth a route actually gets, given its declared config. */
export function routeAuth(config: { operation?: Operation; auth?: RouteAuth }): RouteAuth {
  if (config.auth !== undefined) return config.auth
  return config.operation === 'public' || config.operation === 'login' ? 'none' : 'customer'
}

/**
 * Refuses, at start-up, a route that does not say which operation it performs or declares an
 * unknown auth mode. A programming error, so a TypeError rather than a MamoriError.
 */
export function checkRouteConfig(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): void {
  const config: { operation?: unknown; auth?: unknown } = route.config ?? {}
  const where = `${String(route.method)} ${route.url}`
  if (!isOperation(config.operation)) {
    throw new TypeError(`route ${where} must declare config.operation, one of: ${OPERATIONS.join(', ')}`)
  }
  if (config.auth !== undefined && !ROUTE_AUTHS.includes(String(config.auth))) {
    throw new TypeError(`route ${where} has config.auth ${String(config.auth)}; expected 'customer' or 'none'`)
  }
}
