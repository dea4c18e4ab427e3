import { MamoriError } from '../errors/index.js'
import { parseIpAddress } from '../risk/intel/index.js'

/** The three origins an investigator pivots from (D-4). */
export type OriginKind = 'ip' | 'network' | 'device'

/** An origin as the `access_events` column and the value stored there. */
export interface OriginColumnValue {
  readonly column: 'ip' | 'network' | 'device_id'
  /** The stored form: canonical address text, `asn:N` / `net:…`, or the device id. */
  readonly value: string
}

/** A half-open time window [since, until); `until` null means "up to now". */
export interface PivotWindow {
  readonly since: number
  readonly until: number | null
}

/** Longest device id the access history keeps (AccessEvent's MAX_DEVICE_ID_LENGTH). */
const MAX_DEVICE_ID_LENGTH = 128
/** The longest symbol the catalogue could hold; anything longer is a typo or an attack on the query. */
const MAX_SYMBOL_LENGTH = 32
const NETWORK_SHAPES: readonly RegExp[] = [
  /^asn:[1-9][0-9]{0,9}$/,
  /^net:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.0\/24$/,
  /^net:[0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,2}::\/48$/,
  /^net:(invalid|unknown)$/,
]

/**
 * The origin an investigator typed, in the form `enrichAccess` stored it. An address goes through
 * `parseIpAddress` (so `::ffff:203.0.113.9` finds what was stored as `203.0.113.9`); a network is
 * `asn:N`, `AS4713`, a bare AS number, or the `net:…/24` and `net:…::/48` keys the intel folder
 * writes; a device id is the server-issued id. Anything else is PIVOT_INVALID naming the field:
 * an analyst who mistyped must hear so rather than read "no accounts".
 */
export function parseOrigin(kind: OriginKind, value: string): OriginColumnValue {
  if (typeof value !== 'string') throw invalid('value', 'the origin must be a string')
  const text = value.trim()
  switch (kind) {
    case 'ip': {
      const parsed = parseIpAddress(text)
      if (parsed === undefined) throw invalid('ip', `not an IPv4 or IPv6 address: ${JSON.stringify(text.slice(0, 100))}`)
      return { column: 'ip', value: parsed.text }
    }
    case 'network': {
      const asn = /^(?:as|asn:?)?\s*([1-9][0-9]{0,9})$/i.exec(text)
      const key = asn === null ? text.toLowerCase() : `asn:${asn[1]}`
      if (!NETWORK_SHAPES.some((shape) => shape.test(key))) {
        throw invalid('network', `expected asn:N, ASN or net:a.b.c.0/24, got ${JSON.stringify(text.slice(0, 100))}`)
      }
      return { column: 'network', value: key }
    }
    case 'device': {
      if (text === '' || text.length > MAX_DEVICE_ID_LENGTH || text.includes('\0')) {
        throw invalid('device', `a device id is 1 to ${MAX_DEVICE_ID_LENGTH} characters`)
      }
      return { column: 'device_id', value: text }
    }
    default:
      throw invalid('kind', `kind must be ip, network or device, got ${JSON.stringify(String(kind))}`)
  }
}

/** The window in ms; PIVOT_INVALID for a non-integer or negative bound, or `until` not after `since`. */
export function checkWindow(since: number | undefined, until: number | undefined): PivotWindow {
  const from = since ?? 0
  if (!Number.isSafeInteger(from) || from < 0) throw invalid('since', 'since must be a non-negative integer (ms)')
  if (until === undefined) return { since: from, until: null }
  if (!Number.isSafeInteger(until) || until < 0) throw invalid('until', 'until must be a non-negative integer (ms)')
  if (until <= from) throw invalid('until', 'until must be after since')
  return { since: from, until }
}

/** A row limit in [1, max]; PIVOT_INVALID otherwise. */
export function checkPivotLimit(limit: number | undefined, fallback: number, max: number): number {
  const n = limit ?? fallback
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw invalid('limit', `limit must be an integer from 1 to ${max}`)
  return n
}

/** A customer id argument: non-empty text; PIVOT_INVALID otherwise (an unknown one is CUSTOMER_NOT_FOUND, later). */
export function checkCustomerId(customerId: string): string {
  if (typeof customerId !== 'string' || customerId.trim() === '' || customerId.length > 200) {
    throw invalid('customerId', 'a customer id is required')
  }
  return customerId.trim()
}

/** A symbol argument: 1 to 32 printable characters; PIVOT_INVALID otherwise. */
export function checkSymbol(symbol: string): string {
  const text = typeof symbol === 'string' ? symbol.trim() : ''
  if (text === '' || text.length > MAX_SYMBOL_LENGTH || !/^[\x21-\x7e]+$/.test(text)) {
    throw invalid('symbol', 'a symbol is 1 to 32 printable characters')
  }
  return text
}

function invalid(field: string, message: string): MamoriError {
  return new MamoriError('PIVOT_INVALID', message, { field })
}
