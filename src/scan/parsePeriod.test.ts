/*
 * The period of `mamori scan`: an operator who mistypes a date must hear about it rather than scan
 * the wrong day, or an empty period that reports "nothing suspicious".
 */
import { describe, expect, it } from 'vitest'
import { checkPeriod, parseInstant, parsePeriod } from './parsePeriod.js'

function errorOf(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

function codeOf(fn: () => unknown): unknown {
  const err = errorOf(fn)
  return (err as { code?: unknown } | undefined)?.code ?? (err instanceof TypeError ? 'TypeError' : err)
}

describe('parsePeriod', () => {
  it("reads seed 004's period as dates at midnight UTC, the end exclusive", () => {
    expect(parsePeriod('2020-07-01', '2020-09-17')).toEqual({ from: Date.UTC(2020, 6, 1), to: Date.UTC(2020, 8, 17) })
  })

  it('reads date-times with seconds, milliseconds, a Z or an offset, and a space for the T', () => {
    expect(parseInstant('from', '2020-07-01T09:30')).toBe(Date.UTC(2020, 6, 1, 9, 30))
    expect(parseInstant('from', '2020-07-01 09:30:15')).toBe(Date.UTC(2020, 6, 1, 9, 30, 15))
    expect(parseInstant('from', '2020-07-01T09:30:15.25Z')).toBe(Date.UTC(2020, 6, 1, 9, 30, 15, 250))
    expect(parseInstant('from', '2020-07-01T09:00+09:00')).toBe(Date.UTC(2020, 6, 1, 0, 0))
    expect(parseInstant('from', '2020-07-01T00:00-05:30')).toBe(Date.UTC(2020, 6, 1, 5, 30))
    expect(parseInstant('from', '2020-02-29')).toBe(Date.UTC(2020, 1, 29))
  })

  it.each([
    ['an English date', 'July 1, 2020'],
    ['a date without leading zeros', '2020-7-1'],
    ['a day that does not exist', '2020-02-30'],
    ['February 29th of a common year', '2021-02-29'],
    ['month 13', '2020-13-01'],
    ['hour 24', '2020-07-01T24:00'],
    ['minute 60', '2020-07-01T09:60'],
    ['an offset on a bare date', '2020-07-01+09:00'],
    ['an offset beyond ±14 h', '2020-07-01T09:00+15:00'],
    ['an empty value', ''],
    ['epoch milliseconds', '1593561600000'],
    ['SQL', "2020-07-01' OR '1'='1"],
  ])('refuses %s as SCAN_PERIOD_INVALID naming the field', (_name, text) => {
    expect(errorOf(() => parsePeriod(text, '2020-09-17'))).toMatchObject({ code: 'SCAN_PERIOD_INVALID', details: { field: 'from' } })
    expect(errorOf(() => parsePeriod('2020-07-01', text))).toMatchObject({ code: 'SCAN_PERIOD_INVALID', details: { field: 'to' } })
  })

  it('refuses a period that ends before it starts, or when it starts, as SCAN_PERIOD_REVERSED', () => {
    expect(codeOf(() => parsePeriod('2020-09-17', '2020-07-01'))).toBe('SCAN_PERIOD_REVERSED')
    expect(codeOf(() => parsePeriod('2020-07-01', '2020-07-01'))).toBe('SCAN_PERIOD_REVERSED')
    // The same instant written in two zones is still an empty period.
    expect(codeOf(() => parsePeriod('2020-07-01T09:00+09:00', '2020-07-01T00:00Z'))).toBe('SCAN_PERIOD_REVERSED')
  })

  it('treats non-integer milliseconds from a caller as a programming error (TypeError), not bad input', () => {
    expect(codeOf(() => checkPeriod(0.5, 10))).toBe('TypeError')
    expect(codeOf(() => checkPeriod(Number.NaN, 10))).toBe('TypeError')
  })
})
