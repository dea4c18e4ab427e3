import {
  placeOrder,
  registerDestination,
  transitionWithdrawal,
  type BrokerageContext,
  type DestinationRequest,
  type OrderRequest,
} from '../brokerage/index.js'
import { MamoriError } from '../errors/index.js'
import type { DecisionReason } from '../risk/engine/index.js'
import { newId } from '../runtime/index.js'
import type { Db, HeldOperationAction, HeldOperationsTable, HeldOperationStatus } from '../store/index.js'

/** One operation waiting for (or past) review. */
export interface HeldOperation {
  readonly id: string
  readonly customerId: string
  readonly action: HeldOperationAction
  readonly status: HeldOperationStatus
  /** What the operation would do: the order, the destination, or the withdrawal's id and amount. No secrets. */
  readonly payload: Readonly<Record<string, unknown>>
  readonly withdrawalId: string | null
  readonly score: number
  readonly reasons: readonly DecisionReason[]
  readonly createdAt: number
  readonly resolvedAt: number | null
  readonly resolvedBy: string | null
  readonly resolutionReason: string | null
  /** What releasing it produced: the order, the destination, the withdrawal. */
  readonly result: Readonly<Record<string, unknown>> | null
}

/** What a hold is made from. */
export interface NewHold {
  readonly customerId: string
  readonly action: HeldOperationAction
  readonly payload: Readonly<Record<string, unknown>>
  readonly withdrawalId?: string
  readonly score: number
  readonly reasons: readonly DecisionReason[]
}

/** Who resolves a hold, and why. The reason is required: a release nobody can explain is how insiders work (seed 002). */
export interface Resolution {
  readonly by: string
  readonly reason: string
}

const MAX_REASON = 1000
const MAX_REVIEWER = 200

/**
 * The review queue (C-5, C-6): operations the risk engine held. A held order or destination
 * change has not happened — it is kept here with what it would do and runs only when a reviewer
 * releases it; a held withdrawal already has its money reserved (status `held`) and is approved
 * or cancelled with the hold. Each hold is resolved once: the status moves with a conditional
 * update, so two reviewers acting at once cannot both release it.
 */
export async function holdOperation(db: Db, random: BrokerageContext['random'], at: number, hold: NewHold): Promise<HeldOperation> {
  const row: HeldOperationsTable = {
    id: newId(random, 'hld'),
    customer_id: hold.customerId,
    action: hold.action,
    status: 'held',
    payload_json: JSON.stringify(hold.payload),
    withdrawal_id: hold.withdrawalId ?? null,
    score: hold.score,
    reasons_json: JSON.stringify(hold.reasons),
    created_at: at,
    resolved_at: null,
    resolved_by: null,
    resolution_reason: null,
    result_json: null,
  }
  await db.insertInto('held_operations').values(row).execute()
  return toHeld(row)
}

/** Held operations, newest first; `status` narrows to one state. */
export async function listHeldOperations(
  db: Db,
  filter: { status?: HeldOperationStatus; customerId?: string; limit?: number } = {},
): Promise<HeldOperation[]> {
  let q = db.selectFrom('held_operations').selectAll()
  if (filter.status !== undefined) q = q.where('status', '=', filter.status)
  if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId)
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
    .execute()
  return rows.map(toHeld)
}

/** One held operation; HELD_OPERATION_NOT_FOUND when unknown. */
export async function getHeldOperation(db: Db, id: string): Promise<HeldOperation> {
  const row = await db.selectFrom('held_operations').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new MamoriError('HELD_OPERATION_NOT_FOUND', 'no such held operation')
  return toHeld(row)
}

/**
 * Releases a held operation: it runs now, as the customer asked, inside `db` (the caller's
 * transaction) — the order is placed at the current price, the destination registered (its
 * cooling period starts now), the withdrawal approved. When it can no longer run (the money has
 * gone, the account is frozen) the error propagates and, the transaction rolling back, the hold
 * stays as it was.
 */
export async function releaseHeldOperation(ctx: BrokerageContext, db: Db, id: string, resolution: Resolution): Promise<HeldOperation> {
  const r = checkResolution(resolution)
  const held = await claim(ctx, db, id, 'released', r)
  let result: Record<string, unknown>
  if (held.action === 'order') {
    result = { ...(await placeOrder(ctx, db, held.customerId, orderOf(held.payload))) }
  } else if (held.action === 'destination_change') {
    result = { ...(await registerDestination(ctx, db, held.customerId, destinationOf(held.payload))) }
  } else {
    if (held.withdrawalId === null) throw new TypeError('a held withdrawal without its withdrawal')
    result = { ...(await transitionWithdrawal(ctx, db, held.withdrawalId, 'approved', `released: ${r.reason}`)) }
  }
  const resultJson = JSON.stringify(result)
  await db.updateTable('held_operations').set({ result_json: resultJson }).where('id', '=', id).execute()
  return { ...held, result }
}

/** Cancels a held operation: it never runs; a held withdrawal's reserved money returns to the customer's cash. */
export async function cancelHeldOperation(ctx: BrokerageContext, db: Db, id: string, resolution: Resolution): Promise<HeldOperation> {
  const r = checkResolution(resolution)
  const held = await claim(ctx, db, id, 'cancelled', r)
  if (held.action === 'withdrawal' && held.withdrawalId !== null) {
    const w = await db.selectFrom('withdrawals').select('status').where('id', '=', held.withdrawalId).executeTakeFirst()
    // The customer may have cancelled it already; then there is nothing left to return.
    if (w?.status === 'held') await transitionWithdrawal(ctx, db, held.withdrawalId, 'cancelled', `cancelled on review: ${r.reason}`)
  }
  return held
}

async function claim(ctx: BrokerageContext, db: Db, id: string, to: 'released' | 'cancelled', r: Resolution): Promise<HeldOperation> {
  const current = await getHeldOperation(db, id)
  if (current.status !== 'held') {
    throw new MamoriError('HELD_OPERATION_RESOLVED', `this operation was already ${current.status}`, { status: current.status })
  }
  const at = ctx.clock.now()
  const claimed = await db
    .updateTable('held_operations')
    .set({ status: to, resolved_at: at, resolved_by: r.by, resolution_reason: r.reason })
    .where('id', '=', id)
    .where('status', '=', 'held')
    .executeTakeFirst()
  if (claimed.numUpdatedRows === 0n) throw new MamoriError('HELD_OPERATION_RESOLVED', 'this operation was resolved concurrently')
  return { ...current, status: to, resolvedAt: at, resolvedBy: r.by, resolutionReason: r.reason }
}

function checkResolution(r: Resolution): Resolution {
  const reason = typeof r?.reason === 'string' ? r.reason.trim() : ''
  const by = typeof r?.by === 'string' ? r.by.trim() : ''
  if (reason === '') throw new MamoriError('REASON_REQUIRED', 'a reason is required', { field: 'reason' })
  if (reason.length > MAX_REASON) throw new MamoriError('REASON_REQUIRED', `the reason may be at most ${MAX_REASON} characters`, { field: 'reason' })
  if (by === '' || by.length > MAX_REVIEWER) throw new MamoriError('REASON_REQUIRED', 'the reviewer must be named', { field: 'by' })
  return { by, reason }
}

function orderOf(p: Readonly<Record<string, unknown>>): OrderRequest {
  return {
    symbol: String(p.symbol),
    side: p.side === 'sell' ? 'sell' : 'buy',
    type: p.type === 'limit' ? 'limit' : 'market',
    quantity: Number(p.quantity),
    ...(typeof p.limitPrice === 'number' ? { limitPrice: p.limitPrice } : {}),
  }
}

function destinationOf(p: Readonly<Record<string, unknown>>): DestinationRequest {
  const accountType = p.accountType === 'current' || p.accountType === 'savings' ? p.accountType : 'ordinary'
  return {
    bankCode: String(p.bankCode),
    branchCode: String(p.branchCode),
    accountType,
    accountNumber: String(p.accountNumber),
    holderKana: String(p.holderKana),
  }
}

function toHeld(row: HeldOperationsTable): HeldOperation {
  return {
    id: row.id,
    customerId: row.customer_id,
    action: row.action,
    status: row.status,
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    withdrawalId: row.withdrawal_id,
    score: Number(row.score),
    reasons: JSON.parse(row.reasons_json) as DecisionReason[],
    createdAt: Number(row.created_at),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    resolvedBy: row.resolved_by,
    resolutionReason: row.resolution_reason,
    result: row.result_json === null ? null : (JSON.parse(row.result_json) as Record<string, unknown>),
  }
}
