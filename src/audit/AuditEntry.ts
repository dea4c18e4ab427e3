import { isAuditAction, type AuditAction } from './auditActions.js'

/** Who acted: a staff member, a customer, or Mamori itself. */
export type AuditActorKind = 'staff' | 'customer' | 'system'

export interface AuditActor {
  readonly kind: AuditActorKind
  /** Staff id, customer id, or the component's name for `system` (e.g. `risk_engine`). */
  readonly id: string
}

/** What the action was about, e.g. `{ kind: 'customer', id: 'cus_…' }`. */
export interface AuditSubject {
  readonly kind: string
  readonly id: string
}

/** A JSON value that may appear in an audit detail. */
export type AuditValue = string | number | boolean | null | readonly AuditValue[] | { readonly [key: string]: AuditValue }

/**
 * Structured facts about the action: a reason, an amount, a case id, the names of the PII fields
 * revealed. Never a secret and never unmasked PII: the audit log is read by auditors and kept for
 * years, and a copy of a credential in it would be a second place to steal it from (B-1).
 */
export type AuditDetail = { readonly [key: string]: AuditValue }

/** What a caller hands to `AuditLog.append`. */
export interface AuditEntry {
  readonly actor: AuditActor
  readonly action: AuditAction
  readonly subject?: AuditSubject | null
  readonly detail?: AuditDetail
}

/** One row of the chain as read back. */
export interface AuditRecord {
  readonly seq: number
  /** Milliseconds since the epoch; never earlier than the previous row's. */
  readonly at: number
  readonly actor: AuditActor
  readonly action: AuditAction
  readonly subject: AuditSubject | null
  readonly detail: AuditDetail
  readonly prevHash: string
  readonly hash: string
  /** HMAC of `hash` when the log is kept with a secret key, else null. */
  readonly mac: string | null
}

const ACTOR_KINDS: ReadonlySet<string> = new Set(['staff', 'customer', 'system'])
const ID_SHAPE = /^[\x21-\x7e]{1,128}$/
const SUBJECT_KIND_SHAPE = /^[a-z][a-z0-9_]{0,31}$/
const KEY_SHAPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const MAX_DEPTH = 4
/** A detail is a short note, not a document: bounded so one append cannot bloat the chain. */
export const MAX_DETAIL_BYTES = 8 * 1024

/**
 * Keys that name a secret (compared lower-cased, underscores removed). A detail carrying one is
 * refused outright rather than redacted: redaction would hide the bug that put it there.
 */
const SECRET_WORDS = ['password', 'passphrase', 'passcode', 'secret', 'token', 'credential', 'privatekey', 'cookie', 'authorization', 'apikey']
const SECRET_KEYS: ReadonlySet<string> = new Set(['code', 'otp', 'otpcode', 'totpcode', 'emailcode', 'pin', 'tradingpin', 'seed', 'totpseed', 'challenge', 'assertion'])
/** Keys whose value would be a customer's PII in clear (A-1, A-4). Masked forms go under `…Masked`. */
const PII_KEYS: ReadonlySet<string> = new Set([
  'name',
  'namekanji',
  'namekana',
  'fullname',
  'address',
  'phone',
  'phonenumber',
  'email',
  'emailaddress',
  'dateofbirth',
  'dob',
  'birthdate',
  'accountnumber',
  'holderkana',
  'holdername',
])

/**
 * Checks an entry and returns the stored form of its detail: canonical JSON (keys sorted), so the
 * same facts always hash the same. Malformed entries are programming errors and throw TypeError.
 */
export function checkAuditEntry(entry: AuditEntry): string {
  if (entry === null || typeof entry !== 'object') throw new TypeError('an audit entry must be an object')
  const { actor, action, subject, detail } = entry
  if (actor === null || typeof actor !== 'object' || !ACTOR_KINDS.has(actor.kind)) {
    throw new TypeError('audit actor.kind must be staff, customer or system')
  }
  if (typeof actor.id !== 'string' || !ID_SHAPE.test(actor.id)) throw new TypeError('audit actor.id must be 1-128 printable ASCII characters')
  if (!isAuditAction(action)) throw new TypeError(`unknown audit action ${JSON.stringify(action)}: declare it in AUDIT_ACTIONS`)
  if (subject !== undefined && subject !== null) {
    if (typeof subject.kind !== 'string' || !SUBJECT_KIND_SHAPE.test(subject.kind)) {
      throw new TypeError('audit subject.kind must be a lower-case identifier')
    }
    if (typeof subject.id !== 'string' || !ID_SHAPE.test(subject.id)) throw new TypeError('audit subject.id must be 1-128 printable ASCII characters')
  }
  const value = detail ?? {}
  if (!isPlainObject(value)) throw new TypeError('audit detail must be a plain object')
  const json = canonicalJson(value, 'detail', 0)
  if (Buffer.byteLength(json, 'utf8') > MAX_DETAIL_BYTES) throw new TypeError(`audit detail exceeds ${MAX_DETAIL_BYTES} bytes`)
  return json
}

function canonicalJson(value: unknown, path: string, depth: number): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`audit ${path} must be a finite number`)
    return JSON.stringify(value)
  }
  if (typeof value === 'string') {
    // PostgreSQL text cannot hold NUL; SQLite could, and the two dialects must store the same bytes.
    if (value.includes('\u0000')) throw new TypeError(`audit ${path} contains NUL`)
    return JSON.stringify(value)
  }
  if (depth >= MAX_DEPTH) throw new TypeError(`audit ${path} nests deeper than ${MAX_DEPTH} levels`)
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`, depth + 1)).join(',')}]`
  if (!isPlainObject(value)) throw new TypeError(`audit ${path} must hold only JSON values`)
  const keys = Object.keys(value).sort()
  const parts: string[] = []
  for (const key of keys) {
    checkKey(key, `${path}.${key}`)
    const v = value[key]
    if (v === undefined) continue
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v, `${path}.${key}`, depth + 1)}`)
  }
  return `{${parts.join(',')}}`
}

function checkKey(key: string, path: string): void {
  if (!KEY_SHAPE.test(key)) throw new TypeError(`audit ${path}: keys must be identifiers`)
  const folded = key.toLowerCase().replaceAll('_', '')
  if (SECRET_KEYS.has(folded) || SECRET_WORDS.some((w) => folded.includes(w))) {
    throw new TypeError(`audit ${path} looks like a secret; the audit log never holds one`)
  }
  if (PII_KEYS.has(folded)) throw new TypeError(`audit ${path} would hold unmasked PII; record a masked form (${key}Masked) or the field name`)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
