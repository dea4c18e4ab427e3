import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import { MamoriError } from '../../errors/index.js'
import { cryptoRandom, type Clock } from '../../runtime/index.js'
import type { Db, Store } from '../../store/index.js'
import type { SecretBox } from '../crypto/index.js'

/** What TotpService needs. */
export interface TotpServiceOptions {
  store: Store
  clock: Clock
  /** Seals the shared secret at rest. */
  box: SecretBox
  /** Shown by the authenticator app next to the account, e.g. "Mamori Securities". */
  issuer: string
}

/** A pending enrolment: what the customer scans. Contains the secret; show it once, never log it. */
export interface TotpEnrolment {
  /** The otpauth://totp/... key URI. */
  uri: string
  /** The same URI as a QR code, an SVG document. */
  qrSvg: string
}

// RFC 6238 defaults every authenticator app supports: HMAC-SHA1, 6 digits, 30-second steps.
const ALGORITHM = 'SHA1'
const DIGITS = 6
const PERIOD_SECONDS = 30
// RFC 6238 §5.2: accept one step either side for clock drift and the time it takes to type.
const WINDOW = 1
// RFC 4226 §4 R6 asks for at least 128 bits; 160 bits matches the HMAC-SHA1 block recommendation.
const SECRET_BYTES = 20
const CODE_SHAPE = /^[0-9]{6}$/
// Spent steps older than this are pruned. Generous beyond the window so that API nodes whose
// clocks disagree by a little can never see a still-acceptable step disappear.
const PRUNE_MARGIN_STEPS = 10

/** The associated data a TOTP secret is sealed under: it only opens on its own customer's row. */
function aadOf(customerId: string): string {
  return `totp:${customerId}`
}

/**
 * TOTP authenticator apps (B-3, RFC 6238). The shared secret is sealed at rest with the customer
 * id as associated data. Every accepted code spends its time step by inserting
 * (customer_id, step) into totp_used_steps; the primary key makes the insert the single point of
 * truth, so a code is accepted at most once even when the same code arrives on many connections
 * at the same instant (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP
 * after the successful validation has been issued for the first OTP").
 *
 * This service does not count failures: callers feed `verify` results into the account lockout
 * and throttles (B-10), which bound online guessing.
 */
export class TotpService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #box: SecretBox
  readonly #issuer: string

  constructor(options: TotpServiceOptions) {
    if (typeof options.issuer !== 'string' || options.issuer.trim() === '' || options.issuer.includes(':')) {
      throw new TypeError('issuer must be a non-empty string without ":"')
    }
    this.#store = options.store
    this.#clock = options.clock
    this.#box = options.box
    this.#issuer = options.issuer
  }

  /**
   * Starts (or restarts) enrolment with a fresh random secret, stored unconfirmed; it counts as a
   * factor only after `confirm`. Replaces an earlier unconfirmed enrolment; refuses with
   * TOTP_ALREADY_ENROLLED when a confirmed one exists (replacing a factor is a factor change the
   * caller must authorise, then `remove` first).
   */
  async enrol(customerId: string, accountName: string): Promise<TotpEnrolment> {
    assertId(customerId)
    if (typeof accountName !== 'string' || accountName.trim() === '') throw new TypeError('accountName must be a non-empty string')
    // The secret comes from the OS CSPRNG, never from an injectable (possibly seeded) Random.
    const secret = new Secret({ buffer: Uint8Array.from(cryptoRandom.bytes(SECRET_BYTES)).buffer })
    const sealed = this.#box.seal(secret.base32, aadOf(customerId))
    const now = this.#clock.now()
    // One statement, so two concurrent enrolments cannot both think they replaced a pending one
    // and a confirmed credential is never overwritten.
    const result = await this.#store.db
      .insertInto('totp_credentials')
      .values({ customer_id: customerId, secret_enc: sealed, created_at: now, confirmed_at: null })
      .onConflict((oc) =>
        oc
          .column('customer_id')
          .doUpdateSet({ secret_enc: sealed, created_at: now })
          .where('totp_credentials.confirmed_at', 'is', null),
      )
      .executeTakeFirst()
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) !== 1) {
      throw new MamoriError('TOTP_ALREADY_ENROLLED', 'an authenticator app is already registered')
    }
    const uri = new TOTP({
      issuer: this.#issuer,
      label: accountName,
      secret,
      algorithm: ALGORITHM,
      digits: DIGITS,
      period: PERIOD_SECONDS,
    }).toString()
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    return { uri, qrSvg }
  }

  /**
   * Confirms a pending enrolment with the first code the app shows; that code's step is spent.
   * Throws TOTP_CODE_INVALID for a wrong, malformed or already-used code and TOTP_NOT_PENDING
   * when there is no unconfirmed enrolment (none started, already confirmed, or replaced by a
   * newer enrolment meanwhile).
   */
  async confirm(customerId: string, code: string): Promise<void> {
    assertId(customerId)
    if (typeof code !== 'string' || !CODE_SHAPE.test(code)) throw invalidCode()
    const row = await this.#store.db
      .selectFrom('totp_credentials')
      .select(['secret_enc', 'confirmed_at'])
      .where('customer_id', '=', customerId)
      .executeTakeFirst()
    if (row === undefined || row.confirmed_at !== null) {
      throw new MamoriError('TOTP_NOT_PENDING', 'there is no authenticator enrolment to confirm')
    }
    const now = this.#clock.now()
    const step = this.#matchingStep(customerId, row.secret_enc, code, now)
    if (step === undefined) throw invalidCode()
    await this.#store.transaction(async (trx) => {
      if (!(await this.#spend(trx, customerId, step, now))) throw invalidCode()
      // Only the secret the code was checked against may be confirmed: a concurrent re-enrolment
      // replaced it, and the new QR code has not been proven yet.
      const updated = await trx
        .updateTable('totp_credentials')
        .set({ confirmed_at: now })
        .where('customer_id', '=', customerId)
        .where('confirmed_at', 'is', null)
        .where('secret_enc', '=', row.secret_enc)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) {
        throw new MamoriError('TOTP_NOT_PENDING', 'there is no authenticator enrolment to confirm')
      }
    })
  }

  /**
   * True when `code` is valid for the customer's confirmed authenticator at the current step or
   * one step either side, and that step has not been spent before; the step is spent. False for
   * anything else, including malformed codes (rejected without touching the database).
   */
  async verify(customerId: string, code: string): Promise<boolean> {
    assertId(customerId)
    if (typeof code !== 'string' || !CODE_SHAPE.test(code)) return false
    const row = await this.#store.db
      .selectFrom('totp_credentials')
      .select(['secret_enc', 'confirmed_at'])
      .where('customer_id', '=', customerId)
      .executeTakeFirst()
    if (row === undefined || row.confirmed_at === null) return false
    const now = this.#clock.now()
    const step = this.#matchingStep(customerId, row.secret_enc, code, now)
    if (step === undefined) return false
    if (!(await this.#spend(this.#store.db, customerId, step, now))) return false
    await this.#store.db
      .deleteFrom('totp_used_steps')
      .where('customer_id', '=', customerId)
      .where('step', '<', currentStep(now) - PRUNE_MARGIN_STEPS)
      .execute()
    return true
  }

  /** Whether the customer has a confirmed authenticator app (a pending enrolment does not count). */
  async hasTotp(customerId: string): Promise<boolean> {
    assertId(customerId)
    const row = await this.#store.db
      .selectFrom('totp_credentials')
      .select('customer_id')
      .where('customer_id', '=', customerId)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst()
    return row !== undefined
  }

  /** Removes the authenticator (confirmed or pending) and its spent steps. True if there was one. */
  async remove(customerId: string): Promise<boolean> {
    assertId(customerId)
    return this.#store.transaction(async (trx) => {
      const deleted = await trx.deleteFrom('totp_credentials').where('customer_id', '=', customerId).executeTakeFirst()
      await trx.deleteFrom('totp_used_steps').where('customer_id', '=', customerId).execute()
      return Number(deleted.numDeletedRows) > 0
    })
  }

  /** The step `code` belongs to within the window, or undefined. otpauth compares in constant time. */
  #matchingStep(customerId: string, sealed: string, code: string, now: number): number | undefined {
    const secret = Secret.fromBase32(this.#box.open(sealed, aadOf(customerId)))
    const delta = TOTP.validate({
      token: code,
      secret,
      algorithm: ALGORITHM,
      digits: DIGITS,
      period: PERIOD_SECONDS,
      timestamp: now,
      window: WINDOW,
    })
    return delta === null ? undefined : currentStep(now) + delta
  }

  /** Spends a step; false when it was already spent (the primary key refuses the second insert). */
  async #spend(db: Db, customerId: string, step: number, now: number): Promise<boolean> {
    try {
      await db.insertInto('totp_used_steps').values({ customer_id: customerId, step, used_at: now }).execute()
      return true
    } catch (err) {
      if (this.#store.constraintViolation(err) === 'unique') return false
      throw err
    }
  }
}

function currentStep(now: number): number {
  return TOTP.counter({ period: PERIOD_SECONDS, timestamp: now })
}

function invalidCode(): MamoriError {
  return new MamoriError('TOTP_CODE_INVALID', 'the authenticator code is not valid')
}

function assertId(customerId: string): void {
  if (typeof customerId !== 'string' || customerId === '') throw new TypeError('customerId must be a non-empty string')
}
