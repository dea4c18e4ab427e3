import { MamoriError } from '../errors/index.js'
import type { Store } from '../store/index.js'
import { checkCustomerId, checkPivotLimit, checkWindow } from './pivotInput.js'
import { maskAccountNumber, maskText, parseStoredJson, parseStoredObject, type JsonObject } from './redact.js'

const DEFAULT_ITEMS = 500
const MAX_ITEMS = 10_000
const LOGIN_ACTIONS: ReadonlySet<string> = new Set(['login', 'login_failed', 'recovery', 'unlock'])

/** What an item of the timeline is. */
export type TimelineKind =
  /** A login attempt, recovery or unlock from the access history. */
  | 'access'
  /** An operation from the access history: order, withdrawal, destination/contact/factor/password change, deposit. */
  | 'operation'
  /** A risk decision that was not a plain allow, a typology hit, or a monitor finding (`risk_alerts`). */
  | 'risk_alert'
  /** An operation held for review. */
  | 'held'
  /** A held operation released or cancelled by a reviewer. */
  | 'held_resolved'
  /** A notice sent to the customer (the outbox). */
  | 'notice'
  | 'order'
  /** A step of a withdrawal's state machine (requested, held, approved, sent, cancelled). */
  | 'withdrawal'
  | 'destination_added'
  | 'destination_removed'

/** One thing that happened to the account. */
export interface TimelineItem {
  readonly at: number
  readonly kind: TimelineKind
  /** One line for a person. */
  readonly summary: string
  /** The facts behind it, without secrets (no password hashes, TOTP secrets, session ids or hashes, tokens, codes) and with PII masked. */
  readonly detail: JsonObject
}

/** What `accountTimeline` is asked. */
export interface TimelineOptions {
  /** Start (ms, inclusive). Default: everything kept. */
  readonly since?: number
  /** End (ms, exclusive). Default: open. */
  readonly until?: number
  /** Items at most; the most recent are kept. Default 500, at most 10,000. */
  readonly limit?: number
}

/** An account's history in one list. */
export interface AccountTimeline {
  readonly customerId: string
  readonly since: number
  readonly until: number | null
  /** Oldest first; ties keep the order of `TimelineKind` sources. */
  readonly items: readonly TimelineItem[]
  /** Older items in the window were left out to keep `limit`. */
  readonly truncated: boolean
}

/**
 * D-4, from an account to its timeline: every access and operation, risk decision, held
 * operation and its resolution, notice sent, order, withdrawal step and destination change, in
 * one time-ordered list. This is the page seed 002's victims never had looked at for 2.5 years.
 * Each source is read newest first up to `limit + 1` within the window, so the merge keeps exactly
 * the `limit` most recent items and knows whether older ones were left out. Columns that hold secrets are never selected (session hashes, login
 * ID hashes, outbox bodies, which carry one-time codes); JSON fields are filtered by name and PII
 * is masked. CUSTOMER_NOT_FOUND for an unknown customer, PIVOT_INVALID for bad input. Read-only.
 */
export async function accountTimeline(store: Store, customerId: string, options: TimelineOptions = {}): Promise<AccountTimeline> {
  const id = checkCustomerId(customerId)
  const window = checkWindow(options.since, options.until)
  const limit = checkPivotLimit(options.limit, DEFAULT_ITEMS, MAX_ITEMS)
  const customer = await store.db.selectFrom('customers').select('id').where('id', '=', id).executeTakeFirst()
  if (customer === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
  const { since, until } = window
  const upTo = until ?? Number.MAX_SAFE_INTEGER
  const db = store.db
  const items: TimelineItem[] = []

  const events = await db
    .selectFrom('access_events')
    .select(['id', 'at', 'action', 'outcome', 'ip', 'asn', 'asn_name', 'network', 'country', 'city', 'hosting', 'browser', 'os', 'device_type', 'device_id', 'detail_json'])
    .where('customer_id', '=', id)
    .where('at', '>=', since)
    .where('at', '<', upTo)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()
  for (const e of [...events].reverse()) {
    const where = `${e.ip} (${e.asn_name ?? e.network}${e.country === null ? '' : `, ${e.country}`})`
    items.push({
      at: Number(e.at),
      kind: LOGIN_ACTIONS.has(e.action) ? 'access' : 'operation',
      summary: `${e.action} ${e.outcome} from ${where}${e.device_id === null ? ', no device id' : `, device ${e.device_id}`}`,
      detail: {
        eventId: e.id,
        action: e.action,
        outcome: e.outcome,
        ip: e.ip,
        asn: e.asn === null ? null : Number(e.asn),
        networkName: e.asn_name,
        network: e.network,
        country: e.country,
        city: e.city,
        hosting: Number(e.hosting) === 1,
        browser: e.browser,
        os: e.os,
        deviceType: e.device_type,
        deviceId: e.device_id,
        operation: parseStoredObject(e.detail_json),
      },
    })
  }

  const alerts = await db
    .selectFrom('risk_alerts')
    .select(['id', 'at', 'action', 'outcome', 'enforced', 'score', 'top_reason', 'reasons_json', 'ip', 'network', 'device_id', 'held_operation_id', 'status'])
    .where('customer_id', '=', id)
    .where('at', '>=', since)
    .where('at', '<', upTo)
    .orderBy('at', 'desc')
    .limit(limit + 1)
    .execute()
  for (const a of [...alerts].reverse()) {
    items.push({
      at: Number(a.at),
      kind: 'risk_alert',
      summary: `risk ${a.outcome} on ${a.action} (score ${Number(a.score)}, enforced ${a.enforced}): ${a.top_reason}`,
      detail: {
        alertId: a.id,
        action: a.action,
        outcome: a.outcome,
        enforced: a.enforced,
        score: Number(a.score),
        topReason: a.top_reason,
        reasons: parseStoredJson(a.reasons_json),
        ip: a.ip,
        network: a.network,
        deviceId: a.device_id,
        heldOperationId: a.held_operation_id,
        status: a.status,
      },
    })
  }

  const heldColumns = ['id', 'action', 'status', 'payload_json', 'withdrawal_id', 'score', 'reasons_json', 'created_at', 'resolved_at', 'resolved_by', 'resolution_reason', 'result_json'] as const
  const held = await db
    .selectFrom('held_operations')
    .select(heldColumns)
    .where('customer_id', '=', id)
    .where('created_at', '>=', since)
    .where('created_at', '<', upTo)
    .orderBy('created_at', 'desc')
    .limit(limit + 1)
    .execute()
  for (const h of [...held].reverse()) {
    const payload = parseStoredObject(h.payload_json)
    items.push({
      at: Number(h.created_at),
      kind: 'held',
      summary: `${h.action} held for review (score ${Number(h.score)}): ${describePayload(h.action, payload)}`,
      detail: {
        heldOperationId: h.id,
        action: h.action,
        status: h.status,
        score: Number(h.score),
        payload,
        withdrawalId: h.withdrawal_id,
        reasons: parseStoredJson(h.reasons_json),
      },
    })
  }
  const resolved = await db
    .selectFrom('held_operations')
    .select(heldColumns)
    .where('customer_id', '=', id)
    .where('resolved_at', 'is not', null)
    .where('resolved_at', '>=', since)
    .where('resolved_at', '<', upTo)
    .orderBy('resolved_at', 'desc')
    .limit(limit + 1)
    .execute()
  for (const h of [...resolved].reverse()) {
    items.push({
      at: Number(h.resolved_at),
      kind: 'held_resolved',
      summary: `held ${h.action} ${h.status} by ${h.resolved_by ?? '?'}: ${h.resolution_reason ?? ''}`,
      detail: {
        heldOperationId: h.id,
        action: h.action,
        status: h.status,
        resolvedBy: h.resolved_by,
        resolutionReason: h.resolution_reason,
        result: parseStoredJson(h.result_json),
      },
    })
  }

  // The body is never read: e-mailed one-time codes live there (B-4).
  const notices = await db
    .selectFrom('outbox')
    .select(['id', 'channel', 'to_address', 'kind', 'subject', 'created_at', 'sent_at'])
    .where('customer_id', '=', id)
    .where('created_at', '>=', since)
    .where('created_at', '<', upTo)
    .orderBy('created_at', 'desc')
    .limit(limit + 1)
    .execute()
  for (const n of [...notices].reverse()) {
    items.push({
      at: Number(n.created_at),
      kind: 'notice',
      summary: `${n.channel} notice ${n.kind}: ${n.subject}`,
      detail: {
        noticeId: n.id,
        channel: n.channel,
        kind: n.kind,
        subject: n.subject,
        to: maskText('to', n.to_address),
        sentAt: n.sent_at === null ? null : Number(n.sent_at),
      },
    })
  }

  const orders = await db
    .selectFrom('orders')
    .select(['id', 'symbol', 'side', 'type', 'quantity', 'limit_price', 'reserved_amount', 'status', 'filled_price', 'filled_at', 'created_at'])
    .where('customer_id', '=', id)
    .where('created_at', '>=', since)
    .where('created_at', '<', upTo)
    .orderBy('created_at', 'desc')
    .limit(limit + 1)
    .execute()
  for (const o of [...orders].reverse()) {
    const filled = o.filled_price === null ? '' : ` at ¥${Number(o.filled_price)}`
    items.push({
      at: Number(o.created_at),
      kind: 'order',
      summary: `${o.side} ${Number(o.quantity)} ${o.symbol} ${o.type} ${o.status}${filled}`,
      detail: {
        orderId: o.id,
        symbol: o.symbol,
        side: o.side,
        type: o.type,
        quantity: Number(o.quantity),
        limitPrice: o.limit_price === null ? null : Number(o.limit_price),
        reservedAmount: Number(o.reserved_amount),
        status: o.status,
        filledPrice: o.filled_price === null ? null : Number(o.filled_price),
        filledAt: o.filled_at === null ? null : Number(o.filled_at),
      },
    })
  }

  const steps = await db
    .selectFrom('withdrawal_transitions as t')
    .innerJoin('withdrawals as w', 'w.id', 't.withdrawal_id')
    .select(['t.seq', 't.withdrawal_id', 't.from_status', 't.to_status', 't.reason', 't.at', 'w.amount', 'w.destination_id'])
    .where('w.customer_id', '=', id)
    .where('t.at', '>=', since)
    .where('t.at', '<', upTo)
    .orderBy('t.at', 'desc')
    .orderBy('t.seq', 'desc')
    .limit(limit + 1)
    .execute()
  for (const s of [...steps].reverse()) {
    items.push({
      at: Number(s.at),
      kind: 'withdrawal',
      summary: `withdrawal of ¥${Number(s.amount)} ${s.to_status}${s.reason === null ? '' : ` (${s.reason})`}`,
      detail: {
        withdrawalId: s.withdrawal_id,
        amount: Number(s.amount),
        destinationId: s.destination_id,
        from: s.from_status,
        to: s.to_status,
        reason: s.reason,
      },
    })
  }

  const destinationColumns = ['id', 'bank_code', 'branch_code', 'account_type', 'account_number', 'status', 'created_at', 'removed_at'] as const
  const added = await db
    .selectFrom('withdrawal_destinations')
    .select(destinationColumns)
    .where('customer_id', '=', id)
    .where('created_at', '>=', since)
    .where('created_at', '<', upTo)
    .orderBy('created_at', 'desc')
    .limit(limit + 1)
    .execute()
  const removed = await db
    .selectFrom('withdrawal_destinations')
    .select(destinationColumns)
    .where('customer_id', '=', id)
    .where('removed_at', 'is not', null)
    .where('removed_at', '>=', since)
    .where('removed_at', '<', upTo)
    .orderBy('removed_at', 'desc')
    .limit(limit + 1)
    .execute()
  for (const [kind, rows] of [['destination_added', added], ['destination_removed', removed]] as const) {
    for (const d of [...rows].reverse()) {
      const account = `bank ${d.bank_code}-${d.branch_code} ${d.account_type} ${maskAccountNumber(d.account_number)}`
      items.push({
        at: Number(kind === 'destination_added' ? d.created_at : d.removed_at),
        kind,
        summary: `withdrawal destination ${kind === 'destination_added' ? 'added' : 'removed'}: ${account}`,
        detail: {
          destinationId: d.id,
          bankCode: d.bank_code,
          branchCode: d.branch_code,
          accountType: d.account_type,
          accountNumber: maskAccountNumber(d.account_number),
          status: d.status,
        },
      })
    }
  }

  // Each source was read newest first and is pushed oldest first; the stable sort keeps same-instant
  // items in that order, and in source order across sources (the access before the alert it caused).
  items.sort((a, b) => a.at - b.at)
  const truncated = items.length > limit
  return {
    customerId: id,
    since,
    until,
    items: truncated ? items.slice(items.length - limit) : items,
    truncated,
  }
}

function describePayload(action: string, p: JsonObject): string {
  if (action === 'order') return `${String(p['side'])} ${String(p['quantity'])} ${String(p['symbol'])}`
  if (action === 'destination_change') {
    const number = typeof p['accountNumber'] === 'string' ? p['accountNumber'] : '?'
    return `bank ${String(p['bankCode'])}-${String(p['branchCode'])} ${number}`
  }
  return `¥${String(p['amount'])}`
}

