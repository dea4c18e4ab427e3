/*
 * C-1: every login attempt and every operation is recorded — who, when, from which IP, network,
 * country, device and user agent, and how it ended — and never with a secret in it. Seed 004's
 * broker could answer "was this IP ever this customer's?" only because such a history existed.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCustomer } from '../../src/brokerage/index.js'
import { api } from '../support/http.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'

describe.each(SERVER_DIALECTS)('the access history over HTTP on %s', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect)
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('records failed and successful logins and an order with origin, device and outcome, and no secret', async () => {
    const c = await createCustomer(ts.server.brokerage, {
      loginId: 'history',
      nameKanji: '佐藤 花子',
      nameKana: 'サトウ ハナコ',
      address: '東京都千代田区丸の内1-1-1',
      phone: '090-1234-5678',
      dateOfBirth: '1980-04-01',
      email: 'history@example.jp',
      loginPassword: 'a long login passphrase 1',
      tradingPassword: 'a long trading passphrase 2',
    })
    const client = api(ts.url)
    const ua = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'
    const wrong = await client.post('/v1/auth/login', { loginId: 'history', password: 'not the password at all' }, { headers: { 'user-agent': ua } })
    expect(wrong.status).toBe(401)
    const ok = await client.post<{ token: string }>('/v1/auth/login', { loginId: 'history', password: 'a long login passphrase 1' }, { headers: { 'user-agent': ua } })
    expect(ok.status).toBe(200)
    const token = ok.body.token
    expect((await client.post('/v1/deposits', { amount: 1_000_000 }, { token, headers: { 'idempotency-key': randomUUID() } })).status).toBe(201)
    const order = await client.post('/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: 'a long trading passphrase 2' }, { token, headers: { 'idempotency-key': randomUUID(), 'user-agent': ua } })
    expect(order.status).toBe(201)

    const events = await ts.server.accessLog.byIp('127.0.0.1', 0, 100)
    const failed = events.find((e) => e.action === 'login_failed')
    expect(failed).toMatchObject({ outcome: 'failure', customerId: null, browser: 'Chrome 124' })
    expect(failed?.loginIdHash).toMatch(/^[0-9a-f]{64}$/)
    const login = events.find((e) => e.action === 'login' && e.outcome === 'success')
    expect(login).toMatchObject({ customerId: c.id, ip: '127.0.0.1' })
    expect(login?.deviceId).toBeTruthy()
    const placed = events.find((e) => e.action === 'order')
    expect(placed).toMatchObject({ customerId: c.id, outcome: 'success', deviceId: login?.deviceId })
    expect(placed?.detail).toMatchObject({ symbol: '7203', side: 'buy', quantity: 100 })
    const raw = await ts.server.store.db.selectFrom('access_events').select('detail_json').execute()
    for (const r of raw) {
      expect(r.detail_json).not.toContain('passphrase')
    }
  })
})
