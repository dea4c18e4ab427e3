import type { Clock, Random } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import type { WithdrawalScreen } from './withdrawalScreen.js'

/** Current prices; the reference core uses the deterministic simulated feed. */
export interface MarketPrices {
  /** Integer yen per share of `symbol` at `atMs`. */
  priceAt(symbol: string, atMs: number): number
}

/** What every brokerage operation needs, passed explicitly. */
export interface BrokerageContext {
  readonly store: Store
  readonly clock: Clock
  readonly random: Random
  readonly prices: MarketPrices
  /** Decides whether a requested withdrawal is approved or held; the guards plug in here. */
  readonly screenWithdrawal: WithdrawalScreen
}
