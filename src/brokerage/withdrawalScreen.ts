import type { Db } from '../store/index.js'

export interface WithdrawalToScreen {
  readonly id: string
  readonly customerId: string
  readonly destinationId: string
  readonly amount: number
  readonly at: number
}

export type ScreenDecision = { readonly decision: 'approve' } | { readonly decision: 'hold'; readonly reason: string }

/**
 * The point where a requested withdrawal is approved or held for review, inside the request's
 * transaction. The reference core alone approves everything; the withdrawal guard replaces it.
 */
export type WithdrawalScreen = (db: Db, withdrawal: WithdrawalToScreen) => Promise<ScreenDecision>

/** The core without guards: every requested withdrawal is approved. */
export const approveAllWithdrawals: WithdrawalScreen = async () => ({ decision: 'approve' })
