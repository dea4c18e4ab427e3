import { timingSafeEqual } from 'node:crypto'
import { MamoriError } from '../../errors/index.js'
import { codeMail, isEmailCodePurpose, type EmailCodePurpose, type Mailer } from '../../notify/index.js'
import { newId, type Clock, type Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import type { SecretBox } from '../crypto/index.js'

/** What EmailCodeService needs. */
export interface EmailCodeServiceOptions {
  store: Store
  clock: Clock
  random: Random
  mailer: Mailer
  /** Keys the code hashes. */
  box: SecretBox
  /** How long a code lives (config auth.emailCodeTtlSeconds). */
  ttlMs: number
  /** Codes one customer may be sent per window (config auth.emailCodesPerWindow). */
  perWindow: number
  /** The rate-limit window (config auth.throttleWindowSeconds). */
  windowMs: number
}

/** Who gets a code, for what, and for which request. */
export interface IssueEmailCode {
  customerId: string
  /** The registered contact address. */
  email: string
  purpose: EmailCodePurpose
  /** The id of the flow or request that asked for the code; the code works for that one only. */
  binding: string
}

/** A code sent. The code itself only ever travels in the e-mail. */
export interface IssuedEmailCode {
  codeId: string
  expiresAt: number
}

/** A code typed by the customer, with the purpose and flow it must have been issued for. */
export interface VerifyEmailCode {
  customerId: string
  purpose: EmailCodePurpose
  binding: string
  code: string
}

/** Guesses one code allows, correct guess included; after that the code is dead. */
export const EMAIL_CODE_MAX_ATTEMPTS = 5
const CODE_SHAPE = /^[0-9]{6}$/
const HMAC_PURPOSE = 'email-code'
const MAX_BINDING_LENGTH = 200

/**
 * E-mailed one-time codes (B-4): transitional, not phishing resistant, so each code is fenced
 * in every way that is cheap:
 *  - bound to a purpose and to the flow that asked for it: a code phished for one login cannot
 *    finish another login or add a device;
 *  - stored only as an HMAC under a key derived from the server secret (a database dump does not
 *    reveal live codes, and six digits cannot be brute-forced offline without the key);
 *  - only the newest live code of a flow counts, with EMAIL_CODE_MAX_ATTEMPTS guesses, counted
 *    by a conditional UPDATE so a concurrent burst cannot exceed them;
 *  - single use through `UPDATE … WHERE used_at IS NULL`: of two concurrent correct submissions
 *    exactly one wins;
 *  - at most `perWindow` codes per customer per window, so the mailbox cannot be flooded and the
 *    guess budget per window stays bounded.
 * Failed verifications are the caller's to count towards the account lockout (B-10).
 */
export class EmailCodeService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random
  readonly #mailer: Mailer
  readonly #box: SecretBox
  readonly #ttlMs: number
  readonly #perWindow: number
  readonly #windowMs: number

  constructor(options: EmailCodeServiceOptions) {
    for (const key of ['ttlMs', 'perWindow', 'windowMs'] as const) {
      const v = options[key]
      if (!Number.isSafeInteger(v) || v <= 0) throw new TypeError(`${key} must be a positive integer`)
    }
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
    this.#mailer = options.mailer
    this.#box = options.box
    this.#ttlMs = options.ttlMs
    this.#perWindow = options.perWindow
    this.#windowMs = options.windowMs
  }

  /**
   * Creates a code for `purpose` and `binding` and e-mails it to `email` (no links). Throws
   * RATE_LIMITED when the customer has already been sent `perWindow` codes in the window, and
   * UNAVAILABLE when the mail could not be handed over (that code is void).
   */
  async issue(input: IssueEmailCode): Promise<IssuedEmailCode> {
    assertScope(input.customerId, input.purpose, input.binding)
    const now = this.#clock.now()
    const codeId = newId(this.#random, 'ec')
    const code = String(this.#random.int(1_000_000)).padStart(6, '0')
    const expiresAt = now + this.#ttlMs
    // The row goes in already expired, so no verification can see it, and is admitted only if
    // the count that includes it is within the limit. Counting after inserting (each statement
    // committed on its own) means that of any set of concurrent issues the last to count sees
    // them all: the limit can be under-used in a race, never exceeded.
    await this.#store.db
      .insertInto('email_codes')
      .values({
        id: codeId,
        customer_id: input.customerId,
        purpose: input.purpose,
        binding: input.binding,
        code_hash: this.#hashOf(codeId, code),
        attempts: 0,
        created_at: now,
        expires_at: now,
        used_at: null,
      })
      .execute()
    const counted = await this.#store.db
      .selectFrom('email_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customer_id', '=', input.customerId)
      .where('created_at', '>', now - this.#windowMs)
      .executeTakeFirstOrThrow()
    if (Number(counted.n) > this.#perWindow) {
      await this.#store.db.deleteFrom('email_codes').where('id', '=', codeId).execute()
      throw new MamoriError('RATE_LIMITED', 'too many codes requested; try again later')
    }
    await this.#store.db.updateTable('email_codes').set({ expires_at: expiresAt }).where('id', '=', codeId).execute()

    const content = codeMail(input.purpose, code, this.#ttlMs)
    try {
      await this.#mailer.send({ to: input.email, customerId: input.customerId, ...content })
    } catch (err) {
      // Voided but kept: it still counts towards the rate limit, and is never accepted.
      await this.#store.db.updateTable('email_codes').set({ used_at: now }).where('id', '=', codeId).execute()
      if (err instanceof TypeError) throw err
      const unavailable = new MamoriError('UNAVAILABLE', 'the e-mail could not be sent; try again later')
      unavailable.cause = err
      throw unavailable
    }
    return { codeId, expiresAt }
  }

  /**
   * True, exactly once, for the correct code of the newest live code issued to this customer for
   * exactly this purpose and binding. False for anything else: wrong, expired, used, dead after
   * EMAIL_CODE_MAX_ATTEMPTS guesses, superseded by a newer code, or malformed (no attempt spent).
   */
  async verify(input: VerifyEmailCode): Promise<boolean> {
    assertScope(input.customerId, input.purpose, input.binding)
    if (typeof input.code !== 'string' || !CODE_SHAPE.test(input.code)) return false
    const now = this.#clock.now()
    const row = await this.#store.db
      .selectFrom('email_codes')
      .select(['id', 'code_hash', 'attempts'])
      .where('customer_id', '=', input.customerId)
      .where('purpose', '=', input.purpose)
      .where('binding', '=', input.binding)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    if (row === undefined || row.attempts >= EMAIL_CODE_MAX_ATTEMPTS) return false

    // Spend an attempt before comparing; only a request that got one may compare.
    const spent = await this.#store.db
      .updateTable('email_codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', row.id)
      .where('attempts', '<', EMAIL_CODE_MAX_ATTEMPTS)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    if (Number(spent.numUpdatedRows) !== 1) return false

    const expected = Buffer.from(row.code_hash, 'hex')
    const actual = Buffer.from(this.#hashOf(row.id, input.code), 'hex')
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return false

    const used = await this.#store.db
      .updateTable('email_codes')
      .set({ used_at: now })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return Number(used.numUpdatedRows) === 1
  }

  // The id is part of the hashed value, so equal codes have unrelated hashes.
  #hashOf(codeId: string, code: string): string {
    return this.#box.hmac(HMAC_PURPOSE, `${codeId}:${code}`)
  }
}

function assertScope(customerId: string, purpose: EmailCodePurpose, binding: string): void {
  if (typeof customerId !== 'string' || customerId === '') throw new TypeError('customerId must be a non-empty string')
  if (!isEmailCodePurpose(purpose)) throw new TypeError(`unknown e-mail code purpose ${String(purpose)}`)
  if (typeof binding !== 'string' || binding === '' || binding.length > MAX_BINDING_LENGTH) {
    throw new TypeError('binding must be a non-empty string')
  }
}
