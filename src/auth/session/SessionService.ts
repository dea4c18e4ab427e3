import { createHash } from 'node:crypto'
import { parseFactorTimes, type FactorTimes } from '../policy/factors.js'
import type { Clock, Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'

/** What SessionService needs. */
export interface SessionServiceOptions {
  store: Store
  clock: Clock
  random: Random
  /** A session unused for this long is over. */
  idleMs: number
  /** A session older than this is over, however busy. */
  absoluteMs: number
}

/** A freshly created session. The token is shown to the client once and never stored. */
export interface NewSession {
  token: string
  /** The latest the session can live (its absolute timeout); idleness ends it sooner. */
  expiresAt: number
}

/** The customer behind a live session, and the stored (hashed) id of that session. */
export interface ResolvedSession {
  customerId: string
  sessionHash: string
  /** The device the session is bound to (B-12), when it was opened from one. */
  deviceId: string | null
  /** When each factor was last verified in this session. */
  factors: FactorTimes
  /** 'customer' (portal, API), 'phone_app' (the registered approval app) or 'enrolment' (may only add a first passkey). */
  kind: SessionKind
  createdAt: number
  /** The address the session was opened from, or last proved a passkey from; null when not recorded. */
  originIp: string | null
}

export type SessionKind = 'customer' | 'phone_app' | 'enrolment'

export interface CreateSessionOptions {
  deviceId?: string | null
  factors?: FactorTimes
  kind?: SessionKind
  /** The client address the session is opened from: the network it is bound to (see RiskGate). */
  originIp?: string | null
}

/** How a rotation changes the session besides its id and factors. */
export interface RotateOptions {
  kind?: SessionKind
  /** Re-binds the session to this address: only after a passkey proven from it. */
  originIp?: string
}

const TOKEN_BYTES = 32
// base64url of 32 bytes, unpadded: 43 characters. Anything else is not a token we issued.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** SHA-256 of the token, hex: the only form of a session id the database ever sees. */
export function sessionHashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Server-side sessions (B-12). The bearer token is 256 random bits; only its SHA-256 is stored,
 * so a database dump or a curious operator (seed 002, the insider) cannot replay a session.
 * A session ends at whichever comes first: revocation, `idleMs` without use, or `absoluteMs`
 * after creation. Lookup is by hash, so there is no secret comparison to time.
 */
export class SessionService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random
  readonly #idleMs: number
  readonly #absoluteMs: number

  constructor(options: SessionServiceOptions) {
    if (!Number.isSafeInteger(options.idleMs) || options.idleMs <= 0) throw new TypeError('idleMs must be a positive integer')
    if (!Number.isSafeInteger(options.absoluteMs) || options.absoluteMs <= 0) {
      throw new TypeError('absoluteMs must be a positive integer')
    }
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
    this.#idleMs = options.idleMs
    this.#absoluteMs = options.absoluteMs
  }

  /** Opens a new session for `customerId` and returns its token (the only copy). */
  async create(customerId: string, options: CreateSessionOptions = {}): Promise<NewSession> {
    const token = this.#random.bytes(TOKEN_BYTES).toString('base64url')
    const now = this.#clock.now()
    const expiresAt = now + this.#absoluteMs
    await this.#store.db
      .insertInto('sessions')
      .values({
        id_hash: sessionHashOf(token),
        customer_id: customerId,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        revoked_at: null,
        device_id: options.deviceId ?? null,
        factors_json: JSON.stringify(options.factors ?? {}),
        kind: options.kind ?? 'customer',
        origin_ip: options.originIp ?? null,
      })
      .execute()
    return { token, expiresAt }
  }

  /**
   * Replaces the session with a new id carrying more factors (B-12: rotate at every step-up), so
   * an id observed before the step-up is worthless after it. The old id is revoked in the same
   * transaction; device, kind, origin and absolute expiry carry over unless `options` changes them.
   * Undefined when the old one is not live.
   */
  async rotate(sessionHash: string, addFactors: FactorTimes, options: RotateOptions = {}): Promise<NewSession | undefined> {
    const token = this.#random.bytes(TOKEN_BYTES).toString('base64url')
    const now = this.#clock.now()
    return this.#store.transaction(async (trx) => {
      const revoked = await trx
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id_hash', '=', sessionHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .where('last_seen_at', '>', now - this.#idleMs)
        .executeTakeFirst()
      if (revoked.numUpdatedRows === 0n) return undefined
      const old = await trx.selectFrom('sessions').selectAll().where('id_hash', '=', sessionHash).executeTakeFirstOrThrow()
      const factors = { ...parseFactorTimes(old.factors_json), ...addFactors }
      await trx
        .insertInto('sessions')
        .values({
          id_hash: sessionHashOf(token),
          customer_id: old.customer_id,
          created_at: old.created_at,
          last_seen_at: now,
          expires_at: old.expires_at,
          revoked_at: null,
          device_id: old.device_id,
          factors_json: JSON.stringify(factors),
          kind: options.kind ?? old.kind ?? 'customer',
          origin_ip: options.originIp ?? old.origin_ip,
        })
        .execute()
      return { token, expiresAt: Number(old.expires_at) }
    })
  }

  /**
   * The customer behind `token`, or undefined when the token is malformed, unknown, revoked, idle
   * for `idleMs` or past its absolute expiry. A live session's idle timer restarts.
   */
  async resolve(token: string, deviceId?: string | null): Promise<ResolvedSession | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined
    const sessionHash = sessionHashOf(token)
    const row = await this.#store.db
      .selectFrom('sessions')
      .select(['customer_id', 'last_seen_at', 'expires_at', 'revoked_at', 'device_id', 'factors_json', 'kind', 'created_at', 'origin_ip'])
      .where('id_hash', '=', sessionHash)
      .executeTakeFirst()
    if (row === undefined || row.revoked_at !== null) return undefined
    const now = this.#clock.now()
    if (now >= row.expires_at) return undefined
    if (now - row.last_seen_at >= this.#idleMs) return undefined
    // Bound to its device (B-12): the same id presented from another device is a stolen session.
    // It is ended on the spot, so the thief's attempt also logs the victim out and shows up.
    if (row.device_id !== null && deviceId !== undefined && row.device_id !== deviceId) {
      await this.revokeByHash(sessionHash)
      return undefined
    }
    // Only ever moves forward, and never resurrects a session revoked since the read above.
    await this.#store.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', sessionHash)
      .where('revoked_at', 'is', null)
      .where('last_seen_at', '<', now)
      .execute()
    return {
      customerId: row.customer_id,
      sessionHash,
      deviceId: row.device_id,
      factors: parseFactorTimes(row.factors_json),
      kind: (row.kind ?? 'customer') as SessionKind,
      createdAt: Number(row.created_at),
      originIp: row.origin_ip,
    }
  }

  /** Ends the session behind `token`; unknown or already revoked tokens are ignored. */
  async revoke(token: string): Promise<void> {
    await this.revokeByHash(sessionHashOf(token))
  }

  /** Ends the session with this stored hash (as found on `ResolvedSession.sessionHash`). */
  async revokeByHash(sessionHash: string): Promise<void> {
    await this.#store.db
      .updateTable('sessions')
      .set({ revoked_at: this.#clock.now() })
      .where('id_hash', '=', sessionHash)
      .where('revoked_at', 'is', null)
      .execute()
  }

  /** Ends every live session of a customer (password change, freeze, "log out everywhere"); returns how many. */
  async revokeAllForCustomer(customerId: string): Promise<number> {
    const result = await this.#store.db
      .updateTable('sessions')
      .set({ revoked_at: this.#clock.now() })
      .where('customer_id', '=', customerId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }
}
