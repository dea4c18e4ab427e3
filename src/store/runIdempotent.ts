import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import { MamoriError } from '../errors/index.js'
import type { Database } from './schema.js'
import type { Store } from './store.js'

export interface IdempotentRequest {
  /** Who the key belongs to and what it is for, e.g. `cust_1:withdrawal`. Keys never collide across scopes. */
  readonly scope: string
  readonly key: string
  /** The request's canonical content; the same key with different content is refused. */
  readonly request: unknown
  readonly at: number
}

export interface IdempotentResult<T> {
  readonly status: number
  readonly body: T
  /** True when this is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean
}

const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{8,128}$/

/** Validates a client idempotency key: 8-128 characters of [A-Za-z0-9_-:.]. */
export function checkIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw new MamoriError('IDEMPOTENCY_KEY_REQUIRED', 'this operation needs an Idempotency-Key header')
  }
  if (!KEY_PATTERN.test(key)) {
    throw new MamoriError('VALIDATION_FAILED', 'Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ - : .')
  }
  return key
}

/**
 * Runs a client-initiated operation at most once per (scope, key). The record is inserted first,
 * in the same transaction as the operation: a concurrent duplicate blocks on that row (PostgreSQL)
 * or on the single writer (SQLite), then finds the key taken, and answers with the stored result.
 * A failed operation rolls its record back with it, so a retry runs it again.
 */
export async function runIdempotent<T>(
  store: Store,
  req: IdempotentRequest,
  operation: (trx: Transaction<Database>) => Promise<{ status: number; body: T }>,
): Promise<IdempotentResult<T>> {
  const requestHash = hashRequest(req.request)
  const earlier = await findRecord<T>(store, req, requestHash)
  if (earlier !== undefined) return earlier
  try {
    return await store.transaction(async (trx) => {
      await trx
        .insertInto('idempotency_records')
        .values({ scope: req.scope, key: req.key, request_hash: requestHash, status_code: 0, response_json: '', created_at: req.at })
        .execute()
      const result = await operation(trx)
      await trx
        .updateTable('idempotency_records')
        .set({ status_code: result.status, response_json: JSON.stringify(result.body) })
        .where('scope', '=', req.scope)
        .where('key', '=', req.key)
        .execute()
      return { ...result, replayed: false }
    })
  } catch (err) {
    if (store.constraintViolation(err) !== 'unique') throw err
    // The duplicate insert only fails once the first request has committed, so its answer is
    // there; if it is not, the violation came from the operation itself.
    const winner = await findRecord<T>(store, req, requestHash)
    if (winner === undefined) throw err
    return winner
  }
}

async function findRecord<T>(
  store: Store,
  req: IdempotentRequest,
  requestHash: string,
): Promise<IdempotentResult<T> | undefined> {
  const row = await store.db
    .selectFrom('idempotency_records')
    .select(['request_hash', 'status_code', 'response_json'])
    .where('scope', '=', req.scope)
    .where('key', '=', req.key)
    .executeTakeFirst()
  if (row === undefined) return undefined
  if (row.request_hash !== requestHash) {
    throw new MamoriError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request')
  }
  return { status: Number(row.status_code), body: JSON.parse(row.response_json) as T, replayed: true }
}

function hashRequest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex')
}

/** JSON with object keys sorted, so logically equal requests hash equally. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}
