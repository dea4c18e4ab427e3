import type { BrokerageContext, Customer, Destination, WithdrawalScreen } from '../../src/brokerage/index.js'
import { approveAllWithdrawals, createCustomer, recordDeposit, registerDestination, seedInstruments } from '../../src/brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed } from '../../src/brokerage/reference/index.js'
import { ManualClock, SeededRandom } from '../../src/runtime/index.js'
import type { Store } from '../../src/store/index.js'

/** 2020-09-01 09:00 JST, the month of seed 000. */
export const T0 = Date.UTC(2020, 8, 1, 0, 0, 0)

export interface TestBrokerage {
  readonly ctx: BrokerageContext
  readonly clock: ManualClock
  readonly prices: PriceFeed
}

/** A brokerage on a real store with a frozen clock, the seeded price feed and the instrument catalogue. */
export async function testBrokerage(
  store: Store,
  options: { seed?: number; screen?: WithdrawalScreen } = {},
): Promise<TestBrokerage> {
  const catalog = buildInstrumentCatalog()
  await seedInstruments(store.db, catalog)
  const clock = new ManualClock(T0)
  const prices = new PriceFeed(7, catalog)
  const ctx: BrokerageContext = {
    store,
    clock,
    random: new SeededRandom(options.seed ?? 1),
    prices,
    screenWithdrawal: options.screen ?? approveAllWithdrawals,
  }
  return { ctx, clock, prices }
}

let counter = 0

/** A new customer with cash on deposit and one registered destination in their own name. */
export async function fundedCustomer(
  ctx: BrokerageContext,
  cash: number,
): Promise<{ customer: Customer; destination: Destination }> {
  counter++
  const customer = await createCustomer(ctx, {
    loginId: `test${process.pid}x${counter}x${ctx.random.int(1e9)}`,
    nameKanji: '佐藤 花子',
    nameKana: 'サトウ ハナコ',
    address: '東京都千代田区丸の内1-1-1',
    phone: '090-1234-5678',
    dateOfBirth: '1980-04-01',
    email: `hanako${counter}@example.jp`,
    loginPassword: 'correct horse battery staple 1',
    tradingPassword: 'a different trading secret 2',
  })
  if (cash > 0) await ctx.store.transaction((trx) => recordDeposit(ctx, trx, customer.id, cash))
  const destination = await ctx.store.transaction((trx) =>
    registerDestination(ctx, trx, customer.id, {
      bankCode: '0005',
      branchCode: '123',
      accountType: 'ordinary',
      accountNumber: '1234567',
      holderKana: 'ｻﾄｳ ﾊﾅｺ',
    }),
  )
  return { customer, destination }
}
