export { AccountLockout } from './AccountLockout.js'
export type { AccountLockoutOptions, LockoutState } from './AccountLockout.js'
