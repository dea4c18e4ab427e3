/** The double-entry ledger for cash and securities (BRIEF A-6). */
export {
  CASH_ASSET,
  cashAccount,
  cashReservedAccount,
  securitiesAccount,
  securitiesReservedAccount,
  bankAccount,
  marketCashAccount,
  marketSecuritiesAccount,
  compensationAccount,
} from './accounts.js'
export type { LedgerAccountRef, LedgerAccountKind } from './accounts.js'
export { postTransfer } from './postTransfer.js'
export type { Posting, TransferInput, PostedTransfer } from './postTransfer.js'
export { verifyLedger } from './verifyLedger.js'
export type { LedgerVerification, LedgerMismatch } from './verifyLedger.js'
export { customerBalances, accountBalance } from './balances.js'
export type { AccountBalance } from './balances.js'
