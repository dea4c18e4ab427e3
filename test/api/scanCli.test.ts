/*
 * `mamori scan` (D-5, E-2): the retrospective scan from the command line, run as an operator
 * would run it against a SQLite database holding a customer's year of history, an attacker's
 * destination change and withdrawal, and the customer's own. Attacker-chosen text (a device id
 * that is a spreadsheet formula, one that holds a terminal escape sequence) must come out inert.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AccessEvent } from '../../src/risk/events/index.js'
import type { ScanReport } from '../../src/scan/index.js'
import { migrate, openStore, type Store } from '../../src/store/index.js'
import { TEST_SECRET_KEY } from '../support/server.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type FixtureOrigin, type TypologyFixture } from '../support/typologyFixture.js'

const ROOT = resolve(import.meta.dirname, '../..')
const HOUR = 3_600_000
const DAY = 86_400_000
/** FIXTURE_T0 is 2025-05-12 01:00 UTC: the period is ten days from that midnight. */
const FROM = '2025-05-12'
const TO = '2025-05-22'
const FORMULA_DEVICE = '=HYPERLINK("http://evil.example","x")'
const ESCAPE_DEVICE = 'dev-\u001b[2Jcleared'

describe('mamori scan', () => {
  let dir: string
  let dbPath: string
  let store: Store
  let fx: TypologyFixture
  let attack: AccessEvent
  let escape: AccessEvent
  let theft: AccessEvent
  let own: AccessEvent[]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mamori-scan-cli-'))
    dbPath = join(dir, 'mamori.db')
    store = await openStore({ dialect: 'sqlite', sqlitePath: dbPath, postgresSchema: 'public', poolSize: 1 } as Parameters<typeof openStore>[0])
    await migrate(store)
    fx = await openTypologyFixture(store)
    const customer = 'cus_cli_1'
    fx.recordHabit(customer, [ORIGINS.home, ORIGINS.phone])
    const change = (at: number, origin: FixtureOrigin, destinationId: string): AccessEvent =>
      fx.record({ customerId: customer, at, action: 'destination_change', origin, detail: { route: '/v1/destinations', status: 201, destinationId } })
    own = [change(T0 + HOUR, ORIGINS.home, 'dst-own'), change(T0 + 2 * HOUR, { ...ORIGINS.home, ip: '203.0.113.99' }, 'dst-own-2')]
    attack = change(T0 + 3 * HOUR, { ...ORIGINS.beijing, deviceId: FORMULA_DEVICE }, 'dst-forged')
    escape = change(T0 + 4 * HOUR, { ...ORIGINS.vps, deviceId: ESCAPE_DEVICE }, 'dst-forged-2')
    theft = fx.record({ customerId: customer, at: T0 + 3 * DAY, action: 'withdrawal', origin: ORIGINS.vps, detail: { route: '/v1/withdrawals', status: 201, destinationId: 'dst-forged', amount: 9_800_000 } })
    own.push(fx.record({ customerId: customer, at: T0 + 4 * DAY, action: 'withdrawal', origin: ORIGINS.home, detail: { route: '/v1/withdrawals', status: 201, destinationId: 'dst-own', amount: 50_000 } }))
    await fx.close()
  })
  afterAll(async () => {
    await store?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function mamori(args: readonly string[], sqlitePath = dbPath): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scan', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MAMORI_SQLITE_PATH: sqlitePath,
        MAMORI_SECRET_KEY: TEST_SECRET_KEY,
        MAMORI_LOG_LEVEL: 'warn',
      },
      encoding: 'utf8',
    })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  it("prints the attacker's destination changes as a table with a summary line, and none of the customer's own", () => {
    const r = mamori(['destination-changes', '--from', FROM, '--to', TO])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(attack.id)
    expect(r.stdout).toContain(escape.id)
    for (const e of own) expect(r.stdout).not.toContain(e.id)
    expect(r.stdout).toContain('ip_unseen network_unseen device_unseen withdrawal_from_other_origin')
    expect(r.stdout).toMatch(
      /checked 4 destination changes from 2025-05-12T00:00:00\.000Z to 2025-05-22T00:00:00\.000Z against 365 days of history: 2 suspicious \(ip_unseen 2, .*\), in \d+\.\d\d s/,
    )
    // The escape sequence in the device id reaches the terminal as text.
    expect(r.stdout).not.toContain('\u001b')
    expect(r.stdout).toContain('dev-\\x1b[2Jcleared')
  })

  it('prints JSON on stdout and the summary on stderr', () => {
    const r = mamori(['destination-changes', '--from', FROM, '--to', TO, '--format', 'json'])
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as ScanReport
    expect(report).toMatchObject({ kind: 'destination_change', scanned: 4, suspicious: 2, lookbackDays: 365 })
    expect(report.rows.map((x) => [x.eventId, x.severity, x.deviceId])).toEqual([
      [attack.id, 'critical', FORMULA_DEVICE],
      [escape.id, 'critical', ESCAPE_DEVICE],
    ])
    expect(r.stderr).toContain('checked 4 destination changes')
  })

  it('writes CSV to --out with the formula in the device id neutralised', () => {
    const out = join(dir, 'report.csv')
    const r = mamori(['destination-changes', '--from', FROM, '--to', TO, '--format', 'csv', '--out', out])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`report written to ${out}`)
    const lines = readFileSync(out, 'utf8').split('\r\n')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^at,customer_id,event_id,/)
    expect(lines[1]).toContain(attack.id)
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`)
    expect(lines[1]).not.toMatch(/,=|,"=/)
  })

  it('scans withdrawals the same way', () => {
    const r = mamori(['withdrawals', '--from', FROM, '--to', TO, '--format', 'json'])
    expect(r.status, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout) as ScanReport
    expect(report).toMatchObject({ kind: 'withdrawal', scanned: 2, suspicious: 1 })
    expect(report.rows[0]).toMatchObject({ eventId: theft.id, amount: 9_800_000, destinationId: 'dst-forged' })
    expect(report.rows[0]!.reasons).toContain('destination_change_from_other_origin')
    const table = mamori(['withdrawals', '--from', FROM, '--to', TO])
    expect(table.stdout).toContain('withdrawal JPY 9800000 to dst-forged')
    expect(table.stdout).toContain('checked 2 withdrawals')
  })

  it('shows progress on stderr for a long period', () => {
    const r = mamori(['destination-changes', '--from', '2025-04-01', '--to', '2025-06-18'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('scan destination changes: 100%')
    // A short one is quiet.
    expect(mamori(['destination-changes', '--from', FROM, '--to', TO]).stderr).toBe('')
  })

  it.each([
    ['a malformed --from', ['--from', 'July 1', '--to', TO], 'SCAN_PERIOD_INVALID'],
    ['a day that does not exist', ['--from', '2025-02-29', '--to', TO], 'SCAN_PERIOD_INVALID'],
    ['a reversed period', ['--from', TO, '--to', FROM], 'SCAN_PERIOD_REVERSED'],
    ['an empty period', ['--from', FROM, '--to', FROM], 'SCAN_PERIOD_REVERSED'],
  ])('refuses %s with a stable code and exit 1, writing nothing', (_name, args, code) => {
    const out = join(dir, `refused-${code}.json`)
    const before = statSync(dbPath).mtimeMs
    const r = mamori(['destination-changes', ...args, '--format', 'json', '--out', out])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(`mamori: ${code}:`)
    expect(r.stdout).toBe('')
    expect(existsSync(out)).toBe(false)
    expect(statSync(dbPath).mtimeMs).toBe(before)
    // Nor is a database created where none was.
    const missing = join(dir, 'never-created.db')
    expect(mamori(['withdrawals', ...args], missing).status).toBe(1)
    expect(existsSync(missing)).toBe(false)
  })

  it('refuses an unknown format and a missing --to before scanning', () => {
    const bad = mamori(['destination-changes', '--from', FROM, '--to', TO, '--format', 'xml'])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('expected table, json, csv')
    const missing = mamori(['destination-changes', '--from', FROM])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain("required option '--to <date>' not specified")
  })
})
