/**
 * Seed 000: attackers pointed victims' withdrawals at accounts they controlled. A victim (or
 * support) who removes such a destination must stop every payout already queued to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { fundedCustomer, testBrokerage, type TestBrokerage } from '../../test/support/brokerage.js'
import { accountBalance, cashAccount, cashReservedAccount, verifyLedger } from '../ledger/index.js'
import type { Store } from '../store/index.js'
import { getWithdrawal, removeDestination, requestWithdrawal, sendApprovedWithdrawals } from './index.js'

describe.each(DIALECTS)('destination removal on $dialect', (dc) => {
  let store: Store
  let tb: TestBrokerage
  beforeAll(async () => {
    store = await dc.open()
    tb = await testBrokerage(store)
  })
  afterAll(async () => {
    await store.close()
  })

  it('cancels the withdrawals still waiting to go to a removed destination and returns the cash', async () => {
    const { customer, destination } = await fundedCustomer(tb.ctx, 100_000)
    const w = await store.transaction((trx) =>
      requestWithdrawal(tb.ctx, trx, customer.id, { destinationId: destination.id, amount: 40_000 }),
    )
    expect(w.status).toBe('approved')
    await store.transaction((trx) => removeDestination(tb.ctx, trx, customer.id, destination.id))
    expect((await getWithdrawal(store.db, customer.id, w.id)).status).toBe('cancelled')
    expect(await accountBalance(store.db, cashAccount(customer.id).id)).toBe(100_000)
    expect(await accountBalance(store.db, cashReservedAccount(customer.id).id)).toBe(0)
    await sendApprovedWithdrawals(tb.ctx)
    expect((await getWithdrawal(store.db, customer.id, w.id)).status).toBe('cancelled')
  })

  it('the sender refuses a destination that stopped being active after approval', async () => {
    const { customer, destination } = await fundedCustomer(tb.ctx, 100_000)
    const w = await store.transaction((trx) =>
      requestWithdrawal(tb.ctx, trx, customer.id, { destinationId: destination.id, amount: 10_000 }),
    )
    // A destination disabled out of band (e.g. by operations) without going through removeDestination.
    await store.db.updateTable('withdrawal_destinations').set({ status: 'removed' }).where('id', '=', destination.id).execute()
    await sendApprovedWithdrawals(tb.ctx)
    expect((await getWithdrawal(store.db, customer.id, w.id)).status).toBe('cancelled')
    expect(await accountBalance(store.db, cashAccount(customer.id).id)).toBe(100_000)
    expect((await verifyLedger(store.db)).mismatch).toBeUndefined()
  })
})
