import { createHash } from 'node:crypto'
import { accessEventId, hashLoginId, type AccessAction, type AccessDetail, type AccessEvent, type AccessOutcome } from '../risk/events/index.js'
import {
  JAPANESE_NETWORKS,
  ipv4Text,
  parseUserAgent,
  sampleIpv4Prefixes,
  type IpInfo,
  type Ipv4Prefix,
  type MaxmindIpIntel,
  type ParsedUserAgent,
} from '../risk/intel/index.js'
import type { InstrumentSpec } from '../brokerage/reference/index.js'
import type { SeededRandom } from '../runtime/index.js'

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
/** JST is UTC+9; sessions follow Japanese waking hours. */
const JST_MS = 9 * HOUR_MS

/**
 * A synthetic but realistic population of a Japanese online broker's customers, for the risk
 * benchmark: each customer has a home line on a real Japanese ISP (renumbered now and then), a
 * phone on a real carrier behind carrier-grade NAT (addresses shared with strangers), one to three
 * devices with browsers that update over the year, and an activity level drawn from a heavy-tailed
 * distribution (a few day traders log in several times a day, most customers a couple of times a
 * month). Addresses are drawn from the address blocks the shipped ASN data gives each network and
 * resolved by the real intel, so every event carries the AS, city and coordinates the engine would see.
 */
export interface Population {
  readonly customers: readonly Customer[]
  /** Each customer's activity weight, cumulated, for drawing customers as often as they are active. */
  readonly cumulativeWeight: Float64Array
  readonly instruments: Readonly<Record<InstrumentSpec['segment'], readonly InstrumentSpec[]>>
  /** Origins no customer uses: other ISPs' lines (a hotel, a friend's), hosting providers, foreign ISPs. */
  readonly strangers: Readonly<{ domestic: readonly Origin[]; hosting: readonly Origin[]; foreign: readonly Origin[] }>
  readonly userAgents: readonly UserAgent[]
}

/** Where an access comes from, as the intel resolved it. */
export type Origin = Pick<IpInfo, 'ip' | 'asn' | 'asnName' | 'network' | 'country' | 'city' | 'latitude' | 'longitude' | 'hosting'>

/** A user-agent string and what the parser makes of it. */
export interface UserAgent {
  readonly raw: string
  readonly parsed: ParsedUserAgent
}

export interface Device {
  readonly id: string
  readonly kind: 'pc' | 'phone'
  /** Versions of the device's browser over the year, oldest first; one is current at a time. */
  readonly agents: readonly UserAgent[]
}

export interface Customer {
  readonly id: string
  readonly loginIdHash: string
  /** Expected sessions over the history. */
  readonly sessions: number
  readonly heavy: boolean
  readonly devices: readonly Device[]
  /** Home line addresses, each from `since` on (renumbering). */
  readonly homes: readonly { readonly since: number; readonly origin: Origin }[]
  /** The phone's carrier-grade NAT pool. */
  readonly mobile: readonly Origin[]
}

/** How the population is drawn. */
export interface PopulationOptions {
  readonly customers: number
  /** The history covers [startMs, endMs). */
  readonly startMs: number
  readonly endMs: number
  /** Mean events per customer over the history. */
  readonly eventsPerCustomer: number
}

/** Expected events of one session besides its login: orders, money moves, changes, typos. */
const ORDERS_PER_SESSION = { light: 0.5, heavy: 2.5 } as const
const EXTRA_EVENTS = 0.04 + 0.03 + 0.04 + 0.004 + 0.006
/** Carrier-grade NAT addresses drawn per mobile network: thousands of subscribers share each. */
const MOBILE_POOL = 400

/** Builds the population: networks and their addresses resolved through `intel`, devices, habits. */
export function buildPopulation(
  o: PopulationOptions,
  intel: MaxmindIpIntel,
  rng: SeededRandom,
  catalog: readonly InstrumentSpec[],
): Population {
  const resolved = new Map<string, Origin>()
  const resolve = (ip: string): Origin => {
    let origin = resolved.get(ip)
    if (origin === undefined) {
      const i = intel.lookup(ip)
      origin = Object.freeze({
        ip: i.ip,
        asn: i.asn,
        asnName: i.asnName,
        network: i.network,
        country: i.country,
        city: i.city,
        latitude: i.latitude,
        longitude: i.longitude,
        hosting: i.hosting,
      })
      resolved.set(ip, origin)
    }
    return origin
  }
  const inJapan = (p: Ipv4Prefix): boolean => intel.lookup(ipv4Text(p.first + Math.floor(p.size / 2))).country === 'JP'
  const addressIn = (prefixes: readonly Ipv4Prefix[]): string => {
    const p = rng.pick(prefixes)
    // Skip the network and broadcast addresses of small blocks.
    return ipv4Text(p.first + 1 + rng.int(Math.max(1, p.size - 2)))
  }
  const prefixesOf = (asn: number, accept?: (p: Ipv4Prefix) => boolean): Ipv4Prefix[] =>
    sampleIpv4Prefixes(intel.asnDatabase, asn, { count: 24, ...(accept === undefined ? {} : { accept }) })

  // Fixed lines, weighted roughly by market share (the big four first).
  const fixed = JAPANESE_NETWORKS.filter((n) => n.kind !== 'mobile')
    .map((n) => ({ asn: n.asn, prefixes: prefixesOf(n.asn, inJapan), share: FIXED_SHARE[n.asn] ?? 1 }))
    .filter((n) => n.prefixes.length > 0)
  const mobile = JAPANESE_NETWORKS.filter((n) => n.kind !== 'fixed')
    .map((n) => ({ asn: n.asn, prefixes: prefixesOf(n.asn, inJapan), share: MOBILE_SHARE[n.asn] ?? 1 }))
    .filter((n) => n.prefixes.length > 0)
    .map((n) => ({ ...n, pool: Array.from({ length: MOBILE_POOL }, () => resolve(addressIn(n.prefixes))) }))
  const fixedTotal = fixed.reduce((s, n) => s + n.share, 0)
  const mobileTotal = mobile.reduce((s, n) => s + n.share, 0)
  const weighted = <T extends { share: number }>(list: readonly T[], total: number): T => {
    let r = rng.next() * total
    for (const n of list) if ((r -= n.share) < 0) return n
    return list[list.length - 1]!
  }

  const agents = new Map<string, UserAgent>()
  const agent = (raw: string): UserAgent => {
    let a = agents.get(raw)
    if (a === undefined) agents.set(raw, (a = { raw, parsed: parseUserAgent(raw) }))
    return a
  }
  const families = Object.values(UA_FAMILIES).map((f) => ({ ...f, agents: f.versions.map((v) => agent(f.template(v))) }))
  const pcFamilies = families.filter((f) => f.kind === 'pc')
  const phoneFamilies = families.filter((f) => f.kind === 'phone')
  const pickFamily = (list: typeof families): (typeof families)[number] => weighted(list, list.reduce((s, f) => s + f.share, 0))

  // Activity: log-normal (median 1, σ 1.2), the top decile trading several times a day.
  const weights = Array.from({ length: o.customers }, () => Math.exp(1.2 * normal(rng)))
  const sortedWeights = [...weights].sort((a, b) => a - b)
  const heavyFrom = sortedWeights[Math.floor(o.customers * 0.9)] ?? Number.POSITIVE_INFINITY
  const perSession = (w: number): number =>
    1 + EXTRA_EVENTS + (w >= heavyFrom ? ORDERS_PER_SESSION.heavy : ORDERS_PER_SESSION.light)
  const expected = weights.reduce((s, w) => s + w * perSession(w), 0)
  const scale = (o.customers * o.eventsPerCustomer) / expected

  const span = o.endMs - o.startMs
  const customers: Customer[] = []
  const cumulativeWeight = new Float64Array(o.customers)
  let cumulative = 0
  for (let c = 0; c < o.customers; c++) {
    const id = `cus_${String(c).padStart(7, '0')}`
    const w = weights[c]!
    const sessions = w * scale
    cumulative += sessions
    cumulativeWeight[c] = cumulative
    const r = rng.next()
    const kinds: Device['kind'][] = r < 0.55 ? ['pc', 'phone'] : r < 0.8 ? ['phone'] : r < 0.95 ? ['pc'] : ['pc', 'pc', 'phone']
    const devices = kinds.map((kind, i): Device => {
      const family = pickFamily(kind === 'pc' ? pcFamilies : phoneFamilies)
      // Each device sits somewhere in its browser's release train.
      const first = rng.int(Math.max(1, family.agents.length - 2))
      return { id: `dev_${c.toString(36)}_${i}`, kind, agents: family.agents.slice(first) }
    })
    const isp = weighted(fixed, fixedTotal)
    const renumbered = rng.next() < 0.3 ? 1 + rng.int(2) : 0
    const homes = [{ since: Number.MIN_SAFE_INTEGER, origin: resolve(addressIn(isp.prefixes)) }]
    const times = Array.from({ length: renumbered }, () => o.startMs + rng.int(span)).sort((a, b) => a - b)
    for (const since of times) homes.push({ since, origin: resolve(addressIn(isp.prefixes)) })
    customers.push({
      id,
      loginIdHash: hashLoginId(`user${c}`),
      sessions,
      heavy: w >= heavyFrom,
      devices,
      homes,
      mobile: weighted(mobile, mobileTotal).pool,
    })
  }

  const strangerAsns = (asns: readonly number[], foreign: boolean): Origin[] =>
    asns.flatMap((asn) => {
      const prefixes = prefixesOf(asn, foreign ? (p) => !inJapan(p) : undefined)
      return prefixes.length === 0 ? [] : Array.from({ length: 20 }, () => resolve(addressIn(prefixes)))
    })
  const bySegment = (segment: InstrumentSpec['segment']): InstrumentSpec[] => catalog.filter((i) => i.segment === segment)
  return {
    customers,
    cumulativeWeight,
    instruments: {
      domestic_large: bySegment('domestic_large'),
      domestic_small: bySegment('domestic_small'),
      foreign_small: bySegment('foreign_small'),
    },
    strangers: {
      domestic: fixed.flatMap((n) => Array.from({ length: 20 }, () => resolve(addressIn(n.prefixes)))),
      // AWS, DigitalOcean, Vultr, OVH: where takeover tooling runs.
      hosting: strangerAsns([16509, 14061, 20473, 16276], false),
      // China Unicom and ChinaNet residential lines (seed 003's relays), Korea Telecom.
      foreign: strangerAsns([4837, 4134, 4766], true),
    },
    userAgents: families.flatMap((f) => f.agents),
  }
}

/** A customer drawn as often as they are active. */
export function activeCustomer(p: Population, rng: SeededRandom): Customer {
  const w = p.cumulativeWeight
  const r = rng.next() * w[w.length - 1]!
  let lo = 0
  let hi = w.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (w[mid]! <= r) lo = mid + 1
    else hi = mid
  }
  return p.customers[lo]!
}

/** Session start times of the whole history, in time order, each with its customer's index. */
export function scheduleSessions(p: Population, o: PopulationOptions, rng: SeededRandom): { at: Float64Array; customer: Int32Array } {
  const times: number[] = []
  const owners: number[] = []
  const days = Math.max(1, Math.round((o.endMs - o.startMs) / DAY_MS))
  p.customers.forEach((c, i) => {
    const n = poisson(c.sessions, rng)
    for (let k = 0; k < n; k++) {
      // A day, then a waking hour in Japan (07:00-24:00 JST), busiest in the evening.
      const day = rng.int(days)
      const hour = 7 + Math.floor(17 * Math.sqrt(rng.next()))
      const at = o.startMs + day * DAY_MS - JST_MS + hour * HOUR_MS + rng.int(HOUR_MS)
      if (at < o.startMs || at >= o.endMs - HOUR_MS) continue
      times.push(at)
      owners.push(i)
    }
  })
  const order = Array.from(times.keys()).sort((a, b) => times[a]! - times[b]!)
  return {
    at: Float64Array.from(order, (i) => times[i]!),
    customer: Int32Array.from(order, (i) => owners[i]!),
  }
}

/** Where a customer is in one session: a device and the origin it uses. */
export interface Environment {
  readonly device: Device
  readonly agent: UserAgent
  readonly origin: Origin
}

/** The customer's usual environment at `at`: a PC at home, or the phone on the carrier or home Wi-Fi. */
export function usualEnvironment(c: Customer, at: number, rng: SeededRandom, startMs: number, endMs: number): Environment {
  const device = c.devices.length === 1 ? c.devices[0]! : rng.pick(c.devices)
  const home = homeAt(c, at)
  const origin = device.kind === 'pc' || rng.next() < 0.4 ? home : rng.pick(c.mobile)
  return { device, agent: agentAt(device, at, startMs, endMs), origin }
}

/** The device's browser version at `at`: browsers update through the year. */
export function agentAt(d: Device, at: number, startMs: number, endMs: number): UserAgent {
  const i = Math.floor(((at - startMs) / Math.max(1, endMs - startMs)) * d.agents.length)
  return d.agents[Math.min(d.agents.length - 1, Math.max(0, i))]!
}

function homeAt(c: Customer, at: number): Origin {
  let origin = c.homes[0]!.origin
  for (const h of c.homes) if (h.since <= at) origin = h.origin
  return origin
}

/** Builds one access event. */
export function accessEvent(
  rng: SeededRandom,
  at: number,
  customerId: string | null,
  action: AccessAction,
  outcome: AccessOutcome,
  env: { readonly agent: UserAgent; readonly origin: Origin; readonly deviceId: string | null },
  detail: AccessDetail,
  loginIdHash: string | null = null,
  sessionHash: string | null = null,
): AccessEvent {
  const o = env.origin
  const ua = env.agent.parsed
  return {
    id: accessEventId(at, rng),
    at,
    customerId,
    loginIdHash,
    sessionHash,
    action,
    outcome,
    ip: o.ip,
    asn: o.asn,
    asnName: o.asnName,
    network: o.network,
    country: o.country,
    city: o.city,
    latitude: o.latitude,
    longitude: o.longitude,
    hosting: o.hosting,
    userAgent: env.agent.raw,
    browser: ua.browser,
    os: ua.os,
    deviceType: ua.deviceType,
    deviceId: env.deviceId,
    detail,
  }
}

/** A plausible order detail, as the HTTP layer records it (route, status, body fields). */
export function orderDetail(p: Population, rng: SeededRandom, side: 'buy' | 'sell', segment?: InstrumentSpec['segment']): AccessDetail {
  const r = rng.next()
  const seg = segment ?? (r < 0.85 ? 'domestic_large' : r < 0.95 ? 'domestic_small' : 'foreign_small')
  const instrument = rng.pick(p.instruments[seg])
  return {
    route: '/v1/orders',
    status: 201,
    symbol: instrument.symbol,
    side,
    type: rng.next() < 0.6 ? 'limit' : 'market',
    quantity: instrument.lotSize * (1 + rng.int(seg === 'domestic_large' ? 5 : 30)),
  }
}

/**
 * The events of one session of `c` starting at `at`: sometimes a mistyped password first, the
 * login, then orders and now and then a deposit, withdrawal, destination or contact change.
 * Everything from the customer's usual environment, or (2%) their own device on a hotel or
 * friend's line. The events are appended to `out`.
 */
export function sessionEvents(
  p: Population,
  c: Customer,
  at: number,
  rng: SeededRandom,
  o: PopulationOptions,
  out: AccessEvent[],
): void {
  const usual = usualEnvironment(c, at, rng, o.startMs, o.endMs)
  const env = {
    agent: usual.agent,
    origin: rng.next() < 0.02 ? rng.pick(p.strangers.domestic) : usual.origin,
    deviceId: usual.device.id,
  }
  // Stored as the SHA-256 of the session token; any 64 hex digits do here.
  const session = createHash('sha256').update(`session ${at} ${c.id}`).digest('hex')
  if (rng.next() < 0.04) {
    out.push(accessEvent(rng, at - 20_000, c.id, 'login_failed', 'failure', env, { route: '/v1/auth/login', status: 401 }, c.loginIdHash))
  }
  out.push(accessEvent(rng, at, c.id, 'login', 'success', env, { route: '/v1/auth/login', status: 200 }, c.loginIdHash, session))
  let t = at
  const orders = poisson(c.heavy ? ORDERS_PER_SESSION.heavy : ORDERS_PER_SESSION.light, rng)
  for (let k = 0; k < orders; k++) {
    t += MINUTE_MS + rng.int(10 * MINUTE_MS)
    out.push(accessEvent(rng, t, c.id, 'order', 'success', env, orderDetail(p, rng, rng.next() < 0.5 ? 'buy' : 'sell'), null, session))
  }
  const extra = rng.next()
  t += MINUTE_MS + rng.int(5 * MINUTE_MS)
  if (extra < 0.04) {
    out.push(accessEvent(rng, t, c.id, 'deposit', 'success', env, { route: '/v1/deposits', status: 201, amount: 10_000 * (1 + rng.int(100)) }, null, session))
  } else if (extra < 0.07) {
    out.push(accessEvent(rng, t, c.id, 'withdrawal', 'success', env, withdrawalDetail(c, rng), null, session))
  } else if (extra < 0.074) {
    out.push(accessEvent(rng, t, c.id, 'destination_change', 'success', env, destinationDetail(c, rng), null, session))
  } else if (extra < 0.08) {
    const action = rng.pick(['contact_change', 'password_change', 'factor_change'] as const)
    out.push(accessEvent(rng, t, c.id, action, 'success', env, { route: '/v1/me', status: 200 }, null, session))
  }
}

export function withdrawalDetail(c: Customer, rng: SeededRandom): AccessDetail {
  return { route: '/v1/withdrawals', status: 201, destinationId: `dst_${c.id}_0`, amount: 10_000 * (1 + rng.int(200)) }
}

export function destinationDetail(c: Customer, rng: SeededRandom, destinationId = `dst_${c.id}_${1 + rng.int(3)}`): AccessDetail {
  return {
    route: '/v1/destinations',
    status: 201,
    destinationId,
    bankCode: String(1 + rng.int(9999)).padStart(4, '0'),
    branchCode: String(1 + rng.int(999)).padStart(3, '0'),
    accountType: 'ordinary',
    accountNumber: String(rng.int(10_000_000)).padStart(7, '0'),
  }
}

/** A standard normal variate (Box-Muller). */
function normal(rng: SeededRandom): number {
  const u = Math.max(rng.next(), Number.MIN_VALUE)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next())
}

/** A Poisson variate: Knuth's method for small means, a rounded normal for large ones. */
export function poisson(mean: number, rng: SeededRandom): number {
  if (mean <= 0) return 0
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)))
  const limit = Math.exp(-mean)
  let k = 0
  let product = rng.next()
  while (product > limit) {
    k++
    product *= rng.next()
  }
  return k
}

/** Rough shares of Japanese fixed broadband by AS (NTT's OCN and the others' FTTH resale lead). */
const FIXED_SHARE: Readonly<Record<number, number>> = {
  4713: 25, 2516: 15, 17676: 15, 2527: 10, 2518: 8, 4725: 3, 2497: 3, 9824: 6, 17511: 4, 18126: 3, 7679: 2, 7522: 1, 2514: 2, 4685: 1, 17506: 2, 10010: 1,
}
/** Rough shares of Japanese mobile subscribers by AS. */
const MOBILE_SHARE: Readonly<Record<number, number>> = { 9605: 36, 2516: 30, 17676: 26, 138384: 5, 2497: 3 }

interface UaFamily {
  readonly kind: Device['kind']
  readonly share: number
  readonly versions: readonly string[]
  readonly template: (version: string) => string
}

/** Browsers of Japanese retail investors in 2024-25, each with the versions a year brings. */
const UA_FAMILIES: Readonly<Record<string, UaFamily>> = {
  windowsChrome: {
    kind: 'pc',
    share: 45,
    versions: ['122', '124', '126', '128', '130', '131'],
    template: (v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  windowsEdge: {
    kind: 'pc',
    share: 25,
    versions: ['122', '124', '126', '128', '130', '131'],
    template: (v) =>
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`,
  },
  macSafari: {
    kind: 'pc',
    share: 15,
    versions: ['17.3', '17.4', '17.5', '17.6', '18.0', '18.1'],
    template: (v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`,
  },
  macChrome: {
    kind: 'pc',
    share: 10,
    versions: ['122', '124', '126', '128', '130', '131'],
    template: (v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
  },
  windowsFirefox: {
    kind: 'pc',
    share: 5,
    versions: ['123', '125', '127', '129', '131', '132'],
    template: (v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
  },
  iphoneSafari: {
    kind: 'phone',
    share: 65,
    versions: ['17_3', '17_4', '17_5', '17_6', '18_0', '18_1'],
    template: (v) =>
      `Mozilla/5.0 (iPhone; CPU iPhone OS ${v} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v.replace('_', '.')} Mobile/15E148 Safari/604.1`,
  },
  androidChrome: {
    kind: 'phone',
    share: 35,
    versions: ['122', '124', '126', '128', '130', '131'],
    template: (v) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
  },
}
