import { createHash } from 'node:crypto'
import { MamoriError } from '../errors/index.js'
import { parseIpAddress } from '../risk/intel/index.js'
import { CONSUMER_NETWORKS, isPlaceholderNetwork, MOBILE_CARRIER_NETWORKS } from '../risk/typologies/index.js'
import type { Store } from '../store/index.js'
import { checkCustomerId, checkPivotLimit, checkWindow } from './pivotInput.js'
import { maskAccountNumber } from './redact.js'

const DEFAULT_RESULTS = 20
const MAX_RESULTS = 1_000
/** Accounts compared at most; the first found through the rarest links (address, device, destination) come first. */
const MAX_CANDIDATES = 2_000
const CHUNK = 500

/** The five things two accounts can have in common (D-4). */
export const SIMILARITY_DIMENSIONS = ['ips', 'networks', 'devices', 'symbols', 'destinations'] as const

/** One of `SIMILARITY_DIMENSIONS`. */
export type SimilarityDimension = (typeof SIMILARITY_DIMENSIONS)[number]

/** Per dimension, the values in common (a destination as `0005-123 ****567 #hash`). */
export type SharedItems = Readonly<Record<SimilarityDimension, readonly string[]>>

/** An account like the one asked about. */
export interface SimilarAccount {
  readonly customerId: string
  /** Jaccard similarity of all five sets together, |A ∩ B| / |A ∪ B|, in (0, 1]. */
  readonly score: number
  /** Jaccard per dimension (0 where either set is empty). */
  readonly jaccard: Readonly<Record<SimilarityDimension, number>>
  readonly shared: SharedItems
}

/** What `similarAccounts` is asked. */
export interface SimilarAccountsOptions {
  /** Start of the window (ms, inclusive): whose recent pattern. */
  readonly since: number
  /** End (ms, exclusive); default open. */
  readonly until?: number
  /** Accounts returned at most. Default 20, at most 1,000. */
  readonly limit?: number
}

/** The accounts most like one account. */
export interface SimilarAccounts {
  readonly customerId: string
  readonly since: number
  readonly until: number | null
  /** The sizes of the account's own sets. */
  readonly features: Readonly<Record<SimilarityDimension, number>>
  /** Accounts sharing at least one item, highest score first. */
  readonly similar: readonly SimilarAccount[]
  /** Accounts compared. */
  readonly candidates: number
  /** More accounts shared an item than were compared (MAX_CANDIDATES). */
  readonly truncated: boolean
}

type FeatureSets = Record<SimilarityDimension, Map<string, string>>

/**
 * D-4, accounts with a similar pattern: seed 000's six accounts shared the attacker's origin and
 * seed 003's victims bought the same thin stocks, so an account under investigation is compared
 * with every account that shares something with it in the window, by Jaccard similarity over five
 * sets — addresses, networks, devices, symbols bought, and destination bank accounts (compared by
 * a hash of bank, branch and number, shown masked). Two sets are left thin on purpose: an address
 * on a mobile carrier network is CGNAT, shared with strangers, and a Japanese ISP or carrier
 * network carries millions of customers (as `oneOriginManyAccounts` treats them), so neither is a
 * link; and only small-cap symbols find candidates (everybody buys large caps), though all count in
 * the score. CUSTOMER_NOT_FOUND for an unknown account, PIVOT_INVALID for bad input. Read-only.
 */
export async function similarAccounts(store: Store, customerId: string, options: SimilarAccountsOptions): Promise<SimilarAccounts> {
  const id = checkCustomerId(customerId)
  if (options === undefined || options.since === undefined) throw new MamoriError('PIVOT_INVALID', 'since is required', { field: 'since' })
  const window = checkWindow(options.since, options.until)
  const limit = checkPivotLimit(options.limit, DEFAULT_RESULTS, MAX_RESULTS)
  const exists = await store.db.selectFrom('customers').select('id').where('id', '=', id).executeTakeFirst()
  if (exists === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
  const upTo = window.until ?? Number.MAX_SAFE_INTEGER

  const own = (await featuresOf(store, [id], window.since, upTo)).get(id) ?? emptySets()
  const candidates = await candidatesOf(store, id, own, window.since, upTo)
  const truncated = candidates.length > MAX_CANDIDATES
  const compared = candidates.slice(0, MAX_CANDIDATES)
  const theirs = await featuresOf(store, compared, window.since, upTo)

  const similar: SimilarAccount[] = []
  for (const other of compared) {
    const sets = theirs.get(other) ?? emptySets()
    let inter = 0
    let union = 0
    const jaccard = {} as Record<SimilarityDimension, number>
    const shared = {} as Record<SimilarityDimension, string[]>
    for (const d of SIMILARITY_DIMENSIONS) {
      const mine = own[d]
      const common = [...mine.keys()].filter((k) => sets[d].has(k))
      const u = mine.size + sets[d].size - common.length
      jaccard[d] = u === 0 ? 0 : round(common.length / u)
      shared[d] = common.map((k) => mine.get(k)!).sort()
      inter += common.length
      union += u
    }
    if (inter === 0) continue
    similar.push({ customerId: other, score: round(inter / union), jaccard, shared })
  }
  similar.sort((a, b) => b.score - a.score || sharedCount(b) - sharedCount(a) || (a.customerId < b.customerId ? -1 : 1))
  const features = Object.fromEntries(SIMILARITY_DIMENSIONS.map((d) => [d, own[d].size])) as Record<SimilarityDimension, number>
  return { customerId: id, since: window.since, until: window.until, features, similar: similar.slice(0, limit), candidates: compared.length, truncated }
}

/** Accounts sharing a linking item with `own` in the window, rarest links first, up to MAX_CANDIDATES + 1. */
async function candidatesOf(store: Store, self: string, own: FeatureSets, since: number, upTo: number): Promise<string[]> {
  const found = new Set<string>()
  const full = (): boolean => found.size > MAX_CANDIDATES
  const take = (ids: readonly (string | null)[]): void => {
    for (const c of ids) if (c !== null && c !== self && !full()) found.add(c)
  }
  const db = store.db
  for (const [column, values] of [
    ['device_id', [...own.devices.keys()]],
    ['ip', [...own.ips.keys()]],
    ['network', [...own.networks.keys()]],
  ] as const) {
    for (let i = 0; i < values.length && !full(); i += CHUNK) {
      const rows = await db
        .selectFrom('access_events')
        .select('customer_id')
        .distinct()
        .where(column, 'in', values.slice(i, i + CHUNK))
        .where('customer_id', 'is not', null)
        .where('at', '>=', since)
        .where('at', '<', upTo)
        .limit(MAX_CANDIDATES + 1)
        .execute()
      take(rows.map((r) => r.customer_id))
    }
  }
  const destinations = await db
    .selectFrom('withdrawal_destinations')
    .select(['bank_code', 'branch_code', 'account_number'])
    .where('customer_id', '=', self)
    .where('created_at', '<', upTo)
    .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>=', since)]))
    .execute()
  for (const d of destinations) {
    if (full()) break
    const rows = await db
      .selectFrom('withdrawal_destinations')
      .select('customer_id')
      .where('bank_code', '=', d.bank_code)
      .where('branch_code', '=', d.branch_code)
      .where('account_number', '=', d.account_number)
      .where('created_at', '<', upTo)
      .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>=', since)]))
      .execute()
    take(rows.map((r) => r.customer_id))
  }
  const symbols = [...own.symbols.keys()]
  if (symbols.length > 0 && !full()) {
    const thin = await db
      .selectFrom('instruments')
      .select('symbol')
      .where('symbol', 'in', symbols.slice(0, CHUNK))
      .where('segment', '!=', 'domestic_large')
      .execute()
    if (thin.length > 0) {
      const rows = await db
        .selectFrom('orders')
        .select('customer_id')
        .distinct()
        .where('symbol', 'in', thin.map((t) => t.symbol))
        .where('side', '=', 'buy')
        .where('created_at', '>=', since)
        .where('created_at', '<', upTo)
        .limit(MAX_CANDIDATES + 1)
        .execute()
      take(rows.map((r) => r.customer_id))
    }
  }
  return [...found]
}

/** Each customer's five sets in [since, upTo): key → how it is shown. */
async function featuresOf(store: Store, customerIds: readonly string[], since: number, upTo: number): Promise<Map<string, FeatureSets>> {
  const out = new Map<string, FeatureSets>()
  const sets = (c: string): FeatureSets => {
    let s = out.get(c)
    if (s === undefined) {
      s = emptySets()
      out.set(c, s)
    }
    return s
  }
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    const chunk = customerIds.slice(i, i + CHUNK)
    const origins = await store.db
      .selectFrom('access_events')
      .select(['customer_id', 'ip', 'network', 'device_id'])
      .distinct()
      .where('customer_id', 'in', chunk)
      .where('at', '>=', since)
      .where('at', '<', upTo)
      .execute()
    for (const o of origins) {
      if (o.customer_id === null) continue
      const s = sets(o.customer_id)
      if (parseIpAddress(o.ip) !== undefined && !MOBILE_CARRIER_NETWORKS.has(o.network)) s.ips.set(o.ip, o.ip)
      if (!isPlaceholderNetwork(o.network) && !CONSUMER_NETWORKS.has(o.network)) s.networks.set(o.network, o.network)
      if (o.device_id !== null) s.devices.set(o.device_id, o.device_id)
    }
    const bought = await store.db
      .selectFrom('orders')
      .select(['customer_id', 'symbol'])
      .distinct()
      .where('customer_id', 'in', chunk)
      .where('side', '=', 'buy')
      .where('created_at', '>=', since)
      .where('created_at', '<', upTo)
      .execute()
    for (const b of bought) sets(b.customer_id).symbols.set(b.symbol, b.symbol)
    // Buys the guards stopped placed no order but are as telling (a held ring buy is still an attempt).
    const attempts = await store.db
      .selectFrom('access_events')
      .select(['customer_id', 'detail_json'])
      .where('customer_id', 'in', chunk)
      .where('action', '=', 'order')
      .where('outcome', '!=', 'success')
      .where('at', '>=', since)
      .where('at', '<', upTo)
      .execute()
    for (const a of attempts) {
      const symbol = buySymbol(a.detail_json)
      if (a.customer_id !== null && symbol !== null) sets(a.customer_id).symbols.set(symbol, symbol)
    }
    const destinations = await store.db
      .selectFrom('withdrawal_destinations')
      .select(['customer_id', 'bank_code', 'branch_code', 'account_number'])
      .where('customer_id', 'in', chunk)
      .where('created_at', '<', upTo)
      .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>=', since)]))
      .execute()
    for (const d of destinations) {
      const key = destinationKey(d)
      sets(d.customer_id).destinations.set(key, `${d.bank_code}-${d.branch_code} ${maskAccountNumber(d.account_number)} #${key}`)
    }
  }
  return out
}

/**
 * A bank account as one comparable value: bank, branch and number with leading zeros removed
 * (`0001234` and `1234` are the same account), hashed so the number never appears in the result.
 */
export function destinationKey(d: { readonly bank_code: string; readonly branch_code: string; readonly account_number: string }): string {
  const norm = (s: string): string => s.trim().replace(/^0+(?=\d)/, '')
  return createHash('sha256').update(`${norm(d.bank_code)}|${norm(d.branch_code)}|${norm(d.account_number)}`).digest('hex').slice(0, 16)
}

function buySymbol(detailJson: string): string | null {
  try {
    const d = JSON.parse(detailJson) as { symbol?: unknown; side?: unknown } | null
    return d !== null && d.side === 'buy' && typeof d.symbol === 'string' && d.symbol !== '' ? d.symbol : null
  } catch {
    return null
  }
}

function emptySets(): FeatureSets {
  return { ips: new Map(), networks: new Map(), devices: new Map(), symbols: new Map(), destinations: new Map() }
}

function sharedCount(a: SimilarAccount): number {
  return SIMILARITY_DIMENSIONS.reduce((n, d) => n + a.shared[d].length, 0)
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000
}
