import { z } from 'zod'
import { dummyVerify, verifyPassword } from '../../auth/index.js'
import { MamoriError } from '../../errors/index.js'
import type { RouteModule } from '../app.js'
import { customerOf } from '../authenticate.js'
import { errorBodySchema } from '../errorBody.js'
import { clearSessionCookie, sessionTokenOf, setSessionCookie } from '../sessionCookie.js'

const loginBody = z.strictObject({
  loginId: z.string().min(1).max(256),
  // Generous in UTF-16 units; the password rules themselves (1..1024 code points) live in auth/password.
  password: z.string().min(1).max(4096),
})

const loginResponse = z.object({
  customerId: z.string(),
  token: z.string().describe('Session token for `Authorization: Bearer`; browsers use the cookie instead'),
  expiresAt: z.number().int().describe('Absolute expiry, ms since the epoch; idleness ends the session sooner'),
})

const profile = z.object({
  id: z.string(),
  loginId: z.string(),
  nameKanji: z.string(),
  nameKana: z.string(),
  email: z.string(),
  phone: z.string(),
  address: z.string(),
  dateOfBirth: z.string(),
  status: z.enum(['active', 'frozen', 'closed']),
})

/** One message for an unknown ID and a wrong password alike: no user enumeration (B-10). */
const AUTH_FAILED_MESSAGE = 'login ID or password is incorrect'

/**
 * POST /v1/auth/login, POST /v1/auth/logout, GET /v1/me. Login by ID and password only for now;
 * the policy (B-8) will add the second factor and throttling (B-10) here.
 */
export const authRoutes: RouteModule = async (app, { store, sessions, config }) => {
  // Pay for the dummy hash at start-up so the first unknown-ID login is not measurably slower.
  await dummyVerify('')

  app.post(
    '/v1/auth/login',
    {
      config: { operation: 'login' },
      schema: {
        summary: 'Log in with login ID and password; sets the session cookie',
        body: loginBody,
        response: { 200: loginResponse, 400: errorBodySchema, 401: errorBodySchema, 423: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { loginId, password } = request.body
      const customer = await store.db
        .selectFrom('customers')
        .select(['id', 'status', 'login_password_hash'])
        .where('login_id', '=', loginId)
        .executeTakeFirst()
      if (customer === undefined) {
        // Same argon2 work as a known ID, so timing does not tell which IDs exist.
        await dummyVerify(password)
        throw new MamoriError('AUTH_FAILED', AUTH_FAILED_MESSAGE)
      }
      const passwordOk = await verifyPassword(customer.login_password_hash, password)
      // A closed account is indistinguishable from an unknown one.
      if (!passwordOk || customer.status === 'closed') throw new MamoriError('AUTH_FAILED', AUTH_FAILED_MESSAGE)
      // Only someone who knows the password learns the account is frozen.
      if (customer.status === 'frozen') throw new MamoriError('CUSTOMER_FROZEN', 'this account is frozen; contact support')
      // Rotation (B-12): a session presented at login is ended, never upgraded (session fixation).
      const presented = sessionTokenOf(request)
      if (presented !== undefined) await sessions.revoke(presented)
      const session = await sessions.create(customer.id)
      setSessionCookie(reply, session.token, config.http.secureCookies)
      request.log.info({ customerId: customer.id }, 'login succeeded')
      return { customerId: customer.id, token: session.token, expiresAt: session.expiresAt }
    },
  )

  app.post(
    '/v1/auth/logout',
    {
      // Open to anyone so an expired session can still clear its cookie.
      config: { operation: 'logout', auth: 'none' },
      schema: { summary: 'End the current session and clear the cookie', response: { 204: z.null() } },
    },
    async (request, reply) => {
      const token = sessionTokenOf(request)
      if (token !== undefined) await sessions.revoke(token)
      clearSessionCookie(reply, config.http.secureCookies)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/v1/me',
    {
      config: { operation: 'read', auth: 'customer' },
      schema: {
        summary: "The logged-in customer's own profile",
        response: { 200: profile, 401: errorBodySchema },
      },
    },
    async (request) => {
      const { id } = customerOf(request)
      const row = await store.db
        .selectFrom('customers')
        .select(['id', 'login_id', 'name_kanji', 'name_kana', 'email', 'phone', 'address', 'date_of_birth', 'status'])
        .where('id', '=', id)
        .executeTakeFirst()
      if (row === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'customer not found')
      return {
        id: row.id,
        loginId: row.login_id,
        nameKanji: row.name_kanji,
        nameKana: row.name_kana,
        email: row.email,
        phone: row.phone,
        address: row.address,
        dateOfBirth: row.date_of_birth,
        status: row.status,
      }
    },
  )
}
