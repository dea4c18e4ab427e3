import type { MarketPrices } from '../../brokerage/index.js'
import type { Store } from '../../store/index.js'
import type { AccessEvent, AccessHistoryCache, AccessLog, AccessOrigin, OriginCustomer } from '../events/index.js'
import { DbTypologyContext, instrumentFactsAt, readInstrumentRow, type InstrumentRow } from './DbTypologyContext.js'
import type { InstrumentFacts, TypologyContext } from './Typology.js'

/** As DbTypologyContext: AccessLog's default and ceiling for one range query. */
const DEFAULT_LIMIT = 1_000
const MAX_LIMIT = 100_000
/** Instrument rows kept; a broker lists a few thousand. Past it the map starts over. */
const MAX_INSTRUMENTS = 50_000

/** What a `CachedTypologyContext` reads from. */
export interface CachedTypologyContextOptions {
  /** The in-memory mirror of `log`; answers what it holds. */
  readonly cache: AccessHistoryCache
  /** The access history, for what the cache does not hold (through a `DbTypologyContext`). */
  readonly log: AccessLog
  /** The store the log writes to: the ledger, the instrument table, and the history on a miss. */
  readonly store: Store
  /** Current prices (the reference core's `PriceFeed`). */
  readonly prices: MarketPrices
  /** The moment being evaluated, usually the event's `at`; nothing at or after it is visible. */
  readonly now: number
}

/** What every moment's context shares. */
interface Sources {
  readonly options: CachedTypologyContextOptions
  /** Instrument rows never change once listed, so they are read once. Unlisted symbols are asked each time. */
  readonly instruments: Map<string, InstrumentRow>
}

/**
 * The `TypologyContext` of `DbTypologyContext`, with the same answers, served from an
 * `AccessHistoryCache` where it holds them: a decision then costs microseconds instead of one to
 * ten queries per typology. Whatever the cache does not hold (a customer forgotten to stay within
 * its bounds, a window reaching past its indexes) is asked of a `DbTypologyContext` at the same
 * moment; holdings always are (the ledger changes with every fill). One instance answers for one
 * moment (`at`), every question bounded to [sinceMs, now). Read-only.
 *
 * The cache follows one `AccessLog`: use this only where that log is the access table's one writer
 * (see `AccessHistoryCache`).
 */
export class CachedTypologyContext implements TypologyContext {
  readonly now: number
  readonly #cache: AccessHistoryCache
  #sources: Sources
  #db: DbTypologyContext | undefined

  constructor(options: CachedTypologyContextOptions) {
    if (!Number.isSafeInteger(options.now) || options.now < 0)
      throw new TypeError('now must be a non-negative integer (ms)')
    this.now = options.now
    this.#cache = options.cache
    this.#sources = { options, instruments: new Map() }
  }

  /** The same sources at another moment (one context per evaluated event), sharing the instrument rows read. */
  at(now: number): CachedTypologyContext {
    const ctx = new CachedTypologyContext({ ...this.#sources.options, now })
    ctx.#sources = this.#sources
    return ctx
  }

  /** The customer's events in [sinceMs, now), newest first. */
  async history(customerId: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    return (await this.#cache.byCustomer(customerId, sinceMs, limit, this.now)) ?? this.#fallback().history(customerId, sinceMs, limit)
  }

  /** Events from one address in [sinceMs, now), newest first (IPv4-mapped IPv6 matches its IPv4 form). */
  async byIp(ip: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    return (await this.#cache.byIp(ip, sinceMs, limit, this.now)) ?? this.#fallback().byIp(ip, sinceMs, limit)
  }

  /** Events from one network in [sinceMs, now), newest first. */
  async byNetwork(network: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    return (await this.#cache.byNetwork(network, sinceMs, limit, this.now)) ?? this.#fallback().byNetwork(network, sinceMs, limit)
  }

  /** The customers an origin touched in [sinceMs, now), most recently seen first (events without a customer are left out). */
  async customersByOrigin(origin: AccessOrigin, sinceMs: number): Promise<readonly OriginCustomer[]> {
    return (
      (await this.#cache.customersByOrigin(origin, sinceMs, MAX_LIMIT, this.now)) ??
      this.#fallback().customersByOrigin(origin, sinceMs)
    )
  }

  /** Whether the customer went through from this origin in [sinceMs, min(beforeMs, now)); as `DbTypologyContext.seenBefore`. */
  async seenBefore(customerId: string, origin: AccessOrigin, sinceMs: number, beforeMs: number): Promise<boolean> {
    checkTime('beforeMs', beforeMs)
    text('customerId', customerId)
    return (
      (await this.#cache.seenBefore(customerId, origin, sinceMs, Math.min(beforeMs, this.now))) ??
      this.#fallback().seenBefore(customerId, origin, sinceMs, beforeMs)
    )
  }

  /** As `DbTypologyContext.holdingsValue`: the ledger, valued at `now`; always read. */
  holdingsValue(customerId: string): Promise<number> {
    return this.#fallback().holdingsValue(customerId)
  }

  /** As `DbTypologyContext.instrument`; a listed instrument's row is read once. */
  async instrument(symbol: string): Promise<InstrumentFacts | undefined> {
    const { options, instruments } = this.#sources
    let row = instruments.get(text('symbol', symbol))
    if (row === undefined) {
      row = await readInstrumentRow(options.store, symbol)
      if (row === undefined) return undefined
      if (instruments.size >= MAX_INSTRUMENTS) instruments.clear()
      instruments.set(symbol, row)
    }
    return instrumentFactsAt(row, options.prices, this.now)
  }

  /** Order events for one symbol in [sinceMs, now), newest first (any customer); as `DbTypologyContext.ordersForSymbol`. */
  async ordersForSymbol(symbol: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    text('symbol', symbol)
    checkTime('sinceMs', sinceMs)
    checkLimit(limit)
    return (
      (await this.#cache.ordersForSymbol(symbol, sinceMs, limit, this.now)) ??
      this.#fallback().ordersForSymbol(symbol, sinceMs, limit)
    )
  }

  #fallback(): DbTypologyContext {
    const { log, store, prices } = this.#sources.options
    this.#db ??= new DbTypologyContext({ log, store, prices, now: this.now })
    return this.#db
  }
}

function text(name: string, value: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`)
  return value
}

function checkTime(name: string, ms: number): void {
  if (!Number.isSafeInteger(ms)) throw new TypeError(`${name} must be an integer (ms)`)
}

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new TypeError(`limit must be an integer in [1, ${MAX_LIMIT}]`)
  }
}
