import type { MarketPrices } from '../brokerage/index.js'
import { AccessLog } from '../risk/events/index.js'
import { DbTypologyContext } from '../risk/typologies/index.js'
import type { Store } from '../store/index.js'

/**
 * Investigation never prices holdings: a feed that knows nothing makes `DbTypologyContext` fall
 * back to an instrument's reference price, and `holdingsValue` (unused here) fail closed.
 */
const NO_PRICES: MarketPrices = Object.freeze({
  priceAt(symbol: string): number {
    throw new TypeError(`no price feed in investigation (${symbol})`)
  },
})

/**
 * The typologies' own view of the history at `now`, for asking what they ask (is this environment
 * new to the customer?) with exactly their rules. Given the server's `AccessLog`, events still in
 * its buffer are seen too; otherwise a reader of its own that never records.
 */
export function historyContext(store: Store, now: number, log?: AccessLog): DbTypologyContext {
  const reader = log ?? new AccessLog({ store, clock: { now: () => now } })
  return new DbTypologyContext({ log: reader, store, prices: NO_PRICES, now })
}
