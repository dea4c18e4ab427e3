/*
 * D-6, the daily monitor over a planted day (2025-05-12 JST): seed 000's destination change from
 * an origin the customer never used, and seed 003's pump ring (three accounts buying one thin
 * stock from the attacker's environment), among benign near-misses — a destination change and a
 * withdrawal from the customer's own home, a regular buying the same stock from home, two accounts
 * (not three) buying another thin stock from a VPS. A rerun must raise nothing new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { buildInvestigateScenario, type InvestigateScenario } from '../../test/support/investigateScenario.js'
import { FIXTURE_T0 } from '../../test/support/typologyFixture.js'
import { isMamoriError } from '../errors/index.js'
import { ManualClock, SeededRandom } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { DailyMonitorScheduler, parseMonitorDay, runDailyMonitor, type DailyMonitorReport, type SchedulerTimers } from './index.js'

const DAY = 86_400_000
const HOUR = 3_600_000

describe('parseMonitorDay', () => {
  it('reads a JST date as 15:00 UTC the day before to 15:00 UTC', () => {
    expect(parseMonitorDay('2025-05-12')).toEqual({ day: '2025-05-12', from: Date.UTC(2025, 4, 11, 15), to: Date.UTC(2025, 4, 12, 15) })
  })
  it('refuses what is not an existing date with MONITOR_DAY_INVALID', () => {
    for (const bad of ['2025-02-30', '2025-13-01', '12/05/2025', '2025-05-12T00:00', '']) {
      expect(() => parseMonitorDay(bad), bad).toThrow(expect.objectContaining({ code: 'MONITOR_DAY_INVALID' }))
    }
  })
})

describe.each(DIALECTS)('daily monitor on $dialect', (dc) => {
  let store: Store
  let s: InvestigateScenario
  let first: DailyMonitorReport

  beforeAll(async () => {
    store = await dc.open()
    s = await buildInvestigateScenario(store)
    first = await runDailyMonitor(store, { day: s.day, clock: new ManualClock(FIXTURE_T0 + DAY), random: new SeededRandom(5) })
  })
  afterAll(async () => {
    await s?.close()
    await store?.close()
  })

  it("checks the day's destination changes, withdrawals and orders", () => {
    expect(first.day).toBe('2025-05-12')
    expect(first.checked).toEqual({ destinationChanges: 2, withdrawals: 1, orders: 6 })
  })

  it('raises one alert for the destination change from an unseen origin, none for the one from home', async () => {
    const changes = first.findings.filter((f) => f.kind === 'destination_change')
    expect(changes.map((f) => f.customerId)).toEqual([s.ids.a])
    expect(changes[0]).toMatchObject({ severity: 'critical', ip: '198.51.100.88', raised: true })
    expect(changes[0]!.reasons).toEqual(expect.arrayContaining(['ip_unseen', 'network_unseen', 'device_unseen']))
    expect(first.findings.filter((f) => f.kind === 'withdrawal')).toEqual([])
    const alert = await store.db.selectFrom('risk_alerts').selectAll().where('id', '=', changes[0]!.alertId).executeTakeFirstOrThrow()
    expect(alert).toMatchObject({ customer_id: s.ids.a, action: 'monitor', outcome: 'hold', enforced: 'allow', status: 'open', network: 'asn:4837' })
    expect(alert.top_reason).toMatch(/^monitor_destination_change: /)
    const reasons = JSON.parse(alert.reasons_json) as { source: string; id: string; evidence: { day: string } }[]
    expect(reasons[0]).toMatchObject({ source: 'monitor', id: 'monitor_destination_change', evidence: { day: '2025-05-12' } })
  })

  it('raises an alert for each account of the pump ring and none for the regular buyer or the pair', () => {
    const ring = first.findings.filter((f) => f.kind === 'pump_ring')
    expect(new Set(ring.map((f) => f.customerId))).toEqual(new Set([s.ids.a, s.ids.b, s.ids.c]))
    expect(ring.every((f) => f.symbol === s.ring && f.severity === 'critical' && f.raised)).toBe(true)
    expect(first.findings.some((f) => f.symbol === s.pair)).toBe(false)
    expect(first.findings.some((f) => f.customerId === s.ids.d || f.customerId === s.ids.e)).toBe(false)
    expect(first.alertsRaised).toBe(4)
  })

  it('raises nothing new when the day is run again, and returns the same alerts', async () => {
    const count = async (): Promise<number> =>
      Number((await store.db.selectFrom('risk_alerts').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'monitor').executeTakeFirstOrThrow()).n)
    expect(await count()).toBe(4)
    const [again, concurrent] = await Promise.all([
      runDailyMonitor(store, { day: s.day, clock: new ManualClock(FIXTURE_T0 + 2 * DAY) }),
      runDailyMonitor(store, { day: s.day, clock: new ManualClock(FIXTURE_T0 + 2 * DAY) }),
    ])
    expect(again.alertsRaised + concurrent.alertsRaised).toBe(0)
    expect(again.findings.map((f) => f.alertId).sort()).toEqual(first.findings.map((f) => f.alertId).sort())
    expect(await count()).toBe(4)
  })

  it('finds nothing on a quiet day, and checks the previous JST day by default', async () => {
    // 2025-05-14 09:00 JST: the default day is 2025-05-13, when nothing happened.
    const quiet = await runDailyMonitor(store, { clock: new ManualClock(Date.UTC(2025, 4, 14, 0)) })
    expect(quiet.day).toBe('2025-05-13')
    expect(quiet).toMatchObject({ checked: { destinationChanges: 0, withdrawals: 0, orders: 0 }, alertsRaised: 0, findings: [] })
  })

  it('refuses a malformed day', async () => {
    await expect(runDailyMonitor(store, { day: '2025-5-12', clock: new ManualClock(0) })).rejects.toSatisfy((e: unknown) => isMamoriError(e, 'MONITOR_DAY_INVALID'))
  })

  it('the scheduler runs once at the configured JST time for the previous day, never overlapping, and survives a failure', async () => {
    // Manual timers: each pending callback runs when the test says so.
    const pending: (() => void)[] = []
    const timers: SchedulerTimers = {
      setTimeout: (fn) => {
        pending.push(fn)
        return pending.length
      },
      clearTimeout: () => undefined,
    }
    const fire = async (): Promise<void> => {
      const fn = pending.shift()
      fn?.()
      await new Promise((r) => setTimeout(r, 300))
    }
    // 2025-05-13 05:00 JST, before the 06:00 run: nothing is due yet when catch-up is off.
    const clock = new ManualClock(Date.UTC(2025, 4, 12, 20))
    const reports: DailyMonitorReport[] = []
    const errors: unknown[] = []
    const scheduler = new DailyMonitorScheduler({
      store,
      clock,
      runAt: '06:00',
      catchUp: false,
      timers,
      onReport: (r) => reports.push(r),
      logger: { info: () => undefined, error: (fields) => errors.push(fields) },
    })
    scheduler.start()
    expect(scheduler.lastDay).toBe('2025-05-11')
    await fire()
    expect(reports).toEqual([])
    clock.set(Date.UTC(2025, 4, 12, 21, 0, 5)) // 06:00:05 JST
    await fire()
    expect(reports.map((r) => [r.day, r.alertsRaised])).toEqual([['2025-05-12', 0]])
    expect(scheduler.lastDay).toBe('2025-05-12')
    clock.set(Date.UTC(2025, 4, 12, 23)) // later that morning: already done
    await fire()
    expect(reports).toHaveLength(1)
    await scheduler.stop()
    expect(errors).toEqual([])

    // A store that fails: the error is logged and the scheduler goes on.
    const broken = { ...store, transaction: () => Promise.reject(new Error('database down')) } as Store
    const failing = new DailyMonitorScheduler({ store: broken, clock: new ManualClock(FIXTURE_T0 + DAY + 2 * HOUR), timers, logger: { info: () => undefined, error: (f) => errors.push(f) } })
    pending.length = 0
    failing.start()
    await new Promise((r) => setTimeout(r, 500))
    expect(errors).toHaveLength(1)
    expect(failing.lastDay).toBeUndefined()
    expect(pending.length).toBe(1)
    await failing.stop()
  })
})
