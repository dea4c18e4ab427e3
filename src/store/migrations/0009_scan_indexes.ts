import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * Indexes for the retrospective scan (D-5): seed 004's 10,005 destination changes over 2.5 months
 * checked against a year of history (20 million events in the benchmark) in seconds.
 *
 * - `access_events_action_at`: the period's changes (or withdrawals) without reading every login
 *   and order of the period first — about 45,000 events a day against 130 changes. The daily
 *   monitoring job (D-6) reads the previous day the same way.
 * - `access_events_customer_ip_at`: "did this customer go through from this address in the
 *   window?" as one seek. Through `access_events_ip_at` the question reads every use of the address
 *   by anyone: a mobile carrier's CGNAT address is shared by hundreds of strangers a year, and it is
 *   exactly the address that has not vouched (only the device can there), so all of them are read.
 *   `outcome` sits before `at` because only successful events vouch: an attacker's thousand failed
 *   logins from an address are skipped in the index, not row by row.
 *
 * The network and device questions stay on `access_events_customer_at` (a customer's network
 * turns up within a few events) and `access_events_device_at` (a device id is one customer's).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('access_events_action_at').on('access_events').columns(['action', 'at']).execute()
  await db.schema
    .createIndex('access_events_customer_ip_at')
    .on('access_events')
    .columns(['customer_id', 'ip', 'outcome', 'at'])
    .execute()
}
