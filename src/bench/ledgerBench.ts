import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createCustomer, recordDeposit, registerDestination } from '../brokerage/index.js'
import { loadConfig } from '../config/index.js'
import { bankAccount, cashAccount, marketCashAccount, marketSecuritiesAccount, postTransfer, securitiesAccount, verifyLedger } from '../ledger/index.js'
import { startServer } from '../server/index.js'
import { migrate, openStore, type Store, type StoreConfig } from '../store/index.js'
import { quantile, type BenchSection } from './report.js'

export interface LedgerBenchOptions {
  /** Transfers per dialect run. */
  readonly transfers: number
  /** Withdrawal requests sent over HTTP. */
  readonly withdrawals: number
  /** Concurrent HTTP clients. */
  readonly concurrency: number
  /** PostgreSQL URL; the PostgreSQL figures are skipped (and said so) when undefined or unreachable. */
  readonly postgresUrl: string | undefined
  readonly log?: (line: string) => void
}

/**
 * Ledger throughput (transfers per second: a three-posting order fill, committed one per
 * transaction, from 1 and from 8 concurrent writers) on SQLite and PostgreSQL, then the latency of
 * POST /v1/withdrawals over real HTTP — which includes the argon2id check of the trading password.
 */
export async function runLedgerBench(o: LedgerBenchOptions): Promise<BenchSection> {
  const log = o.log ?? ((): void => undefined)
  const figures: BenchSection['figures'][number][] = []
  const notes: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'mamori-bench-'))
  try {
    const targets: { name: string; config: StoreConfig; cleanup?: () => Promise<void> }[] = [
      { name: 'sqlite', config: { dialect: 'sqlite', sqlitePath: join(dir, 'ledger.db'), postgresSchema: 'public', poolSize: 1 } },
    ]
    if (o.postgresUrl !== undefined) {
      const schema = `bench_${randomBytes(4).toString('hex')}`
      targets.push({
        name: 'postgres',
        config: { dialect: 'postgres', sqlitePath: '', postgresUrl: o.postgresUrl, postgresSchema: schema, poolSize: 10 },
      })
    } else {
      notes.push('PostgreSQL skipped: no URL (set MAMORI_BENCH_PG_URL or MAMORI_TEST_PG_URL)')
    }
    for (const t of targets) {
      let store: Store
      try {
        store = await openStore(t.config)
      } catch (err) {
        notes.push(`${t.name} skipped: ${(err as Error).message}`)
        continue
      }
      try {
        await migrate(store)
        for (const writers of [1, 8]) {
          log(`ledger: ${o.transfers} transfers on ${t.name} with ${writers} writer(s)`)
          const rate = await transfersPerSecond(store, o.transfers, writers, `${t.name}${writers}`)
          figures.push({ name: `ledger transfers/s, ${t.name}, ${writers} writer${writers > 1 ? 's' : ''}`, value: rate, unit: 'transfers/s' })
        }
        const v = await verifyLedger(store.db)
        if (!v.ok) throw new Error(`ledger does not verify after the benchmark: ${v.mismatch?.message}`)
      } finally {
        if (t.config.dialect === 'postgres') await store.db.schema.dropSchema(t.config.postgresSchema).ifExists().cascade().execute()
        await store.close()
      }
    }

    log(`http: ${o.withdrawals} withdrawal requests, ${o.concurrency} concurrent clients`)
    const latencies = await withdrawalLatencies(join(dir, 'http.db'), o.withdrawals, o.concurrency)
    figures.push({ name: 'POST /v1/withdrawals p50', value: quantile(latencies, 0.5), unit: 'ms' })
    figures.push({ name: 'POST /v1/withdrawals p99', value: quantile(latencies, 0.99), unit: 'ms' })
    notes.push('withdrawal latency includes one argon2id verification (19 MiB, t=2) of the trading password')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    bench: 'ledger',
    parameters: { transfers: o.transfers, withdrawals: o.withdrawals, concurrency: o.concurrency, sqliteSynchronous: 'FULL' },
    figures,
    notes,
  }
}

async function transfersPerSecond(store: Store, count: number, writers: number, tag: string): Promise<number> {
  // Each writer has its own customers, so writers contend on the shared market accounts only.
  const customers = Array.from({ length: writers }, (_, w) => `bench-${tag}-${w}`)
  for (const c of customers) {
    await store.transaction((trx) =>
      postTransfer(trx, { id: `${c}:fund`, kind: 'deposit', at: 0, postings: [{ debit: bankAccount, credit: cashAccount(c), amount: 1e12 }] }),
    )
  }
  let next = 0
  const started = performance.now()
  await Promise.all(
    customers.map(async (c) => {
      for (;;) {
        const i = next++
        if (i >= count) return
        await store.transaction((trx) =>
          postTransfer(trx, {
            id: `${tag}:${i}`,
            kind: 'order_fill',
            at: i,
            postings: [
              { debit: cashAccount(c), credit: marketCashAccount, amount: 2750 * 100 },
              { debit: marketSecuritiesAccount('7203'), credit: securitiesAccount(c, '7203'), amount: 100 },
            ],
          }),
        )
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}

async function withdrawalLatencies(path: string, count: number, concurrency: number): Promise<number[]> {
  const config = loadConfig({
    overrides: {
      http: { port: 0, secureCookies: false },
      database: { dialect: 'sqlite', sqlitePath: path },
      log: { level: 'silent' },
      withdrawals: { sendIntervalMs: 50 },
      // Measures the brokerage core: the trading password stands in for the per-operation passkey.
      auth: { allowWeakPolicy: true },
      policy: { login: { anyOf: [['password']], maxAgeSeconds: 300 }, withdrawal: { anyOf: [['trading_password']], maxAgeSeconds: 60 } },
      secrets: { keyFile: join(path, '..', 'secret.key') },
      guards: { destinationCoolingHours: 0 },
      // Every request is still decided (the cost is measured); from loopback with no history the
      // enforced engine would step the login up and hold the withdrawals, which is not what this measures.
      risk: { mode: 'shadow' },
    },
  })
  const server = await startServer(config)
  try {
    const ctx = server.brokerage
    const trading = 'bench trading passphrase'
    const c = await createCustomer(ctx, {
      loginId: 'bench',
      nameKanji: '鈴木 一郎',
      nameKana: 'スズキ イチロウ',
      address: '東京都港区芝公園4-2-8',
      phone: '080-1111-2222',
      dateOfBirth: '1970-01-01',
      email: 'bench@example.jp',
      loginPassword: 'bench login passphrase',
      tradingPassword: trading,
    })
    await ctx.store.transaction((trx) => recordDeposit(ctx, trx, c.id, 1e12))
    const d = await ctx.store.transaction((trx) =>
      registerDestination(ctx, trx, c.id, { bankCode: '0005', branchCode: '001', accountType: 'ordinary', accountNumber: '1111111', holderKana: 'スズキ イチロウ' }),
    )
    const login = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ loginId: 'bench', password: 'bench login passphrase' }),
    })
    const { token, deviceToken } = (await login.json()) as { token: string; deviceToken: string }
    const latencies: number[] = []
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++
          if (i >= count) return
          const t0 = performance.now()
          const res = await fetch(`${server.url}/v1/withdrawals`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              'x-mamori-device': deviceToken,
              'idempotency-key': `bench-wd-${i}`,
            },
            body: JSON.stringify({ destinationId: d.id, amount: 1000 + i, tradingPassword: trading }),
          })
          await res.arrayBuffer()
          if (res.status !== 201) throw new Error(`withdrawal ${i} answered ${res.status}`)
          latencies.push(performance.now() - t0)
        }
      }),
    )
    return latencies
  } finally {
    await server.close()
  }
}
