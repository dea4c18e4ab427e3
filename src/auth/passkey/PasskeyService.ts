import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import { MamoriError } from '../../errors/index.js'
import { newId, type Clock, type Random } from '../../runtime/index.js'
import type { PasskeysTable, Store } from '../../store/index.js'
import { bindingMatches, boundChallenge, CHALLENGE_BYTES } from './boundChallenge.js'
import {
  parseAuthenticationResponse,
  parseRegistrationResponse,
  transportsFromJson,
  type PasskeyTransport,
} from './parseWebAuthnResponse.js'
import { challengeInvalid, passkeyAlreadyRegistered, passkeyCloned, passkeyInvalid } from './rejections.js'
import { userHandleOf } from './userHandle.js'
import { verifyPasskeyAssertion, type CredentialRecord } from './verifyPasskeyAssertion.js'
import { SUPPORTED_ALGORITHMS, verifyPasskeyRegistration } from './verifyPasskeyRegistration.js'
import { consumeChallenge, insertChallenge, loadUsableChallenge } from './webauthnChallenges.js'

/** What a passkey is for: signing in on the web, or the registered phone app (BRIEF B-5). */
export type PasskeyPurpose = 'login' | 'phone_app'

/** The passkey purposes. */
export const PASSKEY_PURPOSES: readonly PasskeyPurpose[] = Object.freeze(['login', 'phone_app'])

/** What PasskeyService needs. */
export interface PasskeyServiceOptions {
  store: Store
  clock: Clock
  random: Random
  /** The relying party id: the registrable domain passkeys are bound to (config `webauthn.rpId`). */
  rpId: string
  /** The name authenticators show (config `webauthn.rpName`). */
  rpName: string
  /** Exact origins a ceremony may come from (config `webauthn.origins`), compared byte for byte. */
  origins: readonly string[]
  /** How long a challenge can be answered; also the browser's ceremony timeout. Default 5 minutes. */
  challengeTtlMs?: number
}

/** A registered passkey as the customer's settings page shows it. Never the public key. */
export interface PasskeySummary {
  /** The credential id, base64url. */
  id: string
  purpose: PasskeyPurpose
  label: string
  transports: PasskeyTransport[]
  /** 'multiDevice' for a synced passkey (backup eligible), 'singleDevice' for a device-bound one. */
  deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  createdAt: number
  lastUsedAt: number | null
}

/** Options for the browser's `navigator.credentials.create()`, and the id to answer them with. */
export interface PasskeyRegistrationOptions {
  challengeId: string
  options: PublicKeyCredentialCreationOptionsJSON
}

/** Options for the browser's `navigator.credentials.get()`, and the id to answer them with. */
export interface PasskeyAuthenticationOptions {
  challengeId: string
  options: PublicKeyCredentialRequestOptionsJSON
}

/** Input of `registrationOptions`. */
export interface RegistrationOptionsInput {
  customerId: string
  /** Shown in the authenticator's account picker (typically the login ID); never used as the user handle. */
  userName: string
  displayName: string
  purpose: PasskeyPurpose
}

/** Input of `verifyRegistration`. */
export interface VerifyRegistrationInput {
  challengeId: string
  /** The signed-in customer completing the registration. */
  customerId: string
  /** The untrusted JSON of `navigator.credentials.create()`; its shape is checked here. */
  response: unknown
  /** The customer's name for this passkey: 1-64 characters after trimming. */
  label: string
}

/** Input of `authenticationOptions`. */
export interface AuthenticationOptionsInput {
  /**
   * The customer, when already identified (a session, or a first factor). Their passkeys become
   * `allowCredentials` and only one of them can answer. Omit it for usernameless sign-in. Passing a
   * customer id that only an unauthenticated visitor typed would list that customer's credential
   * ids to anyone: identify the customer first.
   */
  customerId?: string
  /** What the assertion is for ('login', 'withdrawal', ...); verification must name the same purpose. */
  purpose: string
  /**
   * The operation this assertion confirms (dynamic linking), as a canonical description, e.g.
   * `withdrawal|dst_42|1000000|JPY`. Only its SHA-256 is stored; verification must pass the same
   * text as `expectedBinding`. See `boundChallenge`.
   */
  binding?: string
  /** Only offer passkeys registered for this purpose (e.g. 'phone_app' for an app approval). */
  passkeyPurpose?: PasskeyPurpose
}

/** Input of `verifyAuthentication`. */
export interface VerifyAuthenticationInput {
  challengeId: string
  /** The untrusted JSON of `navigator.credentials.get()`; its shape is checked here. */
  response: unknown
  /** The operation the server is about to carry out, when the challenge was bound to one. */
  expectedBinding?: string
  /** Must equal the purpose the challenge was issued for. */
  purpose: string
  /** When given, the credential must have been registered for this purpose. */
  passkeyPurpose?: PasskeyPurpose
}

/** A verified passkey assertion. `userVerified` is always true: Mamori requires UV. */
export interface PasskeyAuthentication {
  customerId: string
  credentialId: string
  /**
   * The purpose the passkey was registered for ('login' or 'phone_app'), so the caller can tell the
   * phone app's passkey from a web one. (The challenge's purpose is the one the caller passed.)
   */
  purpose: PasskeyPurpose
  userVerified: true
}

const DEFAULT_CHALLENGE_TTL_MS = 5 * 60_000
const MAX_LABEL_LENGTH = 64
const MAX_PURPOSE_LENGTH = 64

function isPasskeyPurpose(value: unknown): value is PasskeyPurpose {
  return value === 'login' || value === 'phone_app'
}

function nonEmpty(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`)
  return value
}

// Origins are compared as exact strings, so one written with a path or a trailing slash would
// silently match nothing. A native Android app's assertions carry `android:apk-key-hash:<hash>`
// as their origin; plain http only makes sense for a local development host.
function checkOrigin(origin: unknown): string {
  const text = nonEmpty(origin, 'each origin')
  if (text.startsWith('android:apk-key-hash:')) return text
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TypeError(`origin ${text} is not a URL`)
  }
  if (url.origin !== text)
    throw new TypeError(`origin ${text} must be an exact origin such as https://broker.example`)
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]'
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new TypeError(`origin ${text} must be https (http only for localhost)`)
  }
  return text
}

function summaryOf(row: PasskeysTable): PasskeySummary {
  return {
    id: row.id,
    purpose: row.purpose,
    label: row.label,
    transports: transportsFromJson(row.transports),
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: row.backed_up === 1,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  }
}

function credentialRecordOf(row: PasskeysTable): CredentialRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    publicKey: row.public_key,
    signCount: row.sign_count,
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  }
}

/**
 * Passkeys (BRIEF B-2): WebAuthn registration and authentication with user verification required,
 * the one phishing-resistant factor. The signature covers the origin the browser saw, so a look-alike
 * site relaying the ceremony in real time (seed 003) obtains an assertion no Mamori origin accepts.
 *
 * Every challenge is 32 random bytes, stored with its customer, purpose, optional operation binding
 * and expiry, and spent exactly once by a conditional UPDATE committed together with the passkey
 * change it authorises. A rejected response changes nothing in the database. Rejections carry a
 * stable code (CHALLENGE_INVALID, PASSKEY_INVALID, PASSKEY_CLONED, PASSKEY_ALREADY_REGISTERED) and a
 * message that never says which check failed.
 */
export class PasskeyService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random
  readonly #rpId: string
  readonly #rpName: string
  readonly #origins: readonly string[]
  readonly #challengeTtlMs: number

  constructor(options: PasskeyServiceOptions) {
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
    this.#rpId = nonEmpty(options.rpId, 'rpId')
    this.#rpName = nonEmpty(options.rpName, 'rpName')
    if (!Array.isArray(options.origins) || options.origins.length === 0)
      throw new TypeError('origins must list at least one origin')
    this.#origins = Object.freeze(options.origins.map(checkOrigin))
    const ttl = options.challengeTtlMs ?? DEFAULT_CHALLENGE_TTL_MS
    if (!Number.isSafeInteger(ttl) || ttl <= 0)
      throw new TypeError('challengeTtlMs must be a positive integer')
    this.#challengeTtlMs = ttl
  }

  /**
   * Starts registering a passkey for a signed-in customer: a discoverable credential with user
   * verification, no attestation, ES256 or RS256, excluding the customer's existing passkeys so an
   * authenticator that already holds one says so instead of creating a duplicate.
   */
  async registrationOptions(input: RegistrationOptionsInput): Promise<PasskeyRegistrationOptions> {
    const customerId = nonEmpty(input.customerId, 'customerId')
    const userName = nonEmpty(input.userName, 'userName')
    if (typeof input.displayName !== 'string') throw new TypeError('displayName must be a string')
    if (!isPasskeyPurpose(input.purpose)) throw new TypeError('purpose must be login or phone_app')
    const existing = await this.#activePasskeys(customerId)
    const { challenge } = boundChallenge(this.#random)
    const options = await generateRegistrationOptions({
      rpName: this.#rpName,
      rpID: this.#rpId,
      userName,
      userDisplayName: input.displayName,
      userID: userHandleOf(customerId),
      challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
      timeout: this.#challengeTtlMs,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsFromJson(p.transports) })),
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'required',
      },
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
    })
    const challengeId = await this.#storeChallenge(
      options.challenge,
      customerId,
      'registration',
      input.purpose,
      null,
    )
    return { challengeId, options }
  }

  /**
   * Completes a registration: the challenge must be this customer's, unused and unexpired; the
   * response must verify (origin, RP ID, UP, UV, algorithm); the credential id must be new. Stores
   * the passkey with the purpose chosen when the ceremony started, spending the challenge in the
   * same transaction.
   */
  async verifyRegistration(input: VerifyRegistrationInput): Promise<PasskeySummary> {
    const customerId = nonEmpty(input.customerId, 'customerId')
    const label = typeof input.label === 'string' ? input.label.trim() : ''
    if (label === '' || [...label].length > MAX_LABEL_LENGTH) {
      throw new MamoriError('VALIDATION_FAILED', `a passkey label is 1-${MAX_LABEL_LENGTH} characters`)
    }
    const response = parseRegistrationResponse(input.response)
    const now = this.#clock.now()
    const challenge = await loadUsableChallenge(this.#store.db, input.challengeId, {
      ceremony: 'registration',
      now,
      customerId,
    })
    const purpose = challenge.purpose
    if (!isPasskeyPurpose(purpose)) throw challengeInvalid()

    const attested = await verifyPasskeyRegistration(response, {
      challenge: challenge.challenge,
      origins: this.#origins,
      rpId: this.#rpId,
    })
    // §7.1: a credential id already registered (to anyone, removed or not) is refused.
    const taken = await this.#store.db
      .selectFrom('passkeys')
      .select('id')
      .where('id', '=', attested.id)
      .executeTakeFirst()
    if (taken !== undefined) throw passkeyAlreadyRegistered()

    const row: PasskeysTable = {
      id: attested.id,
      customer_id: customerId,
      public_key: attested.publicKey,
      sign_count: attested.counter,
      transports: JSON.stringify(attested.transports),
      device_type: attested.deviceType,
      backed_up: attested.backedUp ? 1 : 0,
      purpose,
      label,
      created_at: now,
      last_used_at: null,
      removed_at: null,
    }
    await this.#store.transaction(async (trx) => {
      await consumeChallenge(trx, challenge.id, now)
      try {
        await trx.insertInto('passkeys').values(row).execute()
      } catch (err) {
        // A concurrent registration of the same credential id won the race.
        if (this.#store.constraintViolation(err) === 'unique') throw passkeyAlreadyRegistered()
        throw err
      }
    })
    return summaryOf(row)
  }

  /**
   * Starts an authentication with user verification required. With `customerId`, only that
   * customer's passkeys are offered (and accepted); without it the browser offers every discoverable
   * passkey for this RP and the assertion's user handle identifies the customer. With `binding`, the
   * challenge confirms exactly that operation (dynamic linking, see `boundChallenge`).
   */
  async authenticationOptions(input: AuthenticationOptionsInput): Promise<PasskeyAuthenticationOptions> {
    const customerId = input.customerId === undefined ? null : nonEmpty(input.customerId, 'customerId')
    const purpose = nonEmpty(input.purpose, 'purpose')
    if (purpose.length > MAX_PURPOSE_LENGTH)
      throw new TypeError(`purpose must be at most ${MAX_PURPOSE_LENGTH} characters`)
    if (input.passkeyPurpose !== undefined && !isPasskeyPurpose(input.passkeyPurpose)) {
      throw new TypeError('passkeyPurpose must be login or phone_app')
    }
    const allow =
      customerId === null
        ? []
        : (await this.#activePasskeys(customerId)).filter(
            (p) => input.passkeyPurpose === undefined || p.purpose === input.passkeyPurpose,
          )
    const { challenge, binding } = boundChallenge(this.#random, input.binding)
    const options = await generateAuthenticationOptions({
      rpID: this.#rpId,
      challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
      timeout: this.#challengeTtlMs,
      userVerification: 'required',
      allowCredentials: allow.map((p) => ({ id: p.id, transports: transportsFromJson(p.transports) })),
    })
    const challengeId = await this.#storeChallenge(
      options.challenge,
      customerId,
      'authentication',
      purpose,
      binding,
    )
    return { challengeId, options }
  }

  /**
   * Completes an authentication. Checked in order: the response's shape; the challenge (exists, is an
   * authentication challenge, unused, unexpired, issued for `purpose`); the binding (the operation
   * hashes to the stored binding, or neither has one); the credential (registered, not removed, of
   * the required passkey purpose); then `verifyPasskeyAssertion` (owner, user handle, client data,
   * authenticator data, signature, backup eligibility, counter). On success the challenge is spent
   * and the counter, backup state and last use are updated in one transaction whose conditions
   * re-check single use, removal and the counter, so concurrent completions cannot both succeed.
   */
  async verifyAuthentication(input: VerifyAuthenticationInput): Promise<PasskeyAuthentication> {
    const purpose = nonEmpty(input.purpose, 'purpose')
    if (input.expectedBinding !== undefined) nonEmpty(input.expectedBinding, 'expectedBinding')
    const response = parseAuthenticationResponse(input.response)
    const now = this.#clock.now()
    const challenge = await loadUsableChallenge(this.#store.db, input.challengeId, {
      ceremony: 'authentication',
      now,
      purpose,
    })
    if (!bindingMatches(challenge.binding, input.expectedBinding)) {
      throw challengeInvalid()
    }

    const row = await this.#store.db
      .selectFrom('passkeys')
      .selectAll()
      .where('id', '=', response.id)
      .executeTakeFirst()
    if (row === undefined || row.removed_at !== null) throw passkeyInvalid()
    if (input.passkeyPurpose !== undefined && row.purpose !== input.passkeyPurpose) throw passkeyInvalid()

    const verified = await verifyPasskeyAssertion(response, {
      challenge: challenge.challenge,
      origins: this.#origins,
      rpId: this.#rpId,
      customerId: challenge.customer_id,
      credential: credentialRecordOf(row),
    })

    await this.#store.transaction(async (trx) => {
      await consumeChallenge(trx, challenge.id, now)
      const updated = await trx
        .updateTable('passkeys')
        .set({ sign_count: verified.newCounter, backed_up: verified.backedUp ? 1 : 0, last_used_at: now })
        .where('id', '=', row.id)
        .where('customer_id', '=', row.customer_id)
        .where('removed_at', 'is', null)
        // The counter check again, atomically: a concurrent assertion may have moved it meanwhile.
        .where('sign_count', verified.newCounter === 0 ? '=' : '<', verified.newCounter)
        .executeTakeFirst()
      if (updated.numUpdatedRows !== 1n) {
        const current = await trx
          .selectFrom('passkeys')
          .select('removed_at')
          .where('id', '=', row.id)
          .executeTakeFirst()
        if (current === undefined || current.removed_at !== null) throw passkeyInvalid()
        throw passkeyCloned()
      }
    })
    return {
      customerId: row.customer_id,
      credentialId: row.id,
      purpose: row.purpose,
      userVerified: true,
    }
  }

  /** The customer's passkeys (not removed), oldest first. */
  async listPasskeys(customerId: string): Promise<PasskeySummary[]> {
    return (await this.#activePasskeys(nonEmpty(customerId, 'customerId'))).map(summaryOf)
  }

  /**
   * Removes one of the customer's passkeys; it can no longer sign in. The row stays (its credential
   * id can never be registered again). PASSKEY_NOT_FOUND when the customer has no such active
   * passkey, including when it belongs to someone else.
   */
  async removePasskey(customerId: string, id: string): Promise<void> {
    const result = await this.#store.db
      .updateTable('passkeys')
      .set({ removed_at: this.#clock.now() })
      .where('id', '=', nonEmpty(id, 'id'))
      .where('customer_id', '=', nonEmpty(customerId, 'customerId'))
      .where('removed_at', 'is', null)
      .executeTakeFirst()
    if (result.numUpdatedRows !== 1n) throw new MamoriError('PASSKEY_NOT_FOUND', 'no such passkey')
  }

  /**
   * Removes all of the customer's passkeys, or those of one purpose (recovery after a lost phone,
   * B-11). Returns how many were removed.
   */
  async removeAll(customerId: string, purpose?: PasskeyPurpose): Promise<number> {
    if (purpose !== undefined && !isPasskeyPurpose(purpose))
      throw new TypeError('purpose must be login or phone_app')
    let query = this.#store.db
      .updateTable('passkeys')
      .set({ removed_at: this.#clock.now() })
      .where('customer_id', '=', nonEmpty(customerId, 'customerId'))
      .where('removed_at', 'is', null)
    if (purpose !== undefined) query = query.where('purpose', '=', purpose)
    const result = await query.executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** How many passkeys (not removed) the customer has, optionally only those of one purpose. */
  async countPasskeys(customerId: string, purpose?: PasskeyPurpose): Promise<number> {
    let query = this.#store.db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('customer_id', '=', nonEmpty(customerId, 'customerId'))
      .where('removed_at', 'is', null)
    if (purpose !== undefined) {
      if (!isPasskeyPurpose(purpose)) throw new TypeError('purpose must be login or phone_app')
      query = query.where('purpose', '=', purpose)
    }
    const row = await query.executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async #activePasskeys(customerId: string): Promise<PasskeysTable[]> {
    return this.#store.db
      .selectFrom('passkeys')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
  }

  async #storeChallenge(
    challenge: string,
    customerId: string | null,
    ceremony: 'registration' | 'authentication',
    purpose: string,
    binding: string | null,
  ): Promise<string> {
    if (Buffer.from(challenge, 'base64url').length !== CHALLENGE_BYTES)
      throw new Error('challenge length changed in the library')
    const id = newId(this.#random, 'wch')
    const now = this.#clock.now()
    await insertChallenge(this.#store.db, {
      id,
      challenge,
      customer_id: customerId,
      ceremony,
      purpose,
      binding,
      created_at: now,
      expires_at: now + this.#challengeTtlMs,
      used_at: null,
    })
    return id
  }
}
