/**
 * Customer security events reach the tamper-evident audit log (D-8) as the server handles them:
 * a failed login, a login, a destination added, each with its origin and outcome and without PII
 * or a secret; an auditor reads them and verifies the chain over the staff API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newCustomer, WEBAUTHN } from '../support/frontDoorSteps.js'
import { api } from '../support/http.js'
import { loginSession } from '../support/riskScenario.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'
import { addStaff } from '../support/staff.js'

describe.each(SERVER_DIALECTS)('security audit on %s', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, { overrides: { webauthn: WEBAUTHN } })
  }, 60_000)
  afterAll(async () => ts?.close())

  it('records failed and successful logins and a new destination, and the auditor verifies the chain', async () => {
    const client = api(ts.url)
    const c = await newCustomer(ts, 'aud')
    expect((await client.post('/v1/auth/login', { loginId: c.loginId, password: 'wrong passphrase entirely' })).status).toBe(401)
    const token = await loginSession(client, c)
    const added = await client.post(
      '/v1/destinations',
      { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'サトウ ハナコ', tradingPassword: c.tradingPassword },
      { token, headers: { 'idempotency-key': `aud-${dialect}` } },
    )
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300)

    // The failed attempt names the login id tried (by its keyed hash), not the customer.
    await expect.poll(async () => (await ts.server.audit.list({ action: 'customer.login_failed' })).length).toBe(1)
    const failed = await ts.server.audit.list({ action: 'customer.login_failed' })
    expect(failed[0]!.subject?.kind).toBe('login_id')
    expect(failed[0]!.actor).toEqual({ kind: 'system', id: 'front_door' })
    const wanted = ['customer.login', 'customer.destination_added']
    await expect
      .poll(async () => (await ts.server.audit.list({ subjectKind: 'customer', subjectId: c.id, order: 'asc' })).map((r) => r.action), { timeout: 300 })
      .toEqual(wanted)
    const rows = [...(await ts.server.audit.list({ subjectKind: 'customer', subjectId: c.id })), ...failed]
    const text = JSON.stringify(rows)
    for (const secret of [c.password, c.tradingPassword, '7654321', c.email, token]) expect(text).not.toContain(secret)
    expect(rows.every((r) => r.detail.ip === '127.0.0.1')).toBe(true)

    const auditor = await addStaff(ts, client, 'auditor')
    const verify = await client.get<{ ok: boolean; rows: number }>('/v1/staff/audit/verify', { token: auditor.token })
    expect(verify.status, JSON.stringify(verify.body)).toBe(200)
    expect(verify.body.ok).toBe(true)
    const listed = await client.get<{ entries: { action: string }[] }>(`/v1/staff/audit?subjectId=${c.id}`, { token: auditor.token })
    expect(listed.body.entries.map((e) => e.action).sort()).toEqual([...wanted].sort())
  })
})
