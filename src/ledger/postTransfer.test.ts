import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { isMamoriError } from '../errors/index.js'
import type { Store } from '../store/index.js'
import {
  accountBalance,
  bankAccount,
  cashAccount,
  marketSecuritiesAccount,
  postTransfer,
  securitiesAccount,
  verifyLedger,
} from './index.js'

describe.each(DIALECTS)('ledger on $dialect', (dc) => {
  let store: Store
  beforeAll(async () => {
    store = await dc.open()
  })
  afterAll(async () => {
    await store.close()
  })

  it('moves cash with a balanced transfer and recomputes to the same balances', async () => {
    await store.transaction((trx) =>
      postTransfer(trx, { id: 't1', kind: 'deposit', at: 1, postings: [{ debit: bankAccount, credit: cashAccount('a'), amount: 1000 }] }),
    )
    expect(await accountBalance(store.db, cashAccount('a').id)).toBe(1000)
    expect(await accountBalance(store.db, bankAccount.id)).toBe(-1000)
    const v = await verifyLedger(store.db)
    expect(v.ok).toBe(true)
    expect(v.mismatch).toBeUndefined()
  })

  it('refuses to overdraw a customer account and writes nothing at all', async () => {
    const before = await verifyLedger(store.db)
    await expect(
      store.transaction((trx) =>
        postTransfer(trx, {
          id: 't2',
          kind: 'test',
          at: 2,
          postings: [
            { debit: bankAccount, credit: cashAccount('b'), amount: 5 },
            { debit: cashAccount('a'), credit: cashAccount('b'), amount: 1001 },
          ],
        }),
      ),
    ).rejects.toSatisfy((e: unknown) => isMamoriError(e, 'LEDGER_INSUFFICIENT_FUNDS'))
    const after = await verifyLedger(store.db)
    expect(after.transfers).toBe(before.transfers)
    expect(after.entries).toBe(before.entries)
    expect(await accountBalance(store.db, cashAccount('a').id)).toBe(1000)
    expect(await accountBalance(store.db, cashAccount('b').id)).toBe(0)
  })

  it('names shares that are not there as insufficient securities', async () => {
    await expect(
      store.transaction((trx) =>
        postTransfer(trx, {
          id: 't3',
          kind: 'test',
          at: 3,
          postings: [{ debit: securitiesAccount('a', '7203'), credit: marketSecuritiesAccount('7203'), amount: 100 }],
        }),
      ),
    ).rejects.toSatisfy((e: unknown) => isMamoriError(e, 'LEDGER_INSUFFICIENT_SECURITIES'))
  })

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('rejects the amount %s', async (amount) => {
    await expect(
      store.transaction((trx) =>
        postTransfer(trx, { id: 'bad', kind: 'test', at: 4, postings: [{ debit: bankAccount, credit: cashAccount('a'), amount }] }),
      ),
    ).rejects.toSatisfy((e: unknown) => isMamoriError(e, 'LEDGER_INVALID_AMOUNT'))
  })

  it('never writes the same transfer id or idempotency key twice', async () => {
    const t = { id: 't5', kind: 'deposit', idempotencyKey: 'k5', at: 5, postings: [{ debit: bankAccount, credit: cashAccount('c'), amount: 7 }] }
    await store.transaction((trx) => postTransfer(trx, t))
    await expect(store.transaction((trx) => postTransfer(trx, { ...t, id: 't5b' }))).rejects.toSatisfy(
      (e: unknown) => store.constraintViolation(e) === 'unique',
    )
    expect(await accountBalance(store.db, cashAccount('c').id)).toBe(7)
  })

  it('names a stored balance that disagrees with its entries', async () => {
    await store.db.updateTable('ledger_accounts').set({ balance: 999 }).where('id', '=', cashAccount('a').id).execute()
    const v = await verifyLedger(store.db)
    expect(v.ok).toBe(false)
    expect(v.mismatch?.check).toBe('account_balance')
    expect(v.mismatch?.subject).toBe(cashAccount('a').id)
    await store.db.updateTable('ledger_accounts').set({ balance: 1000 }).where('id', '=', cashAccount('a').id).execute()
    expect((await verifyLedger(store.db)).ok).toBe(true)
  })

  it('names the asset whose debits and credits differ after an entry is deleted', async () => {
    await store.db.deleteFrom('ledger_entries').where('transfer_id', '=', 't5').where('side', '=', 'debit').execute()
    const v = await verifyLedger(store.db)
    expect(v.ok).toBe(false)
    expect(v.mismatch?.check).toBe('asset_totals')
    expect(v.mismatch?.subject).toBe('JPY')
  })
})
