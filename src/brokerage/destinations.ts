import { MamoriError } from '../errors/index.js'
import { newId } from '../runtime/index.js'
import type { Db, WithdrawalDestinationsTable } from '../store/index.js'
import type { BrokerageContext } from './context.js'
import { requireActiveCustomer } from './customers.js'
import { kanaNamesMatch, normalizeKanaName, validateBankAccount } from './reference/index.js'
import { transitionWithdrawal } from './withdrawals.js'

export interface DestinationRequest {
  readonly bankCode: string
  readonly branchCode: string
  readonly accountType: 'ordinary' | 'current' | 'savings'
  readonly accountNumber: string
  readonly holderKana: string
}

export interface Destination extends DestinationRequest {
  readonly id: string
  readonly customerId: string
  readonly status: 'active' | 'removed'
  readonly createdAt: number
}

/** A customer may keep this many active destinations at once. */
export const MAX_ACTIVE_DESTINATIONS = 3

/**
 * Registers a bank account money may be withdrawn to. The holder name must be the customer's own
 * (A-4). Note that this alone did not stop seed 000: the attackers opened bank accounts in the
 * victims' names with forged papers, which is why the guards also look at who makes the change.
 */
export async function registerDestination(
  ctx: BrokerageContext,
  db: Db,
  customerId: string,
  req: DestinationRequest,
): Promise<Destination> {
  const customer = await requireActiveCustomer(db, customerId)
  const check = validateBankAccount(req)
  if (!check.ok) {
    throw new MamoriError('DESTINATION_INVALID', `${check.field}: ${check.reason}`, { field: check.field })
  }
  if (!kanaNamesMatch(req.holderKana, customer.nameKana)) {
    throw new MamoriError('DESTINATION_NAME_MISMATCH', "the account holder's name must match the customer's name")
  }
  const active = await db
    .selectFrom('withdrawal_destinations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('customer_id', '=', customerId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow()
  if (Number(active.n) >= MAX_ACTIVE_DESTINATIONS) {
    throw new MamoriError('DESTINATION_INVALID', `at most ${MAX_ACTIVE_DESTINATIONS} destinations may be active`)
  }
  const row: WithdrawalDestinationsTable = {
    id: newId(ctx.random, 'dst'),
    customer_id: customerId,
    bank_code: req.bankCode,
    branch_code: req.branchCode,
    account_type: req.accountType,
    account_number: req.accountNumber,
    holder_kana: normalizeKanaName(req.holderKana),
    status: 'active',
    created_at: ctx.clock.now(),
    removed_at: null,
  }
  await db.insertInto('withdrawal_destinations').values(row).execute()
  return toDestination(row)
}

/**
 * Removes one of the customer's destinations and cancels every withdrawal still waiting to go
 * there: a victim who removes the attacker's account must also stop the payout already queued to it.
 */
export async function removeDestination(
  ctx: BrokerageContext,
  db: Db,
  customerId: string,
  destinationId: string,
): Promise<Destination> {
  const row = await getDestinationRow(db, customerId, destinationId)
  if (row.status !== 'active') throw new MamoriError('DESTINATION_NOT_FOUND', 'no such destination')
  const at = ctx.clock.now()
  await db
    .updateTable('withdrawal_destinations')
    .set({ status: 'removed', removed_at: at })
    .where('id', '=', destinationId)
    .execute()
  const pending = await db
    .selectFrom('withdrawals')
    .select('id')
    .where('destination_id', '=', destinationId)
    .where('status', 'in', ['requested', 'held', 'approved'])
    .execute()
  for (const w of pending) await transitionWithdrawal(ctx, db, w.id, 'cancelled', 'destination removed')
  return toDestination({ ...row, status: 'removed', removed_at: at })
}

/** The customer's active destinations, oldest first. */
export async function listDestinations(db: Db, customerId: string): Promise<Destination[]> {
  const rows = await db
    .selectFrom('withdrawal_destinations')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('status', '=', 'active')
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(toDestination)
}

/** One destination that belongs to this customer (active or not), or DESTINATION_NOT_FOUND. */
export async function getDestinationRow(
  db: Db,
  customerId: string,
  destinationId: string,
): Promise<WithdrawalDestinationsTable> {
  const row = await db
    .selectFrom('withdrawal_destinations')
    .selectAll()
    .where('id', '=', destinationId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
  if (row === undefined) throw new MamoriError('DESTINATION_NOT_FOUND', 'no such destination')
  return row
}

function toDestination(row: WithdrawalDestinationsTable): Destination {
  return Object.freeze({
    id: row.id,
    customerId: row.customer_id,
    bankCode: row.bank_code,
    branchCode: row.branch_code,
    accountType: row.account_type,
    accountNumber: row.account_number,
    holderKana: row.holder_kana,
    status: row.status,
    createdAt: Number(row.created_at),
  })
}
