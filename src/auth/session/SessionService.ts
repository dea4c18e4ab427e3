import { createHash } from 'node:crypto'
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
  async create(customerId: string): Promise<NewSession> {
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
      })
      .execute()
    return { token, expiresAt }
  }

  /**
   * The customer behind `token`, or undefined when the token is malformed, unknown, revoked, idle
   * for `idleMs` or past its absolute expiry. A live session's idle timer restarts.
   */
  async resolve(token: string): Promise<ResolvedSession | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined
    const sessionHash = sessionHashOf(token)
    const row = await this.#store.db
      .selectFrom('sessions')
      .select(['customer_id', 'last_seen_at', 'expires_at', 'revoked_at'])
      .where('id_hash', '=', sessionHash)
      .executeTakeFirst()
    if (row === undefined || row.revoked_at !== null) return undefined
    const now = this.#clock.now()
    if (now >= row.expires_at) return undefined
    if (now - row.last_seen_at >= this.#idleMs) return undefined
    // Only ever moves forward, and never resurrects a session revoked since the read above.
    await this.#store.db
      .updateTable('sessions')
      .set({ last_seen_at: now })
      .where('id_hash', '=', sessionHash)
      .where('revoked_at', 'is', null)
      .where('last_seen_at', '<', now)
      .execute()
    return { customerId: row.customer_id, sessionHash }
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
