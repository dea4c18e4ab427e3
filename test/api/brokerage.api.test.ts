/**
 * The customer brokerage API (A-2 … A-5) over real HTTP against the whole server (startServer),
 * once per dialect. Every route: its happy path, its refusals by stable error code, and — for a
 * refused state-changing request — proof that nothing was written (portfolio, listings and the
 * ledger's transfer count are unchanged, and the ledger still verifies). Attacks covered here:
 * replayed and raced Idempotency-Keys, parallel spending of one balance, and reaching another
 * customer's orders, destinations and withdrawals by id.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCustomer, sendApprovedWithdrawals } from '../../src/brokerage/index.js'
import { verifyLedger } from '../../src/ledger/index.js'
import { api, type Api, type ApiOptions, type ApiResponse } from '../support/http.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'

interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> }
}
interface InstrumentJson {
  symbol: string
  name: string
  market: string
  segment: 'domestic_large' | 'domestic_small' | 'foreign_small'
  price: number
  marketCap: number
  avgDailyVolume: number
  lotSize: number
}
interface HoldingJson {
  symbol: string
  quantity: number
  reserved: number
  price: number
  value: number
}
interface PortfolioJson {
  cash: number
  cashReserved: number
  totalValue: number
  holdings: HoldingJson[]
}
interface DepositJson {
  id: string
  amount: number
  createdAt: number
}
interface OrderJson {
  id: string
  symbol: string
  side: 'buy' | 'sell'
  type: 'market' | 'limit'
  quantity: number
  limitPrice: number | null
  status: 'open' | 'filled' | 'cancelled'
  filledPrice: number | null
  filledAt: number | null
  createdAt: number
}
interface DestinationJson {
  id: string
  bankCode: string
  branchCode: string
  accountType: 'ordinary' | 'current' | 'savings'
  accountNumber: string
  holderKana: string
  status: 'active' | 'removed'
  createdAt: number
}
interface WithdrawalJson {
  id: string
  destinationId: string
  amount: number
  status: 'requested' | 'held' | 'approved' | 'sent' | 'cancelled'
  statusReason: string | null
  createdAt: number
  updatedAt: number
}

/** A logged-in customer. */
interface Session {
  readonly id: string
  readonly loginId: string
  readonly loginPassword: string
  readonly tradingPassword: string
  readonly token: string
}

/** Well-formed ids (the route's `[a-z]{2,4}_[0-9a-f]{32}`) that were never issued. */
const UNISSUED = {
  order: `ord_${'0'.repeat(32)}`,
  destination: `dst_${'0'.repeat(32)}`,
  withdrawal: `wd_${'0'.repeat(32)}`,
}

const OWN_ACCOUNT = {
  bankCode: '0005',
  branchCode: '123',
  accountType: 'ordinary',
  accountNumber: '1234567',
} as const

function newKey(): string {
  return `test-${randomUUID()}`
}

/** Status and code side by side, so a failure shows both. */
function expectError(res: ApiResponse, status: number, code: string): void {
  const body = res.body as Partial<ErrorJson> | null
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code })
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

describe.each(SERVER_DIALECTS)('the brokerage API over HTTP on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let customerSeq = 0

  beforeAll(async () => {
    ts = await startTestServer(dialect)
    client = api(ts.url)
  })
  afterAll(async () => {
    await ts?.close()
  })

  /** Opens an account through the brokerage service, logs in over HTTP and deposits `cash`. */
  async function openAccount(cash = 0, nameKana = 'サトウ ハナコ'): Promise<Session> {
    const n = ++customerSeq
    const loginId = `api${n}_${randomUUID().slice(0, 8)}`
    const loginPassword = `login passphrase ${n} 守り`
    const tradingPassword = `trading secret ${n}`
    const customer = await createCustomer(ts.server.brokerage, {
      loginId,
      nameKanji: '佐藤 花子',
      nameKana,
      address: '東京都千代田区丸の内1-1-1',
      phone: '090-1234-5678',
      dateOfBirth: '1980-04-01',
      email: `${loginId}@example.jp`,
      loginPassword,
      tradingPassword,
    })
    const login = await client.post<{ token: string }>('/v1/auth/login', { loginId, password: loginPassword })
    expect(login.status).toBe(200)
    const session: Session = { id: customer.id, loginId, loginPassword, tradingPassword, token: login.body.token }
    if (cash > 0) {
      const d = await post(session, '/v1/deposits', { amount: cash })
      expect(d.status).toBe(201)
    }
    return session
  }

  /** A POST as `s` with a fresh Idempotency-Key unless one is given (`key: null` sends none). */
  function post<T = unknown>(
    s: Session,
    path: string,
    body?: unknown,
    options: { key?: string | null } & Omit<ApiOptions, 'body' | 'token'> = {},
  ): Promise<ApiResponse<T>> {
    const { key, headers, ...rest } = options
    const all: Record<string, string> = { ...headers }
    if (key !== null) all['idempotency-key'] = key ?? newKey()
    return client.post<T>(path, body, { ...rest, headers: all, token: s.token })
  }

  function get<T>(s: Session, path: string): Promise<ApiResponse<T>> {
    return client.get<T>(path, { token: s.token })
  }

  async function portfolio(s: Session): Promise<PortfolioJson> {
    const res = await get<PortfolioJson>(s, '/v1/portfolio')
    expect(res.status).toBe(200)
    return res.body
  }

  async function orders(s: Session): Promise<OrderJson[]> {
    const res = await get<{ orders: OrderJson[] }>(s, '/v1/orders')
    expect(res.status).toBe(200)
    return res.body.orders
  }

  async function destinations(s: Session): Promise<DestinationJson[]> {
    const res = await get<{ destinations: DestinationJson[] }>(s, '/v1/destinations')
    expect(res.status).toBe(200)
    return res.body.destinations
  }

  async function withdrawals(s: Session): Promise<WithdrawalJson[]> {
    const res = await get<{ withdrawals: WithdrawalJson[] }>(s, '/v1/withdrawals')
    expect(res.status).toBe(200)
    return res.body.withdrawals
  }

  /** The ledger must verify after every step; returns how many transfers it holds. */
  async function ledgerTransfers(): Promise<number> {
    const v = await verifyLedger(ts.server.store.db)
    expect(v.mismatch).toBeUndefined()
    expect(v.ok).toBe(true)
    return v.transfers
  }

  async function depositRows(s: Session): Promise<number> {
    const row = await ts.server.store.db
      .selectFrom('deposits')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customer_id', '=', s.id)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async function instrument(symbol: string): Promise<InstrumentJson> {
    const res = await client.get<InstrumentJson>(`/v1/instruments/${symbol}`)
    expect(res.status).toBe(200)
    return res.body
  }

  async function registerOwnDestination(s: Session, holderKana = 'ｻﾄｳ ﾊﾅｺ'): Promise<DestinationJson> {
    const res = await post<DestinationJson>(s, '/v1/destinations', {
      ...OWN_ACCOUNT,
      holderKana,
      tradingPassword: s.tradingPassword,
    })
    expect(res.status).toBe(201)
    return res.body
  }

  describe('without a session', () => {
    let someone: Session

    beforeAll(async () => {
      someone = await openAccount()
    })

    const PROTECTED: readonly (readonly [string, string, unknown])[] = [
      ['GET', '/v1/me', undefined],
      ['GET', '/v1/portfolio', undefined],
      ['POST', '/v1/deposits', { amount: 1000 }],
      ['GET', '/v1/orders', undefined],
      ['POST', '/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: 'x' }],
      ['POST', `/v1/orders/${UNISSUED.order}/cancel`, undefined],
      ['GET', '/v1/destinations', undefined],
      ['POST', '/v1/destinations', { ...OWN_ACCOUNT, holderKana: 'ｻﾄｳ ﾊﾅｺ', tradingPassword: 'x' }],
      ['POST', `/v1/destinations/${UNISSUED.destination}/remove`, { tradingPassword: 'x' }],
      ['GET', '/v1/withdrawals', undefined],
      ['POST', '/v1/withdrawals', { destinationId: UNISSUED.destination, amount: 1000, tradingPassword: 'x' }],
      ['POST', `/v1/withdrawals/${UNISSUED.withdrawal}/cancel`, undefined],
    ]

    it.each(PROTECTED)('%s %s is refused with 401 AUTH_REQUIRED', async (method, path, body) => {
      const res = await client.request(method, path, { body, headers: { 'idempotency-key': newKey() } })
      expectError(res, 401, 'AUTH_REQUIRED')
    })

    it.each(PROTECTED)('%s %s is refused with 401 AUTH_REQUIRED for a made-up bearer token', async (method, path, body) => {
      const res = await client.request(method, path, {
        body,
        token: 'A'.repeat(43),
        headers: { 'idempotency-key': newKey() },
      })
      expectError(res, 401, 'AUTH_REQUIRED')
    })

    it('refuses a protected POST before reading its body, so a malformed body still gets AUTH_REQUIRED', async () => {
      const res = await client.request('POST', '/v1/deposits', {
        rawBody: '{"amount":',
        headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
      })
      expectError(res, 401, 'AUTH_REQUIRED')
    })

    it('refuses a token after logout, and nothing the logged-out token sends is written', async () => {
      const login = await client.post<{ token: string }>('/v1/auth/login', {
        loginId: someone.loginId,
        password: someone.loginPassword,
      })
      expect(login.status).toBe(200)
      const token = login.body.token
      expect((await client.get('/v1/portfolio', { token })).status).toBe(200)
      const out = await client.post('/v1/auth/logout', undefined, { token })
      expect(out.status).toBe(204)
      const transfers = await ledgerTransfers()
      const res = await client.post('/v1/deposits', { amount: 1000 }, { token, headers: { 'idempotency-key': newKey() } })
      expectError(res, 401, 'AUTH_REQUIRED')
      expectError(await client.get('/v1/portfolio', { token }), 401, 'AUTH_REQUIRED')
      expect(await ledgerTransfers()).toBe(transfers)
      expect(await depositRows(someone)).toBe(0)
    })
  })

  describe('instruments (public)', () => {
    it('lists every instrument with its price at the frozen clock, without a session', async () => {
      const res = await client.get<{ instruments: InstrumentJson[] }>('/v1/instruments')
      expect(res.status).toBe(200)
      const all = res.body.instruments
      expect(all.length).toBeGreaterThan(50)
      const segments = new Set(all.map((i) => i.segment))
      expect(segments).toEqual(new Set(['domestic_large', 'domestic_small', 'foreign_small']))
      const toyota = all.find((i) => i.symbol === '7203')
      expect(toyota).toMatchObject({ symbol: '7203', market: 'TSE', segment: 'domestic_large', lotSize: 100 })
      for (const i of all) {
        expect(Number.isSafeInteger(i.price) && i.price > 0).toBe(true)
        expect(i.price).toBe(ts.server.brokerage.prices.priceAt(i.symbol, ts.clock.now()))
        expect(i.lotSize).toBe(i.segment === 'foreign_small' ? 1 : 100)
      }
    })

    it('filters by segment', async () => {
      const res = await client.get<{ instruments: InstrumentJson[] }>('/v1/instruments?segment=foreign_small')
      expect(res.status).toBe(200)
      expect(res.body.instruments.length).toBeGreaterThan(0)
      for (const i of res.body.instruments) {
        expect(i.segment).toBe('foreign_small')
        expect(i.lotSize).toBe(1)
      }
      expect(res.body.instruments.some((i) => /^SZ\.\d{6}$/.test(i.symbol))).toBe(true)
    })

    it('refuses an unknown segment and an unknown query parameter with VALIDATION_FAILED', async () => {
      expectError(await client.get('/v1/instruments?segment=crypto'), 400, 'VALIDATION_FAILED')
      expectError(await client.get('/v1/instruments?limit=5'), 400, 'VALIDATION_FAILED')
    })

    it('serves one domestic and one foreign instrument with the same price as the list', async () => {
      const list = await client.get<{ instruments: InstrumentJson[] }>('/v1/instruments')
      const foreign = list.body.instruments.find((i) => i.symbol.startsWith('SZ.'))
      expect(foreign).toBeDefined()
      for (const symbol of ['7203', foreign?.symbol ?? '']) {
        const one = await instrument(symbol)
        expect(one).toEqual(list.body.instruments.find((i) => i.symbol === symbol))
      }
    })

    it('answers INSTRUMENT_UNKNOWN for a well-formed symbol that is not listed', async () => {
      expectError(await client.get('/v1/instruments/0000'), 422, 'INSTRUMENT_UNKNOWN')
    })

    it('refuses a malformed symbol with VALIDATION_FAILED', async () => {
      expectError(await client.get('/v1/instruments/toyota'), 400, 'VALIDATION_FAILED')
      expectError(await client.get(`/v1/instruments/${'9'.repeat(17)}`), 400, 'VALIDATION_FAILED')
    })
  })

  describe('deposits', () => {
    let alice: Session
    let bob: Session

    beforeAll(async () => {
      alice = await openAccount()
      bob = await openAccount()
    })

    it('records a deposit with 201 and credits the cash shown in the portfolio', async () => {
      const before = await portfolio(alice)
      const res = await post<DepositJson>(alice, '/v1/deposits', { amount: 250_000 })
      expect(res.status).toBe(201)
      expect(res.headers.get('idempotent-replayed')).toBeNull()
      expect(res.body).toEqual({ id: expect.stringMatching(/^dep_[0-9a-f]{32}$/), amount: 250_000, createdAt: ts.clock.now() })
      const after = await portfolio(alice)
      expect(after.cash).toBe(before.cash + 250_000)
      expect(after.cashReserved).toBe(before.cashReserved)
      expect(after.totalValue).toBe(before.totalValue + 250_000)
    })

    it('answers a retry with the same key with the same body, marks it replayed and credits the cash once', async () => {
      const key = newKey()
      const before = await portfolio(alice)
      const transfers = await ledgerTransfers()
      const first = await post<DepositJson>(alice, '/v1/deposits', { amount: 7_000 }, { key })
      expect(first.status).toBe(201)
      const retry = await post<DepositJson>(alice, '/v1/deposits', { amount: 7_000 }, { key })
      expect(retry.status).toBe(201)
      expect(retry.body).toEqual(first.body)
      expect(retry.headers.get('idempotent-replayed')).toBe('true')
      expect((await portfolio(alice)).cash).toBe(before.cash + 7_000)
      expect(await ledgerTransfers()).toBe(transfers + 1)
    })

    it('refuses the same key with a different amount with IDEMPOTENCY_KEY_REUSED and credits nothing more', async () => {
      const key = newKey()
      expect((await post(alice, '/v1/deposits', { amount: 1_000 }, { key })).status).toBe(201)
      const before = await portfolio(alice)
      const transfers = await ledgerTransfers()
      expectError(await post(alice, '/v1/deposits', { amount: 2_000 }, { key }), 422, 'IDEMPOTENCY_KEY_REUSED')
      expect(await portfolio(alice)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
    })

    it('scopes keys per customer: another customer using the same key gets a deposit of their own', async () => {
      const key = newKey()
      const mine = await post<DepositJson>(alice, '/v1/deposits', { amount: 3_000 }, { key })
      const theirs = await post<DepositJson>(bob, '/v1/deposits', { amount: 3_000 }, { key })
      expect(mine.status).toBe(201)
      expect(theirs.status).toBe(201)
      expect(theirs.headers.get('idempotent-replayed')).toBeNull()
      expect(theirs.body.id).not.toBe(mine.body.id)
      expect((await portfolio(bob)).cash).toBe(3_000)
    })

    it('refuses a deposit without an Idempotency-Key with IDEMPOTENCY_KEY_REQUIRED and writes nothing', async () => {
      const before = await portfolio(alice)
      const transfers = await ledgerTransfers()
      expectError(await post(alice, '/v1/deposits', { amount: 1_000 }, { key: null }), 400, 'IDEMPOTENCY_KEY_REQUIRED')
      expectError(await post(alice, '/v1/deposits', { amount: 1_000 }, { key: '' }), 400, 'IDEMPOTENCY_KEY_REQUIRED')
      expect(await portfolio(alice)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
    })

    it.each([
      ['shorter than 8 characters', 'abc1234'],
      ['longer than 128 characters', 'k'.repeat(129)],
      ['with spaces', 'key with spaces'],
      ['with a slash', 'deposit/2020-09-01'],
    ])('refuses an Idempotency-Key %s with VALIDATION_FAILED and writes nothing', async (_label, key) => {
      const transfers = await ledgerTransfers()
      expectError(await post(alice, '/v1/deposits', { amount: 1_000 }, { key }), 400, 'VALIDATION_FAILED')
      expect(await ledgerTransfers()).toBe(transfers)
    })

    it.each([
      ['zero', { amount: 0 }],
      ['negative', { amount: -5 }],
      ['fractional', { amount: 1.5 }],
      ['a numeric string', { amount: '1000' }],
      ['10^13 yen', { amount: 1e13 }],
      ['missing', {}],
      ['null', { amount: null }],
      ['an array', { amount: [1000] }],
    ])('refuses an amount that is %s with VALIDATION_FAILED and writes nothing', async (_label, body) => {
      const before = await portfolio(alice)
      const transfers = await ledgerTransfers()
      const rows = await depositRows(alice)
      expectError(await post(alice, '/v1/deposits', body), 400, 'VALIDATION_FAILED')
      expect(await portfolio(alice)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
      expect(await depositRows(alice)).toBe(rows)
    })

    it('accepts the largest amount, 10^13 - 1 yen', async () => {
      const res = await post<DepositJson>(bob, '/v1/deposits', { amount: 9_999_999_999_999 })
      expect(res.status).toBe(201)
      expect((await portfolio(bob)).cash).toBe(3_000 + 9_999_999_999_999)
    })
  })

  describe('request shape', () => {
    let carol: Session
    let destinationId: string

    beforeAll(async () => {
      carol = await openAccount(100_000)
      destinationId = (await registerOwnDestination(carol)).id
    })

    async function expectNothingWritten(run: () => Promise<void>): Promise<void> {
      const before = await portfolio(carol)
      const transfers = await ledgerTransfers()
      const deposits = await depositRows(carol)
      const wds = (await withdrawals(carol)).length
      await run()
      expect(await portfolio(carol)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
      expect(await depositRows(carol)).toBe(deposits)
      expect((await withdrawals(carol)).length).toBe(wds)
    }

    const raw = (path: string, rawBody: string, contentType: string): Promise<ApiResponse> =>
      client.request('POST', path, {
        rawBody,
        token: carol.token,
        headers: { 'content-type': contentType, 'idempotency-key': newKey() },
      })

    it('refuses malformed JSON with MALFORMED_JSON', async () => {
      await expectNothingWritten(async () => {
        expectError(await raw('/v1/deposits', '{"amount":', 'application/json'), 400, 'MALFORMED_JSON')
        expectError(await raw('/v1/deposits', "{'amount': 1000}", 'application/json'), 400, 'MALFORMED_JSON')
        expectError(
          await raw('/v1/withdrawals', `{"destinationId":"${destinationId}","amount":1000,`, 'application/json'),
          400,
          'MALFORMED_JSON',
        )
      })
    })

    it('refuses an empty body declared as JSON with MALFORMED_JSON', async () => {
      await expectNothingWritten(async () => {
        expectError(await raw('/v1/deposits', '', 'application/json'), 400, 'MALFORMED_JSON')
      })
    })

    it('refuses a JSON body that is not an object with VALIDATION_FAILED', async () => {
      await expectNothingWritten(async () => {
        expectError(await raw('/v1/deposits', '1000', 'application/json'), 400, 'VALIDATION_FAILED')
        expectError(await raw('/v1/deposits', '[{"amount":1000}]', 'application/json'), 400, 'VALIDATION_FAILED')
        expectError(await raw('/v1/deposits', 'null', 'application/json'), 400, 'VALIDATION_FAILED')
      })
    })

    it('refuses an unknown field with VALIDATION_FAILED', async () => {
      await expectNothingWritten(async () => {
        expectError(await post(carol, '/v1/deposits', { amount: 1000, currency: 'JPY' }), 400, 'VALIDATION_FAILED')
        expectError(
          await post(carol, '/v1/withdrawals', {
            destinationId,
            amount: 1000,
            tradingPassword: carol.tradingPassword,
            skipReview: true,
          }),
          400,
          'VALIDATION_FAILED',
        )
      })
    })

    it('refuses prototype-poisoning keys (__proto__, constructor.prototype) as MALFORMED_JSON', async () => {
      await expectNothingWritten(async () => {
        for (const body of ['{"amount":1000,"__proto__":{"admin":true}}', '{"amount":1000,"constructor":{"prototype":{"admin":true}}}']) {
          expectError(await raw('/v1/deposits', body, 'application/json'), 400, 'MALFORMED_JSON')
        }
      })
    })

    it('refuses a body over the size limit with 413 BODY_TOO_LARGE', async () => {
      await expectNothingWritten(async () => {
        const big = JSON.stringify({ amount: 1000, pad: 'x'.repeat(200 * 1024) })
        expectError(await raw('/v1/deposits', big, 'application/json'), 413, 'BODY_TOO_LARGE')
      })
    })

    it('refuses text/plain (a CORS simple request) with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      await expectNothingWritten(async () => {
        expectError(await raw('/v1/deposits', '{"amount":1000}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE')
        expectError(await raw('/v1/deposits', 'amount=1000', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE')
        expectError(
          await raw(
            '/v1/withdrawals',
            JSON.stringify({ destinationId, amount: 1000, tradingPassword: carol.tradingPassword }),
            'text/plain;charset=UTF-8',
          ),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        )
      })
    })

    it('answers an unknown route with 404 NOT_FOUND', async () => {
      expectError(await get(carol, '/v1/transfers'), 404, 'NOT_FOUND')
    })
  })

  describe('orders', () => {
    let dave: Session
    let toyota: InstrumentJson
    let foreign: InstrumentJson

    const order = (s: Session, fields: Record<string, unknown>, key?: string): Promise<ApiResponse<OrderJson>> =>
      post<OrderJson>(s, '/v1/orders', { tradingPassword: s.tradingPassword, ...fields }, key === undefined ? {} : { key })

    beforeAll(async () => {
      dave = await openAccount(10_000_000)
      toyota = await instrument('7203')
      const list = await client.get<{ instruments: InstrumentJson[] }>('/v1/instruments?segment=foreign_small')
      const sz = list.body.instruments.find((i) => i.symbol.startsWith('SZ.'))
      if (sz === undefined) throw new Error('no SZ. instrument in the catalogue')
      foreign = sz
    })

    it('fills a market buy at the current price and shows the holding', async () => {
      const before = await portfolio(dave)
      const res = await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 100 })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({
        symbol: '7203',
        side: 'buy',
        type: 'market',
        quantity: 100,
        limitPrice: null,
        status: 'filled',
        filledPrice: toyota.price,
        filledAt: ts.clock.now(),
      })
      expect(res.body.id).toMatch(/^ord_[0-9a-f]{32}$/)
      const after = await portfolio(dave)
      expect(after.cash).toBe(before.cash - toyota.price * 100)
      expect(after.holdings).toContainEqual({
        symbol: '7203',
        quantity: 100,
        reserved: 0,
        price: toyota.price,
        value: toyota.price * 100,
      })
      expect(after.totalValue).toBe(before.totalValue)
      expect((await orders(dave)).map((o) => o.id)).toContain(res.body.id)
      await ledgerTransfers()
    })

    it('fills a foreign market buy of a single share (lot size 1)', async () => {
      const res = await order(dave, { symbol: foreign.symbol, side: 'buy', type: 'market', quantity: 1 })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ status: 'filled', filledPrice: foreign.price, quantity: 1 })
      expect((await portfolio(dave)).holdings).toContainEqual(expect.objectContaining({ symbol: foreign.symbol, quantity: 1 }))
    })

    it('places a retried order with the same key once', async () => {
      const key = newKey()
      const before = await portfolio(dave)
      const first = await order(dave, { symbol: foreign.symbol, side: 'buy', type: 'market', quantity: 2 }, key)
      const retry = await order(dave, { symbol: foreign.symbol, side: 'buy', type: 'market', quantity: 2 }, key)
      expect(first.status).toBe(201)
      expect(retry.status).toBe(201)
      expect(retry.body).toEqual(first.body)
      expect(retry.headers.get('idempotent-replayed')).toBe('true')
      expect((await portfolio(dave)).cash).toBe(before.cash - foreign.price * 2)
      expect((await orders(dave)).filter((o) => o.id === first.body.id)).toHaveLength(1)
    })

    it('fills a market sell of shares held and credits the proceeds', async () => {
      const before = await portfolio(dave)
      const res = await order(dave, { symbol: foreign.symbol, side: 'sell', type: 'market', quantity: 1 })
      expect(res.status).toBe(201)
      expect(res.body.status).toBe('filled')
      const after = await portfolio(dave)
      expect(after.cash).toBe(before.cash + foreign.price)
      expect(after.holdings.find((h) => h.symbol === foreign.symbol)?.quantity).toBe(2)
    })

    async function expectNoOrderWritten(run: () => Promise<void>): Promise<void> {
      const before = await portfolio(dave)
      const count = (await orders(dave)).length
      const transfers = await ledgerTransfers()
      await run()
      expect(await portfolio(dave)).toEqual(before)
      expect((await orders(dave)).length).toBe(count)
      expect(await ledgerTransfers()).toBe(transfers)
    }

    it('refuses selling more shares than held with LEDGER_INSUFFICIENT_SECURITIES', async () => {
      await expectNoOrderWritten(async () => {
        expectError(
          await order(dave, { symbol: '7203', side: 'sell', type: 'market', quantity: 200 }),
          422,
          'LEDGER_INSUFFICIENT_SECURITIES',
        )
        // A resting sell must reserve shares it does not have either.
        expectError(
          await order(dave, { symbol: '7203', side: 'sell', type: 'limit', quantity: 200, limitPrice: toyota.price * 10 }),
          422,
          'LEDGER_INSUFFICIENT_SECURITIES',
        )
        // Shares never held at all.
        expectError(
          await order(dave, { symbol: '6758', side: 'sell', type: 'market', quantity: 100 }),
          422,
          'LEDGER_INSUFFICIENT_SECURITIES',
        )
      })
    })

    it('refuses buying beyond the free cash with LEDGER_INSUFFICIENT_FUNDS', async () => {
      await expectNoOrderWritten(async () => {
        expectError(
          await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 1_000_000 }),
          422,
          'LEDGER_INSUFFICIENT_FUNDS',
        )
        expectError(
          await order(dave, { symbol: '7203', side: 'buy', type: 'limit', quantity: 100_000, limitPrice: toyota.price }),
          422,
          'LEDGER_INSUFFICIENT_FUNDS',
        )
      })
    })

    it('refuses a well-formed but unlisted symbol with INSTRUMENT_UNKNOWN', async () => {
      await expectNoOrderWritten(async () => {
        expectError(await order(dave, { symbol: '0000', side: 'buy', type: 'market', quantity: 100 }), 422, 'INSTRUMENT_UNKNOWN')
        expectError(await order(dave, { symbol: 'SZ.000000', side: 'buy', type: 'market', quantity: 1 }), 422, 'INSTRUMENT_UNKNOWN')
      })
    })

    it('refuses a quantity that is not a multiple of the lot size with ORDER_INVALID', async () => {
      await expectNoOrderWritten(async () => {
        expectError(await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 150 }), 422, 'ORDER_INVALID')
        expectError(await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 1 }), 422, 'ORDER_INVALID')
      })
    })

    it('refuses a limit order without a limitPrice, and a market order with one, with ORDER_INVALID', async () => {
      await expectNoOrderWritten(async () => {
        expectError(await order(dave, { symbol: '7203', side: 'buy', type: 'limit', quantity: 100 }), 422, 'ORDER_INVALID')
        expectError(
          await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 100, limitPrice: toyota.price }),
          422,
          'ORDER_INVALID',
        )
      })
    })

    it.each([
      ['a zero quantity', { quantity: 0 }],
      ['a negative quantity', { quantity: -100 }],
      ['a fractional quantity', { quantity: 100.5 }],
      ['a string quantity', { quantity: '100' }],
      ['an unknown side', { side: 'short' }],
      ['an unknown type', { type: 'stop' }],
      ['a lower-case symbol', { symbol: 'sz.002123' }],
      ['a fractional limitPrice', { type: 'limit', limitPrice: 100.5 }],
      ['a zero limitPrice', { type: 'limit', limitPrice: 0 }],
      ['an empty trading password', { tradingPassword: '' }],
    ])('refuses %s with VALIDATION_FAILED', async (_label, fields) => {
      await expectNoOrderWritten(async () => {
        expectError(
          await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 100, ...fields }),
          400,
          'VALIDATION_FAILED',
        )
      })
    })

    it('refuses a wrong trading password, or the login password, with TRADING_PASSWORD_INVALID and places nothing', async () => {
      await expectNoOrderWritten(async () => {
        for (const tradingPassword of ['wrong trading password', dave.loginPassword]) {
          expectError(
            await order(dave, { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword }),
            403,
            'TRADING_PASSWORD_INVALID',
          )
        }
      })
    })

    it('refuses an order without an Idempotency-Key with IDEMPOTENCY_KEY_REQUIRED', async () => {
      await expectNoOrderWritten(async () => {
        const res = await post(
          dave,
          '/v1/orders',
          { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: dave.tradingPassword },
          { key: null },
        )
        expectError(res, 400, 'IDEMPOTENCY_KEY_REQUIRED')
      })
    })

    it('rests a buy limit far below the price with its cash reserved; cancel releases it; a second cancel is refused', async () => {
      const before = await portfolio(dave)
      const limitPrice = Math.floor(toyota.price / 2)
      const placed = await order(dave, { symbol: '7203', side: 'buy', type: 'limit', quantity: 200, limitPrice })
      expect(placed.status).toBe(201)
      expect(placed.body).toMatchObject({ status: 'open', limitPrice, filledPrice: null, filledAt: null })
      const open = (await orders(dave)).find((o) => o.id === placed.body.id)
      expect(open?.status).toBe('open')
      const resting = await portfolio(dave)
      expect(resting.cash).toBe(before.cash - limitPrice * 200)
      expect(resting.cashReserved).toBe(before.cashReserved + limitPrice * 200)
      expect(resting.totalValue).toBe(before.totalValue)

      const cancelKey = newKey()
      const cancelled = await post<OrderJson>(dave, `/v1/orders/${placed.body.id}/cancel`, undefined, { key: cancelKey })
      expect(cancelled.status).toBe(201)
      expect(cancelled.body).toMatchObject({ id: placed.body.id, status: 'cancelled' })
      expect(await portfolio(dave)).toEqual(before)
      expect((await orders(dave)).find((o) => o.id === placed.body.id)?.status).toBe('cancelled')

      const replay = await post<OrderJson>(dave, `/v1/orders/${placed.body.id}/cancel`, undefined, { key: cancelKey })
      expect(replay.status).toBe(201)
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.body).toEqual(cancelled.body)

      const transfers = await ledgerTransfers()
      expectError(await post(dave, `/v1/orders/${placed.body.id}/cancel`), 409, 'ORDER_NOT_CANCELLABLE')
      expect(await portfolio(dave)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
    })

    it('rests a sell limit far above the price with its shares reserved, and cancel returns them', async () => {
      const before = await portfolio(dave)
      const placed = await order(dave, {
        symbol: '7203',
        side: 'sell',
        type: 'limit',
        quantity: 100,
        limitPrice: toyota.price * 3,
      })
      expect(placed.status).toBe(201)
      expect(placed.body.status).toBe('open')
      const holding = (await portfolio(dave)).holdings.find((h) => h.symbol === '7203')
      expect(holding).toMatchObject({ quantity: 0, reserved: 100 })
      // Reserved shares cannot be sold a second time.
      expectError(
        await order(dave, { symbol: '7203', side: 'sell', type: 'market', quantity: 100 }),
        422,
        'LEDGER_INSUFFICIENT_SECURITIES',
      )
      expect((await post(dave, `/v1/orders/${placed.body.id}/cancel`)).status).toBe(201)
      expect(await portfolio(dave)).toEqual(before)
    })

    it('refuses to cancel a filled order with ORDER_NOT_CANCELLABLE', async () => {
      const filled = (await orders(dave)).find((o) => o.status === 'filled')
      expect(filled).toBeDefined()
      expectError(await post(dave, `/v1/orders/${filled?.id}/cancel`), 409, 'ORDER_NOT_CANCELLABLE')
    })

    it('answers ORDER_NOT_FOUND for an order id never issued, and VALIDATION_FAILED for a malformed one', async () => {
      expectError(await post(dave, `/v1/orders/${UNISSUED.order}/cancel`), 404, 'ORDER_NOT_FOUND')
      expectError(await post(dave, '/v1/orders/not-an-id/cancel'), 400, 'VALIDATION_FAILED')
    })

    it('refuses a cancel without an Idempotency-Key with IDEMPOTENCY_KEY_REQUIRED', async () => {
      const placed = await order(dave, { symbol: '7203', side: 'buy', type: 'limit', quantity: 100, limitPrice: 1 })
      expect(placed.status).toBe(201)
      expectError(await post(dave, `/v1/orders/${placed.body.id}/cancel`, undefined, { key: null }), 400, 'IDEMPOTENCY_KEY_REQUIRED')
      expect((await orders(dave)).find((o) => o.id === placed.body.id)?.status).toBe('open')
      expect((await post(dave, `/v1/orders/${placed.body.id}/cancel`)).status).toBe(201)
    })
  })

  describe('destinations', () => {
    let erin: Session

    beforeAll(async () => {
      erin = await openAccount(500_000)
    })

    const register = (s: Session, fields: Record<string, unknown> = {}): Promise<ApiResponse<DestinationJson>> =>
      post<DestinationJson>(s, '/v1/destinations', {
        ...OWN_ACCOUNT,
        holderKana: 'サトウ ハナコ',
        tradingPassword: s.tradingPassword,
        ...fields,
      })

    async function expectNoDestinationWritten(run: () => Promise<void>): Promise<void> {
      const before = await destinations(erin)
      await run()
      expect(await destinations(erin)).toEqual(before)
    }

    it('registers an account in the customer’s own name written in half-width kana', async () => {
      const res = await register(erin, { holderKana: 'ｻﾄｳ ﾊﾅｺ' })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ ...OWN_ACCOUNT, status: 'active', createdAt: ts.clock.now() })
      expect(res.body.id).toMatch(/^dst_[0-9a-f]{32}$/)
      expect((await destinations(erin)).map((d) => d.id)).toContain(res.body.id)
    })

    it('accepts other spellings of the same name (full-width space, hiragana)', async () => {
      for (const holderKana of ['サトウ\u3000ハナコ', 'さとう はなこ']) {
        const res = await register(erin, { holderKana, accountNumber: holderKana.includes('\u3000') ? '7654321' : '1111111' })
        expect(res.status).toBe(201)
      }
      expect(await destinations(erin)).toHaveLength(3)
    })

    it('refuses a fourth active destination with DESTINATION_INVALID', async () => {
      await expectNoDestinationWritten(async () => {
        expectError(await register(erin, { accountNumber: '2222222' }), 422, 'DESTINATION_INVALID')
      })
    })

    it('removes a destination; it leaves the list and cannot be withdrawn to or removed again', async () => {
      const [first] = await destinations(erin)
      if (first === undefined) throw new Error('no destination')
      const removed = await post<DestinationJson>(erin, `/v1/destinations/${first.id}/remove`, {
        tradingPassword: erin.tradingPassword,
      })
      expect(removed.status).toBe(201)
      expect(removed.body).toMatchObject({ id: first.id, status: 'removed' })
      expect((await destinations(erin)).map((d) => d.id)).not.toContain(first.id)

      const before = await portfolio(erin)
      const transfers = await ledgerTransfers()
      expectError(
        await post(erin, '/v1/withdrawals', { destinationId: first.id, amount: 1_000, tradingPassword: erin.tradingPassword }),
        404,
        'DESTINATION_NOT_FOUND',
      )
      expect(await portfolio(erin)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
      expect(await withdrawals(erin)).toHaveLength(0)

      expectError(
        await post(erin, `/v1/destinations/${first.id}/remove`, { tradingPassword: erin.tradingPassword }),
        404,
        'DESTINATION_NOT_FOUND',
      )
    })

    it('refuses a holder name that is not the customer’s with DESTINATION_NAME_MISMATCH', async () => {
      await expectNoDestinationWritten(async () => {
        for (const holderKana of ['タナカ タロウ', 'サトウ ハナ', 'SATO HANAKO', '佐藤 花子', 'ｻﾄｳ ﾊﾅｺ ｶﾌﾞｼｷｶﾞｲｼｬ']) {
          expectError(await register(erin, { holderKana }), 422, 'DESTINATION_NAME_MISMATCH')
        }
      })
    })

    it.each([
      ['a 2-digit bank code', { bankCode: '12' }],
      ['a bank code with letters', { bankCode: '00a5' }],
      ['a full-width bank code', { bankCode: '０００５' }],
      ['a 2-digit branch code', { branchCode: '12' }],
      ['a 6-digit account number', { accountNumber: '123456' }],
      ['an 8-digit account number', { accountNumber: '12345678' }],
    ])('refuses %s with DESTINATION_INVALID', async (_label, fields) => {
      await expectNoDestinationWritten(async () => {
        expectError(await register(erin, fields), 422, 'DESTINATION_INVALID')
      })
    })

    it.each([
      ['an unknown account type', { accountType: 'checking' }],
      ['a numeric bank code', { bankCode: 5 }],
      ['an over-long bank code', { bankCode: '0'.repeat(17) }],
      ['an empty holder name', { holderKana: '' }],
      ['an unknown field', { isDefault: true }],
    ])('refuses %s with VALIDATION_FAILED', async (_label, fields) => {
      await expectNoDestinationWritten(async () => {
        expectError(await register(erin, fields), 400, 'VALIDATION_FAILED')
      })
    })

    it('refuses a destination change without the factor its policy asks for with STEP_UP_REQUIRED', async () => {
      await expectNoDestinationWritten(async () => {
        expectError(await register(erin, { tradingPassword: undefined }), 403, 'STEP_UP_REQUIRED')
      })
    })

    it('refuses a wrong trading password with TRADING_PASSWORD_INVALID, when adding and when removing', async () => {
      await expectNoDestinationWritten(async () => {
        expectError(await register(erin, { tradingPassword: erin.loginPassword }), 403, 'TRADING_PASSWORD_INVALID')
        const [some] = await destinations(erin)
        expectError(
          await post(erin, `/v1/destinations/${some?.id}/remove`, { tradingPassword: 'not it' }),
          403,
          'TRADING_PASSWORD_INVALID',
        )
      })
    })

    it('answers DESTINATION_NOT_FOUND for removing an id never issued, and VALIDATION_FAILED for a malformed one', async () => {
      expectError(
        await post(erin, `/v1/destinations/${UNISSUED.destination}/remove`, { tradingPassword: erin.tradingPassword }),
        404,
        'DESTINATION_NOT_FOUND',
      )
      expectError(
        await post(erin, '/v1/destinations/../remove', { tradingPassword: erin.tradingPassword }),
        404,
        'NOT_FOUND',
      )
      expectError(
        await post(erin, '/v1/destinations/dst_XYZ/remove', { tradingPassword: erin.tradingPassword }),
        400,
        'VALIDATION_FAILED',
      )
    })

    it('refuses a registration or removal without an Idempotency-Key with IDEMPOTENCY_KEY_REQUIRED', async () => {
      await expectNoDestinationWritten(async () => {
        expectError(
          await post(erin, '/v1/destinations', { ...OWN_ACCOUNT, holderKana: 'ｻﾄｳ ﾊﾅｺ', tradingPassword: erin.tradingPassword }, { key: null }),
          400,
          'IDEMPOTENCY_KEY_REQUIRED',
        )
        const [some] = await destinations(erin)
        expectError(
          await post(erin, `/v1/destinations/${some?.id}/remove`, { tradingPassword: erin.tradingPassword }, { key: null }),
          400,
          'IDEMPOTENCY_KEY_REQUIRED',
        )
      })
    })
  })

  describe('withdrawals', () => {
    let frank: Session
    let destination: DestinationJson

    beforeAll(async () => {
      frank = await openAccount(1_000_000)
      destination = await registerOwnDestination(frank)
    })

    const withdraw = (s: Session, fields: Record<string, unknown>, key?: string): Promise<ApiResponse<WithdrawalJson>> =>
      post<WithdrawalJson>(
        s,
        '/v1/withdrawals',
        { destinationId: destination.id, tradingPassword: s.tradingPassword, ...fields },
        key === undefined ? {} : { key },
      )

    async function expectNoWithdrawalWritten(run: () => Promise<void>): Promise<void> {
      const before = await portfolio(frank)
      const list = await withdrawals(frank)
      const transfers = await ledgerTransfers()
      await run()
      expect(await portfolio(frank)).toEqual(before)
      expect(await withdrawals(frank)).toEqual(list)
      expect(await ledgerTransfers()).toBe(transfers)
    }

    it('approves a withdrawal with 201 and reserves its amount; cancelling returns the cash; a second cancel is refused', async () => {
      const before = await portfolio(frank)
      const res = await withdraw(frank, { amount: 100_000 })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({
        destinationId: destination.id,
        amount: 100_000,
        status: 'approved',
        createdAt: ts.clock.now(),
      })
      expect(res.body.id).toMatch(/^wd_[0-9a-f]{32}$/)
      const reserved = await portfolio(frank)
      expect(reserved.cash).toBe(before.cash - 100_000)
      expect(reserved.cashReserved).toBe(before.cashReserved + 100_000)
      expect(reserved.totalValue).toBe(before.totalValue)
      expect((await withdrawals(frank)).find((w) => w.id === res.body.id)?.status).toBe('approved')

      const cancelKey = newKey()
      const cancelled = await post<WithdrawalJson>(frank, `/v1/withdrawals/${res.body.id}/cancel`, undefined, { key: cancelKey })
      expect(cancelled.status).toBe(201)
      expect(cancelled.body).toMatchObject({ id: res.body.id, status: 'cancelled' })
      expect(await portfolio(frank)).toEqual(before)
      expect((await withdrawals(frank)).find((w) => w.id === res.body.id)?.status).toBe('cancelled')

      const replay = await post<WithdrawalJson>(frank, `/v1/withdrawals/${res.body.id}/cancel`, undefined, { key: cancelKey })
      expect(replay.status).toBe(201)
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(await portfolio(frank)).toEqual(before)

      const transfers = await ledgerTransfers()
      expectError(await post(frank, `/v1/withdrawals/${res.body.id}/cancel`), 409, 'WITHDRAWAL_INVALID_TRANSITION')
      expect(await portfolio(frank)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
    })

    it('refuses a withdrawal beyond the free cash with LEDGER_INSUFFICIENT_FUNDS', async () => {
      await expectNoWithdrawalWritten(async () => {
        const { cash } = await portfolio(frank)
        expectError(await withdraw(frank, { amount: cash + 1 }), 422, 'LEDGER_INSUFFICIENT_FUNDS')
      })
    })

    it('does not let reserved cash be withdrawn twice', async () => {
      const { cash } = await portfolio(frank)
      const first = await withdraw(frank, { amount: cash })
      expect(first.status).toBe(201)
      await expectNoWithdrawalWritten(async () => {
        expectError(await withdraw(frank, { amount: 1 }), 422, 'LEDGER_INSUFFICIENT_FUNDS')
      })
      expect((await post(frank, `/v1/withdrawals/${first.body.id}/cancel`)).status).toBe(201)
      expect((await portfolio(frank)).cash).toBe(cash)
    })

    it.each([
      ['zero', { amount: 0 }],
      ['negative', { amount: -5 }],
      ['fractional', { amount: 1.5 }],
      ['a numeric string', { amount: '1000' }],
      ['10^13 yen', { amount: 1e13 }],
      ['missing', { amount: undefined }],
    ])('refuses an amount that is %s with VALIDATION_FAILED', async (_label, fields) => {
      await expectNoWithdrawalWritten(async () => {
        expectError(await withdraw(frank, fields), 400, 'VALIDATION_FAILED')
      })
    })

    it('refuses a malformed destination id with VALIDATION_FAILED and an unissued one with DESTINATION_NOT_FOUND', async () => {
      await expectNoWithdrawalWritten(async () => {
        expectError(await withdraw(frank, { amount: 1_000, destinationId: 'dst_1' }), 400, 'VALIDATION_FAILED')
        expectError(await withdraw(frank, { amount: 1_000, destinationId: UNISSUED.destination }), 404, 'DESTINATION_NOT_FOUND')
      })
    })

    it('refuses a wrong trading password with TRADING_PASSWORD_INVALID', async () => {
      await expectNoWithdrawalWritten(async () => {
        expectError(await withdraw(frank, { amount: 1_000, tradingPassword: 'guess' }), 403, 'TRADING_PASSWORD_INVALID')
        expectError(await withdraw(frank, { amount: 1_000, tradingPassword: frank.loginPassword }), 403, 'TRADING_PASSWORD_INVALID')
      })
    })

    it('refuses a withdrawal without an Idempotency-Key, and the same key for another amount', async () => {
      await expectNoWithdrawalWritten(async () => {
        const res = await post(
          frank,
          '/v1/withdrawals',
          { destinationId: destination.id, amount: 1_000, tradingPassword: frank.tradingPassword },
          { key: null },
        )
        expectError(res, 400, 'IDEMPOTENCY_KEY_REQUIRED')
      })
      const key = newKey()
      const first = await withdraw(frank, { amount: 2_000 }, key)
      expect(first.status).toBe(201)
      await expectNoWithdrawalWritten(async () => {
        expectError(await withdraw(frank, { amount: 20_000 }, key), 422, 'IDEMPOTENCY_KEY_REUSED')
      })
      expect((await post(frank, `/v1/withdrawals/${first.body.id}/cancel`)).status).toBe(201)
    })

    it('does not hand out a stored answer to a retry with the wrong trading password', async () => {
      const key = newKey()
      const first = await withdraw(frank, { amount: 3_000 }, key)
      expect(first.status).toBe(201)
      const replay = await withdraw(frank, { amount: 3_000, tradingPassword: 'not the password' }, key)
      expectError(replay, 403, 'TRADING_PASSWORD_INVALID')
      expect(replay.headers.get('idempotent-replayed')).toBeNull()
      expect((await post(frank, `/v1/withdrawals/${first.body.id}/cancel`)).status).toBe(201)
    })

    it('answers WITHDRAWAL_NOT_FOUND for cancelling an id never issued, and VALIDATION_FAILED for a malformed one', async () => {
      expectError(await post(frank, `/v1/withdrawals/${UNISSUED.withdrawal}/cancel`), 404, 'WITHDRAWAL_NOT_FOUND')
      expectError(await post(frank, `/v1/withdrawals/${UNISSUED.withdrawal.toUpperCase()}/cancel`), 400, 'VALIDATION_FAILED')
    })

    it('refuses to cancel a withdrawal once it has been sent', async () => {
      const res = await withdraw(frank, { amount: 50_000 })
      expect(res.status).toBe(201)
      const before = await portfolio(frank)
      expect(await sendApprovedWithdrawals(ts.server.brokerage)).toBeGreaterThanOrEqual(1)
      const sent = (await withdrawals(frank)).find((w) => w.id === res.body.id)
      expect(sent?.status).toBe('sent')
      const paid = await portfolio(frank)
      expect(paid.cash).toBe(before.cash)
      expect(paid.cashReserved).toBe(before.cashReserved - 50_000)
      expectError(await post(frank, `/v1/withdrawals/${res.body.id}/cancel`), 409, 'WITHDRAWAL_INVALID_TRANSITION')
      expect(await portfolio(frank)).toEqual(paid)
      await ledgerTransfers()
    })
  })

  describe('across customers', () => {
    let alice: Session
    let mallory: Session
    let aliceDestination: DestinationJson
    let aliceWithdrawal: WithdrawalJson
    let aliceOrder: OrderJson

    beforeAll(async () => {
      ;[alice, mallory] = await Promise.all([openAccount(1_000_000), openAccount(1_000_000)])
      aliceDestination = await registerOwnDestination(alice)
      await registerOwnDestination(mallory)
      const w = await post<WithdrawalJson>(alice, '/v1/withdrawals', {
        destinationId: aliceDestination.id,
        amount: 10_000,
        tradingPassword: alice.tradingPassword,
      })
      expect(w.status).toBe(201)
      aliceWithdrawal = w.body
      const o = await post<OrderJson>(alice, '/v1/orders', {
        symbol: '7203',
        side: 'buy',
        type: 'limit',
        quantity: 100,
        limitPrice: 1,
        tradingPassword: alice.tradingPassword,
      })
      expect(o.status).toBe(201)
      aliceOrder = o.body
    })

    async function aliceUntouched(): Promise<void> {
      expect((await withdrawals(alice)).find((w) => w.id === aliceWithdrawal.id)?.status).toBe('approved')
      expect((await orders(alice)).find((o) => o.id === aliceOrder.id)?.status).toBe('open')
      expect((await destinations(alice)).map((d) => d.id)).toContain(aliceDestination.id)
    }

    it('cannot cancel another customer’s withdrawal: WITHDRAWAL_NOT_FOUND', async () => {
      const before = await portfolio(mallory)
      expectError(await post(mallory, `/v1/withdrawals/${aliceWithdrawal.id}/cancel`), 404, 'WITHDRAWAL_NOT_FOUND')
      expect(await portfolio(mallory)).toEqual(before)
      await aliceUntouched()
    })

    it('cannot withdraw to another customer’s destination: DESTINATION_NOT_FOUND', async () => {
      const before = await portfolio(mallory)
      const transfers = await ledgerTransfers()
      expectError(
        await post(mallory, '/v1/withdrawals', {
          destinationId: aliceDestination.id,
          amount: 1_000,
          tradingPassword: mallory.tradingPassword,
        }),
        404,
        'DESTINATION_NOT_FOUND',
      )
      expect(await portfolio(mallory)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
    })

    it('cannot remove another customer’s destination: DESTINATION_NOT_FOUND', async () => {
      expectError(
        await post(mallory, `/v1/destinations/${aliceDestination.id}/remove`, { tradingPassword: mallory.tradingPassword }),
        404,
        'DESTINATION_NOT_FOUND',
      )
      await aliceUntouched()
    })

    it('cannot cancel another customer’s order: ORDER_NOT_FOUND', async () => {
      expectError(await post(mallory, `/v1/orders/${aliceOrder.id}/cancel`), 404, 'ORDER_NOT_FOUND')
      await aliceUntouched()
    })

    it('never lists another customer’s orders, destinations or withdrawals', async () => {
      expect((await orders(mallory)).map((o) => o.id)).not.toContain(aliceOrder.id)
      expect((await destinations(mallory)).map((d) => d.id)).not.toContain(aliceDestination.id)
      expect((await withdrawals(mallory)).map((w) => w.id)).not.toContain(aliceWithdrawal.id)
    })

    it('does not answer one customer with another’s stored response for the same Idempotency-Key', async () => {
      const key = newKey()
      const hers = await post<WithdrawalJson>(
        alice,
        '/v1/withdrawals',
        { destinationId: aliceDestination.id, amount: 5_000, tradingPassword: alice.tradingPassword },
        { key },
      )
      expect(hers.status).toBe(201)
      // Same key, same fields: a shared key space would replay Alice's withdrawal to Mallory.
      const his = await post(
        mallory,
        '/v1/withdrawals',
        { destinationId: aliceDestination.id, amount: 5_000, tradingPassword: mallory.tradingPassword },
        { key },
      )
      expectError(his, 404, 'DESTINATION_NOT_FOUND')
      expect(his.headers.get('idempotent-replayed')).toBeNull()
    })
  })

  describe('a frozen account', () => {
    let ivy: Session
    let destinationId: string
    let withdrawalId: string

    beforeAll(async () => {
      ivy = await openAccount(200_000)
      destinationId = (await registerOwnDestination(ivy)).id
      const w = await post<WithdrawalJson>(ivy, '/v1/withdrawals', {
        destinationId,
        amount: 20_000,
        tradingPassword: ivy.tradingPassword,
      })
      expect(w.status).toBe(201)
      withdrawalId = w.body.id
      await ts.server.store.db.updateTable('customers').set({ status: 'frozen' }).where('id', '=', ivy.id).execute()
    })

    it('refuses orders, new destinations and withdrawals with 423 CUSTOMER_FROZEN and writes nothing', async () => {
      const before = await portfolio(ivy)
      const transfers = await ledgerTransfers()
      expectError(
        await post(ivy, '/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: ivy.tradingPassword }),
        423,
        'CUSTOMER_FROZEN',
      )
      expectError(
        await post(ivy, '/v1/destinations', { ...OWN_ACCOUNT, accountNumber: '7777777', holderKana: 'ｻﾄｳ ﾊﾅｺ', tradingPassword: ivy.tradingPassword }),
        423,
        'CUSTOMER_FROZEN',
      )
      expectError(
        await post(ivy, '/v1/withdrawals', { destinationId, amount: 1_000, tradingPassword: ivy.tradingPassword }),
        423,
        'CUSTOMER_FROZEN',
      )
      expect(await portfolio(ivy)).toEqual(before)
      expect(await ledgerTransfers()).toBe(transfers)
      expect(await destinations(ivy)).toHaveLength(1)
      expect(await withdrawals(ivy)).toHaveLength(1)
    })

    it('refuses a new password login with the same AUTH_FAILED as a wrong password (a frozen account confirms no stolen password)', async () => {
      const right = await client.post('/v1/auth/login', { loginId: ivy.loginId, password: ivy.loginPassword })
      const wrong = await client.post('/v1/auth/login', { loginId: ivy.loginId, password: 'not her password at all' })
      expectError(right, 401, 'AUTH_FAILED')
      expectError(wrong, 401, 'AUTH_FAILED')
      expect(right.body).toEqual(wrong.body)
    })

    it('still lets the customer cancel a pending withdrawal, so the money stays with the broker', async () => {
      const before = await portfolio(ivy)
      const res = await post<WithdrawalJson>(ivy, `/v1/withdrawals/${withdrawalId}/cancel`)
      expect(res.status).toBe(201)
      expect(res.body.status).toBe('cancelled')
      expect((await portfolio(ivy)).cash).toBe(before.cash + 20_000)
    })
  })

  describe('concurrency', () => {
    let grace: Session
    let destinationId: string

    beforeAll(async () => {
      grace = await openAccount(1_000_000)
      destinationId = (await registerOwnDestination(grace)).id
    })

    it('answers 50 parallel identical withdrawals with one Idempotency-Key with one withdrawal, reserved once', async () => {
      const before = await portfolio(grace)
      const key = newKey()
      const body = { destinationId, amount: 10_000, tradingPassword: grace.tradingPassword }
      const results = await Promise.all(
        Array.from({ length: 50 }, () => post<WithdrawalJson>(grace, '/v1/withdrawals', body, { key })),
      )
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(201))
      const ids = new Set(results.map((r) => r.body.id))
      expect(ids.size).toBe(1)
      expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(49)
      const list = await withdrawals(grace)
      expect(list).toHaveLength(1)
      expect(list[0]?.id).toBe(results[0]?.body.id)
      const after = await portfolio(grace)
      expect(after.cash).toBe(before.cash - 10_000)
      expect(after.cashReserved).toBe(before.cashReserved + 10_000)
      await ledgerTransfers()
    })

    it('lets parallel withdrawals with different keys reserve at most the free cash; the rest get LEDGER_INSUFFICIENT_FUNDS', async () => {
      const before = await portfolio(grace)
      const amount = 100_000
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          post<WithdrawalJson>(grace, '/v1/withdrawals', { destinationId, amount, tradingPassword: grace.tradingPassword }),
        ),
      )
      const accepted = results.filter((r) => r.status === 201)
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 422, 'LEDGER_INSUFFICIENT_FUNDS')
      const acceptedYen = sum(accepted.map((r) => r.body.amount))
      expect(acceptedYen).toBeLessThanOrEqual(before.cash)
      // Serialized spenders: every request that could be paid was.
      expect(accepted).toHaveLength(Math.floor(before.cash / amount))
      expect(new Set(accepted.map((r) => r.body.id)).size).toBe(accepted.length)
      const after = await portfolio(grace)
      expect(after.cash).toBe(before.cash - acceptedYen)
      expect(after.cashReserved).toBe(before.cashReserved + acceptedYen)
      expect(after.cash).toBeGreaterThanOrEqual(0)
      expect((await withdrawals(grace)).length).toBe(1 + accepted.length)
      await ledgerTransfers()
    })

    it('lets parallel buy orders with different keys spend at most the free cash', async () => {
      const hank = await openAccount(1_000_000)
      const toyota = await instrument('7203')
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          post<OrderJson>(hank, '/v1/orders', {
            symbol: '7203',
            side: 'buy',
            type: 'market',
            quantity: 100,
            tradingPassword: hank.tradingPassword,
          }),
        ),
      )
      const filled = results.filter((r) => r.status === 201)
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 422, 'LEDGER_INSUFFICIENT_FUNDS')
      expect(filled).toHaveLength(Math.floor(1_000_000 / (toyota.price * 100)))
      const after = await portfolio(hank)
      expect(after.cash).toBe(1_000_000 - filled.length * toyota.price * 100)
      expect(after.holdings.find((h) => h.symbol === '7203')?.quantity).toBe(filled.length * 100)
      await ledgerTransfers()
    })

    it('lets exactly one of 10 parallel cancels of one withdrawal succeed, returning the cash once', async () => {
      const w = await post<WithdrawalJson>(grace, '/v1/withdrawals', {
        destinationId,
        amount: 1_000,
        tradingPassword: grace.tradingPassword,
      })
      expect(w.status).toBe(201)
      const before = await portfolio(grace)
      const results = await Promise.all(Array.from({ length: 10 }, () => post(grace, `/v1/withdrawals/${w.body.id}/cancel`)))
      expect(results.filter((r) => r.status === 201)).toHaveLength(1)
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 409, 'WITHDRAWAL_INVALID_TRANSITION')
      const after = await portfolio(grace)
      expect(after.cash).toBe(before.cash + 1_000)
      expect(after.cashReserved).toBe(before.cashReserved - 1_000)
      await ledgerTransfers()
    })

    it('lets exactly one of 10 parallel cancels of one resting order succeed, releasing the reserve once', async () => {
      const o = await post<OrderJson>(grace, '/v1/orders', {
        symbol: '7203',
        side: 'buy',
        type: 'limit',
        quantity: 100,
        limitPrice: 10,
        tradingPassword: grace.tradingPassword,
      })
      expect(o.status).toBe(201)
      expect(o.body.status).toBe('open')
      const before = await portfolio(grace)
      const results = await Promise.all(Array.from({ length: 10 }, () => post(grace, `/v1/orders/${o.body.id}/cancel`)))
      expect(results.filter((r) => r.status === 201)).toHaveLength(1)
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 409, 'ORDER_NOT_CANCELLABLE')
      const after = await portfolio(grace)
      expect(after.cash).toBe(before.cash + 1_000)
      expect(after.cashReserved).toBe(before.cashReserved - 1_000)
      await ledgerTransfers()
    })

    it('credits 20 parallel deposits with one Idempotency-Key once', async () => {
      const before = await portfolio(grace)
      const key = newKey()
      const results = await Promise.all(
        Array.from({ length: 20 }, () => post<DepositJson>(grace, '/v1/deposits', { amount: 1_234 }, { key })),
      )
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(201))
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1)
      expect((await portfolio(grace)).cash).toBe(before.cash + 1_234)
      await ledgerTransfers()
    })
  })

  describe('system routes', () => {
    it('lists every brokerage path and method in GET /openapi.json, with session security on customer routes', async () => {
      const res = await client.get<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>('/openapi.json')
      expect(res.status).toBe(200)
      const expected: readonly (readonly [string, string, boolean])[] = [
        ['/v1/instruments', 'get', false],
        ['/v1/instruments/{symbol}', 'get', false],
        ['/v1/portfolio', 'get', true],
        ['/v1/deposits', 'post', true],
        ['/v1/orders', 'get', true],
        ['/v1/orders', 'post', true],
        ['/v1/orders/{orderId}/cancel', 'post', true],
        ['/v1/destinations', 'get', true],
        ['/v1/destinations', 'post', true],
        ['/v1/destinations/{destinationId}/remove', 'post', true],
        ['/v1/withdrawals', 'get', true],
        ['/v1/withdrawals', 'post', true],
        ['/v1/withdrawals/{withdrawalId}/cancel', 'post', true],
        ['/v1/auth/login', 'post', false],
        ['/v1/me', 'get', true],
      ]
      for (const [path, method, secured] of expected) {
        const operation = res.body.paths[path]?.[method]
        expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined()
        if (secured) expect(operation?.security, `${method.toUpperCase()} ${path}`).toEqual([{ sessionCookie: [] }, { bearer: [] }])
        else expect(operation?.security, `${method.toUpperCase()} ${path}`).toBeUndefined()
      }
    })

    it('answers GET /healthz and GET /metrics without a session', async () => {
      const health = await client.get('/healthz')
      expect(health.status).toBe(200)
      expect(health.body).toEqual({ status: 'ok', database: 'ok' })
      const metrics = await client.get('/metrics')
      expect(metrics.status).toBe(200)
      expect(String(metrics.body)).toContain('route="/v1/withdrawals"')
    })
  })
})
