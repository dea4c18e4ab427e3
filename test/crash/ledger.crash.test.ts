/**
 * A crash must leave a consistent ledger. The server runs as a real child process under
 * load and is killed with SIGKILL — no shutdown hook, no flush. After a restart, `mamori ledger
 * verify` must pass, every operation the server acknowledged must be there, and retrying the
 * requests that got no answer (with their original idempotency keys) must not pay anything twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { approveAllWithdrawals, createCustomer, registerDestination, recordDeposit, seedInstruments } from '../../src/brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed } from '../../src/brokerage/reference/index.js'
import { verifyLedger } from '../../src/ledger/index.js'
import { cryptoRandom, systemClock } from '../../src/runtime/index.js'
import { migrate, openStore, type StoreConfig } from '../../src/store/index.js'
import { PG_URL } from '../support/dialects.js'
import { CORE_ONLY_AUTH, CORE_ONLY_GUARDS, CORE_ONLY_POLICY, TEST_SECRET_KEY } from '../support/server.js'
import { writeFileSync } from 'node:fs'

const ROOT = join(import.meta.dirname, '..', '..')

interface Target {
  name: 'sqlite' | 'postgres'
  env: Record<string, string>
  store: StoreConfig
  cleanup(): Promise<void>
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-crash-'))
  const path = join(dir, 'mamori.db')
  return {
    name: 'sqlite',
    env: { MAMORI_DB: 'sqlite', MAMORI_SQLITE_PATH: path },
    store: { dialect: 'sqlite', sqlitePath: path, postgresSchema: 'public', poolSize: 1 },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

function postgresTarget(url: string): Target {
  const schema = `crash_${randomBytes(5).toString('hex')}`
  return {
    name: 'postgres',
    env: { MAMORI_DB: 'postgres', MAMORI_POSTGRES_URL: url, MAMORI_POSTGRES_SCHEMA: schema },
    store: { dialect: 'postgres', sqlitePath: '', postgresUrl: url, postgresSchema: schema, poolSize: 4 },
    cleanup: async () => {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      await c.query(`drop schema if exists "${schema}" cascade`)
      await c.end()
    },
  }
}

const pgUrl = PG_URL
const TARGETS: (() => Target)[] = pgUrl === undefined ? [sqliteTarget] : [sqliteTarget, () => postgresTarget(pgUrl)]

// The crash test is about the ledger, so it runs with the core-only policy (see test/support/server.ts)
// and the risk engine in shadow mode: a first login from loopback would otherwise be stepped up.
const CONFIG_DIR = mkdtempSync(join(tmpdir(), 'mamori-crash-config-'))
const CONFIG_FILE = join(CONFIG_DIR, 'config.json')
writeFileSync(CONFIG_FILE, JSON.stringify({ auth: CORE_ONLY_AUTH, policy: CORE_ONLY_POLICY, guards: CORE_ONLY_GUARDS, risk: { mode: 'shadow' } }))

function cliEnv(target: Target): NodeJS.ProcessEnv {
  return {
    MAMORI_CONFIG_FILE: CONFIG_FILE,
    MAMORI_SECRET_KEY: TEST_SECRET_KEY,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MAMORI_LOG_LEVEL: 'warn',
    MAMORI_PORT: '0',
    MAMORI_SECURE_COOKIES: 'false',
    MAMORI_WITHDRAWAL_SEND_INTERVAL_MS: '20',
    MAMORI_MATCH_INTERVAL_MS: '20',
    ...target.env,
  }
}

/** Starts `mamori serve` as a child process and resolves with its URL once it listens. */
function startChild(target: Target): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: cliEnv(target),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve({ child, url: m[1] as string })
      }
    })
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)))
  })
}

interface Sent {
  path: string
  key: string
  body: Record<string, unknown>
  ack?: { id: string; status: number }
}

interface Login {
  token: string
  deviceToken: string
}

async function login(url: string, password: string): Promise<Login> {
  const res = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginId: 'crash', password }),
  })
  return (await res.json()) as Login
}

async function post(url: string, who: Login, s: Sent): Promise<void> {
  const res = await fetch(url + s.path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${who.token}`,
      'x-mamori-device': who.deviceToken,
      'idempotency-key': s.key,
    },
    body: JSON.stringify(s.body),
  })
  const json = (await res.json()) as { id?: string }
  if (res.status === 201 && typeof json.id === 'string') s.ack = { id: json.id, status: res.status }
}

describe.each(TARGETS.map((make) => ({ make, name: make === sqliteTarget ? 'sqlite' : 'postgres' })))('crash on $name', ({ make }) => {
  const target = make()
  afterAll(async () => {
    await target.cleanup()
  })

  it('SIGKILL under load loses no acknowledged operation and leaves a ledger that verifies', async () => {
    // A customer with cash, shares and a destination, written before the server starts.
    const store = await openStore(target.store)
    await migrate(store)
    const catalog = buildInstrumentCatalog()
    await seedInstruments(store.db, catalog)
    const ctx = { store, clock: systemClock, random: cryptoRandom, prices: new PriceFeed(20200901, catalog), screenWithdrawal: approveAllWithdrawals }
    const password = 'crash test login passphrase'
    const trading = 'crash test trading passphrase'
    const customer = await createCustomer(ctx, {
      loginId: 'crash',
      nameKanji: '山田 太郎',
      nameKana: 'ヤマダ タロウ',
      address: '大阪府大阪市北区梅田1-1-1',
      phone: '080-0000-0000',
      dateOfBirth: '1975-05-05',
      email: 'taro@example.jp',
      loginPassword: password,
      tradingPassword: trading,
    })
    await store.transaction((trx) => recordDeposit(ctx, trx, customer.id, 500_000_000))
    const dest = await store.transaction((trx) =>
      registerDestination(ctx, trx, customer.id, { bankCode: '0001', branchCode: '001', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'ﾔﾏﾀﾞ ﾀﾛｳ' }),
    )
    await store.close()

    let { child, url } = await startChild(target)
    const who = await login(url, password)

    // Load: deposits, withdrawals and orders from 8 concurrent clients until the kill.
    const sent: Sent[] = []
    let stop = false
    let n = 0
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const i = n++
        const kind = i % 3
        const s: Sent =
          kind === 0
            ? { path: '/v1/deposits', key: `crash-dep-${i}`, body: { amount: 1000 + i } }
            : kind === 1
              ? { path: '/v1/withdrawals', key: `crash-wd-${i}`, body: { destinationId: dest.id, amount: 500 + i, tradingPassword: trading } }
              : { path: '/v1/orders', key: `crash-ord-${i}`, body: { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: trading } }
        sent.push(s)
        await post(url, who, s).catch(() => undefined)
      }
    })
    await new Promise((r) => setTimeout(r, 2500))
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    stop = true
    await Promise.all(clients)
    await exited

    const acked = sent.filter((s) => s.ack !== undefined)
    expect(acked.length).toBeGreaterThan(10)

    // Restart on the same database.
    ;({ child, url } = await startChild(target))
    try {
      const verify = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ledger', 'verify'], {
        cwd: ROOT,
        env: cliEnv(target),
        encoding: 'utf8',
      })
      expect(verify.stderr).toBe('')
      expect(verify.status).toBe(0)

      const check = await openStore(target.store)
      try {
        for (const s of acked) {
          const table = s.path === '/v1/deposits' ? 'deposits' : s.path === '/v1/withdrawals' ? 'withdrawals' : 'orders'
          const row = await check.db.selectFrom(table).select('id').where('id', '=', s.ack!.id).executeTakeFirst()
          expect(row, `${s.path} ${s.ack!.id} was acknowledged but is missing`).toBeDefined()
        }
        const before = await verifyLedger(check.db)

        // Retrying with the original keys: acknowledged ones replay, lost ones run once.
        const fresh = await login(url, password)
        for (const s of acked.slice(0, 20)) {
          const again: Sent = { ...s, ack: undefined }
          await post(url, fresh, again)
          expect(again.ack?.id).toBe(s.ack!.id)
        }
        const after = await verifyLedger(check.db)
        expect(after.mismatch).toBeUndefined()
        expect(after.transfers).toBeGreaterThanOrEqual(before.transfers)
        const deposits = await check.db.selectFrom('deposits').select('id').where('customer_id', '=', customer.id).execute()
        const ackedDeposits = acked.filter((s) => s.path === '/v1/deposits').length
        expect(deposits.length).toBeGreaterThanOrEqual(ackedDeposits + 1)
      } finally {
        await check.close()
      }
    } finally {
      const exited2 = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited2
    }
  }, 120_000)
})
