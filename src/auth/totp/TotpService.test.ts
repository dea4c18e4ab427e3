import { randomBytes } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { isMamoriError } from '../../errors/index.js'
import { ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { SecretBox } from '../crypto/index.js'
import { TotpService } from './index.js'

const STEP = 30_000
// A step boundary, so "now + k steps" lands at the start of step k.
const T0 = Math.floor(Date.UTC(2025, 9, 15, 9, 0, 0) / STEP) * STEP

function secretOf(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret')
  if (secret === null) throw new Error('no secret in uri')
  return secret
}

function codeAt(base32: string, timestamp: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: 30, timestamp })
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  return undefined
}

describe.each(DIALECTS)('TotpService on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let totp: TotpService
  let seq = 0

  /** A customer with a confirmed authenticator; returns its base32 secret. */
  async function enrolled(): Promise<{ customerId: string; secret: string }> {
    const customerId = `cus_totp_${++seq}`
    const { uri } = await totp.enrol(customerId, `${customerId}@example.jp`)
    const secret = secretOf(uri)
    await totp.confirm(customerId, codeAt(secret, clock.now()))
    // Move far enough that the confirmation's spent step is outside every later window.
    clock.advance(3 * STEP)
    return { customerId, secret }
  }

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(T0)
    totp = new TotpService({ store, clock, box: new SecretBox(randomBytes(32)), issuer: 'Mamori Securities' })
  })
  afterAll(async () => {
    await store.close()
  })

  it('enrols with an RFC 6238 key URI (SHA1, 6 digits, 30 s) and an SVG QR code', async () => {
    const { uri, qrSvg } = await totp.enrol('cus_uri', 'taro@example.jp')
    const url = new URL(uri)
    expect(url.protocol).toBe('otpauth:')
    expect(url.host).toBe('totp')
    expect(url.searchParams.get('issuer')).toBe('Mamori Securities')
    expect(url.searchParams.get('algorithm')).toBe('SHA1')
    expect(url.searchParams.get('digits')).toBe('6')
    expect(url.searchParams.get('period')).toBe('30')
    // 20 random bytes are 32 base32 characters.
    expect(secretOf(uri)).toMatch(/^[A-Z2-7]{32}$/)
    expect(qrSvg.startsWith('<svg')).toBe(true)
    expect(qrSvg).toContain('</svg>')
  })

  it('does not count an unconfirmed enrolment as a factor, nor accept its codes', async () => {
    const { uri } = await totp.enrol('cus_pending', 'p@example.jp')
    expect(await totp.hasTotp('cus_pending')).toBe(false)
    expect(await totp.verify('cus_pending', codeAt(secretOf(uri), clock.now()))).toBe(false)
  })

  it('confirms with the first valid code, which is then spent', async () => {
    const { uri } = await totp.enrol('cus_confirm', 'c@example.jp')
    const code = codeAt(secretOf(uri), clock.now())
    await totp.confirm('cus_confirm', code)
    expect(await totp.hasTotp('cus_confirm')).toBe(true)
    expect(await totp.verify('cus_confirm', code)).toBe(false)
  })

  it('refuses a wrong confirmation code and leaves the enrolment pending', async () => {
    const { uri } = await totp.enrol('cus_wrong_confirm', 'w@example.jp')
    const good = codeAt(secretOf(uri), clock.now())
    const bad = good === '000000' ? '000001' : '000000'
    expect(isMamoriError(await rejection(totp.confirm('cus_wrong_confirm', bad)), 'TOTP_CODE_INVALID')).toBe(true)
    expect(isMamoriError(await rejection(totp.confirm('cus_wrong_confirm', 'abcdef')), 'TOTP_CODE_INVALID')).toBe(true)
    expect(await totp.hasTotp('cus_wrong_confirm')).toBe(false)
    await totp.confirm('cus_wrong_confirm', good)
    expect(await totp.hasTotp('cus_wrong_confirm')).toBe(true)
  })

  it('re-enrolling replaces an unconfirmed secret: the old QR code no longer confirms', async () => {
    const first = secretOf((await totp.enrol('cus_reenrol', 'r@example.jp')).uri)
    const second = secretOf((await totp.enrol('cus_reenrol', 'r@example.jp')).uri)
    expect(second).not.toBe(first)
    expect(isMamoriError(await rejection(totp.confirm('cus_reenrol', codeAt(first, clock.now()))), 'TOTP_CODE_INVALID')).toBe(true)
    await totp.confirm('cus_reenrol', codeAt(second, clock.now()))
    expect(await totp.hasTotp('cus_reenrol')).toBe(true)
  })

  it('will not overwrite a confirmed authenticator by enrolling again, nor confirm it twice', async () => {
    const { customerId, secret } = await enrolled()
    expect(isMamoriError(await rejection(totp.enrol(customerId, 'x@example.jp')), 'TOTP_ALREADY_ENROLLED')).toBe(true)
    expect(isMamoriError(await rejection(totp.confirm(customerId, codeAt(secret, clock.now()))), 'TOTP_NOT_PENDING')).toBe(true)
    expect(await totp.verify(customerId, codeAt(secret, clock.now()))).toBe(true)
  })

  it('refuses to confirm when nothing was enrolled', async () => {
    expect(isMamoriError(await rejection(totp.confirm('cus_nobody', '123456')), 'TOTP_NOT_PENDING')).toBe(true)
  })

  it('accepts the code of the current step and of one step either side', async () => {
    const { customerId, secret } = await enrolled()
    const now = clock.now()
    expect(await totp.verify(customerId, codeAt(secret, now - STEP))).toBe(true)
    expect(await totp.verify(customerId, codeAt(secret, now))).toBe(true)
    expect(await totp.verify(customerId, codeAt(secret, now + STEP))).toBe(true)
  })

  it('rejects codes two steps away on either side', async () => {
    const { customerId, secret } = await enrolled()
    clock.advance(5 * STEP)
    const now = clock.now()
    expect(await totp.verify(customerId, codeAt(secret, now - 2 * STEP))).toBe(false)
    expect(await totp.verify(customerId, codeAt(secret, now + 2 * STEP))).toBe(false)
  })

  it('accepts a code until the end of the following step and not a millisecond later', async () => {
    const { customerId, secret } = await enrolled()
    const code = codeAt(secret, clock.now())
    clock.advance(2 * STEP - 1)
    const late = await totp.verify(customerId, code)
    expect(late).toBe(true)
    const other = await enrolled()
    const otherCode = codeAt(other.secret, clock.now())
    clock.advance(2 * STEP)
    expect(await totp.verify(other.customerId, otherCode)).toBe(false)
  })

  it('accepts the same code only once', async () => {
    const { customerId, secret } = await enrolled()
    const code = codeAt(secret, clock.now())
    expect(await totp.verify(customerId, code)).toBe(true)
    expect(await totp.verify(customerId, code)).toBe(false)
    // Still refused in the next step, where it is inside the window as "one step ago".
    clock.advance(STEP)
    expect(await totp.verify(customerId, code)).toBe(false)
  })

  it('accepts the next step’s different code after a replay was refused', async () => {
    const { customerId, secret } = await enrolled()
    const code = codeAt(secret, clock.now())
    expect(await totp.verify(customerId, code)).toBe(true)
    expect(await totp.verify(customerId, code)).toBe(false)
    clock.advance(STEP)
    const next = codeAt(secret, clock.now())
    expect(await totp.verify(customerId, next)).toBe(true)
    expect(await totp.verify(customerId, next)).toBe(false)
  })

  it('spends steps per customer: one customer using a step does not spend another’s', async () => {
    const a = await enrolled()
    const b = await enrolled()
    expect(await totp.verify(a.customerId, codeAt(a.secret, clock.now()))).toBe(true)
    expect(await totp.verify(b.customerId, codeAt(b.secret, clock.now()))).toBe(true)
  })

  it('rejects anything but exactly six ASCII digits', async () => {
    const { customerId, secret } = await enrolled()
    const code = codeAt(secret, clock.now())
    const fullWidth = code.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))
    for (const bad of ['', '12345', '1234567', ` ${code}`, `${code} `, `${code}\n`, fullWidth, '12345a', `${code}0`]) {
      expect(await totp.verify(customerId, bad)).toBe(false)
    }
    expect(await totp.verify(customerId, code)).toBe(true)
  })

  it('rejects a code for a customer without an authenticator', async () => {
    expect(await totp.verify('cus_none', '123456')).toBe(false)
  })

  it('stores the secret sealed: the row holds neither the base32 secret nor its bytes', async () => {
    const { customerId, secret } = await enrolled()
    const row = await store.db.selectFrom('totp_credentials').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow()
    const raw = Buffer.from(Secret.fromBase32(secret).bytes)
    const dump = JSON.stringify(row)
    expect(row.secret_enc.startsWith('v1.')).toBe(true)
    expect(dump).not.toContain(secret)
    expect(dump.toLowerCase()).not.toContain(secret.toLowerCase())
    expect(dump).not.toContain(raw.toString('hex'))
    expect(dump).not.toContain(raw.toString('base64'))
    expect(dump).not.toContain(raw.toString('base64url'))
  })

  it('does not accept a sealed secret copied onto another customer’s row', async () => {
    const victim = await enrolled()
    const attacker = await enrolled()
    const victimRow = await store.db
      .selectFrom('totp_credentials')
      .select('secret_enc')
      .where('customer_id', '=', victim.customerId)
      .executeTakeFirstOrThrow()
    await store.db
      .updateTable('totp_credentials')
      .set({ secret_enc: victimRow.secret_enc })
      .where('customer_id', '=', attacker.customerId)
      .execute()
    const err = await rejection(totp.verify(attacker.customerId, codeAt(victim.secret, clock.now())))
    expect(isMamoriError(err, 'SECRET_UNREADABLE')).toBe(true)
  })

  it('removes the authenticator, after which its codes fail and enrolment can start again', async () => {
    const { customerId, secret } = await enrolled()
    expect(await totp.remove(customerId)).toBe(true)
    expect(await totp.remove(customerId)).toBe(false)
    expect(await totp.hasTotp(customerId)).toBe(false)
    expect(await totp.verify(customerId, codeAt(secret, clock.now()))).toBe(false)
    const { uri } = await totp.enrol(customerId, 'again@example.jp')
    await totp.confirm(customerId, codeAt(secretOf(uri), clock.now()))
    expect(await totp.hasTotp(customerId)).toBe(true)
  })

  it('prunes long-spent steps but keeps the recent ones that still guard replays', async () => {
    const { customerId, secret } = await enrolled()
    expect(await totp.verify(customerId, codeAt(secret, clock.now()))).toBe(true)
    clock.advance(20 * STEP)
    expect(await totp.verify(customerId, codeAt(secret, clock.now()))).toBe(true)
    const steps = await store.db.selectFrom('totp_used_steps').select('step').where('customer_id', '=', customerId).execute()
    expect(steps.map((s) => Number(s.step))).toEqual([Math.floor(clock.now() / STEP)])
  })
})
