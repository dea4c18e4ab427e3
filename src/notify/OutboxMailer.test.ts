import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { cryptoRandom, ManualClock } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { OutboxMailer, createMailer, listOutbox, loginCodeMail } from './index.js'

describe.each(DIALECTS)('OutboxMailer on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let mailer: OutboxMailer

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    mailer = new OutboxMailer({ store, clock, random: cryptoRandom })
  })
  afterAll(async () => {
    await store.close()
  })

  it('writes each message as an unsent e-mail row of the outbox', async () => {
    const content = loginCodeMail('123456', 600_000)
    await mailer.send({ to: 'taro@example.jp', customerId: 'cus_outbox', ...content })
    const [entry, ...rest] = await listOutbox(store.db, 'cus_outbox')
    expect(rest).toHaveLength(0)
    expect(entry).toMatchObject({
      channel: 'email',
      customerId: 'cus_outbox',
      to: 'taro@example.jp',
      kind: 'code.login',
      subject: content.subject,
      body: content.text,
      createdAt: clock.now(),
      sentAt: null,
    })
    expect(entry?.id).toMatch(/^mail_[0-9a-f]{32}$/)
  })

  it('lists newest first, per customer or for everyone, up to the limit', async () => {
    for (let i = 0; i < 3; i++) {
      clock.advance(1000)
      await mailer.send({ to: 'hanako@example.jp', customerId: 'cus_list', kind: 'test.n', subject: `n${i}`, text: `message ${i}` })
    }
    const mine = await listOutbox(store.db, 'cus_list', 2)
    expect(mine.map((m) => m.subject)).toEqual(['n2', 'n1'])
    const all = await listOutbox(store.db)
    expect(all.length).toBeGreaterThanOrEqual(4)
    expect(all[0]?.subject).toBe('n2')
  })

  it('refuses a message with a link and writes nothing', async () => {
    await expect(
      mailer.send({ to: 'taro@example.jp', customerId: 'cus_phish', kind: 'test.x', subject: 'hi', text: 'log in at https://evil.example' }),
    ).rejects.toThrow(TypeError)
    await expect(
      mailer.send({ to: 'taro@example.jp', customerId: 'cus_phish', kind: 'test.x', subject: 'www.evil.example', text: 'hi' }),
    ).rejects.toThrow(TypeError)
    expect(await listOutbox(store.db, 'cus_phish')).toHaveLength(0)
  })

  it('refuses more than one recipient or a header-splitting subject', async () => {
    const base = { customerId: 'cus_bad', kind: 'test.x', text: 'hello' }
    await expect(mailer.send({ ...base, to: 'a@example.jp, b@example.jp', subject: 's' })).rejects.toThrow(TypeError)
    await expect(mailer.send({ ...base, to: 'Taro <a@example.jp>', subject: 's' })).rejects.toThrow(TypeError)
    await expect(mailer.send({ ...base, to: 'a@example.jp', subject: 's\r\nBcc: x@example.jp' })).rejects.toThrow(TypeError)
    expect(await listOutbox(store.db, 'cus_bad')).toHaveLength(0)
  })

  it('is what createMailer builds when no SMTP relay is configured', async () => {
    const configured = createMailer({ mail: { from: 'Mamori <no-reply@mamori.example>' } }, store, clock, cryptoRandom)
    expect(configured).toBeInstanceOf(OutboxMailer)
  })
})
