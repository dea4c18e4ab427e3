import { newId, type Random } from '../runtime/index.js'
import type { Db } from '../store/index.js'

/** One finding of a watch on staff behaviour (D-8): what it is, why, and whom it is about. */
export interface StaffWatchFinding {
  /** The rule: `staff_bulk_access`, `staff_pair_approvals`. */
  readonly rule: string
  /** A sentence for the analyst, naming the staff member(s). */
  readonly reason: string
  /** Whom the alert is about (a staff id, or a requester>approver pair): one open alert per subject and window. */
  readonly subject: string
  readonly ip: string
  readonly at: number
  /** The window of the watch: no second alert for the same rule and subject since `at - windowMs`. */
  readonly windowMs: number
}

/**
 * Raises a staff-watch alert (`risk_alerts`, action `staff_access`, the subject in `device_id`)
 * unless one for the same rule and subject was raised within the window. Returns whether it did.
 */
export async function raiseStaffWatchAlert(db: Db, random: Random, f: StaffWatchFinding): Promise<boolean> {
  const already = await db
    .selectFrom('risk_alerts')
    .select('id')
    .where('action', '=', 'staff_access')
    .where('device_id', '=', f.subject)
    .where('top_reason', 'like', `${f.rule}:%`)
    .where('at', '>=', f.at - f.windowMs)
    .executeTakeFirst()
  if (already !== undefined) return false
  await db
    .insertInto('risk_alerts')
    .values({
      id: newId(random, 'alr'),
      at: f.at,
      customer_id: null,
      action: 'staff_access',
      outcome: 'hold',
      enforced: 'allow',
      score: 80,
      top_reason: `${f.rule}: ${f.reason}`.slice(0, 500),
      reasons_json: JSON.stringify([{ source: 'staff_watch', id: f.rule, severity: 'high', reason: f.reason, shadow: false, points: 80 }]),
      ip: f.ip,
      network: '',
      device_id: f.subject,
      held_operation_id: null,
      status: 'open',
    })
    .execute()
  return true
}
