import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { loadConfig, type FrozenConfig } from '../../src/config/index.js'
import { MaxmindIpIntel, type IpIntel } from '../../src/risk/intel/index.js'
import { ManualClock, type Random } from '../../src/runtime/index.js'
import { startServer, type RunningServer } from '../../src/server/index.js'
import type { Dialect } from '../../src/store/index.js'
import { PG_URL } from './dialects.js'

/**
 * API tests run the whole composition root (startServer) over real HTTP, once per dialect: a
 * fresh SQLite file, and when MAMORI_TEST_PG_URL is set, a fresh PostgreSQL schema dropped
 * afterwards. The background jobs are off and the clock is frozen, so prices are deterministic
 * and nothing moves unless a test says so.
 */
export const SERVER_DIALECTS: readonly Dialect[] = PG_URL === undefined ? ['sqlite'] : ['sqlite', 'postgres']

/** 2020-09-01 00:00 UTC, where the frozen clock of a test server starts. */
/**
 * The brokerage-core API tests exercise the ledger and the routes, not the front door: they run
 * with an explicitly weak policy (password login, trading password for money), which the server
 * only accepts because auth.allowWeakPolicy says so. The front door's own tests use the default.
 */
export const CORE_ONLY_AUTH = { allowWeakPolicy: true, ipFailureLimit: 100_000, networkFailureLimit: 100_000 }
export const CORE_ONLY_POLICY = {
  login: { anyOf: [['password']], maxAgeSeconds: 300 },
  order: { anyOf: [['trading_password']], maxAgeSeconds: 60 },
  withdrawal: { anyOf: [['trading_password']], maxAgeSeconds: 60 },
  destination_change: { anyOf: [['trading_password']], maxAgeSeconds: 60 },
}
/** The core tests withdraw to destinations they have just registered: no cooling period. */
export const CORE_ONLY_GUARDS = { destinationCoolingHours: 0 }
/** A fixed test key (never used outside tests). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64')

let intelLoading: Promise<IpIntel> | undefined

/** The shipped IP databases, loaded once per test process (they take ~2 s and ~200 MB). */
export function sharedIntel(): Promise<IpIntel> {
  intelLoading ??= MaxmindIpIntel.open()
  return intelLoading
}

export const SERVER_T0 = Date.UTC(2020, 8, 1)

export interface TestServerOptions {
  /** Defaults to a ManualClock at SERVER_T0. */
  readonly clock?: ManualClock
  readonly random?: Random
  /** Extra config sections, merged over the test defaults (e.g. `{ http: { bodyLimitBytes: 1024 } }`). */
  readonly overrides?: Record<string, Record<string, unknown>>
  /** Run with Mamori's default (JSDA) policy instead of the core-only one: for front-door tests. */
  readonly defaultPolicy?: boolean
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly server: RunningServer
  /** The server's clock; advance it to move prices, sessions and timestamps. */
  readonly clock: ManualClock
  readonly config: FrozenConfig
  /** Stops the server and deletes its database (file or schema). */
  close(): Promise<void>
}

/** Starts the real server on 127.0.0.1, port 0, against a database of its own. */
export async function startTestServer(dialect: Dialect, opts: TestServerOptions = {}): Promise<TestServer> {
  const clock = opts.clock ?? new ManualClock(SERVER_T0)
  let database: Record<string, unknown>
  let cleanup: () => Promise<void>
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mamori-api-'))
    database = { dialect: 'sqlite', sqlitePath: join(dir, 'mamori.db') }
    cleanup = async () => rmSync(dir, { recursive: true, force: true })
  } else {
    const url = PG_URL
    if (url === undefined) throw new Error('MAMORI_TEST_PG_URL is not set')
    const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`
    database = { dialect: 'postgres', postgresUrl: url, postgresSchema: schema, poolSize: 20 }
    cleanup = async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        await client.query(`drop schema if exists "${schema}" cascade`)
      } finally {
        await client.end()
      }
    }
  }
  const overrides = opts.overrides ?? {}
  const config = loadConfig({
    env: {},
    overrides: {
      ...overrides,
      http: { host: '127.0.0.1', port: 0, secureCookies: false, ...overrides.http },
      database: { ...database, ...overrides.database },
      log: { level: 'silent', ...overrides.log },
      withdrawals: { sendIntervalMs: 0, ...overrides.withdrawals },
      market: { matchIntervalMs: 0, ...overrides.market },
      monitor: { dailyAt: 'off', ...overrides.monitor },
      auth: { ...(opts.defaultPolicy === true ? {} : CORE_ONLY_AUTH), ...overrides.auth },
      policy: { ...(opts.defaultPolicy === true ? {} : CORE_ONLY_POLICY), ...overrides.policy },
      guards: { ...(opts.defaultPolicy === true ? {} : CORE_ONLY_GUARDS), ...overrides.guards },
      secrets: { key: TEST_SECRET_KEY, ...overrides.secrets },
      // Tests of other parts run the engine in shadow: every operation is still decided and
      // alerted on, but loopback addresses and empty histories do not step them up or hold them.
      // The risk tests pass `risk: { mode: 'enforce' }` and present public addresses.
      risk: { mode: 'shadow', ...overrides.risk },
    },
  })
  let server: RunningServer
  try {
    const intel = await sharedIntel()
    server = await startServer(config, opts.random === undefined ? { clock, intel } : { clock, random: opts.random, intel })
  } catch (err) {
    await cleanup()
    throw err
  }
  return {
    url: server.url,
    server,
    clock,
    config,
    async close(): Promise<void> {
      try {
        await server.close()
      } finally {
        await cleanup()
      }
    },
  }
}
