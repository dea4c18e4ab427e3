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
