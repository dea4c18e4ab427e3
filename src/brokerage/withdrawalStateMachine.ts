import type { WithdrawalStatus } from '../store/index.js'

/**
 * A withdrawal's life: requested → held | approved; held → approved | cancelled;
 * approved → sent | cancelled; requested → cancelled. Sent and cancelled are final.
 */
export const WITHDRAWAL_TRANSITIONS: Readonly<Record<WithdrawalStatus, readonly WithdrawalStatus[]>> = Object.freeze({
  requested: ['held', 'approved', 'cancelled'],
  held: ['approved', 'cancelled'],
  approved: ['sent', 'cancelled'],
  sent: [],
  cancelled: [],
})

/** Whether a withdrawal may move from `from` to `to`. */
export function canTransition(from: WithdrawalStatus, to: WithdrawalStatus): boolean {
  return WITHDRAWAL_TRANSITIONS[from].includes(to)
}
