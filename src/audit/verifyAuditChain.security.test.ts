/**
 * The attacker here can write the audit tables directly: an insider with the PostgreSQL owner's
 * password (who may disable the triggers) or with the SQLite file. Seed 002's engineer used his
 * system privileges for 2.5 years unnoticed; if he could also quietly rewrite the record of what
 * he did, the audit log would be worthless. Each test tampers in one way and expects `verify` to
 * name the first broken row and the kind of tampering; the limits (a deleted tail with the head
 * rolled back, a chain rewritten without the key) are shown too, with what still catches them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { disableAuditGuards } from '../../test/support/auditTamper.js'
import { DIALECTS, type DialectCase } from '../../test/support/dialects.js'
import { ManualClock } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { AuditLog, auditRowHash, GENESIS_HASH, verifyAuditChain } from './index.js'

const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const KEY = Buffer.alloc(32, 9)
const ROWS = 10

describe.each(DIALECTS)('audit chain tampering on $dialect', (dc: DialectCase) => {
  let store: Store
  let log: AuditLog

  beforeEach(async () => {
    store = await dc.open()
    const clock = new ManualClock(T0)
    log = new AuditLog({ store, clock, secretKey: KEY })
    for (let i = 1; i <= ROWS; i++) {
      await log.append({ actor: { kind: 'staff', id: 'stf_mallory' }, action: 'staff.pii_reveal', subject: { kind: 'customer', id: `cus_${i}` }, detail: { fields: ['phone'], reason: `ticket ${i}` } })
      clock.advance(1000)
    }
    await disableAuditGuards(store)
  })
  afterEach(async () => {
    await store.close()
  })

  const row = (seq: number) => store.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow()
  /** Rewrites a row's hash the way someone without the key can: from its content. */
  const rehash = async (seq: number): Promise<void> => {
    const r = await row(seq)
    await store.db.updateTable('audit_log').set({ hash: auditRowHash({ ...r, seq: Number(r.seq), at: Number(r.at) }) }).where('seq', '=', seq).execute()
  }

  it('an intact chain verifies', async () => {
    expect(await log.verify()).toMatchObject({ ok: true, rows: ROWS, macChecked: true })
  })

  it('an edited detail is named at its row as edited (hash)', async () => {
    await store.db.updateTable('audit_log').set({ detail_json: '{"fields":["phone"],"reason":"routine check"}' }).where('seq', '=', 4).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 4, reason: 'edited', check: 'hash', rows: 3 })
  })

  it('an edited actor is named at its row', async () => {
    await store.db.updateTable('audit_log').set({ actor_id: 'stf_alice' }).where('seq', '=', 7).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 7, reason: 'edited', check: 'hash' })
  })

  it('an edited row whose hash was recomputed without the key fails its MAC at that row', async () => {
    await store.db.updateTable('audit_log').set({ subject_id: 'cus_other' }).where('seq', '=', 5).execute()
    await rehash(5)
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 5, reason: 'edited', check: 'mac' })
  })

  it('without the key, the same re-hashed edit is still found (the next row links to the original hash)', async () => {
    await store.db.updateTable('audit_log').set({ subject_id: 'cus_other' }).where('seq', '=', 5).execute()
    await rehash(5)
    expect(await verifyAuditChain(store.db, { secretKey: null })).toMatchObject({
      ok: false,
      macChecked: false,
      firstBrokenSeq: 5,
      reason: 'edited',
      check: 'prev_hash',
    })
  })

  it('a removed MAC is named at its row', async () => {
    await store.db.updateTable('audit_log').set({ mac: null }).where('seq', '=', 2).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: 'edited', check: 'mac' })
  })

  it('a deleted middle row is named as deleted (seq gap)', async () => {
    await store.db.deleteFrom('audit_log').where('seq', '=', 6).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 6, reason: 'deleted', check: 'seq', rows: 5 })
  })

  it('a deleted first row is named as deleted', async () => {
    await store.db.deleteFrom('audit_log').where('seq', '=', 1).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 1, reason: 'deleted', check: 'seq', rows: 0 })
  })

  it('a deleted row with the later rows renumbered is named at the gap', async () => {
    await store.db.deleteFrom('audit_log').where('seq', '=', 6).execute()
    for (let seq = 7; seq <= ROWS; seq++) await store.db.updateTable('audit_log').set({ seq: seq - 1 }).where('seq', '=', seq).execute()
    await store.db.updateTable('audit_head').set({ seq: ROWS - 1 }).where('id', '=', 1).execute()
    const v = await log.verify()
    // Row 6 is now the old row 7: its seq was edited, so its content no longer matches its hash.
    expect(v).toMatchObject({ ok: false, firstBrokenSeq: 6, reason: 'edited' })
  })

  it('deleted last rows are named as truncated against the head row', async () => {
    await store.db.deleteFrom('audit_log').where('seq', '>=', 9).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 9, reason: 'truncated', check: 'head', rows: 8 })
  })

  it('deleted last rows with the head rolled back pass alone, and are caught by an anchor recorded earlier', async () => {
    const anchor = await log.head()
    const eight = await row(8)
    await store.db.deleteFrom('audit_log').where('seq', '>=', 9).execute()
    await store.db.updateTable('audit_head').set({ seq: 8, hash: eight.hash, at: Number(eight.at) }).where('id', '=', 1).execute()
    // The limit of any hash chain: a consistent prefix looks complete.
    expect(await log.verify()).toMatchObject({ ok: true, rows: 8 })
    expect(await log.verify({ expect: { seq: anchor.seq, hash: anchor.hash } })).toMatchObject({
      ok: false,
      firstBrokenSeq: 9,
      reason: 'truncated',
      check: 'anchor',
    })
    expect(await log.verify({ expect: { seq: 10 } })).toMatchObject({ ok: false, firstBrokenSeq: 9, reason: 'truncated' })
  })

  it('a deleted head row is reported', async () => {
    await store.db.deleteFrom('audit_head').execute()
    expect(await log.verify()).toMatchObject({ ok: false, head: null, firstBrokenSeq: ROWS + 1, reason: 'truncated', check: 'head' })
  })

  it('two swapped rows are named as reordered at the first of them', async () => {
    await store.db.updateTable('audit_log').set({ seq: -3 }).where('seq', '=', 3).execute()
    await store.db.updateTable('audit_log').set({ seq: 3 }).where('seq', '=', 4).execute()
    await store.db.updateTable('audit_log').set({ seq: 4 }).where('seq', '=', -3).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: 'reordered', check: 'prev_hash', rows: 2 })
  })

  it('a row moved to the end is named as reordered at its old place', async () => {
    await store.db.updateTable('audit_log').set({ seq: 99 }).where('seq', '=', 5).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 5, reason: 'reordered', check: 'seq' })
  })

  it('a chain rewritten end to end without the key fails its MACs, and without MACs its anchor', async () => {
    // Rebuild the whole chain with row 3 removed, as a careful attacker without the key would.
    const rows = await store.db.selectFrom('audit_log').selectAll().where('seq', '!=', 3).orderBy('seq').execute()
    await store.db.deleteFrom('audit_log').execute()
    let prev = GENESIS_HASH
    let seq = 0
    for (const r of rows) {
      seq++
      const fields = { ...r, seq, at: Number(r.at), prev_hash: prev }
      const hash = auditRowHash(fields)
      await store.db.insertInto('audit_log').values({ ...fields, hash, mac: r.mac }).execute()
      prev = hash
    }
    await store.db.updateTable('audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute()

    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: 'edited', check: 'mac' })
    expect(await verifyAuditChain(store.db, { secretKey: null })).toMatchObject({ ok: true, rows: ROWS - 1 })
    expect(await verifyAuditChain(store.db, { secretKey: null, expect: { seq: 5, hash: (await rowsHashAt(5)) ?? '' } })).toMatchObject({ ok: true })
  })

  it('rows rewritten back in time are named as reordered', async () => {
    await store.db.updateTable('audit_log').set({ at: T0 }).where('seq', '=', 6).execute()
    await rehash(6)
    // Re-link the rest so only the time betrays it (no key: the MAC check is off).
    for (let seq = 7; seq <= ROWS; seq++) {
      await store.db.updateTable('audit_log').set({ prev_hash: (await row(seq - 1)).hash }).where('seq', '=', seq).execute()
      await rehash(seq)
    }
    await store.db.updateTable('audit_head').set({ hash: (await row(ROWS)).hash }).where('id', '=', 1).execute()
    expect(await verifyAuditChain(store.db, { secretKey: null })).toMatchObject({ ok: false, firstBrokenSeq: 6, reason: 'reordered', check: 'time' })
  })

  it('a head row that no longer matches the last row is reported', async () => {
    await store.db.updateTable('audit_head').set({ hash: 'f'.repeat(64) }).where('id', '=', 1).execute()
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: ROWS, reason: 'edited', check: 'head' })
  })

  it('an anchor whose hash differs is named at its seq', async () => {
    expect(await log.verify({ expect: { seq: 4, hash: 'a'.repeat(64) } })).toMatchObject({ ok: false, firstBrokenSeq: 4, check: 'anchor' })
  })

  async function rowsHashAt(seq: number): Promise<string | undefined> {
    return (await store.db.selectFrom('audit_log').select('hash').where('seq', '=', seq).executeTakeFirst())?.hash
  }
})
