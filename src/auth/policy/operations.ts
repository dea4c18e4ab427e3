/**
 * Every HTTP route names the operation it performs (B-8, B-9): the authentication policy decides
 * per operation which factors are needed and how fresh, so a route that forgot to say what it
 * does must not start. Append new operations here; never reuse a name for something else.
 */
export const OPERATIONS = [
  /** Health, metrics, the API description: no customer data. */
  'public',
  /** Reading the customer's own data. */
  'read',
  'login',
  'logout',
  'order',
  'deposit',
  'withdrawal',
  'destination_change',
  'contact_change',
  'factor_change',
  'password_change',
  'recovery',
  /** The broker's staff working the review queue (held operations); its own bearer token, never a customer session. */
  'review',
  /** The staff API (D-1 … D-8): staff sessions and permissions (src/staff/permissions.ts), never a customer session. */
  'staff',
] as const

/** One of OPERATIONS. */
export type Operation = (typeof OPERATIONS)[number]

/** True when `value` names a known operation. */
export function isOperation(value: unknown): value is Operation {
  return typeof value === 'string' && (OPERATIONS as readonly string[]).includes(value)
}
