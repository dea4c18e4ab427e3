/**
 * Attack: a client (or an attacker's script) fires the same withdrawal many times at once, or
 * many different withdrawals that together exceed the balance, hoping two of them see the same
 * balance. Each must be paid exactly once and the balance must never go below zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { fundedCustomer, testBrokerage, type TestBrokerage } from '../../test/support/brokerage.js'
import { isMamoriError } from '../errors/index.js'
import { cashAccount, cashReservedAccount, accountBalance, verifyLedger } from '../ledger/index.js'
import { runIdempotent, type Store } from '../store/index.js'
import { requestWithdrawal, sendApprovedWithdrawals } from './index.js'

describe.each(DIALECTS)('withdrawal concurrency on $dialect', (dc) => {
  let store: Store
  let tb: TestBrokerage
  beforeAll(async () => {
    store = await dc.open()
    tb = await testBrokerage(store)
  })
  afterAll(async () => {
    await store.close()
  })

  it('50 parallel identical requests with one idempotency key post exactly once', async () => {
    const { customer, destination } = await fundedCustomer(tb.ctx, 1_000_000)
    const request = { destinationId: destination.id, amount: 250_000 }
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        runIdempotent(store, { scope: `${customer.id}:withdrawal`, key: 'same-key-0001', request, at: tb.clock.now() }, async (trx) => ({
          status: 201,
          body: await requestWithdrawal(tb.ctx, trx, customer.id, request),
        })),
      ),
    )
    const ids = new Set(results.map((r) => r.body.id))
    expect(ids.size).toBe(1)
    expect(results.filter((r) => !r.replayed)).toHaveLength(1)
    const rows = await store.db.selectFrom('withdrawals').select('id').where('customer_id', '=', customer.id).execute()
    expect(rows).toHaveLength(1)
    expect(await accountBalance(store.db, cashAccount(customer.id).id)).toBe(750_000)
    expect(await accountBalance(store.db, cashReservedAccount(customer.id).id)).toBe(250_000)
    expect((await verifyLedger(store.db)).ok).toBe(true)
  })

  it('parallel withdrawals that together exceed the balance never overdraw', async () => {
    const { customer, destination } = await fundedCustomer(tb.ctx, 100_000)
    const amounts = [30_000, 25_000, 20_000, 15_000, 12_000, 10_000, 9_000, 8_000, 7_000, 6_000, 5_000, 4_000, 3_000, 2_000, 1_000]
    const outcomes = await Promise.allSettled(
      amounts.map((amount, i) =>
        runIdempotent(
          store,
          { scope: `${customer.id}:withdrawal`, key: `split-key-${i}`, request: { amount }, at: tb.clock.now() },
          async (trx) => ({ status: 201, body: await requestWithdrawal(tb.ctx, trx, customer.id, { destinationId: destination.id, amount }) }),
        ),
      ),
    )
    const paid = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [amounts[i] as number] : []))
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(isMamoriError(o.reason, 'LEDGER_INSUFFICIENT_FUNDS')).toBe(true)
    }
    const total = paid.reduce((a, b) => a + b, 0)
    expect(total).toBeLessThanOrEqual(100_000)
    expect(paid.length).toBeGreaterThan(0)
    expect(await accountBalance(store.db, cashAccount(customer.id).id)).toBe(100_000 - total)
    await sendApprovedWithdrawals(tb.ctx)
    expect(await accountBalance(store.db, cashReservedAccount(customer.id).id)).toBe(0)
    const v = await verifyLedger(store.db)
    expect(v.mismatch).toBeUndefined()
  })
})
