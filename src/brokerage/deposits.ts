import { MamoriError } from '../errors/index.js'
import { bankAccount, cashAccount, postTransfer } from '../ledger/index.js'
import { newId } from '../runtime/index.js'
import type { Db } from '../store/index.js'
import type { BrokerageContext } from './context.js'

export interface Deposit {
  readonly id: string
  readonly customerId: string
  readonly amount: number
  readonly createdAt: number
}

/** Money arriving from the customer's bank: credits their cash. Runs inside the caller's transaction. */
export async function recordDeposit(
  ctx: BrokerageContext,
  db: Db,
  customerId: string,
  amount: number,
): Promise<Deposit> {
  requireYen(amount)
  const id = newId(ctx.random, 'dep')
  const at = ctx.clock.now()
  await postTransfer(db, {
    id: `${id}:in`,
    kind: 'deposit',
    at,
    postings: [{ debit: bankAccount, credit: cashAccount(customerId), amount }],
  })
  await db.insertInto('deposits').values({ id, customer_id: customerId, amount, transfer_id: `${id}:in`, created_at: at }).execute()
  return { id, customerId, amount, createdAt: at }
}

/** Amounts of money are positive whole yen below 10^13 (10 trillion). */
export function requireYen(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount >= 1e13) {
    throw new MamoriError('VALIDATION_FAILED', 'amount must be a positive whole number of yen', { field: 'amount' })
  }
}
