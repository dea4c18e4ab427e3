/**
 * Attacks on e-mailed codes (B-4). A phishing site that relays the customer's code races the
 * customer to submit it; a bot that knows the password fires a burst of guesses in parallel
 * hoping the attempt counter is read before it is written; a code phished "for login" is
 * replayed to register the attacker's device. Each must fail on every dialect.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { OutboxMailer, listOutbox } from '../../notify/index.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { SecretBox } from '../crypto/index.js'
import { EMAIL_CODE_MAX_ATTEMPTS, EmailCodeService } from './index.js'

describe.each(DIALECTS)('e-mail code attacks on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let codes: EmailCodeService

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    codes = new EmailCodeService({
      store,
      clock,
      random: cryptoRandom,
      mailer: new OutboxMailer({ store, clock, random: cryptoRandom }),
      box: new SecretBox(randomBytes(32)),
      ttlMs: 600_000,
      perWindow: 5,
      windowMs: 600_000,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  async function issued(customerId: string, binding: string): Promise<{ code: string; codeId: string }> {
    const { codeId } = await codes.issue({ customerId, email: 'a@example.jp', purpose: 'login', binding })
    const [mail] = await listOutbox(store.db, customerId, 1)
    const code = /：([0-9]{6})/.exec(mail?.body ?? '')?.[1]
    if (code === undefined) throw new Error('no code in the mail')
    return { code, codeId }
  }

  it('concurrent submissions of the correct code succeed exactly once', async () => {
    const { code } = await issued('cus_race', 'flow_race')
    const results = await Promise.all(
      Array.from({ length: 20 }, () => codes.verify({ customerId: 'cus_race', purpose: 'login', binding: 'flow_race', code })),
    )
    expect(results.filter((r) => r)).toHaveLength(1)
  })

  it('a concurrent burst of wrong guesses cannot exceed the attempt budget', async () => {
    const { code, codeId } = await issued('cus_burst', 'flow_burst')
    const guesses = Array.from({ length: 50 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'))
    // The right code is hidden at the end of the burst: it must not get a comparison.
    const results = await Promise.all(
      [...guesses, code].map((g) => codes.verify({ customerId: 'cus_burst', purpose: 'login', binding: 'flow_burst', code: g })),
    )
    const row = await store.db.selectFrom('email_codes').select('attempts').where('id', '=', codeId).executeTakeFirstOrThrow()
    expect(row.attempts).toBe(EMAIL_CODE_MAX_ATTEMPTS)
    expect(results.filter((r) => r).length).toBeLessThanOrEqual(1)
    expect(await codes.verify({ customerId: 'cus_burst', purpose: 'login', binding: 'flow_burst', code })).toBe(false)
  })

  it('a login code phished from the customer cannot register a device or finish the attacker’s own login flow', async () => {
    const { code } = await issued('cus_phished', 'flow_customer')
    expect(await codes.verify({ customerId: 'cus_phished', purpose: 'device_add', binding: 'flow_customer', code })).toBe(false)
    expect(await codes.verify({ customerId: 'cus_phished', purpose: 'login', binding: 'flow_attacker', code })).toBe(false)
    expect(await codes.verify({ customerId: 'cus_phished', purpose: 'login', binding: 'flow_customer', code })).toBe(true)
  })

  it('concurrent issues cannot exceed the per-window limit', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => codes.issue({ customerId: 'cus_flood', email: 'a@example.jp', purpose: 'login', binding: `f${i}` })),
    )
    const sent = outcomes.filter((o) => o.status === 'fulfilled').length
    // A race may under-use the budget (every racer can see the others' rows), never exceed it.
    expect(sent).toBeLessThanOrEqual(5)
    expect(await listOutbox(store.db, 'cus_flood')).toHaveLength(sent)
    // Refused requests leave nothing behind, so the unused budget is still there afterwards.
    for (let i = sent; i < 5; i++) {
      await codes.issue({ customerId: 'cus_flood', email: 'a@example.jp', purpose: 'login', binding: `after${i}` })
    }
    await expect(codes.issue({ customerId: 'cus_flood', email: 'a@example.jp', purpose: 'login', binding: 'over' })).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    })
    expect(await listOutbox(store.db, 'cus_flood')).toHaveLength(5)
  })
})
