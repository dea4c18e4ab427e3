import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { isMamoriError } from '../../errors/index.js'
import { ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { AccountLockout } from './AccountLockout.js'

const HOUR = 3_600_000

let seq = 0

/** Inserts a bare customer row and returns its id. */
async function insertCustomer(store: Store, createdAt: number): Promise<string> {
  const id = `cus_lockout_${++seq}`
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

describe.each(DIALECTS)('AccountLockout on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let lockout: AccountLockout

  const row = (id: string): Promise<{ failed_logins: number; locked_at: number | null }> =>
    store.db
      .selectFrom('customers')
      .select(['failed_logins', 'locked_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    lockout = new AccountLockout({ threshold: 3, clock })
  })
  afterAll(async () => {
    await store.close()
  })

  it('locks the account at the threshold and not before, stamping the lock time', async () => {
    const id = await insertCustomer(store, clock.now())
    expect(await lockout.recordFailure(store.db, id)).toEqual({ locked: false, failures: 1 })
    expect(await lockout.recordFailure(store.db, id)).toEqual({ locked: false, failures: 2 })
    expect(await lockout.isLocked(store.db, id)).toBe(false)
    clock.advance(1_000)
    expect(await lockout.recordFailure(store.db, id)).toEqual({ locked: true, failures: 3 })
    expect(await lockout.isLocked(store.db, id)).toBe(true)
    expect(await row(id)).toEqual({ failed_logins: 3, locked_at: clock.now() })
  })

  it('clears the count on a successful login before the threshold', async () => {
    const id = await insertCustomer(store, clock.now())
    await lockout.recordFailure(store.db, id)
    await lockout.recordFailure(store.db, id)
    await lockout.recordSuccess(store.db, id)
    expect(await row(id)).toEqual({ failed_logins: 0, locked_at: null })
    expect(await lockout.recordFailure(store.db, id)).toEqual({ locked: false, failures: 1 })
  })

  it('keeps a locked account locked, with its first lock time, through later failures, successes and time', async () => {
    const id = await insertCustomer(store, clock.now())
    for (let i = 0; i < 3; i++) await lockout.recordFailure(store.db, id)
    const lockedAt = clock.now()
    clock.advance(HOUR)
    expect(await lockout.recordFailure(store.db, id)).toEqual({ locked: true, failures: 4 })
    await lockout.recordSuccess(store.db, id)
    clock.advance(30 * 24 * HOUR)
    expect(await lockout.isLocked(store.db, id)).toBe(true)
    expect(await row(id)).toEqual({ failed_logins: 4, locked_at: lockedAt })
  })

  it('unlocks by clearing the lock and the count, and says whether there was a lock', async () => {
    const id = await insertCustomer(store, clock.now())
    for (let i = 0; i < 5; i++) await lockout.recordFailure(store.db, id)
    expect(await lockout.unlock(store.db, id)).toBe(true)
    expect(await row(id)).toEqual({ failed_logins: 0, locked_at: null })
    expect(await lockout.isLocked(store.db, id)).toBe(false)
    expect(await lockout.recordFailure(store.db, id)).toEqual({ locked: false, failures: 1 })
    expect(await lockout.unlock(store.db, id)).toBe(false)
    expect(await row(id)).toEqual({ failed_logins: 0, locked_at: null })
  })

  it('says an unknown customer is not locked and refuses to count failures for one', async () => {
    expect(await lockout.isLocked(store.db, 'cus_nobody')).toBe(false)
    const err = await lockout.recordFailure(store.db, 'cus_nobody').catch((e: unknown) => e)
    expect(isMamoriError(err, 'CUSTOMER_NOT_FOUND')).toBe(true)
  })

  it('counts inside a transaction and forgets the count if it rolls back', async () => {
    const id = await insertCustomer(store, clock.now())
    await store.transaction(async (trx) => {
      expect(await lockout.recordFailure(trx, id)).toEqual({ locked: false, failures: 1 })
    })
    await expect(
      store.transaction(async (trx) => {
        await lockout.recordFailure(trx, id)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await row(id)).toEqual({ failed_logins: 1, locked_at: null })
  })

  it('rejects a threshold that is not a positive integer', () => {
    expect(() => new AccountLockout({ threshold: 0, clock })).toThrow(TypeError)
    expect(() => new AccountLockout({ threshold: 2.5, clock })).toThrow(TypeError)
  })
})
