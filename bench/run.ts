/**
 * `npm run bench -- <name> [--json FILE]`: runs a benchmark and prints its figures as a table.
 * Figures are measurements, never pass/fail.
 */
import { writeFileSync } from 'node:fs'
import { runLedgerBench } from '../src/bench/ledgerBench.js'
import { DEFAULT_LOGIN_BENCH, runLoginBench } from '../src/bench/loginBench.js'
import { machineInfo, renderSection, type BenchSection } from '../src/bench/report.js'
import { DEFAULT_RISK_BENCH, runRiskBench } from '../src/bench/riskBench.js'
import { DEFAULT_SCAN_BENCH, runScanBench } from '../src/bench/scanBench.js'

const args = process.argv.slice(2)
const jsonAt = args.indexOf('--json')
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined
const names = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1))
const known = new Set(['ledger', 'login', 'risk', 'scan'])
const wanted = names.length === 0 || names.includes('all') ? [...known] : names
for (const n of wanted) {
  if (!known.has(n)) {
    console.error(`unknown benchmark ${n}; available: ${[...known].join(', ')}, all`)
    process.exit(2)
  }
}

const machine = machineInfo()
console.log(`machine: ${Object.entries(machine).map(([k, v]) => `${k}=${v}`).join(' ')}`)
const sections: BenchSection[] = []
const env = (name: string): number | undefined => (process.env[name] === undefined ? undefined : Number(process.env[name]))
const log = (line: string): void => void process.stderr.write(`... ${line}\n`)
if (wanted.includes('ledger')) {
  const s = await runLedgerBench({
    transfers: Number(process.env.MAMORI_BENCH_TRANSFERS ?? 5000),
    withdrawals: Number(process.env.MAMORI_BENCH_WITHDRAWALS ?? 400),
    concurrency: 8,
    postgresUrl: process.env.MAMORI_BENCH_PG_URL ?? process.env.MAMORI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    log,
  })
  sections.push(s)
  console.log(renderSection(s))
}
if (wanted.includes('login')) {
  const s = await runLoginBench({
    ...DEFAULT_LOGIN_BENCH,
    attackSeconds: env('MAMORI_BENCH_ATTACK_SECONDS') ?? DEFAULT_LOGIN_BENCH.attackSeconds,
    attackRate: env('MAMORI_BENCH_ATTACK_RATE') ?? DEFAULT_LOGIN_BENCH.attackRate,
    attackerAddresses: env('MAMORI_BENCH_ATTACKERS') ?? DEFAULT_LOGIN_BENCH.attackerAddresses,
    socketsPerAddress: env('MAMORI_BENCH_ATTACK_SOCKETS') ?? DEFAULT_LOGIN_BENCH.socketsPerAddress,
    // Unset: the product defaults (auth.ipFailureLimit 30, auth.networkFailureLimit 300).
    ipFailureLimit: env('MAMORI_BENCH_IP_FAILURE_LIMIT'),
    networkFailureLimit: env('MAMORI_BENCH_NETWORK_FAILURE_LIMIT'),
    log,
  })
  sections.push(s)
  console.log(renderSection(s))
}
if (wanted.includes('risk')) {
  const s = await runRiskBench({
    ...DEFAULT_RISK_BENCH,
    customers: env('MAMORI_BENCH_CUSTOMERS') ?? DEFAULT_RISK_BENCH.customers,
    days: env('MAMORI_BENCH_DAYS') ?? DEFAULT_RISK_BENCH.days,
    decisions: env('MAMORI_BENCH_DECISIONS') ?? DEFAULT_RISK_BENCH.decisions,
    log,
  })
  sections.push(s)
  console.log(renderSection(s))
}
if (wanted.includes('scan')) {
  const s = await runScanBench({
    ...DEFAULT_SCAN_BENCH,
    events: env('MAMORI_BENCH_SCAN_EVENTS') ?? DEFAULT_SCAN_BENCH.events,
    postgresUrl: process.env.MAMORI_BENCH_PG_URL ?? process.env.MAMORI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    log,
  })
  sections.push(s)
  console.log(renderSection(s))
}
if (jsonFile !== undefined) {
  writeFileSync(jsonFile, JSON.stringify({ machine, sections }, null, 2))
  console.log(`\nwrote ${jsonFile}`)
}
