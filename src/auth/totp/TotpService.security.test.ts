/**
 * Attack: replaying a TOTP code. A phishing proxy or a shoulder-surfer who sees a code the
 * customer just typed races to use it again within the same 30-second step (RFC 6238 §5.2).
 * A check-then-write implementation lets several concurrent requests all see "not used yet";
 * the primary key on totp_used_steps must let exactly one of them through, on every dialect.
 */
import { randomBytes } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { SecretBox } from '../crypto/index.js'
import { TotpService } from './index.js'

const STEP = 30_000
const T0 = Math.floor(Date.UTC(2025, 9, 15, 9, 0, 0) / STEP) * STEP

function codeAt(base32: string, timestamp: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: 30, timestamp })
}

describe.each(DIALECTS)('TOTP replay on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let totp: TotpService

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(T0)
    totp = new TotpService({ store, clock, box: new SecretBox(randomBytes(32)), issuer: 'Mamori' })
  })
  afterAll(async () => {
    await store.close()
  })

  async function enrolled(customerId: string): Promise<string> {
    const { uri } = await totp.enrol(customerId, 'a@example.jp')
    const secret = new URL(uri).searchParams.get('secret') ?? ''
    await totp.confirm(customerId, codeAt(secret, clock.now()))
    clock.advance(STEP)
    return secret
  }

  it('twenty concurrent verifications of one valid code succeed exactly once', async () => {
    const secret = await enrolled('cus_race')
    const code = codeAt(secret, clock.now())
    const results = await Promise.all(Array.from({ length: 20 }, () => totp.verify('cus_race', code)))
    expect(results.filter((r) => r)).toHaveLength(1)
    const spent = await store.db.selectFrom('totp_used_steps').selectAll().where('customer_id', '=', 'cus_race').execute()
    // The confirmation's step and this one.
    expect(spent).toHaveLength(2)
  })

  it('concurrent confirmations of one enrolment code confirm once and the rest are refused', async () => {
    const { uri } = await totp.enrol('cus_confirm_race', 'b@example.jp')
    const secret = new URL(uri).searchParams.get('secret') ?? ''
    const code = codeAt(secret, clock.now())
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => totp.confirm('cus_confirm_race', code)))
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect(await totp.hasTotp('cus_confirm_race')).toBe(true)
    expect(await totp.verify('cus_confirm_race', code)).toBe(false)
  })

  it('a code from the previous step cannot be replayed after the customer used it', async () => {
    const secret = await enrolled('cus_prev')
    const code = codeAt(secret, clock.now())
    expect(await totp.verify('cus_prev', code)).toBe(true)
    clock.advance(STEP)
    const results = await Promise.all(Array.from({ length: 5 }, () => totp.verify('cus_prev', code)))
    expect(results.every((r) => !r)).toBe(true)
  })
})
