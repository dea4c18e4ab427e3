import { generatePeople, type PersonSpec } from '../brokerage/reference/index.js'
import { SeededRandom } from '../runtime/index.js'
import { JP_FIXED, JP_MOBILE, pickByShare, type Address, type NetworkAtlas, type NetworkSpec } from './networks.js'
import { pickBrowser, type BrowserFamily, type DeviceKind } from './userAgents.js'

/**
 * How a customer logs in, day to day, under the JSDA 2025 policy Mamori enforces by default:
 * - 'passkey': a passkey on every device (synced through their platform, or used from the phone);
 * - 'app': the phone holds the passkey and the broker's app; on the computer they type the
 *   password and approve on the phone (number matching);
 * - 'dormant': holds assets but has not logged in since passkeys became the rule, so has none yet
 *   (the accounts seed 003's phishing wave emptied first).
 */
export type AuthStyle = 'passkey' | 'app' | 'dormant'

/** A device a customer owns. `since`/`until` bound it in simulated days (a new phone replaces the old one). */
export interface DeviceSpec {
  readonly key: string
  readonly kind: DeviceKind
  readonly family: BrowserFamily
  /** Index into the family's versions at the start of the run; browsers update as days pass. */
  readonly version: number
  readonly sinceDay: number
  readonly untilDay: number
}

/** A trip: nights on another network (a hotel in another city, or abroad). */
export interface Trip {
  readonly startDay: number
  readonly days: number
  readonly abroad: boolean
}

/** One legitimate customer's fixed traits, drawn from the seed. */
export interface CustomerSpec {
  readonly index: number
  readonly person: PersonSpec
  readonly loginPassword: string
  readonly tradingPassword: string
  readonly style: AuthStyle
  /** How they confirm orders: typing the trading password, or a passkey (fingerprint/face on the phone). */
  readonly orderProof: 'trading_password' | 'passkey'
  readonly homeNetwork: NetworkSpec
  readonly home: Address
  /** The home line is renumbered on this day (a new address on the same ISP), if ever. */
  readonly renumberDay: number | null
  readonly renumberedHome: Address
  readonly mobileNetwork: NetworkSpec
  readonly devices: readonly DeviceSpec[]
  /** Expected sessions per day: log-normal, from a few a month to several a day. */
  readonly sessionsPerDay: number
  /** Expected orders per session. */
  readonly ordersPerSession: number
  readonly cash: number
  /** A large-cap holding set up at account opening: [symbol index among large caps, lots]. */
  readonly holding: readonly [number, number]
  /** This customer's login password is on a leaked list from another site (password reuse). */
  readonly reusesPassword: boolean
  readonly trip: Trip | null
  /** The day a new destination is added (a new bank account), if any. */
  readonly newDestinationDay: number | null
  readonly bankCode: string
}

/** The population's shape. */
export interface PopulationOptions {
  readonly seed: number
  readonly customers: number
  /** Days of ordinary life before the measured window (history the engine learns from). */
  readonly historyDays: number
  /** Days measured. */
  readonly days: number
}

const WORDS = [
  'sakura', 'umi', 'kaze', 'yama', 'hoshi', 'tsuki', 'mizu', 'hana', 'sora', 'kumo', 'ame', 'yuki', 'mori', 'kawa', 'tori',
  'neko', 'inu', 'kitsune', 'tanuki', 'momiji', 'ginkgo', 'sumire', 'ajisai', 'tsubaki', 'hotaru', 'semi', 'kani', 'ebi',
]
const BANKS = ['0001', '0005', '0009', '0010', '0017', '0033', '0036', '0038', '0397']

/**
 * Draws the population: each customer's people data (src/brokerage/reference), passwords, home
 * line on a real Japanese ISP, phone carrier, devices and browsers, habits and the events of their
 * month (a trip, a new phone, a new bank account). Deterministic for a seed and the same IP
 * databases.
 */
export function buildPopulation(o: PopulationOptions, atlas: NetworkAtlas): CustomerSpec[] {
  const rng = new SeededRandom(o.seed ^ 0x51a1_0001)
  const people = generatePeople(o.seed, o.customers)
  const fixed = JP_FIXED.filter((n) => atlas.has(n))
  const mobile = JP_MOBILE.filter((n) => atlas.has(n))
  const totalDays = o.historyDays + o.days
  return people.map((person, index): CustomerSpec => {
    const r = rng.next()
    const style: AuthStyle = r < 0.68 ? 'passkey' : r < 0.92 ? 'app' : 'dormant'
    const d = rng.next()
    // The 'app' style needs a phone (it holds the app) and a computer (where the password is typed).
    const kinds: DeviceKind[] = style === 'app' ? ['pc', 'phone'] : d < 0.5 ? ['pc', 'phone'] : d < 0.8 ? ['phone'] : ['pc']
    const devices: DeviceSpec[] = kinds.map((kind, i) => {
      const family = pickBrowser(kind, rng)
      return { key: `${kind}${i}`, kind, family, version: rng.int(family.versions.length - 1), sinceDay: -Infinity, untilDay: Infinity }
    })
    // A new phone during the run: 1.5% a month, sometimes another platform.
    const phone = devices.find((x) => x.kind === 'phone')
    if (phone !== undefined && rng.next() < 0.015 * (totalDays / 30)) {
      const day = Math.floor(rng.next() * totalDays) - o.historyDays
      const family = rng.next() < 0.8 ? phone.family : pickBrowser('phone', rng)
      devices[devices.indexOf(phone)] = { ...phone, untilDay: day }
      devices.push({ key: 'phone-new', kind: 'phone', family, version: family.versions.length - 1, sinceDay: day, untilDay: Infinity })
    }
    const homeNetwork = pickByShare(fixed, rng)
    // Activity: log-normal, median about two sessions a month, the top few percent several a day.
    const sessionsPerDay = Math.min(6, 0.07 * Math.exp(1.4 * normal(rng)))
    const heavy = sessionsPerDay > 0.8
    const tripRoll = rng.next()
    const trip: Trip | null =
      tripRoll < 0.04 * (o.days / 30) ? { startDay: rng.int(Math.max(1, o.days)), days: 2 + rng.int(6), abroad: rng.next() < 0.3 } : null
    return {
      index,
      person,
      loginPassword: `${rng.pick(WORDS)}-${rng.pick(WORDS)}-${1000 + rng.int(9000)}-${rng.pick(WORDS)}`,
      tradingPassword: `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${100 + rng.int(900)}`,
      style,
      orderProof: rng.next() < 0.55 ? 'trading_password' : 'passkey',
      homeNetwork,
      home: atlas.address(homeNetwork, rng),
      renumberDay: rng.next() < 0.02 * (totalDays / 30) ? Math.floor(rng.next() * totalDays) - o.historyDays : null,
      renumberedHome: atlas.address(homeNetwork, rng),
      mobileNetwork: pickByShare(mobile, rng),
      devices,
      sessionsPerDay: style === 'dormant' ? 0 : sessionsPerDay,
      ordersPerSession: heavy ? 2 : 0.5,
      cash: 100_000 * (3 + rng.int(60)),
      holding: [rng.int(50), 1 + rng.int(10)],
      reusesPassword: rng.next() < 0.03,
      trip,
      newDestinationDay: rng.next() < 0.015 * (totalDays / 30) ? Math.floor(rng.next() * totalDays) - o.historyDays : null,
      bankCode: rng.pick(BANKS),
    }
  })
}

/** A standard normal variate (Box-Muller). */
export function normal(rng: SeededRandom): number {
  const u = Math.max(rng.next(), Number.MIN_VALUE)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next())
}

/** A Poisson variate (Knuth; the means here are small). */
export function poisson(mean: number, rng: SeededRandom): number {
  if (mean <= 0) return 0
  const limit = Math.exp(-mean)
  let k = 0
  let p = rng.next()
  while (p > limit) {
    k++
    p *= rng.next()
  }
  return k
}
