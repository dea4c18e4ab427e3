import { normalizeKanaName } from '../brokerage/reference/index.js'

/** Operations whose confirming passkey assertion must be bound to the operation itself (C-5). */
export const BOUND_OPERATIONS = ['withdrawal', 'destination_change'] as const
export type BoundOperation = (typeof BOUND_OPERATIONS)[number]

/** True when `op` needs a bound confirmation. */
export function isBoundOperation(op: string): op is BoundOperation {
  return (BOUND_OPERATIONS as readonly string[]).includes(op)
}

/**
 * The exact description a confirmation is bound to (PSD2 dynamic linking): the operation, the
 * customer and every field that decides where money goes. The passkey challenge carries its hash,
 * so an assertion made for ¥10,000 to one account cannot confirm ¥1,000,000, or another account,
 * or be replayed. Field values are normalised the way the operation will use them.
 */
export function describeOperation(op: BoundOperation, customerId: string, fields: Readonly<Record<string, unknown>>): string {
  const s = (k: string): string => (typeof fields[k] === 'string' ? (fields[k] as string) : fields[k] === undefined ? '' : JSON.stringify(fields[k]))
  if (op === 'withdrawal') {
    return ['mamori-confirm-v1', op, customerId, `destination=${s('destinationId')}`, `amount=${s('amount')}`].join('\n')
  }
  if (fields.remove !== undefined) {
    return ['mamori-confirm-v1', op, customerId, `remove=${s('remove')}`].join('\n')
  }
  const holder = typeof fields.holderKana === 'string' ? normalizeKanaName(fields.holderKana) : ''
  return [
    'mamori-confirm-v1',
    op,
    customerId,
    `bank=${s('bankCode')}`,
    `branch=${s('branchCode')}`,
    `type=${s('accountType')}`,
    `account=${s('accountNumber')}`,
    `holder=${holder}`,
  ].join('\n')
}
