import type { Db } from '../store/index.js'
import type { LedgerAccountKind } from './accounts.js'

export interface AccountBalance {
  readonly accountId: string
  readonly kind: LedgerAccountKind
  readonly asset: string
  readonly balance: number
}

/** Every ledger account of one customer with its current balance (zero balances included). */
export async function customerBalances(db: Db, customerId: string): Promise<AccountBalance[]> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select(['id', 'kind', 'asset', 'balance'])
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ accountId: r.id, kind: r.kind as LedgerAccountKind, asset: r.asset, balance: Number(r.balance) }))
}

/** The balance of one account; zero when it has never been used. */
export async function accountBalance(db: Db, accountId: string): Promise<number> {
  const row = await db.selectFrom('ledger_accounts').select('balance').where('id', '=', accountId).executeTakeFirst()
  return row === undefined ? 0 : Number(row.balance)
}
