import { sql } from 'kysely'
import { accessEventFromRow, type AccessEvent, type AccessLog } from '../risk/events/index.js'
import { pumpRing, type PumpRingOptions, type Severity } from '../risk/typologies/index.js'
import { cryptoRandom, newId, type Clock, type Random } from '../runtime/index.js'
import { scanChanges, type ScanKind, type SuspiciousChange } from '../scan/index.js'
import type { Store } from '../store/index.js'
import { historyContext } from './historyContext.js'
import { parseMonitorDay, previousJstDay, type MonitorDay } from './monitorDay.js'
import { escapeLike } from './recentBuyers.js'

/** Order events of one day read at most for ring detection; a broker's whole day of buys is far below it. */
const MAX_DAY_ORDERS = 200_000
/** The alert's `action`: what raised it, for analysts filtering the alert list. */
export const MONITOR_ALERT_ACTION = 'monitor'
const SCORE: Readonly<Record<'critical' | 'high', number>> = Object.freeze({ critical: 90, high: 70 })

/** What the daily monitor found. */
export type MonitorFindingKind = 'destination_change' | 'withdrawal' | 'pump_ring'

/** One finding, and the alert it became. */
export interface MonitorFinding {
  /** What makes the finding the same one on a rerun: the change's access event, or the ring's day, symbol and account. */
  readonly key: string
  readonly kind: MonitorFindingKind
  readonly customerId: string
  /** When the change or the account's ring buy happened. */
  readonly at: number
  readonly severity: 'critical' | 'high'
  readonly summary: string
  /** Stable codes: the scan's reasons (`ip_unseen`...), or `pump_ring`. */
  readonly reasons: readonly string[]
  readonly eventId: string | null
  readonly symbol: string | null
  readonly ip: string
  readonly network: string
  readonly deviceId: string | null
  /** The alert for this finding (raised by this run or an earlier one). */
  readonly alertId: string
  /** The alert was raised by this run. */
  readonly raised: boolean
}

/** What one run checked and found. */
export interface DailyMonitorReport {
  readonly day: string
  readonly from: number
  readonly to: number
  readonly checked: {
    /** Destination changes of the day (went through or held). */
    readonly destinationChanges: number
    /** Withdrawals of the day (cancellations excluded). */
    readonly withdrawals: number
    /** Order events of the day (any side and outcome). */
    readonly orders: number
  }
  /** Alerts this run raised (0 on a rerun). */
  readonly alertsRaised: number
  readonly findings: readonly MonitorFinding[]
}

/** What `runDailyMonitor` needs. */
export interface DailyMonitorOptions {
  /** The JST day to check, `YYYY-MM-DD`; default the day before the clock's today in Japan. */
  readonly day?: string
  readonly clock: Clock
  /** For alert ids; default the system CSPRNG. */
  readonly random?: Random
  /** The server's access log, flushed first so nothing recorded is missed. */
  readonly log?: AccessLog
  /** The pump ring thresholds the online engine runs with; default its defaults. */
  readonly pumpRing?: PumpRingOptions
}

/**
 * The daily monitoring job (D-6), over one JST day, as the broker of seed 004 committed to after
 * its 2020 incident ("compare daily the IP of destination changes and of withdrawals with the
 * customer's past IPs"):
 * - every destination change and every withdrawal of the day through the retrospective scan
 *   (`scanChanges`, D-5), against each customer's prior year;
 * - the day's buy orders through the `pumpRing` typology itself (same thresholds as the engine):
 *   several accounts buying one illiquid symbol from environments new to them (seed 003).
 * Each finding becomes an open `risk_alerts` row (action `monitor`, outcome `hold`, enforced
 * `allow`: the monitor only asks for a review) unless it was raised before: the finding's key is
 * recorded in `monitor_findings` in the alert's transaction, so running a day twice, or on two
 * nodes at once, raises nothing new. MONITOR_DAY_INVALID for a malformed day.
 */
export async function runDailyMonitor(store: Store, options: DailyMonitorOptions): Promise<DailyMonitorReport> {
  const period: MonitorDay = options.day === undefined ? previousJstDay(options.clock.now()) : parseMonitorDay(options.day)
  const random = options.random ?? cryptoRandom
  if (options.log !== undefined) await options.log.flush()

  const candidates: Omit<MonitorFinding, 'alertId' | 'raised'>[] = []
  const checked = { destinationChanges: 0, withdrawals: 0, orders: 0 }
  for (const kind of ['destination_change', 'withdrawal'] as const) {
    const scan = await scanChanges(store, { kind, from: period.from, to: period.to })
    if (kind === 'destination_change') checked.destinationChanges = scan.scanned
    else checked.withdrawals = scan.scanned
    for (const row of scan.rows) candidates.push(changeFinding(kind, row))
  }
  const rings = await ringFindings(store, period, options)
  checked.orders = rings.orders
  candidates.push(...rings.findings)

  const findings: MonitorFinding[] = []
  for (const f of candidates) findings.push(await raise(store, period.day, f, options.clock.now(), random))
  return {
    day: period.day,
    from: period.from,
    to: period.to,
    checked,
    alertsRaised: findings.filter((f) => f.raised).length,
    findings,
  }
}

function changeFinding(kind: ScanKind, row: SuspiciousChange): Omit<MonitorFinding, 'alertId' | 'raised'> {
  const what = kind === 'withdrawal' ? `withdrawal of ¥${row.amount ?? '?'}` : `destination ${row.operation}`
  const origin = `${row.ip} (${row.networkName ?? row.network}${row.country === null ? '' : `, ${row.country}`})`
  return {
    key: `scan:${kind}:${row.eventId}`,
    kind,
    customerId: row.customerId,
    at: row.at,
    severity: row.severity,
    summary: `${what} from ${origin}, an origin this customer had not used in the prior year: ${row.reasons.join(', ')}`,
    reasons: row.reasons,
    eventId: row.eventId,
    symbol: null,
    ip: row.ip,
    network: row.network,
    deviceId: row.deviceId,
  }
}

/**
 * The day's buys evaluated by `pumpRing` each at its own moment, so the rule sees exactly what it
 * would have seen online. Only symbols bought by at least `minAccounts` accounts that day can
 * hold a ring, so the others are never evaluated. Every account of a ring is one finding (its
 * own alert, so a case can be built per account, D-3); members come from the hits' evidence and
 * from the evaluated buys that hit.
 */
async function ringFindings(
  store: Store,
  period: MonitorDay,
  options: DailyMonitorOptions,
): Promise<{ orders: number; findings: Omit<MonitorFinding, 'alertId' | 'raised'>[] }> {
  const typology = pumpRing(options.pumpRing)
  const minAccounts = options.pumpRing?.minAccounts ?? 3
  const counted = await store.db
    .selectFrom('access_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('action', '=', 'order')
    .where('at', '>=', period.from)
    .where('at', '<', period.to)
    .executeTakeFirst()
  const buyPattern = `%${escapeLike('"side":"buy"')}%`
  const rows = await store.db
    .selectFrom('access_events')
    .selectAll()
    .where('action', '=', 'order')
    .where('customer_id', 'is not', null)
    .where('at', '>=', period.from)
    .where('at', '<', period.to)
    .where(sql<boolean>`detail_json like ${buyPattern} escape '!'`)
    .orderBy('at')
    .orderBy('id')
    .limit(MAX_DAY_ORDERS)
    .execute()
  const bySymbol = new Map<string, AccessEvent[]>()
  for (const e of rows.map(accessEventFromRow)) {
    const symbol = e.detail['symbol']
    if (e.detail['side'] !== 'buy' || typeof symbol !== 'string' || symbol === '') continue
    const list = bySymbol.get(symbol) ?? []
    list.push(e)
    bySymbol.set(symbol, list)
  }

  const findings: Omit<MonitorFinding, 'alertId' | 'raised'>[] = []
  for (const [symbol, buys] of bySymbol) {
    if (new Set(buys.map((b) => b.customerId)).size < minAccounts) continue
    const members = new Map<string, AccessEvent | undefined>()
    let reason = ''
    let severity: Severity = 'critical'
    for (const e of buys) {
      const hit = await typology.evaluate(e, historyContext(store, e.at, options.log))
      if (hit === null) continue
      reason = hit.reason
      severity = hit.severity
      members.set(e.customerId!, members.get(e.customerId!) ?? e)
      const listed = typeof hit.evidence['customerIds'] === 'string' ? hit.evidence['customerIds'].split(',') : []
      for (const c of listed) if (c !== '' && !members.has(c)) members.set(c, undefined)
    }
    for (const [customerId, hitEvent] of members) {
      // The account's first buy of the symbol that day from a new environment, else its first buy.
      const own = hitEvent ?? buys.find((b) => b.customerId === customerId)
      if (own === undefined) continue
      findings.push({
        key: `pump_ring:${period.day}:${symbol}:${customerId}`,
        kind: 'pump_ring',
        customerId,
        at: own.at,
        severity: severity === 'critical' ? 'critical' : 'high',
        summary: `one of ${members.size} accounts in a pump ring on ${symbol} on ${period.day}: ${reason}`,
        reasons: ['pump_ring'],
        eventId: own.id,
        symbol,
        ip: own.ip,
        network: own.network,
        deviceId: own.deviceId,
      })
    }
  }
  return { orders: Number(counted?.n ?? 0), findings }
}

/** Records the finding's key and raises its alert in one transaction; a key already recorded returns its alert. */
async function raise(
  store: Store,
  day: string,
  f: Omit<MonitorFinding, 'alertId' | 'raised'>,
  now: number,
  random: Random,
): Promise<MonitorFinding> {
  return store.transaction(async (trx) => {
    const alertId = newId(random, 'alr')
    const inserted = await trx
      .insertInto('monitor_findings')
      .values({ finding_key: f.key, day, kind: f.kind, customer_id: f.customerId, alert_id: alertId, created_at: now })
      .onConflict((oc) => oc.column('finding_key').doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const existing = await trx.selectFrom('monitor_findings').select('alert_id').where('finding_key', '=', f.key).executeTakeFirstOrThrow()
      return { ...f, alertId: existing.alert_id, raised: false }
    }
    const id = `monitor_${f.kind}`
    const score = SCORE[f.severity]
    await trx
      .insertInto('risk_alerts')
      .values({
        id: alertId,
        at: now,
        customer_id: f.customerId,
        action: MONITOR_ALERT_ACTION,
        outcome: 'hold',
        enforced: 'allow',
        score,
        top_reason: `${id}: ${f.summary}`.slice(0, 500),
        reasons_json: JSON.stringify([
          {
            source: 'monitor',
            id,
            severity: f.severity,
            reason: f.summary,
            shadow: false,
            points: score,
            evidence: { day, key: f.key, eventId: f.eventId, eventAt: f.at, symbol: f.symbol, codes: f.reasons.join(',') },
          },
        ]),
        ip: f.ip,
        network: f.network,
        device_id: f.deviceId,
        held_operation_id: null,
        status: 'open',
      })
      .execute()
    return { ...f, alertId, raised: true }
  })
}
