import { MamoriError } from '../../errors/index.js'
import type { Clock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import type { AccessDetail, AccessEvent } from './AccessEvent.js'
import {
  accessEventFromRow,
  canonicalIp,
  checkLimit,
  checkTime,
  originFilter,
  vouchingFilter,
  type AccessLog,
  type AccessOrigin,
  type OriginColumn,
  type OriginCustomer,
  type OriginFilter,
} from './AccessLog.js'
import { EventTimeline } from './EventTimeline.js'

const HOUR_MS = 3_600_000
/** Customers read per query by `warm`. */
const WARM_BATCH = 500
/** The earliest time a query can name: "everything the table holds". */
const EVER = Number.MIN_SAFE_INTEGER
const EMPTY_DETAIL: AccessDetail = Object.freeze({})

/** What an `AccessHistoryCache` mirrors and how much of it it keeps. */
export interface AccessHistoryCacheOptions {
  /** The access log it mirrors; every event recorded through it is seen at once. */
  readonly log: AccessLog
  /** The store the log writes to, read on a miss. */
  readonly store: Store
  /** Decides how far back the cross-customer indexes reach. */
  readonly clock: Clock
  /**
   * Events kept for all customers together (each customer also counts one for itself). Beyond it,
   * the customers least recently recorded or asked about are forgotten and read again on their next
   * question. Default 1,000,000: about 600 MB of heap as measured by the risk benchmark (a year of
   * 40-odd events for each of 25,000 customers).
   */
  readonly maxEvents?: number
  /**
   * Events kept for one customer, newest first; questions reaching further back go to the
   * database. Default 20,000: a year of a day trader, or a login ID under a stuffing run.
   */
  readonly maxEventsPerCustomer?: number
  /**
   * How far back the cross-customer indexes (by address, network, device and order symbol) reach.
   * Default 48 h: twice the longest window the default typologies ask about across customers
   * (one origin, many accounts: 24 h), so every such question is answered from memory.
   */
  readonly recentWindowMs?: number
  /**
   * Events in the cross-customer indexes at most. Default 500,000 (a couple of days of a large
   * broker, or four minutes of a 2,000/s stuffing run). A flood beyond it shortens the window the
   * indexes cover, and questions reaching past it go to the database.
   */
  readonly maxRecentEvents?: number
}

/** Counters of an `AccessHistoryCache`, for metrics and the benchmark. */
export interface AccessHistoryCacheStats {
  /** Customers whose history is held. */
  readonly customers: number
  /** Events held in those histories. */
  readonly customerEvents: number
  /** Events held in the cross-customer indexes. */
  readonly recentEvents: number
  /** Every event at or after this time is in the cross-customer indexes; null until they are loaded. */
  readonly recentFrom: number | null
  /** Questions answered from memory. */
  readonly hits: number
  /** Questions the caller had to send to the database. */
  readonly misses: number
  /** Customer histories read from the database. */
  readonly loads: number
  /** Customer histories forgotten to stay within `maxEvents`. */
  readonly evictions: number
}

/** What `warm` read. */
export interface WarmResult {
  readonly customers: number
  readonly events: number
  readonly recentEvents: number
}

/** Options of `warm`. */
export interface WarmOptions {
  /** Customers to read at most (the most recently active first). Default: as many as `maxEvents` allows. */
  readonly customers?: number
  /** Told after each batch of customers read. */
  readonly onProgress?: (customers: number, events: number) => void
}

/** One customer's history: every event at or after `from`, and possibly some before. */
interface CustomerHistory {
  readonly events: EventTimeline
  from: number
}

/** A read from the database in progress; what the log tells meanwhile is applied when it lands. */
interface Pending {
  readonly recorded: AccessEvent[]
  readonly dropped: AccessEvent[]
}

/**
 * An in-memory mirror of the access history (C-1), so that the risk engine's questions cost
 * microseconds instead of a query each (the 1 ms p99 target for `decide`). It answers the same
 * questions as `AccessLog` (by customer, address, network, device; customers by origin;
 * `seenBefore`) and `DbTypologyContext.ordersForSymbol`, with the same answers, or `undefined`
 * when it does not hold what the answer needs; the caller then asks the database.
 *
 * Two parts, each bounded:
 * - per customer, the whole history the table holds (read on the first question, then kept up to
 *   date), at most `maxEventsPerCustomer` each and `maxEvents` together, least recently used
 *   customers forgotten first;
 * - across customers, every event of the last `recentWindowMs` indexed by address, network,
 *   device and order symbol, at most `maxRecentEvents`.
 *
 * Freshness: it subscribes to the log, so an event is visible the moment `record` accepts it,
 * before it is written, exactly as `DbTypologyContext` sees it (that one flushes before reading).
 * Events dropped by the log while the database was down are removed again, and retention's
 * deletions are applied. What it cannot see is a second writer of the table: another Mamori
 * process on the same PostgreSQL database, or another `AccessLog` in this one. Use it only where
 * this log is the table's one writer; otherwise its answers miss the other writer's events.
 *
 * Events are held frozen, in the form the table gives back (the detail through JSON), and shared
 * between answers: callers must not mutate them, and cannot.
 */
export class AccessHistoryCache {
  readonly #log: AccessLog
  readonly #store: Store
  readonly #clock: Clock
  readonly #config: Readonly<{
    maxEvents: number
    maxEventsPerCustomer: number
    recentWindowMs: number
    maxRecentEvents: number
  }>
  /** Map order is recency order: the first entry is the least recently used. */
  readonly #customers = new Map<string, CustomerHistory>()
  readonly #loading = new Map<string, { readonly pending: Pending; readonly done: Promise<CustomerHistory | undefined> }>()
  /** Held events plus one per held customer. */
  #weight = 0
  #recent: RecentIndex | undefined
  #recentLoading: { readonly pending: Pending; readonly done: Promise<RecentIndex | undefined> } | undefined
  /** Retention has deleted every event before this. */
  #prunedBefore = EVER
  /** Bumped by `#reset`: a read started before it must not install what it read. */
  #generation = 0
  #unsubscribe: (() => void) | undefined
  #hits = 0
  #misses = 0
  #loads = 0
  #evictions = 0

  constructor(options: AccessHistoryCacheOptions) {
    const config = {
      maxEvents: options.maxEvents ?? 1_000_000,
      maxEventsPerCustomer: options.maxEventsPerCustomer ?? 20_000,
      recentWindowMs: options.recentWindowMs ?? 48 * HOUR_MS,
      maxRecentEvents: options.maxRecentEvents ?? 500_000,
    }
    positiveInteger('maxEvents', config.maxEvents)
    positiveInteger('maxEventsPerCustomer', config.maxEventsPerCustomer)
    positiveInteger('recentWindowMs', config.recentWindowMs)
    positiveInteger('maxRecentEvents', config.maxRecentEvents)
    // One read of a customer's history must fit in one AccessLog query.
    if (config.maxEventsPerCustomer > 100_000) {
      throw new MamoriError('CONFIG_INVALID', 'maxEventsPerCustomer must be at most 100,000')
    }
    this.#config = Object.freeze(config)
    this.#log = options.log
    this.#store = options.store
    this.#clock = options.clock
    this.#unsubscribe = options.log.subscribe({
      recorded: (event) => this.#guard(() => this.#recorded(event)),
      dropped: (events) => this.#guard(() => this.#dropped(events)),
      pruned: (cutoffMs) => this.#guard(() => this.#pruned(cutoffMs)),
    })
  }

  /** Counters: what is held, hits and misses. */
  get stats(): AccessHistoryCacheStats {
    return {
      customers: this.#customers.size,
      customerEvents: this.#weight - this.#customers.size,
      recentEvents: this.#recent?.size ?? 0,
      recentFrom: this.#recent?.from ?? null,
      hits: this.#hits,
      misses: this.#misses,
      loads: this.#loads,
      evictions: this.#evictions,
    }
  }

  /** Stops following the log and forgets everything; every later question is a miss. */
  close(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#reset()
  }

  /**
   * Reads ahead what questions would otherwise read one customer at a time: the cross-customer
   * indexes, then the histories of the most recently active customers, as many as `maxEvents`
   * holds (or `options.customers`). For start-up, so the first decisions do not each wait for a
   * read; answers are the same either way.
   */
  async warm(options: WarmOptions = {}): Promise<WarmResult> {
    if (this.#unsubscribe === undefined) throw new MamoriError('UNAVAILABLE', 'the access history cache is closed')
    await this.#recentIndex()
    await this.#log.flush()
    const rows = await this.#store.db
      .selectFrom('access_events')
      .select((eb) => ['customer_id', eb.fn.countAll().as('events'), eb.fn.max('at').as('last_seen')])
      .where('customer_id', 'is not', null)
      .groupBy('customer_id')
      .orderBy('last_seen', 'desc')
      .orderBy('customer_id')
      .execute()
    const wanted: string[] = []
    let budget = this.#config.maxEvents - this.#weight
    for (const r of rows) {
      if (options.customers !== undefined && wanted.length >= options.customers) break
      const id = r.customer_id as string
      const events = Number(r.events)
      if (events > this.#config.maxEventsPerCustomer || this.#customers.has(id) || this.#loading.has(id)) continue
      if (events + 1 > budget) break
      budget -= events + 1
      wanted.push(id)
    }
    let customers = 0
    let events = 0
    for (let i = 0; i < wanted.length; i += WARM_BATCH) {
      const read = await this.#readMany(wanted.slice(i, i + WARM_BATCH))
      customers += read.customers
      events += read.events
      options.onProgress?.(customers, events)
    }
    return { customers, events, recentEvents: this.#recent?.size ?? 0 }
  }

  /** `AccessLog.byCustomer` from memory, or undefined when the answer needs events not held. */
  async byCustomer(
    customerId: string,
    sinceMs: number,
    limit = 1_000,
    beforeMs?: number,
  ): Promise<AccessEvent[] | undefined> {
    if (typeof customerId !== 'string') throw new TypeError('customer_id must be a string')
    checkRange(sinceMs, limit, beforeMs)
    const history = await this.#customer(customerId)
    if (history === undefined) return this.#miss()
    return this.#answer(newest(history.events, history.from, sinceMs, beforeMs, limit, everything))
  }

  /** `AccessLog.byIp` from memory, or undefined when the window reaches past the indexes. */
  byIp(ip: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[] | undefined> {
    return this.#byOrigin('ip', canonicalIp(ip), sinceMs, limit, beforeMs)
  }

  /** `AccessLog.byNetwork` from memory, or undefined when the window reaches past the indexes. */
  byNetwork(network: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[] | undefined> {
    return this.#byOrigin('network', network, sinceMs, limit, beforeMs)
  }

  /** `AccessLog.byDevice` from memory, or undefined when the window reaches past the indexes. */
  byDevice(deviceId: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[] | undefined> {
    return this.#byOrigin('device_id', deviceId, sinceMs, limit, beforeMs)
  }

  /**
   * `AccessLog.customersByOrigin` from memory (same order: most recently seen first, then by
   * customer id), or undefined when the window reaches past the indexes.
   */
  async customersByOrigin(
    origin: AccessOrigin,
    sinceMs: number,
    limit = 1_000,
    beforeMs?: number,
  ): Promise<OriginCustomer[] | undefined> {
    const where = originFilter(origin)
    checkTime('sinceMs', sinceMs)
    if (beforeMs !== undefined) checkTime('beforeMs', beforeMs)
    checkLimit(limit)
    const index = await this.#recentIndex()
    if (index === undefined || sinceMs < index.from) return this.#miss()
    // The narrowest list first: a device is one person's, an address a household's, a network many.
    const [column, value] = where.find(([c]) => c === 'device_id') ?? where.find(([c]) => c === 'ip') ?? where[0]!
    const list = index.list(column, value)
    const found = new Map<string, { firstSeenAt: number; lastSeenAt: number; events: number; successes: number }>()
    if (list !== undefined) {
      const end = beforeMs === undefined ? list.length : list.lowerBound(beforeMs)
      for (let i = list.lowerBound(sinceMs); i < end; i++) {
        const e = list.at(i)
        if (e.customerId === null || !matches(e, where)) continue
        const c = found.get(e.customerId)
        const success = e.outcome === 'success' ? 1 : 0
        if (c === undefined) {
          found.set(e.customerId, { firstSeenAt: e.at, lastSeenAt: e.at, events: 1, successes: success })
        } else {
          c.lastSeenAt = e.at
          c.events++
          c.successes += success
        }
      }
    }
    const out = [...found].map(([customerId, c]): OriginCustomer => ({ customerId, ...c }))
    out.sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0))
    return this.#answer(out.length > limit ? out.slice(0, limit) : out)
  }

  /**
   * `AccessLog.seenBefore` from memory: true as soon as a held event vouches, false when the
   * customer's held history covers the whole window, undefined otherwise.
   */
  async seenBefore(
    customerId: string,
    origin: AccessOrigin,
    sinceMs: number,
    beforeMs: number,
  ): Promise<boolean | undefined> {
    const where = vouchingFilter(origin, sinceMs, beforeMs)
    if (where === null) return this.#answer(false)
    const history = await this.#customer(customerId)
    if (history === undefined) return this.#miss()
    const events = history.events
    const floor = Math.max(sinceMs, history.from)
    for (let i = events.lowerBound(beforeMs) - 1; i >= 0; i--) {
      const e = events.at(i)
      if (e.at < floor) break
      if (e.outcome === 'success' && matches(e, where)) return this.#answer(true)
    }
    return sinceMs >= history.from ? this.#answer(false) : this.#miss()
  }

  /**
   * `DbTypologyContext.ordersForSymbol` from memory, arguments already checked: order events whose
   * detail names `symbol`, in [sinceMs, beforeMs), newest first. That query finds candidates with
   * a LIKE on the detail's JSON (case-insensitive for ASCII on SQLite) and applies `limit` before
   * checking the symbol exactly; the same is done here, so the answers agree even at the limit.
   */
  async ordersForSymbol(
    symbol: string,
    sinceMs: number,
    limit: number,
    beforeMs: number,
  ): Promise<AccessEvent[] | undefined> {
    const index = await this.#recentIndex()
    if (index === undefined || sinceMs < index.from) return this.#miss()
    const list = index.bySymbol.get(index.symbolKey(symbol))
    if (list === undefined) return this.#answer([])
    const candidates = newest(list, index.from, sinceMs, beforeMs, limit, everything) ?? []
    return this.#answer(candidates.filter((e) => e.detail['symbol'] === symbol))
  }

  async #byOrigin(
    column: OriginColumn,
    value: string,
    sinceMs: number,
    limit: number,
    beforeMs: number | undefined,
  ): Promise<AccessEvent[] | undefined> {
    if (typeof value !== 'string') throw new TypeError(`${column} must be a string`)
    checkRange(sinceMs, limit, beforeMs)
    const index = await this.#recentIndex()
    if (index === undefined || sinceMs < index.from) return this.#miss()
    const list = index.list(column, value)
    if (list === undefined) return this.#answer([])
    return this.#answer(newest(list, index.from, sinceMs, beforeMs, limit, everything))
  }

  #answer<T>(value: T | undefined): T | undefined {
    if (value === undefined) this.#misses++
    else this.#hits++
    return value
  }

  #miss(): undefined {
    this.#misses++
    return undefined
  }

  /** The customer's held history, read from the database first when it is not held. */
  #customer(customerId: string): Promise<CustomerHistory | undefined> {
    if (this.#unsubscribe === undefined) return Promise.resolve(undefined)
    const history = this.#customers.get(customerId)
    if (history !== undefined) {
      this.#touch(customerId, history)
      return Promise.resolve(history)
    }
    const loading = this.#loading.get(customerId)
    if (loading !== undefined) return loading.done
    const pending: Pending = { recorded: [], dropped: [] }
    const done = this.#readOne(customerId, pending)
    this.#loading.set(customerId, { pending, done })
    return done
  }

  async #readOne(customerId: string, pending: Pending): Promise<CustomerHistory | undefined> {
    const generation = this.#generation
    try {
      const limit = this.#config.maxEventsPerCustomer
      // Newest first, flushed first: with what the log tells meanwhile, nothing is missed.
      const rows = await this.#log.byCustomer(customerId, EVER, limit)
      if (generation !== this.#generation) return undefined
      this.#loads++
      rows.reverse()
      return this.#install(customerId, rows, rows.length === limit, pending)
    } finally {
      if (this.#loading.get(customerId)?.pending === pending) this.#loading.delete(customerId)
    }
  }

  /** Several customers' whole histories in one query (`warm`). */
  async #readMany(ids: readonly string[]): Promise<{ customers: number; events: number }> {
    const generation = this.#generation
    const pendings = new Map<string, Pending>()
    const settle: ((history: CustomerHistory | undefined) => void)[] = []
    for (const id of ids) {
      const pending: Pending = { recorded: [], dropped: [] }
      pendings.set(id, pending)
      // Questions about these customers meanwhile wait for this read instead of starting their own.
      const done = new Promise<CustomerHistory | undefined>((resolve) => settle.push(resolve))
      this.#loading.set(id, { pending, done })
    }
    const installed = new Map<string, CustomerHistory>()
    try {
      await this.#log.flush()
      const rows = await this.#store.db
        .selectFrom('access_events')
        .selectAll()
        .where('customer_id', 'in', ids)
        .orderBy('customer_id')
        .orderBy('at')
        .orderBy('id')
        .execute()
      if (generation !== this.#generation) return { customers: 0, events: 0 }
      const byCustomer = new Map<string, AccessEvent[]>(ids.map((id) => [id, []]))
      for (const r of rows) byCustomer.get(r.customer_id as string)?.push(accessEventFromRow(r))
      let events = 0
      for (const [id, list] of byCustomer) {
        // A customer who passed the cap since the count was taken is read on demand instead.
        if (list.length > this.#config.maxEventsPerCustomer) continue
        installed.set(id, this.#install(id, list, false, pendings.get(id)!))
        events += list.length
      }
      this.#loads += installed.size
      return { customers: installed.size, events }
    } finally {
      ids.forEach((id, i) => {
        if (this.#loading.get(id)?.pending === pendings.get(id)) this.#loading.delete(id)
        // Not installed (a failed read, a reset, a customer over the cap): their next question reads alone.
        settle[i]!(installed.get(id) ?? this.#customers.get(id))
      })
    }
  }

  /**
   * Holds a customer's history read from the table (oldest first), with what the log told while it
   * was read. `truncated`: the read stopped at the per-customer cap, so only events after the
   * oldest one read are known to be complete.
   */
  #install(customerId: string, rows: readonly AccessEvent[], truncated: boolean, pending: Pending): CustomerHistory {
    const from = truncated && rows.length > 0 ? rows[0]!.at + 1 : EVER
    const events = new EventTimeline()
    for (const r of rows) if (r.at >= from && r.at >= this.#prunedBefore) events.insert(frozen(r))
    // Recorded while the read ran: some are in the rows too, and the timeline keeps one of each.
    for (const e of pending.recorded) if (e.at >= from && e.at >= this.#prunedBefore) events.insert(e)
    for (const e of pending.dropped) events.remove(e)
    const history: CustomerHistory = { events, from }
    const old = this.#customers.get(customerId)
    if (old !== undefined) this.#weight -= old.events.length + 1
    this.#customers.set(customerId, history)
    this.#weight += events.length + 1
    this.#capCustomer(history)
    this.#evict()
    return history
  }

  /** The cross-customer indexes, read from the database the first time. */
  #recentIndex(): Promise<RecentIndex | undefined> {
    if (this.#unsubscribe === undefined) return Promise.resolve(undefined)
    if (this.#recent !== undefined) return Promise.resolve(this.#recent)
    if (this.#recentLoading !== undefined) return this.#recentLoading.done
    const pending: Pending = { recorded: [], dropped: [] }
    const done = this.#readRecent(pending)
    this.#recentLoading = { pending, done }
    return done
  }

  async #readRecent(pending: Pending): Promise<RecentIndex | undefined> {
    const generation = this.#generation
    try {
      await this.#log.flush()
      const max = this.#config.maxRecentEvents
      const since = this.#clock.now() - this.#config.recentWindowMs
      const rows = await this.#store.db
        .selectFrom('access_events')
        .selectAll()
        .where('at', '>=', since)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(max + 1)
        .execute()
      if (generation !== this.#generation) return undefined
      // More than the cap in the window: cover only from just after the oldest event read.
      const from = rows.length > max ? Number(rows[max - 1]!.at) + 1 : since
      const index = new RecentIndex(from, this.#store.dialect === 'sqlite')
      for (let i = Math.min(rows.length, max) - 1; i >= 0; i--) {
        const e = accessEventFromRow(rows[i]!)
        if (e.at >= from) index.add(frozen(e))
      }
      for (const e of pending.recorded) if (e.at >= from) index.add(e)
      for (const e of pending.dropped) index.remove(e)
      this.#recent = index
      this.#sweepRecent(index)
      return index
    } finally {
      if (this.#recentLoading?.pending === pending) this.#recentLoading = undefined
    }
  }

  #recorded(event: AccessEvent): void {
    const customerId = event.customerId
    let e: AccessEvent | undefined
    if (customerId !== null) {
      const history = this.#customers.get(customerId)
      if (history !== undefined) {
        e = cachedForm(event)
        if (e.at >= history.from && history.events.insert(e)) {
          this.#weight++
          this.#capCustomer(history)
        }
        this.#touch(customerId, history)
        this.#evict()
      } else {
        const loading = this.#loading.get(customerId)
        if (loading !== undefined) loading.pending.recorded.push((e = cachedForm(event)))
      }
    }
    if (this.#recent !== undefined) {
      if (event.at >= this.#recent.from) this.#recent.add(e ?? cachedForm(event))
      this.#sweepRecent(this.#recent)
    } else if (this.#recentLoading !== undefined) {
      this.#recentLoading.pending.recorded.push(e ?? cachedForm(event))
    }
  }

  #dropped(events: readonly AccessEvent[]): void {
    for (const event of events) {
      if (event.customerId !== null) {
        const history = this.#customers.get(event.customerId)
        if (history !== undefined && history.events.remove(event)) this.#weight--
        this.#loading.get(event.customerId)?.pending.dropped.push(event)
      }
      this.#recent?.remove(event)
      this.#recentLoading?.pending.dropped.push(event)
    }
  }

  #pruned(cutoffMs: number): void {
    if (cutoffMs <= this.#prunedBefore) return
    this.#prunedBefore = cutoffMs
    for (const history of this.#customers.values()) this.#weight -= history.events.dropBefore(cutoffMs)
    this.#recent?.dropBefore(cutoffMs)
  }

  /** Keeps the indexes within their window and their cap, moving `from` forward. */
  #sweepRecent(index: RecentIndex): void {
    const window = this.#config.recentWindowMs
    const floor = this.#clock.now() - window
    // Sweeping at every event would cost a bisection each; once the oldest is a window too old is enough.
    if (index.from < floor - window) index.dropBefore(floor)
    if (index.size > this.#config.maxRecentEvents) {
      // Down to 90% of the cap, whole milliseconds at a time, so the cut is a clean `from`.
      const keepFrom = index.oldestAfter(index.size - Math.floor(this.#config.maxRecentEvents * 0.9))
      index.dropBefore(keepFrom)
    }
  }

  #capCustomer(history: CustomerHistory): void {
    const excess = history.events.length - this.#config.maxEventsPerCustomer
    if (excess <= 0) return
    const gone = history.events.dropOldest(excess)
    this.#weight -= excess
    // Events at the same millisecond as the last one forgotten may be partly gone too.
    history.from = Math.max(history.from, gone[gone.length - 1]!.at + 1)
  }

  #touch(customerId: string, history: CustomerHistory): void {
    this.#customers.delete(customerId)
    this.#customers.set(customerId, history)
  }

  #evict(): void {
    while (this.#weight > this.#config.maxEvents && this.#customers.size > 1) {
      const [id, history] = this.#customers.entries().next().value as [string, CustomerHistory]
      this.#customers.delete(id)
      this.#weight -= history.events.length + 1
      this.#evictions++
    }
  }

  /**
   * Runs a listener call. The cache failing to follow the log would make its answers stale, so any
   * failure forgets everything: the next questions read the database again.
   */
  #guard(call: () => void): void {
    try {
      call()
    } catch {
      this.#reset()
    }
  }

  #reset(): void {
    this.#generation++
    this.#customers.clear()
    this.#loading.clear()
    this.#weight = 0
    this.#recent = undefined
    this.#recentLoading = undefined
  }
}

/** Every event of the last window, indexed by address, network, device and order symbol. */
class RecentIndex {
  /** Every event at or after `from` is here. */
  from: number
  readonly bySymbol = new Map<string, EventTimeline>()
  readonly #all = new EventTimeline()
  readonly #byIp = new Map<string, EventTimeline>()
  readonly #byNetwork = new Map<string, EventTimeline>()
  readonly #byDevice = new Map<string, EventTimeline>()
  /** SQLite's LIKE ignores ASCII case, so its symbol search does too. */
  readonly #foldCase: boolean

  constructor(from: number, foldCase: boolean) {
    this.from = from
    this.#foldCase = foldCase
  }

  get size(): number {
    return this.#all.length
  }

  list(column: OriginColumn, value: string): EventTimeline | undefined {
    const map = column === 'ip' ? this.#byIp : column === 'network' ? this.#byNetwork : this.#byDevice
    return map.get(value)
  }

  /** The key under which an order naming `symbol` is filed. */
  symbolKey(symbol: string): string {
    return this.#foldCase ? asciiLower(symbol) : symbol
  }

  add(e: AccessEvent): void {
    if (!this.#all.insert(e)) return
    for (const [map, key] of this.#keys(e)) {
      let list = map.get(key)
      if (list === undefined) map.set(key, (list = new EventTimeline()))
      list.insert(e)
    }
  }

  remove(e: AccessEvent): void {
    if (!this.#all.remove(e)) return
    for (const [map, key] of this.#keys(e)) {
      const list = map.get(key)
      if (list === undefined) continue
      list.remove(e)
      if (list.length === 0) map.delete(key)
    }
  }

  /** The time of the event `n` places from the oldest, moved past the oldest event's millisecond if equal to it. */
  oldestAfter(n: number): number {
    const at = this.#all.at(Math.min(n, this.#all.length - 1)).at
    return at === this.#all.at(0).at ? at + 1 : at
  }

  dropBefore(ms: number): void {
    if (ms <= this.from) return
    this.from = ms
    const gone = this.#all.dropOldest(this.#all.lowerBound(ms))
    // The events gone are the oldest of every list they are in: each such list loses a prefix.
    const touched = new Map<Map<string, EventTimeline>, Set<string>>()
    for (const e of gone) {
      for (const [map, key] of this.#keys(e)) {
        let keys = touched.get(map)
        if (keys === undefined) touched.set(map, (keys = new Set()))
        keys.add(key)
      }
    }
    for (const [map, keys] of touched) {
      for (const key of keys) {
        const list = map.get(key)
        if (list === undefined) continue
        list.dropBefore(ms)
        if (list.length === 0) map.delete(key)
      }
    }
  }

  /** The lists an event is filed in. */
  #keys(e: AccessEvent): [Map<string, EventTimeline>, string][] {
    const keys: [Map<string, EventTimeline>, string][] = [
      [this.#byIp, e.ip],
      [this.#byNetwork, e.network],
    ]
    if (e.deviceId !== null) keys.push([this.#byDevice, e.deviceId])
    if (e.action === 'order') {
      const symbols = new Set<string>()
      for (const [k, v] of Object.entries(e.detail)) {
        if (typeof v !== 'string') continue
        if (this.#foldCase ? asciiLower(k) === 'symbol' : k === 'symbol') symbols.add(this.symbolKey(v))
      }
      for (const s of symbols) keys.push([this.bySymbol, s])
    }
    return keys
  }
}

const everything = (): boolean => true

/**
 * Events of `list` in [sinceMs, beforeMs) that `keep` accepts, newest first, at most `limit`;
 * undefined when the list is only complete from `from` and the answer would need older events.
 */
function newest(
  list: EventTimeline,
  from: number,
  sinceMs: number,
  beforeMs: number | undefined,
  limit: number,
  keep: (e: AccessEvent) => boolean,
): AccessEvent[] | undefined {
  const out: AccessEvent[] = []
  for (let i = (beforeMs === undefined ? list.length : list.lowerBound(beforeMs)) - 1; i >= 0; i--) {
    const e = list.at(i)
    if (e.at < sinceMs) break
    if (e.at < from) return undefined
    if (keep(e)) {
      out.push(e)
      if (out.length === limit) return out
    }
  }
  return sinceMs >= from ? out : undefined
}

function matches(e: AccessEvent, where: OriginFilter): boolean {
  for (const [column, value] of where) {
    const actual = column === 'ip' ? e.ip : column === 'network' ? e.network : e.deviceId
    if (actual !== value) return false
  }
  return true
}

/** A recorded event as the table gives it back: the detail through JSON, everything frozen. */
function cachedForm(event: AccessEvent): AccessEvent {
  const detail = hasKeys(event.detail) ? parseDetail(JSON.stringify(event.detail)) : EMPTY_DETAIL
  return Object.freeze({ ...event, detail })
}

/** A row's event, frozen (its detail came through JSON already); empty details share one object. */
function frozen(e: AccessEvent): AccessEvent {
  if (hasKeys(e.detail)) {
    Object.freeze(e.detail)
    return Object.freeze(e)
  }
  return Object.freeze({ ...e, detail: EMPTY_DETAIL })
}

function hasKeys(detail: AccessDetail): boolean {
  for (const key in detail) if (Object.hasOwn(detail, key)) return true
  return false
}

/** As `accessEventFromRow` reads `detail_json`. */
function parseDetail(json: string): AccessDetail {
  const value: unknown = JSON.parse(json)
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return Object.freeze(value as AccessDetail)
  return EMPTY_DETAIL
}

/** SQLite's case folding for LIKE: ASCII letters only. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

function checkRange(sinceMs: number, limit: number, beforeMs: number | undefined): void {
  checkTime('sinceMs', sinceMs)
  if (beforeMs !== undefined) checkTime('beforeMs', beforeMs)
  checkLimit(limit)
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new MamoriError('CONFIG_INVALID', `${name} must be a positive integer`)
}
