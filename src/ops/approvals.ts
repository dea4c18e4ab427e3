import { getCustomer, type BrokerageContext, type DestinationRequest } from '../brokerage/index.js'
import { MamoriError } from '../errors/index.js'
import { newId } from '../runtime/index.js'
import { isStaffRole } from '../staff/permissions.js'
import { raiseStaffWatchAlert } from '../staff/staffWatchAlert.js'
import type { ApprovalKind, ApprovalRequestsTable, ApprovalRequestStatus, Db, StaffRole } from '../store/index.js'
import { parseObject, requireReason, requireStaffId } from './staffInput.js'

/** Every kind of sensitive staff action that needs a second member of staff (D-2). */
/** Approval kinds that open a customer's account or money to whoever asked for them. */
const PAIR_WATCHED_KINDS: ReadonlySet<ApprovalKind> = new Set<ApprovalKind>(['destination_change', 'factor_reset', 'account_unlock', 'unfreeze'])
/** Distinct customers one requester/approver pair may put such changes through for in the window before an alert. */
const PAIR_WATCH_CUSTOMERS = 5
const PAIR_WATCH_WINDOW_MS = 24 * 3_600_000

export const APPROVAL_KINDS = Object.freeze([
  'destination_change',
  'account_unlock',
  'factor_reset',
  'unfreeze',
  'compensation_payment',
  'role_change',
] as const satisfies readonly ApprovalKind[])

/** True when `value` is one of APPROVAL_KINDS. */
export function isApprovalKind(value: unknown): value is ApprovalKind {
  return typeof value === 'string' && (APPROVAL_KINDS as readonly string[]).includes(value)
}

/** The customer factors a factor reset can remove; the phone app is its passkey of purpose `phone_app`. */
export type ResettableFactor = 'totp' | 'passkey' | 'phone_app'
export const RESETTABLE_FACTORS: readonly ResettableFactor[] = Object.freeze(['totp', 'passkey', 'phone_app'])

/** What each kind of request carries: what the action will do, never a secret. */
export interface ApprovalPayloads {
  /** A withdrawal destination entered by support on the customer's behalf (seed 004: no more web changes). */
  readonly destination_change: DestinationRequest
  readonly account_unlock: Readonly<Record<string, never>>
  /** Which factors to remove so the customer can enrol again. */
  readonly factor_reset: { readonly factors: readonly ResettableFactor[] }
  readonly unfreeze: Readonly<Record<string, never>>
  readonly compensation_payment: { readonly compensationId: string }
  readonly role_change: { readonly staffId: string; readonly role: StaffRole }
}

/** Kinds that act on one customer: the request must name them. */
const CUSTOMER_KINDS: ReadonlySet<ApprovalKind> = new Set<ApprovalKind>([
  'destination_change',
  'account_unlock',
  'factor_reset',
  'unfreeze',
  'compensation_payment',
])

/** One approval request as staff see it. */
export interface ApprovalRequest {
  readonly id: string
  readonly kind: ApprovalKind
  /** What the action will do (see ApprovalPayloads), as stored. */
  readonly payload: Readonly<Record<string, unknown>>
  /** The customer the action is about; null for staff matters (role_change). */
  readonly customerId: string | null
  readonly requestedBy: string
  readonly requestReason: string
  readonly requestedAt: number
  readonly expiresAt: number
  readonly status: ApprovalRequestStatus
  readonly decidedBy: string | null
  readonly decidedAt: number | null
  readonly decisionReason: string | null
  /** What the approved action did. */
  readonly result: Readonly<Record<string, unknown>> | null
}

/** What a request is made from. `payload` is checked against the kind (VALIDATION_FAILED); unknown fields are dropped. */
export interface NewApprovalRequest {
  readonly kind: ApprovalKind
  readonly payload: unknown
  /** Required for every kind but role_change; for compensation_payment it defaults to the compensation's customer. */
  readonly customerId?: string
  readonly requestedBy: string
  readonly reason: string
  /** Overrides the service's time to live for this request. */
  readonly ttlMs?: number
}

/** Who decides, and why. */
export interface ApprovalDecision {
  readonly by: string
  readonly reason: string
}

/** What an approved action ran with. */
export interface ApprovalExecution {
  readonly brokerage: BrokerageContext
  /** The request, already marked approved by `decidedBy`. */
  readonly request: ApprovalRequest
  readonly at: number
  /**
   * Schedules `effect` (a notice to the customer, say) for after the commit; it never runs when the
   * approval rolls back, and its failure does not undo the approval.
   */
  afterCommit(effect: () => Promise<void>): void
}

/**
 * Carries out one kind of approved action inside the approval's transaction (`db`). A MamoriError
 * rolls the whole approval back: the request stays pending and the error reaches the approver.
 * Returns what it did (stored as the request's result; no secrets).
 */
export type ApprovalExecutor<K extends ApprovalKind> = (
  db: Db,
  payload: ApprovalPayloads[K],
  ctx: ApprovalExecution,
) => Promise<Record<string, unknown>>

/** One executor per kind; a kind without one cannot be requested (role_change's comes from the staff module). */
export type ApprovalExecutors = { readonly [K in ApprovalKind]?: ApprovalExecutor<K> }

export interface ApprovalServiceOptions {
  readonly brokerage: BrokerageContext
  readonly executors: ApprovalExecutors
  /** How long a request waits for its second person; 24 hours by default. */
  readonly ttlMs?: number
}

export interface ApprovalFilter {
  readonly status?: ApprovalRequestStatus
  readonly kind?: ApprovalKind
  readonly customerId?: string
  readonly requestedBy?: string
  readonly limit?: number
}

export const DEFAULT_APPROVAL_TTL_MS = 24 * 3_600_000
const MAX_PAYLOAD_CHARS = 4000

/**
 * Four-eyes approval of sensitive staff actions (D-2). One member of staff asks, with a reason;
 * another approves or rejects, with a reason. The requester can never decide their own request
 * (FOUR_EYES_SELF_APPROVAL), nor can the staff member whose role a role_change would set. An
 * approval runs the action in the same transaction as the status change, so an action that fails
 * leaves the request pending and nothing done; each request is decided once (a conditional
 * update: two approvers at once cannot both run it). A request not decided within its time to
 * live expires (APPROVAL_EXPIRED). Which roles may request or decide is the HTTP layer's
 * permission check; this service only enforces that two different people were involved.
 */
export class ApprovalService {
  readonly #brokerage: BrokerageContext
  readonly #executors: ApprovalExecutors
  readonly #ttlMs: number

  constructor(options: ApprovalServiceOptions) {
    const ttl = options.ttlMs ?? DEFAULT_APPROVAL_TTL_MS
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new TypeError('ttlMs must be a positive integer')
    this.#brokerage = options.brokerage
    this.#executors = Object.freeze({ ...options.executors })
    this.#ttlMs = ttl
  }

  /** Files a request. VALIDATION_FAILED for a bad kind or payload, CUSTOMER_NOT_FOUND, REASON_REQUIRED. */
  async request(input: NewApprovalRequest): Promise<ApprovalRequest> {
    if (!isApprovalKind(input.kind)) throw new MamoriError('VALIDATION_FAILED', 'unknown approval kind', { field: 'kind' })
    if (this.#executors[input.kind] === undefined) {
      throw new MamoriError('VALIDATION_FAILED', `${input.kind} cannot be requested here`, { field: 'kind' })
    }
    const requestedBy = requireStaffId(input.requestedBy, 'requestedBy')
    const reason = requireReason(input.reason)
    const ttl = input.ttlMs ?? this.#ttlMs
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new TypeError('ttlMs must be a positive integer')
    const payload = parseApprovalPayload(input.kind, input.payload)
    const payloadJson = JSON.stringify(payload)
    if (payloadJson.length > MAX_PAYLOAD_CHARS) throw new MamoriError('VALIDATION_FAILED', 'the payload is too large', { field: 'payload' })
    const db = this.#brokerage.store.db
    let customerId: string | null = null
    if (input.kind === 'compensation_payment') {
      customerId = await this.#compensationCustomer(db, (payload as ApprovalPayloads['compensation_payment']).compensationId, input.customerId)
    } else if (CUSTOMER_KINDS.has(input.kind)) {
      if (typeof input.customerId !== 'string' || input.customerId === '') {
        throw new MamoriError('VALIDATION_FAILED', 'this action needs the customer it is about', { field: 'customerId' })
      }
      customerId = (await getCustomer(db, input.customerId)).id
    }
    const at = this.#brokerage.clock.now()
    const row: ApprovalRequestsTable = {
      id: newId(this.#brokerage.random, 'apr'),
      kind: input.kind,
      payload_json: payloadJson,
      customer_id: customerId,
      requested_by: requestedBy,
      request_reason: reason,
      requested_at: at,
      expires_at: at + ttl,
      status: 'pending',
      decided_by: null,
      decided_at: null,
      decision_reason: null,
      result_json: null,
    }
    await db.insertInto('approval_requests').values(row).execute()
    return toRequest(row)
  }

  /** One request; APPROVAL_NOT_FOUND when unknown. */
  async get(id: string): Promise<ApprovalRequest> {
    const row = await this.#brokerage.store.db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirst()
    if (row === undefined) throw new MamoriError('APPROVAL_NOT_FOUND', 'no such approval request')
    return toRequest(row)
  }

  /** Requests, newest first. Pending ones past their time appear as pending until `expireStale` or a decision marks them. */
  async list(filter: ApprovalFilter = {}): Promise<ApprovalRequest[]> {
    let q = this.#brokerage.store.db.selectFrom('approval_requests').selectAll()
    if (filter.status !== undefined) q = q.where('status', '=', filter.status)
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
    if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId)
    if (filter.requestedBy !== undefined) q = q.where('requested_by', '=', filter.requestedBy)
    const rows = await q
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
      .execute()
    return rows.map(toRequest)
  }

  /**
   * Approves a pending request and runs its action in the same transaction. APPROVAL_NOT_FOUND,
   * APPROVAL_RESOLVED (decided already, or concurrently), APPROVAL_EXPIRED (and it is marked
   * expired), FOUR_EYES_SELF_APPROVAL, REASON_REQUIRED; any error of the action itself (e.g.
   * DESTINATION_NAME_MISMATCH, COMPENSATION_ALREADY_PAID) leaves the request pending.
   */
  async approve(id: string, decision: ApprovalDecision): Promise<ApprovalRequest> {
    const current = await this.#decidable(id, decision)
    const executor = this.#executors[current.request.kind]
    if (executor === undefined) throw new TypeError(`no executor for ${current.request.kind}`)
    const effects: Array<() => Promise<void>> = []
    const approved = await this.#brokerage.store.transaction(async (trx) => {
      // PostgreSQL may run this callback again after a serialization failure.
      effects.length = 0
      const request = await claim(trx, current.request, 'approved', current.by, current.reason, current.at)
      const payload = parseApprovalPayload(request.kind, request.payload)
      const result = await runExecutor(this.#executors, request.kind, trx, payload, {
        brokerage: this.#brokerage,
        request,
        at: current.at,
        afterCommit: (effect) => {
          effects.push(effect)
        },
      })
      await trx.updateTable('approval_requests').set({ result_json: JSON.stringify(result) }).where('id', '=', id).execute()
      return { ...request, result }
    })
    for (const effect of effects) await effect().catch(() => undefined)
    await this.#watchPair(approved).catch(() => undefined)
    return approved
  }

  /**
   * The colluding pair (seed 002 with a second insider): four-eyes stops one staff member, not two
   * who agree. When the same requester and approver have together put through account-access
   * changes (destination changes, factor resets, unlocks, unfreezes) for PAIR_WATCH_CUSTOMERS
   * distinct customers within PAIR_WATCH_WINDOW_MS, an alert names both, once per pair and window.
   */
  async #watchPair(approved: ApprovalRequest): Promise<void> {
    if (!PAIR_WATCHED_KINDS.has(approved.kind) || approved.decidedBy === null) return
    const db = this.#brokerage.store.db
    const now = this.#brokerage.clock.now()
    const since = now - PAIR_WATCH_WINDOW_MS
    const rows = await db
      .selectFrom('approval_requests')
      .select(['customer_id', 'kind'])
      .where('requested_by', '=', approved.requestedBy)
      .where('decided_by', '=', approved.decidedBy)
      .where('status', '=', 'approved')
      .where('decided_at', '>=', since)
      .where('kind', 'in', [...PAIR_WATCHED_KINDS])
      .execute()
    const customers = new Set(rows.map((r) => r.customer_id).filter((c) => c !== null))
    if (customers.size < PAIR_WATCH_CUSTOMERS) return
    const kinds = [...new Set(rows.map((r) => r.kind))].sort().join(', ')
    await raiseStaffWatchAlert(db, this.#brokerage.random, {
      rule: 'staff_pair_approvals',
      reason: `staff member ${approved.requestedBy} filed and ${approved.decidedBy} approved account-access changes (${kinds}) for ${customers.size} customers within ${PAIR_WATCH_WINDOW_MS / 3_600_000} h`,
      // The pair, so the watch alerts once per pair and window.
      subject: `${approved.requestedBy}>${approved.decidedBy}`.slice(0, 200),
      ip: '',
      at: now,
      windowMs: PAIR_WATCH_WINDOW_MS,
    })
  }

  /** Rejects a pending request: its action never runs. Same refusals as `approve`. */
  async reject(id: string, decision: ApprovalDecision): Promise<ApprovalRequest> {
    const current = await this.#decidable(id, decision)
    return this.#brokerage.store.transaction((trx) => claim(trx, current.request, 'rejected', current.by, current.reason, current.at))
  }

  /** Marks every pending request past its time as expired; returns how many. For a periodic job. */
  async expireStale(): Promise<number> {
    const now = this.#brokerage.clock.now()
    const result = await this.#brokerage.store.db
      .updateTable('approval_requests')
      .set({ status: 'expired', decided_at: now })
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** The checks before any decision, in the order a caller can act on them. */
  async #decidable(id: string, decision: ApprovalDecision): Promise<{ request: ApprovalRequest; by: string; reason: string; at: number }> {
    const by = requireStaffId(decision?.by)
    const reason = requireReason(decision?.reason)
    const request = await this.get(id)
    if (request.status === 'expired') throw expired()
    if (request.status !== 'pending') {
      throw new MamoriError('APPROVAL_RESOLVED', `this request was already ${request.status}`, { status: request.status })
    }
    if (request.requestedBy === by) {
      throw new MamoriError('FOUR_EYES_SELF_APPROVAL', 'a request must be decided by someone other than its requester')
    }
    if (request.kind === 'role_change' && request.payload.staffId === by) {
      throw new MamoriError('FOUR_EYES_SELF_APPROVAL', 'a change of your own role must be decided by someone else')
    }
    const at = this.#brokerage.clock.now()
    if (at >= request.expiresAt) {
      await this.#brokerage.store.db
        .updateTable('approval_requests')
        .set({ status: 'expired', decided_at: at })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .execute()
      throw expired()
    }
    return { request, by, reason, at }
  }

  async #compensationCustomer(db: Db, compensationId: string, customerId: string | undefined): Promise<string> {
    const row = await db.selectFrom('compensations').select(['customer_id', 'status']).where('id', '=', compensationId).executeTakeFirst()
    if (row === undefined) throw new MamoriError('COMPENSATION_NOT_FOUND', 'no such compensation')
    if (row.status === 'paid') throw new MamoriError('COMPENSATION_ALREADY_PAID', 'this compensation was already paid')
    if (customerId !== undefined && customerId !== row.customer_id) {
      throw new MamoriError('VALIDATION_FAILED', 'the compensation belongs to another customer', { field: 'customerId' })
    }
    return row.customer_id
  }
}

/**
 * Checks a payload against its kind and keeps only the fields the kind defines, so nothing else
 * (a password pasted into a form, say) is ever stored. VALIDATION_FAILED naming the field.
 */
export function parseApprovalPayload<K extends ApprovalKind>(kind: K, raw: unknown): ApprovalPayloads[K] {
  const p: Record<string, unknown> = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {}
  const out = parseByKind(kind, p, raw)
  return out as ApprovalPayloads[K]
}

function parseByKind(kind: ApprovalKind, p: Record<string, unknown>, raw: unknown): ApprovalPayloads[ApprovalKind] {
  switch (kind) {
    case 'destination_change': {
      const accountType = p.accountType ?? 'ordinary'
      if (accountType !== 'ordinary' && accountType !== 'current' && accountType !== 'savings') throw invalid('payload.accountType')
      return {
        bankCode: text(p.bankCode, 'payload.bankCode', 10),
        branchCode: text(p.branchCode, 'payload.branchCode', 10),
        accountType,
        accountNumber: text(p.accountNumber, 'payload.accountNumber', 20),
        holderKana: text(p.holderKana, 'payload.holderKana', 100),
      }
    }
    case 'account_unlock':
    case 'unfreeze':
      if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) throw invalid('payload')
      return {}
    case 'factor_reset': {
      const factors = p.factors ?? RESETTABLE_FACTORS
      if (!Array.isArray(factors) || factors.length === 0) throw invalid('payload.factors')
      const set = new Set<ResettableFactor>()
      for (const f of factors) {
        if (!(RESETTABLE_FACTORS as readonly unknown[]).includes(f)) throw invalid('payload.factors')
        set.add(f as ResettableFactor)
      }
      return { factors: RESETTABLE_FACTORS.filter((f) => set.has(f)) }
    }
    case 'compensation_payment':
      return { compensationId: text(p.compensationId, 'payload.compensationId', 100) }
    case 'role_change':
      if (!isStaffRole(p.role)) throw invalid('payload.role')
      return { staffId: text(p.staffId, 'payload.staffId', 200), role: p.role }
  }
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw invalid(field)
  return value.trim()
}

function invalid(field: string): MamoriError {
  return new MamoriError('VALIDATION_FAILED', `${field} is missing or invalid`, { field })
}

function expired(): MamoriError {
  return new MamoriError('APPROVAL_EXPIRED', 'this request has expired; file a new one')
}

function runExecutor<K extends ApprovalKind>(
  executors: ApprovalExecutors,
  kind: K,
  db: Db,
  payload: ApprovalPayloads[K],
  ctx: ApprovalExecution,
): Promise<Record<string, unknown>> {
  const executor = executors[kind] as ApprovalExecutor<K> | undefined
  if (executor === undefined) throw new TypeError(`no executor for ${kind}`)
  return executor(db, payload, ctx)
}

async function claim(
  db: Db,
  request: ApprovalRequest,
  to: 'approved' | 'rejected',
  by: string,
  reason: string,
  at: number,
): Promise<ApprovalRequest> {
  const claimed = await db
    .updateTable('approval_requests')
    .set({ status: to, decided_by: by, decided_at: at, decision_reason: reason })
    .where('id', '=', request.id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', at)
    .executeTakeFirst()
  if (claimed.numUpdatedRows === 0n) throw new MamoriError('APPROVAL_RESOLVED', 'this request was decided concurrently')
  return { ...request, status: to, decidedBy: by, decidedAt: at, decisionReason: reason }
}

function toRequest(row: ApprovalRequestsTable): ApprovalRequest {
  return {
    id: row.id,
    kind: row.kind,
    payload: parseObject(row.payload_json),
    customerId: row.customer_id,
    requestedBy: row.requested_by,
    requestReason: row.request_reason,
    requestedAt: Number(row.requested_at),
    expiresAt: Number(row.expires_at),
    status: row.status,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    decisionReason: row.decision_reason,
    result: row.result_json === null ? null : parseObject(row.result_json),
  }
}
