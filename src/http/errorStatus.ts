import type { ErrorCode } from '../errors/index.js'

/**
 * The one place an error code becomes an HTTP status. Typed as a full Record, so adding a code to
 * ERROR_CODES without deciding its status here fails the build.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  // request shape
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_PROGRESS: 409,
  // authentication
  AUTH_REQUIRED: 401,
  AUTH_FAILED: 401,
  TRADING_PASSWORD_INVALID: 403,
  PASSWORD_REJECTED: 422,
  // brokerage
  CUSTOMER_NOT_FOUND: 404,
  CUSTOMER_FROZEN: 423,
  LOGIN_ID_TAKEN: 409,
  INSTRUMENT_UNKNOWN: 422,
  ORDER_NOT_FOUND: 404,
  ORDER_NOT_CANCELLABLE: 409,
  ORDER_INVALID: 422,
  DESTINATION_NOT_FOUND: 404,
  DESTINATION_NAME_MISMATCH: 422,
  DESTINATION_INVALID: 422,
  WITHDRAWAL_NOT_FOUND: 404,
  WITHDRAWAL_INVALID_TRANSITION: 409,
  // ledger
  LEDGER_INSUFFICIENT_FUNDS: 422,
  LEDGER_INSUFFICIENT_SECURITIES: 422,
  // An unbalanced transfer is a bug in Mamori, never the caller's doing.
  LEDGER_UNBALANCED: 500,
  LEDGER_INVALID_AMOUNT: 422,
  // platform
  CONFIG_INVALID: 500,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  // TOTP enrolment and stored secrets
  TOTP_ALREADY_ENROLLED: 409,
  TOTP_NOT_PENDING: 409,
  TOTP_CODE_INVALID: 422,
  // A sealed secret that fails authentication is tampering or a wrong key, never the caller's doing.
  SECRET_UNREADABLE: 500,
  // passkeys (WebAuthn): the ceremony failed; the client starts a new one
  CHALLENGE_INVALID: 401,
  PASSKEY_INVALID: 401,
  // A correctly signed assertion whose counter went backwards: a likely cloned authenticator.
  PASSKEY_CLONED: 401,
  PASSKEY_ALREADY_REGISTERED: 409,
  PASSKEY_NOT_FOUND: 404,
  // The operation needs a (fresher) factor: details.options lists the factor sets that would do.
  STEP_UP_REQUIRED: 403,
  FLOW_INVALID: 401,
  FACTOR_NOT_AVAILABLE: 409,
  RECOVERY_COOLING_OFF: 423,
  SESSION_KIND_FORBIDDEN: 403,
  // registered devices (B-7)
  DEVICE_NOT_FOUND: 404,
  DESTINATION_COOLING_OFF: 423,
  DESTINATION_CHANGES_DISABLED: 403,
  // The audit log's head row is gone: tampering, never the caller's doing; the action it would record fails with it.
  AUDIT_LOG_BROKEN: 500,
  // Operator tooling (mamori audit lock-down) refusing a role that could rewrite the audit log.
  AUDIT_ROLE_UNSAFE: 500,
  // retrospective scan (D-5): a malformed or backwards period is the caller's input
  SCAN_PERIOD_INVALID: 400,
  SCAN_PERIOD_REVERSED: 400,
  // staff (D-1)
  STAFF_AUTH_REQUIRED: 401,
  STAFF_FORBIDDEN: 403,
  STAFF_NOT_FOUND: 404,
  STAFF_USERNAME_TAKEN: 409,
  STAFF_ENROLMENT_INVALID: 401,
  PII_FIELD_UNKNOWN: 400,
  PII_REVEAL_RATE_LIMITED: 429,
  ALERT_NOT_FOUND: 404,
  // The risk engine refused the operation; the answer never says which rule (an attacker would tune to it).
  RISK_DENIED: 403,
  // The operation cannot go ahead without a check by the broker; an alert is raised and the customer told.
  RISK_REVIEW: 403,
  // Buying this symbol is frozen for new environments after a pump ring (C-6).
  SYMBOL_FROZEN: 403,
  HELD_OPERATION_NOT_FOUND: 404,
  HELD_OPERATION_RESOLVED: 409,
  REASON_REQUIRED: 400,
  // investigation (D-4, D-6): a malformed origin, window, symbol or day is the caller's input
  PIVOT_INVALID: 400,
  MONITOR_DAY_INVALID: 400,
  // four-eyes approvals (D-2)
  APPROVAL_NOT_FOUND: 404,
  APPROVAL_RESOLVED: 409,
  // Past its time to live: the request is gone for good (marked expired); a new one must be made.
  APPROVAL_EXPIRED: 410,
  // The requester (or the staff member whose role would change) may not decide the request.
  FOUR_EYES_SELF_APPROVAL: 403,
  // cases (D-3)
  CASE_NOT_FOUND: 404,
  CASE_CLOSED: 409,
  // An action on a customer who is neither the case's subject nor behind one of its alerts.
  CASE_CUSTOMER_NOT_LINKED: 422,
  ALERT_ALREADY_IN_CASE: 409,
  // victim compensation (D-7)
  COMPENSATION_NOT_FOUND: 404,
  COMPENSATION_ALREADY_PAID: 409,
})
