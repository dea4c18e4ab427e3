import type { Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/**
 * Sessions remember the address they were opened from, or last proved a passkey from (B-12): a
 * session cookie lifted by an infostealer together with the device cookie carries the victim's
 * device id, so only the network it turns up on can tell the thief's replay from the victim.
 * Null for sessions opened before this migration; they are not bound to a network.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('origin_ip', 'text').execute()
}
