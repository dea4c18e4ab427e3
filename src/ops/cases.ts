import { transitionWithdrawal, type BrokerageContext } from '../brokerage/index.js'
import { MamoriError, isMamoriError } from '../errors/index.js'
import { cancelHeldOperation } from '../guards/reviewQueue.js'
import type { Mailer } from '../notify/index.js'
import { accountUnderReviewNotice } from '../notify/index.js'
import { newId, type Random } from '../runtime/index.js'
import type { CaseEventKind, CaseEventsTable, CasesTable, Db } from '../store/index.js'
import { parseObject, requireReason, requireStaffId } from './staffInput.js'

/** An investigation (D-3) with the alerts it gathers. */
export interface Case {
  readonly id: string
  readonly title: string
  /** The customer the case is mainly about; actions may also target the customer of any of its alerts. */
  readonly customerId: string | null
  readonly status: 'open' | 'closed'
  readonly openedBy: string
  readonly openedAt: number
  readonly closedBy: string | null
  readonly closedAt: number | null
  readonly closeReason: string | null
  readonly alertIds: readonly string[]
}

/** One entry of a case's timeline, oldest first. */
export interface CaseEvent {
  readonly id: string
  readonly caseId: string
  readonly at: number
  readonly staffId: string
  readonly kind: CaseEventKind
  readonly detail: Readonly<Record<string, unknown>>
}

export interface NewCase {
  readonly title: string
  /** Defaults to the one customer behind `alertIds`, when they agree. */
  readonly customerId?: string
  readonly alertIds?: readonly string[]
  readonly by: string
}

/** Who acts on a case's customer; `customerId` defaults to the case's customer. */
export interface CaseAction {
  readonly by: string
  readonly customerId?: string
  /** Recorded on the timeline (and on each cancelled withdrawal). */
  readonly reason?: string
}

/** Ends a customer's sessions; SessionService fits (the code path the risk hook's freeze uses). */
export interface SessionRevoker {
  revokeAllForCustomer(customerId: string): Promise<number>
}

export interface CaseServiceOptions {
  readonly brokerage: BrokerageContext
  readonly sessions: SessionRevoker
  /** The customer notice goes out through it (the outbox by default); never with a link. */
  readonly mailer: Mailer
}

export interface FreezeResult {
  readonly customerId: string
  /** False when the account was not active (already frozen, or closed). */
  readonly frozen: boolean
  readonly sessionsEnded: number
}

export interface CancelledWithdrawals {
  readonly customerId: string
  readonly cancelled: readonly { readonly id: string; readonly amount: number; readonly from: string }[]
  /** Returned from reserved to free cash through the ledger. */
  readonly totalJpy: number
}

const MAX_TITLE = 200
const MAX_NOTE = 4000

/**
 * Cases (D-3): an analyst gathers alerts into a case and acts on the customer behind it — freeze
 * the account, cancel pending withdrawals, end sessions, tell the customer — each action written to
 * the case's timeline. An alert belongs to at most one case and its status follows the case's: open
 * while the case is open, closed with it. A closed case takes no more alerts, notes or actions
 * (compensation, which comes later, still writes to its timeline).
 */
export class CaseService {
  readonly #brokerage: BrokerageContext
  readonly #sessions: SessionRevoker
  readonly #mailer: Mailer

  constructor(options: CaseServiceOptions) {
    this.#brokerage = options.brokerage
    this.#sessions = options.sessions
    this.#mailer = options.mailer
  }

  /** Opens a case, optionally with alerts. ALERT_NOT_FOUND, ALERT_ALREADY_IN_CASE, CUSTOMER_NOT_FOUND, VALIDATION_FAILED. */
  async open(input: NewCase): Promise<Case> {
    const by = requireStaffId(input.by)
    const title = typeof input.title === 'string' ? input.title.trim() : ''
    if (title === '' || title.length > MAX_TITLE) throw new MamoriError('VALIDATION_FAILED', 'a case needs a title', { field: 'title' })
    const alertIds = [...new Set(input.alertIds ?? [])]
    const ctx = this.#brokerage
    return ctx.store.transaction(async (trx) => {
      const alerts =
        alertIds.length === 0 ? [] : await trx.selectFrom('risk_alerts').select(['id', 'customer_id']).where('id', 'in', alertIds).execute()
      const missing = alertIds.find((a) => !alerts.some((r) => r.id === a))
      if (missing !== undefined) throw new MamoriError('ALERT_NOT_FOUND', 'no such alert', { alertId: missing })
      let customerId = input.customerId ?? null
      if (customerId === null) {
        const behind = [...new Set(alerts.map((a) => a.customer_id).filter((c): c is string => c !== null))]
        if (behind.length === 1) customerId = behind[0] ?? null
      }
      if (customerId !== null) {
        const c = await trx.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst()
        if (c === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
      }
      const row: CasesTable = {
        id: newId(ctx.random, 'case'),
        title,
        customer_id: customerId,
        status: 'open',
        opened_by: by,
        opened_at: ctx.clock.now(),
        closed_by: null,
        closed_at: null,
        close_reason: null,
      }
      await trx.insertInto('cases').values(row).execute()
      for (const alertId of alertIds) await attachAlert(trx, ctx.random, row.opened_at, row.id, alertId, by)
      return toCase(row, alertIds)
    })
  }

  /** One case with its alerts; CASE_NOT_FOUND. */
  get(id: string): Promise<Case> {
    return getCase(this.#brokerage.store.db, id)
  }

  /** Cases, newest first. */
  async list(filter: { status?: 'open' | 'closed'; customerId?: string; limit?: number } = {}): Promise<Case[]> {
    const db = this.#brokerage.store.db
    let q = db.selectFrom('cases').selectAll()
    if (filter.status !== undefined) q = q.where('status', '=', filter.status)
    if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId)
    const rows = await q
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
      .execute()
    if (rows.length === 0) return []
    const links = await db
      .selectFrom('case_alerts')
      .select(['case_id', 'alert_id'])
      .where(
        'case_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('added_at')
      .orderBy('alert_id')
      .execute()
    return rows.map((r) => toCase(r, links.filter((l) => l.case_id === r.id).map((l) => l.alert_id)))
  }

  /** The case's timeline, oldest first; CASE_NOT_FOUND. */
  async timeline(caseId: string): Promise<CaseEvent[]> {
    const db = this.#brokerage.store.db
    await getCase(db, caseId)
    const rows = await db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('seq').execute()
    return rows.map(toEvent)
  }

  /** Adds an alert to an open case; the alert is (re)opened with it. Adding it to its own case again changes nothing. */
  async addAlert(caseId: string, alertId: string, by: string): Promise<Case> {
    const staff = requireStaffId(by)
    const ctx = this.#brokerage
    return ctx.store.transaction(async (trx) => {
      const c = await requireOpenCase(trx, caseId)
      const alert = await trx.selectFrom('risk_alerts').select('id').where('id', '=', alertId).executeTakeFirst()
      if (alert === undefined) throw new MamoriError('ALERT_NOT_FOUND', 'no such alert')
      if (!c.alertIds.includes(alertId)) await attachAlert(trx, ctx.random, ctx.clock.now(), caseId, alertId, staff)
      return getCase(trx, caseId)
    })
  }

  /** Adds a free-text note to an open case's timeline. */
  async addNote(caseId: string, input: { by: string; text: string }): Promise<CaseEvent> {
    const by = requireStaffId(input.by)
    const text = typeof input.text === 'string' ? input.text.trim() : ''
    if (text === '' || text.length > MAX_NOTE) throw new MamoriError('VALIDATION_FAILED', 'a note needs text', { field: 'text' })
    const ctx = this.#brokerage
    return ctx.store.transaction(async (trx) => {
      await requireOpenCase(trx, caseId)
      return appendCaseEvent(trx, ctx.random, ctx.clock.now(), caseId, by, 'note', { text })
    })
  }

  /** Closes an open case with a reason; its alerts close with it. */
  async close(caseId: string, input: { by: string; reason: string }): Promise<Case> {
    const by = requireStaffId(input.by)
    const reason = requireReason(input.reason)
    const ctx = this.#brokerage
    return ctx.store.transaction(async (trx) => {
      const c = await requireOpenCase(trx, caseId)
      const at = ctx.clock.now()
      const closed = await trx
        .updateTable('cases')
        .set({ status: 'closed', closed_by: by, closed_at: at, close_reason: reason })
        .where('id', '=', caseId)
        .where('status', '=', 'open')
        .executeTakeFirst()
      if (closed.numUpdatedRows === 0n) throw new MamoriError('CASE_CLOSED', 'this case was closed concurrently')
      if (c.alertIds.length > 0) await trx.updateTable('risk_alerts').set({ status: 'closed' }).where('id', 'in', c.alertIds).execute()
      await appendCaseEvent(trx, ctx.random, at, caseId, by, 'closed', { reason })
      return { ...c, status: 'closed', closedBy: by, closedAt: at, closeReason: reason }
    })
  }

  /**
   * Freezes the customer's account (no operation passes requireActiveCustomer, no login) and then
   * ends every session, as the risk engine's freeze does; both steps go on the timeline.
   */
  async freezeAccount(caseId: string, action: CaseAction): Promise<FreezeResult> {
    const ctx = this.#brokerage
    const { by, customerId, reason } = await this.#actor(caseId, action)
    const frozen = await ctx.store.transaction(async (trx) => {
      await requireOpenCase(trx, caseId)
      const r = await trx
        .updateTable('customers')
        .set({ status: 'frozen' })
        .where('id', '=', customerId)
        .where('status', '=', 'active')
        .executeTakeFirst()
      const changed = r.numUpdatedRows > 0n
      await appendCaseEvent(trx, ctx.random, ctx.clock.now(), caseId, by, 'account_frozen', { customerId, changed, ...reasonOf(reason) })
      return changed
    })
    // After the freeze commits: a session that survives the revocation can no longer do anything.
    const sessionsEnded = await this.#sessions.revokeAllForCustomer(customerId)
    await appendCaseEvent(ctx.store.db, ctx.random, ctx.clock.now(), caseId, by, 'sessions_ended', { customerId, sessionsEnded, cause: 'freeze' })
    return { customerId, frozen, sessionsEnded }
  }

  /**
   * Cancels every withdrawal of the customer that has not been sent (requested, held, approved):
   * the reserved money returns to free cash through the ledger. A held withdrawal is cancelled
   * through its hold, so the review queue shows it resolved. One that is sent or cancelled while
   * this runs is skipped.
   */
  async cancelPendingWithdrawals(caseId: string, action: CaseAction): Promise<CancelledWithdrawals> {
    const ctx = this.#brokerage
    const { by, customerId, reason } = await this.#actor(caseId, action)
    return ctx.store.transaction(async (trx) => {
      await requireOpenCase(trx, caseId)
      const pending = await trx
        .selectFrom('withdrawals')
        .select(['id', 'amount', 'status'])
        .where('customer_id', '=', customerId)
        .where('status', 'in', ['requested', 'held', 'approved'])
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      const why = `case ${caseId}${reason === undefined ? '' : `: ${reason}`}`
      const cancelled: { id: string; amount: number; from: string }[] = []
      for (const w of pending) {
        try {
          const hold =
            w.status === 'held'
              ? await trx
                  .selectFrom('held_operations')
                  .select('id')
                  .where('withdrawal_id', '=', w.id)
                  .where('status', '=', 'held')
                  .executeTakeFirst()
              : undefined
          if (hold !== undefined) await cancelHeldOperation(ctx, trx, hold.id, { by, reason: why })
          else await transitionWithdrawal(ctx, trx, w.id, 'cancelled', why)
          cancelled.push({ id: w.id, amount: Number(w.amount), from: w.status })
        } catch (err) {
          if (!isMamoriError(err, 'WITHDRAWAL_INVALID_TRANSITION') && !isMamoriError(err, 'HELD_OPERATION_RESOLVED')) throw err
        }
      }
      const totalJpy = cancelled.reduce((s, w) => s + w.amount, 0)
      await appendCaseEvent(trx, ctx.random, ctx.clock.now(), caseId, by, 'withdrawals_cancelled', {
        customerId,
        withdrawals: cancelled,
        totalJpy,
        ...reasonOf(reason),
      })
      return { customerId, cancelled, totalJpy }
    })
  }

  /** Ends every session of the customer (they, or the attacker, must log in again). */
  async endSessions(caseId: string, action: CaseAction): Promise<{ customerId: string; sessionsEnded: number }> {
    const ctx = this.#brokerage
    const { by, customerId, reason } = await this.#actor(caseId, action)
    const sessionsEnded = await this.#sessions.revokeAllForCustomer(customerId)
    await appendCaseEvent(ctx.store.db, ctx.random, ctx.clock.now(), caseId, by, 'sessions_ended', { customerId, sessionsEnded, ...reasonOf(reason) })
    return { customerId, sessionsEnded }
  }

  /**
   * Tells the customer, on their registered e-mail, that the security team is reviewing the
   * account: a notice without links (seed 003 was a phishing e-mail) that names no finding.
   */
  async notifyCustomer(caseId: string, action: CaseAction): Promise<{ customerId: string; kind: string }> {
    const ctx = this.#brokerage
    const { by, customerId, reason } = await this.#actor(caseId, action)
    const customer = await ctx.store.db.selectFrom('customers').select('email').where('id', '=', customerId).executeTakeFirstOrThrow()
    const content = accountUnderReviewNotice({ at: ctx.clock.now() })
    await this.#mailer.send({ to: customer.email, subject: content.subject, text: content.text, kind: content.kind, customerId })
    await appendCaseEvent(ctx.store.db, ctx.random, ctx.clock.now(), caseId, by, 'customer_notified', {
      customerId,
      kind: content.kind,
      ...reasonOf(reason),
    })
    return { customerId, kind: content.kind }
  }

  async #actor(caseId: string, action: CaseAction): Promise<{ by: string; customerId: string; reason: string | undefined }> {
    const by = requireStaffId(action?.by)
    const reason = action.reason === undefined ? undefined : requireReason(action.reason)
    const db = this.#brokerage.store.db
    const c = await requireOpenCase(db, caseId)
    const customerId = action.customerId ?? c.customerId
    if (customerId === null) {
      throw new MamoriError('VALIDATION_FAILED', 'this case has no customer; name one', { field: 'customerId' })
    }
    await requireCaseCustomer(db, c, customerId)
    return { by, customerId, reason }
  }
}

/** One case with its alerts; CASE_NOT_FOUND. */
export async function getCase(db: Db, id: string): Promise<Case> {
  const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new MamoriError('CASE_NOT_FOUND', 'no such case')
  const links = await db.selectFrom('case_alerts').select('alert_id').where('case_id', '=', id).orderBy('added_at').orderBy('alert_id').execute()
  return toCase(
    row,
    links.map((l) => l.alert_id),
  )
}

/**
 * Throws CASE_CUSTOMER_NOT_LINKED unless `customerId` is the case's customer or behind one of its
 * alerts (CUSTOMER_NOT_FOUND for no such customer): staff act on the accounts a case is about, not on any account.
 */
export async function requireCaseCustomer(db: Db, c: Case, customerId: string): Promise<void> {
  const exists = await db.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst()
  if (exists === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
  if (c.customerId === customerId) return
  if (c.alertIds.length > 0) {
    const viaAlert = await db
      .selectFrom('risk_alerts')
      .select('id')
      .where('id', 'in', c.alertIds)
      .where('customer_id', '=', customerId)
      .executeTakeFirst()
    if (viaAlert !== undefined) return
  }
  throw new MamoriError('CASE_CUSTOMER_NOT_LINKED', 'this customer is not part of the case')
}

/** Appends one entry to a case's timeline, inside the caller's transaction. */
export async function appendCaseEvent(
  db: Db,
  random: Random,
  at: number,
  caseId: string,
  staffId: string,
  kind: CaseEventKind,
  detail: Record<string, unknown>,
): Promise<CaseEvent> {
  const row = { id: newId(random, 'cev'), case_id: caseId, at, staff_id: staffId, kind, detail_json: JSON.stringify(detail) }
  await db.insertInto('case_events').values(row).execute()
  return toEvent(row)
}

async function requireOpenCase(db: Db, caseId: string): Promise<Case> {
  const c = await getCase(db, caseId)
  if (c.status !== 'open') throw new MamoriError('CASE_CLOSED', 'this case is closed')
  return c
}

async function attachAlert(db: Db, random: Random, at: number, caseId: string, alertId: string, by: string): Promise<void> {
  const inCase = await db.selectFrom('case_alerts').select('case_id').where('alert_id', '=', alertId).executeTakeFirst()
  if (inCase !== undefined) {
    throw new MamoriError('ALERT_ALREADY_IN_CASE', 'this alert belongs to another case', { caseId: inCase.case_id, alertId })
  }
  // The primary key on alert_id is the last word when two analysts add the same alert at once.
  await db.insertInto('case_alerts').values({ alert_id: alertId, case_id: caseId, added_by: by, added_at: at }).execute()
  await db.updateTable('risk_alerts').set({ status: 'open' }).where('id', '=', alertId).execute()
  await appendCaseEvent(db, random, at, caseId, by, 'alert_added', { alertId })
}

function reasonOf(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason }
}

function toCase(row: CasesTable, alertIds: readonly string[]): Case {
  return {
    id: row.id,
    title: row.title,
    customerId: row.customer_id,
    status: row.status,
    openedBy: row.opened_by,
    openedAt: Number(row.opened_at),
    closedBy: row.closed_by,
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    closeReason: row.close_reason,
    alertIds: [...alertIds],
  }
}

function toEvent(row: Omit<CaseEventsTable, 'seq'>): CaseEvent {
  return {
    id: row.id,
    caseId: row.case_id,
    at: Number(row.at),
    staffId: row.staff_id,
    kind: row.kind,
    detail: parseObject(row.detail_json),
  }
}
