import { MamoriError } from '../../errors/index.js'
import type { Limiter } from './Limiter.js'
import { ipKeyOf } from './networkKeyOf.js'

/** What LoginThrottle needs. */
export interface LoginThrottleOptions {
  limiter: Limiter
  /** Failed logins allowed from one address (an IPv6 /64) per window (config auth.ipFailureLimit). */
  ipLimit: number
  /** Failed logins allowed from one network (ASN, /24, /48) per window (config auth.networkFailureLimit). */
  networkLimit: number
  /** Window length (config auth.throttleWindowSeconds × 1000). */
  windowMs: number
}

/** Where a login attempt comes from. `network` is `networkKeyOf(ip, asn)`. */
export interface LoginOrigin {
  ip: string
  network: string
}

/** A failed or successful login: its origin and the login ID that was tried. */
export interface LoginAttempt extends LoginOrigin {
  loginId: string
}

/**
 * Throttling of failed logins per address and per network (B-10), in front of the per-account
 * lock (AccountLockout). Credential stuffing (seed 003) spreads guesses over thousands of login IDs
 * so that no single account trips its lock; these counters are keyed by origin instead.
 *
 * `check` is the cheap gate to run before any database read or argon2 hash: it only peeks.
 * Failures are counted by `recordFailure`, after the attempt. Concurrent attempts that all pass
 * `check` before any of them is recorded can overshoot a limit by at most the number in flight.
 */
export class LoginThrottle {
  readonly #limiter: Limiter
  readonly #ipLimit: number
  readonly #networkLimit: number
  readonly #windowMs: number

  constructor(options: LoginThrottleOptions) {
    for (const name of ['ipLimit', 'networkLimit', 'windowMs'] as const) {
      const value = options[name]
      if (!Number.isSafeInteger(value) || value <= 0)
        throw new TypeError(`${name} must be a positive integer`)
    }
    this.#limiter = options.limiter
    this.#ipLimit = options.ipLimit
    this.#networkLimit = options.networkLimit
    this.#windowMs = options.windowMs
  }

  /**
   * Throws MamoriError RATE_LIMITED (details: `retryAfterMs`) when the address or the network has
   * used up its failures for the window. Counts nothing. Limiter errors propagate (fail closed).
   */
  async check(origin: LoginOrigin): Promise<void> {
    const [ip, network] = await Promise.all([
      this.#limiter.peek(this.#ipKey(origin), this.#ipLimit, this.#windowMs),
      this.#limiter.peek(this.#networkKey(origin), this.#networkLimit, this.#windowMs),
    ])
    if (ip.allowed && network.allowed) return
    const retryAfterMs = Math.max(
      ip.allowed ? 0 : ip.retryAfterMs,
      network.allowed ? 0 : network.retryAfterMs,
    )
    // Same message whichever limit tripped and whatever login ID was tried: nothing to enumerate.
    throw new MamoriError('RATE_LIMITED', 'too many failed logins from this network; try again later', {
      retryAfterMs,
    })
  }

  /**
   * Counts a failed login against its address and its network. The login ID is not counted here:
   * the per-account budget is AccountLockout's, kept in the database with the customer.
   */
  async recordFailure(attempt: LoginAttempt): Promise<void> {
    await Promise.all([
      this.#limiter.hit(this.#ipKey(attempt), this.#ipLimit, this.#windowMs),
      this.#limiter.hit(this.#networkKey(attempt), this.#networkLimit, this.#windowMs),
    ])
  }

  /**
   * Deliberately does nothing: a success must not reset the address or network counters, or an
   * attacker holding one valid account could log into it between guesses and launder the budget
   * of their IP for stuffing everyone else's. The counters simply expire with their window.
   */
  async recordSuccess(_attempt: LoginAttempt): Promise<void> {}

  #ipKey(origin: LoginOrigin): string {
    return `login-fail:${ipKeyOf(origin.ip)}`
  }

  #networkKey(origin: LoginOrigin): string {
    if (typeof origin.network !== 'string' || origin.network.length === 0) {
      throw new TypeError('network must be a non-empty key (see networkKeyOf)')
    }
    return `login-fail:${origin.network}`
  }
}
