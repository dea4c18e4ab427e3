import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import pg from 'pg'
import { buildInstrumentCatalog, PriceFeed } from '../brokerage/reference/index.js'
import { loadConfig, type FrozenConfig } from '../config/index.js'
import { DEMO_LOGIN, seedDemo } from '../demo/seedDemo.js'
import { SCENARIOS } from '../simulate/index.js'
import { replayScenario } from './replay.js'
import { isMamoriError } from '../errors/index.js'
import { verifyLedger } from '../ledger/index.js'
import { startServer } from '../server/index.js'
import { migrate, openStore } from '../store/index.js'
import { registerAuditCommands } from './audit.js'
import { registerBenchCommand } from './bench.js'
import { registerMonitorCommands } from './monitor.js'
import { progressBar } from './progress.js'
import { renderTable } from './table.js'
import { registerReviewCommands } from './review.js'
import { registerScanCommands } from './scan.js'
import { registerSimulateCommand } from './simulate.js'
import { registerStaffCommands } from './staff.js'

const program = new Command()
  .name('mamori')
  .description('Account-takeover and fraudulent-withdrawal defence for online securities brokers')
  .option('-c, --config <file>', 'JSON configuration file (MAMORI_CONFIG_FILE)')
  .showHelpAfterError()

function config(overrides: Record<string, Record<string, unknown>> = {}): FrozenConfig {
  const file = program.opts<{ config?: string }>().config
  return loadConfig({ env: process.env, overrides, ...(file === undefined ? {} : { file }) })
}

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`)
    return n
  }
}

function httpOverrides(o: { host?: string; port?: number }): Record<string, unknown> {
  return { ...(o.host === undefined ? {} : { host: o.host }), ...(o.port === undefined ? {} : { port: o.port }) }
}

/** Serves until SIGINT/SIGTERM, then drains and closes the database. */
async function serve(cfg: FrozenConfig, banner: string[] = []): Promise<void> {
  const server = await startServer(cfg)
  console.log(`Mamori is listening on ${server.url}`)
  for (const line of banner) console.log(line)
  console.log(`Health: ${server.url}/healthz  API description: ${server.url}/openapi.json  Metrics: ${server.url}/metrics`)
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

program
  .command('serve')
  .description('start the HTTP API on the configured database')
  .option('--host <host>', 'listen address (MAMORI_HOST)')
  .option('--port <port>', 'listen port (MAMORI_PORT)', int('port', 0, 65535))
  .action(async (o: { host?: string; port?: number }) => serve(config({ http: httpOverrides(o) })))

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const store = await openStore(config().database)
    try {
      const applied = await migrate(store)
      console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`)
    } finally {
      await store.close()
    }
  })

function replayScenarioId(v: string): string {
  if (SCENARIOS.some((s) => s.id === v || s.family === v)) return v
  throw new InvalidArgumentError(`unknown scenario; one of: ${[...new Set(SCENARIOS.flatMap((s) => [s.family, s.id]))].join(', ')}`)
}

program
  .command('demo')
  .description('create (or with --reset, recreate) a demo database with customers, holdings and history, and serve it')
  .option('--customers <n>', 'how many demo customers', int('customers', 1, 100_000), 300)
  .option('--days <n>', 'days of history', int('days', 1, 365), 30)
  .option('--seed <n>', 'random seed of the demo data', int('seed', 0, 2 ** 31), 42)
  .option('--reset', 'delete the demo database first')
  .option('--no-serve', 'only build the database')
  .option('--host <host>', 'listen address')
  .option('--port <port>', 'listen port', int('port', 0, 65535))
  .option('--replay <scenario>', `instead: play one attack scenario live against a demo broker and narrate where it is stopped (${[...new Set(SCENARIOS.map((s) => s.id))].join(', ')})`, replayScenarioId)
  .option('--pace <ms>', 'with --replay: real milliseconds between two attacker requests', int('pace', 0, 60_000), 1200)
  .action(async (o: { customers: number; days: number; seed: number; reset?: boolean; serve: boolean; host?: string; port?: number; replay?: string; pace: number }) => {
    if (o.replay !== undefined) {
      await replayScenario({ scenario: o.replay, paceMs: o.pace, seed: o.seed, customers: Math.min(o.customers, 200) })
      return
    }
    // Demo data is only written into an empty database; --reset is the one way to delete one.
    // The review queue's API needs a token; the demo makes one per run unless one is configured.
    const reviewToken = process.env.MAMORI_REVIEW_TOKEN ?? randomBytes(24).toString('base64url')
    const cfg = config({ http: httpOverrides(o), demo: { showOutbox: true }, review: { token: reviewToken } })
    if (o.reset === true) await resetDatabase(cfg)
    const store = await openStore(cfg.database)
    try {
      await migrate(store)
      const existing = await store.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      if (Number(existing.n) === 0) {
        console.log(`Building demo data: ${o.customers} customers, ${o.days} days of history (seed ${o.seed})`)
        const summary = await seedDemo(store, {
          customers: o.customers,
          seed: o.seed,
          days: o.days,
          endMs: Date.now(),
          prices: new PriceFeed(cfg.market.seed, buildInstrumentCatalog()),
          onProgress: progressBar('demo data'),
        })
        console.log(renderTable(['customers', 'deposits', 'orders', 'withdrawals'], [[summary.customers, summary.deposits, summary.orders, summary.withdrawals]]))
      } else {
        console.log(`Using the existing demo database (${existing.n} customers); --reset rebuilds it`)
      }
    } finally {
      await store.close()
    }
    if (o.serve) {
      const web = `http://localhost:${cfg.http.port}`
      await serve(cfg, [
        `Open ${web}/login in a browser (passkeys need the name localhost, not 127.0.0.1).`,
        `Demo login: ${DEMO_LOGIN.loginId} / "${DEMO_LOGIN.loginPassword}"  (trading password "${DEMO_LOGIN.tradingPassword}")`,
        `E-mailed codes appear at ${web}/demo/outbox (demo only).`,
        `Held operations: \`npm run mamori -- review list\`, or GET ${web}/v1/review/held with "Authorization: Bearer ${reviewToken}".`,
      ])
    }
  })

const ledger = program.command('ledger').description('ledger tools')
ledger
  .command('verify')
  .description('recompute every balance from the entries; exit 1 and name the first mismatch')
  .action(async () => {
    const store = await openStore(config().database)
    try {
      const v = await verifyLedger(store.db)
      console.log(renderTable(['transfers', 'entries', 'accounts', 'assets', 'result'], [[v.transfers, v.entries, v.accounts, v.assets, v.ok ? 'OK' : 'MISMATCH']]))
      if (v.mismatch !== undefined) {
        console.error(`first mismatch (${v.mismatch.check}): ${v.mismatch.message}`)
        process.exitCode = 1
      }
    } finally {
      await store.close()
    }
  })

registerReviewCommands(program, () => config())

registerAuditCommands(program, () => config())

registerStaffCommands(program, () => config())
registerMonitorCommands(program, () => config())

registerScanCommands(program, () => config())
registerSimulateCommand(program)
registerBenchCommand(program)

/** SQLite: delete the file and its WAL; PostgreSQL: drop the configured schema (never 'public'). */
async function resetDatabase(cfg: FrozenConfig): Promise<void> {
  const db = cfg.database
  if (db.dialect === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${db.sqlitePath}${suffix}`, { force: true })
    return
  }
  if (db.postgresSchema === 'public') {
    throw new InvalidArgumentError('demo --reset on PostgreSQL needs its own schema: set MAMORI_POSTGRES_SCHEMA (e.g. mamori_demo)')
  }
  const client = new pg.Client({ connectionString: db.postgresUrl })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${db.postgresSchema}" cascade`)
  } finally {
    await client.end()
  }
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (isMamoriError(err)) console.error(`mamori: ${err.code}: ${err.message}`)
  else console.error(`mamori: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
