import { writeFileSync } from 'node:fs'
import { runLedgerBench } from './ledgerBench.js'
import { DEFAULT_LOGIN_BENCH, runLoginBench } from './loginBench.js'
import { machineInfo, renderSection, type BenchSection } from './report.js'
import { DEFAULT_RISK_BENCH, runRiskBench } from './riskBench.js'
import { DEFAULT_SCAN_BENCH, runScanBench } from './scanBench.js'

/** The benchmarks `mamori bench` and `npm run bench` know, in the order `all` runs them. */
export const BENCHES = ['ledger', 'login', 'risk', 'scan'] as const
export type BenchName = (typeof BENCHES)[number]

export interface RunBenchesOptions {
  /** Names from BENCHES, or `all`; empty means all. */
  readonly names: readonly string[]
  /** Write the machine, the parameters and every figure (with its target) here as JSON. */
  readonly jsonFile?: string
  /** Where sizes may be overridden (MAMORI_BENCH_*); process.env by default. */
  readonly env?: NodeJS.ProcessEnv
  /** Tables and the machine line; stdout by default. */
  readonly out?: (text: string) => void
  /** Progress lines; stderr by default. */
  readonly log?: (line: string) => void
}

/** The names to run, or an error naming the unknown one. */
export function benchNames(names: readonly string[]): BenchName[] {
  if (names.length === 0 || names.includes('all')) return [...BENCHES]
  const unknown = names.find((n) => !(BENCHES as readonly string[]).includes(n))
  if (unknown !== undefined) throw new RangeError(`unknown benchmark ${unknown}; available: ${BENCHES.join(', ')}, all`)
  return names as BenchName[]
}

/**
 * Runs the chosen benchmarks one after another and prints each one's figures as a table next to
 * their targets. Figures are measurements, never pass/fail.
 */
export async function runBenches(options: RunBenchesOptions): Promise<{ machine: Record<string, string | number>; sections: BenchSection[] }> {
  const wanted = benchNames(options.names)
  const env = options.env ?? process.env
  const out = options.out ?? ((text: string): void => console.log(text))
  const log = options.log ?? ((line: string): void => void process.stderr.write(`... ${line}\n`))
  const num = (name: string): number | undefined => (env[name] === undefined ? undefined : Number(env[name]))
  const machine = machineInfo()
  out(`machine: ${Object.entries(machine).map(([k, v]) => `${k}=${v}`).join(' ')}`)
  const sections: BenchSection[] = []
  if (wanted.includes('ledger')) {
    const s = await runLedgerBench({
      transfers: Number(env.MAMORI_BENCH_TRANSFERS ?? 5000),
      withdrawals: Number(env.MAMORI_BENCH_WITHDRAWALS ?? 400),
      concurrency: 8,
      postgresUrl: env.MAMORI_BENCH_PG_URL ?? env.MAMORI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      log,
    })
    sections.push(s)
    out(renderSection(s))
  }
  if (wanted.includes('login')) {
    const s = await runLoginBench({
      ...DEFAULT_LOGIN_BENCH,
      attackSeconds: num('MAMORI_BENCH_ATTACK_SECONDS') ?? DEFAULT_LOGIN_BENCH.attackSeconds,
      attackRate: num('MAMORI_BENCH_ATTACK_RATE') ?? DEFAULT_LOGIN_BENCH.attackRate,
      attackerAddresses: num('MAMORI_BENCH_ATTACKERS') ?? DEFAULT_LOGIN_BENCH.attackerAddresses,
      socketsPerAddress: num('MAMORI_BENCH_ATTACK_SOCKETS') ?? DEFAULT_LOGIN_BENCH.socketsPerAddress,
      // Unset: the product defaults (auth.ipFailureLimit 30, auth.networkFailureLimit 300).
      ipFailureLimit: num('MAMORI_BENCH_IP_FAILURE_LIMIT'),
      networkFailureLimit: num('MAMORI_BENCH_NETWORK_FAILURE_LIMIT'),
      log,
    })
    sections.push(s)
    out(renderSection(s))
  }
  if (wanted.includes('risk')) {
    const s = await runRiskBench({
      ...DEFAULT_RISK_BENCH,
      customers: num('MAMORI_BENCH_CUSTOMERS') ?? DEFAULT_RISK_BENCH.customers,
      days: num('MAMORI_BENCH_DAYS') ?? DEFAULT_RISK_BENCH.days,
      decisions: num('MAMORI_BENCH_DECISIONS') ?? DEFAULT_RISK_BENCH.decisions,
      log,
    })
    sections.push(s)
    out(renderSection(s))
  }
  if (wanted.includes('scan')) {
    const s = await runScanBench({
      ...DEFAULT_SCAN_BENCH,
      events: num('MAMORI_BENCH_SCAN_EVENTS') ?? DEFAULT_SCAN_BENCH.events,
      postgresUrl: env.MAMORI_BENCH_PG_URL ?? env.MAMORI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      log,
    })
    sections.push(s)
    out(renderSection(s))
  }
  if (options.jsonFile !== undefined) {
    writeFileSync(options.jsonFile, JSON.stringify({ machine, sections }, null, 2))
    out(`\nwrote ${options.jsonFile}`)
  }
  return { machine, sections }
}
