import { MamoriError } from '../errors/index.js'
import {
  cashAccount,
  cashReservedAccount,
  marketCashAccount,
  marketSecuritiesAccount,
  postTransfer,
  securitiesAccount,
  securitiesReservedAccount,
  type Posting,
} from '../ledger/index.js'
import { newId } from '../runtime/index.js'
import type { Db, OrdersTable } from '../store/index.js'
import type { BrokerageContext } from './context.js'
import { requireActiveCustomer } from './customers.js'
import { getInstrument } from './instruments.js'

export interface OrderRequest {
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly type: 'market' | 'limit'
  readonly quantity: number
  /** Required for limit orders, absent for market orders. */
  readonly limitPrice?: number | undefined
}

export interface Order {
  readonly id: string
  readonly customerId: string
  readonly symbol: string
  readonly side: 'buy' | 'sell'
  readonly type: 'market' | 'limit'
  readonly quantity: number
  readonly limitPrice: number | null
  readonly status: OrdersTable['status']
  readonly filledPrice: number | null
  readonly filledAt: number | null
  readonly createdAt: number
}

/**
 * Places an order and executes it against the simulated feed when it can: a market order fills
 * at once at the current price; a limit order fills at once if the price is already at or better
 * than its limit, otherwise it rests with its cash (buy) or shares (sell) reserved so the same
 * money cannot be spent twice. Runs inside the caller's transaction.
 */
export async function placeOrder(
  ctx: BrokerageContext,
  db: Db,
  customerId: string,
  req: OrderRequest,
): Promise<Order> {
  await requireActiveCustomer(db, customerId)
  const instrument = await getInstrument(db, req.symbol)
  if (!Number.isSafeInteger(req.quantity) || req.quantity <= 0 || req.quantity % instrument.lotSize !== 0) {
    throw new MamoriError('ORDER_INVALID', `quantity must be a positive multiple of the lot size ${instrument.lotSize}`, {
      field: 'quantity',
    })
  }
  if (req.type === 'limit') {
    if (req.limitPrice === undefined || !Number.isSafeInteger(req.limitPrice) || req.limitPrice <= 0) {
      throw new MamoriError('ORDER_INVALID', 'a limit order needs a positive whole-yen limitPrice', { field: 'limitPrice' })
    }
  } else if (req.limitPrice !== undefined) {
    throw new MamoriError('ORDER_INVALID', 'a market order takes no limitPrice', { field: 'limitPrice' })
  }
  const at = ctx.clock.now()
  const price = ctx.prices.priceAt(req.symbol, at)
  const limit = req.limitPrice ?? null
  const notional = (limit ?? price) * req.quantity
  if (!Number.isSafeInteger(notional) || notional >= 1e13) {
    throw new MamoriError('ORDER_INVALID', 'order value is too large', { field: limit === null ? 'quantity' : 'limitPrice' })
  }
  const id = newId(ctx.random, 'ord')
  const marketable = limit === null || (req.side === 'buy' ? price <= limit : price >= limit)

  const base: OrdersTable = {
    id,
    customer_id: customerId,
    symbol: req.symbol,
    side: req.side,
    type: req.type,
    quantity: req.quantity,
    limit_price: limit,
    reserved_amount: 0,
    status: 'open',
    filled_price: null,
    filled_at: null,
    created_at: at,
    updated_at: at,
  }
  if (marketable) {
    await postTransfer(db, {
      id: `${id}:fill`,
      kind: 'order_fill',
      at,
      postings: fillPostings(customerId, req.symbol, req.side, req.quantity, price, 'free'),
    })
    const row: OrdersTable = { ...base, status: 'filled', filled_price: price, filled_at: at }
    await db.insertInto('orders').values(row).execute()
    return toOrder(row)
  }
  const reserved = req.side === 'buy' ? notional : req.quantity
  await postTransfer(db, {
    id: `${id}:reserve`,
    kind: 'order_reserve',
    at,
    postings: [
      req.side === 'buy'
        ? { debit: cashAccount(customerId), credit: cashReservedAccount(customerId), amount: reserved }
        : {
            debit: securitiesAccount(customerId, req.symbol),
            credit: securitiesReservedAccount(customerId, req.symbol),
            amount: reserved,
          },
    ],
  })
  const row: OrdersTable = { ...base, reserved_amount: reserved }
  await db.insertInto('orders').values(row).execute()
  return toOrder(row)
}

/** Cancels an open order of this customer and releases what it reserved. */
export async function cancelOrder(ctx: BrokerageContext, db: Db, customerId: string, orderId: string): Promise<Order> {
  const order = await db
    .selectFrom('orders')
    .selectAll()
    .where('id', '=', orderId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
  if (order === undefined) throw new MamoriError('ORDER_NOT_FOUND', 'no such order')
  const at = ctx.clock.now()
  const claimed = await db
    .updateTable('orders')
    .set({ status: 'cancelled', updated_at: at })
    .where('id', '=', orderId)
    .where('status', '=', 'open')
    .executeTakeFirst()
  if (claimed.numUpdatedRows === 0n) {
    throw new MamoriError('ORDER_NOT_CANCELLABLE', `the order is already ${order.status}`)
  }
  const reserved = Number(order.reserved_amount)
  await postTransfer(db, {
    id: `${orderId}:release`,
    kind: 'order_release',
    reverses: `${orderId}:reserve`,
    at,
    postings: [
      order.side === 'buy'
        ? { debit: cashReservedAccount(customerId), credit: cashAccount(customerId), amount: reserved }
        : {
            debit: securitiesReservedAccount(customerId, order.symbol),
            credit: securitiesAccount(customerId, order.symbol),
            amount: reserved,
          },
    ],
  })
  return toOrder({ ...order, status: 'cancelled', updated_at: at })
}

/**
 * Fills every resting limit order whose limit the current price has reached. Each order is
 * claimed with a conditional update, so a concurrent cancel and fill cannot both happen.
 * Returns how many orders filled.
 */
export async function matchOpenOrders(ctx: BrokerageContext): Promise<number> {
  const open = await ctx.store.db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'open')
    .orderBy('created_at')
    .execute()
  let filled = 0
  for (const order of open) {
    const at = ctx.clock.now()
    const price = ctx.prices.priceAt(order.symbol, at)
    const limit = Number(order.limit_price)
    if (order.side === 'buy' ? price > limit : price < limit) continue
    const done = await ctx.store.transaction(async (trx) => {
      const claimed = await trx
        .updateTable('orders')
        .set({ status: 'filled', filled_price: price, filled_at: at, updated_at: at })
        .where('id', '=', order.id)
        .where('status', '=', 'open')
        .executeTakeFirst()
      if (claimed.numUpdatedRows === 0n) return false
      const quantity = Number(order.quantity)
      const postings = fillPostings(order.customer_id, order.symbol, order.side, quantity, price, 'reserved')
      const surplus = Number(order.reserved_amount) - price * quantity
      if (order.side === 'buy' && surplus > 0) {
        postings.push({ debit: cashReservedAccount(order.customer_id), credit: cashAccount(order.customer_id), amount: surplus })
      }
      await postTransfer(trx, { id: `${order.id}:fill`, kind: 'order_fill', at, postings })
      return true
    })
    if (done) filled++
  }
  return filled
}

/** A customer's orders, newest first. */
export async function listOrders(db: Db, customerId: string, limit = 100): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map(toOrder)
}

/** The cash and share legs of an execution, paid from free or from reserved balances. */
function fillPostings(
  customerId: string,
  symbol: string,
  side: 'buy' | 'sell',
  quantity: number,
  price: number,
  from: 'free' | 'reserved',
): Posting[] {
  const value = price * quantity
  if (side === 'buy') {
    const cash = from === 'free' ? cashAccount(customerId) : cashReservedAccount(customerId)
    return [
      { debit: cash, credit: marketCashAccount, amount: value },
      { debit: marketSecuritiesAccount(symbol), credit: securitiesAccount(customerId, symbol), amount: quantity },
    ]
  }
  const shares = from === 'free' ? securitiesAccount(customerId, symbol) : securitiesReservedAccount(customerId, symbol)
  return [
    { debit: shares, credit: marketSecuritiesAccount(symbol), amount: quantity },
    { debit: marketCashAccount, credit: cashAccount(customerId), amount: value },
  ]
}

function toOrder(row: OrdersTable): Order {
  return Object.freeze({
    id: row.id,
    customerId: row.customer_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    quantity: Number(row.quantity),
    limitPrice: row.limit_price === null ? null : Number(row.limit_price),
    status: row.status,
    filledPrice: row.filled_price === null ? null : Number(row.filled_price),
    filledAt: row.filled_at === null ? null : Number(row.filled_at),
    createdAt: Number(row.created_at),
  })
}
