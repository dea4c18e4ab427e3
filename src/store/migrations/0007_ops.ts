import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * The operator side's own records (D-2, D-3, D-7):
 * - `approval_requests`: four-eyes approval of sensitive staff actions. A request keeps what the
 *   action would do (`payload_json`, no secrets), who asked and why; a second member of staff
 *   approves (the action runs in the same transaction) or rejects it, the reason recorded either
 *   way. Seed 002 ran for 2.5 years because one insider could act alone;
 * - `cases`, `case_alerts`, `case_events`: an investigation, the risk alerts it gathers (an alert
 *   belongs to at most one case: `alert_id` is the key) and its timeline of notes and actions;
 * - `compensations`: confirmed victim losses and their repayment (seed 003's brokers compensated
 *   their customers), paid through an approval and one ledger transfer each (`transfer_id` unique).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const serial = dialect === 'postgres' ? 'bigserial' : 'integer'
  const autoKey = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement()

  await db.schema
    .createTable('approval_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`kind in ('destination_change', 'account_unlock', 'factor_reset', 'unfreeze', 'compensation_payment', 'role_change')`,
        ),
    )
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('request_reason', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'approved', 'rejected', 'expired', 'failed')`),
    )
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('decision_reason', 'text')
    .addColumn('result_json', 'text')
    .execute()
  await db.schema.createIndex('approval_requests_status').on('approval_requests').columns(['status', 'requested_at']).execute()
  await db.schema.createIndex('approval_requests_customer').on('approval_requests').columns(['customer_id', 'requested_at']).execute()

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'closed')`))
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_by', 'text')
    .addColumn('closed_at', 'bigint')
    .addColumn('close_reason', 'text')
    .execute()
  await db.schema.createIndex('cases_status').on('cases').columns(['status', 'opened_at']).execute()
  await db.schema.createIndex('cases_customer').on('cases').columns(['customer_id', 'opened_at']).execute()

  await db.schema
    .createTable('case_alerts')
    .addColumn('alert_id', 'text', (c) => c.primaryKey().references('risk_alerts.id'))
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('case_alerts_case').on('case_alerts').columns(['case_id', 'added_at']).execute()

  await db.schema
    .createTable('case_events')
    .addColumn('seq', serial, autoKey)
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`kind in ('note', 'alert_added', 'account_frozen', 'withdrawals_cancelled', 'sessions_ended', 'customer_notified', 'compensation_recorded', 'compensation_paid', 'closed')`,
        ),
    )
    .addColumn('detail_json', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('case_events_case').on('case_events').columns(['case_id', 'seq']).execute()

  await db.schema
    .createTable('compensations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('loss_jpy', 'bigint', (c) => c.notNull().check(sql`loss_jpy > 0`))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('recorded', 'paid')`))
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_via_approval', 'text', (c) => c.references('approval_requests.id'))
    .addColumn('paid_at', 'bigint')
    .addColumn('transfer_id', 'text', (c) => c.unique())
    .execute()
  await db.schema.createIndex('compensations_case').on('compensations').columns(['case_id']).execute()
  await db.schema.createIndex('compensations_customer').on('compensations').columns(['customer_id']).execute()
}
