import type { AttackLog } from './AttackLog.js'
import type { LegitimateScore, ScenarioDetail, ScenarioScore, Scorecard } from './Scorecard.js'
import { HOUR, type World } from './World.js'

/**
 * The scorer: after the run, measures what the attackers got from the record itself — the ledger's
 * withdrawals to attacker accounts, the orders that executed, the alerts Mamori raised — and what
 * the honest customers met, from their own tallies. Reading the database is the scorer's
 * privilege; no attacker or customer ever did.
 */
export async function score(
  world: World,
  logs: readonly AttackLog[],
  parameters: Scorecard['parameters'],
  elapsedS: number,
  /** Each customer's population index by account id: whose troubles are an attack's (world.victims). */
  indexById: ReadonlyMap<string, number> = new Map(),
): Promise<Scorecard> {
  const db = world.server.store.db
  const scenarios: ScenarioScore[] = []
  const details: ScenarioDetail[] = []
  for (const log of logs) {
    const targets = [...log.targets]
    const accounts = [...log.attackerAccounts]
    let lost = 0
    let held = 0
    const lostBy = new Set<string>()
    if (targets.length > 0 && accounts.length > 0) {
      const rows = await db
        .selectFrom('withdrawals')
        .innerJoin('withdrawal_destinations', 'withdrawal_destinations.id', 'withdrawals.destination_id')
        .select(['withdrawals.customer_id', 'withdrawals.amount', 'withdrawals.status'])
        .where('withdrawals.customer_id', 'in', targets)
        .where('withdrawal_destinations.account_number', 'in', accounts)
        .execute()
      for (const r of rows) {
        if (r.status === 'approved' || r.status === 'sent') {
          lost += Number(r.amount)
          lostBy.add(r.customer_id)
        } else if (r.status === 'held' || r.status === 'requested') held += Number(r.amount)
      }
    }
    let traded = 0
    const tradedBy = new Set<string>()
    if (log.orderIds.length > 0) {
      const rows = await db
        .selectFrom('orders')
        .select(['customer_id', 'quantity', 'filled_price', 'status'])
        .where('id', 'in', log.orderIds)
        .execute()
      for (const r of rows) {
        if (r.status !== 'filled' || r.filled_price === null) continue
        traded += Number(r.quantity) * Number(r.filled_price)
        tradedBy.add(r.customer_id)
      }
    }
    let detected: number | null = null
    if (log.startedAt !== undefined) {
      const until = (log.endedAt ?? log.startedAt) + HOUR
      const ips = [...log.ips]
      let q = db.selectFrom('risk_alerts').select((eb) => eb.fn.min<number>('at').as('first')).where('at', '>=', log.startedAt).where('at', '<=', until)
      q = q.where((eb) => {
        const any = [eb('action', '=', '__never__')]
        if (ips.length > 0) any.push(eb('ip', 'in', ips))
        // The insider watch names the staff member, not a customer or an address of theirs.
        for (const staffId of log.staffIds) any.push(eb('top_reason', 'like', `%${staffId}%`))
        return eb.or(any)
      })
      const first = await q.executeTakeFirst()
      if (first?.first !== null && first?.first !== undefined) detected = Math.round((Number(first.first) - log.startedAt) / 1000)
    }
    const hurt = new Set([...lostBy, ...tradedBy])
    scenarios.push({
      id: log.id,
      accounts_targeted: log.targets.size,
      accounts_taken_over: log.takenOver.size,
      money_lost_jpy: lost,
      unauthorized_trades_jpy: traded,
      stopped_at: log.stoppedAt,
      detected_after_s: detected,
    })
    const during = frictionDuring(world, log)
    details.push({
      id: log.id,
      description: log.description,
      attempts: log.attempts,
      started_at: log.startedAt === undefined ? null : new Date(log.startedAt).toISOString(),
      stops: Object.fromEntries([...log.stops].sort()),
      reached: Object.fromEntries(log.reached),
      money_held_jpy: held,
      protected_accounts: log.targets.size - hurt.size,
      friction_during: during.rate,
      logins_during: during.logins,
    })
  }
  const f = world.friction
  const legitimate: LegitimateScore = {
    logins: f.logins,
    step_ups: f.stepUps,
    step_up_rate: ratio(f.stepUps, f.logins),
    denied_logins: f.deniedLogins,
    withdrawals: f.withdrawals,
    held_withdrawals: f.heldWithdrawals,
    held_rate: ratio(f.heldWithdrawals, f.withdrawals),
    held_orders: f.heldOrders,
  }
  // Why honest customers' withdrawals were held: the top reason of each hold's alert, by rule. A
  // hold after an attacker touched the account is the attack's, as in the friction tallies.
  const holds = await db
    .selectFrom('risk_alerts')
    .select(['customer_id', 'top_reason', 'at'])
    .where('action', '=', 'withdrawal')
    .where('enforced', '=', 'hold')
    .where('at', '>=', world.t0)
    .execute()
  const heldWhy = new Map<string, number>()
  for (const h of holds) {
    if (h.customer_id === null) continue
    const index = indexById.get(h.customer_id)
    const touched = index === undefined ? undefined : world.victims.get(index)
    if (index === undefined || (touched !== undefined && touched <= Number(h.at))) continue
    const rule = h.top_reason.split(':', 1)[0] ?? ''
    heldWhy.set(rule, (heldWhy.get(rule) ?? 0) + 1)
  }
  return {
    parameters,
    scenarios,
    legitimate,
    totals: {
      money_lost_jpy: scenarios.reduce((s, x) => s + x.money_lost_jpy, 0),
      unauthorized_trades_jpy: scenarios.reduce((s, x) => s + x.unauthorized_trades_jpy, 0),
    },
    targets: { money_lost_jpy: 0, unauthorized_trades_jpy: 0, pump_ring_accounts_executed_max: 2, step_up_rate_max: 0.02, held_rate_max: 0.005 },
    details: {
      scenarios: details,
      friction: Object.fromEntries([...f.reasons].sort((a, b) => b[1] - a[1])),
      orders: f.orders,
      destination_changes: f.destinationChanges,
      held_destinations: f.heldDestinations,
      history_logins: f.historyLogins,
      history_step_ups: f.historyStepUps,
      support_unfreezes: world.support?.unfreezes ?? 0,
      held_withdrawal_reasons: Object.fromEntries([...heldWhy].sort((a, b) => b[1] - a[1])),
      requests: world.counter.requests,
      elapsed_s: elapsedS,
    },
  }
}

/** Legitimate step-up rate from an attack's start to an hour after its end. */
function frictionDuring(world: World, log: AttackLog): { rate: number | null; logins: number } {
  if (log.startedAt === undefined) return { rate: null, logins: 0 }
  const from = log.startedAt
  const to = (log.endedAt ?? from) + HOUR
  let logins = 0
  const first = Math.floor((from - world.t0) / HOUR)
  const last = Math.floor((to - world.t0) / HOUR)
  for (let h = first; h <= last; h++) logins += world.friction.loginsByHour.get(h) ?? 0
  const stepUps = world.friction.stepUpTimes.filter((t) => t >= world.t0 + first * HOUR && t < world.t0 + (last + 1) * HOUR).length
  return { rate: logins === 0 ? null : ratio(stepUps, logins), logins }
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 10_000) / 10_000
}
