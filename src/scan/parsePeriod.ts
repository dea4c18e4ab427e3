import { MamoriError } from '../errors/index.js'

/** A half-open period [from, to) in milliseconds since the epoch. */
export interface ScanPeriod {
  readonly from: number
  readonly to: number
}

/**
 * `2020-07-01`, `2020-07-01T09:30`, `2020-07-01T09:30:15`, `2020-07-01T09:30:15.250`, each with an
 * optional `Z` or `±HH:MM` offset. Nothing else: `Date.parse` also accepts `July 1`, `2020-7-1`
 * and local-time forms whose meaning depends on the machine, and an operator who typed one of
 * those must hear about it rather than scan the wrong day.
 */
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/

/**
 * Reads one end of a period: an ISO date or date-time, UTC unless an offset is given (a date alone
 * is midnight UTC). A malformed or impossible value (2020-02-30, 24:00, an offset on a bare date)
 * is SCAN_PERIOD_INVALID naming the field.
 */
export function parseInstant(field: string, text: string): number {
  const m = ISO_INSTANT.exec(text.trim())
  const invalid = (): MamoriError =>
    new MamoriError('SCAN_PERIOD_INVALID', `--${field} must be an ISO date or date-time (2020-07-01, 2020-07-01T09:00+09:00), got ${JSON.stringify(text)}`, {
      field,
    })
  if (m === null) throw invalid()
  const [, y, mo, d, h, mi, s, frac, offset] = m
  if (h === undefined && offset !== undefined) throw invalid()
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h ?? 0)
  const minute = Number(mi ?? 0)
  const second = Number(s ?? 0)
  const ms = Number((frac ?? '0').padEnd(3, '0'))
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) throw invalid()
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms)
  // Date.UTC rolls 2020-02-30 over to March 1st; a date that does not come back unchanged did not exist.
  if (new Date(utc).getUTCDate() !== day) throw invalid()
  const at = utc - offsetMs(field, offset)
  if (!Number.isSafeInteger(at) || at < 0) throw invalid()
  return at
}

/**
 * The period `--from`/`--to` name: `to` is exclusive, so `--from 2020-07-01 --to 2020-09-17`
 * covers 1 July to 16 September inclusive, seed 004's period. SCAN_PERIOD_INVALID for a malformed
 * end, SCAN_PERIOD_REVERSED when `to` is not after `from`.
 */
export function parsePeriod(fromText: string, toText: string): ScanPeriod {
  const from = parseInstant('from', fromText)
  const to = parseInstant('to', toText)
  checkPeriod(from, to)
  return Object.freeze({ from, to })
}

/** SCAN_PERIOD_REVERSED unless `from` < `to`: an empty or backwards period is a typo, not "nothing suspicious". */
export function checkPeriod(from: number, to: number): void {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) throw new TypeError('from and to must be integers (ms)')
  if (to <= from) {
    throw new MamoriError('SCAN_PERIOD_REVERSED', `the period ends (${iso(to)}) before or when it starts (${iso(from)})`, {
      from,
      to,
    })
  }
  // The history is kept a year; a longer period finds nothing more and would hold the database
  // (one query per day) for as long as the caller likes.
  if (to - from > MAX_PERIOD_MS) {
    throw new MamoriError('SCAN_PERIOD_INVALID', `a scan covers at most ${MAX_PERIOD_MS / 86_400_000} days`, { field: 'to' })
  }
}

/** The longest period one scan covers. */
export const MAX_PERIOD_MS = 366 * 86_400_000

function offsetMs(field: string, offset: string | undefined): number {
  if (offset === undefined || offset === 'Z') return 0
  const sign = offset.startsWith('-') ? -1 : 1
  const [hh, mm] = offset.slice(1).split(':').map(Number) as [number, number]
  if (hh > 14 || mm > 59) throw new MamoriError('SCAN_PERIOD_INVALID', `--${field}: offset ${offset} is out of range`, { field })
  return sign * (hh * 60 + mm) * 60_000
}

function iso(ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString()
}
