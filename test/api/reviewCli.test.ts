/*
 * `mamori review` (C-5, C-6): the review queue from the command line, run as a person would run
 * it, against a database holding operations the risk engine held.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approveAllWithdrawals, createCustomer, recordDeposit, seedInstruments, type BrokerageContext } from '../../src/brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed } from '../../src/brokerage/reference/index.js'
import { holdOperation } from '../../src/guards/reviewQueue.js'
import { cryptoRandom, systemClock } from '../../src/runtime/index.js'
import { migrate, openStore, type Store } from '../../src/store/index.js'
import { TEST_SECRET_KEY } from '../support/server.js'

const ROOT = resolve(import.meta.dirname, '../..')

describe('mamori review', () => {
  let dir: string
  let store: Store
  let brokerage: BrokerageContext
  let customerId: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mamori-review-'))
    store = await openStore({ dialect: 'sqlite', sqlitePath: join(dir, 'mamori.db'), postgresSchema: 'public', poolSize: 1 } as Parameters<typeof openStore>[0])
    await migrate(store)
    const catalog = buildInstrumentCatalog()
    await seedInstruments(store.db, catalog)
    brokerage = { store, clock: systemClock, random: cryptoRandom, prices: new PriceFeed(1, catalog), screenWithdrawal: approveAllWithdrawals }
    const c = await createCustomer(brokerage, {
      loginId: 'cli-review',
      nameKanji: '佐藤 花子',
      nameKana: 'サトウ ハナコ',
      address: '東京都千代田区丸の内1-1-1',
      phone: '090-1234-5678',
      dateOfBirth: '1980-04-01',
      email: 'cli-review@example.jp',
      loginPassword: 'a long login passphrase 1',
      tradingPassword: 'a long trading passphrase 2',
    })
    customerId = c.id
    await store.transaction((trx) => recordDeposit(brokerage, trx, customerId, 1_000_000))
  })
  afterAll(async () => {
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function mamori(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'review', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MAMORI_SQLITE_PATH: join(dir, 'mamori.db'),
        MAMORI_SECRET_KEY: TEST_SECRET_KEY,
        MAMORI_LOG_LEVEL: 'warn',
      },
      encoding: 'utf8',
    })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  const hold = () =>
    holdOperation(store.db, cryptoRandom, Date.now(), {
      customerId,
      action: 'order',
      payload: { symbol: '7203', side: 'buy', type: 'market', quantity: 100 },
      score: 62,
      reasons: [{ source: 'typology', id: 'newEnvironment', severity: 'high', reason: 'order from a new device and network', shadow: false, points: 60 }],
    })

  it('lists held operations as a table and as JSON, refuses a release without a reason, and releases with one: the order executes', async () => {
    const held = await hold()
    const table = mamori('list')
    expect(table.status, table.stderr).toBe(0)
    expect(table.stdout).toContain(held.id)
    expect(table.stdout).toContain('newEnvironment')
    const json = JSON.parse(mamori('list', '--json').stdout) as { id: string; status: string }[]
    expect(json.map((h) => h.id)).toContain(held.id)

    const noReason = mamori('release', held.id, '--reason', ' ', '--by', 'analyst-1')
    expect(noReason.status).toBe(1)
    expect(noReason.stderr).toContain('REASON_REQUIRED')
    const unknown = mamori('release', `hld_${'0'.repeat(32)}`, '--reason', 'x', '--by', 'analyst-1')
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('HELD_OPERATION_NOT_FOUND')
    expect((await store.db.selectFrom('orders').selectAll().where('customer_id', '=', customerId).execute()).length).toBe(0)

    const released = mamori('release', held.id, '--reason', 'customer confirmed by phone', '--by', 'analyst-1')
    expect(released.status, released.stderr).toBe(0)
    expect(released.stdout).toContain('released')
    const orders = await store.db.selectFrom('orders').selectAll().where('customer_id', '=', customerId).execute()
    expect(orders.map((o) => [o.symbol, Number(o.quantity), o.status])).toEqual([['7203', 100, 'filled']])
    const row = await store.db.selectFrom('held_operations').selectAll().where('id', '=', held.id).executeTakeFirstOrThrow()
    expect([row.status, row.resolved_by, row.resolution_reason]).toEqual(['released', 'analyst-1', 'customer confirmed by phone'])
    expect(mamori('cancel', held.id, '--reason', 'late', '--by', 'analyst-2').stderr).toContain('HELD_OPERATION_RESOLVED')
  })
})
