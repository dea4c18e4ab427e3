import { customerBalances } from '../ledger/index.js'
import type { Db } from '../store/index.js'
import type { MarketPrices } from './context.js'

export interface Holding {
  readonly symbol: string
  readonly quantity: number
  /** Shares set aside for open sell orders. */
  readonly reserved: number
  readonly price: number
  readonly value: number
}

export interface Portfolio {
  readonly cash: number
  /** Cash set aside for pending withdrawals and open buy orders. */
  readonly cashReserved: number
  readonly holdings: readonly Holding[]
  readonly totalValue: number
}

/** What a customer owns now, valued at the current simulated prices. */
export async function getPortfolio(db: Db, prices: MarketPrices, customerId: string, at: number): Promise<Portfolio> {
  let cash = 0
  let cashReserved = 0
  const shares = new Map<string, { quantity: number; reserved: number }>()
  for (const b of await customerBalances(db, customerId)) {
    if (b.kind === 'cash') cash = b.balance
    else if (b.kind === 'cash_reserved') cashReserved = b.balance
    else if (b.kind === 'securities' || b.kind === 'securities_reserved') {
      const h = shares.get(b.asset) ?? { quantity: 0, reserved: 0 }
      if (b.kind === 'securities') h.quantity = b.balance
      else h.reserved = b.balance
      shares.set(b.asset, h)
    }
  }
  const holdings: Holding[] = []
  for (const [symbol, h] of shares) {
    if (h.quantity === 0 && h.reserved === 0) continue
    const price = prices.priceAt(symbol, at)
    holdings.push({ symbol, quantity: h.quantity, reserved: h.reserved, price, value: price * (h.quantity + h.reserved) })
  }
  holdings.sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
  const totalValue = cash + cashReserved + holdings.reduce((s, h) => s + h.value, 0)
  return { cash, cashReserved, holdings, totalValue }
}
