import type { Factor } from '../../auth/policy/index.js'
import type { Severity } from '../typologies/index.js'

/**
 * What the engine tells the caller to do with an operation, weakest first: let it through, ask for
 * another factor, hold it for review (money and trading), refuse it (logins), or freeze the account.
 */
export const OUTCOMES = ['allow', 'step_up', 'hold', 'deny', 'freeze'] as const

/** One of `OUTCOMES`. */
export type Outcome = (typeof OUTCOMES)[number]

/** Where a reason comes from: the login risk model, a typology, the event's own fields, or the engine itself. */
export type DecisionSource = 'rba' | 'typology' | 'input' | 'engine'

/** One reason behind a decision, for the analyst and the customer notification. */
export interface DecisionReason {
  readonly source: DecisionSource
  /** `rba`, the typology id, the input problem (`invalid_ip`...), or the engine failure (`typology:<id>`, `rba`, `context`). */
  readonly id: string
  readonly severity: Severity
  /** A sentence for a person. */
  readonly reason: string
  /** The rule runs in shadow mode: reported, but its points are not counted. */
  readonly shadow: boolean
  /** The risk points this reason carries (counted only when not shadowed); 0 for engine failures. */
  readonly points: number
}

/** The engine's answer for one operation (C-4). */
export interface Decision {
  readonly outcome: Outcome
  /** Which factor to ask for; set only when `outcome` is `step_up`. */
  readonly stepUp?: Factor
  /** Risk points 0..100 from the reasons that counted. */
  readonly score: number
  readonly reasons: readonly DecisionReason[]
}

const STRENGTH: Readonly<Record<Outcome, number>> = Object.freeze({
  allow: 0,
  step_up: 1,
  hold: 2,
  deny: 3,
  freeze: 4,
})

/** How strict an outcome is: allow 0 … freeze 4. */
export function outcomeStrength(outcome: Outcome): number {
  return STRENGTH[outcome]
}

/** The stricter of two outcomes: fail-closed floors and thresholds never weaken one another. */
export function stricterOutcome(a: Outcome, b: Outcome): Outcome {
  return STRENGTH[a] >= STRENGTH[b] ? a : b
}
