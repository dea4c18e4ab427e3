/**
 * The access log tells its listeners (the in-memory history the risk engine reads) of every
 * change it makes. A change it failed to tell would leave the engine deciding on a history that
 * lacks the attacker's last minute, so every path that changes the history is covered here:
 * record, drop while the database is down, retention.
 */
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { sqliteCase } from '../../../test/support/dialects.js'
import { ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { AccessLog, type AccessEvent, type AccessLogListener } from './index.js'

const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const DAY = 86_400_000

function event(i: number, overrides: Partial<AccessEvent> = {}): AccessEvent {
  return {
    id: `acc_${String(i).padStart(6, '0')}`,
    at: T0 + i,
    customerId: 'cus_a',
    loginIdHash: null,
    sessionHash: null,
    action: 'login',
    outcome: 'success',
    ip: '153.156.0.1',
    asn: 4713,
    asnName: 'NTT Communications Corporation',
    network: 'asn:4713',
    country: 'JP',
    city: 'Tokyo',
    latitude: 35.6895,
    longitude: 139.6917,
    hosting: false,
    userAgent: 'Mozilla/5.0',
    browser: 'Chrome 124',
    os: 'Windows 10',
    deviceType: 'desktop',
    deviceId: 'dev_a',
    detail: {},
    ...overrides,
  }
}

/** A listener that writes down what it is told. */
function recorder(): AccessLogListener & { told: string[] } {
  const told: string[] = []
  return {
    told,
    recorded: (e) => void told.push(`recorded ${e.id}`),
    dropped: (events) => void told.push(`dropped ${events.map((e) => e.id).join(',')}`),
    pruned: (cutoff) => void told.push(`pruned ${cutoff}`),
  }
}

describe('AccessLog listeners', () => {
  let store: Store
  let log: AccessLog

  beforeAll(async () => {
    store = await sqliteCase.open()
  })
  afterAll(async () => {
    await store.close()
  })
  beforeEach(async () => {
    await log?.close().catch(() => undefined)
    await store.db.deleteFrom('access_events').execute()
  })

  it('tells each accepted event at once, never a refused one, and nothing after unsubscribing', async () => {
    log = new AccessLog({ store, clock: new ManualClock(T0), flushIntervalMs: 60_000 })
    const listener = recorder()
    const stop = log.subscribe(listener)
    log.record(event(1))
    expect(listener.told).toEqual(['recorded acc_000001'])
    expect(() => log.record(event(2, { action: 'teleport' as AccessEvent['action'] }))).toThrow(TypeError)
    log.record(event(3))
    stop()
    log.record(event(4))
    expect(listener.told).toEqual(['recorded acc_000001', 'recorded acc_000003'])
  })

  it('isolates a listener that throws: the event is still recorded, the others still told, the error reported', async () => {
    const errors: unknown[] = []
    log = new AccessLog({ store, clock: new ManualClock(T0), flushIntervalMs: 60_000, onError: (err) => errors.push(err) })
    const listener = recorder()
    log.subscribe({ ...listener, recorded: () => { throw new Error('listener bug') } })
    log.subscribe(listener)
    log.record(event(1))
    expect(listener.told).toEqual(['recorded acc_000001'])
    expect(errors).toHaveLength(1)
    await log.flush()
    expect(await log.byCustomer('cus_a', 0)).toHaveLength(1)
  })

  it('tells the events dropped unwritten while the database is down', async () => {
    log = new AccessLog({ store, clock: new ManualClock(T0), batchSize: 2, maxBuffered: 3, flushIntervalMs: 60_000, onError: () => undefined })
    const listener = recorder()
    log.subscribe(listener)
    await sql`alter table access_events rename to access_events_away`.execute(store.db)
    try {
      for (let i = 1; i <= 5; i++) log.record(event(i))
      await log.flush().catch(() => undefined)
    } finally {
      await sql`alter table access_events_away rename to access_events`.execute(store.db)
    }
    const dropped = listener.told.filter((t) => t.startsWith('dropped')).join(' ')
    expect(dropped).toBe('dropped acc_000001 dropped acc_000002')
    expect(log.stats.dropped).toBe(2)
  })

  it('tells the cutoff of retention before deleting', async () => {
    log = new AccessLog({ store, clock: new ManualClock(T0), flushIntervalMs: 60_000 })
    const listener = recorder()
    log.subscribe(listener)
    await log.applyRetention()
    expect(listener.told).toEqual([`pruned ${T0 - 365 * DAY}`])
  })
})
