/*
 * The risk engine in front of every operation (C-4 … C-6), over real HTTP, with the engine
 * enforcing and clients on real public addresses (the server trusts X-Forwarded-For here, as it
 * would behind the broker's load balancer).
 *
 * SBI 2020 (seed 000): the attackers had the login ID, the login password and the trading
 * password (reused), opened bank accounts in the victims' names with forged papers, changed the
 * withdrawal destination, sold and withdrew. The test replays that sequence under a 2020-style
 * policy (password login, trading password for money) — so that what stops it is the risk engine,
 * not the passkey rule — and shows where it is stopped and that no money leaves.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyLedger } from '../../src/ledger/index.js'
import { api } from '../support/http.js'
import { ABROAD, CHROME_WINDOWS, eventually, from, loginSession, once, PROXY, REVIEW_TOKEN, UNVOUCHED, victimWithHistory, type Client } from '../support/riskScenario.js'
import { CORE_ONLY_AUTH, CORE_ONLY_POLICY, SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'

/** Money that left the broker for `customerId`: withdrawals sent or on their way to the bank. */
async function moneyOut(ts: TestServer, customerId: string): Promise<{ toOthers: number; total: number }> {
  const rows = await ts.server.store.db
    .selectFrom('withdrawals')
    .innerJoin('withdrawal_destinations', 'withdrawal_destinations.id', 'withdrawals.destination_id')
    .select(['withdrawals.amount', 'withdrawals.status', 'withdrawal_destinations.account_number'])
    .where('withdrawals.customer_id', '=', customerId)
    .where('withdrawals.status', 'in', ['approved', 'sent'])
    .execute()
  let toOthers = 0
  let total = 0
  for (const r of rows) {
    total += Number(r.amount)
    if (r.account_number !== '1234567') toOthers += Number(r.amount)
  }
  return { toOthers, total }
}

const FORGED = { bankCode: '0009', branchCode: '456', accountType: 'ordinary', accountNumber: '7777777', holderKana: 'サトウ ハナコ' }

describe.each(SERVER_DIALECTS)('risk guards over HTTP on %s (2020-style policy, engine enforcing)', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      overrides: {
        http: { trustProxy: true },
        risk: { mode: 'enforce', engine: { thresholds: { order: { hold: 50, freeze: 95 } } } },
        review: { token: REVIEW_TOKEN },
        auth: { ...CORE_ONLY_AUTH },
        policy: { ...CORE_ONLY_POLICY },
        guards: { destinationCoolingHours: 72 },
      },
    })
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('SBI 2020 from a server abroad: the correct login ID and password are refused at login, with the answer a wrong password gets', async () => {
    const victim = await victimWithHistory(ts)
    const attacker = from(ts, ABROAD)
    const login = await attacker.post<{ token?: string; error?: { code: string } }>('/v1/auth/login', {
      loginId: victim.loginId,
      password: victim.password,
    })
    expect(login.status).toBe(401)
    expect(login.body.error?.code).toBe('AUTH_FAILED')
    expect(login.body.token).toBeUndefined()
    const alert = await ts.server.store.db
      .selectFrom('risk_alerts')
      .selectAll()
      .where('customer_id', '=', victim.id)
      .where('action', '=', 'login')
      .where('ip', '=', ABROAD.ip)
      .executeTakeFirstOrThrow()
    expect(alert.enforced).toBe('deny')
    const reasons = (JSON.parse(alert.reasons_json) as { id: string }[]).map((r) => r.id)
    expect(reasons).toContain('rba')
    expect(reasons).toContain('newEnvironment')
    expect(await moneyOut(ts, victim.id)).toEqual({ toOthers: 0, total: 0 })
  })

  it('SBI 2020 through a residential proxy on the victim’s own ISP with her browser string: in, but the destination change is held, the withdrawal has nowhere to go, no money leaves', async () => {
    const victim = await victimWithHistory(ts)
    const attacker = from(ts, PROXY)
    // 1. Login: the same ISP and browser as the victim; a new device only. The engine lets it in and the victim is told.
    const token = await loginSession(attacker, victim)
    expect(await victim.inbox.count('notice.new_device')).toBe(1)

    // 2. Destination change to the forged same-name account: held for review (202), not registered.
    const change = await attacker.post<{ status: string; reviewId: string }>('/v1/destinations', { ...FORGED, tradingPassword: victim.tradingPassword }, { token, ...once() })
    expect(change.status, JSON.stringify(change.body)).toBe(202)
    expect(change.body.status).toBe('held')
    const destinations = await attacker.get<{ destinations: { accountNumber: string }[] }>('/v1/destinations', { token })
    expect(destinations.body.destinations.map((d) => d.accountNumber)).toEqual(['1234567'])
    expect(await victim.inbox.count('notice.destination_change_held')).toBe(1)

    // 3. Sell everything: the order is judged too (it may execute: the money stays in the account).
    const sell = await attacker.post('/v1/orders', { symbol: '7203', side: 'sell', type: 'market', quantity: 1000, tradingPassword: victim.tradingPassword }, { token, ...once() })
    expect([201, 202]).toContain(sell.status)

    // 4. Withdraw to the held change: there is no such destination.
    const withdraw = await attacker.post('/v1/withdrawals', { destinationId: change.body.reviewId, amount: 1_000_000, tradingPassword: victim.tradingPassword }, { token, ...once() })
    expect(withdraw.status).toBeGreaterThanOrEqual(400)
    expect(await moneyOut(ts, victim.id)).toEqual({ toOthers: 0, total: 0 })

    // 5. The analyst sees why, and cancels it with a reason.
    const reviewer = api(ts.url)
    const held = await reviewer.get<{ held: { id: string; action: string; reasons: { id: string }[]; payload: Record<string, unknown> }[] }>('/v1/review/held?status=held', { token: REVIEW_TOKEN })
    expect(held.status).toBe(200)
    const mine = held.body.held.find((h) => h.id === change.body.reviewId)!
    expect(mine.action).toBe('destination_change')
    expect(mine.reasons.map((r) => r.id)).toContain('destinationChangeFromUnseenOrigin')
    expect(mine.payload.accountNumber).toBe('****777')
    const cancelled = await reviewer.post<{ status: string; resolvedBy: string }>(`/v1/review/held/${mine.id}/cancel`, { reason: 'customer confirms she made no change', reviewer: 'analyst-1' }, { token: REVIEW_TOKEN })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body).toMatchObject({ status: 'cancelled', resolvedBy: 'analyst-1' })
    expect((await verifyLedger(ts.server.store.db)).ok).toBe(true)
  })

  it('the victim herself, at home on her own browser: no step-up, her destination change and order go straight through', async () => {
    const victim = await victimWithHistory(ts)
    const token = await loginSession(victim.home, victim)
    const change = await victim.home.post('/v1/destinations', { ...FORGED, accountNumber: '2345678', tradingPassword: victim.tradingPassword }, { token, ...once() })
    expect(change.status, JSON.stringify(change.body)).toBe(201)
    const buy = await victim.home.post('/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: victim.tradingPassword }, { token, ...once() })
    expect(buy.status, JSON.stringify(buy.body)).toBe(201)
    expect(await victim.inbox.count('notice.login_new_environment')).toBe(0)
  })

  it('the victim on a new laptop at a relative’s home on another ISP: asked for the e-mailed code, then in, and told where the login came from', async () => {
    const victim = await victimWithHistory(ts)
    const laptop = from(ts, { ip: '106.72.1.9', userAgent: CHROME_WINDOWS })
    const login = await laptop.post<{ status: string; options?: string[][]; flowToken?: string }>('/v1/auth/login', { loginId: victim.loginId, password: victim.password })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    expect(login.body.status).toBe('factor_required')
    expect(login.body.options).toEqual([['email_code']])
    const flowToken = login.body.flowToken!
    expect((await laptop.post('/v1/auth/flow/email-code/send', { flowToken, purpose: 'login' })).status).toBe(200)
    const done = await laptop.post<{ status: string }>('/v1/auth/flow/email-code', { flowToken, purpose: 'login', code: await victim.inbox.code('login') })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body.status).toBe('complete')
    expect(await victim.inbox.count('notice.login_new_environment')).toBe(1)
  })

  it('holds a withdrawal and an order from an address nothing can vouch for; the review queue releases one and cancels the other, each with a reason', async () => {
    const victim = await victimWithHistory(ts)
    const token = await loginSession(victim.home, victim)
    const odd = from(ts, UNVOUCHED)
    const cashBefore = await cashOf(victim.home, token)
    const wd = await odd.post<{ id: string; status: string }>('/v1/withdrawals', { destinationId: victim.destinationId, amount: 100_000, tradingPassword: victim.tradingPassword }, {
      token,
      headers: { 'x-mamori-device': victim.home.deviceToken()!, 'idempotency-key': randomUUID() },
    })
    expect(wd.status, JSON.stringify(wd.body)).toBe(201)
    expect(wd.body.status).toBe('held')
    expect(await cashOf(victim.home, token)).toBe(cashBefore - 100_000)
    const order = await odd.post<{ status: string; reviewId: string }>('/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: victim.tradingPassword }, {
      token,
      headers: { 'x-mamori-device': victim.home.deviceToken()!, 'idempotency-key': randomUUID() },
    })
    expect(order.status, JSON.stringify(order.body)).toBe(202)
    expect(order.body.status).toBe('held')

    const reviewer = api(ts.url)
    const list = await reviewer.get<{ held: { id: string; action: string; withdrawalId: string | null; customerId: string }[] }>('/v1/review/held', { token: REVIEW_TOKEN })
    const heldWithdrawal = list.body.held.find((h) => h.withdrawalId === wd.body.id)!
    expect(heldWithdrawal.customerId).toBe(victim.id)

    // Bad input changes nothing: no token, a wrong token, an empty reason, an unknown id.
    expect((await reviewer.get('/v1/review/held')).status).toBe(401)
    expect((await reviewer.get('/v1/review/held', { token: `${REVIEW_TOKEN}x` })).status).toBe(401)
    const empty = await reviewer.post<{ error: { code: string } }>(`/v1/review/held/${heldWithdrawal.id}/cancel`, { reason: '  ', reviewer: 'analyst-1' }, { token: REVIEW_TOKEN })
    expect(empty.status).toBe(400)
    expect(empty.body.error.code).toBe('REASON_REQUIRED')
    const unknown = await reviewer.post<{ error: { code: string } }>(`/v1/review/held/hld_${'0'.repeat(32)}/release`, { reason: 'x', reviewer: 'analyst-1' }, { token: REVIEW_TOKEN })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('HELD_OPERATION_NOT_FOUND')
    expect(await cashOf(victim.home, token)).toBe(cashBefore - 100_000)

    // Cancel the withdrawal: the money comes back. Release the order: it executes now.
    const cancel = await reviewer.post(`/v1/review/held/${heldWithdrawal.id}/cancel`, { reason: 'not made by the customer', reviewer: 'analyst-1' }, { token: REVIEW_TOKEN })
    expect(cancel.status).toBe(200)
    expect(await cashOf(victim.home, token)).toBe(cashBefore)
    const release = await reviewer.post<{ status: string }>(`/v1/review/held/${order.body.reviewId}/release`, { reason: 'customer confirmed by phone', reviewer: 'analyst-2' }, { token: REVIEW_TOKEN })
    expect(release.status, JSON.stringify(release.body)).toBe(200)
    expect(release.body.status).toBe('released')
    const orders = await victim.home.get<{ orders: { quantity: number; status: string }[] }>('/v1/orders', { token })
    expect(orders.body.orders.filter((o) => o.status === 'filled').map((o) => o.quantity)).toContain(100)
    const again = await reviewer.post<{ error: { code: string } }>(`/v1/review/held/${order.body.reviewId}/release`, { reason: 'twice', reviewer: 'analyst-2' }, { token: REVIEW_TOKEN })
    expect(again.status).toBe(409)
    expect(again.body.error.code).toBe('HELD_OPERATION_RESOLVED')
    expect((await verifyLedger(ts.server.store.db)).ok).toBe(true)
  })
})

async function cashOf(client: Client, token: string): Promise<number> {
  const p = await client.get<{ cash: number }>('/v1/portfolio', { token })
  expect(p.status).toBe(200)
  return p.body.cash
}

describe('SBI 2020 under the default (JSDA) policy', () => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer('sqlite', { defaultPolicy: true, overrides: { http: { trustProxy: true }, risk: { mode: 'enforce' } } })
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('stops at login: the login ID and both passwords are not enough without the victim’s phone, passkey or mailbox', async () => {
    const victim = await victimWithHistory(ts)
    const attacker = from(ts, PROXY)
    const login = await attacker.post<{ status: string; token?: string; options?: string[][] }>('/v1/auth/login', { loginId: victim.loginId, password: victim.password })
    expect(login.status).toBe(200)
    expect(login.body.status).toBe('factor_required')
    expect(login.body.token).toBeUndefined()
    expect(login.body.options?.flat()).not.toContain('trading_password')
    expect(await moneyOut(ts, victim.id)).toEqual({ toOthers: 0, total: 0 })
  })

  it('the right password from an abroad server, waiting for a factor it will never get, raises an alert on the victim; the answer names nobody', async () => {
    const victim = await victimWithHistory(ts)
    const attacker = from(ts, ABROAD)
    ts.clock.advance(1_000)
    const login = await attacker.post<Record<string, unknown>>('/v1/auth/login', { loginId: victim.loginId, password: victim.password })
    expect(login.status).toBe(200)
    expect(login.body.status).toBe('factor_required')
    expect(login.body.customerId).toBeUndefined()
    expect(JSON.stringify(login.body)).not.toContain(victim.id)
    const alerts = await eventually(() => ts.server.store.db.selectFrom('risk_alerts').select('top_reason').where('customer_id', '=', victim.id).where('ip', '=', ABROAD.ip).execute())
    expect(alerts.length).toBeGreaterThan(0)
    expect(alerts.map((a) => a.top_reason).join('\n')).toMatch(/newEnvironment/)
  })

  it('recovery abuse: the password and the code the victim read out, from an abroad server — the recovery goes through (cooling holds the money) and the analyst is alerted', async () => {
    const victim = await victimWithHistory(ts)
    const attacker = from(ts, ABROAD)
    ts.clock.advance(1_000)
    const start = await attacker.post<{ flowToken: string }>('/v1/auth/recovery/start', { loginId: victim.loginId })
    expect(start.status).toBe(200)
    const code = await victim.inbox.code('recovery')
    const done = await attacker.post<{ status: string }>('/v1/auth/recovery', { flowToken: start.body.flowToken, code, password: victim.password })
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    const alerts = await eventually(() => ts.server.store.db.selectFrom('risk_alerts').select('top_reason').where('customer_id', '=', victim.id).where('action', '=', 'recovery').execute())
    expect(alerts.map((a) => a.top_reason).join('\n')).toMatch(/newEnvironment/)
    expect(await moneyOut(ts, victim.id)).toEqual({ toOthers: 0, total: 0 })
  })
})


describe.each(SERVER_DIALECTS)('trading guard over HTTP on %s: a pump ring (seed 003)', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      overrides: {
        http: { trustProxy: true },
        risk: { mode: 'enforce' },
        auth: { ...CORE_ONLY_AUTH },
        policy: { ...CORE_ONLY_POLICY },
      },
    })
  })
  afterAll(async () => {
    await ts?.close()
  })

  /** The attacker's session in a victim's account: phished password, the e-mailed code relayed in real time by the phishing page. */
  async function relayedSession(victim: Awaited<ReturnType<typeof victimWithHistory>>, ip: string): Promise<{ client: Client; token: string }> {
    const client = from(ts, { ip, userAgent: CHROME_WINDOWS })
    const login = await client.post<{ status: string; options: string[][]; flowToken: string }>('/v1/auth/login', { loginId: victim.loginId, password: victim.password })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    expect(login.body.options).toEqual([['email_code']])
    expect((await client.post('/v1/auth/flow/email-code/send', { flowToken: login.body.flowToken, purpose: 'login' })).status).toBe(200)
    const done = await client.post<{ status: string; token: string }>('/v1/auth/flow/email-code', {
      flowToken: login.body.flowToken,
      purpose: 'login',
      code: await victim.inbox.code('login'),
    })
    expect(done.body.status, JSON.stringify(done.body)).toBe('complete')
    return { client, token: done.body.token }
  }

  it('holds the ring’s buys from new environments, freezes the third account and the symbol; a later new-environment buy is refused, the real customer’s is not; no attack order executes', async () => {
    const instruments = await api(ts.url).get<{ instruments: { symbol: string }[] }>('/v1/instruments?segment=foreign_small')
    const symbol = instruments.body.instruments[0]!.symbol
    const victims = []
    for (let i = 0; i < 4; i++) victims.push(await victimWithHistory(ts))
    const buy = (client: Client, token: string, tradingPassword: string) =>
      client.post('/v1/orders', { symbol, side: 'buy', type: 'market', quantity: 100, tradingPassword }, { token, ...once() })

    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      ts.clock.advance(5 * 60_000)
      const { client, token } = await relayedSession(victims[i]!, `3.112.5.${10 + i}`)
      statuses.push((await buy(client, token, victims[i]!.tradingPassword)).status)
    }
    // The first two are held before execution (a new environment on a hosting network); the third completes a ring.
    expect(statuses.slice(0, 2)).toEqual([202, 202])
    expect(statuses[2]).toBe(423)
    const frozen = await ts.server.store.db.selectFrom('customers').select('status').where('id', '=', victims[2]!.id).executeTakeFirstOrThrow()
    expect(frozen.status).toBe('frozen')
    expect(await ts.server.riskGate.symbolFrozenUntil(symbol)).not.toBeNull()

    // Three hours on, the ring's window has passed but the symbol's freeze has not.
    ts.clock.advance(3 * 3_600_000)
    const late = await relayedSession(victims[3]!, '3.112.5.20')
    const refused = await buy(late.client, late.token, victims[3]!.tradingPassword)
    expect(refused.status, JSON.stringify(refused.body)).toBe(403)
    expect((refused.body as { error: { code: string } }).error.code).toBe('SYMBOL_FROZEN')

    // The real customer, at home on her own browser, still buys it.
    const owner = await victimWithHistory(ts)
    const ownerToken = await loginSession(owner.home, owner)
    expect((await buy(owner.home, ownerToken, owner.tradingPassword)).status).toBe(201)

    const executed = await ts.server.store.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('symbol', '=', symbol)
      .where('status', '=', 'filled')
      .where('customer_id', 'in', victims.map((v) => v.id))
      .executeTakeFirstOrThrow()
    expect(Number(executed.n)).toBe(0)
  })
})
