import { MamoriError } from '../errors/index.js'
import { bankAccount, cashAccount, cashReservedAccount, postTransfer, type Posting } from '../ledger/index.js'
import { newId } from '../runtime/index.js'
import type { Db, WithdrawalsTable, WithdrawalStatus } from '../store/index.js'
import type { BrokerageContext } from './context.js'
import { requireActiveCustomer } from './customers.js'
import { requireYen } from './deposits.js'
import { getDestinationRow } from './destinations.js'
import { canTransition } from './withdrawalStateMachine.js'

export interface WithdrawalRequest {
  readonly destinationId: string
  readonly amount: number
}

export interface Withdrawal {
  readonly id: string
  readonly customerId: string
  readonly destinationId: string
  readonly amount: number
  readonly status: WithdrawalStatus
  readonly statusReason: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * Requests a withdrawal: the amount moves from free cash to reserved cash at once, so parallel
 * requests cannot spend the same yen twice; then the screen approves it or holds it for review.
 * `options.hold` holds it whatever the screen says (the risk engine's hold, with its reason).
 * Runs inside the caller's transaction.
 */
export async function requestWithdrawal(
  ctx: BrokerageContext,
  db: Db,
  customerId: string,
  req: WithdrawalRequest,
  options: { readonly hold?: string } = {},
): Promise<Withdrawal> {
  requireYen(req.amount)
  await requireActiveCustomer(db, customerId)
  const destination = await getDestinationRow(db, customerId, req.destinationId)
  if (destination.status !== 'active') throw new MamoriError('DESTINATION_NOT_FOUND', 'no such destination')
  const id = newId(ctx.random, 'wd')
  const at = ctx.clock.now()
  await postTransfer(db, {
    id: `${id}:reserve`,
    kind: 'withdrawal_reserve',
    at,
    postings: [{ debit: cashAccount(customerId), credit: cashReservedAccount(customerId), amount: req.amount }],
  })
  const row: WithdrawalsTable = {
    id,
    customer_id: customerId,
    destination_id: req.destinationId,
    amount: req.amount,
    status: 'requested',
    status_reason: null,
    created_at: at,
    updated_at: at,
  }
  await db.insertInto('withdrawals').values(row).execute()
  await db
    .insertInto('withdrawal_transitions')
    .values({ withdrawal_id: id, from_status: null, to_status: 'requested', reason: null, at })
    .execute()
  const verdict = await ctx.screenWithdrawal(db, {
    id,
    customerId,
    destinationId: req.destinationId,
    amount: req.amount,
    at,
  })
  // The risk engine's hold (C-5) comes on top of the screen: the screen can refuse or hold, never release.
  if (verdict.decision === 'hold') return transitionWithdrawal(ctx, db, id, 'held', verdict.reason)
  if (options.hold !== undefined) return transitionWithdrawal(ctx, db, id, 'held', options.hold)
  return transitionWithdrawal(ctx, db, id, 'approved', null)
}

/** The customer cancels one of their own withdrawals that has not been sent; the cash comes back. */
export async function cancelWithdrawal(
  ctx: BrokerageContext,
  db: Db,
  customerId: string,
  withdrawalId: string,
): Promise<Withdrawal> {
  await getWithdrawal(db, customerId, withdrawalId)
  return transitionWithdrawal(ctx, db, withdrawalId, 'cancelled', 'cancelled by customer')
}

/**
 * Moves a withdrawal along its state machine with a conditional update, so two concurrent
 * transitions cannot both succeed, and moves the money that goes with it: sent pays the reserve
 * out to the bank; cancelled returns it to free cash.
 */
export async function transitionWithdrawal(
  ctx: BrokerageContext,
  db: Db,
  withdrawalId: string,
  to: WithdrawalStatus,
  reason: string | null,
): Promise<Withdrawal> {
  const current = await db.selectFrom('withdrawals').selectAll().where('id', '=', withdrawalId).executeTakeFirst()
  if (current === undefined) throw new MamoriError('WITHDRAWAL_NOT_FOUND', 'no such withdrawal')
  if (!canTransition(current.status, to)) {
    throw new MamoriError('WITHDRAWAL_INVALID_TRANSITION', `a ${current.status} withdrawal cannot become ${to}`, {
      from: current.status,
      to,
    })
  }
  const at = ctx.clock.now()
  const claimed = await db
    .updateTable('withdrawals')
    .set({ status: to, status_reason: reason, updated_at: at })
    .where('id', '=', withdrawalId)
    .where('status', '=', current.status)
    .executeTakeFirst()
  if (claimed.numUpdatedRows === 0n) {
    throw new MamoriError('WITHDRAWAL_INVALID_TRANSITION', 'the withdrawal changed state concurrently')
  }
  const amount = Number(current.amount)
  const customerId = current.customer_id
  let posting: Posting | undefined
  if (to === 'sent') posting = { debit: cashReservedAccount(customerId), credit: bankAccount, amount }
  if (to === 'cancelled') posting = { debit: cashReservedAccount(customerId), credit: cashAccount(customerId), amount }
  if (posting !== undefined) {
    await postTransfer(db, {
      id: `${withdrawalId}:${to}`,
      kind: to === 'sent' ? 'withdrawal_send' : 'withdrawal_cancel',
      reverses: to === 'cancelled' ? `${withdrawalId}:reserve` : undefined,
      at,
      postings: [posting],
    })
  }
  await db
    .insertInto('withdrawal_transitions')
    .values({ withdrawal_id: withdrawalId, from_status: current.status, to_status: to, reason, at })
    .execute()
  return toWithdrawal({ ...current, status: to, status_reason: reason, updated_at: at })
}

/**
 * Hands approved withdrawals to the bank (simulated): each one moves approved → sent in its own
 * transaction (or is cancelled if its destination was removed meanwhile). Returns how many it handled.
 */
export async function sendApprovedWithdrawals(ctx: BrokerageContext, limit = 500): Promise<number> {
  const approved = await ctx.store.db
    .selectFrom('withdrawals')
    .select('id')
    .where('status', '=', 'approved')
    .orderBy('updated_at')
    .limit(limit)
    .execute()
  let sent = 0
  for (const { id } of approved) {
    try {
      await ctx.store.transaction(async (trx) => {
        // Never pay out to a destination that is no longer registered.
        const dest = await trx
          .selectFrom('withdrawals as w')
          .innerJoin('withdrawal_destinations as d', 'd.id', 'w.destination_id')
          .select('d.status')
          .where('w.id', '=', id)
          .executeTakeFirst()
        if (dest?.status !== 'active') return transitionWithdrawal(ctx, trx, id, 'cancelled', 'destination removed')
        return transitionWithdrawal(ctx, trx, id, 'sent', null)
      })
      sent++
    } catch (err) {
      // Cancelled between the read and the claim: nothing to send.
      if (!(err instanceof MamoriError && err.code === 'WITHDRAWAL_INVALID_TRANSITION')) throw err
    }
  }
  return sent
}

/** One of this customer's withdrawals, or WITHDRAWAL_NOT_FOUND (also for another customer's). */
export async function getWithdrawal(db: Db, customerId: string, withdrawalId: string): Promise<Withdrawal> {
  const row = await db
    .selectFrom('withdrawals')
    .selectAll()
    .where('id', '=', withdrawalId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
  if (row === undefined) throw new MamoriError('WITHDRAWAL_NOT_FOUND', 'no such withdrawal')
  return toWithdrawal(row)
}

/** A customer's withdrawals, newest first. */
export async function listWithdrawals(db: Db, customerId: string, limit = 100): Promise<Withdrawal[]> {
  const rows = await db
    .selectFrom('withdrawals')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(toWithdrawal)
}

function toWithdrawal(row: WithdrawalsTable): Withdrawal {
  return Object.freeze({
    id: row.id,
    customerId: row.customer_id,
    destinationId: row.destination_id,
    amount: Number(row.amount),
    status: row.status,
    statusReason: row.status_reason,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  })
}
