/*
 * C-7: the seed brokers learned of their losses from complaints. Every money-relevant change is
 * told to the customer at once, by e-mail, with no link in it (regulators: no URLs in mail) and
 * the bank account masked. Read from a real SMTP server process.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCustomer } from '../../src/brokerage/index.js'
import { findLink } from '../../src/notify/index.js'
import { api } from '../support/http.js'
import { startTestServer, type TestServer } from '../support/server.js'
import { startSmtpServer, type SmtpServerHandle } from '../support/smtpServer.js'

describe('notices of destination changes and withdrawals over real SMTP', () => {
  let smtp: SmtpServerHandle
  let ts: TestServer
  beforeAll(async () => {
    smtp = await startSmtpServer()
    ts = await startTestServer('sqlite', { overrides: { mail: { smtpUrl: smtp.url } } })
  })
  afterAll(async () => {
    await ts?.close()
    await smtp?.close()
  })

  it('tells the customer of a new destination, a withdrawal and a removal, each without a link and with the account masked', async () => {
    const email = `notices-${randomUUID().slice(0, 8)}@example.jp`
    await createCustomer(ts.server.brokerage, {
      loginId: 'notices',
      nameKanji: '佐藤 花子',
      nameKana: 'サトウ ハナコ',
      address: '東京都千代田区丸の内1-1-1',
      phone: '090-1234-5678',
      dateOfBirth: '1980-04-01',
      email,
      loginPassword: 'a long login passphrase 1',
      tradingPassword: 'a long trading passphrase 2',
    })
    const client = api(ts.url)
    const { token } = (await client.post<{ token: string }>('/v1/auth/login', { loginId: 'notices', password: 'a long login passphrase 1' })).body
    const headers = (): Record<string, string> => ({ 'idempotency-key': randomUUID() })
    const trading = 'a long trading passphrase 2'
    expect((await client.post('/v1/deposits', { amount: 100_000 }, { token, headers: headers() })).status).toBe(201)
    const dest = await client.post<{ id: string }>(
      '/v1/destinations',
      { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'サトウ ハナコ', tradingPassword: trading },
      { token, headers: headers() },
    )
    expect(dest.status).toBe(201)
    const added = await smtp.waitFor((m) => m.to.includes(email) && m.subject.includes('withdrawal bank account was registered'), 10_000)
    const wd = await client.post('/v1/withdrawals', { destinationId: dest.body.id, amount: 12_345, tradingPassword: trading }, { token, headers: headers() })
    expect(wd.status).toBe(201)
    const withdrawal = await smtp.waitFor((m) => m.to.includes(email) && m.subject.includes('Withdrawal received'), 10_000)
    const removed = await client.post(`/v1/destinations/${dest.body.id}/remove`, { tradingPassword: trading }, { token, headers: headers() })
    expect(removed.status).toBe(201)
    const gone = await smtp.waitFor((m) => m.to.includes(email) && m.subject.includes('withdrawal bank account was removed'), 10_000)

    for (const mail of [added, withdrawal, gone]) {
      expect(findLink(mail.text), mail.text).toBeUndefined()
      expect(mail.text).toContain('****321')
      expect(mail.text).not.toContain('7654321')
    }
    expect(withdrawal.text).toContain('12,345')
  })
})
