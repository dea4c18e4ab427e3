import type { Selectable } from 'kysely'
import type { AuditLogTable, Db } from '../store/index.js'
import { auditRowHash, auditRowMac, deriveAuditMacKey, digestsEqual, GENESIS_HASH } from './auditHash.js'

/** The chain's head: the last seq, its hash and time. Seq 0 with the genesis hash is an empty log. */
export interface AuditHead {
  readonly seq: number
  readonly hash: string
  readonly at: number
}

/**
 * A point of the chain recorded outside the database (`mamori audit head`, written to a ticket,
 * a WORM bucket, a daily e-mail): the chain must still reach `seq`, and row `seq` must still have
 * `hash`. This is what catches a deleted tail or a chain rewritten end to end by someone who also
 * rolled the head row back.
 */
export interface AuditAnchor {
  readonly seq: number
  readonly hash?: string
}

export interface AuditVerifyOptions {
  /**
   * The configured 32-byte secret (`secrets.key`). When given, every row must carry a valid MAC;
   * null checks the hash chain alone (an auditor without the key).
   */
  readonly secretKey: Buffer | null
  readonly expect?: AuditAnchor
  /** Rows read per query. Default 2,000. */
  readonly pageSize?: number
  /** Told after each page: rows verified so far, and rows the head says there are. */
  readonly onProgress?: (verified: number, total: number) => void
}

/** What the tampering most likely was. */
export type AuditBreakReason = 'edited' | 'deleted' | 'reordered' | 'truncated'

/**
 * Which check failed: `seq` a gap in the numbering, `prev_hash` a row not linked to the one
 * before it, `hash` a row whose content does not match its hash, `mac` a row whose MAC is missing
 * or wrong, `time` a row older than the one before it, `head` the chain not ending where the head
 * row says, `anchor` the chain disagreeing with an anchor.
 */
export type AuditCheck = 'seq' | 'prev_hash' | 'hash' | 'mac' | 'time' | 'head' | 'anchor'

export type AuditVerification =
  | {
      readonly ok: true
      /** Rows verified: the whole chain up to the head read when verification began. */
      readonly rows: number
      readonly head: AuditHead
      /** Whether MACs were checked (a secret key was given). */
      readonly macChecked: boolean
    }
  | {
      readonly ok: false
      /** Rows verified intact before the break. */
      readonly rows: number
      readonly head: AuditHead | null
      readonly macChecked: boolean
      /** The first row that is missing, altered or out of place. */
      readonly firstBrokenSeq: number
      readonly reason: AuditBreakReason
      readonly check: AuditCheck
      readonly message: string
    }

type Row = Selectable<AuditLogTable>
type Broken = Extract<AuditVerification, { ok: false }>

const DEFAULT_PAGE_SIZE = 2_000

/**
 * Walks the chain in seq order, a page at a time (memory stays flat for any length), and stops at
 * the first row that breaks it. Rows appended after the head was read are left for the next run.
 *
 * For each row, in order (the first failing check names the row and the likely tampering):
 * 1. its seq is the next number — else rows were deleted (`deleted`), or moved elsewhere when the
 *    row that links to the previous one sits at another seq (`reordered`);
 * 2. its prev_hash is the previous row's hash — else `reordered` when the previous row's true
 *    successor sits elsewhere; `edited` at the previous row when this row is intact (the previous
 *    row was edited and re-hashed, which only a MAC pins to its own row); `edited` here otherwise;
 * 3. its hash matches its content — else `edited`;
 * 4. its MAC matches its hash (with a key) — else `edited` (re-hashed by someone without the key);
 * 5. it is not older than the previous row — else `reordered` (appends never go back in time);
 * 6. it matches the anchor, at the anchor's seq.
 * Then the chain must end exactly at the head row (else `truncated`) and reach the anchor.
 */
export async function verifyAuditChain(db: Db, options: AuditVerifyOptions): Promise<AuditVerification> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 100_000) throw new TypeError('pageSize must be an integer from 1 to 100,000')
  const anchor = options.expect
  if (anchor !== undefined && (!Number.isSafeInteger(anchor.seq) || anchor.seq < 1)) throw new TypeError('expect.seq must be a positive integer')
  const macKey = options.secretKey === null ? null : deriveAuditMacKey(options.secretKey)
  const macChecked = macKey !== null

  const headRow = await db.selectFrom('audit_head').select(['seq', 'hash', 'at']).where('id', '=', 1).executeTakeFirst()
  const head: AuditHead | null = headRow === undefined ? null : { seq: Number(headRow.seq), hash: headRow.hash, at: Number(headRow.at) }
  const last = head?.seq ?? Number.MAX_SAFE_INTEGER

  let verified = 0
  let expectedPrev = GENESIS_HASH
  let prevAt = Number.MIN_SAFE_INTEGER
  const broken = (firstBrokenSeq: number, reason: AuditBreakReason, check: AuditCheck, message: string): Broken =>
    Object.freeze({ ok: false, rows: verified, head, macChecked, firstBrokenSeq, reason, check, message })
  const successorOf = async (hash: string): Promise<number | undefined> => {
    const row = await db.selectFrom('audit_log').select('seq').where('prev_hash', '=', hash).executeTakeFirst()
    return row === undefined ? undefined : Number(row.seq)
  }

  for (;;) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', verified)
      .where('seq', '<=', last)
      .orderBy('seq')
      .limit(pageSize)
      .execute()
    for (const row of page) {
      const expectedSeq = verified + 1
      const seq = Number(row.seq)
      const at = Number(row.at)

      if (seq !== expectedSeq) {
        const moved = await successorOf(expectedPrev)
        if (moved !== undefined) {
          return broken(expectedSeq, 'reordered', 'seq', `row ${expectedSeq} is at seq ${moved}: rows were moved`)
        }
        const missing = seq - expectedSeq
        return broken(expectedSeq, 'deleted', 'seq', `row ${expectedSeq}${missing > 1 ? `-${seq - 1}` : ''} is missing: the chain jumps to ${seq}`)
      }

      const intact = rowIntact(row, seq, at)
      if (row.prev_hash !== expectedPrev) {
        const moved = await successorOf(expectedPrev)
        if (moved !== undefined) {
          return broken(seq, 'reordered', 'prev_hash', `row ${seq} does not follow row ${seq - 1}; the row that does is at seq ${moved}`)
        }
        if (intact && seq > 1) {
          return broken(seq - 1, 'edited', 'prev_hash', `row ${seq - 1} was changed and its hash recomputed: row ${seq} still links to its original hash`)
        }
        return broken(seq, 'edited', intact ? 'prev_hash' : 'hash', `row ${seq} was changed: its link to row ${seq - 1} does not match`)
      }
      if (!intact) return broken(seq, 'edited', 'hash', `row ${seq} was changed: its content does not match its hash`)
      if (macKey !== null && !digestsEqual(row.mac, auditRowMac(macKey, row.hash))) {
        const what = row.mac === null ? 'has no MAC (written without the secret key, or the MAC was removed)' : 'has a MAC that does not match'
        return broken(seq, 'edited', 'mac', `row ${seq} ${what}: it was rewritten by someone without the key`)
      }
      if (at < prevAt) return broken(seq, 'reordered', 'time', `row ${seq} is older than row ${seq - 1}: rows were reordered`)
      if (anchor !== undefined && anchor.hash !== undefined && seq === anchor.seq && !digestsEqual(row.hash, anchor.hash)) {
        return broken(seq, 'edited', 'anchor', `row ${seq} differs from the anchor: the chain was rewritten at or before it`)
      }

      verified = seq
      expectedPrev = row.hash
      prevAt = at
    }
    options.onProgress?.(verified, head?.seq ?? verified)
    if (page.length < pageSize) break
  }

  if (head === null) {
    return broken(verified + 1, 'truncated', 'head', `the head row is missing: rows after ${verified} may have been deleted`)
  }
  if (verified < head.seq) {
    return broken(verified + 1, 'truncated', 'head', `rows ${verified + 1}-${head.seq} are missing: the head says the chain ends at ${head.seq}`)
  }
  if (head.hash !== expectedPrev) {
    return broken(Math.max(1, head.seq), 'edited', 'head', `row ${head.seq} does not match the head row`)
  }
  if (anchor !== undefined && anchor.seq > verified) {
    return broken(verified + 1, 'truncated', 'anchor', `the chain ends at ${verified}, before the anchor at ${anchor.seq}`)
  }
  return Object.freeze({ ok: true, rows: verified, head, macChecked })
}

function rowIntact(row: Row, seq: number, at: number): boolean {
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(at)) return false
  return digestsEqual(row.hash, auditRowHash({ ...row, seq, at }))
}
