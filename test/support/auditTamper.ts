import { sql } from 'kysely'
import type { Store } from '../../src/store/index.js'

const SQLITE_GUARDS = [
  'audit_log_no_update',
  'audit_log_no_delete',
  'audit_log_extends_head',
  'audit_head_no_insert',
  'audit_head_no_delete',
  'audit_head_forward_only',
]

/**
 * Plays the attacker the triggers cannot stop — the PostgreSQL table owner (who may disable
 * triggers) or whoever can write the SQLite file (who may drop them) — so that tests can then
 * tamper with rows and show that verification notices.
 */
export async function disableAuditGuards(store: Store): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql`alter table audit_log disable trigger user`.execute(store.db)
    await sql`alter table audit_head disable trigger user`.execute(store.db)
    return
  }
  for (const name of SQLITE_GUARDS) await sql`drop trigger if exists ${sql.id(name)}`.execute(store.db)
}
