import { z } from 'zod'
import { FACTORS } from '../../auth/policy/index.js'
import { MamoriError } from '../../errors/index.js'
import { ACCESS_ACTIONS, type AccessAction } from '../events/index.js'
import type { Factor } from '../../auth/policy/index.js'
import type { Severity } from '../typologies/index.js'
import { outcomeStrength, type Outcome } from './Decision.js'

/** Outcomes a failure may resolve to: never allow, never a step-up an attacker holding the session could pass. */
export type FailClosedOutcome = 'hold' | 'deny' | 'freeze'

/**
 * Score thresholds of one operation: each outcome applies from its threshold up (risk points,
 * 1..100), the strictest reached wins. Outcomes left out are never chosen by score.
 */
export interface ThresholdProfile {
  readonly step_up?: number
  readonly hold?: number
  readonly deny?: number
  readonly freeze?: number
  /** The factor a step-up asks for. Default `passkey`, the one factor a phishing relay cannot pass (seed 003). */
  readonly stepUpFactor?: Factor
  /** The outcome when the engine cannot evaluate the operation. Default `deny` for logins, `hold` otherwise. */
  readonly onError?: FailClosedOutcome
}

/** Keys of `EngineOptions.thresholds`: an action, or `default` for every action not listed. */
export type ThresholdKey = AccessAction | 'default'

/** Options of a `RiskEngine`, validated with `parseEngineOptions`; every field has a default. */
export interface EngineOptions {
  /** Per-operation thresholds; a listed operation replaces its default profile whole. */
  readonly thresholds?: Partial<Record<ThresholdKey, ThresholdProfile>>
  /** Points of a typology hit by severity. Default low 10, medium 30, high 60, critical 90. */
  readonly severityPoints?: Partial<Record<Severity, number>>
  /**
   * Points beyond the strongest reason: `min(extraCap, extraRate × sum of the others)`. Several
   * weak signals add up, but never as much as one strong one. Defaults 0.5 and 20.
   */
  readonly extraRate?: number
  readonly extraCap?: number
  /** Typology ids, or `rba`, whose findings are reported with `shadow: true` and add no points. */
  readonly shadow?: readonly string[]
  /** How long one typology may take; a slower one is a failure and the decision fails closed. Default 250 ms. */
  readonly typologyTimeoutMs?: number
}

/** A threshold profile with its defaults filled in. */
export interface ResolvedProfile {
  readonly step_up: number | undefined
  readonly hold: number | undefined
  readonly deny: number | undefined
  readonly freeze: number | undefined
  readonly stepUpFactor: Factor
  readonly onError: FailClosedOutcome
}

/** `EngineOptions` validated, with defaults, frozen. */
export interface ResolvedEngineOptions {
  readonly thresholds: Readonly<Partial<Record<ThresholdKey, ResolvedProfile>>> & {
    readonly default: ResolvedProfile
  }
  readonly severityPoints: Readonly<Record<Severity, number>>
  readonly extraRate: number
  readonly extraCap: number
  readonly shadow: ReadonlySet<string>
  readonly typologyTimeoutMs: number
}

/** Login attempts: their failure mode is deny (there is nothing to hold), and the RBA model scores them. */
export const LOGIN_ACTIONS: ReadonlySet<AccessAction> = new Set<AccessAction>(['login', 'login_failed'])

/**
 * The default thresholds. Logins step up to a passkey from 40 points (an unfamiliar environment)
 * and are denied from 90 (a critical typology). Withdrawals and destination changes are held from
 * 50 (C-5: an origin unseen in a year) and freeze the account from 90. Orders ask for a passkey
 * from 30 (a medium signal: a sale from a new environment, which the customer answers with a touch
 * and a relay cannot) and hold from 60. Everything else steps up from 40 and holds from 70.
 */
export const DEFAULT_THRESHOLDS: Readonly<Partial<Record<ThresholdKey, ThresholdProfile>>> = Object.freeze({
  login: Object.freeze({ step_up: 40, deny: 90, stepUpFactor: 'passkey', onError: 'deny' }),
  login_failed: Object.freeze({ step_up: 40, deny: 90, stepUpFactor: 'passkey', onError: 'deny' }),
  withdrawal: Object.freeze({ hold: 50, freeze: 90, onError: 'hold' }),
  destination_change: Object.freeze({ hold: 50, freeze: 90, onError: 'hold' }),
  order: Object.freeze({ step_up: 30, hold: 60, freeze: 90, stepUpFactor: 'passkey', onError: 'hold' }),
  default: Object.freeze({ step_up: 40, hold: 70, stepUpFactor: 'passkey', onError: 'hold' }),
} satisfies Partial<Record<ThresholdKey, ThresholdProfile>>)

/** Points of a typology hit by severity, by default. */
export const DEFAULT_SEVERITY_POINTS: Readonly<Record<Severity, number>> = Object.freeze({
  low: 10,
  medium: 30,
  high: 60,
  critical: 90,
})

const points = z.number().int().min(1).max(100)
const THRESHOLD_ORDER = ['step_up', 'hold', 'deny', 'freeze'] as const satisfies readonly Outcome[]

const profileSchema = z
  .strictObject({
    step_up: points.optional(),
    hold: points.optional(),
    deny: points.optional(),
    freeze: points.optional(),
    stepUpFactor: z.enum(FACTORS).optional(),
    onError: z.enum(['hold', 'deny', 'freeze']).optional(),
  })
  .superRefine((p, ctx) => {
    // A stricter outcome must need more points, or the weaker one could never be chosen.
    let previous: { name: Outcome; value: number } | undefined
    for (const name of THRESHOLD_ORDER) {
      const value = p[name]
      if (value === undefined) continue
      if (previous !== undefined && value <= previous.value) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `must be above ${previous.name} (${previous.value})`,
        })
      }
      previous = { name, value }
    }
    if (previous === undefined) ctx.addIssue({ code: 'custom', message: 'needs at least one threshold' })
  })

const optionsSchema = z.strictObject({
  thresholds: z.partialRecord(z.enum([...ACCESS_ACTIONS, 'default']), profileSchema).optional(),
  severityPoints: z
    .strictObject({
      low: points.optional(),
      medium: points.optional(),
      high: points.optional(),
      critical: points.optional(),
    })
    .optional(),
  extraRate: z.number().min(0).max(1).optional(),
  extraCap: z.number().int().min(0).max(100).optional(),
  shadow: z.array(z.string().min(1).max(100)).max(100).optional(),
  typologyTimeoutMs: z.number().int().min(1).max(60_000).optional(),
})

/**
 * Validates engine options once, at start-up, fills in the defaults and freezes the result. Throws
 * MamoriError CONFIG_INVALID (with the zod issues in `details`) for anything impossible: an
 * unknown key, a threshold outside 1..100, thresholds out of order, a fail-closed outcome that
 * would let the operation through.
 */
export function parseEngineOptions(input: unknown = {}): ResolvedEngineOptions {
  const parsed = optionsSchema.safeParse(input ?? {})
  if (!parsed.success) {
    throw new MamoriError('CONFIG_INVALID', `risk engine options: ${z.prettifyError(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    })
  }
  const o = parsed.data
  const given: Partial<Record<ThresholdKey, ThresholdProfile>> = {
    ...DEFAULT_THRESHOLDS,
    ...(o.thresholds ?? {}),
  }
  const thresholds: Partial<Record<ThresholdKey, ResolvedProfile>> = {}
  for (const [key, profile] of Object.entries(given) as Array<[ThresholdKey, ThresholdProfile | undefined]>) {
    if (profile !== undefined) thresholds[key] = resolveProfile(key, profile)
  }
  const severityPoints = Object.freeze({
    ...DEFAULT_SEVERITY_POINTS,
    ...stripUndefined(o.severityPoints ?? {}),
  })
  for (let i = 1; i < SEVERITY_ORDER.length; i++) {
    if (severityPoints[SEVERITY_ORDER[i]!] < severityPoints[SEVERITY_ORDER[i - 1]!]) {
      throw new MamoriError(
        'CONFIG_INVALID',
        'risk engine options: severityPoints must not decrease with severity',
      )
    }
  }
  return Object.freeze({
    thresholds: Object.freeze(thresholds) as ResolvedEngineOptions['thresholds'],
    severityPoints,
    extraRate: o.extraRate ?? 0.5,
    extraCap: o.extraCap ?? 20,
    shadow: new Set(o.shadow ?? []),
    typologyTimeoutMs: o.typologyTimeoutMs ?? 250,
  })
}

const SEVERITY_ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical']

function resolveProfile(key: ThresholdKey, p: ThresholdProfile): ResolvedProfile {
  const onError = p.onError ?? (key !== 'default' && LOGIN_ACTIONS.has(key) ? 'deny' : 'hold')
  return Object.freeze({
    step_up: p.step_up,
    hold: p.hold,
    deny: p.deny,
    freeze: p.freeze,
    stepUpFactor: p.stepUpFactor ?? 'passkey',
    onError,
  })
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]-?: Exclude<T[K], undefined>
  }
}

/** The profile of an action: its own, else `default`. */
export function profileFor(options: ResolvedEngineOptions, action: string): ResolvedProfile {
  // Own keys only: an event's action is data, and `toString` must not find Object.prototype's.
  const own = Object.hasOwn(options.thresholds, action)
    ? (options.thresholds as Readonly<Record<string, ResolvedProfile | undefined>>)[action]
    : undefined
  return own ?? options.thresholds.default
}

/** The strictest outcome whose threshold `score` reaches, `allow` below all of them. */
export function outcomeForScore(profile: ResolvedProfile, score: number): Outcome {
  let outcome: Outcome = 'allow'
  for (const name of THRESHOLD_ORDER) {
    const threshold = profile[name]
    if (threshold !== undefined && score >= threshold && outcomeStrength(name) > outcomeStrength(outcome)) {
      outcome = name
    }
  }
  return outcome
}
