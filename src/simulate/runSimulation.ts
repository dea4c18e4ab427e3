import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { matchOpenOrders, sendApprovedWithdrawals } from '../brokerage/index.js'
import { loadConfig } from '../config/index.js'
import { ManualClock, SeededRandom } from '../runtime/index.js'
import { startServer, type RunningServer } from '../server/index.js'
import { AttackLog } from './AttackLog.js'
import { Browser, RequestCounter, type WatchedCall } from './Browser.js'
import { BrokerOperations } from './BrokerOperations.js'
import { Customer } from './Customer.js'
import { FrictionLog } from './Friction.js'
import { RP_ID, WEB_ORIGIN } from './flows.js'
import { JP_MOBILE, NetworkAtlas, type Address } from './networks.js'
import { buildPopulation } from './population.js'
import { SCENARIOS, selectScenarios } from './scenarios/index.js'
import { VictimPool } from './scenarios/common.js'
import type { Scorecard } from './Scorecard.js'
import { score } from './score.js'
import { Scheduler } from './Scheduler.js'
import { DAY, HOUR, JST, MINUTE, streamFor, type ListedInstrument, type World } from './World.js'

/** How a simulation runs. */
export interface SimulationOptions {
  readonly seed: number
  readonly customers: number
  /** Days measured. */
  readonly days: number
  /** Days of ordinary life before the measured window, from which Mamori learns each customer's habits (default 14). */
  readonly historyDays?: number
  /** One scenario id, or a family (its incident and variants); every scenario when omitted. */
  readonly scenario?: string
  /** Called as simulated time passes: done and total in simulated minutes. */
  readonly onProgress?: (done: number, total: number) => void
  /** Called with a line for each phase (opening accounts, enrolling, running). */
  readonly onPhase?: (line: string) => void
  /** Leave the run's SQLite database in place (its path is reported through onPhase) for investigating a result. */
  readonly keepDatabase?: boolean
  /** Told of every attacker request as it is answered, and awaited: a live replay prints and paces here. */
  readonly watch?: (scenarioId: string, call: WatchedCall) => Promise<void>
  /** Called with the server and the scorecard after the run, before the server closes (a replay reads the alerts here). */
  readonly afterRun?: (server: RunningServer, card: Scorecard) => Promise<void>
}

/** The first measured day: 2025-10-01 00:00 JST. */
const T0 = Date.UTC(2025, 9, 1) - JST

/**
 * Runs Mamori as a broker would deploy it — default policy, default risk configuration, embedded
 * SQLite in a temporary directory, behind a load balancer (X-Forwarded-For trusted) — under a
 * living population and the attack scenarios, all on a simulated clock, and returns the
 * scorecard. Everyone talks to Mamori over HTTP; the population's accounts are opened through the
 * brokerage core beforehand, as onboarding would (setup, not simulation).
 */
export async function runSimulation(o: SimulationOptions): Promise<Scorecard> {
  if (!Number.isSafeInteger(o.customers) || o.customers < 1) throw new TypeError('customers must be a positive integer')
  if (!Number.isSafeInteger(o.days) || o.days < 1) throw new TypeError('days must be a positive integer')
  const historyDays = o.historyDays ?? 14
  if (!Number.isSafeInteger(historyDays) || historyDays < 0) throw new TypeError('historyDays must be a non-negative integer')
  const scenarios = selectScenarios(o.scenario)
  const phase = o.onPhase ?? (() => undefined)
  const startedAt = performance.now()

  phase('reading the IP databases')
  const atlas = await NetworkAtlas.open()
  const specs = buildPopulation({ seed: o.seed, customers: o.customers, historyDays, days: o.days }, atlas)
  // A memory-backed temporary directory where there is one: the run measures outcomes, not the disk's fsync.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mamori-sim-'))
  const enrolDay = T0 - (historyDays + 1) * DAY
  const clock = new ManualClock(enrolDay - 400 * DAY)
  const config = loadConfig({
    env: {},
    overrides: {
      // Behind the broker's load balancer, which reports each client's address.
      http: { host: '127.0.0.1', port: 0, trustProxy: true },
      database: { dialect: 'sqlite', sqlitePath: join(dir, 'mamori.db') },
      log: { level: 'silent' },
      webauthn: { rpId: RP_ID, origins: [WEB_ORIGIN] },
      secrets: { key: new SeededRandom(o.seed ^ 0x5ec2e7).bytes(32).toString('base64') },
      // The background jobs run on the simulated clock below, not on the machine's timers.
      market: { matchIntervalMs: 0 },
      withdrawals: { sendIntervalMs: 0 },
    },
  })
  const server = await startServer(config, { clock, random: new SeededRandom(o.seed ^ 0x5e4e4) })
  try {
    const counter = new RequestCounter()
    const listed = await new Browser(server.url, { ip: '203.0.113.1', userAgent: '' }, counter).get<{ instruments: ListedInstrument[] }>('/v1/instruments')
    const poolRng = new SeededRandom(o.seed ^ 0x9001)
    const mobilePools = new Map<string, readonly Address[]>()
    for (const n of JP_MOBILE) {
      if (!atlas.has(n)) continue
      mobilePools.set(n.label, Array.from({ length: Math.max(300, o.customers) }, () => atlas.address(n, poolRng)))
    }
    const world: World = {
      url: server.url,
      server,
      clock,
      scheduler: new Scheduler(clock),
      atlas,
      counter,
      friction: new FrictionLog(),
      seed: o.seed,
      t0: T0,
      historyDays,
      days: o.days,
      instruments: listed.body.instruments,
      mobilePools,
      victims: new Map(),
      support: undefined,
      ...(o.watch === undefined ? {} : { watch: o.watch }),
    }
    world.support = new BrokerOperations(world)
    const customers = specs.map((s) => new Customer(world, s))

    phase(`opening ${customers.length} accounts (setup through the brokerage core)`)
    const largeCaps = world.instruments.filter((i) => i.segment === 'domestic_large')
    for (let i = 0; i < customers.length; i += 4) {
      const batch = customers.slice(i, i + 4)
      await Promise.all(batch.map((c) => c.openAccount()))
      for (const c of batch) await c.fund(largeCaps)
      o.onProgress?.(i + batch.length, customers.length)
    }

    // Enrolment day: every active customer sets up a passkey (and the phone app) over HTTP.
    clock.set(enrolDay)
    const end = T0 + o.days * DAY
    const rng = streamFor(world, 1)
    for (const c of customers) world.scheduler.at(enrolDay + 8 * HOUR + rng.int(14 * HOUR), `enrol ${c.loginId}`, () => c.enrol())
    for (const c of customers) c.schedule(-historyDays, o.days)
    // The server's background jobs, on simulated time: match resting orders, send approved withdrawals.
    const every = (ms: number, label: string, job: () => Promise<unknown>): void => {
      const tick = async (): Promise<void> => {
        await job()
        if (clock.now() + ms < end) world.scheduler.at(clock.now() + ms, label, tick)
      }
      world.scheduler.at(enrolDay + ms, label, tick)
    }
    every(15 * MINUTE, 'match orders', () => matchOpenOrders(server.brokerage))
    every(HOUR, 'send withdrawals', () => sendApprovedWithdrawals(server.brokerage))

    const logs: AttackLog[] = []
    const pool = new VictimPool(customers, streamFor(world, 2))
    const scale = Math.min(1, o.customers / 1000)
    for (const s of scenarios) {
      const index = SCENARIOS.indexOf(s)
      const log = new AttackLog(s.id, s.family, s.description, s.steps)
      logs.push(log)
      s.stage({ world, pool, rng: streamFor(world, 9000 + index), start: attackStart(index, SCENARIOS.length, o.days), scale, customers }, log)
    }

    phase(`simulating ${historyDays} days of history and ${o.days} measured days (${scenarios.length} attack scenarios)`)
    const total = Math.round((end - enrolDay) / MINUTE)
    let last = 0
    await world.scheduler.runUntil(end, () => {
      const done = Math.round((clock.now() - enrolDay) / MINUTE)
      if (done - last >= 60) {
        last = done
        o.onProgress?.(Math.min(done, total), total)
      }
    })
    o.onProgress?.(total, total)
    await server.accessLog.flush()
    const card = await score(
      world,
      logs,
      {
        seed: o.seed,
        customers: o.customers,
        days: o.days,
        history_days: historyDays,
        scenarios: scenarios.map((s) => s.id),
        policy: 'default',
        risk: 'default',
      },
      Math.round((performance.now() - startedAt) / 1000),
      new Map(customers.map((c) => [c.id, c.spec.index])),
    )
    await o.afterRun?.(server, card)
    return card
  } finally {
    await server.close()
    if (o.keepDatabase === true) phase(`database kept at ${join(dir, 'mamori.db')}`)
    else rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * When scenario `index` of `count` begins: spread evenly over the measured window, at a waking
 * hour (attackers work when their victims do).
 */
function attackStart(index: number, count: number, days: number): number {
  const at = T0 + Math.floor(((index + 0.5) * days * DAY) / count)
  const hour = ((((at - T0) % DAY) + DAY) % DAY) / HOUR
  if (hour < 9) return Math.round(at + (10 - hour) * HOUR)
  if (hour < 22) return at
  // Late at night: the next morning, or this evening on the window's last day.
  const next = Math.round(at + (34 - hour) * HOUR)
  return next < T0 + days * DAY - 2 * HOUR ? next : Math.round(at - (hour - 20) * HOUR)
}
