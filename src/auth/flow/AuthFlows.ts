import { createHash } from 'node:crypto'
import type { Clock, Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { parseFactorTimes, type Factor, type FactorTimes } from '../policy/factors.js'

/** A login (or recovery, or unlock) in progress: who, from where, and which factors are proven so far. */
export interface AuthFlow {
  readonly idHash: string
  readonly customerId: string | null
  readonly operation: string
  readonly deviceId: string | null
  readonly ip: string
  readonly userAgent: string
  readonly factors: FactorTimes
  readonly state: 'pending' | 'completed'
  readonly createdAt: number
  readonly expiresAt: number
}

export interface NewFlow {
  readonly customerId: string | null
  readonly operation: string
  readonly deviceId: string | null
  readonly ip: string
  readonly userAgent: string
  readonly factors: FactorTimes
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** SHA-256 hex of a flow token: the only form stored. */
export function flowHashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Multi-step authentication state kept on the server. The client holds only an opaque 256-bit
 * token; the flow remembers the customer, the origin it started from and the factors proven, so a
 * second factor proven in one flow can never complete another (B-4: codes are bound to the request
 * that asked for them). Flows expire after `ttlMs` and complete at most once.
 */
export class AuthFlows {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random
  readonly #ttlMs: number

  constructor(options: { store: Store; clock: Clock; random: Random; ttlMs: number }) {
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
    this.#ttlMs = options.ttlMs
  }

  /** Starts a flow and returns its token (the only copy). */
  async start(flow: NewFlow): Promise<{ token: string; idHash: string; expiresAt: number }> {
    const token = this.#random.bytes(32).toString('base64url')
    const now = this.#clock.now()
    const idHash = flowHashOf(token)
    await this.#store.db
      .insertInto('auth_flows')
      .values({
        id_hash: idHash,
        customer_id: flow.customerId,
        operation: flow.operation,
        device_id: flow.deviceId,
        ip: flow.ip,
        user_agent: flow.userAgent.slice(0, 512),
        factors_json: JSON.stringify(flow.factors),
        state: 'pending',
        created_at: now,
        expires_at: now + this.#ttlMs,
      })
      .execute()
    return { token, idHash, expiresAt: now + this.#ttlMs }
  }

  /** The pending, unexpired flow behind a token, or undefined. */
  async find(token: string): Promise<AuthFlow | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined
    return this.findByHash(flowHashOf(token))
  }

  /** The pending, unexpired flow with this hash, or undefined. */
  async findByHash(idHash: string): Promise<AuthFlow | undefined> {
    const row = await this.#store.db.selectFrom('auth_flows').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
    if (row === undefined || row.state !== 'pending' || this.#clock.now() >= Number(row.expires_at)) return undefined
    return {
      idHash: row.id_hash,
      customerId: row.customer_id,
      operation: row.operation,
      deviceId: row.device_id,
      ip: row.ip,
      userAgent: row.user_agent,
      factors: parseFactorTimes(row.factors_json),
      state: 'pending',
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    }
  }

  /** Records that `factor` was proven now in this flow; returns the updated factor times. */
  async addFactor(idHash: string, factor: Factor): Promise<FactorTimes> {
    const flow = await this.findByHash(idHash)
    if (flow === undefined) return {}
    const factors = { ...flow.factors, [factor]: this.#clock.now() }
    await this.#store.db
      .updateTable('auth_flows')
      .set({ factors_json: JSON.stringify(factors) })
      .where('id_hash', '=', idHash)
      .where('state', '=', 'pending')
      .execute()
    return factors
  }

  /** Marks the flow completed; true for exactly one caller, so a flow can mint at most one session. */
  async complete(idHash: string): Promise<boolean> {
    const r = await this.#store.db
      .updateTable('auth_flows')
      .set({ state: 'completed' })
      .where('id_hash', '=', idHash)
      .where('state', '=', 'pending')
      .where('expires_at', '>', this.#clock.now())
      .executeTakeFirst()
    return r.numUpdatedRows === 1n
  }
}
