/*
 * The retrospective scan (D-5, seed 004): after the SBI incident the broker checked each of
 * 10,005 destination changes against the customer's past year of access. Here a small broker's
 * period holds planted attacker changes next to near misses — a new address on the customer's own
 * network, history just older than a year, traces left after the change or in the last week,
 * failed logins from the attacker's address — and the scan must report the planted ones, only
 * those, with why, exactly as the online rule would have judged each change at its moment.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type FixtureOrigin,
  type TypologyFixture,
} from '../../test/support/typologyFixture.js'
import type { AccessEvent, AccessOutcome } from '../risk/events/index.js'
import { destinationChangeFromUnseenOrigin } from '../risk/typologies/index.js'
import type { Store } from '../store/index.js'
import { scanChanges, type ScanReason, type SuspiciousChange } from './index.js'

const HOUR = 3_600_000
const DAY = 86_400_000
const FROM = T0
const TO = T0 + 10 * DAY

/** The customer's PC on a new address of their own ISP (a renumbered home line). */
const RENUMBERED: FixtureOrigin = { ...ORIGINS.home, ip: '203.0.113.99' }
/** A residential proxy rented in the customer's own ISP: a new address there, on a device never seen. */
const PROXY_IN_OWN_ISP: FixtureOrigin = { ...ORIGINS.home, ip: '203.0.113.77', deviceId: 'dev-proxy-client' }
/** The customer's iPhone on another CGNAT address of docomo. */
const PHONE_ELSEWHERE: FixtureOrigin = { ...ORIGINS.phone, ip: '198.51.100.21' }
/** Someone else's phone behind the very CGNAT address the customer's phone used: shared, so only the device could vouch. */
const STRANGER_ON_CARRIER: FixtureOrigin = { ...ORIGINS.phone, deviceId: 'dev-stranger-phone' }
/** What `enrichAccess` stores for an address header that is not an address. */
const GARBAGE: FixtureOrigin = {
  ...ORIGINS.vps,
  ip: 'unknown',
  network: 'net:invalid',
  asn: null,
  asnName: null,
  country: null,
  city: null,
  latitude: null,
  longitude: null,
  hosting: false,
}

describe.each(DIALECTS)('scanChanges on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  /** Every destination change recorded by the test, to compare with the online rule. */
  let changes: AccessEvent[]

  beforeAll(async () => {
    store = await dc.open()
    fx = await openTypologyFixture(store)
  })
  afterAll(async () => {
    await fx.close()
    await store.close()
  })
  beforeEach(async () => {
    await fx.log.flush()
    await store.db.deleteFrom('access_events').execute()
    changes = []
  })

  function customer(habits: readonly FixtureOrigin[] = [ORIGINS.home, ORIGINS.phone]): string {
    const customerId = fx.unique('cus')
    fx.recordHabit(customerId, habits)
    return customerId
  }

  function change(customerId: string, at: number, origin: FixtureOrigin, outcome: AccessOutcome = 'success', destinationId?: string): AccessEvent {
    const e = fx.record({
      customerId,
      at,
      action: 'destination_change',
      outcome,
      origin,
      detail: { route: '/v1/destinations', status: outcome === 'success' ? 201 : 202, ...(destinationId === undefined ? {} : { destinationId }) },
    })
    changes.push(e)
    return e
  }

  function withdrawal(customerId: string, at: number, origin: FixtureOrigin, destinationId: string, route = '/v1/withdrawals'): AccessEvent {
    return fx.record({ customerId, at, action: 'withdrawal', origin, detail: { route, status: 201, destinationId, amount: 9_800_000 } })
  }

  async function scan(kind: 'destination_change' | 'withdrawal' = 'destination_change'): Promise<Awaited<ReturnType<typeof scanChanges>>> {
    await fx.log.flush()
    return scanChanges(store, { kind, from: FROM, to: TO })
  }

  const brief = (r: SuspiciousChange): [string, string, readonly ScanReason[]] => [r.eventId, r.severity, r.reasons]

  it("reports the attacker's changes and none of the customer's own, however their address moved", async () => {
    const c = customer()
    const benign = [
      change(c, T0 + 1 * HOUR, ORIGINS.home),
      change(c, T0 + 2 * HOUR, RENUMBERED),
      change(c, T0 + 3 * HOUR, ORIGINS.phone),
      change(c, T0 + 4 * HOUR, PHONE_ELSEWHERE),
    ]
    const proxy = change(c, T0 + 5 * HOUR, PROXY_IN_OWN_ISP)
    const stranger = change(c, T0 + 6 * HOUR, STRANGER_ON_CARRIER)
    const cafe = change(c, T0 + 7 * HOUR, ORIGINS.cafe)
    const vps = change(c, T0 + 8 * HOUR, ORIGINS.vps, 'held')

    const report = await scan()

    expect(report.scanned).toBe(8)
    expect(report.rows.map(brief)).toEqual([
      // Same network, new address, new device: what a residential proxy in the customer's ISP looks like.
      [proxy.id, 'high', ['ip_unseen', 'device_unseen']],
      // The customer's own CGNAT address vouches for nobody: a stranger's phone shares it.
      [stranger.id, 'critical', ['device_unseen', 'shared_network']],
      // The customer's own PC on a café's network: held as high, not critical.
      [cafe.id, 'high', ['ip_unseen', 'network_unseen']],
      [vps.id, 'critical', ['ip_unseen', 'network_unseen', 'no_device', 'hosting_network']],
    ])
    for (const b of benign) expect(report.rows.map((r) => r.eventId)).not.toContain(b.id)
    expect(report.suspicious).toBe(4)
    expect(report.byReason).toMatchObject({ ip_unseen: 3, network_unseen: 2, device_unseen: 2, no_device: 1, shared_network: 1, hosting_network: 1 })
    expect(report.rows[3]).toMatchObject({
      customerId: c,
      kind: 'destination_change',
      operation: 'add',
      outcome: 'held',
      ip: ORIGINS.vps.ip,
      network: 'asn:64500',
      networkName: 'EXAMPLE-HOSTING',
      country: 'SG',
      hosting: true,
      deviceId: null,
      deviceType: 'other',
    })
  })

  it('lets a use exactly 365 days before the change vouch, and not one a millisecond older', async () => {
    const at = T0 + DAY
    const edge = fx.unique('cus')
    fx.record({ customerId: edge, at: at - 365 * DAY, action: 'login', origin: ORIGINS.home })
    const old = fx.unique('cus')
    fx.record({ customerId: old, at: at - 365 * DAY - 1, action: 'login', origin: ORIGINS.home })
    change(edge, at, ORIGINS.home)
    const stale = change(old, at, ORIGINS.home)

    const report = await scan()

    expect(report.rows.map(brief)).toEqual([[stale.id, 'critical', ['ip_unseen', 'network_unseen', 'device_unseen']]])
  })

  it('does not let traces after the change, or in the week before it, vouch (the attacker logs in first)', async () => {
    const after = fx.unique('cus')
    const lastWeek = fx.unique('cus')
    const settled = fx.unique('cus')
    const at = T0 + 2 * DAY
    fx.record({ customerId: after, at: at + 1, action: 'login', origin: ORIGINS.beijing })
    fx.record({ customerId: after, at: at + 3 * DAY, action: 'login', origin: ORIGINS.beijing })
    // Exactly the settle period before the change: the window [at − 365 d, at − 7 d) leaves it out.
    fx.record({ customerId: lastWeek, at: at + 1 - 7 * DAY, action: 'login', origin: ORIGINS.beijing })
    fx.record({ customerId: lastWeek, at: at - 5 * 60_000, action: 'login', origin: ORIGINS.beijing })
    fx.record({ customerId: settled, at: at - 7 * DAY - 1, action: 'login', origin: ORIGINS.beijing })
    const a = change(after, at, ORIGINS.beijing)
    const w = change(lastWeek, at + 1, ORIGINS.beijing)
    change(settled, at + 2, ORIGINS.beijing)

    const report = await scan()

    expect(report.rows.map((r) => r.eventId)).toEqual([a.id, w.id])
    expect(report.rows.every((r) => r.severity === 'critical')).toBe(true)
  })

  it('does not let failed logins, step-ups, held or denied operations from an address vouch for it', async () => {
    const c = customer()
    for (const [d, action, outcome] of [
      [40, 'login_failed', 'failure'],
      [35, 'login_failed', 'failure'],
      [30, 'login', 'step_up'],
      [25, 'withdrawal', 'held'],
      [20, 'destination_change', 'denied'],
      [15, 'login', 'frozen'],
    ] as const) {
      fx.record({ customerId: c, at: T0 - d * DAY, action, outcome, origin: ORIGINS.beijing })
    }
    const attack = change(c, T0 + HOUR, ORIGINS.beijing)

    const report = await scan()

    expect(report.rows.map(brief)).toEqual([[attack.id, 'critical', ['ip_unseen', 'network_unseen', 'device_unseen']]])
  })

  it("judges each change by its own customer's history: another customer's home is a stranger's address", async () => {
    customer([ORIGINS.home])
    const other = customer([ORIGINS.osakaHotel])
    const e = change(other, T0 + HOUR, { ...ORIGINS.home, deviceId: 'dev-other-pc' })

    expect((await scan()).rows.map(brief)).toEqual([[e.id, 'critical', ['ip_unseen', 'network_unseen', 'device_unseen']]])
  })

  it('never lets a garbage address or its placeholder network vouch, even one the customer sent before', async () => {
    const c = customer([GARBAGE])
    const e = change(c, T0 + HOUR, GARBAGE)

    expect((await scan()).rows.map(brief)).toEqual([[e.id, 'critical', ['ip_unseen', 'network_unseen', 'no_device']]])
  })

  it('scans [from, to) and only changes that went through or were held', async () => {
    const c = fx.unique('cus')
    change(c, FROM - 1, ORIGINS.vps)
    const first = change(c, FROM, ORIGINS.vps)
    // Another origin: the changes from the VPS at the start are old enough by now to vouch for it.
    const last = change(c, TO - 1, ORIGINS.beijing, 'held')
    change(c, TO, ORIGINS.vps)
    for (const outcome of ['denied', 'step_up', 'failure', 'frozen'] as const) change(c, FROM + DAY, ORIGINS.vps, outcome)
    fx.record({ customerId: null, at: FROM + DAY, action: 'destination_change', origin: ORIGINS.vps })

    const report = await scan()

    expect(report.scanned).toBe(2)
    expect(report.rows.map((r) => r.eventId)).toEqual([first.id, last.id])
  })

  it('agrees with the online rule destinationChangeFromUnseenOrigin on every change, severity included', async () => {
    const c = customer()
    const origins = [ORIGINS.home, RENUMBERED, ORIGINS.phone, PHONE_ELSEWHERE, PROXY_IN_OWN_ISP, STRANGER_ON_CARRIER, ORIGINS.cafe, ORIGINS.osakaHotel, ORIGINS.beijing, ORIGINS.vps, GARBAGE]
    // A second customer whose home is the first one's café, and whose phone is new.
    const d = customer([ORIGINS.cafe, { ...ORIGINS.phone, deviceId: 'dev-d-phone' }])
    for (const [i, origin] of origins.entries()) {
      change(c, T0 + i * HOUR, origin)
      change(d, T0 + DAY + i * HOUR, origin)
    }
    const online = destinationChangeFromUnseenOrigin()

    const report = await scan()

    const flagged = new Map(report.rows.map((r) => [r.eventId, r.severity]))
    for (const e of changes) {
      const hit = await online.evaluate(e, fx.context(e.at))
      expect([e.customerId, e.ip, e.deviceId, flagged.get(e.id) ?? null]).toEqual([e.customerId, e.ip, e.deviceId, hit?.severity ?? null])
    }
    expect(report.scanned).toBe(changes.length)
    expect(report.suspicious).toBeGreaterThan(5)
  })

  it('adds withdrawal_from_other_origin to a flagged change followed within 30 days by a withdrawal to it from elsewhere', async () => {
    const c = customer()
    const forged = change(c, T0 + HOUR, ORIGINS.beijing, 'success', 'dst-forged')
    withdrawal(c, T0 + 4 * DAY, ORIGINS.vps, 'dst-forged')
    const sameOrigin = customer()
    const patient = change(sameOrigin, T0 + 2 * HOUR, ORIGINS.beijing, 'success', 'dst-a')
    withdrawal(sameOrigin, T0 + 4 * DAY, { ...ORIGINS.beijing, ip: '198.51.100.89' }, 'dst-a')
    const otherDestination = customer()
    const unrelated = change(otherDestination, T0 + 3 * HOUR, ORIGINS.beijing, 'success', 'dst-b')
    withdrawal(otherDestination, T0 + 4 * DAY, ORIGINS.vps, 'dst-home-bank')
    const late = customer()
    const lateChange = change(late, T0 + 4 * HOUR, ORIGINS.beijing, 'success', 'dst-c')
    withdrawal(late, T0 + 4 * HOUR + 30 * DAY, ORIGINS.vps, 'dst-c')

    const report = await scan()

    expect(report.rows.map((r) => [r.eventId, r.reasons.at(-1)])).toEqual([
      [forged.id, 'withdrawal_from_other_origin'],
      [patient.id, 'device_unseen'],
      [unrelated.id, 'device_unseen'],
      [lateChange.id, 'device_unseen'],
    ])
    expect(report.rows[0]).toMatchObject({ destinationId: 'dst-forged', severity: 'critical' })
    expect(report.byReason.withdrawal_from_other_origin).toBe(1)
  })

  it('scans withdrawals: from unseen origins, with the earlier destination change from another origin, cancellations left out', async () => {
    const c = customer()
    change(c, T0 - 3 * DAY, ORIGINS.beijing, 'success', 'dst-forged')
    const theft = withdrawal(c, T0 + HOUR, ORIGINS.vps, 'dst-forged')
    withdrawal(c, T0 + 2 * HOUR, ORIGINS.home, 'dst-own-bank')
    withdrawal(c, T0 + 3 * HOUR, ORIGINS.vps, 'dst-forged', '/v1/withdrawals/wdr_1/cancel')
    const d = customer()
    const stranger = withdrawal(d, T0 + 4 * HOUR, STRANGER_ON_CARRIER, 'dst-d')

    const report = await scan('withdrawal')

    expect(report.kind).toBe('withdrawal')
    expect(report.scanned).toBe(3)
    expect(report.rows.map(brief)).toEqual([
      [theft.id, 'critical', ['ip_unseen', 'network_unseen', 'no_device', 'hosting_network', 'destination_change_from_other_origin']],
      [stranger.id, 'critical', ['device_unseen', 'shared_network']],
    ])
    expect(report.rows[0]).toMatchObject({ kind: 'withdrawal', operation: 'withdrawal', destinationId: 'dst-forged', amount: 9_800_000 })
  })

  it('gives the same report whatever the slice, tells progress per slice, and takes a shorter familiarity window', async () => {
    const c = customer()
    change(c, T0 + HOUR, ORIGINS.home)
    change(c, T0 + 5 * DAY, ORIGINS.vps)
    change(c, T0 + 9 * DAY, ORIGINS.cafe)
    await fx.log.flush()
    const base = await scanChanges(store, { kind: 'destination_change', from: FROM, to: TO })
    const progress: [number, number][] = []
    const sliced = await scanChanges(store, {
      kind: 'destination_change',
      from: FROM,
      to: TO,
      sliceMs: 7 * HOUR,
      onProgress: (done, total) => progress.push([done, total]),
    })
    expect(sliced).toEqual(base)
    expect(progress).toHaveLength(Math.ceil((TO - FROM) / (7 * HOUR)))
    expect(progress.at(-1)).toEqual([progress.length, progress.length])

    // The habits are 10 to 300 days old: with a 5-day window nothing vouches for the home change.
    const short = await scanChanges(store, { kind: 'destination_change', from: FROM, to: TO, familiarity: { lookbackMs: 5 * DAY, settleMs: 0 } })
    expect(short.suspicious).toBe(3)
    expect([short.lookbackDays, short.settleDays]).toEqual([5, 0])
  })

  it('refuses a reversed or empty period with SCAN_PERIOD_REVERSED, and impossible arguments with a TypeError', async () => {
    await expect(scanChanges(store, { kind: 'destination_change', from: TO, to: FROM })).rejects.toMatchObject({ code: 'SCAN_PERIOD_REVERSED' })
    await expect(scanChanges(store, { kind: 'destination_change', from: FROM, to: FROM })).rejects.toMatchObject({ code: 'SCAN_PERIOD_REVERSED' })
    await expect(scanChanges(store, { kind: 'login' as never, from: FROM, to: TO })).rejects.toBeInstanceOf(TypeError)
    await expect(scanChanges(store, { kind: 'withdrawal', from: FROM, to: TO, sliceMs: 0 })).rejects.toBeInstanceOf(TypeError)
  })
})
