/**
 * Ledger accounts. One account holds one asset: 'JPY' for cash, an instrument symbol for
 * securities. Customer accounts can never go below zero; system accounts (the outside bank,
 * the market counterparty) can, because they mirror the world outside the broker.
 */
export interface LedgerAccountRef {
  readonly id: string
  readonly customerId: string | null
  readonly asset: string
  readonly kind: LedgerAccountKind
  readonly allowNegative: boolean
}

export type LedgerAccountKind =
  | 'cash'
  | 'cash_reserved'
  | 'securities'
  | 'securities_reserved'
  | 'bank'
  | 'market_cash'
  | 'market_securities'
  | 'compensation'

export const CASH_ASSET = 'JPY'

function customerAccount(customerId: string, kind: LedgerAccountKind, asset: string): LedgerAccountRef {
  return Object.freeze({ id: `cust:${customerId}:${kind}:${asset}`, customerId, asset, kind, allowNegative: false })
}

function systemAccount(kind: LedgerAccountKind, asset: string): LedgerAccountRef {
  return Object.freeze({ id: `sys:${kind}:${asset}`, customerId: null, asset, kind, allowNegative: true })
}

/** Cash the customer can use. */
export const cashAccount = (customerId: string): LedgerAccountRef => customerAccount(customerId, 'cash', CASH_ASSET)
/** Cash set aside for pending withdrawals and open buy orders. */
export const cashReservedAccount = (customerId: string): LedgerAccountRef =>
  customerAccount(customerId, 'cash_reserved', CASH_ASSET)
/** Shares of one instrument the customer holds. */
export const securitiesAccount = (customerId: string, symbol: string): LedgerAccountRef =>
  customerAccount(customerId, 'securities', symbol)
/** Shares set aside for open sell orders. */
export const securitiesReservedAccount = (customerId: string, symbol: string): LedgerAccountRef =>
  customerAccount(customerId, 'securities_reserved', symbol)
/** The banking system outside the broker: deposits come from it, withdrawals go to it. */
export const bankAccount: LedgerAccountRef = systemAccount('bank', CASH_ASSET)
/** The market's cash side: the counterparty of every execution. */
export const marketCashAccount: LedgerAccountRef = systemAccount('market_cash', CASH_ASSET)
/** The market's share side for one instrument. */
export const marketSecuritiesAccount = (symbol: string): LedgerAccountRef => systemAccount('market_securities', symbol)
/** The broker's own funds used to compensate victims (D-7). */
export const compensationAccount: LedgerAccountRef = systemAccount('compensation', CASH_ASSET)
