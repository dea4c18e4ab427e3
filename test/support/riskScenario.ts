/*
 * Shared steps of the risk-guard tests: clients on real public addresses (X-Forwarded-For, the
 * server trusting its proxy), and a customer with a year of history from home.
 */
import { createHash, randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { placeOrder, recordDeposit, registerDestination } from '../../src/brokerage/index.js'
import { enrichAccess } from '../../src/risk/events/index.js'
import { cryptoRandom } from '../../src/runtime/index.js'
import { newCustomer, type FrontDoorCustomer } from './frontDoorSteps.js'
import { api, type Api, type ApiOptions, type ApiResponse } from './http.js'
import { sharedIntel, type TestServer } from './server.js'

const DAY = 86_400_000
export const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/85.0.4183.83 Safari/537.36'
export const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:80.0) Gecko/20100101 Firefox/80.0'

export interface Origin {
  readonly ip: string
  readonly userAgent: string
}
/** A victim's home: an OCN line in Tokyo (AS4713), Chrome on Windows; one address per victim. */
let homes = 0
const nextHome = (): Origin => ({ ip: `153.156.77.${31 + (++homes % 200)}`, userAgent: CHROME_WINDOWS })
/** A residential proxy on another OCN address, with the victim's browser string copied: the careful attacker. */
export const PROXY: Origin = { ip: '114.160.3.4', userAgent: CHROME_WINDOWS }
/** A rented server abroad (Vultr, US): the careless attacker. */
export const ABROAD: Origin = { ip: '45.76.10.10', userAgent: FIREFOX_LINUX }
/** An address no intelligence can vouch for, with no user agent: a misconfigured proxy or a script. */
export const UNVOUCHED: Origin = { ip: '10.20.30.40', userAgent: '' }

export const REVIEW_TOKEN = 'review-token-for-tests-0123456789abcdef'

/** A client that always comes from `origin` (X-Forwarded-For, User-Agent) and keeps its device. */
export function from(ts: TestServer, origin: Origin): Api {
  const c = api(ts.url)
  const withOrigin = (o: ApiOptions = {}): ApiOptions => ({
    ...o,
    headers: { 'x-forwarded-for': origin.ip, 'user-agent': origin.userAgent, ...o.headers },
  })
  return {
    request: <T = unknown>(method: string, path: string, o?: ApiOptions): Promise<ApiResponse<T>> => c.request<T>(method, path, withOrigin(o)),
    post: <T = unknown>(path: string, body?: unknown, o?: Omit<ApiOptions, 'body'>): Promise<ApiResponse<T>> => c.post<T>(path, body, withOrigin(o)),
    get: <T = unknown>(path: string, o?: Omit<ApiOptions, 'body' | 'rawBody'>): Promise<ApiResponse<T>> => c.get<T>(path, withOrigin(o)),
    deviceToken: () => c.deviceToken(),
  }
}
export type Client = Api

export const once = (): { headers: Record<string, string> } => ({ headers: { 'idempotency-key': randomUUID() } })

export interface Victim extends FrontDoorCustomer {
  /** The victim's own browser at home, its device known to a year of history. */
  readonly home: Client
  readonly destinationId: string
}

/**
 * A customer with a year of history from home on one device (recorded as the access recorder
 * would have), ¥3,000,000 of cash, 1,000 shares of 7203 and a destination registered long ago.
 */
export async function victimWithHistory(ts: TestServer): Promise<Victim> {
  const c = await newCustomer(ts, 'sbi')
  const b = ts.server.brokerage
  const origin = nextHome()
  const home = from(ts, origin)
  // The victim's browser gets its device the way every browser does, on its first login request
  // (which, with no history yet, asks for a second factor; it is left there).
  const first = await home.post<{ status: string }>('/v1/auth/login', { loginId: c.loginId, password: c.password })
  expect(first.status, JSON.stringify(first.body)).toBe(200)
  expect(first.body.status).toBe('factor_required')
  const token = home.deviceToken()
  let deviceId: string | null = null
  if (token !== undefined) {
    const row = await b.store.db
      .selectFrom('devices')
      .select('id')
      .where('token_hash', '=', createHash('sha256').update(token, 'utf8').digest('hex'))
      .executeTakeFirst()
    deviceId = row?.id ?? null
  }
  expect(deviceId, 'the home browser has a device').not.toBeNull()
  await b.store.db.updateTable('devices').set({ customer_id: c.id }).where('id', '=', deviceId!).execute()
  const intel = await sharedIntel()
  const now = ts.clock.now()
  for (let week = 1; week <= 52; week++) {
    for (const action of ['login', 'order'] as const) {
      const event = enrichAccess(
        {
          at: now - week * 7 * DAY - (action === 'order' ? 60_000 : 0),
          customerId: c.id,
          sessionHash: null,
          action,
          outcome: 'success',
          ip: origin.ip,
          userAgent: origin.userAgent,
          deviceId,
          detail: action === 'order' ? { symbol: '7203', side: 'buy', quantity: 100 } : {},
        },
        intel,
        cryptoRandom,
      )
      ts.server.accessLog.record(event)
      if (action === 'login') ts.server.riskGate.observeLogin(event)
    }
  }
  await ts.server.accessLog.flush()
  await b.store.transaction((trx) => recordDeposit(b, trx, c.id, 5_000_000))
  await b.store.transaction((trx) => placeOrder(b, trx, c.id, { symbol: '7203', side: 'buy', type: 'market', quantity: 1000 }))
  const dest = await b.store.transaction((trx) =>
    registerDestination(b, trx, c.id, { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '1234567', holderKana: 'サトウ ハナコ' }),
  )
  await b.store.db.updateTable('withdrawal_destinations').set({ created_at: now - 200 * DAY }).where('id', '=', dest.id).execute()
  return { ...c, home, destinationId: dest.id }
}

/** A password login that must complete at once. */
export async function loginSession(client: Client, c: { loginId: string; password: string }): Promise<string> {
  const r = await client.post<{ status: string; token?: string }>('/v1/auth/login', { loginId: c.loginId, password: c.password })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  expect(r.body.status, JSON.stringify(r.body)).toBe('complete')
  return r.body.token!
}

/**
 * Polls `read` until it returns something (up to 5 s): attempt alerts are scored after the answer
 * is sent, so a test reads them a moment later.
 */
export async function eventually<T>(read: () => Promise<readonly T[]>): Promise<readonly T[]> {
  let rows = await read()
  for (let i = 0; i < 100 && rows.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50))
    rows = await read()
  }
  return rows
}
