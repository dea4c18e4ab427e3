/**
 * Staff access (D-1, D-8): passkey-only staff login, customer PII masked in every staff response,
 * a reveal that needs a reason, is audited without its value and is rate-limited, the insider
 * watch that raises an alert when one member looks at too many customers, and refused attempts
 * audited with their error code. Runs on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enrolWithPasskey, newCustomer, WEBAUTHN, type FrontDoorCustomer } from '../support/frontDoorSteps.js'
import { api, type Api } from '../support/http.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'
import { addStaff, staffLogin, type SignedInStaff } from '../support/staff.js'
import { registerDestination } from '../../src/brokerage/index.js'

const CLEAR_PII = ['東京都千代田区丸の内1-1-1', '丸の内', '090-1234-5678', '1234-5678', '1980-04-01', '佐藤 花子', 'サトウ ハナコ', '7654321']

describe.each(SERVER_DIALECTS)('staff access on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let support: SignedInStaff
  let analyst: SignedInStaff
  let customers: FrontDoorCustomer[]

  beforeAll(async () => {
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN, staff: { revealsPerHour: 3, watchCustomersPerHour: 4 } } })
    client = api(ts.url)
    support = await addStaff(ts, client, 'support')
    analyst = await addStaff(ts, client, 'analyst')
    customers = []
    for (let i = 0; i < 6; i++) customers.push(await newCustomer(ts, 'pii'))
    const b = ts.server.brokerage
    await b.store.transaction((trx) =>
      registerDestination(b, trx, customers[0]!.id, { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'サトウ ハナコ' }),
    )
  }, 120_000)
  afterAll(async () => ts?.close())

  it('logs staff in with their passkey only; a customer passkey, a replayed assertion and a spent enrolment token are refused', async () => {
    const again = await staffLogin(client, support.credential)
    expect(again.status, JSON.stringify(again.body)).toBe(200)
    expect(again.token).toBeDefined()
    expect(again.token).not.toBe(support.token)

    // A customer's own passkey, for the same RP, is not a staff credential.
    const c = await newCustomer(ts, 'cpk')
    const { credential } = await enrolWithPasskey(api(ts.url), c)
    const asStaff = await staffLogin(client, credential)
    expect(asStaff.status).toBe(401)
    expect((asStaff.body as { error: { code: string } }).error.code).toBe('PASSKEY_INVALID')

    // An assertion replayed with its own (spent) challenge.
    const options = await client.post<{ challengeId: string; options: never }>('/v1/staff/login/options')
    const { getAssertion } = await import('../support/softAuthenticator.js')
    const { ORIGIN, RP_ID } = await import('../support/frontDoorSteps.js')
    const response = getAssertion(options.body.options, support.credential, { origin: ORIGIN, rpId: RP_ID, userVerified: true })
    expect((await client.post('/v1/staff/login', { challengeId: options.body.challengeId, response })).status).toBe(200)
    const replay = await client.post<{ error: { code: string } }>('/v1/staff/login', { challengeId: options.body.challengeId, response })
    expect(replay.status).toBe(401)
    expect(replay.body.error.code).toBe('CHALLENGE_INVALID')

    // The enrolment token was spent when the passkey was registered.
    const created = await ts.server.staff.create({ username: `late${dialect}`, displayName: 'Late', role: 'support', createdBy: 'test' })
    const first = await client.post('/v1/staff/enrol/options', { token: created.enrolmentToken })
    expect(first.status).toBe(200)
    const wrong = await client.post<{ error: { code: string } }>('/v1/staff/enrol/options', { token: `${created.enrolmentToken}x` })
    expect(wrong.body.error.code).toBe('STAFF_ENROLMENT_INVALID')
  })

  it('masks every PII field in staff responses and never returns a credential', async () => {
    const id = customers[0]!.id
    const view = await client.get<Record<string, unknown>>(`/v1/staff/customers/${id}`, { token: support.token })
    expect(view.status, JSON.stringify(view.body)).toBe(200)
    const text = JSON.stringify(view.body)
    for (const clear of [...CLEAR_PII, customers[0]!.email, customers[0]!.loginId]) expect(text, clear).not.toContain(clear)
    expect(text).not.toMatch(/argon2|password|secret|session|token/i)
    expect(view.body).toMatchObject({ address: '東京都***', dateOfBirth: '****-**-**', phone: expect.stringMatching(/^\*+78$/) })
    const search = await client.get<{ customers: unknown[] }>(`/v1/staff/customers?q=${customers[0]!.loginId.slice(0, 6)}`, { token: support.token })
    expect(search.status).toBe(200)
    expect(search.body.customers.length).toBeGreaterThan(0)
    const searchText = JSON.stringify(search.body)
    for (const clear of CLEAR_PII) expect(searchText).not.toContain(clear)
  })

  it('reveals one field only with a reason, audits the field but not its value, and rate-limits reveals', async () => {
    const id = customers[0]!.id
    const noReason = await client.post<{ error: { code: string } }>(`/v1/staff/customers/${id}/reveal`, { field: 'phone', reason: '  ' }, { token: support.token })
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'REASON_REQUIRED'])
    const phone = await client.post<{ value: string }>(`/v1/staff/customers/${id}/reveal`, { field: 'phone', reason: 'caller verification, ticket 4411' }, { token: support.token })
    expect(phone.status).toBe(200)
    expect(phone.body.value).toBe('090-1234-5678')
    const audit = await ts.server.audit.list({ actorId: support.id, action: 'staff.pii_reveal' })
    expect(audit).toHaveLength(1)
    expect(audit[0]!.detail).toMatchObject({ field: 'phone', reason: 'caller verification, ticket 4411' })
    expect(JSON.stringify(audit)).not.toContain('1234-5678')
    for (const field of ['email', 'address']) {
      expect((await client.post(`/v1/staff/customers/${id}/reveal`, { field, reason: 'caller verification, ticket 4411' }, { token: support.token })).status).toBe(200)
    }
    const limited = await client.post<{ error: { code: string } }>(`/v1/staff/customers/${id}/reveal`, { field: 'dateOfBirth', reason: 'caller verification' }, { token: support.token })
    expect([limited.status, limited.body.error.code]).toEqual([429, 'PII_REVEAL_RATE_LIMITED'])
  })

  it('raises a staff-access alert when one member looks at more customers in an hour than the threshold', async () => {
    const before = await client.get<{ alerts: { action: string }[] }>('/v1/staff/alerts?action=staff_access', { token: analyst.token })
    expect(before.body.alerts).toHaveLength(0)
    for (const c of customers) expect((await client.get(`/v1/staff/customers/${c.id}`, { token: analyst.token })).status).toBe(200)
    const after = await client.get<{ alerts: { action: string; topReason: string }[] }>('/v1/staff/alerts?action=staff_access', { token: analyst.token })
    expect(after.body.alerts).toHaveLength(1)
    expect(after.body.alerts[0]!.topReason).toContain(analyst.id)
  })

  it('audits refused staff calls with their error code, and anonymous probes too', async () => {
    const missing = await client.get<{ error: { code: string } }>('/v1/staff/customers/cus_nobody', { token: support.token })
    expect([missing.status, missing.body.error.code]).toEqual([404, 'CUSTOMER_NOT_FOUND'])
    const forbidden = await client.get('/v1/staff/audit', { token: support.token })
    expect(forbidden.status).toBe(403)
    await client.get('/v1/staff/alerts')
    // The row is written once the response has gone out.
    await expect.poll(async () => (await ts.server.audit.list({ action: 'staff.api_call', limit: 20 })).map((r) => r.actor.id)).toContain('anonymous')
    const rows = await ts.server.audit.list({ action: 'staff.api_call', limit: 20 })
    const details = rows.map((r) => r.detail)
    expect(details).toContainEqual(expect.objectContaining({ route: '/v1/staff/customers/:id', status: 404, errorCode: 'CUSTOMER_NOT_FOUND' }))
    expect(details).toContainEqual(expect.objectContaining({ route: '/v1/staff/audit', status: 403, errorCode: 'STAFF_FORBIDDEN' }))
    expect(rows.map((r) => r.actor.id)).toContain('anonymous')
  })
})
