import {
  approveAllWithdrawals,
  createCustomer,
  placeOrder,
  recordDeposit,
  registerDestination,
  requestWithdrawal,
  type BrokerageContext,
} from '../../src/brokerage/index.js'
import { ManualClock, SeededRandom } from '../../src/runtime/index.js'
import type { Store } from '../../src/store/index.js'
import { FIXTURE_T0, ORIGINS, openTypologyFixture, type FixtureOrigin, type TypologyFixture } from './typologyFixture.js'

const MINUTE = 60_000
const HOUR = 3_600_000

/** Secrets planted in the database; none may appear in any investigation result. */
export const PLANTED = Object.freeze({
  sessionIdHash: 'SESSIONIDHASH-planted-5f1e',
  eventSessionHash: 'EVENTSESSIONHASH-planted-77aa',
  totpSecret: 'TOTPSECRETENC-planted-9c0d',
  emailCodeHash: 'EMAILCODEHASH-planted-1b2c',
  mailedCode: '918273',
  detailPassword: 'DETAILPASSWORD-planted-4d4d',
  loginId: 'alice-login-planted',
  accountNumber: '7654321',
})

/**
 * The investigation scenario, on 2025-05-12 (JST), the day of `FIXTURE_T0` (10:00 JST):
 * - five real customers (A..E), each with a year of logins from an own home PC and address;
 * - from 11:00 an attacker in Beijing (one address, one device) logs into A, B and C, fails on
 *   two login IDs that belong to nobody, and buys the same foreign small cap (`ring`) in each
 *   account (seed 003's pump); at 12:00 it adds a withdrawal destination to A (seed 000);
 * - the benign near-misses: D buys the same small cap from its own home PC; D and E buy another
 *   small cap (`pair`) from a VPS, only two accounts; E changes its destination and withdraws
 *   from home.
 */
export interface InvestigateScenario {
  readonly fx: TypologyFixture
  readonly ctx: BrokerageContext
  readonly clock: ManualClock
  readonly ids: Readonly<Record<'a' | 'b' | 'c' | 'd' | 'e', string>>
  readonly homes: Readonly<Record<'a' | 'b' | 'c' | 'd' | 'e', FixtureOrigin>>
  readonly ring: string
  readonly pair: string
  readonly day: string
  /** Password hashes of A, as stored. */
  readonly passwordHashes: readonly string[]
  close(): Promise<void>
}

export async function buildInvestigateScenario(store: Store): Promise<InvestigateScenario> {
  const fx = await openTypologyFixture(store)
  const clock = new ManualClock(FIXTURE_T0 - 400 * 86_400_000)
  const ctx: BrokerageContext = { store, clock, random: new SeededRandom(11), prices: fx.prices, screenWithdrawal: approveAllWithdrawals }
  const smallCaps = fx.catalog.filter((s) => s.segment === 'foreign_small')
  const ring = smallCaps[0]!
  const pair = smallCaps[1]!
  const keys = ['a', 'b', 'c', 'd', 'e'] as const
  const ids = {} as Record<(typeof keys)[number], string>
  const homes = {} as Record<(typeof keys)[number], FixtureOrigin>
  for (const [i, k] of keys.entries()) {
    const c = await createCustomer(ctx, {
      loginId: k === 'a' ? PLANTED.loginId : `investigate-${k}-${i}`,
      nameKanji: '佐藤 花子',
      nameKana: 'サトウ ハナコ',
      address: '東京都千代田区丸の内1-1-1',
      phone: '090-1234-5678',
      dateOfBirth: '1980-04-01',
      email: `${k}@example.jp`,
      loginPassword: `correct horse battery staple ${k}`,
      tradingPassword: `a different trading secret ${k}`,
    })
    ids[k] = c.id
    homes[k] = { ...ORIGINS.home, ip: `203.0.113.${20 + i}`, deviceId: `dev-home-${k}` }
    await store.transaction((trx) => recordDeposit(ctx, trx, c.id, 50_000_000))
    fx.recordHabit(c.id, [homes[k]])
  }
  const at = (ms: number): number => {
    clock.set(ms)
    return ms
  }
  const buy = async (customerId: string, symbol: string, quantity: number, origin: FixtureOrigin, ms: number): Promise<void> => {
    at(ms)
    await store.transaction((trx) => placeOrder(ctx, trx, customerId, { symbol, side: 'buy', type: 'market', quantity }))
    fx.record({ customerId, at: ms, action: 'order', origin, detail: { route: '/v1/orders', symbol, side: 'buy', type: 'market', quantity } })
  }

  const t = FIXTURE_T0 + HOUR
  for (const [i, k] of (['a', 'b', 'c'] as const).entries()) {
    fx.record({ customerId: ids[k], at: t + i * 10 * MINUTE, action: 'login', origin: ORIGINS.beijing })
    await buy(ids[k], ring.symbol, ring.lotSize * 10, ORIGINS.beijing, t + i * 10 * MINUTE + MINUTE)
  }
  fx.record({ customerId: null, at: t + 2 * MINUTE, action: 'login_failed', outcome: 'failure', origin: ORIGINS.beijing, loginId: 'nobody-1' })
  fx.record({ customerId: null, at: t + 3 * MINUTE, action: 'login_failed', outcome: 'failure', origin: ORIGINS.beijing, loginId: 'nobody-2' })
  fx.record({ customerId: null, at: t + 4 * MINUTE, action: 'login_failed', outcome: 'failure', origin: ORIGINS.beijing, loginId: 'nobody-1' })
  // A failed login of A from Beijing, with a planted password and login ID in its detail and a session hash.
  fx.log.record({
    ...fx.event({ customerId: ids.a, at: t + 5 * MINUTE, action: 'login_failed', outcome: 'failure', origin: ORIGINS.beijing, detail: { loginId: PLANTED.loginId, password: PLANTED.detailPassword } }),
    sessionHash: PLANTED.eventSessionHash,
  })

  // Seed 000 on A: a destination added from Beijing.
  at(FIXTURE_T0 + 2 * HOUR)
  const dst = await store.transaction((trx) =>
    registerDestination(ctx, trx, ids.a, { bankCode: '0009', branchCode: '101', accountType: 'ordinary', accountNumber: PLANTED.accountNumber, holderKana: 'ｻﾄｳ ﾊﾅｺ' }),
  )
  fx.record({ customerId: ids.a, at: FIXTURE_T0 + 2 * HOUR, action: 'destination_change', origin: ORIGINS.beijing, detail: { route: '/v1/destinations', bankCode: '0009', accountNumber: PLANTED.accountNumber } })

  // Near-misses.
  await buy(ids.d, ring.symbol, ring.lotSize * 10, homes.d, t + 25 * MINUTE)
  await buy(ids.d, pair.symbol, pair.lotSize * 10, ORIGINS.vps, t + 30 * MINUTE)
  await buy(ids.e, pair.symbol, pair.lotSize * 10, ORIGINS.vps, t + 35 * MINUTE)
  at(FIXTURE_T0 + 3 * HOUR)
  const eDst = await store.transaction((trx) =>
    registerDestination(ctx, trx, ids.e, { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '1234567', holderKana: 'ｻﾄｳ ﾊﾅｺ' }),
  )
  fx.record({ customerId: ids.e, at: FIXTURE_T0 + 3 * HOUR, action: 'destination_change', origin: homes.e, detail: { route: '/v1/destinations' } })
  at(FIXTURE_T0 + 4 * HOUR)
  await store.transaction((trx) => requestWithdrawal(ctx, trx, ids.e, { destinationId: eDst.id, amount: 100_000 }))
  fx.record({ customerId: ids.e, at: FIXTURE_T0 + 4 * HOUR, action: 'withdrawal', origin: homes.e, detail: { route: '/v1/withdrawals', amount: 100_000, destinationId: eDst.id } })

  // Secrets and notices around A.
  const now = FIXTURE_T0 + 2 * HOUR
  await store.db
    .insertInto('sessions')
    .values({ id_hash: PLANTED.sessionIdHash, customer_id: ids.a, created_at: now, last_seen_at: now, expires_at: now + HOUR, revoked_at: null, device_id: 'dev-attacker', factors_json: '{}', kind: 'customer' })
    .execute()
  await store.db.insertInto('totp_credentials').values({ customer_id: ids.a, secret_enc: PLANTED.totpSecret, created_at: now, confirmed_at: now }).execute()
  await store.db
    .insertInto('email_codes')
    .values({ id: 'emc-planted', customer_id: ids.a, purpose: 'login', binding: 'b', code_hash: PLANTED.emailCodeHash, attempts: 0, created_at: now, expires_at: now + HOUR, used_at: null })
    .execute()
  await store.db
    .insertInto('outbox')
    .values({ id: 'mail-planted', channel: 'email', customer_id: ids.a, to_address: 'a@example.jp', kind: 'email_code', subject: 'Login confirmation code', body: `Your code is ${PLANTED.mailedCode}`, created_at: now + MINUTE, sent_at: null })
    .execute()
  await store.db
    .insertInto('held_operations')
    .values({
      id: 'hld-planted',
      customer_id: ids.a,
      action: 'destination_change',
      status: 'cancelled',
      payload_json: JSON.stringify({ bankCode: '0009', branchCode: '101', accountType: 'ordinary', accountNumber: PLANTED.accountNumber, holderKana: 'ｻﾄｳ ﾊﾅｺ' }),
      withdrawal_id: null,
      score: 80,
      reasons_json: JSON.stringify([{ source: 'typology', id: 'destinationChangeFromUnseenOrigin', severity: 'critical', reason: 'unseen origin', shadow: false, points: 80 }]),
      created_at: now + 2 * MINUTE,
      resolved_at: now + 30 * MINUTE,
      resolved_by: 'analyst-1',
      resolution_reason: 'customer did not ask for it',
      result_json: null,
    })
    .execute()
  await fx.log.flush()
  void dst
  const a = await store.db.selectFrom('customers').select(['login_password_hash', 'trading_password_hash']).where('id', '=', ids.a).executeTakeFirstOrThrow()
  return {
    fx,
    ctx,
    clock,
    ids,
    homes,
    ring: ring.symbol,
    pair: pair.symbol,
    day: '2025-05-12',
    passwordHashes: [a.login_password_hash, a.trading_password_hash],
    close: () => fx.close(),
  }
}
