import type { FastifyRequest } from 'fastify'
import type { SessionService } from '../auth/index.js'
import { MamoriError } from '../errors/index.js'
import { routeAuth, type AuthenticatedCustomer } from './routeConfig.js'
import { sessionTokenOf } from './sessionCookie.js'

/** Finds the device a request comes from (cookie or header), without creating one. */
export type DeviceLookup = (request: FastifyRequest) => Promise<string | null>

/**
 * The onRequest hook that runs before any body is read: on a route whose auth is 'customer', find
 * the live session or fail AUTH_REQUIRED. Unauthenticated callers therefore learn nothing from
 * validation errors on protected routes. The session must be presented from the device it was
 * opened on (B-12), and be of a kind the route accepts (portal, phone app, enrolment).
 */
export function authenticateHook(sessions: SessionService, deviceOf: DeviceLookup): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    request.customer = undefined
    const config = request.routeOptions.config
    // The not-found handler has no operation; it needs no session.
    if (request.is404 || config.operation === undefined) return
    if (routeAuth(config) !== 'customer') return
    const token = sessionTokenOf(request)
    const session = token === undefined ? undefined : await sessions.resolve(token, await deviceOf(request))
    if (session === undefined) throw new MamoriError('AUTH_REQUIRED', 'a valid session is required')
    const kinds = config.sessionKinds ?? ['customer']
    if (!kinds.includes(session.kind)) {
      throw new MamoriError(
        session.kind === 'enrolment' ? 'STEP_UP_REQUIRED' : 'SESSION_KIND_FORBIDDEN',
        session.kind === 'enrolment' ? 'register a passkey before using this' : 'this session cannot do this',
        session.kind === 'enrolment' ? { operation: config.operation, options: [['passkey']] } : undefined,
      )
    }
    request.customer = Object.freeze({ id: session.customerId, sessionHash: session.sessionHash, session })
  }
}

/**
 * The logged-in customer of a request on a route with auth 'customer'. Throws AUTH_REQUIRED when
 * there is none, so a handler on a mis-declared route still fails closed.
 */
export function customerOf(request: FastifyRequest): AuthenticatedCustomer {
  const customer = request.customer
  if (customer === undefined) throw new MamoriError('AUTH_REQUIRED', 'a valid session is required')
  return customer
}
