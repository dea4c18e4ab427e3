/*
 * Attack: out-guess the lock. An attacker fires wrong passwords for one account in parallel,
 * hoping that concurrent read-modify-write updates lose increments so that more guesses fit
 * under the threshold (or that no request ever sees the count reach it); then, once the account
 * is locked, keeps sending credentials, including correct ones, hoping one gets through or
 * resets the count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { AccountLockout } from './AccountLockout.js'

let seq = 0

/** Inserts a bare customer row and returns its id. */
async function insertCustomer(store: Store, createdAt: number): Promise<string> {
  const id = `cus_attack_${++seq}`
  await store.db
    .insertInto('customers')
    .values({
      id,
      login_id: `login_${id}`,
      name_kanji: '山田 太郎',
      name_kana: 'ヤマダ タロウ',
      address: '東京都',
      phone: '090-0000-0000',
      date_of_birth: '1980-01-01',
      email: `${id}@example.jp`,
      status: 'active',
      login_password_hash: 'x',
      trading_password_hash: 'y',
      created_at: createdAt,
    })
    .execute()
  return id
}

describe.each(DIALECTS)('AccountLockout under attack on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let lockout: AccountLockout

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    lockout = new AccountLockout({ threshold: 10, clock })
  })
  afterAll(async () => {
    await store.close()
  })

  it('counts all of 50 concurrent failures and locks the account exactly at the threshold', async () => {
    const id = await insertCustomer(store, clock.now())
    const states = await Promise.all(Array.from({ length: 50 }, () => lockout.recordFailure(store.db, id)))
    // Each UPDATE saw the previous one's result: the counts are exactly 1..50, none lost or repeated.
    expect(states.map((s) => s.failures).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    )
    for (const s of states) expect(s.locked).toBe(s.failures >= 10)
    const row = await store.db
      .selectFrom('customers')
      .select(['failed_logins', 'locked_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ failed_logins: 50, locked_at: clock.now() })
  })

  it('stays locked whatever credentials arrive afterwards', async () => {
    const id = await insertCustomer(store, clock.now())
    for (let i = 0; i < 10; i++) await lockout.recordFailure(store.db, id)
    // The right password (recordSuccess) between further wrong ones changes nothing.
    for (let i = 0; i < 5; i++) {
      await lockout.recordSuccess(store.db, id)
      await lockout.recordFailure(store.db, id)
    }
    expect(await lockout.isLocked(store.db, id)).toBe(true)
    const row = await store.db
      .selectFrom('customers')
      .select('failed_logins')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.failed_logins).toBe(15)
  })
})
