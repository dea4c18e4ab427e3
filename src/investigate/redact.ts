/** A value as JSON carries it: what every investigation result is made of, so HTTP and CLI print it as is. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue }

/**
 * Keys whose values never leave an investigation result, at any depth: the request fields the
 * access recorder already strips (src/http/accessDetail.ts), anything named like a credential,
 * session or token, and the login ID (half of the credential pair seed 000's attackers held; the
 * history keeps only its hash for that reason).
 */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'tradingpassword',
  'currentpassword',
  'newpassword',
  'code',
  'confirmation',
  'response',
  'flowtoken',
  'pairingcode',
  'loginid',
  'challenge',
])
const SECRET_KEY_PATTERN = /password|passwd|secret|token|session|hash|cookie|authorization|credential|otp|privatekey|publickey/i
/** PII kept but masked: staff see PII masked by default (D-1). */
const MASKED_KEYS: ReadonlySet<string> = new Set(['email', 'to', 'phone', 'accountnumber', 'address'])

/** Whether a field of this name is never shown. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase()) || SECRET_KEY_PATTERN.test(key)
}

/** A copy of `value` without secret fields and with PII fields masked, to any depth. */
export function withoutSecrets(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutSecrets)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {}
    for (const [key, v] of Object.entries(value as JsonObject)) {
      if (isSecretKey(key)) continue
      out[key] = MASKED_KEYS.has(key.toLowerCase()) && typeof v === 'string' ? maskText(key, v) : withoutSecrets(v)
    }
    return out
  }
  return value
}

/** Parses stored JSON text into a value without secrets; unparsable text becomes null, never an exception. */
export function parseStoredJson(text: string | null): JsonValue {
  if (text === null) return null
  try {
    return withoutSecrets(JSON.parse(text) as JsonValue)
  } catch {
    return null
  }
}

/** Like `parseStoredJson`, for text that should hold an object; anything else is `{}`. */
export function parseStoredObject(text: string | null): JsonObject {
  const value = parseStoredJson(text)
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {}
}

/** `****567`: the last three digits identify an account to its owner and to nobody else. */
export function maskAccountNumber(accountNumber: string): string {
  return `****${accountNumber.slice(-3)}`
}

/** `h***@example.jp`, `090-****-5678`. */
export function maskText(key: string, value: string): string {
  const k = key.toLowerCase()
  if (k === 'accountnumber') return maskAccountNumber(value)
  const at = value.indexOf('@')
  if (at > 0) return `${value.slice(0, 1)}***${value.slice(at)}`
  if (k === 'phone') return value.length <= 4 ? '****' : `****${value.slice(-4)}`
  return value.length <= 2 ? '***' : `${value.slice(0, 2)}***`
}
