import type { Insertable } from 'kysely'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { hashPassword } from '../../src/auth/index.js'
import { loadConfig, type FrozenConfig } from '../../src/config/index.js'
import { buildApp, createLogger, type RouteModule } from '../../src/http/index.js'
import { cryptoRandom, systemClock, type Clock, type Random } from '../../src/runtime/index.js'
import type { CustomersTable, Store } from '../../src/store/index.js'

/** An app listening on 127.0.0.1 on a free port. */
export interface RunningApp {
  readonly baseUrl: string
  close(): Promise<void>
}

/** Starts a built app on 127.0.0.1, port 0 (real HTTP, not inject). */
export async function startApp(app: FastifyInstance): Promise<RunningApp> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() }
}

/** A test configuration: defaults plus overrides, never the process environment. */
export function testConfig(overrides: Record<string, Record<string, unknown>> = {}): FrozenConfig {
  return loadConfig({ env: {}, overrides: { log: { level: 'silent' }, ...overrides } })
}

/** Log lines written by an app under test, parsed. */
export class LogCapture {
  readonly lines: string[] = []
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback): void => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
      callback()
    },
  })

  get text(): string {
    return this.lines.join('\n')
  }
}

export interface TestAppOptions {
  store: Store
  routes?: readonly RouteModule[]
  clock?: Clock
  random?: Random
  config?: FrozenConfig
  /** Capture log output (at 'trace') instead of discarding it. */
  logs?: LogCapture
}

/** A running app over real HTTP, plus the instance for closing. */
export interface TestApp extends RunningApp {
  readonly app: FastifyInstance
}

/** Builds and starts an app with test defaults. Close it in afterAll/afterEach. */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const config = options.config ?? testConfig()
  const logger =
    options.logs === undefined ? createLogger('silent') : createLogger('trace', options.logs.stream)
  const app = await buildApp({
    config,
    store: options.store,
    clock: options.clock ?? systemClock,
    random: options.random ?? cryptoRandom,
    logger,
    routes: options.routes ?? [],
  })
  const running = await startApp(app)
  return { ...running, app }
}

/** What `api` returns: the status, the parsed body (JSON, else text, else null) and the headers. */
export interface ApiResponse<T = unknown> {
  status: number
  body: T
  headers: Headers
}

export interface ApiOptions {
  /** Sent as JSON. */
  body?: unknown
  /** Sent as is (for malformed-input tests); set content-type in `headers`. */
  rawBody?: string | Uint8Array
  headers?: Record<string, string>
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string
  /** Sent as the Cookie header, e.g. `__Host-mamori_session=...`. */
  cookie?: string
}

/** A small fetch wrapper: JSON in, JSON out. */
export interface Api {
  request<T = unknown>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>
  get<T = unknown>(path: string, options?: Omit<ApiOptions, 'body' | 'rawBody'>): Promise<ApiResponse<T>>
  post<T = unknown>(path: string, body?: unknown, options?: Omit<ApiOptions, 'body'>): Promise<ApiResponse<T>>
  /** The device token the server issued to this client, if any (sent back as x-mamori-device). */
  deviceToken(): string | undefined
}

/** A client for `baseUrl`. */
export function api(baseUrl: string): Api {
  let device: string | undefined
  async function request<T>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    let body: string | Uint8Array | undefined
    if (options.rawBody !== undefined) body = options.rawBody
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body)
      headers['content-type'] ??= 'application/json'
    }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    // Like a browser keeps its device cookie, the client keeps the device token it was given.
    if (device !== undefined && headers['x-mamori-device'] === undefined) headers['x-mamori-device'] = device
    if (options.cookie !== undefined) headers.cookie = options.cookie
    const res = await fetch(new URL(path, baseUrl), { method, headers, body })
    const text = await res.text()
    let parsed: unknown = text === '' ? null : text
    if (text !== '' && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text)
    const issued = (parsed as { deviceToken?: unknown } | null)?.deviceToken
    if (typeof issued === 'string') device = issued
    return { status: res.status, body: parsed as T, headers: res.headers }
  }
  return {
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    deviceToken: () => device,
  }
}

/** The `name=value` of a Set-Cookie header for `name`, ready to send back as a Cookie header. */
export function cookieFrom(res: ApiResponse, name: string): string | undefined {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';', 1)[0] ?? ''
    if (pair.startsWith(`${name}=`)) return pair
  }
  return undefined
}

export interface TestCustomer {
  readonly id: string
  readonly loginId: string
  readonly password: string
  readonly tradingPassword: string
}

let customerSeq = 0

/**
 * Inserts a customer row directly (argon2id hashes of the given passwords), for tests that
 * must not depend on the brokerage service that normally creates customers.
 */
export async function insertTestCustomer(
  store: Store,
  fields: Partial<Omit<Insertable<CustomersTable>, 'login_password_hash' | 'trading_password_hash'>> & {
    password?: string
    tradingPassword?: string
  } = {},
): Promise<TestCustomer> {
  const n = ++customerSeq
  const { password = `login pass ${n} 守り`, tradingPassword = `trading pass ${n}`, ...rest } = fields
  const row: Insertable<CustomersTable> = {
    id: `cus_test_${process.pid}_${n}`,
    login_id: `user${n}`,
    name_kanji: '山田 太郎',
    name_kana: 'ヤマダ タロウ',
    address: '東京都千代田区丸の内1-1-1',
    phone: '03-1234-5678',
    date_of_birth: '1980-04-01',
    email: `user${n}@example.jp`,
    status: 'active',
    created_at: Date.UTC(2025, 0, 1),
    ...rest,
    login_password_hash: await hashPassword(password),
    trading_password_hash: await hashPassword(tradingPassword),
  }
  await store.db.insertInto('customers').values(row).execute()
  return { id: row.id, loginId: row.login_id, password, tradingPassword }
}
