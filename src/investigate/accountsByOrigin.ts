import type { Store } from '../store/index.js'
import { checkPivotLimit, checkWindow, parseOrigin, type OriginKind } from './pivotInput.js'

/** Accounts listed at most by default, and at most ever (the count of more is reported as `truncated`). */
const DEFAULT_ACCOUNTS = 1_000
const MAX_ACCOUNTS = 10_000
/** Customers per IN list (well under every dialect's parameter limit). */
const CHUNK = 500

/** What `accountsByOrigin` is asked. */
export interface OriginPivotQuery {
  readonly kind: OriginKind
  /** An address, a network (`asn:4713`, `AS4713`, `net:203.0.113.0/24`) or a device id. */
  readonly value: string
  /** Start of the window (ms, inclusive). Default: the whole history kept (a year, by retention). */
  readonly since?: number
  /** End of the window (ms, exclusive). Default: open. */
  readonly until?: number
  /** Accounts listed at most, most recently seen first. Default 1,000, at most 10,000. */
  readonly limit?: number
}

/** One account an origin touched. */
export interface OriginAccount {
  readonly customerId: string
  /** The account's status now; null when no customer row has that id (a deleted or foreign id). */
  readonly status: 'active' | 'frozen' | 'closed' | null
  readonly firstSeenAt: number
  readonly lastSeenAt: number
  /** Events of any action and outcome from the origin. */
  readonly events: number
  readonly loginsSucceeded: number
  /** Failed logins: `login_failed`, and `login` refused or denied. */
  readonly loginsFailed: number
  /** Logins that were asked for another factor (`step_up`). */
  readonly loginsChallenged: number
  /** Events other than logins: orders, withdrawals, destination and contact changes... */
  readonly operations: number
  /** Operations that went through (`success`). */
  readonly operationsSucceeded: number
  /** Events per action. */
  readonly actions: Readonly<Record<string, number>>
  /** Events per outcome. */
  readonly outcomes: Readonly<Record<string, number>>
}

/** Login attempts from the origin with login IDs that belong to no customer: stuffing from a list (seed 003). */
export interface UnknownLoginIds {
  readonly attempts: number
  /** Distinct login IDs tried, counted by their hash (the IDs themselves are never stored). */
  readonly distinctLoginIds: number
  readonly firstSeenAt: number | null
  readonly lastSeenAt: number | null
}

/** What one origin touched in a window. */
export interface OriginPivot {
  readonly kind: OriginKind
  /** The origin as stored: canonical address text, network key, or device id. */
  readonly value: string
  readonly since: number
  readonly until: number | null
  /** Every account touched, most recently seen first. */
  readonly accounts: readonly OriginAccount[]
  /** More accounts were touched than listed. */
  readonly truncated: boolean
  readonly unknownLoginIds: UnknownLoginIds
}

/**
 * D-4, from an origin to every account it touched: the question seed 000's broker could not
 * answer until a customer complained (one attacker, six accounts) and the one that sizes seed
 * 003's wave. Reads `access_events` by its (ip|network|device_id, at) index: first and last time,
 * how many events of each action and outcome per account, and the attempts against login IDs
 * that belong to nobody. PIVOT_INVALID for a malformed origin or window. Read-only.
 */
export async function accountsByOrigin(store: Store, query: OriginPivotQuery): Promise<OriginPivot> {
  const origin = parseOrigin(query.kind, query.value)
  const window = checkWindow(query.since, query.until)
  const limit = checkPivotLimit(query.limit, DEFAULT_ACCOUNTS, MAX_ACCOUNTS)
  const base = () => {
    let q = store.db.selectFrom('access_events').where(origin.column, '=', origin.value).where('at', '>=', window.since)
    if (window.until !== null) q = q.where('at', '<', window.until)
    return q
  }

  const seen = await base()
    .select((eb) => ['customer_id', eb.fn.min('at').as('first_seen'), eb.fn.max('at').as('last_seen'), eb.fn.countAll().as('events')])
    .where('customer_id', 'is not', null)
    .groupBy('customer_id')
    .orderBy('last_seen', 'desc')
    .orderBy('customer_id')
    .limit(limit + 1)
    .execute()
  const truncated = seen.length > limit
  const listed = seen.slice(0, limit)
  const ids = listed.map((r) => r.customer_id as string)

  const breakdown = new Map<string, { action: string; outcome: string; n: number }[]>()
  const statuses = new Map<string, 'active' | 'frozen' | 'closed'>()
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK)
    const rows = await base()
      .select((eb) => ['customer_id', 'action', 'outcome', eb.fn.countAll().as('n')])
      .where('customer_id', 'in', chunk)
      .groupBy(['customer_id', 'action', 'outcome'])
      .execute()
    for (const r of rows) {
      const list = breakdown.get(r.customer_id as string) ?? []
      list.push({ action: r.action, outcome: r.outcome, n: Number(r.n) })
      breakdown.set(r.customer_id as string, list)
    }
    for (const c of await store.db.selectFrom('customers').select(['id', 'status']).where('id', 'in', chunk).execute()) {
      statuses.set(c.id, c.status)
    }
  }

  const unknown = await base()
    .select((eb) => [
      eb.fn.countAll().as('attempts'),
      eb.fn.count('login_id_hash').distinct().as('distinct_ids'),
      eb.fn.min('at').as('first_seen'),
      eb.fn.max('at').as('last_seen'),
    ])
    .where('customer_id', 'is', null)
    .where('login_id_hash', 'is not', null)
    .executeTakeFirst()

  const accounts = listed.map((r): OriginAccount => {
    const customerId = r.customer_id as string
    const actions: Record<string, number> = {}
    const outcomes: Record<string, number> = {}
    let loginsSucceeded = 0
    let loginsFailed = 0
    let loginsChallenged = 0
    let operations = 0
    let operationsSucceeded = 0
    for (const b of breakdown.get(customerId) ?? []) {
      actions[b.action] = (actions[b.action] ?? 0) + b.n
      outcomes[b.outcome] = (outcomes[b.outcome] ?? 0) + b.n
      if (b.action === 'login_failed') loginsFailed += b.n
      else if (b.action === 'login') {
        if (b.outcome === 'success') loginsSucceeded += b.n
        else if (b.outcome === 'step_up') loginsChallenged += b.n
        else loginsFailed += b.n
      } else {
        operations += b.n
        if (b.outcome === 'success') operationsSucceeded += b.n
      }
    }
    return {
      customerId,
      status: statuses.get(customerId) ?? null,
      firstSeenAt: Number(r.first_seen),
      lastSeenAt: Number(r.last_seen),
      events: Number(r.events),
      loginsSucceeded,
      loginsFailed,
      loginsChallenged,
      operations,
      operationsSucceeded,
      actions,
      outcomes,
    }
  })
  const attempts = Number(unknown?.attempts ?? 0)
  return {
    kind: query.kind,
    value: origin.value,
    since: window.since,
    until: window.until,
    accounts,
    truncated,
    unknownLoginIds: {
      attempts,
      distinctLoginIds: Number(unknown?.distinct_ids ?? 0),
      firstSeenAt: attempts === 0 || unknown?.first_seen == null ? null : Number(unknown.first_seen),
      lastSeenAt: attempts === 0 || unknown?.last_seen == null ? null : Number(unknown.last_seen),
    },
  }
}
