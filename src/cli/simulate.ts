import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, extname } from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { frictionProtectionSvg, runSimulation, SCENARIOS, type Scorecard } from '../simulate/index.js'
import { progressBar } from './progress.js'
import { renderTable } from './table.js'

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`)
    return n
  }
}

function scenarioId(v: string): string {
  if (v === 'all' || SCENARIOS.some((s) => s.id === v || s.family === v)) return v
  throw new InvalidArgumentError(`unknown scenario; one of: all, ${[...new Set(SCENARIOS.flatMap((s) => [s.family, s.id]))].join(', ')}`)
}

const yen = (n: number): string => `¥${n.toLocaleString('en-US')}`
const pct = (r: number): string => `${(r * 100).toFixed(2)}%`

/** The scorecard as tables for a terminal. */
export function renderScorecard(card: Scorecard): string {
  const scenarios = renderTable(
    ['scenario', 'targeted', 'taken over', 'money lost', 'unauthorized trades', 'stopped at', 'detected after'],
    card.scenarios.map((s) => [
      s.id,
      s.accounts_targeted,
      s.accounts_taken_over,
      yen(s.money_lost_jpy),
      yen(s.unauthorized_trades_jpy),
      s.stopped_at ?? 'not stopped',
      s.detected_after_s === null ? 'no alert' : `${s.detected_after_s} s`,
    ]),
  )
  const l = card.legitimate
  const legit = renderTable(
    ['logins', 'step-ups', 'step-up rate', 'denied logins', 'withdrawals', 'held', 'held rate', 'held orders'],
    [[l.logins, l.step_ups, `${pct(l.step_up_rate)} (≤ 2%)`, l.denied_logins, l.withdrawals, l.held_withdrawals, `${pct(l.held_rate)} (≤ 0.5%)`, l.held_orders]],
  )
  const totals = renderTable(
    ['total money lost', 'total unauthorized trades', 'requests', 'elapsed'],
    [[yen(card.totals.money_lost_jpy), yen(card.totals.unauthorized_trades_jpy), card.details.requests, `${card.details.elapsed_s} s`]],
  )
  return [
    `Attack scenarios (seed ${card.parameters.seed}, ${card.parameters.customers} customers, ${card.parameters.days} days after ${card.parameters.history_days} days of history)`,
    scenarios,
    '',
    'Legitimate customers',
    legit,
    '',
    totals,
  ].join('\n')
}

/** `mamori simulate`: the attack simulator and its scorecard (F-1, issue 6). */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('run a living population and the attack scenarios against Mamori (default policy and risk configuration) and print the scorecard')
    .option('--seed <n>', 'random seed', int('seed', 0, 2 ** 31), 1)
    .option('--customers <n>', 'legitimate customers', int('customers', 1, 1_000_000), 2000)
    .option('--days <n>', 'days measured', int('days', 1, 365), 30)
    .option('--history-days <n>', 'days of ordinary life before the measured window', int('history-days', 0, 365), 14)
    .option('--scenario <id>', 'one scenario, or a family with its variants (default all)', scenarioId)
    .option('--json <file>', 'write the scorecard as JSON')
    .option('--svg <file>', 'write the friction/protection chart (default: next to the JSON)')
    .option('--keep-db', 'keep the run’s SQLite database for investigation (its path is printed)')
    .action(async (o: { seed: number; customers: number; days: number; historyDays: number; scenario?: string; json?: string; svg?: string; keepDb?: boolean }) => {
      let bar = progressBar('opening accounts')
      const card = await runSimulation({
        seed: o.seed,
        customers: o.customers,
        days: o.days,
        historyDays: o.historyDays,
        ...(o.scenario === undefined ? {} : { scenario: o.scenario }),
        keepDatabase: o.keepDb === true,
        onProgress: (done, total) => bar(done, total),
        onPhase: (line) => {
          process.stderr.write(`${line}\n`)
          if (line.startsWith('simulating')) bar = progressBar('simulated time')
        },
      })
      console.log(renderScorecard(card))
      const svg = o.svg ?? (o.json === undefined ? undefined : `${o.json.slice(0, o.json.length - extname(o.json).length)}.svg`)
      if (o.json !== undefined) {
        mkdirSync(dirname(o.json), { recursive: true })
        writeFileSync(o.json, `${JSON.stringify(card, null, 2)}\n`)
        console.log(`scorecard: ${o.json}`)
      }
      if (svg !== undefined) {
        mkdirSync(dirname(svg), { recursive: true })
        writeFileSync(svg, frictionProtectionSvg(card))
        console.log(`chart: ${svg}`)
      }
    })
}
