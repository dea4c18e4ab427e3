import { ACCESS_OUTCOMES, isAccessAction, type AccessDetail, type AccessEvent } from '../events/index.js'
import { MAX_USER_AGENT_LENGTH, isPrivateAddress, parseIpAddress } from '../intel/index.js'
import type { Severity } from '../typologies/index.js'

/** Something wrong with the event itself: the client's doing (or a caller's bug), scored, never thrown. */
export interface InputProblem {
  readonly id: InputProblemId
  readonly severity: Severity
  readonly points: number
  readonly reason: string
  /** The event cannot be evaluated at all (not an object, unknown action, no time): the decision fails closed. */
  readonly fatal: boolean
}

/** The input problems the engine recognises. */
export type InputProblemId =
  | 'not_an_event'
  | 'unknown_action'
  | 'invalid_time'
  | 'missing_customer'
  | 'invalid_ip'
  | 'private_ip'
  | 'unknown_origin'
  | 'garbage_user_agent'

/**
 * Points of each input problem. None lowers risk; each is set so that on its own it at least
 * reaches the step-up of a login and, for the serious ones, the hold of a withdrawal:
 * - `missing_customer` 70: an operation nobody can be held accountable for; holds money and
 *   trading, steps a login up (which cannot succeed without a customer).
 * - `invalid_ip` 60: every real request has a socket address, so garbage means a forged
 *   forwarding header or a broken proxy, and no history can vouch for it.
 * - `private_ip` 40: no location, no network owner; either the proxy is misconfigured or the
 *   client is inside the broker's network.
 * - `garbage_user_agent` 30: absent, unparseable or oversized; scripts and tools, rarely a browser.
 * - `unknown_origin` 20: a public address intelligence knows nothing about (no AS, no country).
 */
export const INPUT_PROBLEM_POINTS: Readonly<
  Record<Exclude<InputProblemId, 'not_an_event' | 'unknown_action' | 'invalid_time'>, number>
> = Object.freeze({
  missing_customer: 70,
  invalid_ip: 60,
  private_ip: 40,
  garbage_user_agent: 30,
  unknown_origin: 20,
})

/** The event made safe to hand to typologies, and what was wrong with it. */
export interface InspectedEvent {
  /** Undefined when a fatal problem makes evaluation impossible. */
  readonly event: AccessEvent | undefined
  readonly problems: readonly InputProblem[]
}

const DEVICE_TYPES: ReadonlySet<string> = new Set(['desktop', 'mobile', 'tablet', 'other'])
const OUTCOMES: ReadonlySet<string> = new Set(ACCESS_OUTCOMES)
const EMPTY_DETAIL: AccessDetail = Object.freeze({})

/**
 * Checks an event that may not have come through the type checker (an HTTP handler's bug, a
 * replayed row, a fuzzer) and returns a well-formed copy: every field of the right type, unknown
 * text as null, a missing network as `net:invalid` or `net:unknown` so that it can never match a
 * network the customer used. Never throws, whatever `raw` is (getters included).
 */
export function inspectEvent(raw: unknown): InspectedEvent {
  try {
    return inspect(raw)
  } catch {
    return { event: undefined, problems: [fatal('not_an_event', 'the event could not be read')] }
  }
}

function inspect(raw: unknown): InspectedEvent {
  if (typeof raw !== 'object' || raw === null) {
    return { event: undefined, problems: [fatal('not_an_event', 'the event is not an object')] }
  }
  const r = raw as Readonly<Record<string, unknown>>
  const action = r['action']
  if (!isAccessAction(action)) {
    return { event: undefined, problems: [fatal('unknown_action', `unknown action ${short(action)}`)] }
  }
  const at = r['at']
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) {
    return {
      event: undefined,
      problems: [fatal('invalid_time', `the event time ${short(at)} is not a time`)],
    }
  }

  const problems: InputProblem[] = []
  const customerId = text(r['customerId'])
  if (customerId === null) {
    problems.push(problem('missing_customer', 'high', 'the operation names no customer'))
  }

  const ipText = typeof r['ip'] === 'string' ? r['ip'].slice(0, 100) : ''
  const parsed = parseIpAddress(ipText)
  let network = text(r['network'])
  const asn = typeof r['asn'] === 'number' && Number.isSafeInteger(r['asn']) ? r['asn'] : null
  const country = text(r['country'])
  if (parsed === undefined || network === 'net:invalid') {
    problems.push(problem('invalid_ip', 'high', `the client address ${short(r['ip'])} is not an IP address`))
    network = 'net:invalid'
  } else if (isPrivateAddress(parsed)) {
    problems.push(
      problem(
        'private_ip',
        'medium',
        `the client address ${parsed.text} is private: no location or network owner`,
      ),
    )
  } else if (asn === null && country === null) {
    problems.push(
      problem('unknown_origin', 'low', `nothing is known about ${parsed.text} (no AS, no country)`),
    )
  }

  const ua = typeof r['userAgent'] === 'string' ? r['userAgent'] : ''
  const browser = text(r['browser'])
  const os = text(r['os'])
  if (ua.trim() === '') {
    problems.push(problem('garbage_user_agent', 'medium', 'no user agent'))
  } else if (ua.length >= MAX_USER_AGENT_LENGTH - 1) {
    problems.push(
      problem('garbage_user_agent', 'medium', `an oversized user agent (${ua.length} characters or more)`),
    )
  } else if (browser === null && os === null) {
    problems.push(problem('garbage_user_agent', 'medium', `an unrecognised user agent "${ua.slice(0, 40)}"`))
  }

  const deviceType = r['deviceType']
  const outcome = r['outcome']
  const event: AccessEvent = Object.freeze({
    id: text(r['id']) ?? 'unidentified',
    at,
    customerId,
    loginIdHash: text(r['loginIdHash']),
    sessionHash: text(r['sessionHash']),
    action,
    outcome:
      typeof outcome === 'string' && OUTCOMES.has(outcome) ? (outcome as AccessEvent['outcome']) : 'success',
    ip: parsed === undefined ? ipText : parsed.text,
    asn,
    asnName: text(r['asnName']),
    // A missing key must not look like any network the customer used.
    network: network ?? 'net:unknown',
    country,
    city: text(r['city']),
    latitude: finite(r['latitude']),
    longitude: finite(r['longitude']),
    hosting: r['hosting'] === true,
    userAgent: ua.slice(0, MAX_USER_AGENT_LENGTH),
    browser,
    os,
    deviceType:
      typeof deviceType === 'string' && DEVICE_TYPES.has(deviceType)
        ? (deviceType as AccessEvent['deviceType'])
        : 'other',
    deviceId: text(r['deviceId']),
    detail: detailOf(r['detail']),
  })
  return { event, problems }
}

function problem(id: keyof typeof INPUT_PROBLEM_POINTS, severity: Severity, reason: string): InputProblem {
  return { id, severity, points: INPUT_PROBLEM_POINTS[id], reason, fatal: false }
}

function fatal(id: InputProblemId, reason: string): InputProblem {
  return { id, severity: 'critical', points: 0, reason, fatal: true }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function detailOf(value: unknown): AccessDetail {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return EMPTY_DETAIL
  const out: Record<string, string | number | boolean | null> = {}
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'number') out[key] = Number.isFinite(v) ? v : null
    else if (typeof v === 'string' || typeof v === 'boolean' || v === null) out[key] = v
  }
  return Object.freeze(out)
}

/** A value for a reason sentence, cut so a 10 KB field cannot flood the review queue. */
function short(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}
