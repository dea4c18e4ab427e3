/*
 * Attack: an infostealer on the victim's computer lifts the session cookie, the device cookie and
 * the trading password the browser saved, right after the victim logs in (B-12, seed 003's
 * follow-up wave). The thief replays all three from a residential proxy with the victim's own
 * browser string: the device binding passes, nothing about the device or the browser is new.
 * Only the network is not the session's own. Money and order routes must then ask for a passkey
 * proven from here, now — which the thief has not got — and the analyst must see why.
 *
 * And the customer must not pay for it: her own use of the session from home is untouched, and
 * her phone moving from home Wi-Fi to the carrier costs one passkey touch, after which the
 * session is hers on the new network (the carrier handing her other addresses does not ask again).
 *
 * Over real HTTP against the whole server, engine enforcing, clients on public addresses through
 * X-Forwarded-For (the server trusting its load balancer), per dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyLedger } from '../../src/ledger/index.js'
import { enrolWithPasskey, expectError, passkeyLogin, sessionOf, stepUp, WEBAUTHN } from '../support/frontDoorSteps.js'
import { CHROME_WINDOWS, from, loginSession, once, PROXY, REVIEW_TOKEN, victimWithHistory, type Client, type Victim } from '../support/riskScenario.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../support/server.js'

/** Another Japanese fixed line (So-net, AS2527): the thief's rented home-line exit. */
const OTHER_ISP = { ip: '118.241.9.20', userAgent: CHROME_WINDOWS }

/** A client that presents `device` as its device cookie, whatever the server issued it. */
function withDevice(client: Client, device: string): Client {
  return {
    ...client,
    post: (path, body, o = {}) => client.post(path, body, { ...o, headers: { 'x-mamori-device': device, ...o.headers } }),
    get: (path, o = {}) => client.get(path, { ...o, headers: { 'x-mamori-device': device, ...o.headers } }),
  }
}

/** The victim's own session cookie and device cookie, presented by the thief from `origin`. */
function thiefWith(ts: TestServer, victim: Victim, origin: { ip: string; userAgent: string }): Client {
  const device = victim.home.deviceToken()
  expect(device, 'the victim’s browser holds a device cookie').toBeDefined()
  return withDevice(from(ts, origin), device!)
}

async function alertReasons(ts: TestServer, customerId: string, ip: string): Promise<string[]> {
  const rows = await ts.server.store.db.selectFrom('risk_alerts').select(['reasons_json', 'top_reason']).where('customer_id', '=', customerId).where('ip', '=', ip).execute()
  return rows.flatMap((r) => (JSON.parse(r.reasons_json) as { id: string }[]).map((x) => x.id))
}

async function ordersOf(ts: TestServer, customerId: string): Promise<number> {
  const rows = await ts.server.store.db.selectFrom('orders').select('id').where('customer_id', '=', customerId).execute()
  return rows.length
}

describe.each(SERVER_DIALECTS)('a stolen session with its device cookie, replayed from another network on %s', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      overrides: {
        http: { trustProxy: true },
        risk: { mode: 'enforce' },
        review: { token: REVIEW_TOKEN },
        guards: { destinationCoolingHours: 72 },
      },
    })
  })
  afterAll(async () => {
    await ts?.close()
  })

  for (const [where, origin] of [
    ['a residential proxy on the victim’s own ISP', PROXY],
    ['a home line on another ISP', OTHER_ISP],
  ] as const) {
    it(`from ${where}: reading works, but selling, adding a destination and withdrawing are each asked for a passkey (or held); nothing executes and the analyst sees why`, async () => {
      const victim = await victimWithHistory(ts)
      const token = await loginSession(victim.home, victim)
      const ordersBefore = await ordersOf(ts, victim.id)
      const thief = thiefWith(ts, victim, origin)

      expect((await thief.get('/v1/portfolio', { token })).status).toBe(200)
      const proof = { tradingPassword: victim.tradingPassword }
      const sell = await thief.post('/v1/orders', { symbol: '7203', side: 'sell', type: 'market', quantity: 1000, ...proof }, { token, ...once() })
      // Asked for a passkey; or, where the engine finds more against it (another ISP), held for the analyst.
      if (sell.status === 202) expect((sell.body as { status: string }).status).toBe('held')
      else {
        expectError(sell, 403, 'STEP_UP_REQUIRED')
        expect((sell.body as { error: { details?: { options?: string[][] } } }).error.details?.options).toEqual([['passkey']])
      }
      if (origin === PROXY) expect(sell.status).toBe(403)
      const change = await thief.post('/v1/destinations', { bankCode: '0009', branchCode: '456', accountType: 'ordinary', accountNumber: '7777777', holderKana: 'サトウ ハナコ', ...proof }, { token, ...once() })
      if (change.status === 202) expect((change.body as { status: string }).status).toBe('held')
      else expectError(change, 403, 'STEP_UP_REQUIRED')
      const withdraw = await thief.post('/v1/withdrawals', { destinationId: victim.destinationId, amount: 100_000, ...proof }, { token, ...once() })
      expectError(withdraw, 403, 'STEP_UP_REQUIRED')

      expect(await ordersOf(ts, victim.id)).toBe(ordersBefore)
      const destinations = await victim.home.get<{ destinations: { accountNumber: string }[] }>('/v1/destinations', { token })
      expect(destinations.body.destinations.map((d) => d.accountNumber)).toEqual(['1234567'])
      expect(await alertReasons(ts, victim.id, origin.ip)).toContain('session_moved')
      // The answer does not say why: the thief learns nothing to tune his next try to.
      expect(JSON.stringify(sell.body)).not.toContain(origin.ip)
      expect(JSON.stringify(sell.body)).not.toMatch(/network|session_moved/)
      expect((await verifyLedger(ts.server.store.db)).ok).toBe(true)
    })
  }

  it('the victim’s own use of the same session at home is not asked for anything', async () => {
    const victim = await victimWithHistory(ts)
    const token = await loginSession(victim.home, victim)
    const buy = await victim.home.post('/v1/orders', { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: victim.tradingPassword }, { token, ...once() })
    expect(buy.status, JSON.stringify(buy.body)).toBe(201)
    expect(await alertReasons(ts, victim.id, '153.156.77.0')).toEqual([])
  })
})

describe.each(SERVER_DIALECTS)('a customer whose phone moves network mid-session on %s (default policy)', (dialect) => {
  let ts: TestServer
  beforeAll(async () => {
    ts = await startTestServer(dialect, {
      defaultPolicy: true,
      overrides: { webauthn: WEBAUTHN, http: { trustProxy: true }, risk: { mode: 'enforce' }, review: { token: REVIEW_TOKEN } },
    })
  })
  afterAll(async () => {
    await ts?.close()
  })

  it('one passkey touch on the new network, then the session is hers there; a stolen copy from elsewhere still cannot trade', async () => {
    const victim = await victimWithHistory(ts)
    const { credential } = await enrolWithPasskey(victim.home, victim)
    let token = sessionOf(await passkeyLogin(victim.home, credential))
    const order = { symbol: '7203', side: 'buy', type: 'market', quantity: 100, tradingPassword: victim.tradingPassword }
    const atHome = await victim.home.post('/v1/orders', order, { token, ...once() })
    expect(atHome.status, JSON.stringify(atHome.body)).toBe(201)

    // The same browser, now on the carrier (NTT DOCOMO, AS9605): the session asks for a passkey once.
    const device = victim.home.deviceToken()!
    const onCarrier = (ip: string): Client => withDevice(from(ts, { ip, userAgent: CHROME_WINDOWS }), device)
    const phone = onCarrier('49.96.1.1')
    expectError(await phone.post('/v1/orders', order, { token, ...once() }), 403, 'STEP_UP_REQUIRED')
    token = await stepUp(phone, token, 'order', credential)
    const after = await phone.post('/v1/orders', order, { token, ...once() })
    expect(after.status, JSON.stringify(after.body)).toBe(201)
    // The carrier hands the phone another address of its pool: not a move.
    const roamed = await onCarrier('49.96.9.9').post('/v1/orders', order, { token, ...once() })
    expect(roamed.status, JSON.stringify(roamed.body)).toBe(201)
    // The session now belongs to the carrier network; the thief's copy from a proxy is still refused.
    expectError(await thiefWith(ts, victim, OTHER_ISP).post('/v1/orders', { ...order, side: 'sell' }, { token, ...once() }), 403, 'STEP_UP_REQUIRED')
  })
})
