/**
 * Where a counter stands. For `hit`, `allowed` says whether that hit was within the limit
 * (`count <= limit`); for `peek`, whether one more hit would be (`count < limit`). Either way,
 * `allowed: false` means "refuse now", and `retryAfterMs` is how long until the window ends
 * (0 when allowed).
 */
export interface LimitState {
  readonly allowed: boolean
  readonly count: number
  readonly retryAfterMs: number
}

/**
 * A fixed-window counter: the first hit on a key opens a window of `windowMs`; every hit inside
 * it counts; when it ends the key starts from zero. A key is meant to be used with one
 * `windowMs` (use distinct keys for distinct windows). Across a window boundary a caller can
 * get at most `2 × limit` hits in any span of `windowMs`, the price of O(1) state per key.
 */
export interface Limiter {
  /** Counts one event against `key` and says whether it was within `limit`. */
  hit(key: string, limit: number, windowMs: number): Promise<LimitState>
  /** Where `key` stands, without counting anything. */
  peek(key: string, limit: number, windowMs: number): Promise<LimitState>
  /** Forgets `key` (staff unlock, tests). */
  reset(key: string): Promise<void>
}

const MAX_KEY_LENGTH = 512

/** Misuse by the caller is a TypeError: keys, limits and windows come from code, not from clients. */
export function assertLimitArgs(key: string, limit: number, windowMs: number): void {
  assertKey(key)
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new TypeError('limit must be a positive integer')
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0)
    throw new TypeError('windowMs must be a positive integer')
}

/** A key is a non-empty string of bounded length. */
export function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new TypeError(`limiter key must be a string of 1..${MAX_KEY_LENGTH} characters`)
  }
}
