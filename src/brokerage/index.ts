/** The reference brokerage core the guards protect (BRIEF A-1 … A-5). */
export type { BrokerageContext, MarketPrices } from './context.js'
export { approveAllWithdrawals } from './withdrawalScreen.js'
export type { WithdrawalScreen, WithdrawalToScreen, ScreenDecision } from './withdrawalScreen.js'
export { createCustomer, getCustomer, requireActiveCustomer, verifyTradingPassword } from './customers.js'
export type { Customer, NewCustomer } from './customers.js'
export { seedInstruments, getInstrument, listInstruments } from './instruments.js'
export type { Instrument } from './instruments.js'
export { recordDeposit, requireYen } from './deposits.js'
export type { Deposit } from './deposits.js'
export { placeOrder, cancelOrder, matchOpenOrders, listOrders } from './orders.js'
export type { Order, OrderRequest } from './orders.js'
export {
  registerDestination,
  removeDestination,
  listDestinations,
  getDestinationRow,
  MAX_ACTIVE_DESTINATIONS,
} from './destinations.js'
export type { Destination, DestinationRequest } from './destinations.js'
export {
  requestWithdrawal,
  cancelWithdrawal,
  transitionWithdrawal,
  sendApprovedWithdrawals,
  getWithdrawal,
  listWithdrawals,
} from './withdrawals.js'
export type { Withdrawal, WithdrawalRequest } from './withdrawals.js'
export { WITHDRAWAL_TRANSITIONS, canTransition } from './withdrawalStateMachine.js'
export { getPortfolio } from './portfolio.js'
export type { Portfolio, Holding } from './portfolio.js'
