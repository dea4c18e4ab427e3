import { sql } from 'kysely'
import type { Db } from '../store/index.js'

export interface LedgerMismatch {
  readonly check: 'asset_totals' | 'transfer_balance' | 'account_balance' | 'negative_balance' | 'orphan_entry'
  /** The asset, transfer or account where the first mismatch was found. */
  readonly subject: string
  readonly expected: number
  readonly actual: number
  readonly message: string
}

export interface LedgerVerification {
  readonly ok: boolean
  readonly transfers: number
  readonly entries: number
  readonly accounts: number
  readonly assets: number
  readonly mismatch: LedgerMismatch | undefined
}

/**
 * Recomputes the ledger from its immutable entries and compares it with what is stored:
 * debits equal credits per asset and per transfer, every account balance equals the sum of its
 * entries, no customer balance is negative, no entry points at a missing account or transfer.
 * Stops at, and names, the first mismatch.
 */
export async function verifyLedger(db: Db): Promise<LedgerVerification> {
  const counts = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('ledger_transfers').select((e) => e.fn.countAll<number>().as('n')).as('transfers'),
      eb.selectFrom('ledger_entries').select((e) => e.fn.countAll<number>().as('n')).as('entries'),
      eb.selectFrom('ledger_accounts').select((e) => e.fn.countAll<number>().as('n')).as('accounts'),
    ])
    .executeTakeFirstOrThrow()
  const signed = sql<number>`sum(case when side = 'credit' then amount else -amount end)`

  const totals = await db
    .selectFrom('ledger_entries')
    .select([
      'asset',
      sql<number>`sum(case when side = 'debit' then amount else 0 end)`.as('debits'),
      sql<number>`sum(case when side = 'credit' then amount else 0 end)`.as('credits'),
    ])
    .groupBy('asset')
    .orderBy('asset')
    .execute()
  const base = {
    transfers: Number(counts.transfers),
    entries: Number(counts.entries),
    accounts: Number(counts.accounts),
    assets: totals.length,
  }
  const fail = (m: LedgerMismatch): LedgerVerification => Object.freeze({ ok: false, ...base, mismatch: m })

  for (const t of totals) {
    if (Number(t.debits) !== Number(t.credits)) {
      return fail({
        check: 'asset_totals',
        subject: t.asset,
        expected: Number(t.debits),
        actual: Number(t.credits),
        message: `asset ${t.asset}: debits ${t.debits} != credits ${t.credits}`,
      })
    }
  }

  const unbalanced = await db
    .selectFrom('ledger_entries')
    .select(['transfer_id', 'asset', signed.as('net'), sql<number>`min(seq)`.as('first_seq')])
    .groupBy(['transfer_id', 'asset'])
    .having(signed, '!=', 0)
    .orderBy('first_seq')
    .limit(1)
    .executeTakeFirst()
  if (unbalanced !== undefined) {
    return fail({
      check: 'transfer_balance',
      subject: unbalanced.transfer_id,
      expected: 0,
      actual: Number(unbalanced.net),
      message: `transfer ${unbalanced.transfer_id} (${unbalanced.asset}) does not balance: net ${unbalanced.net}`,
    })
  }

  const orphan = await db
    .selectFrom('ledger_entries as e')
    .leftJoin('ledger_accounts as a', 'a.id', 'e.account_id')
    .leftJoin('ledger_transfers as t', 't.id', 'e.transfer_id')
    .select(['e.seq', 'e.account_id', 'e.transfer_id', 'e.amount', 'a.id as found_account', 't.id as found_transfer'])
    .where((eb) => eb.or([eb('a.id', 'is', null), eb('t.id', 'is', null)]))
    .orderBy('e.seq')
    .limit(1)
    .executeTakeFirst()
  if (orphan !== undefined) {
    const what = orphan.found_account === null ? `account ${orphan.account_id}` : `transfer ${orphan.transfer_id}`
    return fail({
      check: 'orphan_entry',
      subject: String(orphan.seq),
      expected: 0,
      actual: Number(orphan.amount),
      message: `entry #${orphan.seq} refers to missing ${what}`,
    })
  }

  const drift = await db
    .selectFrom('ledger_accounts as a')
    .leftJoin('ledger_entries as e', 'e.account_id', 'a.id')
    .select([
      'a.id',
      'a.balance',
      'a.allow_negative',
      sql<number>`coalesce(sum(case when e.side = 'credit' then e.amount when e.side = 'debit' then -e.amount else 0 end), 0)`.as(
        'recomputed',
      ),
    ])
    .groupBy(['a.id', 'a.balance', 'a.allow_negative'])
    .having((eb) =>
      eb.or([
        eb(
          sql`coalesce(sum(case when e.side = 'credit' then e.amount when e.side = 'debit' then -e.amount else 0 end), 0)`,
          '!=',
          eb.ref('a.balance'),
        ),
        eb.and([
          eb('a.allow_negative', '=', 0),
          eb(sql`coalesce(sum(case when e.side = 'credit' then e.amount when e.side = 'debit' then -e.amount else 0 end), 0)`, '<', 0),
        ]),
      ]),
    )
    .orderBy('a.id')
    .limit(1)
    .executeTakeFirst()
  if (drift !== undefined) {
    const recomputed = Number(drift.recomputed)
    if (recomputed !== Number(drift.balance)) {
      return fail({
        check: 'account_balance',
        subject: drift.id,
        expected: recomputed,
        actual: Number(drift.balance),
        message: `account ${drift.id}: stored balance ${drift.balance} != ${recomputed} recomputed from entries`,
      })
    }
    return fail({
      check: 'negative_balance',
      subject: drift.id,
      expected: 0,
      actual: recomputed,
      message: `account ${drift.id} is negative (${recomputed}) but may not be`,
    })
  }

  return Object.freeze({ ok: true, ...base, mismatch: undefined })
}
