/**
 * Model-based test in the manner of TigerBeetle's simulator: random sequences of deposits,
 * orders, withdrawals, cancellations, limit-order matching and retried requests run against the
 * real database and against a small in-memory model of what the brokerage should hold. After every
 * sequence the ledger must verify (debits = credits, balances = entries, nothing negative) and every
 * customer's cash, reserves, holdings, orders and withdrawals must equal the model's.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { fundedCustomer, testBrokerage, type TestBrokerage } from '../../test/support/brokerage.js'
import { isMamoriError, type ErrorCode } from '../errors/index.js'
import { verifyLedger } from '../ledger/index.js'
import { runIdempotent, type Store } from '../store/index.js'
import {
  cancelOrder,
  cancelWithdrawal,
  getPortfolio,
  listOrders,
  listWithdrawals,
  matchOpenOrders,
  placeOrder,
  recordDeposit,
  requestWithdrawal,
  sendApprovedWithdrawals,
  getInstrument,
} from './index.js'

const SYMBOLS = ['7203', '9984'] as const

type Op =
  | { kind: 'deposit'; who: number; amount: number }
  | { kind: 'order'; who: number; sym: number; side: 'buy' | 'sell'; lots: number; limitPct: number | null }
  | { kind: 'cancelOrder'; who: number; pick: number }
  | { kind: 'withdraw'; who: number; amount: number }
  | { kind: 'cancelWithdrawal'; who: number; pick: number }
  | { kind: 'send' }
  | { kind: 'tick'; minutes: number }
  | { kind: 'retry'; pick: number }

const who = fc.integer({ min: 0, max: 1 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), who, amount: fc.integer({ min: 1, max: 3_000_000 }) }) },
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('order' as const),
    who,
    sym: fc.integer({ min: 0, max: SYMBOLS.length - 1 }),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    lots: fc.integer({ min: 1, max: 5 }),
    limitPct: fc.option(fc.integer({ min: -2, max: 2 }), { nil: null }),
  }) },
  fc.record({ kind: fc.constant('cancelOrder' as const), who, pick: fc.nat() }),
  fc.record({ kind: fc.constant('withdraw' as const), who, amount: fc.integer({ min: 1, max: 2_000_000 }) }),
  fc.record({ kind: fc.constant('cancelWithdrawal' as const), who, pick: fc.nat() }),
  fc.constant({ kind: 'send' as const }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 600 }) }) },
  fc.record({ kind: fc.constant('retry' as const), pick: fc.nat() }),
)

interface ModelOrder {
  id: string
  side: 'buy' | 'sell'
  symbol: string
  quantity: number
  limit: number
  reserved: number
}
interface ModelCustomer {
  id: string
  destinationId: string
  cash: number
  cashReserved: number
  shares: Map<string, number>
  sharesReserved: Map<string, number>
  open: ModelOrder[]
  orders: Map<string, string>
  withdrawals: Map<string, { amount: number; status: string }>
}

describe.each(DIALECTS)('brokerage model on $dialect', (dc) => {
  let store: Store
  let tb: TestBrokerage
  const lots = new Map<string, number>()
  beforeAll(async () => {
    store = await dc.open()
    tb = await testBrokerage(store)
    for (const s of SYMBOLS) lots.set(s, (await getInstrument(store.db, s)).lotSize)
  })
  afterAll(async () => {
    await store.close()
  })

  it('random operation sequences keep the ledger balanced and equal to the model', async () => {
    let run = 0
    // What the generated sequences exercised; a property that never reaches a path proves nothing about it.
    const seen = { restingFill: 0, orderCancel: 0, withdrawalCancel: 0, retry: 0, refused: 0, sent: 0 }
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 80, size: 'large' }), async (ops) => {
        run++
        const ctx = tb.ctx
        const model: ModelCustomer[] = []
        for (let i = 0; i < 2; i++) {
          const { customer, destination } = await fundedCustomer(ctx, 5_000_000)
          model.push({
            id: customer.id,
            destinationId: destination.id,
            cash: 5_000_000,
            cashReserved: 0,
            shares: new Map(),
            sharesReserved: new Map(),
            open: [],
            orders: new Map(),
            withdrawals: new Map(),
          })
        }
        const sent: { scope: string; key: string; request: unknown; body: unknown; run: () => Promise<unknown> }[] = []

        /** Sends an idempotent request and records it so a later op can retry it. */
        const send = async <T>(scope: string, request: unknown, fn: (trx: import('kysely').Transaction<import('../store/index.js').Database>) => Promise<T>): Promise<T | ErrorCode> => {
          const key = `run${run}-req${sent.length}`
          const exec = (): Promise<unknown> =>
            runIdempotent(store, { scope, key, request, at: ctx.clock.now() }, async (trx) => ({ status: 201, body: await fn(trx) }))
          try {
            const r = (await exec()) as { body: T; replayed: boolean }
            expect(r.replayed).toBe(false)
            sent.push({ scope, key, request, body: r.body, run: exec })
            return r.body
          } catch (err) {
            if (isMamoriError(err)) {
              seen.refused++
              return err.code
            }
            throw err
          }
        }

        for (const op of ops) {
          const m = op.kind === 'send' || op.kind === 'tick' || op.kind === 'retry' ? undefined : model[op.who]
          switch (op.kind) {
            case 'deposit': {
              const r = await send(`${m!.id}:deposit`, op, (trx) => recordDeposit(ctx, trx, m!.id, op.amount))
              expect(typeof r).toBe('object')
              m!.cash += op.amount
              break
            }
            case 'order': {
              const symbol = SYMBOLS[op.sym] as string
              const quantity = op.lots * (lots.get(symbol) as number)
              const price = tb.prices.priceAt(symbol, ctx.clock.now())
              const limit = op.limitPct === null ? null : Math.max(1, Math.round((price * (100 + op.limitPct)) / 100))
              const r = await send(`${m!.id}:order`, op, (trx) =>
                placeOrder(ctx, trx, m!.id, { symbol, side: op.side, type: limit === null ? 'market' : 'limit', quantity, limitPrice: limit ?? undefined }),
              )
              const marketable = limit === null || (op.side === 'buy' ? price <= limit : price >= limit)
              const held = m!.shares.get(symbol) ?? 0
              if (marketable) {
                const ok = op.side === 'buy' ? m!.cash >= price * quantity : held >= quantity
                if (!ok) {
                  expect(r).toBe(op.side === 'buy' ? 'LEDGER_INSUFFICIENT_FUNDS' : 'LEDGER_INSUFFICIENT_SECURITIES')
                  break
                }
                expect(r).toMatchObject({ status: 'filled', filledPrice: price })
                applyFill(m!, op.side, symbol, quantity, price, 'free', 0)
              } else {
                const reserve = op.side === 'buy' ? (limit as number) * quantity : quantity
                const ok = op.side === 'buy' ? m!.cash >= reserve : held >= reserve
                if (!ok) {
                  expect(r).toBe(op.side === 'buy' ? 'LEDGER_INSUFFICIENT_FUNDS' : 'LEDGER_INSUFFICIENT_SECURITIES')
                  break
                }
                const order = r as { id: string; status: string }
                expect(order.status).toBe('open')
                if (op.side === 'buy') {
                  m!.cash -= reserve
                  m!.cashReserved += reserve
                } else {
                  m!.shares.set(symbol, held - reserve)
                  m!.sharesReserved.set(symbol, (m!.sharesReserved.get(symbol) ?? 0) + reserve)
                }
                m!.open.push({ id: order.id, side: op.side, symbol, quantity, limit: limit as number, reserved: reserve })
              }
              m!.orders.set((r as { id: string }).id, marketable ? 'filled' : 'open')
              break
            }
            case 'cancelOrder': {
              const ids = [...m!.orders.keys()]
              if (ids.length === 0) break
              const id = ids[op.pick % ids.length] as string
              const r = await send(`${m!.id}:cancel-order`, { id }, (trx) => cancelOrder(ctx, trx, m!.id, id))
              const open = m!.open.find((o) => o.id === id)
              if (open === undefined) {
                expect(r).toBe('ORDER_NOT_CANCELLABLE')
                break
              }
              expect(r).toMatchObject({ status: 'cancelled' })
              release(m!, open)
              seen.orderCancel++
              m!.orders.set(id, 'cancelled')
              break
            }
            case 'withdraw': {
              const r = await send(`${m!.id}:withdrawal`, op, (trx) =>
                requestWithdrawal(ctx, trx, m!.id, { destinationId: m!.destinationId, amount: op.amount }),
              )
              if (m!.cash < op.amount) {
                expect(r).toBe('LEDGER_INSUFFICIENT_FUNDS')
                break
              }
              const w = r as { id: string; status: string }
              expect(w.status).toBe('approved')
              m!.cash -= op.amount
              m!.cashReserved += op.amount
              m!.withdrawals.set(w.id, { amount: op.amount, status: 'approved' })
              break
            }
            case 'cancelWithdrawal': {
              const ids = [...m!.withdrawals.keys()]
              if (ids.length === 0) break
              const id = ids[op.pick % ids.length] as string
              const w = m!.withdrawals.get(id)!
              const r = await send(`${m!.id}:cancel-withdrawal`, { id }, (trx) => cancelWithdrawal(ctx, trx, m!.id, id))
              if (w.status !== 'approved') {
                expect(r).toBe('WITHDRAWAL_INVALID_TRANSITION')
                break
              }
              expect(r).toMatchObject({ status: 'cancelled' })
              w.status = 'cancelled'
              seen.withdrawalCancel++
              m!.cashReserved -= w.amount
              m!.cash += w.amount
              break
            }
            case 'send': {
              await sendApprovedWithdrawals(ctx)
              for (const c of model) {
                for (const w of c.withdrawals.values()) {
                  if (w.status !== 'approved') continue
                  w.status = 'sent'
                  seen.sent++
                  c.cashReserved -= w.amount
                }
              }
              break
            }
            case 'tick': {
              tb.clock.advance(op.minutes * 60_000)
              const now = ctx.clock.now()
              await matchOpenOrders(ctx)
              for (const c of model) {
                for (const o of [...c.open]) {
                  const price = tb.prices.priceAt(o.symbol, now)
                  if (o.side === 'buy' ? price > o.limit : price < o.limit) continue
                  c.open = c.open.filter((x) => x !== o)
                  applyFill(c, o.side, o.symbol, o.quantity, price, 'reserved', o.reserved)
                  seen.restingFill++
                  c.orders.set(o.id, 'filled')
                }
              }
              break
            }
            case 'retry': {
              if (sent.length === 0) break
              const earlier = sent[op.pick % sent.length]!
              const r = (await earlier.run()) as { body: unknown; replayed: boolean }
              expect(r.replayed).toBe(true)
              seen.retry++
              expect(r.body).toEqual(earlier.body)
              break
            }
          }
        }

        const v = await verifyLedger(store.db)
        expect(v.mismatch).toBeUndefined()
        for (const c of model) {
          const p = await getPortfolio(store.db, tb.prices, c.id, ctx.clock.now())
          expect(p.cash).toBe(c.cash)
          expect(p.cashReserved).toBe(c.cashReserved)
          const expected = new Map<string, [number, number]>()
          for (const [s, q] of c.shares) expected.set(s, [q, 0])
          for (const [s, q] of c.sharesReserved) expected.set(s, [expected.get(s)?.[0] ?? 0, q])
          const actual = new Map(p.holdings.map((h) => [h.symbol, [h.quantity, h.reserved] as [number, number]]))
          for (const [s, [q, r]] of expected) {
            if (q === 0 && r === 0) continue
            expect(actual.get(s)).toEqual([q, r])
          }
          expect(p.holdings.every((h) => h.quantity >= 0 && h.reserved >= 0)).toBe(true)
          const dbOrders = await listOrders(store.db, c.id, 1000)
          expect(new Map(dbOrders.map((o) => [o.id, o.status]))).toEqual(c.orders)
          const dbW = await listWithdrawals(store.db, c.id, 1000)
          expect(new Map(dbW.map((w) => [w.id, w.status]))).toEqual(new Map([...c.withdrawals].map(([id, w]) => [id, w.status])))
        }
      }),
      { numRuns: Number(process.env.MAMORI_PROPERTY_RUNS ?? 40), seed: Number(process.env.MAMORI_PROPERTY_SEED ?? 20200901) },
    )
    for (const [path, count] of Object.entries(seen)) expect(count, `sequences never reached ${path}`).toBeGreaterThan(0)
  })
})

function applyFill(
  c: ModelCustomer,
  side: 'buy' | 'sell',
  symbol: string,
  quantity: number,
  price: number,
  from: 'free' | 'reserved',
  reserved: number,
): void {
  const value = price * quantity
  if (side === 'buy') {
    if (from === 'free') c.cash -= value
    else {
      c.cashReserved -= reserved
      c.cash += reserved - value
    }
    c.shares.set(symbol, (c.shares.get(symbol) ?? 0) + quantity)
  } else {
    if (from === 'free') c.shares.set(symbol, (c.shares.get(symbol) ?? 0) - quantity)
    else c.sharesReserved.set(symbol, (c.sharesReserved.get(symbol) ?? 0) - quantity)
    c.cash += value
  }
}

function release(c: ModelCustomer, o: ModelOrder): void {
  c.open = c.open.filter((x) => x !== o)
  if (o.side === 'buy') {
    c.cashReserved -= o.reserved
    c.cash += o.reserved
  } else {
    c.sharesReserved.set(o.symbol, (c.sharesReserved.get(o.symbol) ?? 0) - o.reserved)
    c.shares.set(o.symbol, (c.shares.get(o.symbol) ?? 0) + o.reserved)
  }
}
