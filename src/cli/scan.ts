import { writeFileSync } from 'node:fs'
import { InvalidArgumentError, Option, type Command } from 'commander'
import type { FrozenConfig } from '../config/index.js'
import { parsePeriod, scanChanges, scanReportToCsv, SCAN_REASONS, type ScanKind, type ScanReport, type SuspiciousChange } from '../scan/index.js'
import { openStore } from '../store/index.js'
import { progressBar } from './progress.js'
import { renderTable } from './table.js'

/** Periods of at least this many days (one query each) show a progress bar on stderr: seed 004's was 78. */
const PROGRESS_FROM_DAYS = 31
const FORMATS = ['table', 'json', 'csv'] as const
type Format = (typeof FORMATS)[number]

interface ScanCommandOptions {
  readonly from: string
  readonly to: string
  readonly format: Format
  readonly out?: string
}

const KINDS: readonly { command: string; kind: ScanKind; noun: string; description: string }[] = [
  {
    command: 'destination-changes',
    kind: 'destination_change',
    noun: 'destination changes',
    description: "check every withdrawal-destination change in a period against its customer's past year of access (seed 004)",
  },
  {
    command: 'withdrawals',
    kind: 'withdrawal',
    noun: 'withdrawals',
    description: "check every withdrawal in a period against its customer's past year of access",
  },
]

/**
 * Registers `scan destination-changes` and `scan withdrawals` (D-5, E-2) on the program: the
 * retrospective scan of a period, printed as a table with a summary line, or as JSON or CSV, to
 * stdout or a file. The period is read before the database is opened, so a typo
 * (SCAN_PERIOD_INVALID, SCAN_PERIOD_REVERSED) touches nothing; the scan itself only reads.
 * `config` loads the frozen configuration the way every other command does (file, environment).
 */
export function registerScanCommands(program: Command, config: () => FrozenConfig): void {
  const scan = program.command('scan').description("retrospective scans of a period against customers' access history")
  for (const k of KINDS) {
    scan
      .command(k.command)
      .description(k.description)
      .requiredOption('--from <date>', 'start of the period, inclusive (2020-07-01, 2020-07-01T09:00+09:00; UTC unless an offset is given)')
      .requiredOption('--to <date>', 'end of the period, exclusive (--to 2020-09-17 ends with 16 September)')
      .addOption(new Option('--format <format>', 'table | json | csv').default('table').argParser(format))
      .option('--out <file>', 'write the report to this file instead of stdout (written only when the scan succeeds)')
      .action(async (o: ScanCommandOptions) => {
        const period = parsePeriod(o.from, o.to)
        const store = await openStore(config().database)
        let report: ScanReport
        const started = performance.now()
        try {
          let bar: ((done: number, total: number) => void) | undefined
          report = await scanChanges(store, {
            kind: k.kind,
            from: period.from,
            to: period.to,
            onProgress: (done, total) => {
              if (total < PROGRESS_FROM_DAYS) return
              bar ??= progressBar(`scan ${k.noun}`)
              bar(done, total)
            },
          })
        } finally {
          await store.close()
        }
        const seconds = (performance.now() - started) / 1000
        const summary = summaryLine(k.noun, report, seconds)
        const body = o.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : o.format === 'csv' ? scanReportToCsv(report) : `${renderReport(report)}\n${summary}\n`
        if (o.out !== undefined) {
          writeFileSync(o.out, body)
          console.log(`${summary}; report written to ${o.out}`)
        } else {
          process.stdout.write(body)
          // JSON and CSV stay parseable on stdout: the summary goes to stderr.
          if (o.format !== 'table') console.error(summary)
        }
      })
  }
}

function format(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected ${FORMATS.join(', ')}`)
  return value as Format
}

function summaryLine(noun: string, r: ScanReport, seconds: number): string {
  const reasons = SCAN_REASONS.filter((x) => r.byReason[x] > 0).map((x) => `${x} ${r.byReason[x]}`)
  return (
    `checked ${r.scanned} ${noun} from ${iso(r.from)} to ${iso(r.to)} against ${r.lookbackDays} days of history: ` +
    `${r.suspicious} suspicious${reasons.length === 0 ? '' : ` (${reasons.join(', ')})`}, in ${seconds.toFixed(2)} s`
  )
}

function renderReport(r: ScanReport): string {
  if (r.rows.length === 0) return 'no suspicious changes'
  return renderTable(
    ['at (UTC)', 'customer', 'what', 'outcome', 'severity', 'ip', 'network', 'device', 'reasons', 'event'],
    r.rows.map((x) => [iso(x.at), x.customerId, what(x), x.outcome, x.severity, x.ip, network(x), x.deviceId ?? '(none)', x.reasons.join(' '), x.eventId].map(printable)),
  )
}

function what(x: SuspiciousChange): string {
  const to = x.destinationId === null ? '' : ` to ${x.destinationId}`
  return x.kind === 'withdrawal' ? `withdrawal${x.amount === null ? '' : ` JPY ${x.amount}`}${to}` : `${x.operation}${to}`
}

function network(x: SuspiciousChange): string {
  const name = x.networkName === null ? '' : ` ${x.networkName}`
  return `${x.network}${name}${x.country === null ? '' : ` ${x.country}`}${x.hosting ? ' hosting' : ''}`
}

/**
 * Device ids, addresses received as garbage and network names are text from outside; control
 * characters (an ESC starting a terminal escape sequence, a CR overwriting the line) are shown
 * escaped rather than sent to the operator's terminal.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
