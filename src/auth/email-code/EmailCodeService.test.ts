import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { startSmtpServer, type SmtpServerHandle } from '../../../test/support/smtpServer.js'
import { isMamoriError } from '../../errors/index.js'
import { OutboxMailer, SmtpMailer, findLink, listOutbox, type MailMessage, type Mailer } from '../../notify/index.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { SecretBox } from '../crypto/index.js'
import { EMAIL_CODE_MAX_ATTEMPTS, EmailCodeService } from './index.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const TTL = 10 * MINUTE
const WINDOW = 10 * MINUTE
const PER_WINDOW = 5

/** The six-digit code in a message we sent (it appears once per language). */
function codeIn(text: string): string {
  const codes = [...text.matchAll(/(?<![0-9])([0-9]{6})(?![0-9])/g)].map((m) => m[1])
  const unique = [...new Set(codes)]
  if (unique.length !== 1 || unique[0] === undefined) throw new Error(`expected one code in the mail, found ${unique.join(',')}`)
  return unique[0]
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0')
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  return undefined
}

describe.each(DIALECTS)('EmailCodeService on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let codes: EmailCodeService
  let seq = 0

  function customer(): string {
    return `cus_ec_${++seq}`
  }

  /** Issues a code and reads it back from the outbox, as the customer would from their mailbox. */
  async function issued(
    customerId: string,
    purpose: 'login' | 'device_add' | 'recovery' | 'unlock' | 'step_up' = 'login',
    binding = 'flow_1',
  ): Promise<{ code: string; codeId: string; expiresAt: number }> {
    const { codeId, expiresAt } = await codes.issue({ customerId, email: `${customerId}@example.jp`, purpose, binding })
    const [latest] = await listOutbox(store.db, customerId, 1)
    if (latest === undefined) throw new Error('no mail in the outbox')
    return { code: codeIn(latest.body), codeId, expiresAt }
  }

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    codes = new EmailCodeService({
      store,
      clock,
      random: cryptoRandom,
      mailer: new OutboxMailer({ store, clock, random: cryptoRandom }),
      box: new SecretBox(randomBytes(32)),
      ttlMs: TTL,
      perWindow: PER_WINDOW,
      windowMs: WINDOW,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  it('sends a six-digit code for the purpose, with no link, and stores only a keyed hash', async () => {
    const customerId = customer()
    const { code, codeId, expiresAt } = await issued(customerId, 'device_add')
    expect(expiresAt).toBe(clock.now() + TTL)
    const [mail] = await listOutbox(store.db, customerId, 1)
    expect(mail?.kind).toBe('code.device_add')
    expect(mail?.to).toBe(`${customerId}@example.jp`)
    expect(findLink(mail?.body ?? 'x.com')).toBeUndefined()
    const row = await store.db.selectFrom('email_codes').selectAll().where('id', '=', codeId).executeTakeFirstOrThrow()
    expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(row)).not.toContain(code)
    expect(row).toMatchObject({ customer_id: customerId, purpose: 'device_add', binding: 'flow_1', attempts: 0, used_at: null })
  })

  it('accepts the code at 9:59 on a frozen clock', async () => {
    const customerId = customer()
    const { code } = await issued(customerId)
    clock.advance(TTL - SECOND)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(true)
  })

  it('refuses the code at exactly 10:00', async () => {
    const customerId = customer()
    const { code } = await issued(customerId)
    clock.advance(TTL)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(false)
  })

  it('accepts a code once only', async () => {
    const customerId = customer()
    const { code } = await issued(customerId)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(true)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(false)
  })

  it('refuses the code for a different binding (another flow), and it still works for its own', async () => {
    const customerId = customer()
    const { code } = await issued(customerId, 'login', 'flow_victim')
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_attacker', code })).toBe(false)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_victim', code })).toBe(true)
  })

  it('refuses the code for a different purpose', async () => {
    const customerId = customer()
    const { code } = await issued(customerId, 'login', 'flow_x')
    expect(await codes.verify({ customerId, purpose: 'device_add', binding: 'flow_x', code })).toBe(false)
    expect(await codes.verify({ customerId, purpose: 'recovery', binding: 'flow_x', code })).toBe(false)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_x', code })).toBe(true)
  })

  it('refuses the code for another customer', async () => {
    const owner = customer()
    const { code } = await issued(owner)
    expect(await codes.verify({ customerId: customer(), purpose: 'login', binding: 'flow_1', code })).toBe(false)
    expect(await codes.verify({ customerId: owner, purpose: 'login', binding: 'flow_1', code })).toBe(true)
  })

  it(`kills a code after ${EMAIL_CODE_MAX_ATTEMPTS} wrong guesses: the right code then fails too`, async () => {
    const customerId = customer()
    const { code } = await issued(customerId)
    for (let i = 0; i < EMAIL_CODE_MAX_ATTEMPTS; i++) {
      expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code: otherCode(code) })).toBe(false)
    }
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(false)
  })

  it(`accepts the right code on the ${EMAIL_CODE_MAX_ATTEMPTS}th attempt`, async () => {
    const customerId = customer()
    const { code } = await issued(customerId)
    for (let i = 0; i < EMAIL_CODE_MAX_ATTEMPTS - 1; i++) {
      expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code: otherCode(code) })).toBe(false)
    }
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(true)
  })

  it('does not spend an attempt on a malformed code', async () => {
    const customerId = customer()
    const { code, codeId } = await issued(customerId)
    for (const bad of ['', '12345', '1234567', 'abcdef', ` ${code}`, '１２３４５６']) {
      expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code: bad })).toBe(false)
    }
    const row = await store.db.selectFrom('email_codes').select('attempts').where('id', '=', codeId).executeTakeFirstOrThrow()
    expect(row.attempts).toBe(0)
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code })).toBe(true)
  })

  it('only the newest code of a flow counts; a new code resets neither the attempts of others nor the limit', async () => {
    const customerId = customer()
    const first = await issued(customerId)
    clock.advance(SECOND)
    const second = await issued(customerId)
    if (first.code !== second.code) {
      expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code: first.code })).toBe(false)
    }
    expect(await codes.verify({ customerId, purpose: 'login', binding: 'flow_1', code: second.code })).toBe(true)
    const firstRow = await store.db.selectFrom('email_codes').select(['attempts', 'used_at']).where('id', '=', first.codeId).executeTakeFirstOrThrow()
    expect(firstRow.used_at).toBeNull()
  })

  it(`rate-limits: the ${PER_WINDOW + 1}th code in a window is refused, and the window slides`, async () => {
    const customerId = customer()
    for (let i = 0; i < PER_WINDOW; i++) {
      await codes.issue({ customerId, email: 'a@example.jp', purpose: 'login', binding: `flow_${i}` })
      clock.advance(SECOND)
    }
    const err = await rejection(codes.issue({ customerId, email: 'a@example.jp', purpose: 'unlock', binding: 'flow_x' }))
    expect(isMamoriError(err, 'RATE_LIMITED')).toBe(true)
    expect(await listOutbox(store.db, customerId)).toHaveLength(PER_WINDOW)
    // Another customer is not affected.
    await codes.issue({ customerId: customer(), email: 'b@example.jp', purpose: 'login', binding: 'flow_x' })
    // Once the first code leaves the window there is room for exactly one more.
    clock.advance(WINDOW - PER_WINDOW * SECOND + 1)
    await codes.issue({ customerId, email: 'a@example.jp', purpose: 'login', binding: 'flow_later' })
    expect(isMamoriError(await rejection(codes.issue({ customerId, email: 'a@example.jp', purpose: 'login', binding: 'f' })), 'RATE_LIMITED')).toBe(true)
  })

  it('voids the code and reports UNAVAILABLE when the mail cannot be sent', async () => {
    const failing: Mailer = {
      async send(_message: MailMessage): Promise<void> {
        throw new Error('connection refused')
      },
    }
    const broken = new EmailCodeService({
      store,
      clock,
      random: cryptoRandom,
      mailer: failing,
      box: new SecretBox(randomBytes(32)),
      ttlMs: TTL,
      perWindow: PER_WINDOW,
      windowMs: WINDOW,
    })
    const customerId = customer()
    const err = await rejection(broken.issue({ customerId, email: 'a@example.jp', purpose: 'login', binding: 'flow_1' }))
    expect(isMamoriError(err, 'UNAVAILABLE')).toBe(true)
    const rows = await store.db.selectFrom('email_codes').select('used_at').where('customer_id', '=', customerId).execute()
    expect(rows).toHaveLength(1)
    expect(rows[0]?.used_at).not.toBeNull()
  })

  it('refuses unknown purposes and empty bindings as programming errors', async () => {
    await expect(
      codes.issue({ customerId: 'c', email: 'a@example.jp', purpose: 'withdraw' as 'login', binding: 'f' }),
    ).rejects.toThrow(TypeError)
    await expect(codes.issue({ customerId: 'c', email: 'a@example.jp', purpose: 'login', binding: '' })).rejects.toThrow(TypeError)
  })
})

describe('EmailCodeService with a real SMTP server process', () => {
  let smtp: SmtpServerHandle
  let mailer: SmtpMailer
  let store: Store

  beforeAll(async () => {
    smtp = await startSmtpServer()
    mailer = new SmtpMailer({ smtpUrl: smtp.url, from: 'Mamori <no-reply@mamori.example>' })
    store = await (DIALECTS[0] as (typeof DIALECTS)[number]).open()
  })
  afterAll(async () => {
    mailer?.close()
    await smtp?.close()
    await store?.close()
  })

  it('delivers the code in a message without any URL, and that code verifies', async () => {
    const clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    const codes = new EmailCodeService({
      store,
      clock,
      random: cryptoRandom,
      mailer,
      box: new SecretBox(randomBytes(32)),
      ttlMs: TTL,
      perWindow: PER_WINDOW,
      windowMs: WINDOW,
    })
    await codes.issue({ customerId: 'cus_smtp', email: 'taro@example.jp', purpose: 'login', binding: 'flow_smtp' })
    const mail = await smtp.waitFor((m) => m.to.includes('taro@example.jp'))
    expect(mail.subject).toContain('ログイン確認コード')
    expect(findLink(mail.subject)).toBeUndefined()
    expect(findLink(mail.text)).toBeUndefined()
    expect(mail.raw).not.toMatch(/https?:|www\.|:\/\/|text\/html/i)
    const code = codeIn(mail.text)
    expect(await codes.verify({ customerId: 'cus_smtp', purpose: 'login', binding: 'flow_smtp', code })).toBe(true)
  })
})
