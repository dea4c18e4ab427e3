/**
 * Every error Mamori raises on purpose carries a stable `code`. Clients and tests rely on the
 * code, never on the message. The HTTP status for each code lives in one table
 * (src/http/errorStatus.ts); a missing entry there is a compile error.
 */
export const ERROR_CODES = [
  // request shape
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'IDEMPOTENCY_KEY_REQUIRED',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
  // authentication
  'AUTH_REQUIRED',
  'AUTH_FAILED',
  'TRADING_PASSWORD_INVALID',
  'PASSWORD_REJECTED',
  // brokerage
  'CUSTOMER_NOT_FOUND',
  'CUSTOMER_FROZEN',
  'LOGIN_ID_TAKEN',
  'INSTRUMENT_UNKNOWN',
  'ORDER_NOT_FOUND',
  'ORDER_NOT_CANCELLABLE',
  'ORDER_INVALID',
  'DESTINATION_NOT_FOUND',
  'DESTINATION_NAME_MISMATCH',
  'DESTINATION_INVALID',
  'WITHDRAWAL_NOT_FOUND',
  'WITHDRAWAL_INVALID_TRANSITION',
  // ledger
  'LEDGER_INSUFFICIENT_FUNDS',
  'LEDGER_INSUFFICIENT_SECURITIES',
  'LEDGER_UNBALANCED',
  'LEDGER_INVALID_AMOUNT',
  // platform
  'CONFIG_INVALID',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
  // TOTP enrolment and stored secrets
  'TOTP_ALREADY_ENROLLED',
  'TOTP_NOT_PENDING',
  'TOTP_CODE_INVALID',
  'SECRET_UNREADABLE',
  // passkeys (WebAuthn)
  'CHALLENGE_INVALID',
  'PASSKEY_INVALID',
  'PASSKEY_CLONED',
  'PASSKEY_ALREADY_REGISTERED',
  'PASSKEY_NOT_FOUND',
  // front door (issue 3)
  'STEP_UP_REQUIRED',
  'FLOW_INVALID',
  'FACTOR_NOT_AVAILABLE',
  'RECOVERY_COOLING_OFF',
  'SESSION_KIND_FORBIDDEN',
  // guards (issue 4)
  'DESTINATION_COOLING_OFF',
  'DESTINATION_CHANGES_DISABLED',
  'RISK_DENIED',
  'RISK_REVIEW',
  'SYMBOL_FROZEN',
  'HELD_OPERATION_NOT_FOUND',
  'HELD_OPERATION_RESOLVED',
  'REASON_REQUIRED',
  // registered devices (B-7)
  'DEVICE_NOT_FOUND',
  // audit log (D-8)
  'AUDIT_LOG_BROKEN',
  'AUDIT_ROLE_UNSAFE',
  // retrospective scan (D-5)
  'SCAN_PERIOD_INVALID',
  'SCAN_PERIOD_REVERSED',
  // staff (D-1)
  'STAFF_AUTH_REQUIRED',
  'STAFF_FORBIDDEN',
  'STAFF_NOT_FOUND',
  'STAFF_USERNAME_TAKEN',
  'STAFF_ENROLMENT_INVALID',
  'PII_FIELD_UNKNOWN',
  'PII_REVEAL_RATE_LIMITED',
  'ALERT_NOT_FOUND',
  // investigation (D-4, D-6)
  'PIVOT_INVALID',
  'MONITOR_DAY_INVALID',
  // four-eyes approvals (D-2)
  'APPROVAL_NOT_FOUND',
  'APPROVAL_RESOLVED',
  'APPROVAL_EXPIRED',
  'FOUR_EYES_SELF_APPROVAL',
  // cases (D-3)
  'CASE_NOT_FOUND',
  'CASE_CLOSED',
  'CASE_CUSTOMER_NOT_LINKED',
  'ALERT_ALREADY_IN_CASE',
  // victim compensation (D-7)
  'COMPENSATION_NOT_FOUND',
  'COMPENSATION_ALREADY_PAID',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** Base of every intentional error. `details` is safe to show to the caller (never a secret). */
export class MamoriError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'MamoriError'
    this.code = code
    this.details = details === undefined ? undefined : Object.freeze({ ...details })
  }
}

/** True when `err` is a MamoriError with the given code (or any code when omitted). */
export function isMamoriError(err: unknown, code?: ErrorCode): err is MamoriError {
  return err instanceof MamoriError && (code === undefined || err.code === code)
}
