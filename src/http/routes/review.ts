import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { z } from 'zod'
import { MamoriError } from '../../errors/index.js'
import type { ReviewService } from '../../guards/reviewService.js'
import type { HeldOperation } from '../../guards/reviewQueue.js'
import type { RouteModule } from '../app.js'
import { errorBodySchema } from '../errorBody.js'

const heldId = z.string().regex(/^hld_[0-9a-f]{32}$/, 'a review id issued by Mamori')
const reasonSchema = z.object({
  source: z.string(),
  id: z.string(),
  severity: z.string(),
  reason: z.string(),
  shadow: z.boolean(),
  points: z.number(),
})
const heldSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  action: z.enum(['order', 'destination_change', 'withdrawal']),
  status: z.enum(['held', 'released', 'cancelled']),
  payload: z.record(z.string(), z.unknown()),
  withdrawalId: z.string().nullable(),
  score: z.number().int(),
  reasons: z.array(reasonSchema),
  createdAt: z.number().int(),
  resolvedAt: z.number().int().nullable(),
  resolvedBy: z.string().nullable(),
  resolutionReason: z.string().nullable(),
})
const resolutionBody = z.strictObject({
  reason: z.string().max(1000).describe('Why: required, recorded with the resolution'),
  reviewer: z.string().min(1).max(200).describe('Who resolves it'),
})
const errors = { 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema, 423: errorBodySchema }

/**
 * The minimal review queue over HTTP (C-5, C-6): list the operations the risk engine held, and
 * release or cancel one with a recorded reason. Guarded by the `review.token` bearer token,
 * compared in constant time; served only when one is configured. Customer PII beyond what the
 * operation carries is not shown; the bank account number is masked. The operator side (D-1 …
 * D-3) replaces the token with staff accounts, roles and four-eyes approval.
 */
export function reviewRoutes(review: ReviewService, token: string): RouteModule {
  const expected = digest(token)
  const authorize = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : ''
    if (!timingSafeEqual(digest(given), expected)) throw new MamoriError('AUTH_REQUIRED', 'a valid review token is required')
  }
  const config = { operation: 'review', auth: 'none' } as const
  return (app) => {
    app.addHook('onRequest', authorize)

    app.get(
      '/v1/review/held',
      {
        config,
        schema: {
          summary: 'Operations held by the risk engine, newest first',
          querystring: z.strictObject({
            status: z.enum(['held', 'released', 'cancelled']).optional(),
            limit: z.coerce.number().int().min(1).max(1000).optional(),
          }),
          response: { 200: z.object({ held: z.array(heldSchema) }), ...errors },
        },
      },
      async (request) => {
        const { status, limit } = request.query
        const held = await review.list({ ...(status === undefined ? {} : { status }), ...(limit === undefined ? {} : { limit }) })
        return { held: held.map(publicHeld) }
      },
    )

    app.get(
      '/v1/review/held/:id',
      { config, schema: { summary: 'One held operation', params: z.strictObject({ id: heldId }), response: { 200: heldSchema, ...errors } } },
      async (request) => publicHeld(await review.get(request.params.id)),
    )

    app.post(
      '/v1/review/held/:id/release',
      {
        config,
        schema: {
          summary: 'Release a held operation: it runs now (the order is placed, the destination registered, the withdrawal approved)',
          params: z.strictObject({ id: heldId }),
          body: resolutionBody,
          response: { 200: heldSchema, ...errors },
        },
      },
      async (request) =>
        publicHeld(await review.release(request.params.id, { by: request.body.reviewer, reason: request.body.reason })),
    )

    app.post(
      '/v1/review/held/:id/cancel',
      {
        config,
        schema: {
          summary: 'Cancel a held operation: it never runs; a held withdrawal’s money returns to the customer’s cash',
          params: z.strictObject({ id: heldId }),
          body: resolutionBody,
          response: { 200: heldSchema, ...errors },
        },
      },
      async (request) =>
        publicHeld(await review.cancel(request.params.id, { by: request.body.reviewer, reason: request.body.reason })),
    )
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** A held operation as a reviewer sees it: the destination's account number masked. */
export function publicHeld(h: HeldOperation): z.infer<typeof heldSchema> {
  const payload: Record<string, unknown> = { ...h.payload }
  if (typeof payload.accountNumber === 'string') payload.accountNumber = `****${payload.accountNumber.slice(-3)}`
  if (typeof payload.holderKana === 'string') payload.holderKana = `${payload.holderKana.slice(0, 1)}***`
  return {
    id: h.id,
    customerId: h.customerId,
    action: h.action,
    status: h.status,
    payload,
    withdrawalId: h.withdrawalId,
    score: h.score,
    reasons: [...h.reasons],
    createdAt: h.createdAt,
    resolvedAt: h.resolvedAt,
    resolvedBy: h.resolvedBy,
    resolutionReason: h.resolutionReason,
  }
}
