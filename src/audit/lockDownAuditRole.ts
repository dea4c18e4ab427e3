import { sql } from 'kysely'
import { MamoriError } from '../errors/index.js'
import type { Store } from '../store/index.js'

const ROLE_SHAPE = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/

/** What a role may do to one audit table, as PostgreSQL reports it after the lock-down. */
export interface AuditTablePrivileges {
  readonly select: boolean
  readonly insert: boolean
  readonly update: boolean
  readonly delete: boolean
  readonly truncate: boolean
}

export interface AuditLockDown {
  readonly role: string
  readonly schema: string
  /** The role owning the audit tables (it ran the migrations). */
  readonly owner: string
  readonly auditLog: AuditTablePrivileges
  readonly auditHead: AuditTablePrivileges
}

/**
 * Restricts the service's PostgreSQL role to what appending and verifying need (D-8): on
 * `audit_log` SELECT and INSERT only — no UPDATE, DELETE or TRUNCATE, whatever default privileges
 * granted it — and on `audit_head` SELECT and UPDATE (the append lock; the head's trigger only
 * lets it move to the row just inserted). Run it as the owner after every `mamori migrate`.
 *
 * Triggers already refuse updates and deletes, but a table's owner can disable them, and a
 * superuser can do anything; so the role must be neither, nor a member of the owner. Refused
 * with AUDIT_ROLE_UNSAFE when it is, or when it still holds a forbidden privilege afterwards
 * (inherited from another role, which a REVOKE here cannot take away).
 */
export async function lockDownAuditRole(store: Store, role: string): Promise<AuditLockDown> {
  if (store.dialect !== 'postgres' || store.schema === undefined) throw new TypeError('lock-down applies to PostgreSQL only')
  if (typeof role !== 'string' || !ROLE_SHAPE.test(role)) throw new TypeError('role must be a PostgreSQL identifier')
  const schema = store.schema
  const db = store.db

  const table = await db
    .selectNoFrom([sql<string | null>`(select tableowner from pg_tables where schemaname = ${schema} and tablename = 'audit_log')`.as('owner')])
    .executeTakeFirstOrThrow()
  if (table.owner === null) throw new MamoriError('AUDIT_ROLE_UNSAFE', `${schema}.audit_log does not exist: run mamori migrate first`)
  const owner = table.owner
  const found = await sql<{ rolsuper: boolean; member_of_owner: boolean }>`
    select rolsuper, pg_has_role(rolname, ${owner}, 'MEMBER') as member_of_owner from pg_roles where rolname = ${role}
  `.execute(db)
  const info = found.rows[0]
  if (info === undefined) throw new MamoriError('AUDIT_ROLE_UNSAFE', `role ${role} does not exist`)
  if (info.rolsuper) throw new MamoriError('AUDIT_ROLE_UNSAFE', `role ${role} is a superuser: it can disable the audit triggers; serve as an ordinary role`)
  if (info.member_of_owner) {
    throw new MamoriError('AUDIT_ROLE_UNSAFE', `role ${role} is (or is a member of) ${owner}, the owner of the audit tables: an owner can disable their triggers; run migrations as a separate owner role`)
  }

  const log = sql.id(schema, 'audit_log')
  const head = sql.id(schema, 'audit_head')
  const grantee = sql.id(role)
  await db.transaction().execute(async (trx) => {
    const statements = [
      sql`revoke all on ${log}, ${head} from ${grantee}`,
      sql`revoke all on ${log}, ${head} from public`,
      sql`grant usage on schema ${sql.id(schema)} to ${grantee}`,
      sql`grant select, insert on ${log} to ${grantee}`,
      sql`grant select, update on ${head} to ${grantee}`,
    ]
    for (const statement of statements) await statement.execute(trx)
  })

  const result: AuditLockDown = Object.freeze({
    role,
    schema,
    owner,
    auditLog: await privileges(store, role, `${quote(schema)}.audit_log`),
    auditHead: await privileges(store, role, `${quote(schema)}.audit_head`),
  })
  const leaks = [
    ...(['update', 'delete', 'truncate'] as const).filter((p) => result.auditLog[p]).map((p) => `${p.toUpperCase()} on audit_log`),
    ...(['insert', 'delete', 'truncate'] as const).filter((p) => result.auditHead[p]).map((p) => `${p.toUpperCase()} on audit_head`),
  ]
  if (leaks.length > 0) {
    throw new MamoriError('AUDIT_ROLE_UNSAFE', `role ${role} still holds ${leaks.join(', ')} through another role it belongs to`, { leaks })
  }
  return result
}

async function privileges(store: Store, role: string, table: string): Promise<AuditTablePrivileges> {
  // has_any_column_privilege also counts column-level grants (an UPDATE on one column is enough to edit).
  const { rows } = await sql<AuditTablePrivileges>`
    select
      has_table_privilege(${role}, ${table}, 'SELECT') as "select",
      has_any_column_privilege(${role}, ${table}, 'INSERT') as "insert",
      has_any_column_privilege(${role}, ${table}, 'UPDATE') as "update",
      has_table_privilege(${role}, ${table}, 'DELETE') as "delete",
      has_table_privilege(${role}, ${table}, 'TRUNCATE') as "truncate"
  `.execute(store.db)
  const row = rows[0]
  if (row === undefined) throw new Error('has_table_privilege returned no row')
  return Object.freeze({ ...row })
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`
}
