/** The retrospective scan (D-5): a period's destination changes or withdrawals against each customer's past year. */
export { scanChanges, SCAN_REASONS } from './scanChanges.js'
export type { ScanKind, ScanOptions, ScanReason, ScanReport, SuspiciousChange } from './scanChanges.js'
export { checkPeriod, parseInstant, parsePeriod } from './parsePeriod.js'
export type { ScanPeriod } from './parsePeriod.js'
export { scanReportToCsv } from './scanReportCsv.js'
