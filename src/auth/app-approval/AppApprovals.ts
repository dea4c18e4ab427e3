import { newId, type Clock, type Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'

/** Where a login that waits for approval comes from, as the phone shows it. */
export interface ApprovalEnvironment {
  readonly ip: string
  readonly userAgent: string
  readonly at: number
  readonly location?: string
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired'

/** An approval request as the phone app sees it: never the number itself, only the choices. */
export interface PendingApproval {
  readonly id: string
  readonly environment: ApprovalEnvironment
  /** Three numbers; the customer picks the one the login screen shows (number matching). */
  readonly choices: readonly number[]
  readonly expiresAt: number
}

/**
 * Phone-app approval (B-5): a login from elsewhere waits until the customer approves it on their
 * registered phone, which shows where the login comes from and asks them to pick the number the
 * login screen displays. Number matching defeats "approve to make the prompts stop" fatigue
 * attacks; the 30-second life limits a real-time relay. Denial and expiry are different outcomes.
 */
export class AppApprovals {
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

  /** Asks the customer's phone to approve the flow; returns the number the login screen shows. */
  async request(flowHash: string, customerId: string, environment: ApprovalEnvironment): Promise<{ id: string; number: number; expiresAt: number }> {
    const now = this.#clock.now()
    // One live request per flow: asking again replaces the earlier one.
    await this.#store.db
      .updateTable('app_approvals')
      .set({ status: 'expired', decided_at: now })
      .where('flow_hash', '=', flowHash)
      .where('status', '=', 'pending')
      .execute()
    const id = newId(this.#random, 'apr')
    const number = 10 + this.#random.int(90)
    const expiresAt = now + this.#ttlMs
    await this.#store.db
      .insertInto('app_approvals')
      .values({
        id,
        flow_hash: flowHash,
        customer_id: customerId,
        number,
        environment: JSON.stringify(environment),
        status: 'pending',
        created_at: now,
        expires_at: expiresAt,
        decided_at: null,
      })
      .execute()
    return { id, number, expiresAt }
  }

  /** The customer's live requests, for their phone. */
  async pending(customerId: string): Promise<PendingApproval[]> {
    const now = this.#clock.now()
    const rows = await this.#store.db
      .selectFrom('app_approvals')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .execute()
    return rows.map((r) => ({
      id: r.id,
      environment: JSON.parse(r.environment) as ApprovalEnvironment,
      choices: choicesFor(r.id, Number(r.number)),
      expiresAt: Number(r.expires_at),
    }))
  }

  /**
   * Records the customer's answer. Approval needs the matching number (the caller has already
   * verified the phone's passkey assertion bound to this id and number); a wrong number counts as a
   * denial. Returns the final status, 'expired' when the answer came too late.
   */
  async decide(id: string, customerId: string, answer: { approve: true; number: number } | { approve: false }): Promise<ApprovalStatus> {
    return (await this.decideOnce(id, customerId, answer)).status
  }

  /** As `decide`, also saying whether this call made the decision (false when it had been made, or had expired). */
  async decideOnce(id: string, customerId: string, answer: { approve: true; number: number } | { approve: false }): Promise<{ status: ApprovalStatus; decidedNow: boolean }> {
    const now = this.#clock.now()
    const row = await this.#store.db
      .selectFrom('app_approvals')
      .selectAll()
      .where('id', '=', id)
      .where('customer_id', '=', customerId)
      .executeTakeFirst()
    if (row === undefined) return { status: 'denied', decidedNow: false }
    if (row.status !== 'pending') return { status: row.status, decidedNow: false }
    if (now >= Number(row.expires_at)) {
      await this.#expire(id, now)
      return { status: 'expired', decidedNow: false }
    }
    const status: ApprovalStatus = answer.approve && answer.number === Number(row.number) ? 'approved' : 'denied'
    const r = await this.#store.db
      .updateTable('app_approvals')
      .set({ status, decided_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return r.numUpdatedRows === 1n ? { status, decidedNow: true } : { status: 'expired', decidedNow: false }
  }

  /** What the phone was shown of the login a request is for; undefined for an unknown id. */
  async environmentOf(id: string): Promise<ApprovalEnvironment | undefined> {
    const row = await this.#store.db.selectFrom('app_approvals').select('environment').where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : (JSON.parse(row.environment) as ApprovalEnvironment)
  }

  /** The outcome of the latest request of a flow, with 'expired' once its time has passed undecided. */
  async statusOf(flowHash: string): Promise<{ id: string; status: ApprovalStatus } | undefined> {
    const row = await this.#store.db
      .selectFrom('app_approvals')
      .select(['id', 'status', 'expires_at'])
      .where('flow_hash', '=', flowHash)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    if (row === undefined) return undefined
    const now = this.#clock.now()
    if (row.status === 'pending' && now >= Number(row.expires_at)) {
      await this.#expire(row.id, now)
      return { id: row.id, status: 'expired' }
    }
    return { id: row.id, status: row.status }
  }

  async #expire(id: string, now: number): Promise<void> {
    await this.#store.db
      .updateTable('app_approvals')
      .set({ status: 'expired', decided_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute()
  }
}

/** The right number and two others, in an order fixed by the request id. */
function choicesFor(id: string, number: number): number[] {
  let h = 0
  for (const ch of id) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0
  const a = 10 + ((number - 10 + 17 + (h % 30)) % 90)
  let b = 10 + ((number - 10 + 53 + (h % 20)) % 90)
  if (b === a) b = 10 + ((b - 10 + 1) % 90)
  const out = [number, a, b]
  const shift = h % 3
  return [...out.slice(shift), ...out.slice(0, shift)]
}
