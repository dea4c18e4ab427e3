import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { api, startTestApp, testConfig, type Api, type TestApp } from '../../test/support/http.js'
import { DIALECTS, sqliteCase } from '../../test/support/dialects.js'
import type { Store } from '../store/index.js'
import { buildApp, createLogger, type RouteModule } from './index.js'
import { ERROR_CODES } from '../errors/index.js'
import { ERROR_STATUS } from './errorStatus.js'
import { cryptoRandom, systemClock } from '../runtime/index.js'

interface ErrorJson {
  error: { code: string; message: string; details?: unknown }
}

const BODY_LIMIT = 1024

const testRoutes: RouteModule = (app) => {
  app.post(
    '/test/echo',
    {
      config: { operation: 'public' },
      schema: {
        body: z.strictObject({ name: z.string().max(50), nested: z.strictObject({ n: z.number().int() }).optional() }),
        response: { 200: z.object({ name: z.string() }) },
      },
    },
    async (request) => ({ name: request.body.name }),
  )
  app.get('/test/boom', { config: { operation: 'public' } }, async () => {
    throw new Error('database password is hunter2 at /srv/mamori/secret.ts:42')
  })
  app.get('/test/private', { config: { operation: 'read' } }, async (request) => ({ id: request.customer?.id }))
}

describe.each(DIALECTS)('http app on $dialect', (dc) => {
  let store: Store
  let running: TestApp
  let client: Api

  beforeAll(async () => {
    store = await dc.open()
    running = await startTestApp({
      store,
      routes: [testRoutes],
      config: testConfig({ http: { bodyLimitBytes: BODY_LIMIT } }),
    })
    client = api(running.baseUrl)
  })
  afterAll(async () => {
    await running.close()
    await store.close()
  })

  it('answers /healthz after a database round trip', async () => {
    const res = await client.get('/healthz')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ status: 'ok', database: 'ok' })
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('describes every route in /openapi.json, with the operation and the session requirement', async () => {
    const res = await client.get<{ openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> }>(
      '/openapi.json',
    )
    expect(res.status).toBe(200)
    expect(res.body.openapi).toMatch(/^3\./)
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/test/echo', '/test/private']))
    expect(res.body.paths['/test/echo']?.post?.['x-mamori-operation']).toBe('public')
    expect(res.body.paths['/test/echo']?.post?.requestBody).toBeDefined()
    expect(res.body.paths['/test/private']?.get?.security).toEqual([{ sessionCookie: [] }, { bearer: [] }])
    expect(res.body.paths['/healthz']?.get?.security).toBeUndefined()
  })

  it('exposes Prometheus metrics with the request counter labelled by route pattern and status', async () => {
    await client.get('/healthz')
    await client.get('/no/such/path/12345')
    const res = await client.get<string>('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    expect(res.body).toMatch(/mamori_http_requests_total\{method="GET",route="\/healthz",status_code="200"\} \d+/)
    expect(res.body).toContain('mamori_http_request_duration_seconds_bucket')
    expect(res.body).toContain('process_cpu_user_seconds_total')
    // A probe of a random path is counted under one label, not its own.
    expect(res.body).toContain('route="unmatched",status_code="404"')
    expect(res.body).not.toContain('12345')
  })

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await client.request<ErrorJson>('POST', '/test/echo', {
      rawBody: '{"name": "a",',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('MALFORMED_JSON')
  })

  it('answers an empty JSON body with 400 MALFORMED_JSON', async () => {
    const res = await client.request<ErrorJson>('POST', '/test/echo', {
      rawBody: '',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('MALFORMED_JSON')
  })

  it('answers a body over the configured limit with 413 BODY_TOO_LARGE', async () => {
    const res = await client.post<ErrorJson>('/test/echo', { name: 'x'.repeat(BODY_LIMIT) })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('BODY_TOO_LARGE')
  })

  it('refuses non-JSON bodies, text/plain included, with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await client.request<ErrorJson>('POST', '/test/echo', {
        rawBody: 'name=a',
        headers: { 'content-type': contentType },
      })
      expect(res.status).toBe(415)
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE')
    }
  })

  it('rejects an unknown field with 400 VALIDATION_FAILED naming it', async () => {
    const res = await client.post<ErrorJson>('/test/echo', { name: 'a', isAdmin: true })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.message).toContain('isAdmin')
  })

  it('names the nested field that failed validation', async () => {
    const res = await client.post<ErrorJson>('/test/echo', { name: 'a', nested: { n: 'one' } })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('VALIDATION_FAILED')
    expect(res.body.error.message).toContain('body.nested.n')
  })

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const res = await client.get<ErrorJson>('/v1/nothing-here')
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } })
  })

  it('answers a thrown plain Error with 500 INTERNAL and nothing of the error itself', async () => {
    const res = await client.get<ErrorJson>('/test/boom')
    expect(res.status).toBe(500)
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'an internal error occurred' } })
    const raw = JSON.stringify(res.body)
    expect(raw).not.toContain('hunter2')
    expect(raw).not.toContain('secret.ts')
    expect(raw).not.toContain('at ')
  })

  it('requires a session on a route whose operation is not public, even without an explicit auth', async () => {
    const res = await client.get<ErrorJson>('/test/private')
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe('AUTH_REQUIRED')
    const forged = await client.get<ErrorJson>('/test/private', { token: 'A'.repeat(43) })
    expect(forged.status).toBe(401)
  })
})

// SQLite only: a closed store is enough to show the mapping, and a second PostgreSQL store in one
// file would only exercise the dialect harness.
describe('health check without a database', () => {
  it('answers 503 UNAVAILABLE from /healthz when the database is gone', async () => {
    const own = await sqliteCase.open()
    const app = await startTestApp({ store: own })
    try {
      await own.close()
      const res = await api(app.baseUrl).get<ErrorJson>('/healthz')
      expect(res.status).toBe(503)
      expect(res.body.error.code).toBe('UNAVAILABLE')
    } finally {
      await app.close()
    }
  })
})

describe('route declarations', () => {
  const deps = {
    config: testConfig(),
    // Never touched: start-up fails before any request.
    store: undefined as never,
    clock: systemClock,
    random: cryptoRandom,
    logger: createLogger('silent'),
  }

  it('refuses to start when a route does not declare its operation', async () => {
    const undeclared: RouteModule = (app) => {
      app.get('/v1/forgotten', async () => ({}))
    }
    await expect(buildApp({ ...deps, routes: [undeclared] })).rejects.toThrow(/GET \/v1\/forgotten must declare config.operation/)
  })

  it('refuses to start when a route declares an unknown operation or auth mode', async () => {
    const unknownOperation: RouteModule = (app) => {
      app.get('/v1/odd', { config: { operation: 'anything' as never } }, async () => ({}))
    }
    await expect(buildApp({ ...deps, routes: [unknownOperation] })).rejects.toThrow(TypeError)
    const unknownAuth: RouteModule = (app) => {
      app.get('/v1/odd', { config: { operation: 'read', auth: 'operator' as never } }, async () => ({}))
    }
    await expect(buildApp({ ...deps, routes: [unknownAuth] })).rejects.toThrow(/config.auth/)
    // A staff route that forgets its permission would otherwise serve every staff role.
    const noPermission: RouteModule = (app) => {
      app.get('/v1/staff/odd', { config: { operation: 'staff' } }, async () => ({}))
    }
    await expect(buildApp({ ...deps, routes: [noPermission] })).rejects.toThrow(/needs config.operation 'staff' and a config.permission/)
    const customerRouteWithPermission: RouteModule = (app) => {
      app.get('/v1/odd', { config: { operation: 'read', permission: 'self' } }, async () => ({}))
    }
    await expect(buildApp({ ...deps, routes: [customerRouteWithPermission] })).rejects.toThrow(/declares a permission but is not a staff route/)
  })
})

describe('error status table', () => {
  it('maps every error code to a 4xx or 5xx status', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_STATUS[code], code).toBeGreaterThanOrEqual(400)
      expect(ERROR_STATUS[code], code).toBeLessThan(600)
    }
  })
})
