import type { WithdrawalScreen } from '../brokerage/index.js'
import { MamoriError } from '../errors/index.js'

export interface WithdrawalGuardOptions {
  /** How long a newly registered destination receives nothing (default 72 h). */
  readonly destinationCoolingMs: number
}

/**
 * The withdrawal guard (C-5), run inside the withdrawal's transaction. Seed 000: the attackers
 * registered a forged same-name account and withdrew to it the same day. Money may not go to a
 * destination registered less than the cooling period ago; the request is refused (nothing is
 * reserved) with the time it may be retried, and the customer — told of the new destination by
 * its notice — has that long to stop it.
 */
export function withdrawalGuard(options: WithdrawalGuardOptions): WithdrawalScreen {
  return async (db, w) => {
    const destination = await db
      .selectFrom('withdrawal_destinations')
      .select('created_at')
      .where('id', '=', w.destinationId)
      .executeTakeFirst()
    if (destination === undefined) throw new MamoriError('DESTINATION_NOT_FOUND', 'no such destination')
    const until = Number(destination.created_at) + options.destinationCoolingMs
    if (w.at < until) {
      throw new MamoriError('DESTINATION_COOLING_OFF', 'a newly registered destination cannot receive money yet', { until })
    }
    return { decision: 'approve' }
  }
}
