import type { Selectable, Transaction } from 'kysely'
import { MamoriError } from '../errors/index.js'
import type { Clock } from '../runtime/index.js'
import type { AuditLogTable, Database, Store } from '../store/index.js'
import type { AuditAction } from './auditActions.js'
import { checkAuditEntry, type AuditActorKind, type AuditDetail, type AuditEntry, type AuditRecord } from './AuditEntry.js'
import { auditRowHash, auditRowMac, deriveAuditMacKey } from './auditHash.js'
import { verifyAuditChain, type AuditAnchor, type AuditHead, type AuditVerification } from './verifyAuditChain.js'

export interface AuditLogOptions {
  readonly store: Store
  readonly clock: Clock
  /**
   * The configured 32-byte secret (`secrets.key`). With it every row carries an HMAC that a
   * database administrator without the key cannot recompute after an edit. Null keeps a plain
   * hash chain (tamper-evident only against someone who does not recompute the hashes); it must
   * be chosen explicitly.
   */
  readonly secretKey: Buffer | null
}

/** What `list` selects. Every field narrows; none means the newest rows. */
export interface AuditFilter {
  readonly actorKind?: AuditActorKind
  readonly actorId?: string
  readonly action?: AuditAction | readonly AuditAction[]
  readonly subjectKind?: string
  readonly subjectId?: string
  /** Rows at or after this time (ms). */
  readonly since?: number
  /** Rows before this time (ms). */
  readonly until?: number
  /** Keyset paging: rows with a seq below this (newest-first pages) ... */
  readonly beforeSeq?: number
  /** ... or above this (oldest-first pages). */
  readonly afterSeq?: number
  /** Default 100, at most 1,000. */
  readonly limit?: number
  /** Default `desc` (newest first). */
  readonly order?: 'asc' | 'desc'
}

/** Options of `AuditLog.verify`; the key is the log's own. */
export interface AuditLogVerifyOptions {
  readonly expect?: AuditAnchor
  readonly pageSize?: number
  readonly onProgress?: (verified: number, total: number) => void
}

type Row = Selectable<AuditLogTable>

const DEFAULT_LIST_LIMIT = 100
const MAX_LIST_LIMIT = 1_000

/**
 * The tamper-evident audit log (D-8): an append-only hash chain of staff actions and customer
 * security events. Each row's hash covers its content and the previous row's hash, so an edit,
 * a deletion or a reordering breaks the chain from that row on, and `verify` names the row.
 *
 * Appends are serialised on the head row: every append first writes (locks) `audit_head`, reads
 * the last seq and hash, inserts the next row and moves the head. On PostgreSQL the row lock
 * orders appends from every pool connection and every process; on SQLite the write as the first
 * statement takes the database's write lock before anything is read (a read first would let two
 * processes read the same head, and one of them fail to upgrade). The database checks the same
 * rule again (migration 0005), and a unique prev_hash makes a fork impossible even for a writer
 * that bypasses this class.
 */
export class AuditLog {
  readonly #store: Store
  readonly #clock: Clock
  readonly #secretKey: Buffer | null
  readonly #macKey: Buffer | null

  constructor(options: AuditLogOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('AuditLog needs options')
    if (options.secretKey === undefined) throw new TypeError('AuditLog needs secretKey: the configured key, or null for a plain hash chain')
    this.#store = options.store
    this.#clock = options.clock
    this.#secretKey = options.secretKey === null ? null : Buffer.from(options.secretKey)
    this.#macKey = this.#secretKey === null ? null : deriveAuditMacKey(this.#secretKey)
  }

  /**
   * Appends one entry and returns the stored row. Pass the caller's transaction to make the
   * record commit or roll back with the action it describes (a staff approval and its audit row
   * are one fact); the head row then stays locked until that transaction ends, so keep it short.
   * On SQLite, in a caller's transaction that has already read, another process may hold the
   * write lock; append on its own when in doubt.
   */
  async append(entry: AuditEntry, trx?: Transaction<Database>): Promise<AuditRecord> {
    const detailJson = checkAuditEntry(entry)
    if (trx !== undefined) return this.#appendIn(trx, entry, detailJson)
    return this.#store.transaction((t) => this.#appendIn(t, entry, detailJson))
  }

  async #appendIn(trx: Transaction<Database>, entry: AuditEntry, detailJson: string): Promise<AuditRecord> {
    // A write that changes nothing, as the first statement: the lock described above.
    const head = await trx
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .returning(['seq', 'hash', 'at'])
      .executeTakeFirst()
    if (head === undefined) throw new MamoriError('AUDIT_LOG_BROKEN', 'the audit log has no head row; run mamori audit verify')
    const headAt = Number(head.at)
    const fields = {
      seq: Number(head.seq) + 1,
      // Never before the previous row, whatever this node's clock says: verify treats a step
      // back in time as reordering.
      at: Math.max(this.#clock.now(), headAt),
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.id,
      action: entry.action,
      subject_kind: entry.subject?.kind ?? null,
      subject_id: entry.subject?.id ?? null,
      detail_json: detailJson,
      prev_hash: head.hash,
    }
    const hash = auditRowHash(fields)
    const mac = this.#macKey === null ? null : auditRowMac(this.#macKey, hash)
    const row: Row = { ...fields, hash, mac }
    await trx.insertInto('audit_log').values(row).execute()
    await trx.updateTable('audit_head').set({ seq: row.seq, hash, at: row.at }).where('id', '=', 1).execute()
    return toRecord(row)
  }

  /** The last row appended (seq 0 and the genesis hash when empty): record it elsewhere as an anchor. */
  async head(): Promise<AuditHead> {
    const head = await this.#store.db.selectFrom('audit_head').select(['seq', 'hash', 'at']).where('id', '=', 1).executeTakeFirst()
    if (head === undefined) throw new MamoriError('AUDIT_LOG_BROKEN', 'the audit log has no head row; run mamori audit verify')
    return { seq: Number(head.seq), hash: head.hash, at: Number(head.at) }
  }

  /** Verifies the whole chain with this log's key; see `verifyAuditChain`. */
  async verify(options: AuditLogVerifyOptions = {}): Promise<AuditVerification> {
    return verifyAuditChain(this.#store.db, { ...options, secretKey: this.#secretKey })
  }

  /** Rows matching `filter`, newest first unless `order: 'asc'`; for staff and auditor views. */
  async list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new TypeError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`)
    let query = this.#store.db.selectFrom('audit_log').selectAll()
    if (filter.actorKind !== undefined) query = query.where('actor_kind', '=', filter.actorKind)
    if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
    if (filter.action !== undefined) {
      const actions: readonly AuditAction[] = typeof filter.action === 'string' ? [filter.action] : filter.action
      if (actions.length === 0) return []
      query = query.where('action', 'in', actions)
    }
    if (filter.subjectKind !== undefined) query = query.where('subject_kind', '=', filter.subjectKind)
    if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId)
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since)
    if (filter.until !== undefined) query = query.where('at', '<', filter.until)
    if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq)
    if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq)
    const rows = await query
      .orderBy('seq', filter.order ?? 'desc')
      .limit(limit)
      .execute()
    return rows.map(toRecord)
  }
}

function toRecord(row: Row): AuditRecord {
  return Object.freeze({
    seq: Number(row.seq),
    at: Number(row.at),
    actor: Object.freeze({ kind: row.actor_kind, id: row.actor_id }),
    action: row.action as AuditAction,
    subject: row.subject_kind === null || row.subject_id === null ? null : Object.freeze({ kind: row.subject_kind, id: row.subject_id }),
    detail: JSON.parse(row.detail_json) as AuditDetail,
    prevHash: row.prev_hash,
    hash: row.hash,
    mac: row.mac,
  })
}
