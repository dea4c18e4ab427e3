/**
 * Victim compensation (D-7). Seed 003's brokers compensated the customers whose holdings were sold
 * from under them. A repayment is broker money leaving the firm: it needs a second person, is one
 * balanced ledger transfer, and can never be paid twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { fundedCustomer, testBrokerage, type TestBrokerage } from '../../test/support/brokerage.js'
import { SessionService } from '../auth/index.js'
import { AccountLockout } from '../auth/lockout/index.js'
import { isMamoriError } from '../errors/index.js'
import { accountBalance, cashAccount, compensationAccount, verifyLedger } from '../ledger/index.js'
import { OutboxMailer } from '../notify/index.js'
import type { Store } from '../store/index.js'
import { ApprovalService, CaseService, builtInExecutors, compensationReport, getCompensation, payCompensation, recordCompensation } from './index.js'

const HOUR = 3_600_000

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (isMamoriError(err)) return err.code
    throw err
  }
  throw new Error('expected a MamoriError')
}

describe.each(DIALECTS)('compensation on $dialect', (dc) => {
  let store: Store
  let tb: TestBrokerage
  let cases: CaseService
  let approvals: ApprovalService

  beforeAll(async () => {
    store = await dc.open()
    tb = await testBrokerage(store)
    const sessions = new SessionService({ store, clock: tb.clock, random: tb.ctx.random, idleMs: HOUR, absoluteMs: 12 * HOUR })
    cases = new CaseService({ brokerage: tb.ctx, sessions, mailer: new OutboxMailer({ store, clock: tb.clock, random: tb.ctx.random }) })
    approvals = new ApprovalService({
      brokerage: tb.ctx,
      executors: builtInExecutors({ lockout: new AccountLockout({ threshold: 5, clock: tb.clock }), recoveryCoolingMs: 72 * HOUR }),
    })
  })
  afterAll(async () => {
    await store.close()
  })

  async function victimCase(loss: number): Promise<{ customerId: string; caseId: string; compensationId: string }> {
    const { customer } = await fundedCustomer(tb.ctx, 50_000)
    const c = await cases.open({ title: 'holdings liquidated, small cap pumped', customerId: customer.id, by: 'stf_ana' })
    const comp = await store.transaction((trx) =>
      recordCompensation(tb.ctx, trx, { caseId: c.id, customerId: customer.id, lossJpy: loss, reason: 'sale of 7203 and buy of pumped 8888 on 2025-03-21', by: 'stf_ana' }),
    )
    return { customerId: customer.id, caseId: c.id, compensationId: comp.id }
  }

  it('paying a compensation needs a second person and credits the customer through a balanced transfer', async () => {
    const v = await victimCase(1_234_567)
    const req = await approvals.request({ kind: 'compensation_payment', payload: { compensationId: v.compensationId }, requestedBy: 'stf_ana', reason: 'loss confirmed' })
    expect(req.customerId).toBe(v.customerId)
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_ana', reason: 'pay' }))).toBe('FOUR_EYES_SELF_APPROVAL')
    expect(await accountBalance(store.db, cashAccount(v.customerId).id)).toBe(50_000)
    const done = await approvals.approve(req.id, { by: 'stf_boss', reason: 'loss confirmed against the execution records' })
    expect(done.result).toMatchObject({ compensationId: v.compensationId, amountJpy: 1_234_567, transferId: `${v.compensationId}:pay` })
    expect(await accountBalance(store.db, cashAccount(v.customerId).id)).toBe(50_000 + 1_234_567)
    expect(await getCompensation(store.db, v.compensationId)).toMatchObject({ status: 'paid', paidViaApproval: req.id, transferId: `${v.compensationId}:pay` })
    const ledger = await verifyLedger(store.db)
    expect(ledger.ok, ledger.mismatch?.message).toBe(true)
    const timeline = await cases.timeline(v.caseId)
    expect(timeline.map((e) => e.kind)).toEqual(['compensation_recorded', 'compensation_paid'])
    expect(timeline[1]?.staffId).toBe('stf_boss')
  })

  it('a compensation can never be paid twice, even with two approvals filed before the first payment', async () => {
    const v = await victimCase(300_000)
    const first = await approvals.request({ kind: 'compensation_payment', payload: { compensationId: v.compensationId }, requestedBy: 'stf_ana', reason: 'r' })
    const second = await approvals.request({ kind: 'compensation_payment', payload: { compensationId: v.compensationId }, requestedBy: 'stf_bea', reason: 'r' })
    await approvals.approve(first.id, { by: 'stf_boss', reason: 'ok' })
    expect(await codeOf(approvals.approve(second.id, { by: 'stf_boss', reason: 'ok' }))).toBe('COMPENSATION_ALREADY_PAID')
    expect((await approvals.get(second.id)).status).toBe('pending')
    expect(await codeOf(approvals.request({ kind: 'compensation_payment', payload: { compensationId: v.compensationId }, requestedBy: 'stf_ana', reason: 'r' }))).toBe(
      'COMPENSATION_ALREADY_PAID',
    )
    expect(await codeOf(store.transaction((trx) => payCompensation(tb.ctx, trx, v.compensationId, { approvalId: first.id, by: 'stf_boss', at: tb.clock.now() })))).toBe(
      'COMPENSATION_ALREADY_PAID',
    )
    expect(await accountBalance(store.db, cashAccount(v.customerId).id)).toBe(50_000 + 300_000)
    expect((await verifyLedger(store.db)).ok).toBe(true)
  })

  it('recording a loss checks the amount, the reason, the case and its customer', async () => {
    const v = await victimCase(1_000)
    const { customer: other } = await fundedCustomer(tb.ctx, 0)
    const rec = (over: Partial<{ caseId: string; customerId: string; lossJpy: number; reason: string }>): Promise<unknown> =>
      store.transaction((trx) => recordCompensation(tb.ctx, trx, { caseId: v.caseId, customerId: v.customerId, lossJpy: 1, reason: 'r', by: 'stf_ana', ...over }))
    expect(await codeOf(rec({ lossJpy: 0 }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(rec({ lossJpy: 1.5 }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(rec({ reason: '' }))).toBe('REASON_REQUIRED')
    expect(await codeOf(rec({ caseId: 'case_nope' }))).toBe('CASE_NOT_FOUND')
    expect(await codeOf(rec({ customerId: other.id }))).toBe('CASE_CUSTOMER_NOT_LINKED')
    expect(await codeOf(approvals.request({ kind: 'compensation_payment', payload: { compensationId: 'cmp_nope' }, requestedBy: 'stf_ana', reason: 'r' }))).toBe(
      'COMPENSATION_NOT_FOUND',
    )
  })

  it('the report totals losses and payments per case and overall, and agrees with the ledger', async () => {
    const a = await victimCase(100_000)
    const b = await victimCase(40_000)
    await store.transaction((trx) => recordCompensation(tb.ctx, trx, { caseId: a.caseId, customerId: a.customerId, lossJpy: 5_000, reason: 'fees', by: 'stf_ana' }))
    const req = await approvals.request({ kind: 'compensation_payment', payload: { compensationId: a.compensationId }, requestedBy: 'stf_ana', reason: 'r' })
    await approvals.approve(req.id, { by: 'stf_boss', reason: 'ok' })
    const one = await compensationReport(store.db, { caseId: a.caseId })
    expect(one.cases).toEqual([
      { caseId: a.caseId, title: 'holdings liquidated, small cap pumped', caseStatus: 'open', compensations: 2, lossJpy: 105_000, paidJpy: 100_000, outstandingJpy: 5_000 },
    ])
    const all = await compensationReport(store.db)
    expect(all.cases.find((t) => t.caseId === b.caseId)).toMatchObject({ lossJpy: 40_000, paidJpy: 0, outstandingJpy: 40_000 })
    expect(all.total.paidJpy).toBe(all.cases.reduce((s, t) => s + t.paidJpy, 0))
    expect(all.total.lossJpy).toBe(all.total.paidJpy + all.total.outstandingJpy)
    expect(all.total.ledgerPaidJpy).toBe(all.total.paidJpy)
    expect(-(await accountBalance(store.db, compensationAccount.id))).toBe(all.total.paidJpy)
  })
})
