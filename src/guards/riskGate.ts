import type { MarketPrices } from '../brokerage/index.js'
import { newId, type Clock, type Random } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import type { Decision, DecisionReason, Outcome, RiskEngine } from '../risk/engine/index.js'
import { rbaFeaturesOf, stricterOutcome } from '../risk/engine/index.js'
import { enrichAccess, type AccessAction, type AccessDetail, type AccessEvent, type AccessLog } from '../risk/events/index.js'
import type { IpIntel } from '../risk/intel/index.js'
import type { RbaModel } from '../risk/model/index.js'
import { DbTypologyContext, type TypologyContext } from '../risk/typologies/index.js'
import { sessionMoved, sessionMovedReason } from './sessionBinding.js'

/** How the engine's decisions act: 'enforce' applies them, 'shadow' records them and lets everything through. */
export type RiskMode = 'enforce' | 'shadow'

/** What a guarded request brings to the gate. */
export interface RiskRequest {
  readonly customerId: string | null
  readonly action: AccessAction
  /** The client address as received (Fastify's request.ip, which honours http.trustProxy). */
  readonly ip: string
  readonly userAgent: string
  readonly deviceId: string | null
  readonly sessionHash: string | null
  /** The operation's fields, without secrets: amount, destination, symbol, side, quantity... */
  readonly detail: AccessDetail
  /** The address the request's session was opened from (or last proved a passkey from); absent for logins. */
  readonly sessionOriginIp?: string | null
}

/** The gate's answer for one operation. */
export interface Assessment {
  /** What the engine decided (in shadow mode too). */
  readonly decision: Decision
  /** What happens: the decision's outcome when enforcing, else `allow`; never weaker than a frozen symbol's refusal. */
  readonly enforced: Outcome
  /** The event as scored; the access recorder writes its own copy with the final outcome. */
  readonly event: AccessEvent
  /** The engine found the device and network both unfamiliar (the `newEnvironment` rule, shadowed or not). */
  readonly newEnvironment: boolean
  /** A buy of a symbol frozen after a pump ring, from a new environment (C-6). */
  readonly symbolFrozen: boolean
  /** The alert raised for a decision that was not a plain allow, or a typology hit. */
  readonly alertId: string | null
  /**
   * The session is used from another network than it was opened from (see sessionMoved): the
   * outcome is at least a step-up, and only a passkey proven now, from here, answers it — one
   * proven earlier in the session was proven by the customer, not by whoever holds the cookie now.
   */
  readonly sessionMoved: boolean
}

export interface RiskGateDeps {
  readonly engine: RiskEngine
  readonly model: RbaModel
  readonly log: AccessLog
  readonly store: Store
  readonly prices: MarketPrices
  readonly intel: IpIntel
  readonly clock: Clock
  readonly random: Random
  readonly mode: RiskMode
  /** How long a pump ring freezes buying of its symbol for new-environment sessions. */
  readonly symbolFreezeMs: number
  /** The context typologies read the world through, for the moment `now`; the database by default. */
  readonly contextAt?: (now: number) => TypologyContext
}

/** One alert per address per this long for failed login attempts. */
const ATTEMPT_ALERT_EVERY_MS = 10 * 60_000
/** Failed attempts scored at once; more are skipped (alert-only). */
const ATTEMPTS_IN_FLIGHT = 4
/** Addresses remembered for the alert interval; past it the memory starts again. */
const ATTEMPT_ALERT_MEMORY = 100_000

/** The typology whose hit on a buy freezes the symbol (C-6). */
const PUMP_RING = 'pumpRing'
const NEW_ENVIRONMENT = 'newEnvironment'

/**
 * Where the risk engine meets the guards (C-4 … C-6). Every guarded operation — login completion,
 * order, destination change, withdrawal, contact/factor/password change, deposit — is scored here
 * with `RiskEngine.decide` against the access history as it stands, before it runs. The gate:
 * - raises an alert (`risk_alerts`) for every decision that is not a plain allow and every
 *   typology hit, shadowed ones included, so analysts see what a rule on trial would have done;
 * - freezes buying of a symbol for new-environment sessions when a pump ring is detected on it,
 *   and refuses such buys while the freeze lasts;
 * - trains the login model (C-2) on every successful login, incrementally.
 * What the outcome means for each operation (a held order, a denied login...) is the caller's:
 * the HTTP risk hook and the front door.
 */
export class RiskGate {
  readonly #d: RiskGateDeps
  readonly #contextAt: (now: number) => TypologyContext
  /** Address, customer and action → when an attempt last raised an alert (see observeAttempt). */
  readonly #attemptAlerted = new Map<string, number>()
  #attemptsInFlight = 0

  constructor(deps: RiskGateDeps) {
    this.#d = deps
    const base = new DbTypologyContext({ log: deps.log, store: deps.store, prices: deps.prices, now: deps.clock.now() })
    this.#contextAt = deps.contextAt ?? ((now) => base.at(now))
  }

  get mode(): RiskMode {
    return this.#d.mode
  }

  /** Scores one operation and raises what it warrants. Never throws for the request's content; fails closed through the engine. */
  async assess(request: RiskRequest): Promise<Assessment> {
    const d = this.#d
    const now = d.clock.now()
    const event = enrichAccess(
      {
        at: now,
        customerId: request.customerId,
        sessionHash: request.sessionHash,
        action: request.action,
        outcome: 'success',
        ip: request.ip,
        userAgent: request.userAgent,
        deviceId: request.deviceId,
        detail: request.detail,
      },
      d.intel,
      d.random,
    )
    const moved = request.sessionOriginIp !== undefined && sessionMoved(d.intel, request.sessionOriginIp, request.ip)
    const scored = await d.engine.decide(event, this.#contextAt(now))
    const decision = moved ? withSessionMoved(scored, sessionMovedReason(request.sessionOriginIp as string, event.ip)) : scored
    const newEnvironment = decision.reasons.some((r) => r.id === NEW_ENVIRONMENT)
    let enforced: Outcome = d.mode === 'enforce' ? decision.outcome : 'allow'
    let symbolFrozen = false
    const symbol = typeof request.detail.symbol === 'string' ? request.detail.symbol : undefined
    if (request.action === 'order' && request.detail.side === 'buy' && symbol !== undefined) {
      const ring = decision.reasons.find((r) => r.id === PUMP_RING && !r.shadow)
      if (ring !== undefined && d.mode === 'enforce') await this.#freezeSymbol(symbol, now, ring.reason)
      if (newEnvironment && (await this.symbolFrozenUntil(symbol)) !== null) {
        symbolFrozen = d.mode === 'enforce'
        if (symbolFrozen && enforced !== 'freeze') enforced = 'deny'
      }
    }
    const alertId = await this.#alert(event, decision, enforced)
    return Object.freeze({ decision, enforced, event, newEnvironment, symbolFrozen, alertId, sessionMoved: moved })
  }

  /**
   * Scores a login attempt that did not open a session — a wrong password, an unknown login ID, a
   * right password still waiting for its second factor — or an account recovery, and raises an alert when the engine finds
   * something (credential stuffing: many login IDs failing from one origin, C-3). Nothing is
   * enforced here: the attempt has already been refused or challenged, and the throttles slow the
   * run. Alert-only, so it is bounded rather than exact: one alert per address, customer and action per
   * ATTEMPT_ALERT_EVERY_MS (a run of ten thousand failures is one alert, not ten thousand), and
   * attempts arriving while ATTEMPTS_IN_FLIGHT are being scored are skipped — a flood of failures
   * must not turn the engine into its amplifier.
   */
  async observeAttempt(event: AccessEvent): Promise<string | null> {
    // One alert per address, customer and action per interval: a stuffing run (no customer) is one.
    const key = `${event.ip}\u0000${event.customerId ?? ''}\u0000${event.action}`
    const last = this.#attemptAlerted.get(key)
    if (last !== undefined && event.at - last < ATTEMPT_ALERT_EVERY_MS) return null
    if (this.#attemptsInFlight >= ATTEMPTS_IN_FLIGHT) return null
    this.#attemptsInFlight++
    try {
      const scored = await this.#d.engine.decide(event, this.#contextAt(event.at))
      if (!scored.reasons.some((r) => r.source === 'typology')) return null
      // A failed attempt names no customer by nature (an unknown login ID, or one not revealed): not a finding.
      const decision = { ...scored, reasons: scored.reasons.filter((r) => r.id !== 'missing_customer') }
      const again = this.#attemptAlerted.get(key)
      if (again !== undefined && event.at - again < ATTEMPT_ALERT_EVERY_MS) return null
      if (this.#attemptAlerted.size >= ATTEMPT_ALERT_MEMORY) this.#attemptAlerted.clear()
      this.#attemptAlerted.set(key, event.at)
      // What happened: the attempt was refused or challenged; a recovery that went through went through.
      return await this.#alert(event, decision, event.outcome === 'success' ? 'allow' : 'deny')
    } finally {
      this.#attemptsInFlight--
    }
  }

  /**
   * An alert for a login the customer refused on their phone app: the password got past, so it is
   * in someone else's hands (a phishing site, a reused password). `attempt` is where the refused
   * login came from, as the phone was shown it.
   */
  async alertRefusedLogin(customerId: string, attempt: { readonly ip: string; readonly userAgent: string }): Promise<string> {
    const id = newId(this.#d.random, 'alr')
    const origin = this.#d.intel.lookup(attempt.ip)
    const reason = {
      source: 'input' as const,
      id: 'login_refused_on_phone',
      severity: 'high' as const,
      reason: `the customer refused on the phone app a login from ${origin.ip} (${origin.asnName ?? origin.network}): whoever asked has the login password`,
      shadow: false,
      points: 0,
    }
    await this.#d.store.db
      .insertInto('risk_alerts')
      .values({
        id,
        at: this.#d.clock.now(),
        customer_id: customerId,
        action: 'login',
        outcome: 'deny',
        enforced: 'deny',
        score: 0,
        top_reason: `${reason.id}: ${reason.reason}`.slice(0, 500),
        reasons_json: JSON.stringify([reason]),
        ip: origin.ip,
        network: origin.network,
        device_id: null,
        held_operation_id: null,
        status: 'open',
      })
      .execute()
    return id
  }

  /** The end of a symbol's buying freeze, or null when it is not frozen now. */
  async symbolFrozenUntil(symbol: string): Promise<number | null> {
    const row = await this.#d.store.db.selectFrom('symbol_freezes').select('until').where('symbol', '=', symbol).executeTakeFirst()
    if (row === undefined) return null
    const until = Number(row.until)
    return until > this.#d.clock.now() ? until : null
  }

  /** Teaches the login model a successful login (C-2: updated incrementally, never recomputed). */
  observeLogin(event: AccessEvent): void {
    if (event.customerId === null) return
    this.#d.model.observe(event.customerId, rbaFeaturesOf(event))
  }

  /** Links an alert to the held operation it produced. */
  async linkAlert(alertId: string, heldOperationId: string): Promise<void> {
    await this.#d.store.db.updateTable('risk_alerts').set({ held_operation_id: heldOperationId }).where('id', '=', alertId).execute()
  }

  async #freezeSymbol(symbol: string, now: number, reason: string): Promise<void> {
    const until = now + this.#d.symbolFreezeMs
    const db = this.#d.store.db
    await db
      .insertInto('symbol_freezes')
      .values({ symbol, frozen_at: now, until, reason: reason.slice(0, 500) })
      .onConflict((oc) => oc.column('symbol').doUpdateSet({ frozen_at: now, until, reason: reason.slice(0, 500) }))
      .execute()
  }

  async #alert(event: AccessEvent, decision: Decision, enforced: Outcome): Promise<string | null> {
    const hit = decision.reasons.some((r) => r.source === 'typology')
    if (decision.outcome === 'allow' && enforced === 'allow' && !hit) return null
    const id = newId(this.#d.random, 'alr')
    const top = decision.reasons[0]
    await this.#d.store.db
      .insertInto('risk_alerts')
      .values({
        id,
        at: event.at,
        customer_id: event.customerId,
        action: event.action,
        outcome: decision.outcome,
        enforced,
        score: decision.score,
        top_reason: top === undefined ? '' : `${top.id}: ${top.reason}`.slice(0, 500),
        reasons_json: JSON.stringify(decision.reasons),
        ip: event.ip,
        network: event.network,
        device_id: event.deviceId,
        held_operation_id: null,
        status: 'open',
      })
      .execute()
    return id
  }
}

/** The decision made at least a passkey step-up, its reason first (it is what the analyst must see). */
function withSessionMoved(decision: Decision, reason: DecisionReason): Decision {
  const outcome = stricterOutcome(decision.outcome, 'step_up')
  return Object.freeze({
    outcome,
    ...(outcome === 'step_up' ? { stepUp: 'passkey' as const } : {}),
    score: decision.score,
    reasons: Object.freeze([reason, ...decision.reasons]),
  })
}

/**
 * Builds the login model from the last year of successful logins in the access history, oldest
 * first, in pages (a year of a large broker's logins does not fit one query's memory).
 */
export async function trainRbaModel(store: Store, model: RbaModel, sinceMs: number, onProgress?: (done: number) => void): Promise<number> {
  let done = 0
  let afterAt = sinceMs - 1
  let afterId = ''
  const page = 10_000
  for (;;) {
    const rows = await store.db
      .selectFrom('access_events')
      .select(['id', 'at', 'customer_id', 'ip', 'asn', 'country', 'user_agent', 'browser', 'os', 'device_type'])
      .where('action', '=', 'login')
      .where('outcome', '=', 'success')
      .where((eb) => eb.or([eb('at', '>', afterAt), eb.and([eb('at', '=', afterAt), eb('id', '>', afterId)])]))
      .orderBy('at')
      .orderBy('id')
      .limit(page)
      .execute()
    for (const r of rows) {
      if (r.customer_id === null) continue
      model.observe(
        r.customer_id,
        rbaFeaturesOf({
          ip: r.ip,
          asn: r.asn === null ? null : Number(r.asn),
          country: r.country,
          userAgent: r.user_agent,
          browser: r.browser,
          os: r.os,
          deviceType: r.device_type as AccessEvent['deviceType'],
        }),
      )
    }
    done += rows.length
    onProgress?.(done)
    if (rows.length < page) return done
    const last = rows[rows.length - 1]!
    afterAt = Number(last.at)
    afterId = last.id
  }
}
