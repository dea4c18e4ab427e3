export { AppApprovals } from './AppApprovals.js'
export type { ApprovalEnvironment, ApprovalStatus, PendingApproval } from './AppApprovals.js'
