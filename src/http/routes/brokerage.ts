import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Transaction } from 'kysely'
import { z } from 'zod'
import {
  cancelOrder,
  cancelWithdrawal,
  getInstrument,
  getPortfolio,
  listDestinations,
  listInstruments,
  listOrders,
  listWithdrawals,
  getDestinationRow,
  placeOrder,
  recordDeposit,
  registerDestination,
  removeDestination,
  requestWithdrawal,
  type BrokerageContext,
} from '../../brokerage/index.js'
import { holdOperation } from '../../guards/reviewQueue.js'
import type { RiskGate } from '../../guards/riskGate.js'
import { checkIdempotencyKey, runIdempotent, type Database, type HeldOperationAction } from '../../store/index.js'
import type { RouteModule } from '../app.js'
import { customerOf } from '../authenticate.js'
import { errorBodySchema } from '../errorBody.js'

/** Positive whole yen, below ¥10 trillion. */
const yen = z.number().int().positive().max(9_999_999_999_999)
const symbol = z.string().regex(/^[A-Z0-9.]{1,16}$/, 'a symbol such as 7203 or SZ.002123')
const id = z.string().regex(/^[a-z]{2,4}_[0-9a-f]{32}$/, 'an id issued by Mamori')
const tradingPassword = z
  .string()
  .min(1)
  .max(4096)
  .optional()
  .describe('The trading password (separate from the login password), when the policy accepts it for this operation')
// WebAuthn responses are verified field by field by @simplewebauthn; here only their outer shape.
const confirmation = z
  .strictObject({
    challengeId: z.string().min(1).max(128),
    response: z.looseObject({ id: z.string().max(1024), rawId: z.string().max(1024), type: z.literal('public-key') }),
  })
  .optional()
  .describe('A passkey assertion made for exactly this operation (POST /v1/auth/confirm/options)')
const idempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().describe('Required: 8-128 chars; a retry with the same key is answered once'),
})
const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  422: errorBodySchema,
  423: errorBodySchema,
}

const instrumentSchema = z.object({
  symbol: z.string(),
  name: z.string(),
  market: z.string(),
  segment: z.enum(['domestic_large', 'domestic_small', 'foreign_small']),
  price: z.number().int(),
  marketCap: z.number().int(),
  avgDailyVolume: z.number().int(),
  lotSize: z.number().int(),
})
const orderSchema = z.object({
  id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit']),
  quantity: z.number().int(),
  limitPrice: z.number().int().nullable(),
  status: z.enum(['open', 'filled', 'cancelled']),
  filledPrice: z.number().int().nullable(),
  filledAt: z.number().int().nullable(),
  createdAt: z.number().int(),
})
const destinationSchema = z.object({
  id: z.string(),
  bankCode: z.string(),
  branchCode: z.string(),
  accountType: z.enum(['ordinary', 'current', 'savings']),
  accountNumber: z.string(),
  holderKana: z.string(),
  status: z.enum(['active', 'removed']),
  createdAt: z.number().int(),
})
const withdrawalSchema = z.object({
  id: z.string(),
  destinationId: z.string(),
  amount: z.number().int(),
  status: z.enum(['requested', 'held', 'approved', 'sent', 'cancelled']),
  statusReason: z.string().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
})
const depositSchema = z.object({ id: z.string(), amount: z.number().int(), createdAt: z.number().int() })
const portfolioSchema = z.object({
  cash: z.number().int(),
  cashReserved: z.number().int(),
  totalValue: z.number().int(),
  holdings: z.array(
    z.object({
      symbol: z.string(),
      quantity: z.number().int(),
      reserved: z.number().int(),
      price: z.number().int(),
      value: z.number().int(),
    }),
  ),
})

/**
 * Runs a state-changing customer request once per Idempotency-Key, in one transaction, and answers
 * a retry with the stored response. Secrets (the trading password) are left out of the request
 * fingerprint, so no hash of a password is ever stored beside the response.
 */
async function idempotent<T>(
  brokerage: BrokerageContext,
  request: FastifyRequest,
  reply: FastifyReply,
  operation: string,
  fingerprint: unknown,
  run: (trx: Transaction<Database>, customerId: string) => Promise<T>,
  after?: (result: T, customerId: string) => Promise<void>,
  status = 201,
): Promise<T> {
  const customer = customerOf(request)
  const header = request.headers['idempotency-key']
  const key = checkIdempotencyKey(typeof header === 'string' ? header : undefined)
  const result = await runIdempotent(
    brokerage.store,
    { scope: `${customer.id}:${operation}`, key, request: fingerprint, at: brokerage.clock.now() },
    async (trx) => ({ status, body: await run(trx, customer.id) }),
  )
  if (result.replayed) reply.header('idempotent-replayed', 'true')
  // Told once, after the commit, never for a replay; a failed notice is logged, never undoes the operation.
  else if (after !== undefined) await after(result.body, customer.id).catch((err: unknown) => request.log.error({ err }, 'notice failed'))
  reply.code(result.status)
  return result.body
}

/** Tells the customer about money-relevant events (C-7); the front door's SecurityNotices fits. */
export interface BrokerageNotices {
  send(
    customerId: string,
    kind: 'destination_added' | 'destination_removed' | 'withdrawal' | 'operation_held',
    details: Record<string, string | number>,
  ): Promise<void>
}

/** The answer for an operation the risk engine held for review (202): it has not happened. */
const heldSchema = z.object({
  status: z.literal('held'),
  reviewId: z.string(),
  action: z.enum(['order', 'destination_change']),
  message: z.string(),
})

const HELD_MESSAGE = 'to protect you, this is on hold while the broker checks it; it will not be carried out until then'

/** What a reviewer and the customer's notice read about a held operation: no secrets, the account number masked. */
function heldSummary(action: HeldOperationAction, p: Record<string, unknown>): string {
  if (action === 'order') return `${String(p.side)} ${String(p.quantity)} ${String(p.symbol)} (${String(p.type)})`
  if (action === 'destination_change') return `bank ${String(p.bankCode)}-${String(p.branchCode)} ****${String(p.accountNumber).slice(-3)}`
  return `JPY ${String(p.amount)}`
}

/** The customer's brokerage API (A-2 … A-5): instruments, portfolio, deposits, orders, destinations, withdrawals. */
export function brokerageRoutes(
  brokerage: BrokerageContext,
  options: { notices?: BrokerageNotices; destinationCoolingMs?: number; gate?: RiskGate } = {},
): RouteModule {
  const { store, clock, prices } = brokerage
  const notices = options.notices
  const tell = (kind: 'destination_added' | 'destination_removed' | 'withdrawal', details: (r: never) => Record<string, string | number>) =>
    notices === undefined ? undefined : async (r: unknown, customerId: string): Promise<void> => notices.send(customerId, kind, details(r as never))

  /**
   * Queues an order or destination change the risk engine held (C-5, C-6), once per
   * Idempotency-Key like the operation itself; answers 202 with the review id. The customer is
   * told, and the alert points at the hold.
   */
  const hold = (request: FastifyRequest, reply: FastifyReply, operation: string, action: 'order' | 'destination_change', payload: Record<string, unknown>) => {
    const risk = request.risk
    if (risk === undefined) throw new TypeError('a hold without a risk assessment')
    request.accessNote = { ...request.accessNote, outcome: 'held', detail: { riskScore: risk.decision.score, riskAlert: risk.alertId } }
    return idempotent(
      brokerage,
      request,
      reply,
      operation,
      payload,
      async (trx, customerId) => {
        const h = await holdOperation(trx, brokerage.random, clock.now(), {
          customerId,
          action,
          payload,
          score: risk.decision.score,
          reasons: risk.decision.reasons,
        })
        return { status: 'held' as const, reviewId: h.id, action, message: HELD_MESSAGE }
      },
      async (r, customerId) => {
        if (risk.alertId !== null) await options.gate?.linkAlert(risk.alertId, r.reviewId)
        await notices?.send(customerId, 'operation_held', { operation: action, summary: heldSummary(action, payload) })
      },
      202,
    )
  }
  return (app) => {
    app.get(
      '/v1/instruments',
      {
        config: { operation: 'public' },
        schema: {
          summary: 'Every instrument with its current simulated price',
          querystring: z.strictObject({ segment: z.enum(['domestic_large', 'domestic_small', 'foreign_small']).optional() }),
          response: { 200: z.object({ instruments: z.array(instrumentSchema) }), 400: errorBodySchema },
        },
      },
      async (request) => {
        const now = clock.now()
        const all = await listInstruments(store.db)
        const picked = request.query.segment === undefined ? all : all.filter((i) => i.segment === request.query.segment)
        return { instruments: picked.map((i) => ({ ...i, price: prices.priceAt(i.symbol, now) })) }
      },
    )

    app.get(
      '/v1/instruments/:symbol',
      {
        config: { operation: 'public' },
        schema: {
          summary: 'One instrument with its current simulated price',
          params: z.strictObject({ symbol }),
          response: { 200: instrumentSchema, 400: errorBodySchema, 422: errorBodySchema },
        },
      },
      async (request) => {
        const i = await getInstrument(store.db, request.params.symbol)
        return { ...i, price: prices.priceAt(i.symbol, clock.now()) }
      },
    )

    app.get(
      '/v1/portfolio',
      {
        config: { operation: 'read' },
        schema: { summary: 'Cash, reserved cash and holdings at current prices', response: { 200: portfolioSchema, ...errors } },
      },
      async (request) => {
        const p = await getPortfolio(store.db, prices, customerOf(request).id, clock.now())
        return { ...p, holdings: [...p.holdings] }
      },
    )

    app.post(
      '/v1/deposits',
      {
        config: { operation: 'deposit' },
        schema: {
          summary: 'Record money arriving from the customer’s bank (simulated)',
          headers: idempotencyHeaders,
          body: z.strictObject({ amount: yen }),
          response: { 201: depositSchema, ...errors },
        },
      },
      async (request, reply) =>
        idempotent(brokerage, request, reply, 'deposit', request.body, async (trx, customerId) => {
          const d = await recordDeposit(brokerage, trx, customerId, request.body.amount)
          return { id: d.id, amount: d.amount, createdAt: d.createdAt }
        }),
    )

    app.get(
      '/v1/orders',
      {
        config: { operation: 'read' },
        schema: { summary: 'The customer’s orders, newest first', response: { 200: z.object({ orders: z.array(orderSchema) }), ...errors } },
      },
      async (request) => ({ orders: (await listOrders(store.db, customerOf(request).id)).map(publicOrder) }),
    )

    app.post(
      '/v1/orders',
      {
        config: { operation: 'order', holdable: true },
        schema: {
          summary: 'Place a market or limit order; it executes against the simulated feed when it can, unless the risk engine holds it for review (202)',
          headers: idempotencyHeaders,
          body: z.strictObject({
            symbol,
            side: z.enum(['buy', 'sell']),
            type: z.enum(['market', 'limit']),
            quantity: z.number().int().positive().max(1_000_000_000),
            limitPrice: yen.optional(),
            tradingPassword,
          }),
          response: { 201: orderSchema, 202: heldSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { tradingPassword: _checkedByPolicy, ...order } = request.body
        if (request.risk?.enforced === 'hold') return hold(request, reply, 'order', 'order', order)
        return idempotent(brokerage, request, reply, 'order', order, async (trx, customerId) =>
          publicOrder(await placeOrder(brokerage, trx, customerId, order)),
        )
      },
    )

    app.post(
      '/v1/orders/:orderId/cancel',
      {
        // Cancelling only ever protects the customer: a live session is enough, and it is never held.
        config: { operation: 'order', policy: 'handler', risk: 'skip' },
        schema: {
          summary: 'Cancel an open order and release what it reserved',
          headers: idempotencyHeaders,
          params: z.strictObject({ orderId: id }),
          body: z.strictObject({}).nullish(),
          response: { 201: orderSchema, ...errors },
        },
      },
      async (request, reply) =>
        idempotent(brokerage, request, reply, 'order-cancel', request.params, async (trx, customerId) =>
          publicOrder(await cancelOrder(brokerage, trx, customerId, request.params.orderId)),
        ),
    )

    app.get(
      '/v1/destinations',
      {
        config: { operation: 'read' },
        schema: {
          summary: 'Active withdrawal destinations',
          response: { 200: z.object({ destinations: z.array(destinationSchema) }), ...errors },
        },
      },
      async (request) => ({ destinations: (await listDestinations(store.db, customerOf(request).id)).map(publicDestination) }),
    )

    app.post(
      '/v1/destinations',
      {
        config: { operation: 'destination_change', holdable: true },
        schema: {
          summary: 'Register a bank account in the customer’s own name as a withdrawal destination, unless the risk engine holds the change for review (202)',
          headers: idempotencyHeaders,
          body: z.strictObject({
            bankCode: z.string().max(16),
            branchCode: z.string().max(16),
            accountType: z.enum(['ordinary', 'current', 'savings']),
            accountNumber: z.string().max(32),
            holderKana: z.string().min(1).max(128),
            tradingPassword,
            confirmation,
          }),
          response: { 201: destinationSchema, 202: heldSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { tradingPassword: _checkedByPolicy, confirmation: _confirmed, ...destination } = request.body
        if (request.risk?.enforced === 'hold') return hold(request, reply, 'destination-add', 'destination_change', destination)
        return idempotent(
          brokerage,
          request,
          reply,
          'destination-add',
          destination,
          async (trx, customerId) => publicDestination(await registerDestination(brokerage, trx, customerId, destination)),
          tell('destination_added', (d: z.infer<typeof destinationSchema>) => ({
            bankCode: d.bankCode,
            branchCode: d.branchCode,
            accountNumber: d.accountNumber,
            coolingUntil: d.createdAt + (options.destinationCoolingMs ?? 0),
          })),
        )
      },
    )

    app.post(
      '/v1/destinations/:destinationId/remove',
      {
        config: {
          operation: 'destination_change',
          confirmFields: (request) => ({ remove: (request.params as { destinationId?: string }).destinationId }),
        },
        schema: {
          summary: 'Remove a withdrawal destination',
          headers: idempotencyHeaders,
          params: z.strictObject({ destinationId: id }),
          body: z.strictObject({ tradingPassword, confirmation }).nullish(),
          response: { 201: destinationSchema, ...errors },
        },
      },
      async (request, reply) => {
        return idempotent(
          brokerage,
          request,
          reply,
          'destination-remove',
          request.params,
          async (trx, customerId) => publicDestination(await removeDestination(brokerage, trx, customerId, request.params.destinationId)),
          tell('destination_removed', (d: z.infer<typeof destinationSchema>) => ({
            bankCode: d.bankCode,
            branchCode: d.branchCode,
            accountNumber: d.accountNumber,
          })),
        )
      },
    )

    app.get(
      '/v1/withdrawals',
      {
        config: { operation: 'read' },
        schema: {
          summary: 'The customer’s withdrawals, newest first',
          response: { 200: z.object({ withdrawals: z.array(withdrawalSchema) }), ...errors },
        },
      },
      async (request) => ({ withdrawals: (await listWithdrawals(store.db, customerOf(request).id)).map(publicWithdrawal) }),
    )

    app.post(
      '/v1/withdrawals',
      {
        config: { operation: 'withdrawal', holdable: true },
        schema: {
          summary: 'Request a withdrawal to a registered destination; the amount is reserved at once, and the withdrawal is approved or held for review',
          headers: idempotencyHeaders,
          body: z.strictObject({ destinationId: id, amount: yen, tradingPassword, confirmation }),
          response: { 201: withdrawalSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { tradingPassword: _checkedByPolicy, confirmation: _confirmed, ...withdrawal } = request.body
        let account = ''
        let link: [alertId: string, reviewId: string] | undefined
        const told = tell('withdrawal', (w: z.infer<typeof withdrawalSchema>) => ({ amount: w.amount, status: w.status, accountNumber: account }))
        return idempotent(
          brokerage,
          request,
          reply,
          'withdrawal',
          withdrawal,
          async (trx, customerId) => {
            const risk = request.risk
            const held = risk?.enforced === 'hold' ? risk : undefined
            const w = await requestWithdrawal(brokerage, trx, customerId, withdrawal, held === undefined ? {} : { hold: `risk: ${held.decision.reasons[0]?.id ?? 'engine'}` })
            if (held !== undefined) {
              const h = await holdOperation(trx, brokerage.random, clock.now(), {
                customerId,
                action: 'withdrawal',
                payload: { amount: w.amount, destinationId: w.destinationId },
                withdrawalId: w.id,
                score: held.decision.score,
                reasons: held.decision.reasons,
              })
              request.accessNote = { ...request.accessNote, outcome: 'held', detail: { riskScore: held.decision.score, riskAlert: held.alertId, reviewId: h.id } }
              if (held.alertId !== null) link = [held.alertId, h.id]
            }
            account = (await getDestinationRow(trx, customerId, w.destinationId)).account_number
            return publicWithdrawal(w)
          },
          async (w, customerId) => {
            if (link !== undefined) await options.gate?.linkAlert(...link)
            await told?.(w, customerId)
          },
        )
      },
    )

    app.post(
      '/v1/withdrawals/:withdrawalId/cancel',
      {
        // Cancelling only ever protects the customer: a live session is enough, and it is never held.
        config: { operation: 'withdrawal', policy: 'handler', risk: 'skip' },
        schema: {
          summary: 'Cancel a withdrawal that has not been sent; the cash returns',
          headers: idempotencyHeaders,
          params: z.strictObject({ withdrawalId: id }),
          body: z.strictObject({}).nullish(),
          response: { 201: withdrawalSchema, ...errors },
        },
      },
      async (request, reply) =>
        idempotent(brokerage, request, reply, 'withdrawal-cancel', request.params, async (trx, customerId) =>
          publicWithdrawal(await cancelWithdrawal(brokerage, trx, customerId, request.params.withdrawalId)),
        ),
    )
  }
}

function publicOrder(o: import('../../brokerage/index.js').Order): z.infer<typeof orderSchema> {
  const { customerId: _c, ...rest } = o
  return rest
}
function publicDestination(d: import('../../brokerage/index.js').Destination): z.infer<typeof destinationSchema> {
  const { customerId: _c, ...rest } = d
  return rest
}
function publicWithdrawal(w: import('../../brokerage/index.js').Withdrawal): z.infer<typeof withdrawalSchema> {
  const { customerId: _c, ...rest } = w
  return rest
}
