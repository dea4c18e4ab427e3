import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import {
  api,
  cookieFrom,
  insertTestCustomer,
  startTestApp,
  type Api,
  type TestApp,
  type TestCustomer,
} from '../../../test/support/http.js'
import { sessionHashOf } from '../../auth/index.js'
import { ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { authRoutes, SESSION_COOKIE } from '../index.js'

interface LoginJson {
  customerId: string
  token: string
  expiresAt: number
}
interface ErrorJson {
  error: { code: string; message: string }
}

describe.each(DIALECTS)('auth routes on $dialect', (dc) => {
  let store: Store
  let running: TestApp
  let client: Api
  let clock: ManualClock
  let alice: TestCustomer

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    running = await startTestApp({ store, clock, routes: [authRoutes] })
    client = api(running.baseUrl)
    alice = await insertTestCustomer(store, { login_id: 'alice', password: 'ありすの長いパスフレーズ 2025!' })
  })
  afterAll(async () => {
    await running.close()
    await store.close()
  })

  const login = (loginId: string, password: string): Promise<{ status: number; body: unknown; headers: Headers }> =>
    client.post('/v1/auth/login', { loginId, password })

  it('logs in with the right password: session token, expiry and a hardened cookie', async () => {
    const res = await client.post<LoginJson>('/v1/auth/login', { loginId: alice.loginId, password: alice.password })
    expect(res.status).toBe(200)
    expect(res.body.customerId).toBe(alice.id)
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(res.body.expiresAt).toBe(clock.now() + 12 * 3_600_000)
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))
    expect(setCookie).toBeDefined()
    expect(setCookie).toMatch(/; HttpOnly/i)
    expect(setCookie).toMatch(/; Secure/i)
    expect(setCookie).toMatch(/; SameSite=Strict/i)
    expect(setCookie).toMatch(/; Path=\//i)
    expect(setCookie).not.toMatch(/Domain=/i)
  })

  it('refuses an unknown field in the login body', async () => {
    const res = await client.post<ErrorJson>('/v1/auth/login', { loginId: alice.loginId, password: alice.password, mfa: false })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
  })

  it('serves the own profile through the session cookie, without any credential hash', async () => {
    const res = await login(alice.loginId, alice.password)
    const cookie = cookieFrom(res, SESSION_COOKIE)
    expect(cookie).toBeDefined()
    const me = await client.get<Record<string, unknown>>('/v1/me', { cookie })
    expect(me.status).toBe(200)
    expect(me.body).toEqual({
      id: alice.id,
      loginId: 'alice',
      nameKanji: '山田 太郎',
      nameKana: 'ヤマダ タロウ',
      email: expect.any(String),
      phone: '03-1234-5678',
      address: '東京都千代田区丸の内1-1-1',
      dateOfBirth: '1980-04-01',
      status: 'active',
    })
    expect(JSON.stringify(me.body)).not.toContain('$argon2')
  })

  it('serves the own profile through a bearer token', async () => {
    const { body } = await client.post<LoginJson>('/v1/auth/login', { loginId: alice.loginId, password: alice.password })
    const me = await client.get<{ id: string }>('/v1/me', { token: body.token })
    expect(me.status).toBe(200)
    expect(me.body.id).toBe(alice.id)
  })

  it('answers /v1/me without a session with 401 AUTH_REQUIRED', async () => {
    const res = await client.get<ErrorJson>('/v1/me')
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('AUTH_REQUIRED')
  })

  it('ends the session at logout and clears the cookie', async () => {
    const { body } = await client.post<LoginJson>('/v1/auth/login', { loginId: alice.loginId, password: alice.password })
    const out = await client.post('/v1/auth/logout', undefined, { token: body.token })
    expect(out.status).toBe(204)
    expect(out.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=;`))).toBe(true)
    const me = await client.get<ErrorJson>('/v1/me', { token: body.token })
    expect(me.status).toBe(401)
    const row = await store.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('id_hash', '=', sessionHashOf(body.token))
      .executeTakeFirstOrThrow()
    expect(row.revoked_at).toBe(clock.now())
  })

  it('ends a session left idle for the configured idle timeout', async () => {
    const { body } = await client.post<LoginJson>('/v1/auth/login', { loginId: alice.loginId, password: alice.password })
    clock.advance(15 * 60_000)
    const me = await client.get<ErrorJson>('/v1/me', { token: body.token })
    expect(me.status).toBe(401)
  })

})
