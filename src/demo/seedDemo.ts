import {
  approveAllWithdrawals,
  cancelWithdrawal,
  createCustomer,
  listInstruments,
  placeOrder,
  recordDeposit,
  registerDestination,
  requestWithdrawal,
  seedInstruments,
  sendApprovedWithdrawals,
  type BrokerageContext,
  type MarketPrices,
} from '../brokerage/index.js'
import { buildInstrumentCatalog, generatePeople } from '../brokerage/reference/index.js'
import { isMamoriError } from '../errors/index.js'
import { ManualClock, SeededRandom } from '../runtime/index.js'
import type { Store } from '../store/index.js'

export interface DemoOptions {
  readonly customers: number
  readonly seed: number
  /** The history runs over the `days` before `endMs`. */
  readonly endMs: number
  readonly days: number
  readonly prices: MarketPrices
  readonly onProgress?: (done: number, total: number) => void
}

/** The one customer whose credentials the demo prints, so a person can log in. */
export const DEMO_LOGIN = Object.freeze({
  loginId: 'demo',
  loginPassword: 'mamori demo login passphrase',
  tradingPassword: 'mamori demo trading passphrase',
})

export interface DemoSummary {
  readonly customers: number
  readonly deposits: number
  readonly orders: number
  readonly withdrawals: number
}

/**
 * Fills an empty database with a believable brokerage: the instrument catalogue, a few hundred
 * customers with PII, deposits, destinations in their own names, a history of trades and
 * withdrawals over the last months. Everything goes through the same services and ledger as live
 * traffic, so `mamori ledger verify` holds afterwards. Deterministic for a given seed.
 */
export async function seedDemo(store: Store, options: DemoOptions): Promise<DemoSummary> {
  const catalog = buildInstrumentCatalog()
  await seedInstruments(store.db, catalog)
  const instruments = await listInstruments(store.db)
  const large = instruments.filter((i) => i.segment === 'domestic_large')
  const small = instruments.filter((i) => i.segment !== 'domestic_large')
  const rng = new SeededRandom(options.seed)
  const clock = new ManualClock(options.endMs - options.days * 86_400_000)
  const ctx: BrokerageContext = {
    store,
    clock,
    random: new SeededRandom(options.seed ^ 0x5eed),
    prices: options.prices,
    screenWithdrawal: approveAllWithdrawals,
  }
  const people = generatePeople(options.seed, options.customers)
  const summary = { customers: 0, deposits: 0, orders: 0, withdrawals: 0 }
  const ids: { id: string; destinationId: string }[] = []

  // Customers open their accounts in batches (argon2 runs on the thread pool).
  for (let i = 0; i < people.length; i += 8) {
    const batch = people.slice(i, i + 8).map((p, j) => {
      const first = i + j === 0
      return createCustomer(ctx, {
        loginId: first ? DEMO_LOGIN.loginId : p.loginId,
        nameKanji: p.nameKanji,
        nameKana: p.nameKana,
        address: p.address,
        phone: p.phone,
        dateOfBirth: p.dateOfBirth,
        email: p.email,
        loginPassword: first ? DEMO_LOGIN.loginPassword : `demo login ${p.loginId} ${options.seed}`,
        tradingPassword: first ? DEMO_LOGIN.tradingPassword : `demo trading ${p.loginId} ${options.seed}`,
      })
    })
    for (const c of await Promise.all(batch)) {
      const amount = 100_000 * (1 + rng.int(100))
      await store.transaction((trx) => recordDeposit(ctx, trx, c.id, amount))
      const destination = await store.transaction((trx) =>
        registerDestination(ctx, trx, c.id, {
          bankCode: rng.pick(['0001', '0005', '0009', '0010', '0033', '0036', '0038']),
          branchCode: String(100 + rng.int(900)),
          accountType: 'ordinary',
          accountNumber: String(1_000_000 + rng.int(9_000_000)),
          holderKana: c.nameKana,
        }),
      )
      ids.push({ id: c.id, destinationId: destination.id })
      summary.customers++
      summary.deposits++
    }
    options.onProgress?.(Math.min(i + 8, people.length), people.length * 2)
  }

  // History: each simulated hour some customers trade, deposit or withdraw.
  const hours = options.days * 24
  for (let h = 0; h < hours; h++) {
    clock.advance(3_600_000)
    const actions = rng.int(Math.max(2, Math.ceil(ids.length / 40)))
    for (let a = 0; a < actions; a++) {
      const who = rng.pick(ids)
      const roll = rng.int(100)
      try {
        if (roll < 60) {
          const inst = rng.int(4) === 0 ? rng.pick(small) : rng.pick(large)
          const side = rng.int(3) === 0 ? 'sell' : 'buy'
          await store.transaction((trx) =>
            placeOrder(ctx, trx, who.id, { symbol: inst.symbol, side, type: 'market', quantity: inst.lotSize * (1 + rng.int(3)) }),
          )
          summary.orders++
        } else if (roll < 80) {
          await store.transaction((trx) => recordDeposit(ctx, trx, who.id, 10_000 * (1 + rng.int(50))))
          summary.deposits++
        } else {
          const w = await store.transaction((trx) =>
            requestWithdrawal(ctx, trx, who.id, { destinationId: who.destinationId, amount: 5_000 * (1 + rng.int(40)) }),
          )
          if (rng.int(10) === 0) await store.transaction((trx) => cancelWithdrawal(ctx, trx, who.id, w.id))
          summary.withdrawals++
        }
      } catch (err) {
        // Not enough cash or shares: customers try things they cannot afford, as in life.
        if (!isMamoriError(err, 'LEDGER_INSUFFICIENT_FUNDS') && !isMamoriError(err, 'LEDGER_INSUFFICIENT_SECURITIES')) {
          throw err
        }
      }
    }
    if (h % 24 === 23) {
      await sendApprovedWithdrawals(ctx)
      options.onProgress?.(people.length + Math.round(((h + 1) / hours) * people.length), people.length * 2)
    }
  }
  await sendApprovedWithdrawals(ctx)
  return summary
}
