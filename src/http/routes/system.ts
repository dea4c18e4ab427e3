import { sql } from 'kysely'
import { z } from 'zod'
import { MamoriError } from '../../errors/index.js'
import type { RouteModule } from '../app.js'
import { errorBodySchema } from '../errorBody.js'

const HEALTH_TIMEOUT_MS = 2000

async function pingDatabase(run: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS)
  })
  try {
    return await Promise.race([run().then(() => true), timeout])
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** GET /healthz, GET /metrics and GET /openapi.json: no customer data, no session. */
export const systemRoutes: RouteModule = (app, { store, metrics }) => {
  app.get(
    '/healthz',
    {
      config: { operation: 'public' },
      schema: {
        summary: 'Liveness and database reachability',
        response: {
          200: z.object({ status: z.literal('ok'), database: z.literal('ok') }),
          503: errorBodySchema,
        },
      },
    },
    async (request) => {
      const ok = await pingDatabase(() => sql`select 1`.execute(store.db))
      if (!ok) {
        request.log.error('health check: database did not answer')
        throw new MamoriError('UNAVAILABLE', 'database unavailable')
      }
      return { status: 'ok' as const, database: 'ok' as const }
    },
  )

  app.get('/metrics', { config: { operation: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })

  app.get('/openapi.json', { config: { operation: 'public' }, schema: { hide: true } }, async () => app.swagger())
}
