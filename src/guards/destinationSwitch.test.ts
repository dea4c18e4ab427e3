/*
 * Seed 004: after the 2020 incidents a broker stopped destination changes on the web altogether
 * (support centre or paper only). Mamori has the same broker-wide switch.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api } from '../../test/support/http.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../test/support/server.js'
import { createCustomer } from '../brokerage/index.js'

describe.each(SERVER_DIALECTS)('the web destination-change switch on %s', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, { overrides: { guards: { webDestinationChanges: false } } })
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('refuses every destination change made on the web and writes nothing', async () => {
    await createCustomer(ts.server.brokerage, {
      loginId: 'switch-off',
      nameKanji: '佐藤 花子',
      nameKana: 'サトウ ハナコ',
      address: '東京都千代田区丸の内1-1-1',
      phone: '090-1234-5678',
      dateOfBirth: '1980-04-01',
      email: 'switch@example.jp',
      loginPassword: 'a long login passphrase 1',
      tradingPassword: 'a long trading passphrase 2',
    })
    const client = api(ts.url)
    const login = await client.post<{ token: string }>('/v1/auth/login', { loginId: 'switch-off', password: 'a long login passphrase 1' })
    const token = login.body.token
    const res = await client.post<{ error: { code: string } }>(
      '/v1/destinations',
      { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '1234567', holderKana: 'サトウ ハナコ', tradingPassword: 'a long trading passphrase 2' },
      { token, headers: { 'idempotency-key': randomUUID() } },
    )
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('DESTINATION_CHANGES_DISABLED')
    const listed = await client.get<{ destinations: unknown[] }>('/v1/destinations', { token })
    expect(listed.body.destinations).toEqual([])
  })
})
