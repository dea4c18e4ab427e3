import { writeFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import type { FrozenConfig } from '../config/index.js'
import {
  accountsByOrigin,
  accountTimeline,
  recentBuyers,
  runDailyMonitor,
  similarAccounts,
  type OriginKind,
} from '../investigate/index.js'
import { systemClock } from '../runtime/index.js'
import { openStore, type Store } from '../store/index.js'
import { renderTable } from './table.js'

const DAY_MS = 86_400_000

async function withStore<T>(cfg: FrozenConfig, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cfg.database)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z')
}

function days(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n < 1 || n > 365) throw new InvalidArgumentError(`${name} must be an integer from 1 to 365`)
    return n
  }
}

function count(name: string, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v)
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}`)
    return n
  }
}

/** Prints `value` as JSON to stdout (`--json` without a file, or `-`) or into the file. */
function emitJson(value: unknown, file: string | true): void {
  const text = JSON.stringify(value, null, 2)
  if (file === true || file === '-') console.log(text)
  else writeFileSync(file, `${text}\n`)
}

/**
 * `mamori monitor run` (D-6) and `mamori investigate origin|timeline|buyers|similar` (D-4).
 * `config` loads the frozen configuration the way every other command does.
 */
export function registerMonitorCommands(program: Command, config: () => FrozenConfig): void {
  const monitor = program.command('monitor').description('the daily monitor: the previous day checked against each customer history')
  monitor
    .command('run')
    .description('check one JST day (default yesterday in Japan): destination changes, withdrawals, pump rings; raise alerts once')
    .option('--day <YYYY-MM-DD>', 'the day to check, a date in Japan (JST)')
    .option('--json [file]', 'write the report as JSON to the file (or stdout)')
    .action(async (o: { day?: string; json?: string | true }) => {
      const report = await withStore(config(), (store) => runDailyMonitor(store, { clock: systemClock, ...(o.day === undefined ? {} : { day: o.day }) }))
      if (o.json !== undefined) emitJson(report, o.json)
      if (o.json === undefined || (o.json !== true && o.json !== '-')) {
        const c = report.checked
        console.log(
          renderTable(
            ['day (JST)', 'destination changes', 'withdrawals', 'orders', 'findings', 'alerts raised'],
            [[report.day, c.destinationChanges, c.withdrawals, c.orders, report.findings.length, report.alertsRaised]],
          ),
        )
        if (report.findings.length > 0) {
          console.log(
            renderTable(
              ['at (UTC)', 'finding', 'customer', 'severity', 'origin', 'reasons', 'alert', 'new'],
              report.findings.map((f) => [iso(f.at), f.kind + (f.symbol === null ? '' : ` ${f.symbol}`), f.customerId, f.severity, `${f.ip} ${f.network}`, f.reasons.join(','), f.alertId, f.raised ? 'yes' : 'no']),
            ),
          )
        }
      }
    })

  const investigate = program.command('investigate').description('pivots: origin to accounts, account timeline, stock buyers, similar accounts')
  investigate
    .command('origin')
    .description('every account an address, network or device touched')
    .option('--ip <address>', 'an IPv4 or IPv6 address')
    .option('--network <network>', 'asn:4713, AS4713 or net:203.0.113.0/24')
    .option('--device <id>', 'a device id')
    .option('--days <n>', 'look back this many days', days('--days'), 365)
    .option('--limit <n>', 'accounts at most', count('--limit', 10_000), 1_000)
    .option('--json [file]', 'JSON to the file (or stdout)')
    .action(async (o: { ip?: string; network?: string; device?: string; days: number; limit: number; json?: string | true }) => {
      const given = (['ip', 'network', 'device'] as const).filter((k) => o[k] !== undefined)
      if (given.length !== 1) throw new InvalidArgumentError('give exactly one of --ip, --network, --device')
      const kind: OriginKind = given[0]!
      const now = systemClock.now()
      const pivot = await withStore(config(), (store) => accountsByOrigin(store, { kind, value: o[kind]!, since: now - o.days * DAY_MS, limit: o.limit }))
      if (o.json !== undefined) return emitJson(pivot, o.json)
      console.log(`${pivot.kind} ${pivot.value}: ${pivot.accounts.length} account(s)${pivot.truncated ? ' (more not listed)' : ''} since ${iso(pivot.since)}`)
      if (pivot.accounts.length > 0) {
        console.log(
          renderTable(
            ['customer', 'status', 'first seen', 'last seen', 'events', 'logins ok', 'logins failed', 'operations', 'actions'],
            pivot.accounts.map((a) => [a.customerId, a.status ?? '?', iso(a.firstSeenAt), iso(a.lastSeenAt), a.events, a.loginsSucceeded, a.loginsFailed, a.operations, Object.entries(a.actions).map(([k, v]) => `${k}:${v}`).join(' ')]),
          ),
        )
      }
      const u = pivot.unknownLoginIds
      console.log(`attempts against unknown login IDs: ${u.attempts} (${u.distinctLoginIds} distinct)`)
    })
  investigate
    .command('timeline <customerId>')
    .description('one account: accesses, operations, risk decisions, holds, notices, orders, withdrawals, destinations')
    .option('--days <n>', 'look back this many days', days('--days'), 90)
    .option('--limit <n>', 'items at most (the most recent)', count('--limit', 10_000), 500)
    .option('--json [file]', 'JSON to the file (or stdout)')
    .action(async (customerId: string, o: { days: number; limit: number; json?: string | true }) => {
      const now = systemClock.now()
      const t = await withStore(config(), (store) => accountTimeline(store, customerId, { since: now - o.days * DAY_MS, limit: o.limit }))
      if (o.json !== undefined) return emitJson(t, o.json)
      if (t.truncated) console.log(`(older items left out; --limit ${o.limit})`)
      console.log(t.items.length === 0 ? 'nothing in the window' : renderTable(['at (UTC)', 'kind', 'summary'], t.items.map((i) => [iso(i.at), i.kind, i.summary])))
    })
  investigate
    .command('buyers <symbol>')
    .description('accounts that bought a symbol recently, with where each order came from')
    .option('--days <n>', 'look back this many days', days('--days'), 7)
    .option('--json [file]', 'JSON to the file (or stdout)')
    .action(async (symbol: string, o: { days: number; json?: string | true }) => {
      const now = systemClock.now()
      const r = await withStore(config(), (store) => recentBuyers(store, symbol, { since: now - o.days * DAY_MS, until: now + 1 }))
      if (o.json !== undefined) return emitJson(r, o.json)
      const frozen = r.freeze !== null && r.freeze.until > now ? `FROZEN until ${iso(r.freeze.until)}` : 'not frozen'
      console.log(`${r.symbol} (${r.segment}), ${frozen}: ${r.buyers.length} buyer(s)${r.truncated ? ' (more orders not read)' : ''}`)
      const rows = r.buyers.flatMap((b) =>
        b.orders.map((x) => {
          const e = x.environment
          const where = e === null ? '-' : `${e.ip} ${e.networkName ?? e.network} ${e.country ?? ''}`.trim()
          return [b.customerId, iso(x.at), x.status, x.quantity ?? '-', x.amount ?? '-', where, e?.deviceId ?? '-', e === null ? '?' : e.newEnvironment ? 'NEW' : 'known', x.duringFreeze ? 'yes' : '']
        }),
      )
      if (rows.length > 0) console.log(renderTable(['customer', 'at (UTC)', 'status', 'quantity', 'amount', 'from', 'device', 'environment', 'in freeze'], rows))
    })
  investigate
    .command('similar <customerId>')
    .description('accounts whose recent addresses, networks, devices, symbols and destinations resemble this one')
    .option('--days <n>', 'look back this many days', days('--days'), 30)
    .option('--limit <n>', 'accounts at most', count('--limit', 1_000), 20)
    .option('--json [file]', 'JSON to the file (or stdout)')
    .action(async (customerId: string, o: { days: number; limit: number; json?: string | true }) => {
      const now = systemClock.now()
      const r = await withStore(config(), (store) => similarAccounts(store, customerId, { since: now - o.days * DAY_MS, limit: o.limit }))
      if (o.json !== undefined) return emitJson(r, o.json)
      console.log(`${r.customerId}: ${r.similar.length} similar account(s) among ${r.candidates} compared${r.truncated ? ' (more not compared)' : ''}`)
      if (r.similar.length > 0) {
        console.log(
          renderTable(
            ['customer', 'score', 'shared'],
            r.similar.map((s) => [s.customerId, s.score.toFixed(3), Object.entries(s.shared).flatMap(([d, v]) => v.map((x) => `${d}:${x}`)).join(' ')]),
          ),
        )
      }
    })
}
