/** The enforcement points around money (C-5, C-6). */
export { BOUND_OPERATIONS, isBoundOperation, describeOperation } from './operationBinding.js'
export type { BoundOperation } from './operationBinding.js'
export { withdrawalGuard } from './withdrawalGuard.js'
export type { WithdrawalGuardOptions } from './withdrawalGuard.js'
