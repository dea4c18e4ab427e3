/**
 * Cases (D-3). Seed 000 was found only when a customer complained; once an analyst sees a takeover
 * in progress, the account must be stopped at once: frozen with every session ended, the money
 * still waiting to leave returned to the customer's cash, and the customer told without a link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { fundedCustomer, testBrokerage, type TestBrokerage } from '../../test/support/brokerage.js'
import { SessionService } from '../auth/index.js'
import { listWithdrawals, requestWithdrawal, sendApprovedWithdrawals } from '../brokerage/index.js'
import { isMamoriError } from '../errors/index.js'
import { holdOperation } from '../guards/reviewQueue.js'
import { accountBalance, cashAccount, cashReservedAccount, verifyLedger } from '../ledger/index.js'
import { findLink, listOutbox, OutboxMailer } from '../notify/index.js'
import { newId } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { CaseService } from './index.js'

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

describe.each(DIALECTS)('cases on $dialect', (dc) => {
  let store: Store
  let tb: TestBrokerage
  let sessions: SessionService
  let cases: CaseService

  beforeAll(async () => {
    store = await dc.open()
    tb = await testBrokerage(store)
    sessions = new SessionService({ store, clock: tb.clock, random: tb.ctx.random, idleMs: HOUR, absoluteMs: 12 * HOUR })
    cases = new CaseService({ brokerage: tb.ctx, sessions, mailer: new OutboxMailer({ store, clock: tb.clock, random: tb.ctx.random }) })
  })
  afterAll(async () => {
    await store.close()
  })

  async function alertFor(customerId: string | null, status: 'open' | 'closed' = 'open'): Promise<string> {
    const id = newId(tb.ctx.random, 'alr')
    await store.db
      .insertInto('risk_alerts')
      .values({ id, at: tb.clock.now(), customer_id: customerId, action: 'withdrawal', outcome: 'hold', enforced: 'hold', score: 80, top_reason: 'destination_then_withdrawal', reasons_json: '[]', ip: '203.0.113.9', network: 'AS64500', device_id: null, held_operation_id: null, status })
      .execute()
    return id
  }

  async function alertStatus(id: string): Promise<string> {
    return (await store.db.selectFrom('risk_alerts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
  }

  it('a case gathers alerts, takes its customer from them, and an alert belongs to at most one case', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const a1 = await alertFor(customer.id)
    const a2 = await alertFor(customer.id, 'closed')
    const c = await cases.open({ title: 'destination change then withdrawal', alertIds: [a1, a2], by: 'stf_ana' })
    expect(c).toMatchObject({ customerId: customer.id, status: 'open', alertIds: [a1, a2].sort() })
    // An alert in an open case is open, whatever it was before.
    expect(await alertStatus(a2)).toBe('open')
    const other = await cases.open({ title: 'other', by: 'stf_ana' })
    expect(await codeOf(cases.addAlert(other.id, a1, 'stf_ana'))).toBe('ALERT_ALREADY_IN_CASE')
    expect(await codeOf(cases.open({ title: 'dup', alertIds: [a1], by: 'stf_ana' }))).toBe('ALERT_ALREADY_IN_CASE')
    expect(await codeOf(cases.addAlert(other.id, 'alr_nope', 'stf_ana'))).toBe('ALERT_NOT_FOUND')
    expect((await cases.timeline(c.id)).map((e) => e.kind)).toEqual(['alert_added', 'alert_added'])
  })

  it('closing a case needs a reason, closes its alerts, and a closed case takes no more actions', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const a = await alertFor(customer.id)
    const c = await cases.open({ title: 't', alertIds: [a], by: 'stf_ana' })
    expect(await codeOf(cases.close(c.id, { by: 'stf_ana', reason: ' ' }))).toBe('REASON_REQUIRED')
    const closed = await cases.close(c.id, { by: 'stf_ana', reason: 'customer confirmed the logins were theirs' })
    expect(closed).toMatchObject({ status: 'closed', closedBy: 'stf_ana' })
    expect(await alertStatus(a)).toBe('closed')
    expect(await codeOf(cases.freezeAccount(c.id, { by: 'stf_ana' }))).toBe('CASE_CLOSED')
    expect(await codeOf(cases.addNote(c.id, { by: 'stf_ana', text: 'late note' }))).toBe('CASE_CLOSED')
    expect(await codeOf(cases.addAlert(c.id, await alertFor(customer.id), 'stf_ana'))).toBe('CASE_CLOSED')
    expect(await codeOf(cases.get('case_nope'))).toBe('CASE_NOT_FOUND')
  })

  it('freezing the account ends every session, so a stolen session can do nothing more', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const victim = await sessions.create(customer.id)
    const attacker = await sessions.create(customer.id)
    const c = await cases.open({ title: 'takeover', customerId: customer.id, by: 'stf_ana' })
    const r = await cases.freezeAccount(c.id, { by: 'stf_ana', reason: 'withdrawal to a new destination from a new network' })
    expect(r).toEqual({ customerId: customer.id, frozen: true, sessionsEnded: 2 })
    expect(await sessions.resolve(victim.token)).toBeUndefined()
    expect(await sessions.resolve(attacker.token)).toBeUndefined()
    const row = await store.db.selectFrom('customers').select('status').where('id', '=', customer.id).executeTakeFirstOrThrow()
    expect(row.status).toBe('frozen')
    expect((await cases.timeline(c.id)).map((e) => e.kind)).toEqual(['account_frozen', 'sessions_ended'])
    // Freezing again changes nothing, and says so.
    expect((await cases.freezeAccount(c.id, { by: 'stf_ana' })).frozen).toBe(false)
  })

  it('cancelling pending withdrawals returns the reserved money to the customer, a held one through its hold', async () => {
    const { customer, destination } = await fundedCustomer(tb.ctx, 100_000)
    const sent = await store.transaction((trx) => requestWithdrawal(tb.ctx, trx, customer.id, { destinationId: destination.id, amount: 10_000 }))
    await sendApprovedWithdrawals(tb.ctx)
    const approved = await store.transaction((trx) => requestWithdrawal(tb.ctx, trx, customer.id, { destinationId: destination.id, amount: 30_000 }))
    const held = await store.transaction(async (trx) => {
      const w = await requestWithdrawal(tb.ctx, trx, customer.id, { destinationId: destination.id, amount: 20_000 }, { hold: 'risk' })
      const h = await holdOperation(trx, tb.ctx.random, tb.clock.now(), { customerId: customer.id, action: 'withdrawal', payload: { amount: 20_000 }, withdrawalId: w.id, score: 90, reasons: [] })
      return { w, h }
    })
    expect(await accountBalance(store.db, cashAccount(customer.id).id)).toBe(40_000)
    const c = await cases.open({ title: 'takeover', customerId: customer.id, by: 'stf_ana' })
    const r = await cases.cancelPendingWithdrawals(c.id, { by: 'stf_ana', reason: 'destination opened by the attacker' })
    expect(r.totalJpy).toBe(50_000)
    expect(r.cancelled.map((w) => w.id).sort()).toEqual([approved.id, held.w.id].sort())
    expect(await accountBalance(store.db, cashAccount(customer.id).id)).toBe(90_000)
    expect(await accountBalance(store.db, cashReservedAccount(customer.id).id)).toBe(0)
    const statuses = Object.fromEntries((await listWithdrawals(store.db, customer.id)).map((w) => [w.id, w.status]))
    expect(statuses[sent.id]).toBe('sent')
    expect(statuses[approved.id]).toBe('cancelled')
    expect(statuses[held.w.id]).toBe('cancelled')
    const hold = await store.db.selectFrom('held_operations').select(['status', 'resolved_by']).where('id', '=', held.h.id).executeTakeFirstOrThrow()
    expect(hold).toEqual({ status: 'cancelled', resolved_by: 'stf_ana' })
    expect((await verifyLedger(store.db)).ok).toBe(true)
    const [event] = await cases.timeline(c.id)
    expect(event).toMatchObject({ kind: 'withdrawals_cancelled', staffId: 'stf_ana', detail: { customerId: customer.id, totalJpy: 50_000 } })
  })

  it('ending sessions and notifying the customer go on the timeline; the notice carries no link', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    await sessions.create(customer.id)
    const c = await cases.open({ title: 'review', customerId: customer.id, by: 'stf_ana' })
    expect(await cases.endSessions(c.id, { by: 'stf_ana' })).toEqual({ customerId: customer.id, sessionsEnded: 1 })
    await cases.notifyCustomer(c.id, { by: 'stf_ana' })
    const [mail] = await listOutbox(store.db, customer.id)
    expect(mail?.kind).toBe('notice.account_under_review')
    expect(mail?.subject).toContain('Your account is under review by our security team')
    expect(findLink(`${mail?.subject}\n${mail?.body}`)).toBeUndefined()
    await cases.addNote(c.id, { by: 'stf_ana', text: 'called the customer' })
    expect((await cases.timeline(c.id)).map((e) => e.kind)).toEqual(['sessions_ended', 'customer_notified', 'note'])
  })

  it('staff act only on customers the case is about', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const { customer: bystander } = await fundedCustomer(tb.ctx, 0)
    const ring = await alertFor(customer.id)
    const c = await cases.open({ title: 'pump ring', alertIds: [ring], by: 'stf_ana' })
    expect(await codeOf(cases.freezeAccount(c.id, { by: 'stf_ana', customerId: bystander.id }))).toBe('CASE_CUSTOMER_NOT_LINKED')
    const noSubject = await cases.open({ title: 'no subject', by: 'stf_ana' })
    expect(await codeOf(cases.endSessions(noSubject.id, { by: 'stf_ana' }))).toBe('VALIDATION_FAILED')
    const row = await store.db.selectFrom('customers').select('status').where('id', '=', bystander.id).executeTakeFirstOrThrow()
    expect(row.status).toBe('active')
  })
})
