import type { ManualClock } from '../runtime/index.js'
import { SeededRandom } from '../runtime/index.js'
import type { RunningServer } from '../server/index.js'
import { Browser, type Origin, type RequestCounter, type WatchedCall } from './Browser.js'
import type { BrokerOperations } from './BrokerOperations.js'
import type { FrictionLog } from './Friction.js'
import type { Address, NetworkAtlas, NetworkSpec } from './networks.js'
import type { Scheduler } from './Scheduler.js'

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
/** Japan Standard Time, UTC+9: people live by it. */
export const JST = 9 * HOUR

/** An instrument as GET /v1/instruments lists it. */
export interface ListedInstrument {
  readonly symbol: string
  readonly segment: 'domestic_large' | 'domestic_small' | 'foreign_small'
  readonly price: number
  readonly lotSize: number
  readonly avgDailyVolume: number
}

/**
 * What every simulated actor shares: the server's address, the clock and scheduler that move
 * simulated time, the IP databases, and the tallies. `server` is here for setup (opening
 * accounts) and for the scorer; people and attackers use `url` only.
 */
export interface World {
  readonly url: string
  readonly server: RunningServer
  readonly clock: ManualClock
  readonly scheduler: Scheduler
  readonly atlas: NetworkAtlas
  readonly counter: RequestCounter
  readonly friction: FrictionLog
  readonly seed: number
  /** Start of the measured window (midnight JST); history runs before it. */
  readonly t0: number
  readonly historyDays: number
  readonly days: number
  readonly instruments: readonly ListedInstrument[]
  /** Carrier-grade NAT pools, per mobile network: thousands of subscribers share each address. */
  readonly mobilePools: ReadonlyMap<string, readonly Address[]>
  /** Customers an attacker has touched, from when: their troubles are the attack's, not friction. */
  readonly victims: Map<number, number>
  /** The broker's support desk (unfreezes an honest customer who calls in). */
  support: BrokerOperations | undefined
  /** Told of every attacker request, by scenario (a live replay); absent in a measuring run. */
  readonly watch?: (scenarioId: string, call: WatchedCall) => Promise<void>
}

/** A new browser at `origin`. */
export function browserAt(world: World, origin: Origin): Browser {
  return new Browser(world.url, origin, world.counter)
}

/** The simulated day of `at` (0 = first measured day; negative in the history). */
export function dayOf(world: World, at: number): number {
  return Math.floor((at - world.t0) / DAY)
}

/** A pseudo-random stream of its own for one actor, so one actor's choices never shift another's. */
export function streamFor(world: World, salt: number): SeededRandom {
  return new SeededRandom((Math.imul(world.seed + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0)
}

/** Whether `at` is inside the measured window. */
export function measuring(world: World, at: number): boolean {
  return at >= world.t0 && at < world.t0 + world.days * DAY
}

/** A carrier-grade NAT address of `network`. */
export function mobileAddress(world: World, network: NetworkSpec, rng: SeededRandom): Address {
  const pool = world.mobilePools.get(network.label)
  if (pool === undefined || pool.length === 0) throw new TypeError(`no address pool for ${network.label}`)
  return rng.pick(pool)
}

/** A moment on day `day` at `hour` (JST, fractional hours allowed). */
export function jstTime(world: World, day: number, hour: number): number {
  return world.t0 + day * DAY + Math.round(hour * HOUR)
}

/** Waits `ms` of simulated time (a person's think time between two clicks); everyone else's moments happen meanwhile. */
export function pause(world: World, ms: number): Promise<void> {
  return world.scheduler.sleep(ms)
}
