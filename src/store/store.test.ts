import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { migrate, type Store } from './index.js'

describe.each(DIALECTS)('store on $dialect', (dc) => {
  let store: Store
  beforeAll(async () => {
    store = await dc.open()
  })
  afterAll(async () => {
    await store.close()
  })

  it('applies migrations once and is idempotent on re-run', async () => {
    expect(await migrate(store)).toEqual([])
  })

  it('reads bigint money columns back as exact numbers', async () => {
    await store.db
      .insertInto('ledger_accounts')
      .values({ id: 'x', customer_id: null, asset: 'JPY', kind: 'system', allow_negative: 1, balance: 2 ** 52, updated_at: 1 })
      .execute()
    const row = await store.db.selectFrom('ledger_accounts').select('balance').where('id', '=', 'x').executeTakeFirstOrThrow()
    expect(row.balance).toBe(2 ** 52)
  })

  it('refuses a negative balance on an account that does not allow it', async () => {
    const insert = store.db
      .insertInto('ledger_accounts')
      .values({ id: 'y', customer_id: 'c', asset: 'JPY', kind: 'cash', allow_negative: 0, balance: -1, updated_at: 1 })
      .execute()
    await expect(insert).rejects.toSatisfy((err: unknown) => store.constraintViolation(err) === 'check')
  })

  it('reports a duplicate key as a unique violation', async () => {
    const row = { id: 'z', customer_id: null, asset: 'JPY', kind: 'system', allow_negative: 1, balance: 0, updated_at: 1 }
    await store.db.insertInto('ledger_accounts').values(row).execute()
    await expect(store.db.insertInto('ledger_accounts').values(row).execute()).rejects.toSatisfy(
      (err: unknown) => store.constraintViolation(err) === 'unique',
    )
  })
})
