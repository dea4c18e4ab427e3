import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * The browser session cookie. The __Host- prefix makes browsers refuse it unless it is Secure,
 * has Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite it.
 */
export const SESSION_COOKIE = '__Host-mamori_session'

/** The staff session cookie (D-1): a different name, so a customer session can never stand in for it. */
export const STAFF_COOKIE = '__Host-mamori_staff'

function cookieOptions(secure: boolean): CookieSerializeOptions {
  // SameSite=Strict: no cross-site request carries the session (CSRF). No Max-Age: the cookie
  // dies with the browser; the server enforces idle and absolute timeouts either way.
  return { httpOnly: true, secure, sameSite: 'strict', path: '/' }
}

/** Sets the session cookie on a response. */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(secure))
}

/** Tells the browser to drop the session cookie. */
export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(secure))
}

const BEARER = /^Bearer[ ]+([^ ]+)[ ]*$/i

/**
 * The session token a request presents: `Authorization: Bearer <token>` for API clients, else
 * the session cookie. An Authorization header of another scheme is ignored.
 */
export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization)
    if (match?.[1] !== undefined) return match[1]
  }
  const cookie = request.cookies[SESSION_COOKIE]
  return cookie === undefined || cookie === '' ? undefined : cookie
}

/** Sets the staff session cookie. */
export function setStaffCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(STAFF_COOKIE, token, cookieOptions(secure))
}

/** Tells the browser to drop the staff session cookie. */
export function clearStaffCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(STAFF_COOKIE, cookieOptions(secure))
}

/** The staff session token a request presents: bearer, else the staff cookie. */
export function staffTokenOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization)
    if (match?.[1] !== undefined) return match[1]
  }
  const cookie = request.cookies[STAFF_COOKIE]
  return cookie === undefined || cookie === '' ? undefined : cookie
}
