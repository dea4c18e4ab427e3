import { sql } from 'kysely'
import { getPortfolio, type MarketPrices } from '../../brokerage/index.js'
import type { Store } from '../../store/index.js'
import {
  accessEventFromRow as fromRow,
  type AccessEvent,
  type AccessLog,
  type AccessOrigin,
  type OriginCustomer,
} from '../events/index.js'
import type { InstrumentFacts, TypologyContext } from './Typology.js'

/** The default number of events a range query returns, as AccessLog's own default. */
const DEFAULT_LIMIT = 1_000
/** AccessLog's ceiling for one query; a typology needing more should narrow its window. */
const MAX_LIMIT = 100_000
const SEGMENTS: ReadonlySet<string> = new Set(['domestic_large', 'domestic_small', 'foreign_small'])

/** What a `DbTypologyContext` reads from. */
export interface DbTypologyContextOptions {
  /** The access history (C-1); flushed before every read so nothing recorded is missed. */
  readonly log: AccessLog
  /** The store the log writes to, for range queries bounded at `now` and for the ledger. */
  readonly store: Store
  /** Current prices (the reference core's `PriceFeed`). */
  readonly prices: MarketPrices
  /** The moment being evaluated, usually the event's `at`; nothing at or after it is visible. */
  readonly now: number
}

/**
 * The `TypologyContext` over the real access history, ledger, instrument table and price feed.
 * One instance answers for one moment: every query is bounded to [sinceMs, now), so a
 * retrospective scan (D-5) evaluating a change from last month sees the history as it was then,
 * not what came after. That upper bound is why the range queries read `access_events` here
 * rather than through `AccessLog` (whose queries have no upper bound); the log is still flushed
 * first, so the buffer is never skipped. Read-only.
 */
export class DbTypologyContext implements TypologyContext {
  readonly now: number
  readonly #log: AccessLog
  readonly #store: Store
  readonly #prices: MarketPrices

  constructor(options: DbTypologyContextOptions) {
    if (!Number.isSafeInteger(options.now) || options.now < 0)
      throw new TypeError('now must be a non-negative integer (ms)')
    this.now = options.now
    this.#log = options.log
    this.#store = options.store
    this.#prices = options.prices
  }

  /** The same sources at another moment (one context per evaluated event). */
  at(now: number): DbTypologyContext {
    return new DbTypologyContext({ log: this.#log, store: this.#store, prices: this.#prices, now })
  }

  /** The customer's events in [sinceMs, now), newest first. */
  history(customerId: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    return this.#log.byCustomer(customerId, sinceMs, limit, this.now)
  }

  /** Events from one address in [sinceMs, now), newest first (IPv4-mapped IPv6 matches its IPv4 form). */
  byIp(ip: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    return this.#log.byIp(ip, sinceMs, limit, this.now)
  }

  /** Events from one network in [sinceMs, now), newest first. */
  byNetwork(network: string, sinceMs: number, limit = DEFAULT_LIMIT): Promise<readonly AccessEvent[]> {
    return this.#log.byNetwork(network, sinceMs, limit, this.now)
  }

  /** The customers an origin touched in [sinceMs, now), most recently seen first (events without a customer are left out). */
  customersByOrigin(origin: AccessOrigin, sinceMs: number): Promise<readonly OriginCustomer[]> {
    return this.#log.customersByOrigin(origin, sinceMs, MAX_LIMIT, this.now)
  }

  /**
   * Whether the customer went through from this origin in [sinceMs, min(beforeMs, now)), by
   * `AccessLog.seenBefore`: only successful events vouch, and garbage addresses and unknown
   * networks never do.
   */
  seenBefore(customerId: string, origin: AccessOrigin, sinceMs: number, beforeMs: number): Promise<boolean> {
    checkTime('beforeMs', beforeMs)
    return this.#log.seenBefore(text('customerId', customerId), origin, sinceMs, Math.min(beforeMs, this.now))
  }

  /**
   * The market value (yen) of the customer's holdings at `now`, shares reserved for open sell
   * orders included, cash excluded: the ledger balances valued at the feed's prices. A holding the
   * feed cannot price makes this throw, so the engine fails closed rather than seeing ¥0.
   */
  async holdingsValue(customerId: string): Promise<number> {
    const portfolio = await getPortfolio(
      this.#store.db,
      this.#prices,
      text('customerId', customerId),
      this.now,
    )
    return portfolio.holdings.reduce((sum, h) => sum + h.value, 0)
  }

  /**
   * The instrument's segment and average daily volume from the instruments table, and its price at
   * `now` from the feed (the table's base price when the feed does not list it). Undefined for a
   * symbol the broker does not list.
   */
  async instrument(symbol: string): Promise<InstrumentFacts | undefined> {
    const row = await readInstrumentRow(this.#store, symbol)
    return row === undefined ? undefined : instrumentFactsAt(row, this.#prices, this.now)
  }

  /**
   * Order events for one symbol in [sinceMs, now), newest first, any customer. The detail is JSON
   * text, so the symbol is found with a LIKE on `"symbol":"…"` (the exact text `JSON.stringify`
   * writes, the same on both dialects) within the time range, then checked exactly: LIKE is
   * case-insensitive on SQLite.
   */
  async ordersForSymbol(
    symbol: string,
    sinceMs: number,
    limit = DEFAULT_LIMIT,
  ): Promise<readonly AccessEvent[]> {
    text('symbol', symbol)
    checkTime('sinceMs', sinceMs)
    checkLimit(limit)
    await this.#log.flush()
    const pattern = `%${escapeLike(`"symbol":${JSON.stringify(symbol)}`)}%`
    const rows = await this.#store.db
      .selectFrom('access_events')
      .selectAll()
      .where('action', '=', 'order')
      .where('at', '>=', sinceMs)
      .where('at', '<', this.now)
      .where(sql<boolean>`detail_json like ${pattern} escape '!'`)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map(fromRow).filter((e) => e.detail['symbol'] === symbol)
  }
}

/** What the typologies use of an instrument's row. Rows are only ever inserted (`seedInstruments`), never changed. */
export interface InstrumentRow {
  readonly symbol: string
  readonly segment: InstrumentFacts['segment']
  readonly avgDailyVolume: number
  readonly basePrice: number
}

/** The instrument's row, or undefined for a symbol the broker does not list (or in no segment the typologies know). */
export async function readInstrumentRow(store: Store, symbol: string): Promise<InstrumentRow | undefined> {
  const row = await store.db
    .selectFrom('instruments')
    .select(['symbol', 'segment', 'avg_daily_volume', 'base_price'])
    .where('symbol', '=', text('symbol', symbol))
    .executeTakeFirst()
  if (row === undefined || !SEGMENTS.has(row.segment)) return undefined
  return {
    symbol: row.symbol,
    segment: row.segment,
    avgDailyVolume: Number(row.avg_daily_volume),
    basePrice: Number(row.base_price),
  }
}

/** The instrument's facts at `now`: its row, priced by the feed. */
export function instrumentFactsAt(row: InstrumentRow, prices: MarketPrices, now: number): InstrumentFacts {
  let price: number
  try {
    price = prices.priceAt(row.symbol, now)
  } catch {
    // A listed instrument the feed does not price (a new listing): its reference price is the
    // best figure there is, and far better than 0, which would make any quantity look small.
    price = row.basePrice
  }
  return { symbol: row.symbol, segment: row.segment, avgDailyVolume: row.avgDailyVolume, price }
}

/** LIKE with `!` as the escape character, which means the same on SQLite and PostgreSQL. */
function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`)
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
