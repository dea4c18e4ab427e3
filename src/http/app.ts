import type { IncomingMessage, ServerResponse } from 'node:http'
import fastifyCookie from '@fastify/cookie'
import fastifySwagger from '@fastify/swagger'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify'
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod'
import type { Logger } from 'pino'
import { SessionService } from '../auth/index.js'
import type { FrozenConfig } from '../config/index.js'
import type { Clock, Random } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { authenticateHook, type DeviceLookup } from './authenticate.js'
import { toErrorResponse } from './errorResponse.js'
import { createHttpMetrics, type HttpMetrics } from './metrics.js'
import { checkRouteConfig, routeAuth } from './routeConfig.js'
import { systemRoutes } from './routes/system.js'
import { SESSION_COOKIE, STAFF_COOKIE } from './sessionCookie.js'

/** The Fastify instance route modules receive: Zod schemas type the request and the reply. */
export type ApiInstance = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>

/** What every route module may use. */
export interface RouteContext {
  readonly config: FrozenConfig
  readonly store: Store
  readonly clock: Clock
  readonly random: Random
  readonly sessions: SessionService
  readonly metrics: HttpMetrics
}

/**
 * A group of routes. Each route must set `config.operation` (and `config.auth` where the default
 * does not fit); see routeConfig.ts. Each module runs in its own Fastify encapsulation scope.
 */
export type RouteModule = (app: ApiInstance, ctx: RouteContext) => void | Promise<void>

/** Everything buildApp needs; nothing is read from the environment or global state. */
export interface AppDeps {
  config: FrozenConfig
  store: Store
  clock: Clock
  random: Random
  logger: Logger
  routes: readonly RouteModule[]
  /** The session service to share with the rest of the server; one is made when omitted. */
  sessions?: SessionService
  /** Finds a request's device; without it sessions are not device-bound. */
  deviceOf?: DeviceLookup
  /** Runs after validation, before every handler: the per-operation policy (B-8). */
  policyHook?: (request: FastifyRequest) => Promise<void>
  /** Runs after the policy hook, before every handler: the risk engine's decision (C-4). */
  riskHook?: (request: FastifyRequest) => Promise<void>
  /** Runs when each response is sent: records the access (C-1). */
  onAccess?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** Staff routes (D-1): finds the staff session and checks the route's permission, before any body is read. */
  staffAuth?: (request: FastifyRequest) => Promise<void>
  /** Runs when each staff route's response is sent: the audit row of the call, refused ones included (D-8). */
  onStaffResponse?: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

const SECURITY_SCHEMES = {
  sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
  bearer: { type: 'http', scheme: 'bearer' },
  staffCookie: { type: 'apiKey', in: 'cookie', name: STAFF_COOKIE },
} as const

/**
 * Builds the HTTP API (E-1): Zod-validated JSON routes, one error shape, session authentication,
 * GET /healthz, GET /metrics, GET /openapi.json, then `deps.routes`. Returns a ready (not yet
 * listening) instance; a route without a declared operation makes this reject.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, clock, random } = deps
  const logger: FastifyBaseLogger = deps.logger
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    // A client-chosen request id would let a caller forge log correlation.
    requestIdHeader: false,
  })
  const sessions =
    deps.sessions ??
    new SessionService({
    store,
    clock,
    random,
    idleMs: config.session.idleMinutes * 60_000,
    absoluteMs: config.session.absoluteHours * 3_600_000,
  })
  const metrics = createHttpMetrics()
  const ctx: RouteContext = Object.freeze({ config, store, clock, random, sessions, metrics })

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // JSON only. A text/plain POST is a CORS "simple request" a hostile page can send without a
  // preflight; refusing it closes that CSRF path regardless of cookies.
  app.removeContentTypeParser('text/plain')

  app.addHook('onRoute', (route) => checkRouteConfig(route))

  app.setErrorHandler((err, request, reply) => {
    const response = toErrorResponse(err)
    request.errorCode = response.body.error.code
    if (response.serverFault) request.log.error({ err }, 'request failed')
    else request.log.info({ errorCode: response.body.error.code }, response.body.error.message)
    return reply.code(response.status).send(response.body)
  })
  app.setNotFoundHandler((_request, reply) => {
    const response = toErrorResponse(Object.assign(new Error('not found'), { code: 'FST_ERR_NOT_FOUND' }))
    return reply.code(response.status).send(response.body)
  })

  await app.register(fastifyCookie)
  app.decorateRequest('customer', undefined)
  app.decorateRequest('staff', undefined)
  app.decorateRequest('errorCode', undefined)
  app.decorateRequest('accessNote', undefined)
  app.decorateRequest('risk', undefined)
  app.decorateRequest('passkeyConfirmed', false)
  if (deps.onAccess !== undefined) app.addHook('onResponse', deps.onAccess)
  app.addHook('onRequest', authenticateHook(sessions, deps.deviceOf ?? (async () => null)))
  if (deps.staffAuth !== undefined) app.addHook('onRequest', deps.staffAuth)
  if (deps.onStaffResponse !== undefined) app.addHook('onResponse', deps.onStaffResponse)
  if (deps.policyHook !== undefined) app.addHook('preHandler', deps.policyHook)
  if (deps.riskHook !== undefined) app.addHook('preHandler', deps.riskHook)
  app.addHook('onSend', async (_request, reply, payload) => {
    // API answers are per customer: never cached by browsers or proxies.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    return payload
  })
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'),
      status_code: String(reply.statusCode),
    }
    metrics.requests.inc(labels)
    metrics.duration.observe(labels, reply.elapsedTime / 1000)
  })

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Mamori API', version: '0.1.0' },
      components: { securitySchemes: { ...SECURITY_SCHEMES } },
    },
    transform: (document) => {
      const transformed = jsonSchemaTransform(document)
      const routeConfig = document.route.config ?? {}
      const schema: Record<string, unknown> = { ...transformed.schema, 'x-mamori-operation': routeConfig.operation }
      if (routeAuth(routeConfig) === 'customer') schema.security = [{ sessionCookie: [] }, { bearer: [] }]
      if (routeAuth(routeConfig) === 'staff') {
        schema.security = [{ staffCookie: [] }, { bearer: [] }]
        schema['x-mamori-permission'] = routeConfig.permission
      }
      return { schema, url: transformed.url }
    },
  })

  for (const routes of [systemRoutes, ...deps.routes]) {
    await app.register(async (scope) => {
      await routes(scope.withTypeProvider<ZodTypeProvider>(), ctx)
    })
  }
  await app.ready()
  return app
}
