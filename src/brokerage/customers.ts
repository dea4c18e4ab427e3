import { checkNewPassword, hashPassword, verifyPassword } from '../auth/password/index.js'
import { MamoriError } from '../errors/index.js'
import { newId } from '../runtime/index.js'
import type { Insertable } from 'kysely'
import type { CustomersTable, Db } from '../store/index.js'
import type { BrokerageContext } from './context.js'
import { isKana } from './reference/index.js'

/** A customer as the rest of the system sees it: never a credential. */
export interface Customer {
  readonly id: string
  readonly loginId: string
  readonly nameKanji: string
  readonly nameKana: string
  readonly address: string
  readonly phone: string
  readonly dateOfBirth: string
  readonly email: string
  readonly status: CustomersTable['status']
  readonly createdAt: number
}

export interface NewCustomer {
  readonly loginId: string
  readonly nameKanji: string
  readonly nameKana: string
  readonly address: string
  readonly phone: string
  readonly dateOfBirth: string
  readonly email: string
  readonly loginPassword: string
  readonly tradingPassword: string
}

/**
 * Opens an account. The login password and the trading password are hashed separately and must
 * differ (seed 004: one leaked password must not open both doors).
 */
export async function createCustomer(ctx: BrokerageContext, input: NewCustomer): Promise<Customer> {
  if (!isKana(input.nameKana)) {
    throw new MamoriError('VALIDATION_FAILED', 'nameKana must be written in kana', { field: 'nameKana' })
  }
  checkNewPassword(input.loginPassword, { loginId: input.loginId })
  checkNewPassword(input.tradingPassword, { loginId: input.loginId, otherPassword: input.loginPassword })
  const [loginHash, tradingHash] = await Promise.all([
    hashPassword(input.loginPassword),
    hashPassword(input.tradingPassword),
  ])
  const row: Insertable<CustomersTable> = {
    id: newId(ctx.random, 'cus'),
    login_id: input.loginId,
    name_kanji: input.nameKanji,
    name_kana: input.nameKana,
    address: input.address,
    phone: input.phone,
    date_of_birth: input.dateOfBirth,
    email: input.email,
    status: 'active',
    login_password_hash: loginHash,
    trading_password_hash: tradingHash,
    created_at: ctx.clock.now(),
  }
  try {
    await ctx.store.db.insertInto('customers').values(row).execute()
  } catch (err) {
    if (ctx.store.constraintViolation(err) === 'unique') {
      throw new MamoriError('LOGIN_ID_TAKEN', 'that login ID is already in use')
    }
    throw err
  }
  return toCustomer(row)
}

/** One customer, or CUSTOMER_NOT_FOUND. */
export async function getCustomer(db: Db, customerId: string): Promise<Customer> {
  const row = await db
    .selectFrom('customers')
    .select(CUSTOMER_COLUMNS)
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (row === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
  return toCustomer(row)
}

/** Throws CUSTOMER_FROZEN unless the customer may move money and trade. */
export async function requireActiveCustomer(db: Db, customerId: string): Promise<Customer> {
  const customer = await getCustomer(db, customerId)
  if (customer.status !== 'active') throw new MamoriError('CUSTOMER_FROZEN', 'this account is frozen')
  return customer
}

/** Checks the trading password; TRADING_PASSWORD_INVALID when it is wrong. */
export async function verifyTradingPassword(db: Db, customerId: string, plain: string): Promise<void> {
  const row = await db
    .selectFrom('customers')
    .select('trading_password_hash')
    .where('id', '=', customerId)
    .executeTakeFirst()
  if (row === undefined || !(await verifyPassword(row.trading_password_hash, plain))) {
    throw new MamoriError('TRADING_PASSWORD_INVALID', 'the trading password is not correct')
  }
}

const CUSTOMER_COLUMNS = [
  'id',
  'login_id',
  'name_kanji',
  'name_kana',
  'address',
  'phone',
  'date_of_birth',
  'email',
  'status',
  'created_at',
] as const

type CustomerRow = Pick<CustomersTable, (typeof CUSTOMER_COLUMNS)[number]>

function toCustomer(row: CustomerRow): Customer {
  return Object.freeze({
    id: row.id,
    loginId: row.login_id,
    nameKanji: row.name_kanji,
    nameKana: row.name_kana,
    address: row.address,
    phone: row.phone,
    dateOfBirth: row.date_of_birth,
    email: row.email,
    status: row.status,
    createdAt: Number(row.created_at),
  })
}
