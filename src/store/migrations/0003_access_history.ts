import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * The access history (BRIEF C-1): one row per login attempt and per operation, kept a year, so a
 * destination change or withdrawal can be compared with the customer's past year of origins as
 * the broker of seed 004 did. Append-only; rows leave only through retention.
 *
 * `action` and `outcome` carry no CHECK constraint: the vocabulary is validated in code before a
 * row is buffered, and growing it must not need a rebuild of a year-long table (SQLite cannot
 * alter a constraint in place).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const real = dialect === 'postgres' ? 'double precision' : 'real'
  await db.schema
    .createTable('access_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    // Null for a failed login with an unknown login ID: there is no customer to attach it to.
    .addColumn('customer_id', 'text')
    // SHA-256 of the login ID tried, so stuffing across IDs is countable without storing the IDs of non-customers.
    .addColumn('login_id_hash', 'text')
    .addColumn('session_hash', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('asn', 'integer')
    .addColumn('asn_name', 'text')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('city', 'text')
    .addColumn('latitude', real)
    .addColumn('longitude', real)
    .addColumn('hosting', 'integer', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('browser', 'text')
    .addColumn('os', 'text')
    .addColumn('device_type', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('detail_json', 'text', (c) => c.notNull())
    .execute()
  const indexes: [string, string[]][] = [
    ['access_events_customer_at', ['customer_id', 'at']],
    ['access_events_ip_at', ['ip', 'at']],
    ['access_events_network_at', ['network', 'at']],
    ['access_events_device_at', ['device_id', 'at']],
    ['access_events_at', ['at']],
  ]
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on('access_events').columns(columns).execute()
  }
}
