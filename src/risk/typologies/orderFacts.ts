import type { AccessEvent } from '../events/index.js'
import type { InstrumentFacts, TypologyContext } from './Typology.js'

/** Orders of one customer read for one window; a day of even a busy trader's orders is far below it. */
const MAX_WINDOW_EVENTS = 5_000

/** What an order event's detail says, when it says it well enough to use. */
export interface OrderFacts {
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  /** Shares; null when absent or not a positive number. */
  readonly quantity: number | null
  /** Yen; null when absent or not a positive number (a market order before it fills). */
  readonly notional: number | null
}

/** The order in an event, or undefined for another action or a detail without symbol and side. */
export function orderFacts(event: AccessEvent): OrderFacts | undefined {
  if (event.action !== 'order') return undefined
  const { symbol, side, quantity, notional } = event.detail
  if (typeof symbol !== 'string' || symbol === '') return undefined
  if (side !== 'buy' && side !== 'sell') return undefined
  return { symbol, side, quantity: positiveOrNull(quantity), notional: positiveOrNull(notional) }
}

/** Instrument facts per symbol, asked once per evaluation. */
export type InstrumentCache = Map<string, Promise<InstrumentFacts | undefined>>

/** The instrument, through the per-evaluation cache. */
export function cachedInstrument(
  ctx: TypologyContext,
  cache: InstrumentCache,
  symbol: string,
): Promise<InstrumentFacts | undefined> {
  let facts = cache.get(symbol)
  if (facts === undefined) {
    facts = ctx.instrument(symbol)
    cache.set(symbol, facts)
  }
  return facts
}

/**
 * The order's value in yen: its notional, else quantity × the instrument's current price.
 * Undefined when neither is known: the caller must not guess it as 0.
 */
export async function orderValue(
  ctx: TypologyContext,
  cache: InstrumentCache,
  order: OrderFacts,
): Promise<number | undefined> {
  if (order.notional !== null) return order.notional
  if (order.quantity === null) return undefined
  const instrument = await cachedInstrument(ctx, cache, order.symbol)
  return instrument === undefined ? undefined : order.quantity * instrument.price
}

/** One earlier order of the customer, with its value. */
export interface PastOrder {
  readonly event: AccessEvent
  readonly order: OrderFacts
  readonly value: number
}

/**
 * The customer's orders that went through (`outcome = 'success'`) in [sinceMs, now), newest
 * first, with their values. A held or denied order moved nothing; an order whose value cannot
 * be known is left out.
 */
export async function ordersInWindow(
  ctx: TypologyContext,
  cache: InstrumentCache,
  customerId: string,
  sinceMs: number,
): Promise<PastOrder[]> {
  const out: PastOrder[] = []
  for (const event of await ctx.history(customerId, sinceMs, MAX_WINDOW_EVENTS)) {
    if (event.outcome !== 'success') continue
    const order = orderFacts(event)
    if (order === undefined) continue
    const value = await orderValue(ctx, cache, order)
    if (value !== undefined) out.push({ event, order, value })
  }
  return out
}

/**
 * The holdings' value before the window's orders: today's value plus what was sold in the window
 * minus what was bought (at order values, so an estimate). The typologies measure a sale against
 * this, not against what is left after it.
 */
export function holdingsBefore(holdingsNow: number, orders: readonly PastOrder[]): number {
  let value = holdingsNow
  for (const o of orders) value += o.order.side === 'sell' ? o.value : -o.value
  return Math.max(0, value)
}

function positiveOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null
}
