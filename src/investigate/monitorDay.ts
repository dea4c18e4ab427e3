import { MamoriError } from '../errors/index.js'

const DAY_MS = 86_400_000
/** Japan Standard Time, UTC+9 all year (no daylight saving): the brokers' and their customers' day. */
export const JST_OFFSET_MS = 9 * 3_600_000

/** One JST calendar day as the half-open UTC period it covers. */
export interface MonitorDay {
  /** `YYYY-MM-DD`, a date in Japan. */
  readonly day: string
  /** 00:00 JST of the day (ms since the epoch, inclusive). */
  readonly from: number
  /** 00:00 JST of the next day (exclusive). */
  readonly to: number
}

/**
 * The JST day `YYYY-MM-DD` names: [00:00, 24:00) in Japan, i.e. 15:00 UTC the day before to 15:00
 * UTC. The monitor works in Japanese days because that is the day the brokers' customers and
 * staff live in; a UTC day would split a Japanese morning's activity across two reports.
 * MONITOR_DAY_INVALID for anything that is not an existing date.
 */
export function parseMonitorDay(text: string): MonitorDay {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typeof text === 'string' ? text.trim() : '')
  const invalid = (): MamoriError =>
    new MamoriError('MONITOR_DAY_INVALID', `the day must be a date YYYY-MM-DD (JST), got ${JSON.stringify(String(text).slice(0, 40))}`, { field: 'day' })
  if (m === null) throw invalid()
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const midnightUtc = Date.UTC(y, mo - 1, d)
  const check = new Date(midnightUtc)
  if (mo < 1 || mo > 12 || check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1 || y < 1970) throw invalid()
  const from = midnightUtc - JST_OFFSET_MS
  return { day: m[0], from, to: from + DAY_MS }
}

/** The JST date (`YYYY-MM-DD`) of an instant. */
export function jstDate(ms: number): string {
  return new Date(ms + JST_OFFSET_MS).toISOString().slice(0, 10)
}

/** The JST day before the one `ms` falls in: what a monitor run at `ms` checks by default. */
export function previousJstDay(ms: number): MonitorDay {
  return parseMonitorDay(jstDate(ms - DAY_MS))
}
