import { MamoriError } from '../../errors/index.js'
import { ACCESS_ACTIONS, type AccessAction, type AccessEvent } from '../events/index.js'
import type { RbaModel } from '../model/index.js'
import type { Severity, Typology, TypologyContext, TypologyHit } from '../typologies/index.js'
import { stricterOutcome, type Decision, type DecisionReason, type Outcome } from './Decision.js'
import {
  LOGIN_ACTIONS,
  outcomeForScore,
  parseEngineOptions,
  profileFor,
  type EngineOptions,
  type ResolvedEngineOptions,
  type ResolvedProfile,
} from './EngineOptions.js'
import { GuardedContext, messageOf } from './GuardedContext.js'
import { inspectEvent } from './inspectEvent.js'
import { rbaFeaturesOf, rbaPoints } from './rbaPoints.js'

/** What a `RiskEngine` is built from. */
export interface RiskEngineParts {
  /** The rules to run; ids must be unique. Usually `defaultTypologies()`. */
  readonly typologies: readonly Typology[]
  /** The login risk model, trained through `rbaFeaturesOf` on successful logins. */
  readonly model: RbaModel
  readonly options: EngineOptions
}

/** The most the event's own problems add together; see `#combine`. */
export const INPUT_MAX_POINTS = 70

const SEVERITIES: ReadonlySet<string> = new Set<Severity>(['low', 'medium', 'high', 'critical'])

type TypologyResult =
  | { readonly kind: 'hit'; readonly hit: TypologyHit }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly message: string }

/** A typology that did not answer in time. */
class TypologyTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`)
    this.name = 'TypologyTimeout'
  }
}

/**
 * The risk decision (C-4): one `decide` for every operation, from login to withdrawal. It adds up
 * risk points from three sources, each reason reported:
 * - the event's own fields (`inspectEvent`): garbage, private or unknown addresses, junk user
 *   agents, no customer. These only ever add points;
 * - for logins, the Freeman et al. model (`rbaPoints`): what of the environment the customer never
 *   used; no history at all is a new environment;
 * - the typologies whose `actions` include the event's, run concurrently, each bounded by
 *   `typologyTimeoutMs`, a hit weighing by its severity.
 * The strongest reason counts whole, the others add a bounded extra; the per-operation thresholds
 * turn the points into an outcome.
 *
 * Fail closed (STYLE 4): a typology that throws, times out or answers nonsense, a failed context
 * query (even one the typology caught), a model error, or an event that cannot be read gives the
 * operation's `onError` outcome (deny a login, hold everything else) or stricter, with an `engine`
 * reason naming the part, never allow. Shadowed rules are the exception: their failures are
 * reported in shadow, because a rule on trial adds nothing to a decision and so cannot take
 * anything away by failing. `decide` itself never throws.
 */
export class RiskEngine {
  readonly #options: ResolvedEngineOptions
  readonly #model: RbaModel
  readonly #byAction: ReadonlyMap<AccessAction, readonly Typology[]>

  constructor(parts: RiskEngineParts) {
    this.#options = parseEngineOptions(parts.options)
    this.#model = parts.model
    if (typeof parts.model?.score !== 'function') throw new TypeError('model must be an RbaModel')
    if (!Array.isArray(parts.typologies)) throw new TypeError('typologies must be an array')
    const ids = new Set<string>()
    for (const t of parts.typologies) {
      if (
        typeof t?.id !== 'string' ||
        t.id === '' ||
        typeof t.evaluate !== 'function' ||
        !Array.isArray(t.actions)
      ) {
        throw new TypeError('each typology needs an id, actions and evaluate')
      }
      if (t.id === 'rba') throw new TypeError("'rba' is reserved for the login risk model")
      if (ids.has(t.id)) throw new TypeError(`typology ${t.id} is listed twice`)
      ids.add(t.id)
    }
    for (const id of this.#options.shadow) {
      // A misspelt shadow entry would leave the rule live while the operator believes it on trial.
      if (id !== 'rba' && !ids.has(id)) {
        throw new MamoriError('CONFIG_INVALID', `risk engine options: shadow names unknown rule ${id}`)
      }
    }
    const byAction = new Map<AccessAction, readonly Typology[]>()
    for (const action of ACCESS_ACTIONS) {
      byAction.set(action, Object.freeze(parts.typologies.filter((t) => t.actions.includes(action))))
    }
    this.#byAction = byAction
  }

  /** The options in force, validated and frozen. */
  get options(): ResolvedEngineOptions {
    return this.#options
  }

  /**
   * Decides one operation. `event` is the access as enriched by `enrichAccess` (not yet recorded);
   * `ctx` answers for the moment of the event. Never throws and never allows on error.
   */
  async decide(event: AccessEvent, ctx: TypologyContext): Promise<Decision> {
    try {
      return await this.#decide(event, ctx)
    } catch (err) {
      // Unreachable by design; kept so that a bug here is a hold, not an unhandled rejection.
      const profile = this.#profileOf(event)
      return freeze({
        outcome: profile.onError,
        score: 0,
        reasons: [engineReason('engine', `the risk engine failed: ${messageOf(err)}`, false)],
      })
    }
  }

  async #decide(raw: AccessEvent, ctx: TypologyContext): Promise<Decision> {
    const inspected = inspectEvent(raw)
    const event = inspected.event
    const reasons: DecisionReason[] = inspected.problems.map((p) => ({
      source: 'input',
      id: p.id,
      severity: p.severity,
      reason: p.reason,
      shadow: false,
      points: p.points,
    }))
    if (event === undefined) {
      const profile = this.#profileOf(raw)
      return freeze({ outcome: profile.onError, score: 0, reasons })
    }
    const profile = profileFor(this.#options, event.action)
    const shadow = this.#options.shadow
    let failed = false

    const typologies = this.#byAction.get(event.action) ?? []
    const running = typologies.map((t) => this.#run(t, event, ctx))

    if (LOGIN_ACTIONS.has(event.action) && event.customerId !== null) {
      const inShadow = shadow.has('rba')
      try {
        const r = rbaPoints(this.#model.score(event.customerId, rbaFeaturesOf(event)))
        reasons.push({
          source: 'rba',
          id: 'rba',
          severity: r.severity,
          reason: r.reason,
          shadow: inShadow,
          points: r.points,
        })
      } catch (err) {
        reasons.push(engineReason('rba', `the login risk model failed: ${messageOf(err)}`, inShadow))
        failed ||= !inShadow
      }
    }

    const results = await Promise.all(running)
    typologies.forEach((t, i) => {
      const result = results[i]!
      const inShadow = shadow.has(t.id)
      if (result.kind === 'error') {
        reasons.push(engineReason(`typology:${t.id}`, `typology ${t.id} failed: ${result.message}`, inShadow))
        failed ||= !inShadow
      } else if (result.kind === 'hit') {
        reasons.push({
          source: 'typology',
          id: t.id,
          severity: result.hit.severity,
          reason: result.hit.reason,
          shadow: inShadow,
          points: this.#options.severityPoints[result.hit.severity],
        })
      }
    })

    const score = this.#combine(reasons)
    let outcome: Outcome = outcomeForScore(profile, score)
    if (failed) outcome = stricterOutcome(outcome, profile.onError)
    return freeze({
      outcome,
      ...(outcome === 'step_up' ? { stepUp: profile.stepUpFactor } : {}),
      score,
      reasons: reasons.sort(byWeight),
    })
  }

  /** One typology, bounded in time, its context guarded; every way it can go wrong becomes an `error`. */
  async #run(t: Typology, event: AccessEvent, ctx: TypologyContext): Promise<TypologyResult> {
    const guarded = new GuardedContext(ctx)
    const ms = this.#options.typologyTimeoutMs
    let timer: NodeJS.Timeout | undefined
    try {
      const answer = await Promise.race([
        // Inside a promise chain so that a typology throwing synchronously is caught the same way.
        Promise.resolve().then(() => t.evaluate(event, guarded)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TypologyTimeout(ms)), ms)
        }),
      ])
      if (guarded.failures.length > 0) {
        return { kind: 'error', message: `context query failed (${guarded.failures.join('; ')})` }
      }
      if (answer === null) return { kind: 'none' }
      if (
        typeof answer !== 'object' ||
        !SEVERITIES.has(answer.severity) ||
        typeof answer.reason !== 'string' ||
        answer.reason === ''
      ) {
        return { kind: 'error', message: 'answered something that is not a hit' }
      }
      return { kind: 'hit', hit: answer }
    } catch (err) {
      const context =
        guarded.failures.length > 0 ? ` after a context query failed (${guarded.failures.join('; ')})` : ''
      return { kind: 'error', message: `${messageOf(err)}${context}` }
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * The strongest counted reason whole, plus min(extraCap, extraRate × the rest), capped at 100.
   * Input problems are first combined among themselves and capped at INPUT_MAX_POINTS: they say
   * the request is unreliable, not that it is fraud, so on their own they hold but never freeze.
   */
  #combine(reasons: readonly DecisionReason[]): number {
    const input: number[] = []
    const others: number[] = []
    for (const r of reasons) {
      if (r.shadow || r.points <= 0) continue
      ;(r.source === 'input' ? input : others).push(r.points)
    }
    if (input.length > 0) others.push(Math.min(INPUT_MAX_POINTS, this.#maxPlusExtra(input)))
    return Math.min(100, Math.round(this.#maxPlusExtra(others)))
  }

  #maxPlusExtra(points: readonly number[]): number {
    let max = 0
    let sum = 0
    for (const p of points) {
      sum += p
      if (p > max) max = p
    }
    return max + Math.min(this.#options.extraCap, this.#options.extraRate * (sum - max))
  }

  /** The profile for whatever action an unreadable event claims; the default profile when even that is unreadable. */
  #profileOf(event: unknown): ResolvedProfile {
    try {
      const action = (event as { action?: unknown } | null)?.action
      return profileFor(this.#options, typeof action === 'string' ? action : 'default')
    } catch {
      return this.#options.thresholds.default
    }
  }
}

function engineReason(id: string, reason: string, shadow: boolean): DecisionReason {
  return { source: 'engine', id, severity: 'critical', reason, shadow, points: 0 }
}

/** Counted engine failures first, then by points, shadowed last: the review queue reads the top line. */
function byWeight(a: DecisionReason, b: DecisionReason): number {
  const rank = (r: DecisionReason): number => (r.shadow ? 0 : r.source === 'engine' ? 2 : 1)
  return rank(b) - rank(a) || b.points - a.points
}

function freeze(decision: Decision): Decision {
  for (const r of decision.reasons) Object.freeze(r)
  Object.freeze(decision.reasons)
  return Object.freeze(decision)
}
