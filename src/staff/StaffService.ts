import { generateAuthenticationOptions, generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { Transaction } from 'kysely'
import { parseAuthenticationResponse, parseRegistrationResponse, transportsFromJson } from '../auth/passkey/parseWebAuthnResponse.js'
import { userHandleOf } from '../auth/passkey/userHandle.js'
import { verifyPasskeyAssertion } from '../auth/passkey/verifyPasskeyAssertion.js'
import { SUPPORTED_ALGORITHMS, verifyPasskeyRegistration } from '../auth/passkey/verifyPasskeyRegistration.js'
import { consumeChallenge, insertChallenge, loadUsableChallenge } from '../auth/passkey/webauthnChallenges.js'
import { sessionHashOf } from '../auth/session/index.js'
import { MamoriError } from '../errors/index.js'
import { newId, type Clock, type Random } from '../runtime/index.js'
import type { Database, Db, StaffMembersTable, StaffRole, Store } from '../store/index.js'
import { isStaffRole } from './permissions.js'

/** Challenge purposes of staff ceremonies; customer ceremonies never accept them (and vice versa). */
const ENROL_PURPOSE = 'staff_enrol'
const LOGIN_PURPOSE = 'staff_login'
const CHALLENGE_TTL_MS = 5 * 60_000
const USERNAME_SHAPE = /^[a-z][a-z0-9._-]{1,62}$/

export interface StaffServiceOptions {
  readonly store: Store
  readonly clock: Clock
  readonly random: Random
  readonly rpId: string
  readonly rpName: string
  readonly origins: readonly string[]
  /** A session ends after this long without use. */
  readonly idleMs: number
  /** ... and this long after it began, whatever happens. */
  readonly absoluteMs: number
  /** How long an enrolment token lets a new member register a first passkey. */
  readonly enrolmentMs: number
}

/** A staff member as every staff response shows one: no credential, no session. */
export interface StaffMember {
  readonly id: string
  readonly username: string
  readonly displayName: string
  readonly role: StaffRole
  readonly status: 'active' | 'disabled'
  readonly createdAt: number
  readonly createdBy: string
  readonly passkeys: number
}

/** The staff member behind a live session. */
export interface StaffSession {
  readonly staffId: string
  readonly username: string
  readonly role: StaffRole
  /** SHA-256 of the bearer token: what ends this session. */
  readonly sessionHash: string
}

/** A new member and the one-time token with which they register their first passkey. */
export interface NewStaffMember {
  readonly member: StaffMember
  /** Shown once to whoever created the member; stored only as its SHA-256. */
  readonly enrolmentToken: string
  readonly enrolmentExpiresAt: number
}

/**
 * The broker's staff (D-1): members with one role each, who log in with a passkey and nothing else
 * (phishing-resistant; there is no staff password to phish, reuse or read). A new member gets a
 * one-time enrolment token, out of band, with which they register a first passkey; every later
 * login is a discoverable-credential assertion with user verification, its challenge usable only
 * for staff login. Sessions are random 256-bit bearer tokens stored as SHA-256, rotated at every
 * login, ended by idle and absolute timeouts, by logout, and when the member is disabled or their
 * role changes.
 */
export class StaffService {
  readonly #o: StaffServiceOptions

  constructor(options: StaffServiceOptions) {
    if (options.origins.length === 0) throw new TypeError('origins must list at least one origin')
    this.#o = options
  }

  /** Creates a member (the first admin by CLI; others through `mamori staff add` too) with an enrolment token. */
  async create(input: { username: string; displayName: string; role: StaffRole; createdBy: string }): Promise<NewStaffMember> {
    const username = input.username.trim().toLowerCase()
    if (!USERNAME_SHAPE.test(username)) throw new MamoriError('VALIDATION_FAILED', 'a username is 2-63 characters: a-z first, then a-z, 0-9, dot, underscore or hyphen')
    const displayName = input.displayName.trim()
    if (displayName === '' || displayName.length > 100) throw new MamoriError('VALIDATION_FAILED', 'a display name is 1-100 characters')
    if (!isStaffRole(input.role)) throw new MamoriError('VALIDATION_FAILED', 'role must be support, analyst, supervisor, auditor or admin')
    const now = this.#o.clock.now()
    const row: StaffMembersTable = {
      id: newId(this.#o.random, 'stf'),
      username,
      display_name: displayName,
      role: input.role,
      status: 'active',
      created_at: now,
      created_by: input.createdBy,
    }
    const token = this.#o.random.bytes(32).toString('base64url')
    const expiresAt = now + this.#o.enrolmentMs
    await this.#o.store.transaction(async (trx) => {
      try {
        await trx.insertInto('staff_members').values(row).execute()
      } catch (err) {
        if (this.#o.store.constraintViolation(err) === 'unique') throw new MamoriError('STAFF_USERNAME_TAKEN', 'that username is taken')
        throw err
      }
      await trx.insertInto('staff_enrolments').values({ token_hash: sessionHashOf(token), staff_id: row.id, created_at: now, expires_at: expiresAt, used_at: null }).execute()
    })
    return { member: memberOf(row, 0), enrolmentToken: token, enrolmentExpiresAt: expiresAt }
  }

  /** A fresh enrolment token for an existing member (a lost authenticator); earlier unused tokens stop working. */
  async reissueEnrolment(staffId: string): Promise<{ enrolmentToken: string; enrolmentExpiresAt: number }> {
    await this.get(staffId)
    const now = this.#o.clock.now()
    const token = this.#o.random.bytes(32).toString('base64url')
    await this.#o.store.transaction(async (trx) => {
      await trx.updateTable('staff_enrolments').set({ used_at: now }).where('staff_id', '=', staffId).where('used_at', 'is', null).execute()
      await trx.insertInto('staff_enrolments').values({ token_hash: sessionHashOf(token), staff_id: staffId, created_at: now, expires_at: now + this.#o.enrolmentMs, used_at: null }).execute()
    })
    return { enrolmentToken: token, enrolmentExpiresAt: now + this.#o.enrolmentMs }
  }

  /** Registration options for the member holding `token`. Every failure is the same STAFF_ENROLMENT_INVALID. */
  async enrolmentOptions(token: unknown): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const member = await this.#enrolling(token)
    const existing = await this.#o.store.db.selectFrom('staff_passkeys').select(['id', 'transports_json']).where('staff_id', '=', member.id).execute()
    const options = await generateRegistrationOptions({
      rpName: this.#o.rpName,
      rpID: this.#o.rpId,
      userName: member.username,
      userDisplayName: member.display_name,
      userID: userHandleOf(member.id),
      challenge: new Uint8Array(this.#o.random.bytes(32)),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsFromJson(p.transports_json) })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
    })
    const challengeId = await this.#storeChallenge(options.challenge, member.id, 'registration', ENROL_PURPOSE)
    return { challengeId, options }
  }

  /** Completes enrolment: the passkey is stored, the token spent, and a session begins. */
  async enrol(input: { token: unknown; challengeId: unknown; response: unknown }): Promise<{ token: string; session: StaffSession }> {
    const member = await this.#enrolling(input.token)
    const response = parseRegistrationResponse(input.response)
    const now = this.#o.clock.now()
    const challenge = await loadUsableChallenge(this.#o.store.db, input.challengeId, { ceremony: 'registration', now, customerId: member.id, purpose: ENROL_PURPOSE })
    const attested = await verifyPasskeyRegistration(response, { challenge: challenge.challenge, origins: this.#o.origins, rpId: this.#o.rpId })
    return this.#o.store.transaction(async (trx) => {
      await consumeChallenge(trx, challenge.id, now)
      const spent = await trx
        .updateTable('staff_enrolments')
        .set({ used_at: now })
        .where('token_hash', '=', sessionHashOf(String(input.token)))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (spent.numUpdatedRows !== 1n) throw enrolmentInvalid()
      const taken = await trx.selectFrom('staff_passkeys').select('id').where('id', '=', attested.id).executeTakeFirst()
      const customerTaken = await trx.selectFrom('passkeys').select('id').where('id', '=', attested.id).executeTakeFirst()
      if (taken !== undefined || customerTaken !== undefined) throw new MamoriError('PASSKEY_ALREADY_REGISTERED', 'this passkey is already registered')
      await trx
        .insertInto('staff_passkeys')
        .values({
          id: attested.id,
          staff_id: member.id,
          public_key: attested.publicKey,
          sign_count: attested.counter,
          device_type: attested.deviceType,
          transports_json: JSON.stringify(attested.transports),
          created_at: now,
          last_used_at: null,
        })
        .execute()
      return this.#startSession(trx, member, now)
    })
  }

  /** Options for a staff login: no username asked, so nothing tells who is staff. */
  async loginOptions(): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const options = await generateAuthenticationOptions({
      rpID: this.#o.rpId,
      challenge: new Uint8Array(this.#o.random.bytes(32)),
      timeout: CHALLENGE_TTL_MS,
      userVerification: 'required',
      allowCredentials: [],
    })
    const challengeId = await this.#storeChallenge(options.challenge, null, 'authentication', LOGIN_PURPOSE)
    return { challengeId, options }
  }

  /**
   * Completes a staff login with a passkey assertion; a customer's passkey, a spent or foreign
   * challenge, a disabled member or a bad signature are all PASSKEY_INVALID or CHALLENGE_INVALID.
   * Every earlier session of the member stays valid until its own timeout; the new one is fresh.
   */
  async login(input: { challengeId: unknown; response: unknown }): Promise<{ token: string; session: StaffSession }> {
    const response = parseAuthenticationResponse(input.response)
    const now = this.#o.clock.now()
    const challenge = await loadUsableChallenge(this.#o.store.db, input.challengeId, { ceremony: 'authentication', now, purpose: LOGIN_PURPOSE })
    const key = await this.#o.store.db.selectFrom('staff_passkeys').selectAll().where('id', '=', response.id).executeTakeFirst()
    if (key === undefined) throw new MamoriError('PASSKEY_INVALID', 'the passkey could not be verified')
    const member = await this.#o.store.db.selectFrom('staff_members').selectAll().where('id', '=', key.staff_id).executeTakeFirst()
    if (member === undefined || member.status !== 'active') throw new MamoriError('PASSKEY_INVALID', 'the passkey could not be verified')
    const verified = await verifyPasskeyAssertion(response, {
      challenge: challenge.challenge,
      origins: this.#o.origins,
      rpId: this.#o.rpId,
      customerId: null,
      credential: { id: key.id, customerId: member.id, publicKey: key.public_key, signCount: Number(key.sign_count), deviceType: key.device_type },
    })
    return this.#o.store.transaction(async (trx) => {
      await consumeChallenge(trx, challenge.id, now)
      const updated = await trx
        .updateTable('staff_passkeys')
        .set({ sign_count: verified.newCounter, last_used_at: now })
        .where('id', '=', key.id)
        .where('sign_count', verified.newCounter === 0 ? '=' : '<', verified.newCounter)
        .executeTakeFirst()
      if (updated.numUpdatedRows !== 1n) throw new MamoriError('PASSKEY_CLONED', 'the passkey could not be verified')
      return this.#startSession(trx, member, now)
    })
  }

  /** The live session behind `token`, touching it; undefined when there is none (expired, revoked, disabled member). */
  async resolve(token: string): Promise<StaffSession | undefined> {
    if (token.length === 0 || token.length > 200) return undefined
    const hash = sessionHashOf(token)
    const now = this.#o.clock.now()
    const row = await this.#o.store.db
      .selectFrom('staff_sessions as s')
      .innerJoin('staff_members as m', 'm.id', 's.staff_id')
      .select(['s.id_hash', 's.created_at', 's.last_seen_at', 's.revoked_at', 'm.id', 'm.username', 'm.role', 'm.status'])
      .where('s.id_hash', '=', hash)
      .executeTakeFirst()
    if (row === undefined || row.revoked_at !== null || row.status !== 'active') return undefined
    if (now - Number(row.last_seen_at) >= this.#o.idleMs || now - Number(row.created_at) >= this.#o.absoluteMs) return undefined
    await this.#o.store.db.updateTable('staff_sessions').set({ last_seen_at: now }).where('id_hash', '=', hash).execute()
    return { staffId: row.id, username: row.username, role: row.role, sessionHash: hash }
  }

  /** Ends one session. */
  async logout(sessionHash: string): Promise<void> {
    await this.#o.store.db.updateTable('staff_sessions').set({ revoked_at: this.#o.clock.now() }).where('id_hash', '=', sessionHash).where('revoked_at', 'is', null).execute()
  }

  /** One member, or STAFF_NOT_FOUND. */
  async get(staffId: string): Promise<StaffMember> {
    const row = await this.#o.store.db.selectFrom('staff_members').selectAll().where('id', '=', staffId).executeTakeFirst()
    if (row === undefined) throw new MamoriError('STAFF_NOT_FOUND', 'no such staff member')
    return memberOf(row, await this.#passkeyCount(staffId))
  }

  /** Every member, oldest first. */
  async list(): Promise<StaffMember[]> {
    const rows = await this.#o.store.db.selectFrom('staff_members').selectAll().orderBy('created_at').orderBy('id').execute()
    const counts = await this.#o.store.db.selectFrom('staff_passkeys').select(['staff_id']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('staff_id').execute()
    const byId = new Map(counts.map((c) => [c.staff_id, Number(c.n)]))
    return rows.map((r) => memberOf(r, byId.get(r.id) ?? 0))
  }

  /**
   * Changes a member's role (the executor of an approved role_change, D-2) or disables them,
   * ending their sessions either way so the old rights stop at once.
   */
  async setRole(trx: Db, staffId: string, role: StaffRole | 'disabled'): Promise<{ staffId: string; from: string; to: string }> {
    const row = await trx.selectFrom('staff_members').select(['role', 'status']).where('id', '=', staffId).executeTakeFirst()
    if (row === undefined) throw new MamoriError('STAFF_NOT_FOUND', 'no such staff member')
    const now = this.#o.clock.now()
    if (role === 'disabled') await trx.updateTable('staff_members').set({ status: 'disabled' }).where('id', '=', staffId).execute()
    else {
      if (!isStaffRole(role)) throw new MamoriError('VALIDATION_FAILED', 'unknown role')
      await trx.updateTable('staff_members').set({ role, status: 'active' }).where('id', '=', staffId).execute()
    }
    await trx.updateTable('staff_sessions').set({ revoked_at: now }).where('staff_id', '=', staffId).where('revoked_at', 'is', null).execute()
    return { staffId, from: row.status === 'disabled' ? 'disabled' : row.role, to: role }
  }

  async #enrolling(token: unknown): Promise<StaffMembersTable> {
    if (typeof token !== 'string' || token.length < 20 || token.length > 200) throw enrolmentInvalid()
    const now = this.#o.clock.now()
    const row = await this.#o.store.db
      .selectFrom('staff_enrolments as e')
      .innerJoin('staff_members as m', 'm.id', 'e.staff_id')
      .selectAll('m')
      .select(['e.used_at', 'e.expires_at'])
      .where('e.token_hash', '=', sessionHashOf(token))
      .executeTakeFirst()
    if (row === undefined || row.used_at !== null || now >= Number(row.expires_at) || row.status !== 'active') throw enrolmentInvalid()
    return row
  }

  async #startSession(trx: Transaction<Database>, member: StaffMembersTable, now: number): Promise<{ token: string; session: StaffSession }> {
    const token = this.#o.random.bytes(32).toString('base64url')
    const hash = sessionHashOf(token)
    await trx.insertInto('staff_sessions').values({ id_hash: hash, staff_id: member.id, created_at: now, last_seen_at: now, revoked_at: null }).execute()
    return { token, session: { staffId: member.id, username: member.username, role: member.role, sessionHash: hash } }
  }

  async #storeChallenge(challenge: string, ownerId: string | null, ceremony: 'registration' | 'authentication', purpose: string): Promise<string> {
    const id = newId(this.#o.random, 'wch')
    const now = this.#o.clock.now()
    await insertChallenge(this.#o.store.db, { id, challenge, customer_id: ownerId, ceremony, purpose, binding: null, created_at: now, expires_at: now + CHALLENGE_TTL_MS, used_at: null })
    return id
  }

  async #passkeyCount(staffId: string): Promise<number> {
    const r = await this.#o.store.db.selectFrom('staff_passkeys').select((eb) => eb.fn.countAll<number>().as('n')).where('staff_id', '=', staffId).executeTakeFirst()
    return Number(r?.n ?? 0)
  }
}

function enrolmentInvalid(): MamoriError {
  return new MamoriError('STAFF_ENROLMENT_INVALID', 'this enrolment link is not valid; ask an administrator for a new one')
}

function memberOf(row: StaffMembersTable, passkeys: number): StaffMember {
  return Object.freeze({
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    passkeys,
  })
}
