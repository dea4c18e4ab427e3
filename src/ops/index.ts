/** The operator side (BRIEF D-2, D-3, D-7): four-eyes approvals, cases, victim compensation. */
export {
  ApprovalService,
  APPROVAL_KINDS,
  DEFAULT_APPROVAL_TTL_MS,
  RESETTABLE_FACTORS,
  isApprovalKind,
  parseApprovalPayload,
} from './approvals.js'
export type {
  ApprovalDecision,
  ApprovalExecution,
  ApprovalExecutor,
  ApprovalExecutors,
  ApprovalFilter,
  ApprovalPayloads,
  ApprovalRequest,
  ApprovalServiceOptions,
  NewApprovalRequest,
  ResettableFactor,
} from './approvals.js'
export { builtInExecutors } from './approvalExecutors.js'
export type { AccountUnlocker, ApprovalNotices, BuiltInExecutorDeps } from './approvalExecutors.js'
export { CaseService, getCase, requireCaseCustomer, appendCaseEvent } from './cases.js'
export type {
  Case,
  CaseAction,
  CaseEvent,
  CaseServiceOptions,
  CancelledWithdrawals,
  FreezeResult,
  NewCase,
  SessionRevoker,
} from './cases.js'
export {
  recordCompensation,
  getCompensation,
  listCompensations,
  payCompensation,
  compensationPaymentExecutor,
  compensationReport,
} from './compensation.js'
export type { CaseCompensationTotals, Compensation, CompensationReport, NewCompensation } from './compensation.js'
export type { ApprovalKind, ApprovalRequestStatus, CaseEventKind } from '../store/index.js'
