import type { StaffRole } from '../store/index.js'

/** The staff roles, least to most trusted with customers' affairs (admin manages staff, not customers). */
export const STAFF_ROLES: readonly StaffRole[] = Object.freeze(['support', 'analyst', 'supervisor', 'auditor', 'admin'])

/** True when `value` names a staff role. */
export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value)
}

/**
 * Everything a staff route can do, one name each. Every staff route declares exactly one (checked
 * at start-up), and `ROLE_PERMISSIONS` below is the one place that says who holds it (D-1, least
 * privilege). No permission reads a credential, a TOTP secret or a session id: no route returns one.
 */
export const PERMISSIONS = [
  /** Own profile and sign-out: every role. */
  'self',
  /** Look up customers and see their masked profile. */
  'customer.read',
  /** Reveal one masked field of one customer, with a reason (logged, rate-limited). */
  'customer.reveal',
  /** Risk alerts, held operations, cases: read. */
  'alert.read',
  /** Open and close cases, attach alerts, add notes. */
  'case.manage',
  /** Act on a case's customer: freeze, cancel pending withdrawals, end sessions, notify. */
  'case.act',
  /** Release or cancel an operation the risk engine held. */
  'review.resolve',
  /** Pivots: origin → accounts, account timeline, symbol buyers, similar accounts. */
  'investigate',
  /** The retrospective scan and the daily monitor. */
  'scan.run',
  /** Ask for a four-eyes action on a customer: destination change (support), unlock, factor reset. */
  'request.customer_service',
  /** Ask for an unfreeze or a compensation payment (four-eyes). */
  'request.remediation',
  /** Record a victim's confirmed loss on a case. */
  'compensation.record',
  /** Approve or reject another staff member's request about a customer. */
  'approve.customer',
  /** Staff list and role-change requests. */
  'staff.manage',
  /** Approve or reject another admin's role change. */
  'approve.staff',
  /** Read and verify the audit log. */
  'audit.read',
  /** Loss and compensation report. */
  'report.read',
] as const

/** One of PERMISSIONS. */
export type Permission = (typeof PERMISSIONS)[number]

/** True when `value` names a permission. */
export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value)
}

/**
 * Who may do what (D-1). Support answers customers: it looks them up, reveals a field when the
 * conversation needs it, and asks for changes it cannot make alone. Analysts investigate and act
 * on cases. Supervisors approve what others ask and can do what analysts do. Auditors read the
 * audit log and the reports, and no customer. Admins manage staff, and no customer.
 */
export const ROLE_PERMISSIONS: Readonly<Record<StaffRole, readonly Permission[]>> = Object.freeze({
  support: Object.freeze<Permission[]>(['self', 'customer.read', 'customer.reveal', 'request.customer_service']),
  analyst: Object.freeze<Permission[]>([
    'self',
    'customer.read',
    'customer.reveal',
    'alert.read',
    'case.manage',
    'case.act',
    'review.resolve',
    'investigate',
    'scan.run',
    'request.customer_service',
    'request.remediation',
    'compensation.record',
  ]),
  supervisor: Object.freeze<Permission[]>([
    'self',
    'customer.read',
    'customer.reveal',
    'alert.read',
    'case.manage',
    'case.act',
    'review.resolve',
    'investigate',
    'scan.run',
    'request.remediation',
    'compensation.record',
    'approve.customer',
    'report.read',
  ]),
  auditor: Object.freeze<Permission[]>(['self', 'audit.read', 'report.read']),
  admin: Object.freeze<Permission[]>(['self', 'staff.manage', 'approve.staff']),
})

/** True when `role` holds `permission`. */
export function can(role: StaffRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission)
}
