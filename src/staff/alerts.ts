import { MamoriError } from '../errors/index.js'
import type { Store } from '../store/index.js'

/** A risk alert as analysts see it (D-3): the engine's decision or a typology hit, or a watch alert. */
export interface AlertView {
  readonly id: string
  readonly at: number
  readonly customerId: string | null
  readonly action: string
  readonly outcome: string
  readonly enforced: string
  readonly score: number
  readonly topReason: string
  readonly reasons: unknown
  readonly ip: string
  readonly network: string
  readonly heldOperationId: string | null
  readonly status: 'open' | 'closed'
}

/** Alerts, newest first, narrowed by status, customer, action and time. */
export async function listAlerts(
  store: Store,
  filter: { status?: 'open' | 'closed'; customerId?: string; action?: string; since?: number; limit?: number },
): Promise<AlertView[]> {
  let q = store.db.selectFrom('risk_alerts').selectAll()
  if (filter.status !== undefined) q = q.where('status', '=', filter.status)
  if (filter.customerId !== undefined) q = q.where('customer_id', '=', filter.customerId)
  if (filter.action !== undefined) q = q.where('action', '=', filter.action)
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since)
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 100).execute()
  return rows.map(alertViewOf)
}

/** One alert, or ALERT_NOT_FOUND. */
export async function getAlert(store: Store, id: string): Promise<AlertView> {
  const row = await store.db.selectFrom('risk_alerts').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new MamoriError('ALERT_NOT_FOUND', 'no such alert')
  return alertViewOf(row)
}

function alertViewOf(r: {
  id: string
  at: number
  customer_id: string | null
  action: string
  outcome: string
  enforced: string
  score: number
  top_reason: string
  reasons_json: string
  ip: string
  network: string
  held_operation_id: string | null
  status: 'open' | 'closed'
}): AlertView {
  return {
    id: r.id,
    at: Number(r.at),
    customerId: r.customer_id,
    action: r.action,
    outcome: r.outcome,
    enforced: r.enforced,
    score: Number(r.score),
    topReason: r.top_reason,
    reasons: JSON.parse(r.reasons_json) as unknown,
    ip: r.ip,
    network: r.network,
    heldOperationId: r.held_operation_id,
    status: r.status,
  }
}
