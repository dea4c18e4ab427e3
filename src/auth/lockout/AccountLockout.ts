import { sql } from 'kysely'
import { MamoriError } from '../../errors/index.js'
import type { Clock } from '../../runtime/index.js'
import type { Db } from '../../store/index.js'

/** What AccountLockout needs. */
export interface AccountLockoutOptions {
  /** Consecutive failed logins that lock the account (config auth.lockoutThreshold). */
  threshold: number
  clock: Clock
}

/** The account's state after a failed login. */
export interface LockoutState {
  readonly locked: boolean
  readonly failures: number
}

/**
 * The automatic account lock after repeated failed authentication (B-10; JSDA guideline 2025).
 * State lives on the customer row (`failed_logins`, `locked_at`), so every API node and every
 * login path sees the same count, and each change is one atomic UPDATE: concurrent failures
 * cannot under-count, and exactly one of them sets the lock time.
 *
 * A lock has no expiry and nothing the attacker sends can lift it: not a correct password, not a
 * correct second factor. Only `unlock` does, and it is the caller's job to have re-verified the
 * customer's identity first (a passkey plus a code sent to the registered contact, or staff
 * four-eyes approval, D-2), never the credentials that were being guessed.
 *
 * Methods take a `Db` (the store's root handle or a transaction), so a failure can be recorded in
 * the same transaction as the attempt's audit record.
 */
export class AccountLockout {
  readonly #threshold: number
  readonly #clock: Clock

  constructor(options: AccountLockoutOptions) {
    if (!Number.isSafeInteger(options.threshold) || options.threshold <= 0) {
      throw new TypeError('threshold must be a positive integer')
    }
    this.#threshold = options.threshold
    this.#clock = options.clock
  }

  /** True when the account is locked. An unknown customer is not locked (there is nothing to lock). */
  async isLocked(db: Db, customerId: string): Promise<boolean> {
    const row = await db
      .selectFrom('customers')
      .select('locked_at')
      .where('id', '=', customerId)
      .executeTakeFirst()
    return row !== undefined && row.locked_at !== null
  }

  /**
   * Counts one failed login and locks the account when the count reaches the threshold. Failures
   * keep counting while locked (useful to staff reviewing the attack). Throws CUSTOMER_NOT_FOUND
   * for an unknown id; the caller must not reach here for a login ID that matched no one.
   */
  async recordFailure(db: Db, customerId: string): Promise<LockoutState> {
    const now = this.#clock.now()
    // Every right-hand side sees the row as it was before this UPDATE, and the row lock makes
    // concurrent UPDATEs apply one after another, each on the previous one's result.
    const lockedAt = sql<number | null>`case
      when failed_logins + 1 >= ${this.#threshold} and locked_at is null then cast(${now} as bigint)
      else locked_at
    end`
    const row = await db
      .updateTable('customers')
      .set({ failed_logins: sql<number>`failed_logins + 1`, locked_at: lockedAt })
      .where('id', '=', customerId)
      .returning(['failed_logins', 'locked_at'])
      .executeTakeFirst()
    if (row === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
    return { locked: row.locked_at !== null, failures: Number(row.failed_logins) }
  }

  /**
   * A successful login clears the failure count, but only while the account is not locked: a
   * locked account stays locked, with its count, whatever credentials arrive.
   */
  async recordSuccess(db: Db, customerId: string): Promise<void> {
    await db
      .updateTable('customers')
      .set({ failed_logins: 0 })
      .where('id', '=', customerId)
      .where('locked_at', 'is', null)
      .where('failed_logins', '<>', 0)
      .execute()
  }

  /**
   * Lifts the lock and clears the count; returns whether the account was locked. The caller is
   * responsible for having re-verified the customer's identity (a passkey plus a code sent to the
   * registered contact, or staff four-eyes approval) and for the audit record and notices.
   */
  async unlock(db: Db, customerId: string): Promise<boolean> {
    const lifted = await db
      .updateTable('customers')
      .set({ failed_logins: 0, locked_at: null })
      .where('id', '=', customerId)
      .where('locked_at', 'is not', null)
      .executeTakeFirst()
    await this.recordSuccess(db, customerId)
    return Number(lifted.numUpdatedRows) > 0
  }
}
