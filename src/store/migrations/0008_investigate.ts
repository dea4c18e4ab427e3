import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * The daily monitor's memory (D-6): one row per finding it has raised an alert for, keyed by what
 * the finding is about (the access event of a suspicious change, or a ring's symbol, day and
 * account). Inserting the key and the alert in one transaction, the key's uniqueness makes a second
 * run for the same day — a retry, a restart, or another API node's scheduler at the same moment —
 * raise nothing new.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('monitor_findings')
    .addColumn('finding_key', 'text', (c) => c.primaryKey())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('monitor_findings_day').on('monitor_findings').columns(['day']).execute()
}
