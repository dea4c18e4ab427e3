import { MamoriError } from '../errors/index.js'
import type { Db } from '../store/index.js'
import type { LedgerAccountRef } from './accounts.js'
import { CASH_ASSET } from './accounts.js'

/** One balanced movement: `amount` of `asset` leaves `debit` and arrives in `credit`. */
export interface Posting {
  readonly debit: LedgerAccountRef
  readonly credit: LedgerAccountRef
  readonly amount: number
}

export interface TransferInput {
  /** Unique transfer id chosen by the caller (the operation's id plus a suffix). */
  readonly id: string
  readonly kind: string
  /** A client-chosen key; a second transfer with the same key is refused by the database. */
  readonly idempotencyKey?: string
  /** The transfer this one reverses; entries are never edited, a reversal is a new transfer. */
  readonly reverses?: string
  readonly memo?: string
  readonly postings: readonly Posting[]
  readonly at: number
}

export interface PostedTransfer {
  readonly id: string
  readonly kind: string
  readonly at: number
}

/**
 * Writes one immutable transfer inside the caller's transaction. Every posting is a debit and an
 * equal credit of one asset, so each transfer balances by construction. Balances are changed with
 * a guarded UPDATE (`balance + delta >= 0` unless the account may go negative), applied in
 * account-id order so concurrent transfers lock rows in the same order and cannot deadlock; on
 * PostgreSQL the UPDATE's row lock serializes concurrent spenders of one balance, and the
 * guard is re-checked against the committed row, so they can never overdraw it together.
 */
export async function postTransfer(db: Db, input: TransferInput): Promise<PostedTransfer> {
  if (input.postings.length === 0) throw new TypeError('a transfer needs at least one posting')
  const deltas = new Map<string, { ref: LedgerAccountRef; delta: number }>()
  for (const p of input.postings) {
    if (!Number.isSafeInteger(p.amount) || p.amount <= 0) {
      throw new MamoriError('LEDGER_INVALID_AMOUNT', 'ledger amounts must be positive integers', { amount: p.amount })
    }
    if (p.debit.asset !== p.credit.asset) throw new TypeError(`posting mixes ${p.debit.asset} and ${p.credit.asset}`)
    if (p.debit.id === p.credit.id) throw new TypeError(`posting from ${p.debit.id} to itself`)
    addDelta(deltas, p.debit, -p.amount)
    addDelta(deltas, p.credit, p.amount)
  }

  await db
    .insertInto('ledger_transfers')
    .values({
      id: input.id,
      idempotency_key: input.idempotencyKey ?? null,
      kind: input.kind,
      reverses: input.reverses ?? null,
      memo: input.memo ?? null,
      created_at: input.at,
    })
    .execute()

  const ordered = [...deltas.values()].sort((a, b) => (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : 0))
  await db
    .insertInto('ledger_accounts')
    .values(
      ordered.map(({ ref }) => ({
        id: ref.id,
        customer_id: ref.customerId,
        asset: ref.asset,
        kind: ref.kind,
        allow_negative: ref.allowNegative ? 1 : 0,
        balance: 0,
        updated_at: input.at,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()

  for (const { ref, delta } of ordered) {
    if (delta === 0) continue
    const result = await db
      .updateTable('ledger_accounts')
      .set((eb) => ({ balance: eb('balance', '+', delta), updated_at: input.at }))
      .where('id', '=', ref.id)
      .where((eb) => eb.or([eb('allow_negative', '=', 1), eb(eb('balance', '+', delta), '>=', 0)]))
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) {
      const cash = ref.asset === CASH_ASSET
      throw new MamoriError(
        cash ? 'LEDGER_INSUFFICIENT_FUNDS' : 'LEDGER_INSUFFICIENT_SECURITIES',
        cash ? 'insufficient cash for this operation' : `insufficient ${ref.asset} shares for this operation`,
        { asset: ref.asset, needed: -delta },
      )
    }
  }

  await db
    .insertInto('ledger_entries')
    .values(
      input.postings.flatMap((p) => [
        { transfer_id: input.id, account_id: p.debit.id, asset: p.debit.asset, side: 'debit' as const, amount: p.amount },
        { transfer_id: input.id, account_id: p.credit.id, asset: p.credit.asset, side: 'credit' as const, amount: p.amount },
      ]),
    )
    .execute()

  return Object.freeze({ id: input.id, kind: input.kind, at: input.at })
}

function addDelta(map: Map<string, { ref: LedgerAccountRef; delta: number }>, ref: LedgerAccountRef, d: number): void {
  const cur = map.get(ref.id)
  if (cur === undefined) map.set(ref.id, { ref, delta: d })
  else cur.delta += d
}
