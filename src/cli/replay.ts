import { setTimeout as sleep } from 'node:timers/promises'
import { runSimulation, type Scorecard } from '../simulate/index.js'
import type { WatchedCall } from '../simulate/Browser.js'
import { renderScorecard } from './simulate.js'
import { renderTable } from './table.js'

/** What `mamori demo --replay` takes. */
export interface ReplayOptions {
  readonly scenario: string
  /** Real milliseconds between two narrated attacker requests. */
  readonly paceMs: number
  readonly seed: number
  readonly customers: number
  /** Where the narration goes (stdout by default). */
  readonly out?: (line: string) => void
}

/** Attacker requests narrated one by one; past this a scenario (a stuffing list) is summarised every SUMMARY_EVERY. */
const NARRATED = 40
const SUMMARY_EVERY = 250

const STEPS: readonly (readonly [RegExp, string])[] = [
  [/^\/v1\/auth\/login$/, 'log in with the password'],
  [/^\/v1\/auth\/passkey/, 'passkey login'],
  [/^\/v1\/auth\/flow\/email-code\/send$/, 'ask for the e-mailed code'],
  [/^\/v1\/auth\/flow\/email-code$/, 'enter the e-mailed code'],
  [/^\/v1\/auth\/flow\/totp$/, 'enter the authenticator code'],
  [/^\/v1\/auth\/flow\/app/, 'wait for the phone-app approval'],
  [/^\/v1\/auth\/flow/, 'second factor'],
  [/^\/v1\/auth\/recovery/, 'account recovery ("I lost my phone")'],
  [/^\/v1\/auth\/step-up/, 'step up'],
  [/^\/v1\/passkeys/, 'register a passkey of his own'],
  [/^\/v1\/portfolio$/, 'look at the holdings'],
  [/^\/v1\/orders/, 'place an order'],
  [/^\/v1\/destinations/, 'change the withdrawal destination'],
  [/^\/v1\/withdrawals/, 'withdraw'],
  [/^\/v1\/instruments/, 'look up the symbol'],
  [/^\/v1\/staff\/customers/, 'staff: open a customer'],
  [/^\/v1\/staff\/requests/, 'staff: file a request'],
  [/^\/v1\/staff\/approvals/, 'staff: approve a request'],
  [/^\/v1\/staff/, 'staff API'],
]

function stepOf(path: string): string {
  const bare = path.split('?', 1)[0] ?? path
  return STEPS.find(([re]) => re.test(bare))?.[1] ?? bare
}

function verdictOf(call: WatchedCall): string {
  if (call.status === 202) return 'HELD for review'
  if (call.status < 300) return 'went through'
  if (call.status === 429) return `STOPPED: throttled (${call.code ?? call.status})`
  return `STOPPED: ${call.code ?? `HTTP ${call.status}`}`
}

/**
 * `mamori demo --replay <scenario>`: one attack scenario played live for a person watching. A
 * small demo broker is started (default policy and risk configuration, its own population on the
 * simulator's clock); the customers live a week so Mamori learns their habits; then the attacker
 * goes, and each of his requests is printed as it is answered — what he tried, from where, and
 * whether it went through, was held or was stopped — paced in real time. The scenario's scorecard
 * and the alerts the analyst would open follow. The attacker uses the HTTP API only, as in
 * `mamori simulate`.
 */
export async function replayScenario(o: ReplayOptions): Promise<Scorecard> {
  const out = o.out ?? ((line: string) => console.log(line))
  const seen = new Map<string, number>()
  out(`Replaying ${o.scenario} against a demo broker (${o.customers} customers, seed ${o.seed}); the population lives a week first…`)
  const card = await runSimulation({
    seed: o.seed,
    customers: o.customers,
    days: 1,
    historyDays: 7,
    scenario: o.scenario,
    onPhase: (line) => out(`  ${line}`),
    watch: async (scenarioId, call) => {
      const n = (seen.get(scenarioId) ?? 0) + 1
      seen.set(scenarioId, n)
      if (n <= NARRATED) {
        out(`[${scenarioId}] ${call.ip.padEnd(15)} ${stepOf(call.path).padEnd(36)} → ${verdictOf(call)}`)
        if (o.paceMs > 0) await sleep(o.paceMs)
      } else if (n % SUMMARY_EVERY === 0) {
        out(`[${scenarioId}] … ${n} requests so far; the last: ${stepOf(call.path)} → ${verdictOf(call)}`)
      }
    },
    afterRun: async (server, card) => {
      const starts = card.details.scenarios.map((d) => (d.started_at === null ? Infinity : Date.parse(d.started_at)))
      const since = Math.min(...starts)
      const alerts = await server.store.db
        .selectFrom('risk_alerts')
        .select(['at', 'action', 'enforced', 'top_reason'])
        .where('at', '>=', Number.isFinite(since) ? since : 0)
        .orderBy('at')
        .limit(12)
        .execute()
      out('')
      out('What the analyst sees (risk alerts raised during the attack, oldest first):')
      out(
        alerts.length === 0
          ? '  none'
          : renderTable(
              ['at (JST)', 'operation', 'enforced', 'why'],
              alerts.map((a) => [new Date(Number(a.at) + 9 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '), a.action, a.enforced, a.top_reason.slice(0, 90)]),
            ),
      )
    },
  })
  out('')
  out(renderScorecard(card))
  return card
}
