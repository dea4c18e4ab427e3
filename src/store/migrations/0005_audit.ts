import { sql, type Kysely } from 'kysely'
import type { Dialect } from '../dialect.js'

/** The genesis `prev_hash`: the first row of the chain links to 64 zeros. */
const GENESIS = '0'.repeat(64)

/**
 * The tamper-evident audit log (BRIEF D-8): `audit_log` is an append-only hash chain of staff
 * actions and customer security events (see src/audit/ and docs/audit.md); `audit_head` is its
 * one-row head (last seq, hash and time), locked by every append so that concurrent writers
 * cannot fork the chain, and compared by `verify` with the chain's end so that a deleted tail
 * shows.
 *
 * The database itself refuses what the service never does:
 * - audit_log: UPDATE and DELETE (and TRUNCATE on PostgreSQL) raise; an INSERT must extend the
 *   head (seq = head + 1, prev_hash = head hash, time not before the head's);
 * - audit_head: no INSERT, DELETE or TRUNCATE; an UPDATE either changes nothing (the append
 *   lock) or advances by exactly one to the row just inserted.
 * `prev_hash` is unique, so two rows can never claim the same predecessor (no fork).
 *
 * The triggers stop the service and careless hands, not the table's owner or a superuser (who can
 * disable them) nor whoever can write the SQLite file: `mamori audit verify` is what detects their
 * edits, and `mamori audit lock-down` keeps the service's PostgreSQL role from being either.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // INTEGER PRIMARY KEY is SQLite's rowid: the chain order is the table's physical order.
  const seqType = dialect === 'postgres' ? 'bigint' : 'integer'
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', seqType, (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('staff', 'customer', 'system')`))
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_kind', 'text')
    .addColumn('subject_id', 'text')
    .addColumn('detail_json', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hash', 'text', (c) => c.notNull())
    // HMAC of `hash` under a key derived from secrets.key; null when the log is kept without one.
    .addColumn('mac', 'text')
    .execute()
  const indexes: [string, string[]][] = [
    ['audit_log_actor', ['actor_kind', 'actor_id', 'seq']],
    ['audit_log_subject', ['subject_kind', 'subject_id', 'seq']],
    ['audit_log_at', ['at']],
  ]
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on('audit_log').columns(columns).execute()
  }

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute()
  await sql`insert into audit_head (id, seq, hash, at) values (1, 0, ${GENESIS}, 0)`.execute(db)

  if (dialect === 'postgres') await postgresGuards(db)
  else await sqliteGuards(db)
}

async function sqliteGuards(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`create trigger audit_log_no_update before update on audit_log
        begin select raise(abort, 'audit_log is append-only: UPDATE refused'); end`,
    sql`create trigger audit_log_no_delete before delete on audit_log
        begin select raise(abort, 'audit_log is append-only: DELETE refused'); end`,
    // Also what keeps INSERT OR REPLACE from deleting a row: a row that extends the head
    // conflicts with none (delete triggers do not fire for REPLACE).
    sql`create trigger audit_log_extends_head before insert on audit_log
        when not exists (
          select 1 from audit_head
          where id = 1 and seq + 1 = new.seq and hash = new.prev_hash and at <= new.at
        )
        begin select raise(abort, 'audit_log: a new row must extend the head'); end`,
    sql`create trigger audit_head_no_insert before insert on audit_head
        begin select raise(abort, 'audit_head holds one row: INSERT refused'); end`,
    sql`create trigger audit_head_no_delete before delete on audit_head
        begin select raise(abort, 'audit_head holds one row: DELETE refused'); end`,
    sql`create trigger audit_head_forward_only before update on audit_head
        when not (new.id = old.id and new.seq = old.seq and new.hash = old.hash and new.at = old.at)
         and not (
           new.id = old.id and new.seq = old.seq + 1 and exists (
             select 1 from audit_log
             where seq = new.seq and hash = new.hash and prev_hash = old.hash and at = new.at
           )
         )
        begin select raise(abort, 'audit_head only moves to the row just appended'); end`,
  ]
  for (const statement of statements) await statement.execute(db)
}

/**
 * `set search_path from current` pins the functions to the schema they were created in, so a
 * caller's search path cannot point them at another schema's tables. `enable always` keeps the
 * triggers firing under `session_replication_role = replica`, which would otherwise skip them.
 */
async function postgresGuards(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`create function audit_refuse() returns trigger language plpgsql set search_path from current as $$
        begin
          raise exception '% is append-only: % refused', tg_table_name, tg_op;
        end
        $$`,
    sql`create function audit_log_extends_head() returns trigger language plpgsql set search_path from current as $$
        declare
          h record;
        begin
          select seq, hash, at into h from audit_head where id = 1;
          if not found or new.seq <> h.seq + 1 or new.prev_hash <> h.hash or new.at < h.at then
            raise exception 'audit_log: a new row must extend the head';
          end if;
          return new;
        end
        $$`,
    sql`create function audit_head_forward_only() returns trigger language plpgsql set search_path from current as $$
        begin
          if new.id = old.id and new.seq = old.seq and new.hash = old.hash and new.at = old.at then
            return new;
          end if;
          if new.id = old.id and new.seq = old.seq + 1 and exists (
            select 1 from audit_log
            where seq = new.seq and hash = new.hash and prev_hash = old.hash and at = new.at
          ) then
            return new;
          end if;
          raise exception 'audit_head only moves to the row just appended';
        end
        $$`,
    sql`create trigger audit_log_no_update_delete before update or delete on audit_log
        for each row execute function audit_refuse()`,
    sql`create trigger audit_log_no_truncate before truncate on audit_log
        for each statement execute function audit_refuse()`,
    sql`create trigger audit_log_extends_head before insert on audit_log
        for each row execute function audit_log_extends_head()`,
    sql`create trigger audit_head_no_insert_delete before insert or delete on audit_head
        for each row execute function audit_refuse()`,
    sql`create trigger audit_head_no_truncate before truncate on audit_head
        for each statement execute function audit_refuse()`,
    sql`create trigger audit_head_forward_only before update on audit_head
        for each row execute function audit_head_forward_only()`,
    sql`alter table audit_log enable always trigger audit_log_no_update_delete`,
    sql`alter table audit_log enable always trigger audit_log_no_truncate`,
    sql`alter table audit_log enable always trigger audit_log_extends_head`,
    sql`alter table audit_head enable always trigger audit_head_no_insert_delete`,
    sql`alter table audit_head enable always trigger audit_head_no_truncate`,
    sql`alter table audit_head enable always trigger audit_head_forward_only`,
    // No privileges for everyone by default; the service role gets exactly its own (lock-down).
    sql`revoke all on audit_log, audit_head from public`,
  ]
  for (const statement of statements) await statement.execute(db)
}
