import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS, PG_URL, type DialectCase } from '../../test/support/dialects.js'
import { ManualClock } from '../runtime/index.js'
import { migrate, openStore, type Store, type StoreConfig } from '../store/index.js'
import { AuditLog, auditRowHash, auditRowMac, deriveAuditMacKey, GENESIS_HASH, type AuditEntry } from './index.js'

const ROOT = join(import.meta.dirname, '..', '..')
const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const KEY = Buffer.alloc(32, 7)

const login = (customerId: string, detail: AuditEntry['detail'] = {}): AuditEntry => ({
  actor: { kind: 'customer', id: customerId },
  action: 'customer.login',
  subject: { kind: 'customer', id: customerId },
  detail,
})

describe.each(DIALECTS)('AuditLog on $dialect', (dc: DialectCase) => {
  let store: Store
  let clock: ManualClock
  let log: AuditLog

  beforeEach(async () => {
    store = await dc.open()
    clock = new ManualClock(T0)
    log = new AuditLog({ store, clock, secretKey: KEY })
  })
  afterEach(async () => {
    await store.close()
  })

  it('verifies an empty log', async () => {
    expect(await log.verify()).toEqual({ ok: true, rows: 0, head: { seq: 0, hash: GENESIS_HASH, at: 0 }, macChecked: true })
  })

  it('appends rows numbered from 1 that link into one chain from the genesis hash', async () => {
    const a = await log.append(login('cus_a', { method: 'passkey' }))
    clock.advance(1000)
    const b = await log.append({
      actor: { kind: 'staff', id: 'stf_1' },
      action: 'staff.pii_reveal',
      subject: { kind: 'customer', id: 'cus_a' },
      detail: { reason: 'case 42: customer called about a withdrawal', fields: ['phone', 'address'] },
    })
    expect([a.seq, b.seq]).toEqual([1, 2])
    expect(a.prevHash).toBe(GENESIS_HASH)
    expect(b.prevHash).toBe(a.hash)
    expect(b.at).toBe(T0 + 1000)
    expect(b.hash).toBe(
      auditRowHash({
        seq: 2,
        at: T0 + 1000,
        actor_kind: 'staff',
        actor_id: 'stf_1',
        action: 'staff.pii_reveal',
        subject_kind: 'customer',
        subject_id: 'cus_a',
        detail_json: '{"fields":["phone","address"],"reason":"case 42: customer called about a withdrawal"}',
        prev_hash: a.hash,
      }),
    )
    expect(b.mac).toBe(auditRowMac(deriveAuditMacKey(KEY), b.hash))
    expect(await log.head()).toEqual({ seq: 2, hash: b.hash, at: T0 + 1000 })
    expect(await log.verify()).toMatchObject({ ok: true, rows: 2, macChecked: true })
  })

  it('never records a time before the previous row, whatever the clock says', async () => {
    await log.append(login('cus_a'))
    clock.set(T0 - 60_000)
    const later = await log.append(login('cus_a'))
    expect(later.at).toBe(T0)
    expect((await log.verify()).ok).toBe(true)
  })

  it('writes no MAC without a key, and the plain chain verifies', async () => {
    const plain = new AuditLog({ store, clock, secretKey: null })
    const row = await plain.append(login('cus_a'))
    expect(row.mac).toBeNull()
    expect(await plain.verify()).toMatchObject({ ok: true, rows: 1, macChecked: false })
  })

  it("a record appended in the caller's transaction rolls back with it, leaving no gap", async () => {
    await log.append(login('cus_a'))
    await expect(
      store.transaction(async (trx) => {
        await log.append({ actor: { kind: 'staff', id: 'stf_1' }, action: 'staff.approve', detail: { request: 'req_1' } }, trx)
        throw new Error('the approval itself failed')
      }),
    ).rejects.toThrow('the approval itself failed')
    expect((await log.head()).seq).toBe(1)
    const next = await log.append(login('cus_b'))
    expect(next.seq).toBe(2)
    expect(await log.verify()).toMatchObject({ ok: true, rows: 2 })
  })

  it('lists by actor, subject, action and time, newest first, in keyset pages', async () => {
    for (let i = 0; i < 5; i++) {
      await log.append(login(i % 2 === 0 ? 'cus_a' : 'cus_b', { n: i }))
      clock.advance(1000)
    }
    await log.append({ actor: { kind: 'staff', id: 'stf_1' }, action: 'staff.customer_viewed', subject: { kind: 'customer', id: 'cus_b' } })

    expect((await log.list()).map((r) => r.seq)).toEqual([6, 5, 4, 3, 2, 1])
    expect((await log.list({ actorId: 'cus_a' })).map((r) => r.detail)).toEqual([{ n: 4 }, { n: 2 }, { n: 0 }])
    expect((await log.list({ subjectKind: 'customer', subjectId: 'cus_b' })).map((r) => r.seq)).toEqual([6, 4, 2])
    const staff = await log.list({ actorKind: 'staff', action: ['staff.customer_viewed', 'staff.pii_reveal'] })
    expect(staff).toHaveLength(1)
    expect(staff[0]).toMatchObject({ actor: { kind: 'staff', id: 'stf_1' }, subject: { kind: 'customer', id: 'cus_b' }, detail: {} })
    expect((await log.list({ since: T0 + 1000, until: T0 + 3000 })).map((r) => r.seq)).toEqual([3, 2])
    expect((await log.list({ beforeSeq: 4, limit: 2 })).map((r) => r.seq)).toEqual([3, 2])
    expect((await log.list({ afterSeq: 4, order: 'asc' })).map((r) => r.seq)).toEqual([5, 6])
    expect(await log.list({ action: [] })).toEqual([])
  })

  it('200 concurrent appends build one unbroken chain', async () => {
    const rows = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(login(`cus_${i % 7}`, { i }))))
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(await log.verify({ pageSize: 37 })).toMatchObject({ ok: true, rows: 200 })
  })
})

interface Target {
  readonly dialect: 'sqlite' | 'postgres'
  readonly config: StoreConfig
  cleanup(): Promise<void>
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-audit-'))
  return {
    dialect: 'sqlite',
    config: { dialect: 'sqlite', sqlitePath: join(dir, 'mamori.db'), postgresSchema: 'public', poolSize: 1, sqliteSynchronous: 'normal' },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

function postgresTarget(url: string): Target {
  const schema = `audit_${randomBytes(5).toString('hex')}`
  return {
    dialect: 'postgres',
    config: { dialect: 'postgres', sqlitePath: '', postgresUrl: url, postgresSchema: schema, poolSize: 4 },
    cleanup: async () => {
      const store = await openStore({ dialect: 'postgres', sqlitePath: '', postgresUrl: url, postgresSchema: schema, poolSize: 1 })
      try {
        await store.db.schema.dropSchema(schema).ifExists().cascade().execute()
      } finally {
        await store.close()
      }
    },
  }
}

const pgUrl = PG_URL
const TARGETS: (() => Target)[] = pgUrl === undefined ? [sqliteTarget] : [sqliteTarget, () => postgresTarget(pgUrl)]

function runWorker(config: StoreConfig, actor: string, count: number, startAt: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/auditAppendWorker.ts', JSON.stringify({ store: config, count, actor, key: KEY.toString('base64'), startAt })], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${actor} exited ${code}: ${out}`))))
  })
}

describe.each(TARGETS.map((make) => ({ make, name: make === sqliteTarget ? 'sqlite' : 'postgres' })))('audit appends from several processes on $name', ({ make }) => {
  const target = make()
  afterAll(async () => {
    await target.cleanup()
  })

  it('4 processes appending at once build one unbroken chain', async () => {
    const store = await openStore(target.config)
    try {
      await migrate(store)
      const startAt = Date.now() + 5_000
      await Promise.all([0, 1, 2, 3].map((i) => runWorker(target.config, `cus_proc${i}`, 150, startAt)))
      const log = new AuditLog({ store, clock: new ManualClock(T0), secretKey: KEY })
      expect(await log.verify()).toMatchObject({ ok: true, rows: 600 })
      const actors = (await log.list({ order: 'asc', limit: 1000 })).map((r) => r.actor.id)
      for (const i of [0, 1, 2, 3]) expect(actors.filter((a) => a === `cus_proc${i}`)).toHaveLength(150)
      // The writers really raced: one after another would switch actor exactly 3 times. (How often
      // they interleave depends on the machine's load; 19 to 200 switches have been seen.)
      const switches = actors.filter((a, i) => i > 0 && a !== actors[i - 1]).length
      expect(switches).toBeGreaterThan(3)
    } finally {
      await store.close()
    }
  }, 120_000)
})
