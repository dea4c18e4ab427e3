import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seedInstruments } from '../brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed } from '../brokerage/reference/index.js'
import { marketSecuritiesAccount, postTransfer, securitiesAccount } from '../ledger/index.js'
import { RiskEngine, rbaFeaturesOf, type Decision } from '../risk/engine/index.js'
import { AccessHistoryCache, AccessLog, type AccessEvent, type AccessOutcome } from '../risk/events/index.js'
import { MaxmindIpIntel } from '../risk/intel/index.js'
import { RbaModel } from '../risk/model/index.js'
import {
  CachedTypologyContext,
  DbTypologyContext,
  defaultTypologies,
  type TypologyContext,
} from '../risk/typologies/index.js'
import { ManualClock, SeededRandom } from '../runtime/index.js'
import { migrate, openStore, type Store } from '../store/index.js'
import { quantile, type BenchSection, type Figure } from './report.js'
import {
  accessEvent,
  activeCustomer,
  buildPopulation,
  destinationDetail,
  orderDetail,
  scheduleSessions,
  sessionEvents,
  usualEnvironment,
  withdrawalDetail,
  type Population,
  type PopulationOptions,
} from './riskPopulation.js'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
/** Events recorded between flushes while loading the history (the log's buffer holds 100,000). */
const INGEST_CHUNK = 20_000
/** Decisions run untimed first, so the timed ones measure compiled code. */
const JIT_WARMUP = 2_000

/** What the risk benchmark builds and measures. */
export interface RiskBenchOptions {
  readonly customers: number
  /** Days of history before the decisions. */
  readonly days: number
  /** Mean events per customer over the history (the actual total is reported). */
  readonly eventsPerCustomer: number
  /** Decisions timed with the cached context. */
  readonly decisions: number
  /** Decisions timed with a `DbTypologyContext` (every question a query), for comparison. */
  readonly baselineDecisions: number
  /** Decisions timed for customers whose history is not in memory yet (read on their first question). */
  readonly coldDecisions: number
  /** Events the cache may hold; undefined holds the whole history. */
  readonly cacheMaxEvents?: number
  readonly seed: number
  readonly log?: (line: string) => void
}

/** The parameters: 100,000 customers and a year of history on SQLite. */
export const DEFAULT_RISK_BENCH: Omit<RiskBenchOptions, 'log'> = Object.freeze({
  customers: 100_000,
  days: 365,
  eventsPerCustomer: 40,
  decisions: 50_000,
  baselineDecisions: 2_000,
  coldDecisions: 2_000,
  seed: 20250512,
})

/** One decision of the mix, with the kind it stands for. */
interface Probe {
  readonly kind: ProbeKind
  readonly event: AccessEvent
}

/**
 * The risk engine at scale, on SQLite in this process:
 *
 * 1. a year of realistic access history for many customers (see `riskPopulation`), written
 *    through the real `AccessLog.record` path: events per second until flushed;
 * 2. the login model trained on the successful logins, through `rbaFeaturesOf`;
 * 3. `RiskEngine.decide` with the default typologies over a mix of logins, orders, withdrawals
 *    and changes, from familiar and new environments, attackers included, one at a time (latency
 *    per decision, and decisions per second on one core), each decided event then recorded as the
 *    server does: with an `AccessHistoryCache` warmed at start-up, for customers the cache has not
 *    read yet, and with a plain `DbTypologyContext` for comparison.
 */
export async function runRiskBench(o: RiskBenchOptions): Promise<BenchSection> {
  const log = o.log ?? ((): void => undefined)
  const figures: Figure[] = []
  const notes: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'mamori-risk-bench-'))
  // A fixed end, so that runs with one seed build the same history.
  const endMs = Date.UTC(2025, 5, 2, 0, 0, 0)
  const popOptions: PopulationOptions = {
    customers: o.customers,
    startMs: endMs - o.days * DAY_MS,
    endMs,
    eventsPerCustomer: o.eventsPerCustomer,
  }
  const clock = new ManualClock(popOptions.startMs)
  const rng = new SeededRandom(o.seed)
  const dbPath = join(dir, 'risk.db')
  let store: Store | undefined
  let accessLog: AccessLog | undefined
  const caches: AccessHistoryCache[] = []
  let events = 0
  let sessions = 0
  let cacheMaxEvents = o.cacheMaxEvents
  try {
    log('risk: loading IP intelligence (GeoLite2 city, ASN)')
    const intel = await MaxmindIpIntel.open()
    // The product's SQLite settings: WAL, synchronous FULL.
    store = await openStore({ dialect: 'sqlite', sqlitePath: dbPath, postgresSchema: 'public', poolSize: 1 })
    await migrate(store)
    const catalog = buildInstrumentCatalog()
    await seedInstruments(store.db, catalog)
    const prices = new PriceFeed(o.seed, catalog)

    log(`risk: drawing ${o.customers.toLocaleString('en-US')} customers: home lines, phones, devices, habits`)
    const pop = buildPopulation(popOptions, intel, rng, catalog)
    const schedule = scheduleSessions(pop, popOptions, rng)
    sessions = schedule.at.length
    log(`risk: ${sessions.toLocaleString('en-US')} sessions over ${o.days} days`)

    // 1. The history, a day at a time, through AccessLog.record; the model learns each successful login.
    accessLog = new AccessLog({ store, clock })
    const model = new RbaModel()
    let ingestMs = 0
    let logins = 0
    const day: AccessEvent[] = []
    let lastReport = 0
    for (let i = 0; i < sessions; ) {
      const dayEnd = Math.floor(schedule.at[i]! / DAY_MS + 1) * DAY_MS
      day.length = 0
      for (; i < sessions && schedule.at[i]! < dayEnd; i++) {
        sessionEvents(pop, pop.customers[schedule.customer[i]!]!, schedule.at[i]!, rng, popOptions, day)
      }
      day.sort((a, b) => a.at - b.at)
      for (const e of day) {
        if (e.action === 'login' && e.outcome === 'success' && e.customerId !== null) {
          model.observe(e.customerId, rbaFeaturesOf(e))
          logins++
        }
      }
      clock.set(dayEnd)
      for (let k = 0; k < day.length; k += INGEST_CHUNK) {
        const end = Math.min(day.length, k + INGEST_CHUNK)
        const t0 = performance.now()
        for (let j = k; j < end; j++) accessLog.record(day[j]!)
        await accessLog.flush()
        ingestMs += performance.now() - t0
      }
      events += day.length
      if (events - lastReport >= 500_000 || i === sessions) {
        lastReport = events
        log(
          `risk: history ${events.toLocaleString('en-US')} events to ${new Date(dayEnd).toISOString().slice(0, 10)}, ` +
            `${Math.round(events / (ingestMs / 1000)).toLocaleString('en-US')} events/s written`,
        )
      }
    }
    const ingestRate = events / (ingestMs / 1000)
    figures.push({
      name: 'access events ingested/s (AccessLog.record → SQLite, flushed)',
      value: ingestRate,
      unit: 'events/s',
      target: '≥ 50,000',
      met: ingestRate >= 50_000,
    })
    notes.push(
      `history: ${events.toLocaleString('en-US')} events (${sessions.toLocaleString('en-US')} sessions, ${logins.toLocaleString('en-US')} successful logins ` +
        `the model learnt) over ${o.days} days; SQLite file ${(fileSize(dbPath) / 2 ** 20).toFixed(0)} MiB`,
    )
    notes.push(`ingest: recorded ${INGEST_CHUNK.toLocaleString('en-US')} events at a time then flushed (the log writes 500-row INSERTs, up to 10 per commit)`)

    // The decisions happen in the two hours after the history ends.
    const probes = decisionMix(pop, rng, endMs, JIT_WARMUP + o.decisions + o.baselineDecisions + o.coldDecisions, popOptions)
    const warmupProbes = probes.slice(0, JIT_WARMUP)
    const timedProbes = probes.slice(JIT_WARMUP, JIT_WARMUP + o.decisions)
    const coldProbes = distinctCustomers(probes.slice(JIT_WARMUP + o.decisions), o.coldDecisions)
    const baselineProbes = probes.slice(probes.length - o.baselineDecisions)
    log('risk: giving the deciding customers holdings in the ledger')
    await grantHoldings(store, pop, rng, new Set(probes.map((p) => p.event.customerId).filter((c) => c !== null)), popOptions.startMs)

    const engine = new RiskEngine({ typologies: defaultTypologies(), model, options: {} })
    const sources = { log: accessLog, store, prices }

    // 2. Warm the cache as a server would at start-up.
    cacheMaxEvents ??= events + o.customers
    clock.set(endMs)
    const heapBefore = heapUsed()
    const cache = new AccessHistoryCache({ log: accessLog, store, clock, maxEvents: cacheMaxEvents })
    caches.push(cache)
    log(`risk: warming the history cache (up to ${cacheMaxEvents.toLocaleString('en-US')} events)`)
    const warmStart = performance.now()
    const warmed = await cache.warm({
      onProgress: (customers, read) => {
        if (customers % 20_000 === 0) log(`risk: cache holds ${customers.toLocaleString('en-US')} customers, ${read.toLocaleString('en-US')} events`)
      },
    })
    const warmSeconds = (performance.now() - warmStart) / 1000
    const heapMiB = (heapUsed() - heapBefore) / 2 ** 20
    figures.push({ name: 'cache warm-up: events read/s (whole history into memory)', value: (warmed.events + warmed.recentEvents) / warmSeconds, unit: 'events/s' })
    figures.push({ name: 'cache warm-up time', value: warmSeconds, unit: 's' })
    figures.push({ name: 'cache heap (after warm-up, approximate)', value: heapMiB, unit: 'MiB' })
    notes.push(
      `cache: ${warmed.customers.toLocaleString('en-US')} customers, ${warmed.events.toLocaleString('en-US')} events, ` +
        `${warmed.recentEvents.toLocaleString('en-US')} in the 48 h cross-customer indexes; about ${Math.round((heapMiB * 2 ** 20) / Math.max(1, warmed.events))} bytes per event held`,
    )

    // 3. Decisions with the cached context.
    const base = new CachedTypologyContext({ cache, ...sources, now: endMs })
    const cached = (now: number): TypologyContext => base.at(now)
    log(`risk: ${JIT_WARMUP.toLocaleString('en-US')} untimed decisions (JIT warm-up)`)
    await decideAll(engine, warmupProbes, cached, accessLog, clock, model)
    const hitsBefore = cache.stats
    log(`risk: ${o.decisions.toLocaleString('en-US')} timed decisions with the cached context`)
    const timed = await decideAll(engine, timedProbes, cached, accessLog, clock, model, log)
    const hitsAfter = cache.stats
    const rate = o.decisions / (sum(timed.latencies) / 1000)
    figures.push({ name: 'decisions/s, one core (cached context)', value: rate, unit: 'decisions/s', target: '≥ 10,000', met: rate >= 10_000 })
    const p99 = quantile(timed.latencies, 0.99)
    figures.push({ name: 'decide p50 (cached context)', value: quantile(timed.latencies, 0.5), unit: 'ms' })
    figures.push({ name: 'decide p99 (cached context)', value: p99, unit: 'ms', target: '≤ 1', met: p99 <= 1 })
    figures.push({ name: 'decide p99.9 (cached context)', value: quantile(timed.latencies, 0.999), unit: 'ms' })
    figures.push({ name: 'decide max (cached context)', value: Math.max(...timed.latencies), unit: 'ms' })
    notes.push(`mix: ${describeCounts(timed.kinds)}`)
    notes.push(`outcomes: ${describeCounts(timed.outcomes)}`)
    notes.push(
      `cache during the timed decisions: ${(hitsAfter.hits - hitsBefore.hits).toLocaleString('en-US')} answers from memory, ` +
        `${(hitsAfter.misses - hitsBefore.misses).toLocaleString('en-US')} from SQLite, ${(hitsAfter.loads - hitsBefore.loads).toLocaleString('en-US')} histories read`,
    )
    notes.push('each decided event is then recorded (AccessLog.record), as the server does; its batched INSERTs run on the same thread between decisions')

    // 4. Customers the cache has not read yet: their first question reads their history.
    const cold = new AccessHistoryCache({ log: accessLog, store, clock, maxEvents: cacheMaxEvents })
    caches.push(cold)
    const coldBase = new CachedTypologyContext({ cache: cold, ...sources, now: endMs })
    // The cross-customer indexes are read once at start-up; not part of a customer's first decision.
    await cold.byIp('192.0.2.1', endMs - HOUR_MS, 1, endMs + DAY_MS)
    log(`risk: ${coldProbes.length.toLocaleString('en-US')} decisions for customers not in memory`)
    const coldRun = await decideAll(engine, coldProbes, (now) => coldBase.at(now), accessLog, clock, model)
    figures.push({ name: 'decide p50, customer not in memory (history read from SQLite)', value: quantile(coldRun.latencies, 0.5), unit: 'ms' })
    figures.push({ name: 'decide p99, customer not in memory (history read from SQLite)', value: quantile(coldRun.latencies, 0.99), unit: 'ms' })
    cold.close()

    // 5. The same engine reading SQLite for every question.
    log(`risk: ${baselineProbes.length.toLocaleString('en-US')} decisions with DbTypologyContext (no cache)`)
    const baseline = await decideAll(engine, baselineProbes, (now) => new DbTypologyContext({ ...sources, now }), accessLog, clock, model)
    const baselineRate = baselineProbes.length / (sum(baseline.latencies) / 1000)
    figures.push({ name: 'decide p50 without the cache (DbTypologyContext)', value: quantile(baseline.latencies, 0.5), unit: 'ms' })
    figures.push({ name: 'decide p99 without the cache (DbTypologyContext)', value: quantile(baseline.latencies, 0.99), unit: 'ms' })
    figures.push({ name: 'decisions/s without the cache (DbTypologyContext)', value: baselineRate, unit: 'decisions/s' })
  } finally {
    for (const c of caches) c.close()
    await accessLog?.close().catch(() => undefined)
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    bench: 'risk',
    parameters: {
      customers: o.customers,
      days: o.days,
      events,
      sessions,
      decisions: o.decisions,
      cacheMaxEvents: cacheMaxEvents ?? 0,
      sqliteSynchronous: 'FULL',
    },
    figures,
    notes,
  }
}

/** What a probe stands for; the mix below gives each a share. */
type ProbeKind =
  | 'login'
  | 'login_new_phone'
  | 'login_travel'
  | 'login_takeover'
  | 'login_typo'
  | 'login_stuffing'
  | 'order'
  | 'order_thin_buy'
  | 'order_takeover_sell'
  | 'order_pump_buy'
  | 'withdrawal'
  | 'withdrawal_takeover'
  | 'destination_change'
  | 'destination_change_takeover'
  | 'account_change'

/**
 * Shares of each kind: mostly customers at home doing what they always do; a few with a new phone
 * or on a trip; and the attacks of the seeds (stuffing runs, takeovers that sell, pump, change the
 * destination and withdraw) at a few percent, far above real rates so their paths are timed too.
 */
const MIX: readonly (readonly [ProbeKind, number])[] = [
  ['login', 0.42],
  ['login_new_phone', 0.02],
  ['login_travel', 0.02],
  ['login_takeover', 0.02],
  ['login_typo', 0.02],
  ['login_stuffing', 0.03],
  ['order', 0.25],
  ['order_thin_buy', 0.03],
  ['order_takeover_sell', 0.02],
  ['order_pump_buy', 0.01],
  ['withdrawal', 0.06],
  ['withdrawal_takeover', 0.01],
  ['destination_change', 0.02],
  ['destination_change_takeover', 0.01],
  ['account_change', 0.01],
]

/** `n` decisions spread over the two hours after `endMs`. */
function decisionMix(p: Population, rng: SeededRandom, endMs: number, n: number, o: PopulationOptions): Probe[] {
  const total = MIX.reduce((s, [, w]) => s + w, 0)
  // A few attackers, each with its own device and address, working through many accounts.
  const attackers = Array.from({ length: 40 }, (_, i) => ({
    deviceId: i % 4 === 0 ? null : `dev_attacker_${i}`,
    origin: rng.pick(i % 2 === 0 ? p.strangers.hosting : p.strangers.foreign),
    agent: rng.pick(p.userAgents),
  }))
  const stuffers = Array.from({ length: 5 }, () => ({ origin: rng.pick(p.strangers.hosting), agent: rng.pick(p.userAgents) }))
  const pumped = rng.pick(p.instruments.foreign_small)
  const step = (2 * HOUR_MS) / n
  const probes: Probe[] = []
  for (let i = 0; i < n; i++) {
    let r = rng.next() * total
    let kind: ProbeKind = 'login'
    for (const [k, w] of MIX) {
      if ((r -= w) < 0) {
        kind = k
        break
      }
    }
    const at = endMs + Math.floor(i * step)
    probes.push({ kind, event: probe(kind, p, rng, at, o, attackers, stuffers, pumped.symbol) })
  }
  return probes
}

function probe(
  kind: ProbeKind,
  p: Population,
  rng: SeededRandom,
  at: number,
  o: PopulationOptions,
  attackers: readonly { deviceId: string | null; origin: Population['strangers']['hosting'][number]; agent: Population['userAgents'][number] }[],
  stuffers: readonly { origin: Population['strangers']['hosting'][number]; agent: Population['userAgents'][number] }[],
  pumpedSymbol: string,
): AccessEvent {
  const c = activeCustomer(p, rng)
  const usual = usualEnvironment(c, at, rng, o.startMs, o.endMs)
  const own = { agent: usual.agent, origin: usual.origin, deviceId: usual.device.id }
  const attacker = rng.pick(attackers)
  const stolen = { agent: attacker.agent, origin: attacker.origin, deviceId: attacker.deviceId }
  const login = { route: '/v1/auth/login', status: 200 }
  switch (kind) {
    case 'login':
      return accessEvent(rng, at, c.id, 'login', 'success', own, login, c.loginIdHash)
    case 'login_new_phone':
      return accessEvent(rng, at, c.id, 'login', 'success', { ...own, deviceId: `dev_new_${at.toString(36)}`, agent: rng.pick(p.userAgents) }, login, c.loginIdHash)
    case 'login_travel':
      return accessEvent(rng, at, c.id, 'login', 'success', { ...own, origin: rng.pick(p.strangers.domestic) }, login, c.loginIdHash)
    case 'login_takeover':
      return accessEvent(rng, at, c.id, 'login', 'success', stolen, login, c.loginIdHash)
    case 'login_typo':
      return accessEvent(rng, at, c.id, 'login_failed', 'failure', own, { route: '/v1/auth/login', status: 401 }, c.loginIdHash)
    case 'login_stuffing': {
      const s = rng.pick(stuffers)
      // Most stuffed IDs are not customers of this broker at all.
      const real = rng.next() < 0.3
      return accessEvent(
        rng,
        at,
        real ? c.id : null,
        'login_failed',
        'failure',
        { agent: s.agent, origin: s.origin, deviceId: null },
        { route: '/v1/auth/login', status: 401 },
        real ? c.loginIdHash : `${rng.int(1e9).toString(16).padStart(8, '0')}${'0'.repeat(56)}`,
      )
    }
    case 'order':
      return accessEvent(rng, at, c.id, 'order', 'success', own, orderDetail(p, rng, rng.next() < 0.5 ? 'buy' : 'sell'), null)
    case 'order_thin_buy':
      return accessEvent(rng, at, c.id, 'order', 'success', own, orderDetail(p, rng, 'buy', 'foreign_small'), null)
    case 'order_takeover_sell':
      return accessEvent(rng, at, c.id, 'order', 'success', stolen, orderDetail(p, rng, 'sell', 'domestic_large'), null)
    case 'order_pump_buy':
      return accessEvent(rng, at, c.id, 'order', 'success', stolen, { ...orderDetail(p, rng, 'buy', 'foreign_small'), symbol: pumpedSymbol }, null)
    case 'withdrawal':
      return accessEvent(rng, at, c.id, 'withdrawal', 'success', own, withdrawalDetail(c, rng), null)
    case 'withdrawal_takeover':
      return accessEvent(rng, at, c.id, 'withdrawal', 'success', stolen, withdrawalDetail(c, rng), null)
    case 'destination_change':
      return accessEvent(rng, at, c.id, 'destination_change', 'success', own, destinationDetail(c, rng), null)
    case 'destination_change_takeover':
      return accessEvent(rng, at, c.id, 'destination_change', 'success', stolen, destinationDetail(c, rng, `dst_forged_${at}`), null)
    case 'account_change':
      return accessEvent(rng, at, c.id, rng.pick(['contact_change', 'factor_change', 'password_change'] as const), 'success', own, { route: '/v1/me', status: 200 }, null)
  }
}

/** The first probe of each of `n` distinct customers. */
function distinctCustomers(probes: readonly Probe[], n: number): Probe[] {
  const seen = new Set<string>()
  const out: Probe[] = []
  for (const p of probes) {
    const id = p.event.customerId
    if (id === null || seen.has(id)) continue
    seen.add(id)
    out.push(p)
    if (out.length === n) break
  }
  return out
}

/** What the server records for a decided event: the decision's outcome, or the attempt's own failure. */
function recordedOutcome(event: AccessEvent, d: Decision): AccessOutcome {
  if (event.outcome !== 'success') return event.outcome
  switch (d.outcome) {
    case 'allow':
      return 'success'
    case 'step_up':
      return 'step_up'
    case 'hold':
      return 'held'
    case 'deny':
      return 'denied'
    case 'freeze':
      return 'frozen'
  }
}

interface DecideRun {
  readonly latencies: number[]
  readonly kinds: Record<string, number>
  readonly outcomes: Record<string, number>
}

/**
 * Decides each probe at its own moment, one at a time, timing `decide` alone; then records the
 * event with its outcome (and a successful login teaches the model), as the server does.
 */
async function decideAll(
  engine: RiskEngine,
  probes: readonly Probe[],
  contextAt: (now: number) => TypologyContext,
  log: AccessLog,
  clock: ManualClock,
  model: RbaModel,
  progress?: (line: string) => void,
): Promise<DecideRun> {
  const latencies: number[] = []
  const kinds: Record<string, number> = {}
  const outcomes: Record<string, number> = {}
  let lastReport = performance.now()
  for (const [i, p] of probes.entries()) {
    clock.set(p.event.at)
    const ctx = contextAt(p.event.at)
    const t0 = process.hrtime.bigint()
    const d = await engine.decide(p.event, ctx)
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    kinds[p.kind] = (kinds[p.kind] ?? 0) + 1
    outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1
    const recorded = { ...p.event, outcome: recordedOutcome(p.event, d) }
    log.record(recorded)
    if (recorded.action === 'login' && recorded.outcome === 'success' && recorded.customerId !== null) {
      model.observe(recorded.customerId, rbaFeaturesOf(recorded))
    }
    if (progress !== undefined && performance.now() - lastReport > 5_000) {
      lastReport = performance.now()
      progress(`risk: ${i + 1} decisions, p99 so far ${quantile(latencies, 0.99).toFixed(3)} ms`)
    }
  }
  return { latencies, kinds, outcomes }
}

/** Shares of two to four instruments for each customer, as if bought before the history began. */
async function grantHoldings(store: Store, p: Population, rng: SeededRandom, customers: ReadonlySet<string>, at: number): Promise<void> {
  const ids = [...customers]
  for (let i = 0; i < ids.length; i += 500) {
    await store.transaction(async (trx) => {
      for (const id of ids.slice(i, i + 500)) {
        const picks = new Set<string>()
        const n = 2 + rng.int(3)
        for (let k = 0; k < n; k++) {
          const r = rng.next()
          picks.add(rng.pick(p.instruments[r < 0.7 ? 'domestic_large' : r < 0.9 ? 'domestic_small' : 'foreign_small']).symbol)
        }
        await postTransfer(trx, {
          id: `bench_grant_${id}`,
          kind: 'bench_grant',
          postings: [...picks].map((symbol) => ({
            debit: marketSecuritiesAccount(symbol),
            credit: securitiesAccount(id, symbol),
            amount: 100 * (1 + rng.int(20)),
          })),
          at,
        })
      }
    })
  }
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
    .join(', ')
}

function sum(values: readonly number[]): number {
  let s = 0
  for (const v of values) s += v
  return s
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  return process.memoryUsage().heapUsed
}

function fileSize(path: string): number {
  let size = 0
  for (const suffix of ['', '-wal']) {
    try {
      size += statSync(path + suffix).size
    } catch {
      // No WAL file after a checkpoint.
    }
  }
  return size
}

