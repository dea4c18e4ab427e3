import type { AccessEvent } from '../events/index.js'
import type { RbaFeatures, RbaScore, RbaSubFeature } from '../model/index.js'
import type { Severity } from '../typologies/index.js'

/** The value a sub-feature takes when the event does not know it, as RbaModel expects. */
const UNKNOWN = 'unknown'

/**
 * The model's features of an event. The model must be trained (`observe`) through this same
 * function, or scoring compares different spellings of the same environment.
 */
export function rbaFeaturesOf(
  event: Pick<AccessEvent, 'ip' | 'asn' | 'country' | 'userAgent' | 'browser' | 'os' | 'deviceType'>,
): RbaFeatures {
  return {
    ip: textOr(event.ip),
    asn: typeof event.asn === 'number' && Number.isSafeInteger(event.asn) ? `AS${event.asn}` : UNKNOWN,
    country: textOr(event.country),
    ua: textOr(event.userAgent),
    browser: textOr(event.browser),
    os: textOr(event.os),
    deviceType: textOr(event.deviceType),
  }
}

function textOr(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : UNKNOWN
}

/** Risk points of an RBA score, with the sentence explaining them. */
export interface RbaPoints {
  readonly points: number
  readonly severity: Severity
  readonly reason: string
}

/**
 * Points for parts of the login environment the customer never used. The Freeman score alone
 * under-rates an attacker who copies a common user agent (seed 003's phishing kits relay the
 * victim's own browser string): a new IP and AS then score about 4 × the population share of the
 * user agent, a few units, the same as a renumbered home line. So the points come from what is
 * unseen, the network weighing most (the IP feature dominates the model, 0.6 + 0.3), with the score
 * added on top only when it is far out.
 */
export const RBA_NOVELTY_POINTS: Readonly<{
  network: number
  country: number
  browser: number
  deviceType: number
}> = Object.freeze({
  /** Neither the address nor its AS ever used by the customer. */
  network: 30,
  /** A country the customer never logged in from. */
  country: 15,
  /** Neither the browser nor the OS (with versions) ever used: another device. */
  browser: 15,
  /** A device class (desktop, mobile...) never used. */
  deviceType: 5,
})

/**
 * Points for a far-out Freeman score S_u(x), bands on log10 S: below 10 nothing (a customer's own
 * environment scores well under 1, a new address on the home AS around 1), from 10 a little, from
 * 1,000 more. Short histories inflate S through the customer prior, hence the modest weights.
 */
export const RBA_SCORE_BANDS: readonly { readonly atLeast: number; readonly points: number }[] =
  Object.freeze([Object.freeze({ atLeast: 1_000, points: 20 }), Object.freeze({ atLeast: 10, points: 10 })])

/** A customer with no login in the model: no history is a new environment, never "score 0". */
export const RBA_NO_HISTORY_POINTS = 50

/**
 * The most RBA alone can add. Below a login's deny threshold: an unfamiliar environment is a
 * reason to ask for a passkey, which the real customer passes, not to lock the customer out.
 */
export const RBA_MAX_POINTS = 70

/** Turns a model score into risk points. A malformed score is the model's failure and throws. */
export function rbaPoints(score: RbaScore): RbaPoints {
  if (
    !Array.isArray(score.unseen) ||
    !Number.isSafeInteger(score.customerLogins) ||
    score.customerLogins < 0
  ) {
    throw new TypeError('RBA score is malformed')
  }
  if (typeof score.score !== 'number' || Number.isNaN(score.score))
    throw new TypeError('RBA score is not a number')
  if (score.customerLogins === 0) {
    return {
      points: RBA_NO_HISTORY_POINTS,
      severity: 'high',
      reason: 'no successful login on record for this customer: a new environment',
    }
  }
  const unseen = new Set<RbaSubFeature>(score.unseen)
  const parts: string[] = []
  let points = 0
  if (unseen.has('ip') && unseen.has('asn')) {
    points += RBA_NOVELTY_POINTS.network
    parts.push('network')
  }
  if (unseen.has('country')) {
    points += RBA_NOVELTY_POINTS.country
    parts.push('country')
  }
  if (unseen.has('browser') && unseen.has('os')) {
    points += RBA_NOVELTY_POINTS.browser
    parts.push('browser and OS')
  }
  if (unseen.has('deviceType')) {
    points += RBA_NOVELTY_POINTS.deviceType
    parts.push('device type')
  }
  const band = RBA_SCORE_BANDS.find((b) => score.score >= b.atLeast)
  if (band !== undefined) points += band.points
  points = Math.min(points, RBA_MAX_POINTS)
  const scoreText =
    score.score >= 1e6 ? score.score.toExponential(1) : String(Math.round(score.score * 100) / 100)
  const reason =
    parts.length === 0
      ? `login environment familiar to this customer (RBA score ${scoreText})`
      : `${parts.join(', ')} never used by this customer in ${score.customerLogins} logins (RBA score ${scoreText})`
  return { points, severity: severityOf(points), reason }
}

function severityOf(points: number): Severity {
  if (points >= 60) return 'high'
  if (points >= 30) return 'medium'
  return 'low'
}
