/**
 * The cookie that carries a browser's device token. The `__Host-` prefix makes the browser
 * refuse it unless it is Secure, has Path=/ and no Domain: no sibling subdomain (or a plain-HTTP
 * page on the same host) can plant or overwrite it.
 */
export const DEVICE_COOKIE = '__Host-mamori_device'

/** 400 days, the longest lifetime browsers honour (RFC 6265bis caps Max-Age there). */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 60 * 60

/** Options for setting DEVICE_COOKIE (shaped for @fastify/cookie: maxAge in seconds). */
export interface DeviceCookieOptions {
  readonly httpOnly: true
  readonly secure: boolean
  readonly sameSite: 'strict'
  readonly path: '/'
  readonly maxAge: number
}

/**
 * How to set DEVICE_COOKIE. HttpOnly keeps it from scripts (an XSS cannot lift the device
 * identity), SameSite=Strict keeps it off cross-site requests. Pass `secure: true` everywhere,
 * local development included (browsers treat http://localhost as secure): because of the
 * `__Host-` prefix, browsers silently drop the cookie when `secure` is false.
 */
export function deviceCookieOptions(secure: boolean): DeviceCookieOptions {
  return { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS }
}
