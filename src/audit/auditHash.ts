import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto'

/** The `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64)

const ENCODING_TAG = 'mamori.audit.v1'
const MAC_INFO = 'mamori/audit/hmac-sha256/v1'
const KEY_BYTES = 32
const HEX64 = /^[0-9a-f]{64}$/

/** The stored columns a row's hash covers, exactly as stored. */
export interface AuditHashInput {
  readonly seq: number
  readonly at: number
  readonly actor_kind: string
  readonly actor_id: string
  readonly action: string
  readonly subject_kind: string | null
  readonly subject_id: string | null
  readonly detail_json: string
  readonly prev_hash: string
}

/**
 * SHA-256 (hex) over the canonical encoding of a row: a JSON array of a version tag and the
 * columns in a fixed order. JSON quotes and escapes every string, so no two different rows
 * encode alike (no field can run into the next), and seq and at are exact integers. The detail
 * is hashed as the stored text, so verification never depends on re-serialising it.
 *
 * Changing this encoding breaks every existing chain: a new one needs a new tag.
 */
export function auditRowHash(row: AuditHashInput): string {
  if (!Number.isSafeInteger(row.seq) || !Number.isSafeInteger(row.at)) throw new TypeError('seq and at must be safe integers')
  const encoded = JSON.stringify([
    ENCODING_TAG,
    row.seq,
    row.at,
    row.actor_kind,
    row.actor_id,
    row.action,
    row.subject_kind,
    row.subject_id,
    row.detail_json,
    row.prev_hash,
  ])
  return createHash('sha256').update(encoded, 'utf8').digest('hex')
}

/**
 * The MAC key, derived from the configured 32-byte secret (RFC 5869 HKDF-SHA256) so that it is
 * independent of every other key Mamori derives from the same secret.
 */
export function deriveAuditMacKey(secretKey: Buffer): Buffer {
  if (!Buffer.isBuffer(secretKey) || secretKey.length !== KEY_BYTES) throw new TypeError('the audit secret key must be 32 bytes')
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), Buffer.from(MAC_INFO, 'utf8'), KEY_BYTES))
}

/**
 * HMAC-SHA256 (hex) of a row's hash. The hash already commits to the row and, through
 * `prev_hash`, to every row before it; the MAC adds that only a holder of the key could have
 * written it, so a database administrator who edits a row cannot recompute a chain that verifies.
 */
export function auditRowMac(macKey: Buffer, hash: string): string {
  return createHmac('sha256', macKey).update(`${ENCODING_TAG}:${hash}`, 'utf8').digest('hex')
}

/** Compares two hex digests in constant time; anything that is not 64 hex characters is unequal. */
export function digestsEqual(a: string | null, b: string): boolean {
  if (a === null || !HEX64.test(a) || !HEX64.test(b)) return false
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))
}
