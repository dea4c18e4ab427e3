import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqliteCase } from '../../test/support/dialects.js'
import { startSmtpServer, type SmtpServerHandle } from '../../test/support/smtpServer.js'
import { cryptoRandom, ManualClock } from '../runtime/index.js'
import { SmtpMailer, createMailer, findLink, newDeviceNotice, recoveryCodeMail } from './index.js'

describe('SmtpMailer against a real SMTP server process', () => {
  let smtp: SmtpServerHandle
  let mailer: SmtpMailer

  beforeAll(async () => {
    smtp = await startSmtpServer()
    mailer = new SmtpMailer({ smtpUrl: smtp.url, from: 'Mamori <no-reply@mamori.example>' })
  })
  afterAll(async () => {
    mailer?.close()
    await smtp?.close()
  })

  it('delivers a plain-text Japanese and English message that arrives intact and without a URL', async () => {
    const content = recoveryCodeMail('482913', 600_000)
    await mailer.send({ to: 'taro@example.jp', customerId: 'cus_smtp', ...content })
    const mail = await smtp.waitFor((m) => m.to.includes('taro@example.jp'))
    expect(mail.from).toBe('no-reply@mamori.example')
    expect(mail.subject).toBe(content.subject)
    expect(mail.text.trimEnd()).toBe(content.text.trimEnd())
    expect(mail.text).toContain('アカウント回復')
    expect(mail.headers['content-type']).toMatch(/^text\/plain/)
    expect(mail.raw).not.toMatch(/text\/html/i)
    expect(findLink(mail.subject)).toBeUndefined()
    expect(findLink(mail.text)).toBeUndefined()
    expect(mail.raw).not.toMatch(/https?:|www\./i)
  })

  it('decodes a long Japanese subject folded over several encoded words', async () => {
    const content = newDeviceNotice({ at: Date.UTC(2025, 9, 15, 0, 0, 0), deviceLabel: '新しいスマートフォン（営業部のテスト端末）' })
    const subject = `${content.subject}（重要なお知らせ・ご確認ください）`
    await mailer.send({ to: 'hanako@example.jp', kind: content.kind, subject, text: content.text })
    const mail = await smtp.waitFor((m) => m.to.includes('hanako@example.jp'))
    expect(mail.subject).toBe(subject)
    // Untrusted labels are quoted in NFKC form, so the full-width brackets arrive as ASCII ones.
    expect(mail.text).toContain('新しいスマートフォン(営業部のテスト端末)')
    expect(mail.text.trimEnd()).toBe(content.text.trimEnd())
  })

  it('refuses to send a message with a link; nothing reaches the server', async () => {
    const before = (await smtp.messages()).length
    await expect(
      mailer.send({ to: 'victim@example.jp', kind: 'test.phish', subject: 'ご確認', text: '詳細は https://mamori-login.example で' }),
    ).rejects.toThrow(TypeError)
    expect(await smtp.messages()).toHaveLength(before)
  })

  it('is what createMailer builds when mail.smtpUrl is set', async () => {
    const store = await sqliteCase.open()
    try {
      const built = createMailer({ mail: { smtpUrl: smtp.url, from: 'Mamori <no-reply@mamori.example>' } }, store, new ManualClock(0), cryptoRandom)
      expect(built).toBeInstanceOf(SmtpMailer)
      if (built instanceof SmtpMailer) built.close()
    } finally {
      await store.close()
    }
  })
})
