import { z } from 'zod'
import { dummyVerify } from '../../auth/index.js'
import { MamoriError } from '../../errors/index.js'
import type { RouteModule } from '../app.js'
import { customerOf } from '../authenticate.js'
import { errorBodySchema } from '../errorBody.js'
import { clearSessionCookie, sessionTokenOf } from '../sessionCookie.js'

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

/** POST /v1/auth/logout and GET /v1/me. Logging in is the front door's (routes/frontDoor.ts). */
export const authRoutes: RouteModule = async (app, { store, sessions, config }) => {
  // Pay for the dummy hash at start-up so the first unknown-ID login is not measurably slower.
  await dummyVerify('')
  void store

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
      config: { operation: 'read', auth: 'customer', sessionKinds: ['customer', 'enrolment'] },
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
