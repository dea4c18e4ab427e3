import type { Clock } from '../../runtime/index.js'
import { assertKey, assertLimitArgs, type Limiter, type LimitState } from './Limiter.js'

/** What MemoryLimiter needs. */
export interface MemoryLimiterOptions {
  clock: Clock
  /** Most keys held at once (default 1,000,000, roughly 150 MB at worst). */
  maxKeys?: number
}

interface Entry {
  readonly key: string
  readonly windowMs: number
  readonly resetAt: number
  count: number
}

/** Default cap on live keys. */
export const MEMORY_LIMITER_MAX_KEYS = 1_000_000

/**
 * A fixed-window Limiter for a single node (the default when no Redis is configured; with several
 * API nodes each would count alone, so use RedisLimiter there).
 *
 * Memory is bounded. Expired windows are dropped as time passes: entries are kept in one
 * insertion-ordered map per window length, where insertion order is expiry order, so each call
 * drops the expired prefix in time proportional to what it drops. Live keys are capped at
 * `maxKeys`. When the cap is reached, a key that is not already counted is treated as OVER its
 * limit (fail closed), by `hit` and by `peek` alike: otherwise an attacker could fill the table
 * with junk keys (e.g. rotating IPv6 addresses) and then make attempts under fresh keys that are
 * never counted. The cost is that, while the table is full, new keys (new IPs) are refused until
 * windows expire; keys already counted keep their exact budget.
 */
export class MemoryLimiter implements Limiter {
  readonly #clock: Clock
  readonly #maxKeys: number
  readonly #byKey = new Map<string, Entry>()
  readonly #byWindow = new Map<number, Map<string, Entry>>()

  constructor(options: MemoryLimiterOptions) {
    const maxKeys = options.maxKeys ?? MEMORY_LIMITER_MAX_KEYS
    if (!Number.isSafeInteger(maxKeys) || maxKeys <= 0)
      throw new TypeError('maxKeys must be a positive integer')
    this.#clock = options.clock
    this.#maxKeys = maxKeys
  }

  /** Keys currently held (for metrics and tests). */
  get size(): number {
    return this.#byKey.size
  }

  async hit(key: string, limit: number, windowMs: number): Promise<LimitState> {
    assertLimitArgs(key, limit, windowMs)
    const now = this.#clock.now()
    this.#sweep(now)
    let entry = this.#live(key, now)
    if (entry === undefined) {
      if (this.#byKey.size >= this.#maxKeys) return this.#full(limit, now)
      entry = { key, windowMs, resetAt: now + windowMs, count: 0 }
      this.#insert(entry)
    }
    entry.count++
    const allowed = entry.count <= limit
    return { allowed, count: entry.count, retryAfterMs: allowed ? 0 : entry.resetAt - now }
  }

  async peek(key: string, limit: number, windowMs: number): Promise<LimitState> {
    assertLimitArgs(key, limit, windowMs)
    const now = this.#clock.now()
    this.#sweep(now)
    const entry = this.#live(key, now)
    if (entry === undefined) {
      if (this.#byKey.size >= this.#maxKeys) return this.#full(limit, now)
      return { allowed: true, count: 0, retryAfterMs: 0 }
    }
    const allowed = entry.count < limit
    return { allowed, count: entry.count, retryAfterMs: allowed ? 0 : entry.resetAt - now }
  }

  async reset(key: string): Promise<void> {
    assertKey(key)
    const entry = this.#byKey.get(key)
    if (entry !== undefined) this.#delete(entry)
  }

  /** The entry for `key` if its window is still open; an expired one is dropped. */
  #live(key: string, now: number): Entry | undefined {
    const entry = this.#byKey.get(key)
    if (entry === undefined) return undefined
    if (entry.resetAt > now) return entry
    this.#delete(entry)
    return undefined
  }

  /** Fail closed: an uncounted key while the table is full is over its limit until a slot frees. */
  #full(limit: number, now: number): LimitState {
    let soonest = Number.POSITIVE_INFINITY
    for (const bucket of this.#byWindow.values()) {
      const first = bucket.values().next()
      if (first.done !== true) soonest = Math.min(soonest, first.value.resetAt)
    }
    const retryAfterMs = Number.isFinite(soonest) ? Math.max(1, soonest - now) : 1
    return { allowed: false, count: limit + 1, retryAfterMs }
  }

  #insert(entry: Entry): void {
    this.#byKey.set(entry.key, entry)
    let bucket = this.#byWindow.get(entry.windowMs)
    if (bucket === undefined) {
      bucket = new Map()
      this.#byWindow.set(entry.windowMs, bucket)
    }
    bucket.set(entry.key, entry)
  }

  #delete(entry: Entry): void {
    this.#byKey.delete(entry.key)
    const bucket = this.#byWindow.get(entry.windowMs)
    if (bucket === undefined) return
    bucket.delete(entry.key)
    if (bucket.size === 0) this.#byWindow.delete(entry.windowMs)
  }

  /**
   * Drops expired windows. Within one window length, resetAt grows with insertion order, so the
   * expired entries form a prefix; stopping at the first live one keeps this amortized O(1).
   */
  #sweep(now: number): void {
    for (const [windowMs, bucket] of this.#byWindow) {
      for (const entry of bucket.values()) {
        if (entry.resetAt > now) break
        this.#byKey.delete(entry.key)
        bucket.delete(entry.key)
      }
      if (bucket.size === 0) this.#byWindow.delete(windowMs)
    }
  }
}
