import { sql } from 'kysely'
import { MamoriError } from '../errors/index.js'
import { accessEventFromRow, type AccessEvent, type AccessLog } from '../risk/events/index.js'
import { DEFAULT_FAMILIARITY, environmentNovelty, type FamiliarityWindow } from '../risk/typologies/index.js'
import type { Store } from '../store/index.js'
import { historyContext } from './historyContext.js'
import { checkPivotLimit, checkSymbol, checkWindow } from './pivotInput.js'

const DEFAULT_ORDERS = 1_000
const MAX_ORDERS = 10_000
/** An order row and the access event of its request are written within one request; two minutes is generous. */
const MATCH_MS = 120_000

/** Where one buy came from, and whether that was new to the customer. */
export interface BuyEnvironment {
  readonly eventId: string
  readonly ip: string
  readonly network: string
  readonly networkName: string | null
  readonly country: string | null
  readonly city: string | null
  readonly hosting: boolean
  readonly deviceId: string | null
  readonly deviceType: string
  readonly browser: string | null
  readonly os: string | null
  /** Neither device nor network was used successfully by this customer 365 to 7 days before (the typologies' rule). */
  readonly newEnvironment: boolean
  readonly newDevice: boolean
  readonly newNetwork: boolean
}

/** One buy: an order placed, or an attempt the guards held, denied or challenged (no order row). */
export interface BuyerOrder {
  /** Null for an attempt that placed no order (yet: a held buy placed later on release is its own row). */
  readonly orderId: string | null
  readonly at: number
  /** The order's status (`open`, `filled`, `cancelled`), or the attempt's outcome (`held`, `denied`, `step_up`...). */
  readonly status: string
  readonly quantity: number | null
  /** Yen: filled value, or the cash reserved for an open order; null for an attempt. */
  readonly amount: number | null
  /** From the access event of the request; null when none was recorded (orders placed by a reviewer's release, imports). */
  readonly environment: BuyEnvironment | null
  /** Placed while buying of the symbol was frozen for new environments. */
  readonly duringFreeze: boolean
}

/** One account that bought the symbol in the window. */
export interface RecentBuyer {
  readonly customerId: string
  readonly firstAt: number
  readonly lastAt: number
  /** Shares bought by orders not cancelled. */
  readonly quantity: number
  /** Yen of those orders. */
  readonly amount: number
  /** At least one buy came from a new environment. */
  readonly newEnvironment: boolean
  readonly orders: readonly BuyerOrder[]
}

/** A symbol's buying freeze (C-6). */
export interface SymbolFreeze {
  readonly frozenAt: number
  readonly until: number
  readonly reason: string
}

/** What `recentBuyers` is asked. */
export interface RecentBuyersOptions {
  /** Start (ms, inclusive). */
  readonly since: number
  /** End (ms, exclusive); default open. Pass the current time to learn whether the symbol is frozen now. */
  readonly until?: number
  /** Orders and attempts read at most, newest first. Default 1,000, at most 10,000. */
  readonly limit?: number
  /** The server's access log, so events not yet flushed are matched too. */
  readonly log?: AccessLog
  /** Which history makes an environment familiar; the typologies' default. */
  readonly familiarity?: FamiliarityWindow
}

/** The buyers of one symbol. */
export interface RecentBuyers {
  readonly symbol: string
  readonly segment: string
  readonly since: number
  readonly until: number | null
  /** The symbol's freeze overlaps the window (it is frozen at `until` when that is now). */
  readonly frozen: boolean
  readonly freeze: SymbolFreeze | null
  /** Most recent buyer first. */
  readonly buyers: readonly RecentBuyer[]
  /** More orders than `limit` were in the window. */
  readonly truncated: boolean
}

/**
 * D-4, from a stock to its recent buyers: seed 003's pumps drove thin stocks up through many
 * taken-over accounts, so the buyers of one symbol, each with the environment the order came from
 * and whether it was new to that account, show the ring. Orders come from the orders table; each
 * is matched to the access event of its request (same customer, symbol, side and quantity, within
 * two minutes, or the held request a reviewer released); buy attempts the guards stopped, which
 * placed no order, are listed from the access history. INSTRUMENT_UNKNOWN for a symbol the broker
 * does not list, PIVOT_INVALID for bad input. Read-only.
 */
export async function recentBuyers(store: Store, symbol: string, options: RecentBuyersOptions): Promise<RecentBuyers> {
  const wanted = checkSymbol(symbol)
  const window = checkWindow(options.since, options.until)
  const limit = checkPivotLimit(options.limit, DEFAULT_ORDERS, MAX_ORDERS)
  const familiarity = options.familiarity ?? DEFAULT_FAMILIARITY
  const instrument = await store.db.selectFrom('instruments').select(['symbol', 'segment']).where('symbol', '=', wanted).executeTakeFirst()
  if (instrument === undefined) throw new MamoriError('INSTRUMENT_UNKNOWN', `no instrument ${wanted}`, { field: 'symbol' })
  const upTo = window.until ?? Number.MAX_SAFE_INTEGER

  const freezeRow = await store.db.selectFrom('symbol_freezes').selectAll().where('symbol', '=', wanted).executeTakeFirst()
  const freeze: SymbolFreeze | null =
    freezeRow === undefined ? null : { frozenAt: Number(freezeRow.frozen_at), until: Number(freezeRow.until), reason: freezeRow.reason }

  const orders = await store.db
    .selectFrom('orders')
    .select(['id', 'customer_id', 'quantity', 'status', 'filled_price', 'reserved_amount', 'created_at'])
    .where('symbol', '=', wanted)
    .where('side', '=', 'buy')
    .where('created_at', '>=', window.since)
    .where('created_at', '<', upTo)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()
  const events = await buyEvents(store, options.log, wanted, window.since - MATCH_MS, upTo === Number.MAX_SAFE_INTEGER ? upTo : upTo + MATCH_MS, limit + 1)
  const truncated = orders.length > limit || events.length > limit
  const orderRows = orders.slice(0, limit)

  // A held buy released by a reviewer: its event names the hold (reviewId), the hold names the order it placed.
  const released = new Map<string, string>()
  const reviewIds = events.map((e) => e.detail['reviewId']).filter((v): v is string => typeof v === 'string')
  if (reviewIds.length > 0) {
    const holds = await store.db.selectFrom('held_operations').select(['id', 'result_json']).where('id', 'in', reviewIds.slice(0, 500)).execute()
    for (const h of holds) {
      const orderId = resultOrderId(h.result_json)
      if (orderId !== null) released.set(orderId, h.id)
    }
  }

  const used = new Set<string>()
  const matched = new Map<string, AccessEvent>()
  for (const o of orderRows) {
    const at = Number(o.created_at)
    const holdId = released.get(o.id)
    let best: AccessEvent | undefined
    for (const e of events) {
      if (used.has(e.id) || e.customerId !== o.customer_id) continue
      if (holdId !== undefined && e.detail['reviewId'] === holdId) {
        best = e
        break
      }
      if (e.outcome !== 'success' || Math.abs(e.at - at) > MATCH_MS) continue
      const q = e.detail['quantity']
      if (typeof q === 'number' && q !== Number(o.quantity)) continue
      if (best === undefined || Math.abs(e.at - at) < Math.abs(best.at - at)) best = e
    }
    if (best !== undefined) {
      used.add(best.id)
      matched.set(o.id, best)
    }
  }

  const ctx = historyContext(store, Number.MAX_SAFE_INTEGER, options.log)
  const environmentOf = async (e: AccessEvent): Promise<BuyEnvironment> => {
    const novelty = await environmentNovelty(ctx, e, familiarity)
    return {
      eventId: e.id,
      ip: e.ip,
      network: e.network,
      networkName: e.asnName,
      country: e.country,
      city: e.city,
      hosting: e.hosting,
      deviceId: e.deviceId,
      deviceType: e.deviceType,
      browser: e.browser,
      os: e.os,
      newEnvironment: novelty.isNew,
      newDevice: novelty.newDevice,
      newNetwork: novelty.newNetwork,
    }
  }
  const frozenAt = (at: number): boolean => freeze !== null && at >= freeze.frozenAt && at < freeze.until

  const byCustomer = new Map<string, BuyerOrder[]>()
  const add = (customerId: string, order: BuyerOrder): void => {
    const list = byCustomer.get(customerId) ?? []
    list.push(order)
    byCustomer.set(customerId, list)
  }
  for (const o of orderRows) {
    const event = matched.get(o.id)
    const at = Number(o.created_at)
    const quantity = Number(o.quantity)
    const amount = o.status === 'filled' && o.filled_price !== null ? Number(o.filled_price) * quantity : Number(o.reserved_amount)
    add(o.customer_id, {
      orderId: o.id,
      at,
      status: o.status,
      quantity,
      amount: o.status === 'cancelled' ? 0 : amount,
      environment: event === undefined ? null : await environmentOf(event),
      duringFreeze: frozenAt(at),
    })
  }
  for (const e of events) {
    // Attempts that placed no order: held (and not released), denied, challenged. Successes without a row are out of the window's orders.
    if (used.has(e.id) || e.outcome === 'success' || e.customerId === null) continue
    if (e.at < window.since || e.at >= upTo) continue
    const q = e.detail['quantity']
    add(e.customerId, {
      orderId: null,
      at: e.at,
      status: e.outcome,
      quantity: typeof q === 'number' ? q : null,
      amount: null,
      environment: await environmentOf(e),
      duringFreeze: frozenAt(e.at),
    })
  }

  const buyers: RecentBuyer[] = [...byCustomer].map(([customerId, list]) => {
    list.sort((a, b) => a.at - b.at)
    const placed = list.filter((o) => o.orderId !== null && o.status !== 'cancelled')
    return {
      customerId,
      firstAt: list[0]!.at,
      lastAt: list[list.length - 1]!.at,
      quantity: placed.reduce((s, o) => s + (o.quantity ?? 0), 0),
      amount: placed.reduce((s, o) => s + (o.amount ?? 0), 0),
      newEnvironment: list.some((o) => o.environment?.newEnvironment === true),
      orders: list,
    }
  })
  buyers.sort((a, b) => b.lastAt - a.lastAt || (a.customerId < b.customerId ? -1 : 1))
  const frozen = freeze !== null && freeze.until > window.since && freeze.frozenAt < upTo
  return { symbol: wanted, segment: instrument.segment, since: window.since, until: window.until, frozen, freeze, buyers, truncated }
}

/**
 * Buy order events of the symbol in [from, to), newest first: the detail is JSON text, so the
 * symbol is found with LIKE on the exact text `JSON.stringify` writes and then checked exactly
 * (LIKE ignores case on SQLite), as `DbTypologyContext.ordersForSymbol` does.
 */
async function buyEvents(store: Store, log: AccessLog | undefined, symbol: string, from: number, to: number, limit: number): Promise<AccessEvent[]> {
  if (log !== undefined) await log.flush()
  const pattern = `%${escapeLike(`"symbol":${JSON.stringify(symbol)}`)}%`
  const rows = await store.db
    .selectFrom('access_events')
    .selectAll()
    .where('action', '=', 'order')
    .where('at', '>=', Math.max(0, from))
    .where('at', '<', to)
    .where(sql<boolean>`detail_json like ${pattern} escape '!'`)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(accessEventFromRow).filter((e) => e.detail['symbol'] === symbol && e.detail['side'] === 'buy')
}

function resultOrderId(json: string | null): string | null {
  if (json === null) return null
  try {
    const value = JSON.parse(json) as { id?: unknown; order?: { id?: unknown } } | null
    if (typeof value?.id === 'string') return value.id
    if (typeof value?.order?.id === 'string') return value.order.id
  } catch {
    // Written by the review queue; an unreadable result just leaves the order unmatched.
  }
  return null
}

/** LIKE with `!` as the escape character, which means the same on SQLite and PostgreSQL. */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`)
}
