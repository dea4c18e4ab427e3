import { sql, type ExpressionBuilder } from 'kysely'
import { parseIpAddress } from '../risk/intel/index.js'
import {
  familiarityWindow,
  isPlaceholderNetwork,
  MOBILE_CARRIER_NETWORKS,
  type FamiliarityWindow,
} from '../risk/typologies/index.js'
import type { Database, Store } from '../store/index.js'
import { checkPeriod } from './parsePeriod.js'

const DAY_MS = 86_400_000
/**
 * How long after a destination change a withdrawal from another origin is worth a mention, and
 * before a withdrawal a change from another origin: the default `originWindowMs` of the online
 * typology `withdrawalAfterDestinationChange` (after a month the destination is simply the customer's).
 */
const LINK_WINDOW_MS = 30 * DAY_MS
/** Customers per query when the linked operations of flagged changes are fetched (well under every parameter limit). */
const LINK_CHUNK = 500

/** What a scan checks: destination changes (seed 004) or withdrawals (its daily follow-up). */
export type ScanKind = 'destination_change' | 'withdrawal'

/** Why a change is in the report; stable codes for JSON, CSV and tests. */
export const SCAN_REASONS = [
  /** The address was not used successfully by this customer in the familiarity window. */
  'ip_unseen',
  /** Nor was the network (AS, or /24 when the AS is unknown). */
  'network_unseen',
  /** The device id was not used successfully by this customer in the window. */
  'device_unseen',
  /** The operation carried no device id (a script or API client): nothing can vouch for the device. */
  'no_device',
  /** A mobile carrier network (CGNAT): address and network are shared with strangers, only the device could vouch. */
  'shared_network',
  /** The network is on the hosting/VPN list. */
  'hosting_network',
  /** A destination change followed within 30 days by a withdrawal from another origin (other device and network). */
  'withdrawal_from_other_origin',
  /** A withdrawal preceded within 30 days by a destination change from another origin. */
  'destination_change_from_other_origin',
] as const

/** Why a change is in the report. */
export type ScanReason = (typeof SCAN_REASONS)[number]

/** What a scan reads and how it judges. */
export interface ScanOptions {
  readonly kind: ScanKind
  /** Start of the period (ms, inclusive). */
  readonly from: number
  /** End of the period (ms, exclusive). */
  readonly to: number
  /**
   * Which history vouches for an origin; by default the online rule's (used successfully between
   * 365 and 7 days before the change), so a scan and `destinationChangeFromUnseenOrigin` agree.
   */
  readonly familiarity?: Partial<FamiliarityWindow>
  /** Networks too shared to vouch; default the online rule's, the Japanese mobile carriers. */
  readonly sharedNetworks?: ReadonlySet<string>
  /** The period is read this much at a time, one set-based query per slice. Default 1 day. */
  readonly sliceMs?: number
  /** Told after each slice: slices done, slices in all. */
  readonly onProgress?: (done: number, total: number) => void
}

/** One suspicious change. */
export interface SuspiciousChange {
  /** The access event of the change (`access_events.id`). */
  readonly eventId: string
  readonly at: number
  readonly customerId: string
  readonly kind: ScanKind
  /** `add` or `remove` for a destination change (from the recorded route), `withdrawal` for a withdrawal. */
  readonly operation: string
  /** `success`, or `held` (a held operation may yet be released). */
  readonly outcome: string
  /** The destination, when the request named one (withdrawals do; registrations create theirs). */
  readonly destinationId: string | null
  /** Yen, for a withdrawal. */
  readonly amount: number | null
  readonly ip: string
  readonly network: string
  readonly networkName: string | null
  readonly country: string | null
  readonly hosting: boolean
  readonly deviceId: string | null
  readonly deviceType: string
  readonly browser: string | null
  readonly os: string | null
  /** As the online rule grades it: critical when the device is unknown too, high on the customer's own device. */
  readonly severity: 'critical' | 'high'
  readonly reasons: readonly ScanReason[]
}

/** What a scan found. */
export interface ScanReport {
  readonly kind: ScanKind
  readonly from: number
  readonly to: number
  readonly lookbackDays: number
  readonly settleDays: number
  /** Changes in the period (that went through or were held; withdrawal cancellations are not changes). */
  readonly scanned: number
  readonly suspicious: number
  /** How many suspicious changes carry each reason. */
  readonly byReason: Readonly<Record<ScanReason, number>>
  /** The suspicious changes, oldest first. */
  readonly rows: readonly SuspiciousChange[]
}

/** A change and what its customer's history says about its origin. */
interface CheckedRow {
  readonly id: string
  readonly at: number | string
  readonly customer_id: string | null
  readonly outcome: string
  readonly ip: string
  readonly asn_name: string | null
  readonly network: string
  readonly country: string | null
  readonly hosting: number | string
  readonly device_id: string | null
  readonly device_type: string
  readonly browser: string | null
  readonly os: string | null
  readonly detail_json: string
  readonly known_ip: unknown
  readonly known_network: unknown
  readonly known_device: unknown
}

type Scope = ExpressionBuilder<Database & { e: Database['access_events'] }, 'e'>

/**
 * The retrospective scan (D-5): every destination change (or withdrawal) in [from, to) checked
 * against its customer's own access history of the year before, as the broker of seed 004 did for
 * 10,005 changes in about a day. Set-based: one query per slice of the period finds the changes
 * and, for each, whether its address, network and device were used successfully by the same
 * customer in the familiarity window (three correlated EXISTS on the customer's history). A change
 * is suspicious by exactly the rule of the online typology `destinationChangeFromUnseenOrigin`:
 * its address does not vouch and neither does its network together with its device, or on a shared
 * carrier network its device does not.
 * Read-only. SCAN_PERIOD_REVERSED unless from < to.
 */
export async function scanChanges(store: Store, options: ScanOptions): Promise<ScanReport> {
  const { kind, from, to } = options
  if (kind !== 'destination_change' && kind !== 'withdrawal') throw new TypeError(`unknown scan kind ${String(kind)}`)
  checkPeriod(from, to)
  const window = familiarityWindow(options.familiarity)
  const shared = options.sharedNetworks ?? MOBILE_CARRIER_NETWORKS
  const sliceMs = options.sliceMs ?? DAY_MS
  if (!Number.isSafeInteger(sliceMs) || sliceMs < 1) throw new TypeError('sliceMs must be a positive integer (ms)')

  const slices = Math.ceil((to - from) / sliceMs)
  const flagged: SuspiciousChange[] = []
  let scanned = 0
  for (let i = 0; i < slices; i++) {
    const start = from + i * sliceMs
    const end = Math.min(to, start + sliceMs)
    for (const row of await checkSlice(store, kind, start, end, window)) {
      if (row.customer_id === null) continue
      const detail = parseDetail(row.detail_json)
      if (kind === 'withdrawal' && isCancellation(detail)) continue
      scanned++
      const verdict = judge(row, shared)
      if (verdict !== undefined) flagged.push(suspicious(row, row.customer_id, kind, detail, verdict))
    }
    options.onProgress?.(i + 1, slices)
  }
  const rows = await addLinkReasons(store, kind, flagged)
  const byReason = Object.fromEntries(SCAN_REASONS.map((r) => [r, 0])) as Record<ScanReason, number>
  for (const row of rows) for (const reason of row.reasons) byReason[reason]++
  return {
    kind,
    from,
    to,
    lookbackDays: window.lookbackMs / DAY_MS,
    settleDays: window.settleMs / DAY_MS,
    scanned,
    suspicious: rows.length,
    byReason,
    rows,
  }
}

/**
 * The changes of [start, end) with three flags each. The action is a literal, not a parameter, so
 * the plan is made for it. Each EXISTS is bounded by the customer and the window
 * [at − lookback, at − settle): the same question `AccessLog.seenBefore` answers online. Migration
 * 0009 gives the plan its two seeks: the slice's changes by (action, at) rather than every event of
 * the day, and the address by (customer_id, ip, outcome, at) rather than every stranger's use of a
 * shared carrier address; the network and device questions use (customer_id, at) and (device_id, at).
 */
function checkSlice(store: Store, kind: ScanKind, start: number, end: number, window: FamiliarityWindow): Promise<CheckedRow[]> {
  const familiar = (eb: Scope, column: 'ip' | 'network' | 'device_id') =>
    eb.exists(
      eb
        .selectFrom('access_events as h')
        .select(sql.lit(1).as('one'))
        .whereRef('h.customer_id', '=', 'e.customer_id')
        .whereRef(`h.${column}`, '=', `e.${column}`)
        .where('h.outcome', '=', sql.lit('success'))
        .where('h.at', '>=', sql<number>`e.at - ${sql.lit(window.lookbackMs)}`)
        .where('h.at', '<', sql<number>`e.at - ${sql.lit(window.settleMs)}`),
    )
  return store.db
    .selectFrom('access_events as e')
    .select([
      'e.id',
      'e.at',
      'e.customer_id',
      'e.outcome',
      'e.ip',
      'e.asn_name',
      'e.network',
      'e.country',
      'e.hosting',
      'e.device_id',
      'e.device_type',
      'e.browser',
      'e.os',
      'e.detail_json',
    ])
    .select((eb) => [
      familiar(eb, 'ip').as('known_ip'),
      familiar(eb, 'network').as('known_network'),
      familiar(eb, 'device_id').as('known_device'),
    ])
    .where('e.action', '=', sql.lit(kind))
    .where('e.outcome', 'in', [sql.lit('success'), sql.lit('held')])
    .where('e.at', '>=', start)
    .where('e.at', '<', end)
    .orderBy('e.at')
    .orderBy('e.id')
    .execute() as Promise<CheckedRow[]>
}

interface Verdict {
  readonly severity: 'critical' | 'high'
  readonly reasons: ScanReason[]
}

/**
 * `destinationChangeFromUnseenOrigin`'s decision on the three flags, step for step: a familiar
 * address vouches off a shared network; on a shared network only a familiar device does; off it, a
 * familiar network together with a familiar device. Garbage addresses and placeholder networks
 * never vouch (as in `seenBefore`). Severity as online: critical when nothing of the origin is
 * familiar, high for the customer's own device on an unknown network or a new device on a new
 * address of a known network.
 */
function judge(row: CheckedRow, sharedNetworks: ReadonlySet<string>): Verdict | undefined {
  const shared = sharedNetworks.has(row.network)
  const knownIp = truthy(row.known_ip) && parseIpAddress(row.ip) !== undefined
  if (knownIp && !shared) return undefined
  const knownDevice = row.device_id !== null && truthy(row.known_device)
  if (shared && knownDevice) return undefined
  const knownNetwork = knownIp || (truthy(row.known_network) && !isPlaceholderNetwork(row.network))
  // The customer's own device on a new address of their network (a renumbered home line) is them;
  // a new device there is not: residential proxies rent exactly such addresses (seed 003).
  if (knownNetwork && !shared && knownDevice) return undefined
  const proxyLike = knownNetwork && !shared && !knownDevice
  const reasons: ScanReason[] = []
  if (!knownIp) reasons.push('ip_unseen')
  if (!knownNetwork) reasons.push('network_unseen')
  if (row.device_id === null) reasons.push('no_device')
  else if (!knownDevice) reasons.push('device_unseen')
  if (shared) reasons.push('shared_network')
  if (truthy(row.hosting)) reasons.push('hosting_network')
  return { severity: knownDevice || proxyLike ? 'high' : 'critical', reasons }
}

function suspicious(row: CheckedRow, customerId: string, kind: ScanKind, detail: Detail, verdict: Verdict): SuspiciousChange {
  return {
    eventId: row.id,
    at: Number(row.at),
    customerId,
    kind,
    operation: operationOf(kind, detail),
    outcome: row.outcome,
    destinationId: destinationOf(detail),
    amount: typeof detail['amount'] === 'number' ? detail['amount'] : null,
    ip: row.ip,
    network: row.network,
    networkName: row.asn_name,
    country: row.country,
    hosting: truthy(row.hosting),
    deviceId: row.device_id,
    deviceType: row.device_type,
    browser: row.browser,
    os: row.os,
    severity: verdict.severity,
    reasons: verdict.reasons,
  }
}

/**
 * Seed 004's broker went on to compare, every day, the origin of each destination change with
 * the origin of the withdrawals that followed. For the (few) flagged changes, the withdrawals
 * within 30 days after each (or, scanning withdrawals, the destination changes within 30 days
 * before) are read in one query per 500 customers; one from another origin — neither the same
 * device nor the same real network, as the online `withdrawalAfterDestinationChange` compares
 * them — adds a reason.
 */
async function addLinkReasons(store: Store, kind: ScanKind, rows: readonly SuspiciousChange[]): Promise<SuspiciousChange[]> {
  if (rows.length === 0) return []
  const linkedAction: ScanKind = kind === 'destination_change' ? 'withdrawal' : 'destination_change'
  const reason: ScanReason = kind === 'destination_change' ? 'withdrawal_from_other_origin' : 'destination_change_from_other_origin'
  const customers = [...new Set(rows.map((r) => r.customerId))]
  // Rows are oldest first; a loop rather than Math.min(...rows), which overflows the stack on a huge report.
  const minAt = rows[0]!.at - (kind === 'withdrawal' ? LINK_WINDOW_MS : 0)
  const maxAt = rows[rows.length - 1]!.at + (kind === 'destination_change' ? LINK_WINDOW_MS : 0)
  const linked = new Map<string, Linked[]>()
  for (let i = 0; i < customers.length; i += LINK_CHUNK) {
    const found = await store.db
      .selectFrom('access_events')
      .select(['customer_id', 'at', 'network', 'device_id', 'detail_json'])
      .where('customer_id', 'in', customers.slice(i, i + LINK_CHUNK))
      .where('action', '=', sql.lit(linkedAction))
      .where('outcome', 'in', [sql.lit('success'), sql.lit('held')])
      .where('at', '>=', minAt)
      .where('at', '<=', maxAt)
      .execute()
    for (const f of found) {
      if (f.customer_id === null) continue
      const detail = parseDetail(f.detail_json)
      if (linkedAction === 'withdrawal' && isCancellation(detail)) continue
      const list = linked.get(f.customer_id) ?? []
      list.push({ at: Number(f.at), network: f.network, deviceId: f.device_id, destinationId: destinationOf(detail) })
      linked.set(f.customer_id, list)
    }
  }
  return rows.map((row) => {
    const other = (linked.get(row.customerId) ?? []).some((l) => {
      const inWindow =
        kind === 'destination_change' ? l.at > row.at && l.at - row.at < LINK_WINDOW_MS : l.at < row.at && row.at - l.at < LINK_WINDOW_MS
      return inWindow && sameDestination(row.destinationId, l.destinationId) && !sameOrigin(row, l)
    })
    return other ? { ...row, reasons: [...row.reasons, reason] } : row
  })
}

/** A change or withdrawal of the linked kind, as far as linking needs it. */
interface Linked {
  readonly at: number
  readonly network: string
  readonly deviceId: string | null
  readonly destinationId: string | null
}

/**
 * As `withdrawalAfterDestinationChange` matches a withdrawal with a change: by destination when
 * both name one; one that does not say which destination is assumed to match.
 */
function sameDestination(a: string | null, b: string | null): boolean {
  return a === null || b === null || a === b
}

/** As `withdrawalAfterDestinationChange` decides it: the same device, or the same real network. */
function sameOrigin(a: { network: string; deviceId: string | null }, b: { network: string; deviceId: string | null }): boolean {
  if (a.deviceId !== null && a.deviceId === b.deviceId) return true
  return a.network === b.network && !isPlaceholderNetwork(a.network)
}

type Detail = Readonly<Record<string, unknown>>

function parseDetail(json: string): Detail {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Detail
  } catch {
    // Written by AccessLog, so unreachable short of manual edits; the change is still judged on its origin.
  }
  return {}
}

function destinationOf(detail: Detail): string | null {
  const id = detail['destinationId']
  return typeof id === 'string' && id !== '' ? id : null
}

/** `POST /v1/withdrawals/:id/cancel` is recorded as a withdrawal too, but only ever protects the customer. */
function isCancellation(detail: Detail): boolean {
  return typeof detail['route'] === 'string' && detail['route'].endsWith('/cancel')
}

function operationOf(kind: ScanKind, detail: Detail): string {
  if (kind === 'withdrawal') return 'withdrawal'
  const route = typeof detail['route'] === 'string' ? detail['route'] : ''
  if (route.endsWith('/remove')) return 'remove'
  if (route === '/v1/destinations') return 'add'
  return 'change'
}

/** EXISTS comes back as 1/0 from SQLite and true/false from PostgreSQL. */
function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't'
}
