/**
 * Every action the audit log records, declared once. Auditors filter and alert on these names for
 * years, so a name is never renamed or reused: add a new one here when a new action is audited.
 * `customer.*` are customer security events (also when staff cause them, the actor says who),
 * `staff.*` are what staff did — including merely looking (D-8: staff access itself is monitored,
 * the insider case of seed 002) — and `system.*` are decisions Mamori took on its own.
 */
export const AUDIT_ACTIONS = [
  // customer security events
  'customer.login',
  'customer.login_failed',
  'customer.logout',
  'customer.locked',
  'customer.unlocked',
  'customer.login_lock_changed',
  'customer.factor_added',
  'customer.factor_removed',
  'customer.password_changed',
  'customer.trading_password_changed',
  'customer.contact_changed',
  'customer.device_registered',
  'customer.device_removed',
  'customer.destination_added',
  'customer.destination_removed',
  'customer.withdrawal_requested',
  'customer.recovery_started',
  'customer.session_revoked',
  // staff actions (D-1, D-2, D-3)
  'staff.login',
  'staff.logout',
  'staff.customer_viewed',
  'staff.search',
  'staff.pii_reveal',
  'staff.export',
  'staff.request',
  'staff.approve',
  'staff.reject',
  'staff.unlock',
  'staff.factor_reset',
  'staff.destination_change',
  'staff.freeze',
  'staff.unfreeze',
  'staff.withdrawal_released',
  'staff.withdrawal_cancelled',
  'staff.sessions_ended',
  'staff.compensation',
  'staff.case_opened',
  'staff.case_closed',
  'staff.case_updated',
  'staff.customer_notified',
  'staff.investigate',
  'staff.scan',
  'staff.monitor_run',
  'staff.role_granted',
  'staff.role_revoked',
  'staff.api_call',
  'staff.enrolled',
  'staff.created',
  // decisions Mamori took by itself (C-4, C-6)
  'system.account_frozen',
  'system.operation_held',
  'system.symbol_frozen',
  'system.retention_applied',
] as const

/** One of the names in `AUDIT_ACTIONS`. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

const ACTIONS: ReadonlySet<string> = new Set(AUDIT_ACTIONS)

/** True when `value` is one of the declared audit action names. */
export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && ACTIONS.has(value)
}
