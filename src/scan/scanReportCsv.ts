import type { ScanReport, SuspiciousChange } from './scanChanges.js'

const COLUMNS = [
  'at',
  'customer_id',
  'event_id',
  'kind',
  'operation',
  'outcome',
  'severity',
  'reasons',
  'ip',
  'network',
  'network_name',
  'country',
  'hosting',
  'device_id',
  'device_type',
  'browser',
  'os',
  'destination_id',
  'amount',
] as const

/**
 * The suspicious changes as CSV (RFC 4180: CRLF, fields quoted when they hold a comma, quote or
 * line break), one row each, reasons joined by `;`, times in ISO 8601 UTC. A cell that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@` first: a user agent or an address is
 * attacker-chosen text) is prefixed with `'`.
 */
export function scanReportToCsv(report: ScanReport): string {
  const lines = [COLUMNS.join(',')]
  for (const row of report.rows) lines.push(cells(row).map(csvCell).join(','))
  return `${lines.join('\r\n')}\r\n`
}

function cells(r: SuspiciousChange): (string | number | boolean | null)[] {
  return [
    new Date(r.at).toISOString(),
    r.customerId,
    r.eventId,
    r.kind,
    r.operation,
    r.outcome,
    r.severity,
    r.reasons.join(';'),
    r.ip,
    r.network,
    r.networkName,
    r.country,
    r.hosting,
    r.deviceId,
    r.deviceType,
    r.browser,
    r.os,
    r.destinationId,
    r.amount,
  ]
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return ''
  if (typeof value !== 'string') return String(value)
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
