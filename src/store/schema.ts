import type { Generated } from 'kysely'

/**
 * Table types shared by both dialects. Times are integer milliseconds since the epoch;
 * money is integer yen; quantities are integer shares; flags are 0/1 integers — the one
 * representation SQLite and PostgreSQL agree on without per-dialect conversion.
 */
export interface CustomersTable {
  id: string
  login_id: string
  name_kanji: string
  name_kana: string
  address: string
  phone: string
  date_of_birth: string
  email: string
  status: 'active' | 'frozen' | 'closed'
  login_password_hash: string
  trading_password_hash: string
  created_at: number
  failed_logins: Generated<number>
  locked_at: number | null
  login_lock_enabled: Generated<number>
  login_unlocked_until: number | null
  registered_devices_only: Generated<number>
  recovery_cooling_until: number | null
  credentials_changed_at: number | null
}

export interface InstrumentsTable {
  symbol: string
  name: string
  market: string
  segment: 'domestic_large' | 'domestic_small' | 'foreign_small'
  base_price: number
  market_cap: number
  avg_daily_volume: number
  lot_size: number
}

export interface LedgerAccountsTable {
  id: string
  customer_id: string | null
  asset: string
  kind: string
  allow_negative: number
  balance: number
  updated_at: number
}

export interface LedgerTransfersTable {
  seq: Generated<number>
  id: string
  idempotency_key: string | null
  kind: string
  reverses: string | null
  memo: string | null
  created_at: number
}

export interface LedgerEntriesTable {
  seq: Generated<number>
  transfer_id: string
  account_id: string
  asset: string
  side: 'debit' | 'credit'
  amount: number
}

export interface IdempotencyRecordsTable {
  scope: string
  key: string
  request_hash: string
  status_code: number
  response_json: string
  created_at: number
}

export interface OrdersTable {
  id: string
  customer_id: string
  symbol: string
  side: 'buy' | 'sell'
  type: 'market' | 'limit'
  quantity: number
  limit_price: number | null
  reserved_amount: number
  status: 'open' | 'filled' | 'cancelled'
  filled_price: number | null
  filled_at: number | null
  created_at: number
  updated_at: number
}

export interface WithdrawalDestinationsTable {
  id: string
  customer_id: string
  bank_code: string
  branch_code: string
  account_type: 'ordinary' | 'current' | 'savings'
  account_number: string
  holder_kana: string
  status: 'active' | 'removed'
  created_at: number
  removed_at: number | null
}

export interface DepositsTable {
  id: string
  customer_id: string
  amount: number
  transfer_id: string
  created_at: number
}

export type WithdrawalStatus = 'requested' | 'held' | 'approved' | 'sent' | 'cancelled'

export interface WithdrawalsTable {
  id: string
  customer_id: string
  destination_id: string
  amount: number
  status: WithdrawalStatus
  status_reason: string | null
  created_at: number
  updated_at: number
}

export interface WithdrawalTransitionsTable {
  seq: Generated<number>
  withdrawal_id: string
  from_status: WithdrawalStatus | null
  to_status: WithdrawalStatus
  reason: string | null
  at: number
}

export interface SessionsTable {
  id_hash: string
  customer_id: string
  created_at: number
  last_seen_at: number
  expires_at: number
  revoked_at: number | null
  device_id: string | null
  /** JSON object: factor name → time it was last verified in this session. */
  factors_json: string | null
  /** 'customer' for portal/API sessions, 'phone_app' for the registered approval app. */
  kind: string | null
  /** The address the session was opened from, or last proved a passkey from; null before 0010. */
  origin_ip: string | null
}

export interface PasskeysTable {
  id: string
  customer_id: string
  public_key: string
  sign_count: number
  transports: string
  device_type: string
  backed_up: number
  purpose: 'login' | 'phone_app'
  label: string
  created_at: number
  last_used_at: number | null
  removed_at: number | null
}

export interface WebauthnChallengesTable {
  id: string
  challenge: string
  customer_id: string | null
  ceremony: 'registration' | 'authentication'
  purpose: string
  binding: string | null
  created_at: number
  expires_at: number
  used_at: number | null
}

export interface TotpCredentialsTable {
  customer_id: string
  secret_enc: string
  created_at: number
  confirmed_at: number | null
}

export interface TotpUsedStepsTable {
  customer_id: string
  step: number
  used_at: number
}

export interface EmailCodesTable {
  id: string
  customer_id: string
  purpose: string
  binding: string
  code_hash: string
  attempts: number
  created_at: number
  expires_at: number
  used_at: number | null
}

export interface OutboxTable {
  id: string
  channel: string
  customer_id: string | null
  to_address: string
  kind: string
  subject: string
  body: string
  created_at: number
  sent_at: number | null
}

export interface DevicesTable {
  id: string
  customer_id: string | null
  token_hash: string
  label: string
  user_agent: string
  registered: number
  created_at: number
  last_seen_at: number
  removed_at: number | null
}

export interface AuthFlowsTable {
  id_hash: string
  customer_id: string | null
  operation: string
  device_id: string | null
  ip: string
  user_agent: string
  factors_json: string
  state: string
  created_at: number
  expires_at: number
}

export interface AppApprovalsTable {
  id: string
  flow_hash: string
  customer_id: string
  number: number
  environment: string
  status: 'pending' | 'approved' | 'denied' | 'expired'
  created_at: number
  expires_at: number
  decided_at: number | null
}

export interface Database {
  customers: CustomersTable
  instruments: InstrumentsTable
  ledger_accounts: LedgerAccountsTable
  ledger_transfers: LedgerTransfersTable
  ledger_entries: LedgerEntriesTable
  idempotency_records: IdempotencyRecordsTable
  orders: OrdersTable
  withdrawal_destinations: WithdrawalDestinationsTable
  deposits: DepositsTable
  withdrawals: WithdrawalsTable
  withdrawal_transitions: WithdrawalTransitionsTable
  sessions: SessionsTable
  passkeys: PasskeysTable
  webauthn_challenges: WebauthnChallengesTable
  totp_credentials: TotpCredentialsTable
  totp_used_steps: TotpUsedStepsTable
  email_codes: EmailCodesTable
  outbox: OutboxTable
  devices: DevicesTable
  auth_flows: AuthFlowsTable
  app_approvals: AppApprovalsTable
  access_events: AccessEventsTable
  risk_alerts: RiskAlertsTable
  held_operations: HeldOperationsTable
  symbol_freezes: SymbolFreezesTable
  audit_log: AuditLogTable
  audit_head: AuditHeadTable
  staff_members: StaffMembersTable
  staff_passkeys: StaffPasskeysTable
  staff_enrolments: StaffEnrolmentsTable
  staff_sessions: StaffSessionsTable
  approval_requests: ApprovalRequestsTable
  cases: CasesTable
  case_alerts: CaseAlertsTable
  case_events: CaseEventsTable
  compensations: CompensationsTable
  monitor_findings: MonitorFindingsTable
}

/** One access or operation (C-1); see src/risk/events/AccessEvent.ts for the meaning of each column. */
export interface AccessEventsTable {
  id: string
  at: number
  customer_id: string | null
  login_id_hash: string | null
  session_hash: string | null
  action: string
  outcome: string
  ip: string
  asn: number | null
  asn_name: string | null
  network: string
  country: string | null
  city: string | null
  latitude: number | null
  longitude: number | null
  hosting: number
  user_agent: string
  browser: string | null
  os: string | null
  device_type: string
  device_id: string | null
  detail_json: string
}

/** A decision that was not a plain allow, or a typology hit (C-4); see migration 0004_risk. */
export interface RiskAlertsTable {
  id: string
  at: number
  customer_id: string | null
  action: string
  outcome: string
  enforced: string
  score: number
  top_reason: string
  reasons_json: string
  ip: string
  network: string
  device_id: string | null
  held_operation_id: string | null
  status: 'open' | 'closed'
}

/** An operation held for review: the review queue (C-5, C-6). */
export type HeldOperationAction = 'order' | 'destination_change' | 'withdrawal'
export type HeldOperationStatus = 'held' | 'released' | 'cancelled'
export interface HeldOperationsTable {
  id: string
  customer_id: string
  action: HeldOperationAction
  status: HeldOperationStatus
  payload_json: string
  withdrawal_id: string | null
  score: number
  reasons_json: string
  created_at: number
  resolved_at: number | null
  resolved_by: string | null
  resolution_reason: string | null
  result_json: string | null
}

/** Buying of a symbol frozen for new-environment sessions after a pump ring (C-6). */
export interface SymbolFreezesTable {
  symbol: string
  frozen_at: number
  until: number
  reason: string
}

/** One link of the tamper-evident audit chain (D-8); see src/audit/ and migration 0005_audit. */
export interface AuditLogTable {
  seq: number
  at: number
  actor_kind: 'staff' | 'customer' | 'system'
  actor_id: string
  action: string
  subject_kind: string | null
  subject_id: string | null
  detail_json: string
  prev_hash: string
  hash: string
  mac: string | null
}

/** The audit chain's one-row head: the last seq, hash and time appended. */
export interface AuditHeadTable {
  id: number
  seq: number
  hash: string
  at: number
}

/** The staff roles (D-1); what each may do is src/staff/permissions.ts. */
export type StaffRole = 'support' | 'analyst' | 'supervisor' | 'auditor' | 'admin'

/** A member of the broker's staff (D-1). */
export interface StaffMembersTable {
  id: string
  username: string
  display_name: string
  role: StaffRole
  status: 'active' | 'disabled'
  created_at: number
  created_by: string
}

/** A staff member's passkey: the only way staff log in. */
export interface StaffPasskeysTable {
  id: string
  staff_id: string
  public_key: string
  sign_count: number
  device_type: 'singleDevice' | 'multiDevice'
  transports_json: string
  created_at: number
  last_used_at: number | null
}

/** A one-time token (stored as SHA-256) that lets a new staff member register a first passkey. */
export interface StaffEnrolmentsTable {
  token_hash: string
  staff_id: string
  created_at: number
  expires_at: number
  used_at: number | null
}

/** A staff session, by the SHA-256 of its bearer token. */
export interface StaffSessionsTable {
  id_hash: string
  staff_id: string
  created_at: number
  last_seen_at: number
  revoked_at: number | null
}

/** Sensitive staff actions that need a second member of staff (D-2); see migration 0007_ops. */
export type ApprovalKind = 'destination_change' | 'account_unlock' | 'factor_reset' | 'unfreeze' | 'compensation_payment' | 'role_change'
export type ApprovalRequestStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'failed'

/** One four-eyes approval request (D-2). */
export interface ApprovalRequestsTable {
  id: string
  kind: ApprovalKind
  payload_json: string
  customer_id: string | null
  requested_by: string
  request_reason: string
  requested_at: number
  expires_at: number
  status: ApprovalRequestStatus
  decided_by: string | null
  decided_at: number | null
  decision_reason: string | null
  result_json: string | null
}

/** An investigation case (D-3). */
export interface CasesTable {
  id: string
  title: string
  customer_id: string | null
  status: 'open' | 'closed'
  opened_by: string
  opened_at: number
  closed_by: string | null
  closed_at: number | null
  close_reason: string | null
}

/** A risk alert gathered into a case; an alert belongs to at most one case. */
export interface CaseAlertsTable {
  alert_id: string
  case_id: string
  added_by: string
  added_at: number
}

export type CaseEventKind =
  | 'note'
  | 'alert_added'
  | 'account_frozen'
  | 'withdrawals_cancelled'
  | 'sessions_ended'
  | 'customer_notified'
  | 'compensation_recorded'
  | 'compensation_paid'
  | 'closed'

/** One entry of a case's timeline. */
export interface CaseEventsTable {
  seq: Generated<number>
  id: string
  case_id: string
  at: number
  staff_id: string
  kind: CaseEventKind
  detail_json: string
}

/** A confirmed victim loss and its repayment (D-7). */
export interface CompensationsTable {
  id: string
  case_id: string
  customer_id: string
  loss_jpy: number
  reason: string
  status: 'recorded' | 'paid'
  recorded_by: string
  recorded_at: number
  paid_via_approval: string | null
  paid_at: number | null
  transfer_id: string | null
}

/** A finding the daily monitor (D-6) raised an alert for; its key makes a rerun raise nothing new. */
export interface MonitorFindingsTable {
  finding_key: string
  day: string
  kind: string
  customer_id: string | null
  alert_id: string
  created_at: number
}
