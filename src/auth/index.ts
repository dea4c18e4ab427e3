/** The authentication front door (BRIEF B-1 … B-12). */
export {
  ARGON2_PARAMS,
  PASSWORD_MAX_CODE_POINTS,
  PASSWORD_MIN_CODE_POINTS,
  checkNewPassword,
  dummyVerify,
  hashPassword,
  isCommonPassword,
  passwordNeedsRehash,
  verifyPassword,
  PasswordGate,
} from './password/index.js'
export type { PasswordGateOptions } from './password/index.js'
export { SessionService, sessionHashOf } from './session/index.js'
export type { CreateSessionOptions, NewSession, ResolvedSession, SessionKind, SessionServiceOptions } from './session/index.js'
export {
  OPERATIONS,
  isOperation,
  FACTORS,
  PHISHING_RESISTANT,
  parseFactorTimes,
  POLICY_OPERATIONS,
  MUST_RESIST_PHISHING,
  defaultPolicy,
  resolvePolicy,
  evaluatePolicy,
  isPolicyOperation,
} from './policy/index.js'
export type {
  Operation,
  Factor,
  FactorTimes,
  OperationPolicy,
  Policy,
  PolicyOperation,
  PolicyVerdict,
  ResolvePolicyOptions,
} from './policy/index.js'
export { AuthFlows, flowHashOf } from './flow/index.js'
export type { AuthFlow, NewFlow } from './flow/index.js'
export { AppApprovals } from './app-approval/index.js'
export type { ApprovalEnvironment, ApprovalStatus, PendingApproval } from './app-approval/index.js'
