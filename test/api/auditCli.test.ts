/*
 * `mamori audit verify` (D-8), run as an auditor would run it, as a child process against a real
 * database: after an edit, a deletion or a reordering of audit rows — made the way only the table
 * owner or whoever holds the SQLite file can, with the guard triggers out of the way — it exits 1
 * and names the first broken row, in its table, on stderr and as `firstBrokenSeq` in --json.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuditLog, type AuditVerification } from '../../src/audit/index.js'
import { ManualClock } from '../../src/runtime/index.js'
import { migrate, openStore, type Store, type StoreConfig } from '../../src/store/index.js'
import { disableAuditGuards } from '../support/auditTamper.js'
import { PG_URL } from '../support/dialects.js'
import { TEST_SECRET_KEY } from '../support/server.js'

const ROOT = resolve(import.meta.dirname, '../..')
const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const ROWS = 30
const PG_SKIPPED = 'audit CLI on PostgreSQL SKIPPED: MAMORI_TEST_PG_URL is not set (to run it: MAMORI_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test)'

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

function mamori(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MAMORI_SECRET_KEY: TEST_SECRET_KEY, MAMORI_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((done, fail) => {
    child.on('error', fail)
    child.on('close', (status) => done({ status, stdout, stderr }))
  })
}

/** `audit verify` and `audit verify --json` on the same database. */
async function verifyBoth(env: Record<string, string>): Promise<{ table: Run; json: Run; result: AuditVerification }> {
  const [table, json] = await Promise.all([mamori(env, 'verify'), mamori(env, 'verify', '--json')])
  return { table, json, result: JSON.parse(json.stdout) as AuditVerification }
}

/** Thirty rows as the service writes them: staff actions and customer security events, one second apart. */
async function seed(store: Store): Promise<void> {
  const clock = new ManualClock(T0)
  const log = new AuditLog({ store, clock, secretKey: Buffer.from(TEST_SECRET_KEY, 'base64') })
  for (let i = 1; i <= ROWS; i++) {
    if (i % 3 === 0) await log.append({ actor: { kind: 'customer', id: `cus_${i}` }, action: 'customer.login', subject: { kind: 'customer', id: `cus_${i}` }, detail: { method: 'passkey' } })
    else await log.append({ actor: { kind: 'staff', id: 'stf_mallory' }, action: 'staff.pii_reveal', subject: { kind: 'customer', id: `cus_${i}` }, detail: { fields: ['phone'], reason: `ticket ${i}` } })
    clock.advance(1000)
  }
}

/** The three kinds of tampering the requirement names, each as the owner would do it. */
const TAMPERING: readonly { readonly name: string; readonly seq: number; readonly reason: string; tamper(store: Store): Promise<void> }[] = [
  {
    name: 'an edited row (seq 12)',
    seq: 12,
    reason: 'edited',
    tamper: async (store) => {
      await store.db.updateTable('audit_log').set({ detail_json: '{"fields":["phone"],"reason":"routine check"}' }).where('seq', '=', 12).execute()
    },
  },
  {
    name: 'a deleted row (seq 20)',
    seq: 20,
    reason: 'deleted',
    tamper: async (store) => {
      await store.db.deleteFrom('audit_log').where('seq', '=', 20).execute()
    },
  },
  {
    name: 'two swapped rows (seq 7 and 8)',
    seq: 7,
    reason: 'reordered',
    tamper: async (store) => {
      await store.db.updateTable('audit_log').set({ seq: -7 }).where('seq', '=', 7).execute()
      await store.db.updateTable('audit_log').set({ seq: 7 }).where('seq', '=', 8).execute()
      await store.db.updateTable('audit_log').set({ seq: 8 }).where('seq', '=', -7).execute()
    },
  },
]

function expectBrokenAt(run: { table: Run; json: Run; result: AuditVerification }, seq: number, reason: string): void {
  expect(run.table.status, run.table.stderr).toBe(1)
  expect(run.json.status, run.json.stderr).toBe(1)
  // Exactly this seq: "seq 12 (" cannot match 1, 120 or 121.
  expect(run.table.stderr).toMatch(new RegExp(`^audit chain broken at seq ${seq} \\(${reason}, `, 'm'))
  expect(run.table.stdout).toMatch(new RegExp(`BROKEN\\s+${seq}\\s+${reason} \\(`))
  expect(run.result).toMatchObject({ ok: false, firstBrokenSeq: seq, reason, macChecked: true })
}

describe('mamori audit on SQLite', () => {
  let dir: string
  let pristine: string
  const envFor = (path: string): Record<string, string> => ({ MAMORI_DB: 'sqlite', MAMORI_SQLITE_PATH: path })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mamori-audit-cli-'))
    pristine = join(dir, 'pristine.db')
    const store = await openStore({ dialect: 'sqlite', sqlitePath: pristine, postgresSchema: 'public', poolSize: 1, sqliteSynchronous: 'normal' })
    try {
      await migrate(store)
      await seed(store)
    } finally {
      // Closing checkpoints the WAL into the file, so a plain copy is a whole database.
      await store.close()
    }
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  /** A fresh copy of the seeded database, tampered with by the owner of the file. */
  async function tamperedCopy(name: string, tamper: (store: Store) => Promise<void>): Promise<string> {
    const path = join(dir, `${name}.db`)
    copyFileSync(pristine, path)
    const store = await openStore({ dialect: 'sqlite', sqlitePath: path, postgresSchema: 'public', poolSize: 1, sqliteSynchronous: 'normal' })
    try {
      await disableAuditGuards(store)
      await tamper(store)
    } finally {
      await store.close()
    }
    return path
  }

  it('verifies the intact log: exit 0, a summary table, and ok in --json', async () => {
    const run = await verifyBoth(envFor(pristine))
    expect(run.table.status, run.table.stderr).toBe(0)
    expect(run.table.stdout).toMatch(/rows\s+head\s+mac\s+result/)
    expect(run.table.stdout).toMatch(new RegExp(`${ROWS}\\s+${ROWS}\\s+checked\\s+OK`))
    expect(run.table.stderr).toBe('')
    expect(run.json.status, run.json.stderr).toBe(0)
    expect(run.result).toMatchObject({ ok: true, rows: ROWS, head: { seq: ROWS }, macChecked: true })
  })

  it.each(TAMPERING)('after $name it exits 1 and names seq $seq as $reason', async ({ name, seq, reason, tamper }) => {
    const path = await tamperedCopy(name.replace(/\W+/g, '-'), tamper)
    expectBrokenAt(await verifyBoth(envFor(path)), seq, reason)
  })

  it('without the key (--no-mac) the edited row is still named', async () => {
    const path = await tamperedCopy('edited-no-mac', TAMPERING[0]!.tamper)
    const run = await mamori(envFor(path), 'verify', '--no-mac', '--json')
    expect(run.status, run.stderr).toBe(1)
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, firstBrokenSeq: 12, reason: 'edited', macChecked: false })
  })

  it('a deleted tail with the head row rolled back passes alone, and is named by --expect-head with the anchor from audit head', async () => {
    const anchorRun = await mamori(envFor(pristine), 'head', '--json')
    expect(anchorRun.status, anchorRun.stderr).toBe(0)
    const anchor = JSON.parse(anchorRun.stdout) as { seq: number; hash: string }
    expect(anchor.seq).toBe(ROWS)
    const path = await tamperedCopy('tail-rolled-back', async (store) => {
      const last = await store.db.selectFrom('audit_log').selectAll().where('seq', '=', 25).executeTakeFirstOrThrow()
      await store.db.deleteFrom('audit_log').where('seq', '>', 25).execute()
      await store.db.updateTable('audit_head').set({ seq: 25, hash: last.hash, at: Number(last.at) }).where('id', '=', 1).execute()
    })
    expect((await mamori(envFor(path), 'verify')).status).toBe(0)
    const anchored = await mamori(envFor(path), 'verify', '--json', '--expect-head', `${anchor.seq}:${anchor.hash}`)
    expect(anchored.status, anchored.stderr).toBe(1)
    expect(JSON.parse(anchored.stdout)).toMatchObject({ ok: false, firstBrokenSeq: 26, reason: 'truncated', check: 'anchor' })
  })
})

describe.skipIf(PG_URL === undefined)(PG_URL === undefined ? PG_SKIPPED : 'mamori audit on PostgreSQL (own schema)', () => {
  const url = PG_URL ?? ''
  const schemas: string[] = []

  /** A fresh schema holding the seeded log, tampered with by the owner (who can disable the triggers). */
  async function seededSchema(tamper?: (store: Store) => Promise<void>): Promise<Record<string, string>> {
    const schema = `audit_cli_${randomBytes(5).toString('hex')}`
    schemas.push(schema)
    const config: StoreConfig = { dialect: 'postgres', sqlitePath: '', postgresUrl: url, postgresSchema: schema, poolSize: 2 }
    const store = await openStore(config)
    try {
      await migrate(store)
      await seed(store)
      if (tamper !== undefined) {
        await disableAuditGuards(store)
        await tamper(store)
      }
    } finally {
      await store.close()
    }
    return { MAMORI_DB: 'postgres', MAMORI_POSTGRES_URL: url, MAMORI_POSTGRES_SCHEMA: schema }
  }

  afterAll(async () => {
    const store = await openStore({ dialect: 'postgres', sqlitePath: '', postgresUrl: url, postgresSchema: 'public', poolSize: 1 })
    try {
      for (const schema of schemas) await store.db.schema.dropSchema(schema).ifExists().cascade().execute()
    } finally {
      await store.close()
    }
  })

  it('verifies the intact log: exit 0 and ok in --json', async () => {
    const run = await verifyBoth(await seededSchema())
    expect(run.table.status, run.table.stderr).toBe(0)
    expect(run.table.stdout).toMatch(new RegExp(`${ROWS}\\s+${ROWS}\\s+checked\\s+OK`))
    expect(run.result).toMatchObject({ ok: true, rows: ROWS, macChecked: true })
  })

  it.each(TAMPERING)('after $name it exits 1 and names seq $seq as $reason', async ({ seq, reason, tamper }) => {
    expectBrokenAt(await verifyBoth(await seededSchema(tamper)), seq, reason)
  })
})
