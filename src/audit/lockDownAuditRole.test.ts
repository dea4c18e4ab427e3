/*
 * D-8 on PostgreSQL: the role the service connects as cannot update or delete audit rows. The
 * triggers of migration 0005 refuse it for everyone, but the privileges are the layer that holds
 * whatever happens to the triggers. A service role usually starts from the sloppy default — USAGE
 * on the schema and ALL on every table — so these tests start there, run the lock-down as the owner
 * that ran the migrations, then connect as the service role and try what an attacker holding its
 * password (or injecting SQL through it) would try.
 */
import { randomBytes } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PG_URL } from '../../test/support/dialects.js'
import { isMamoriError } from '../errors/index.js'
import { ManualClock } from '../runtime/index.js'
import { migrate, openStore, type Database, type Store } from '../store/index.js'
import { AuditLog, lockDownAuditRole, type AuditEntry } from './index.js'

const PG_SKIPPED = 'lockDownAuditRole suite SKIPPED: MAMORI_TEST_PG_URL is not set (to run it: MAMORI_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test)'
const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const KEY = Buffer.alloc(32, 5)
const PERMISSION_DENIED = '42501'
/** `raise exception` in the guard functions of migration 0005. */
const TRIGGER_REFUSED = 'P0001'

const reveal = (n: number): AuditEntry => ({
  actor: { kind: 'staff', id: 'stf_mallory' },
  action: 'staff.pii_reveal',
  subject: { kind: 'customer', id: `cus_${n}` },
  detail: { fields: ['phone'], reason: `ticket ${n}` },
})

/** The test server's URL with another user (the test server trusts local connections). */
function urlAs(url: string, user: string): string {
  const u = new URL(url)
  u.username = user
  u.password = ''
  return u.toString()
}

/**
 * A Store connected as `user`, built by hand rather than with `openStore`: openStore first runs
 * `create schema if not exists` when the schema is missing, and these tests want exactly the
 * grants they give (the last case below opens through openStore itself).
 */
function storeAs(url: string, schema: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path="${schema}"` })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    schema,
    constraintViolation: () => undefined,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  }
}

async function unsafeCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (isMamoriError(err)) return err.code
    throw err
  }
  throw new Error('expected the lock-down to be refused')
}

describe.skipIf(PG_URL === undefined)(PG_URL === undefined ? PG_SKIPPED : 'lockDownAuditRole on PostgreSQL', () => {
  const url = PG_URL ?? ''
  const schema = `audit_ld_${randomBytes(5).toString('hex')}`
  const role = `mamori_svc_${randomBytes(5).toString('hex')}`
  /** Roles created by single tests, dropped at the end. */
  const extraRoles: string[] = []
  let owner: Store
  let ownerName: string
  let service: Store
  /** A raw connection as the service role, for the statements AuditLog never sends. */
  let attacker: pg.Client

  const snapshot = async (): Promise<unknown[]> => (await owner.db.selectFrom('audit_log').selectAll().orderBy('seq').execute()).map((r) => ({ ...r }))
  const headRow = async (): Promise<unknown> => ({ ...(await owner.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow()) })
  const ownerLog = (): AuditLog => new AuditLog({ store: owner, clock: new ManualClock(T0), secretKey: KEY })
  const createRole = async (name: string, attributes = 'login'): Promise<void> => {
    await sql.raw(`create role "${name}" ${attributes}`).execute(owner.db)
    extraRoles.push(name)
  }

  beforeAll(async () => {
    owner = await openStore({ dialect: 'postgres', sqlitePath: '', postgresUrl: url, postgresSchema: schema, poolSize: 4 })
    await migrate(owner)
    ownerName = (await sql<{ u: string }>`select current_user as u`.execute(owner.db)).rows[0]?.u ?? ''
    const clock = new ManualClock(T0)
    const log = new AuditLog({ store: owner, clock, secretKey: KEY })
    for (let n = 1; n <= 5; n++) {
      await log.append(reveal(n))
      clock.advance(1000)
    }
    await sql.raw(`create role "${role}" login`).execute(owner.db)
    // The sloppy default, plus a column grant, which a table-level REVOKE must also take away.
    await sql.raw(`grant usage on schema "${schema}" to "${role}"`).execute(owner.db)
    await sql.raw(`grant all on all tables in schema "${schema}" to "${role}"`).execute(owner.db)
    await sql.raw(`grant update (detail_json) on "${schema}".audit_log to "${role}"`).execute(owner.db)
    service = storeAs(urlAs(url, role), schema)
    attacker = new pg.Client({ connectionString: urlAs(url, role), options: `-c search_path="${schema}"` })
    await attacker.connect()
  })

  afterAll(async () => {
    await attacker?.end().catch(() => undefined)
    await service?.close()
    if (owner === undefined) return
    try {
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(owner.db)
      for (const name of [role, ...extraRoles]) {
        await sql.raw(`reassign owned by "${name}" to current_user`).execute(owner.db).catch(() => undefined)
        await sql.raw(`drop owned by "${name}"`).execute(owner.db).catch(() => undefined)
        await sql.raw(`drop role if exists "${name}"`).execute(owner.db)
      }
    } finally {
      await owner.close()
    }
  })

  it('under the sloppy default grant the service role may update and delete audit rows as far as privileges go; only the triggers stop it', async () => {
    const { rows } = await attacker.query<{ u: boolean; d: boolean; t: boolean }>(
      `select has_table_privilege(current_user, 'audit_log', 'UPDATE') as u, has_table_privilege(current_user, 'audit_log', 'DELETE') as d,
              has_table_privilege(current_user, 'audit_log', 'TRUNCATE') as t`,
    )
    expect(rows[0]).toEqual({ u: true, d: true, t: true })
    const before = await snapshot()
    await expect(attacker.query(`update audit_log set detail_json = '{}' where seq = 2`)).rejects.toMatchObject({ code: TRIGGER_REFUSED })
    await expect(attacker.query('delete from audit_log where seq = 2')).rejects.toMatchObject({ code: TRIGGER_REFUSED })
    expect(await snapshot()).toEqual(before)
  })

  it('after the lock-down the role holds SELECT and INSERT on audit_log, SELECT and UPDATE on audit_head, and nothing else', async () => {
    const r = await lockDownAuditRole(owner, role)
    expect(r).toEqual({
      role,
      schema,
      owner: ownerName,
      auditLog: { select: true, insert: true, update: false, delete: false, truncate: false },
      auditHead: { select: true, insert: false, update: true, delete: false, truncate: false },
    })
    // Running it again after the next migration changes nothing.
    expect(await lockDownAuditRole(owner, role)).toEqual(r)
    // Seen from the role's own session too, column grants included.
    const { rows } = await attacker.query<{ col: boolean; trig: boolean }>(
      `select has_any_column_privilege(current_user, 'audit_log', 'UPDATE') as col, has_table_privilege(current_user, 'audit_log', 'TRIGGER') as trig`,
    )
    expect(rows[0]).toEqual({ col: false, trig: false })
  })

  it('the locked-down role appends through AuditLog, reads the rows and verifies the chain', async () => {
    const log = new AuditLog({ store: service, clock: new ManualClock(T0 + 60_000), secretKey: KEY })
    const appended = await log.append(reveal(6))
    expect(appended.seq).toBe(6)
    await Promise.all([7, 8, 9].map((n) => log.append(reveal(n))))
    expect((await log.list({ order: 'asc', limit: 1000 })).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(await log.head()).toMatchObject({ seq: 9 })
    expect(await log.verify()).toMatchObject({ ok: true, rows: 9, macChecked: true })
    const { rows } = await attacker.query<{ n: string }>('select count(*) as n from audit_log')
    expect(Number(rows[0]?.n)).toBe(9)
  })

  it('UPDATE, DELETE and TRUNCATE on audit_log are each refused as permission denied (42501) and change nothing', async () => {
    const before = await snapshot()
    const head = await headRow()
    await expect(attacker.query(`update audit_log set detail_json = '{"reason":"routine check"}' where seq = 3`)).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query(`update audit_log set detail_json = detail_json`)).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('delete from audit_log where seq = 3')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('delete from audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('truncate audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    // INSERT ... ON CONFLICT DO UPDATE needs UPDATE too: no overwrite through an upsert.
    const three = before[2] as Record<string, unknown>
    await expect(
      attacker.query(
        `insert into audit_log (seq, at, actor_kind, actor_id, action, detail_json, prev_hash, hash)
         values ($1, $2, 'staff', 'stf_alice', 'staff.pii_reveal', '{}', $3, $4)
         on conflict (seq) do update set actor_id = excluded.actor_id`,
        [3, three.at, 'e'.repeat(64), 'f'.repeat(64)],
      ),
    ).rejects.toMatchObject({ code: PERMISSION_DENIED })
    expect(await snapshot()).toEqual(before)
    expect(await headRow()).toEqual(head)
    expect(await ownerLog().verify()).toMatchObject({ ok: true, rows: 9 })
  })

  it('the role cannot rewrite the head row: INSERT, DELETE and TRUNCATE are denied, and an UPDATE that does not follow a new row is refused by its trigger', async () => {
    const head = await headRow()
    await expect(attacker.query(`insert into audit_head (id, seq, hash, at) values (2, 0, $1, 0)`, ['0'.repeat(64)])).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('delete from audit_head')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('truncate audit_head')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    // Rolling the head back would hide a deleted tail: the trigger holds where the privilege cannot.
    await expect(attacker.query('update audit_head set seq = seq - 1')).rejects.toMatchObject({ code: TRIGGER_REFUSED })
    expect(await headRow()).toEqual(head)
  })

  it('the role cannot switch the guards off: disabling or dropping the triggers and replica mode are denied', async () => {
    await expect(attacker.query('alter table audit_log disable trigger user')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('drop trigger audit_log_no_update_delete on audit_log')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    await expect(attacker.query('create trigger sneaky before insert on audit_log for each row execute function audit_refuse()')).rejects.toMatchObject({
      code: PERMISSION_DENIED,
    })
    await expect(attacker.query('set session_replication_role = replica')).rejects.toMatchObject({ code: PERMISSION_DENIED })
    const { rows } = await attacker.query<{ n: string }>(`select count(*) as n from pg_trigger where tgrelid = 'audit_log'::regclass and tgenabled = 'A'`)
    expect(Number(rows[0]?.n)).toBe(3)
    expect(await ownerLog().verify()).toMatchObject({ ok: true, rows: 9 })
  })

  it('refuses a superuser (the owner that ran the migrations here, and any other) with AUDIT_ROLE_UNSAFE', async () => {
    expect(await unsafeCode(lockDownAuditRole(owner, ownerName))).toBe('AUDIT_ROLE_UNSAFE')
    const su = `mamori_su_${randomBytes(4).toString('hex')}`
    await createRole(su, 'login superuser')
    expect(await unsafeCode(lockDownAuditRole(owner, su))).toBe('AUDIT_ROLE_UNSAFE')
  })

  it('refuses a role that is a member of the owner, which could disable the triggers, with AUDIT_ROLE_UNSAFE', async () => {
    const member = `mamori_own_${randomBytes(4).toString('hex')}`
    await createRole(member)
    await sql.raw(`grant "${ownerName}" to "${member}"`).execute(owner.db)
    expect(await unsafeCode(lockDownAuditRole(owner, member))).toBe('AUDIT_ROLE_UNSAFE')
  })

  it('refuses a role that keeps DELETE through another role it belongs to, since its own REVOKE cannot reach that grant', async () => {
    const group = `mamori_grp_${randomBytes(4).toString('hex')}`
    const member = `mamori_mem_${randomBytes(4).toString('hex')}`
    await createRole(group, 'nologin')
    await createRole(member)
    await sql.raw(`grant delete on "${schema}".audit_log to "${group}"`).execute(owner.db)
    await sql.raw(`grant "${group}" to "${member}"`).execute(owner.db)
    const err = await lockDownAuditRole(owner, member).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isMamoriError(err) && err.code).toBe('AUDIT_ROLE_UNSAFE')
    expect(isMamoriError(err) ? err.details : undefined).toMatchObject({ leaks: ['DELETE on audit_log'] })
  })

  it('refuses an unknown role and a name that is not an identifier', async () => {
    expect(await unsafeCode(lockDownAuditRole(owner, `mamori_nobody_${randomBytes(4).toString('hex')}`))).toBe('AUDIT_ROLE_UNSAFE')
    await expect(lockDownAuditRole(owner, 'svc"; drop table audit_log; --')).rejects.toBeInstanceOf(TypeError)
  })

  // Found by this suite: openStore used to run `create schema if not exists` unconditionally, which
  // needs CREATE on the database, so the service could not start as the locked-down role.
  it('openStore opens an existing, migrated schema as the locked-down role', async () => {
    const store = await openStore({ dialect: 'postgres', sqlitePath: '', postgresUrl: urlAs(url, role), postgresSchema: schema, poolSize: 1 })
    try {
      expect(await new AuditLog({ store, clock: new ManualClock(T0), secretKey: KEY }).verify()).toMatchObject({ ok: true })
    } finally {
      await store.close()
    }
  })
})
