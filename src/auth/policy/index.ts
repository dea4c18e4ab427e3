export { OPERATIONS, isOperation } from './operations.js'
export type { Operation } from './operations.js'
export { FACTORS, PHISHING_RESISTANT, parseFactorTimes } from './factors.js'
export type { Factor, FactorTimes } from './factors.js'
export {
  POLICY_OPERATIONS,
  MUST_RESIST_PHISHING,
  defaultPolicy,
  resolvePolicy,
  evaluatePolicy,
  isPolicyOperation,
} from './policy.js'
export type { OperationPolicy, Policy, PolicyOperation, PolicyVerdict, ResolvePolicyOptions } from './policy.js'
