import { requireYen, type BrokerageContext } from '../brokerage/index.js'
import { MamoriError } from '../errors/index.js'
import { accountBalance, cashAccount, compensationAccount, postTransfer } from '../ledger/index.js'
import { newId } from '../runtime/index.js'
import type { CompensationsTable, Db } from '../store/index.js'
import type { ApprovalExecutor } from './approvals.js'
import { appendCaseEvent, getCase, requireCaseCustomer } from './cases.js'
import { requireReason, requireStaffId } from './staffInput.js'

/** A confirmed loss of one customer in one case, and its repayment (D-7). */
export interface Compensation {
  readonly id: string
  readonly caseId: string
  readonly customerId: string
  /** The confirmed loss in yen; paying the compensation credits exactly this. */
  readonly lossJpy: number
  readonly reason: string
  readonly status: 'recorded' | 'paid'
  readonly recordedBy: string
  readonly recordedAt: number
  /** The approval request that paid it. */
  readonly paidViaApproval: string | null
  readonly paidAt: number | null
  /** The ledger transfer that paid it. */
  readonly transferId: string | null
}

export interface NewCompensation {
  readonly caseId: string
  readonly customerId: string
  readonly lossJpy: number
  /** How the loss was established (the trades, the withdrawal). */
  readonly reason: string
  readonly by: string
}

/** Losses and payments of one case. */
export interface CaseCompensationTotals {
  readonly caseId: string
  readonly title: string
  readonly caseStatus: 'open' | 'closed'
  readonly compensations: number
  readonly lossJpy: number
  readonly paidJpy: number
  readonly outstandingJpy: number
}

export interface CompensationReport {
  readonly cases: readonly CaseCompensationTotals[]
  readonly total: {
    readonly cases: number
    readonly compensations: number
    readonly lossJpy: number
    readonly paidJpy: number
    readonly outstandingJpy: number
    /** What the compensation account has paid out according to the ledger, across all cases whatever the filter; equals paidJpy unfiltered. */
    readonly ledgerPaidJpy: number
  }
}

/**
 * Records a confirmed loss on a case (open or closed: compensation usually follows the
 * investigation). The customer must be part of the case. Paying it back is a separate,
 * four-eyes step: the `compensation_payment` approval.
 */
export async function recordCompensation(ctx: BrokerageContext, db: Db, input: NewCompensation): Promise<Compensation> {
  const by = requireStaffId(input.by)
  const reason = requireReason(input.reason)
  requireYen(input.lossJpy)
  const c = await getCase(db, input.caseId)
  await requireCaseCustomer(db, c, input.customerId)
  const row: CompensationsTable = {
    id: newId(ctx.random, 'cmp'),
    case_id: c.id,
    customer_id: input.customerId,
    loss_jpy: input.lossJpy,
    reason,
    status: 'recorded',
    recorded_by: by,
    recorded_at: ctx.clock.now(),
    paid_via_approval: null,
    paid_at: null,
    transfer_id: null,
  }
  await db.insertInto('compensations').values(row).execute()
  await appendCaseEvent(db, ctx.random, row.recorded_at, c.id, by, 'compensation_recorded', {
    compensationId: row.id,
    customerId: row.customer_id,
    lossJpy: row.loss_jpy,
  })
  return toCompensation(row)
}

/** One compensation; COMPENSATION_NOT_FOUND. */
export async function getCompensation(db: Db, id: string): Promise<Compensation> {
  const row = await db.selectFrom('compensations').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new MamoriError('COMPENSATION_NOT_FOUND', 'no such compensation')
  return toCompensation(row)
}

/** Compensations, oldest first, narrowed by case, customer or status. */
export async function listCompensations(
  db: Db,
  filter: { caseId?: string; customerId?: string; status?: 'recorded' | 'paid'; limit?: number } = {},
): Promise<Compensation[]> {
  let q = db.selectFrom('compensations').selectAll()
  if (filter.caseId !== undefined) q = q.where('case_id', '=', filter.caseId)
  if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId)
  if (filter.status !== undefined) q = q.where('status', '=', filter.status)
  const rows = await q
    .orderBy('recorded_at')
    .orderBy('id')
    .limit(Math.min(Math.max(filter.limit ?? 1000, 1), 10_000))
    .execute()
  return rows.map(toCompensation)
}

/**
 * Pays a recorded compensation: one balanced ledger transfer from the broker's compensation
 * account to the customer's free cash, inside the caller's transaction. Paying twice is impossible:
 * the status moves recorded → paid with a conditional update, and the transfer's id and
 * idempotency key are derived from the compensation (the database refuses a second one).
 * COMPENSATION_NOT_FOUND, COMPENSATION_ALREADY_PAID.
 */
export async function payCompensation(
  ctx: BrokerageContext,
  db: Db,
  compensationId: string,
  via: { approvalId: string; by: string; at: number },
): Promise<Compensation> {
  const current = await getCompensation(db, compensationId)
  if (current.status === 'paid') throw alreadyPaid()
  const transferId = `${current.id}:pay`
  const claimed = await db
    .updateTable('compensations')
    .set({ status: 'paid', paid_via_approval: via.approvalId, paid_at: via.at, transfer_id: transferId })
    .where('id', '=', current.id)
    .where('status', '=', 'recorded')
    .executeTakeFirst()
  if (claimed.numUpdatedRows === 0n) throw alreadyPaid()
  await postTransfer(db, {
    id: transferId,
    kind: 'compensation',
    idempotencyKey: `compensation:${current.id}`,
    memo: `case ${current.caseId}`,
    at: via.at,
    postings: [{ debit: compensationAccount, credit: cashAccount(current.customerId), amount: current.lossJpy }],
  })
  await appendCaseEvent(db, ctx.random, via.at, current.caseId, via.by, 'compensation_paid', {
    compensationId: current.id,
    customerId: current.customerId,
    amountJpy: current.lossJpy,
    transferId,
    approvalId: via.approvalId,
  })
  return { ...current, status: 'paid', paidViaApproval: via.approvalId, paidAt: via.at, transferId }
}

/** The `compensation_payment` approval's executor: pays once the second member of staff approves. */
export const compensationPaymentExecutor: ApprovalExecutor<'compensation_payment'> = async (db, payload, ctx) => {
  const by = ctx.request.decidedBy
  if (by === null) throw new TypeError('an approval without its approver')
  const paid = await payCompensation(ctx.brokerage, db, payload.compensationId, { approvalId: ctx.request.id, by, at: ctx.at })
  if (paid.customerId !== ctx.request.customerId) throw new TypeError('the compensation changed customer')
  return { compensationId: paid.id, customerId: paid.customerId, amountJpy: paid.lossJpy, transferId: paid.transferId }
}

/** Losses and payments per case and overall, with the ledger's view of what was paid out. */
export async function compensationReport(db: Db, filter: { caseId?: string } = {}): Promise<CompensationReport> {
  let q = db
    .selectFrom('compensations as m')
    .innerJoin('cases as c', 'c.id', 'm.case_id')
    .select((eb) => [
      'm.case_id',
      'c.title',
      'c.status as case_status',
      'm.status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('m.loss_jpy').as('jpy'),
    ])
    .groupBy(['m.case_id', 'c.title', 'c.status', 'm.status'])
  if (filter.caseId !== undefined) q = q.where('m.case_id', '=', filter.caseId)
  const rows = await q.orderBy('m.case_id').execute()
  const byCase = new Map<string, { caseId: string; title: string; caseStatus: 'open' | 'closed'; compensations: number; lossJpy: number; paidJpy: number }>()
  for (const r of rows) {
    const t = byCase.get(r.case_id) ?? { caseId: r.case_id, title: r.title, caseStatus: r.case_status, compensations: 0, lossJpy: 0, paidJpy: 0 }
    const n = Number(r.n)
    const jpy = Number(r.jpy)
    t.compensations += n
    t.lossJpy += jpy
    if (r.status === 'paid') t.paidJpy += jpy
    byCase.set(r.case_id, t)
  }
  const cases = [...byCase.values()].map((t) => ({ ...t, outstandingJpy: t.lossJpy - t.paidJpy }))
  const sum = (f: (t: CaseCompensationTotals) => number): number => cases.reduce((s, t) => s + f(t), 0)
  return {
    cases,
    total: {
      cases: cases.length,
      compensations: sum((t) => t.compensations),
      lossJpy: sum((t) => t.lossJpy),
      paidJpy: sum((t) => t.paidJpy),
      outstandingJpy: sum((t) => t.outstandingJpy),
      ledgerPaidJpy: -(await accountBalance(db, compensationAccount.id)),
    },
  }
}

function alreadyPaid(): MamoriError {
  return new MamoriError('COMPENSATION_ALREADY_PAID', 'this compensation was already paid')
}

function toCompensation(row: CompensationsTable): Compensation {
  return {
    id: row.id,
    caseId: row.case_id,
    customerId: row.customer_id,
    lossJpy: Number(row.loss_jpy),
    reason: row.reason,
    status: row.status,
    recordedBy: row.recorded_by,
    recordedAt: Number(row.recorded_at),
    paidViaApproval: row.paid_via_approval,
    paidAt: row.paid_at === null ? null : Number(row.paid_at),
    transferId: row.transfer_id,
  }
}
