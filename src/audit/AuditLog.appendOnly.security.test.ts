/*
 * The attack: code running with the service's own database connection — a bug, an injected
 * statement, a careless maintenance script — tries to edit or delete audit rows, or to roll the
 * head back so that a deleted tail looks complete. Migration 0005's triggers make the database
 * itself refuse, on both dialects, whoever owns the connection; the chain stays intact. (The table
 * owner and whoever holds the SQLite file can still get past the triggers: verify is what catches
 * them, see verifyAuditChain.security.test.ts.)
 */
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS, type DialectCase } from '../../test/support/dialects.js'
import { ManualClock } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { AuditLog, GENESIS_HASH } from './index.js'

const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const KEY = Buffer.alloc(32, 3)
const ROWS = 6

describe.each(DIALECTS)('the database refuses to edit the audit log on $dialect', (dc: DialectCase) => {
  let store: Store
  let log: AuditLog
  /** What a refusal by a guard trigger looks like on this dialect. */
  let refused: { code: string }

  beforeEach(async () => {
    store = await dc.open()
    refused = { code: store.dialect === 'postgres' ? 'P0001' : 'SQLITE_CONSTRAINT_TRIGGER' }
    const clock = new ManualClock(T0)
    log = new AuditLog({ store, clock, secretKey: KEY })
    for (let i = 1; i <= ROWS; i++) {
      await log.append({ actor: { kind: 'staff', id: 'stf_mallory' }, action: 'staff.pii_reveal', subject: { kind: 'customer', id: `cus_${i}` }, detail: { reason: `ticket ${i}` } })
      clock.advance(1000)
    }
  })
  afterEach(async () => {
    await store.close()
  })

  const rows = async (): Promise<unknown[]> => (await store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute()).map((r) => ({ ...r }))
  const head = async (): Promise<unknown> => ({ ...(await store.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow()) })
  const expectIntact = async (before: unknown[], headBefore: unknown): Promise<void> => {
    expect(await rows()).toEqual(before)
    expect(await head()).toEqual(headBefore)
    expect(await log.verify()).toMatchObject({ ok: true, rows: ROWS, macChecked: true })
  }

  it('an UPDATE of one row, of every row, or a no-op UPDATE is refused and changes nothing', async () => {
    const before = await rows()
    const headBefore = await head()
    await expect(store.db.updateTable('audit_log').set({ detail_json: '{"reason":"routine check"}' }).where('seq', '=', 3).execute()).rejects.toMatchObject(refused)
    await expect(store.db.updateTable('audit_log').set({ actor_id: 'stf_alice' }).execute()).rejects.toMatchObject(refused)
    await expect(store.db.updateTable('audit_log').set((eb) => ({ seq: eb.ref('seq') })).where('seq', '=', 1).execute()).rejects.toMatchObject(refused)
    await expectIntact(before, headBefore)
  })

  it('a DELETE of one row, of the tail, or of every row is refused and changes nothing', async () => {
    const before = await rows()
    const headBefore = await head()
    await expect(store.db.deleteFrom('audit_log').where('seq', '=', 3).execute()).rejects.toMatchObject(refused)
    await expect(store.db.deleteFrom('audit_log').where('seq', '>=', 5).execute()).rejects.toMatchObject(refused)
    await expect(store.db.deleteFrom('audit_log').execute()).rejects.toMatchObject(refused)
    await expectIntact(before, headBefore)
  })

  it('a refusal inside a transaction rolls the whole transaction back, an append in it included', async () => {
    const before = await rows()
    const headBefore = await head()
    await expect(
      store.transaction(async (trx) => {
        await log.append({ actor: { kind: 'staff', id: 'stf_mallory' }, action: 'staff.export' }, trx)
        await trx.deleteFrom('audit_log').where('seq', '=', 2).execute()
      }),
    ).rejects.toMatchObject(refused)
    await expectIntact(before, headBefore)
  })

  it('overwriting a row through INSERT OR REPLACE / ON CONFLICT is refused', async () => {
    const before = await rows()
    const headBefore = await head()
    const three = before[2] as { at: number; prev_hash: string }
    const values = { seq: 3, at: Number(three.at), actor_kind: 'staff' as const, actor_id: 'stf_alice', action: 'staff.pii_reveal', subject_kind: null, subject_id: null, detail_json: '{}', prev_hash: three.prev_hash, hash: 'f'.repeat(64), mac: null }
    const overwrite =
      store.dialect === 'sqlite'
        ? store.db.replaceInto('audit_log').values(values).execute()
        : store.db
            .insertInto('audit_log')
            .values(values)
            .onConflict((oc) => oc.column('seq').doUpdateSet({ actor_id: 'stf_alice' }))
            .execute()
    // Refused by the insert guard (the row does not extend the head) before the conflict is looked at.
    await expect(overwrite).rejects.toMatchObject(refused)
    await expectIntact(before, headBefore)
  })

  it('the head cannot be rolled back, deleted, or given a second row, so a deleted tail cannot be hidden', async () => {
    const before = await rows()
    const headBefore = await head()
    const four = before[3] as { seq: number; hash: string; at: number }
    await expect(store.db.updateTable('audit_head').set({ seq: Number(four.seq), hash: four.hash, at: Number(four.at) }).where('id', '=', 1).execute()).rejects.toMatchObject(refused)
    await expect(store.db.updateTable('audit_head').set({ seq: 0, hash: GENESIS_HASH, at: 0 }).where('id', '=', 1).execute()).rejects.toMatchObject(refused)
    await expect(store.db.deleteFrom('audit_head').execute()).rejects.toMatchObject(refused)
    // The guard refuses the INSERT before the primary key is checked.
    await expect(sql`insert into audit_head (id, seq, hash, at) values (1, 0, ${GENESIS_HASH}, 0)`.execute(store.db)).rejects.toMatchObject(refused)
    await expectIntact(before, headBefore)
  })

  it('TRUNCATE is refused on PostgreSQL (SQLite has none; its DELETE without WHERE is refused above)', async () => {
    if (store.dialect !== 'postgres') return
    const before = await rows()
    const headBefore = await head()
    await expect(sql`truncate audit_log`.execute(store.db)).rejects.toMatchObject(refused)
    await expect(sql`truncate audit_head`.execute(store.db)).rejects.toMatchObject(refused)
    await expectIntact(before, headBefore)
  })

  it('after every refusal the service keeps appending onto the same chain', async () => {
    await expect(store.db.deleteFrom('audit_log').where('seq', '=', ROWS).execute()).rejects.toMatchObject(refused)
    const next = await log.append({ actor: { kind: 'system', id: 'mamori' }, action: 'customer.locked', subject: { kind: 'customer', id: 'cus_1' } })
    expect(next.seq).toBe(ROWS + 1)
    expect(await log.verify()).toMatchObject({ ok: true, rows: ROWS + 1 })
  })
})
