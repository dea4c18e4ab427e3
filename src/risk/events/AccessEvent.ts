import { createHash } from 'node:crypto'
import type { Random } from '../../runtime/index.js'
import { parseIpAddress, parseUserAgent } from '../intel/index.js'
import type { IpInfo, IpIntel, ParsedUserAgent } from '../intel/index.js'

/** Every kind of access the history records (C-1): login attempts and each guarded operation. */
export const ACCESS_ACTIONS = [
  'login',
  'login_failed',
  'order',
  'destination_change',
  'withdrawal',
  'contact_change',
  'factor_change',
  'password_change',
  'deposit',
  'recovery',
  'unlock',
] as const

/** What the access was. */
export type AccessAction = (typeof ACCESS_ACTIONS)[number]

/** How an access ended: went through, failed, was challenged, held for review, denied, or froze the account. */
export const ACCESS_OUTCOMES = ['success', 'failure', 'step_up', 'held', 'denied', 'frozen'] as const

/** How an access ended. */
export type AccessOutcome = (typeof ACCESS_OUTCOMES)[number]

/** Operation facts kept with an event: amount, destinationId, symbol, side, quantity, notional, reason... */
export type AccessDetail = Readonly<Record<string, string | number | boolean | null>>

/** Device classes from the parsed user agent. */
export type AccessDeviceType = ParsedUserAgent['deviceType']

/**
 * One recorded access or operation, enriched with what was known about its origin at that moment
 * (the network owner and location of an address change over a year, so they are stored, not
 * looked up again when the history is read). Mirrors the `access_events` table.
 */
export interface AccessEvent {
  readonly id: string
  /** Milliseconds since the epoch, from the injected clock. */
  readonly at: number
  /** Null for a failed login with a login ID that belongs to no customer. */
  readonly customerId: string | null
  /** SHA-256 (hex) of the login ID tried, on login events; counts stuffing across IDs without storing them. */
  readonly loginIdHash: string | null
  readonly sessionHash: string | null
  readonly action: AccessAction
  readonly outcome: AccessOutcome
  /** Canonical address text (IPv4-mapped IPv6 as IPv4), or the garbage received, cut to 100 characters. */
  readonly ip: string
  readonly asn: number | null
  readonly asnName: string | null
  /** `asn:N`, else the /24 or /48 as `net:…`; `net:invalid` for anything that is not an address. */
  readonly network: string
  readonly country: string | null
  readonly city: string | null
  readonly latitude: number | null
  readonly longitude: number | null
  /** The AS is on the hosting/VPN list. */
  readonly hosting: boolean
  /** The User-Agent header, cut to 512 characters. */
  readonly userAgent: string
  readonly browser: string | null
  readonly os: string | null
  readonly deviceType: AccessDeviceType
  readonly deviceId: string | null
  readonly detail: AccessDetail
}

/** What the caller knows at the moment of an access; `enrichAccess` adds the rest. */
export interface AccessInput {
  readonly at: number
  readonly customerId: string | null
  /** The login ID typed, on login attempts; only its hash is kept. */
  readonly loginId?: string | null
  readonly sessionHash: string | null
  readonly action: AccessAction
  readonly outcome: AccessOutcome
  /** The client address as received; anything, including garbage. */
  readonly ip: string
  /** The User-Agent header as received; anything, including absent. */
  readonly userAgent: string
  readonly deviceId: string | null
  readonly detail?: AccessDetail
}

/** Longest device id kept; real ids are server-issued and far shorter, longer input is a client's doing. */
const MAX_DEVICE_ID_LENGTH = 128
const ACTION_SET: ReadonlySet<string> = new Set(ACCESS_ACTIONS)
const OUTCOME_SET: ReadonlySet<string> = new Set(ACCESS_OUTCOMES)
const EMPTY_DETAIL: AccessDetail = Object.freeze({})

/**
 * Builds the event for one access: origin network, AS, location and hosting flag from `intel`,
 * browser/OS/device type from the user agent, a fresh id from `random`. The address, user agent,
 * device id and login ID come from the client and may be anything: they never make this throw (an
 * invalid address is recorded as `net:invalid` with no location, a junk user agent with no
 * browser or OS), so the access is recorded, and scored, whatever was sent. Wrong `at`, `action`
 * or `outcome` are the caller's bug and throw a TypeError.
 */
export function enrichAccess(input: AccessInput, intel: IpIntel, random: Random): AccessEvent {
  if (!Number.isSafeInteger(input.at) || input.at < 0) throw new TypeError('at must be a non-negative integer (ms)')
  if (!ACTION_SET.has(input.action)) throw new TypeError(`unknown access action ${String(input.action)}`)
  if (!OUTCOME_SET.has(input.outcome)) throw new TypeError(`unknown access outcome ${String(input.outcome)}`)
  const origin = lookupOrigin(input.ip, intel)
  const agent = parseAgent(input.userAgent)
  return {
    id: accessEventId(input.at, random),
    at: input.at,
    customerId: textOrNull(input.customerId),
    loginIdHash: typeof input.loginId === 'string' ? hashLoginId(input.loginId) : null,
    sessionHash: textOrNull(input.sessionHash),
    action: input.action,
    outcome: input.outcome,
    ip: withoutNul(origin.ip),
    asn: origin.asn,
    asnName: origin.asnName,
    network: origin.network,
    country: origin.country,
    city: origin.city,
    latitude: origin.latitude,
    longitude: origin.longitude,
    hosting: origin.hosting,
    userAgent: withoutNul(agent.raw),
    browser: agent.browser,
    os: agent.os,
    deviceType: agent.deviceType,
    deviceId: typeof input.deviceId === 'string' ? withoutNul(input.deviceId.slice(0, MAX_DEVICE_ID_LENGTH)) : null,
    detail: cleanDetail(input.detail),
  }
}

/**
 * `acc_` + the time as 12 hex digits + 80 random bits. Ids sort by time, so the primary-key index
 * grows at its right edge instead of taking a random page per insert: with five other indexes on
 * the table, that is a measurable part of the ingest rate.
 */
export function accessEventId(at: number, random: Random): string {
  return `acc_${at.toString(16).padStart(12, '0')}${random.bytes(10).toString('hex')}`
}

/** SHA-256 (hex) of a login ID exactly as typed: the same string the customer lookup matches. */
export function hashLoginId(loginId: string): string {
  return createHash('sha256').update(loginId, 'utf8').digest('hex')
}

/** Whether `value` is one of the recorded actions (for rows and input that did not come through the type checker). */
export function isAccessAction(value: unknown): value is AccessAction {
  return typeof value === 'string' && ACTION_SET.has(value)
}

/** Whether `value` is one of the recorded outcomes. */
export function isAccessOutcome(value: unknown): value is AccessOutcome {
  return typeof value === 'string' && OUTCOME_SET.has(value)
}

/**
 * PostgreSQL refuses U+0000 in text ("invalid byte sequence"), so one NUL in a user agent would
 * make a whole batch fail on every retry. It is replaced, not dropped, so `a\0b` stays distinct from `ab`.
 */
export function withoutNul(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value
}

/** The origin from `intel`; an implementation that breaks its never-throw contract is treated as knowing nothing. */
function lookupOrigin(ip: unknown, intel: IpIntel): IpInfo {
  const text = typeof ip === 'string' ? ip : ''
  try {
    return intel.lookup(text)
  } catch {
    const parsed = parseIpAddress(text)
    return {
      ip: parsed === undefined ? text.slice(0, 100) : parsed.text,
      valid: parsed !== undefined,
      version: parsed === undefined ? null : parsed.version,
      private: false,
      country: null,
      city: null,
      latitude: null,
      longitude: null,
      asn: null,
      asnName: null,
      hosting: false,
      // Unknown rather than a guessed /24: the event must not look like a familiar network.
      network: parsed === undefined ? 'net:invalid' : 'net:unknown',
    }
  }
}

function parseAgent(ua: unknown): ParsedUserAgent {
  try {
    return parseUserAgent(typeof ua === 'string' ? ua : '')
  } catch {
    return { raw: '', browser: null, os: null, deviceType: 'other', known: false }
  }
}

function textOrNull(value: string | null | undefined): string | null {
  return typeof value === 'string' ? withoutNul(value) : null
}

/** Keeps only JSON-safe scalars: a non-finite number becomes null, anything else is dropped. */
function cleanDetail(detail: AccessDetail | undefined): AccessDetail {
  if (detail === undefined || detail === null || typeof detail !== 'object') return EMPTY_DETAIL
  const out: Record<string, string | number | boolean | null> = {}
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === 'number') out[key] = Number.isFinite(value) ? value : null
    else if (typeof value === 'string' || typeof value === 'boolean' || value === null) out[key] = value
  }
  return Object.freeze(out)
}
