import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * What the risk engine leaves behind (C-4 … C-6):
 * - `risk_alerts`: every decision that was not a plain allow, and every typology hit (shadowed
 *   ones too), for the analysts (D-3 builds cases on them);
 * - `held_operations`: the review queue. An operation the engine held waits here with what it
 *   would have done (`payload_json`, no secrets); a reviewer releases it (it then runs) or cancels
 *   it, the reason recorded either way. A held withdrawal keeps its money reserved in the
 *   withdrawal itself (`withdrawal_id`);
 * - `symbol_freezes`: symbols whose buying is frozen for new-environment sessions after a pump
 *   ring was detected (C-6).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('risk_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    // The engine's outcome; `enforced` is what happened (differs in shadow mode).
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('enforced', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('top_reason', 'text', (c) => c.notNull())
    .addColumn('reasons_json', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('held_operation_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'closed')`))
    .execute()
  await db.schema.createIndex('risk_alerts_at').on('risk_alerts').columns(['at']).execute()
  await db.schema.createIndex('risk_alerts_customer').on('risk_alerts').columns(['customer_id', 'at']).execute()

  await db.schema
    .createTable('held_operations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('order', 'destination_change', 'withdrawal')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('held', 'released', 'cancelled')`))
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('withdrawal_id', 'text', (c) => c.references('withdrawals.id'))
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('reasons_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution_reason', 'text')
    .addColumn('result_json', 'text')
    .execute()
  await db.schema.createIndex('held_operations_status').on('held_operations').columns(['status', 'created_at']).execute()
  await db.schema.createIndex('held_operations_customer').on('held_operations').columns(['customer_id', 'created_at']).execute()

  await db.schema
    .createTable('symbol_freezes')
    .addColumn('symbol', 'text', (c) => c.primaryKey())
    .addColumn('frozen_at', 'bigint', (c) => c.notNull())
    .addColumn('until', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .execute()
}
