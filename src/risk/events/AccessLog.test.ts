import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { isMamoriError } from '../../errors/index.js'
import { ManualClock, SeededRandom } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { MaxmindIpIntel } from '../intel/index.js'
import { AccessLog, enrichAccess, type AccessEvent, type AccessInput, type AccessLogOptions } from './index.js'

const DAY = 86_400_000
const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'
/** NTT OCN and SoftBank home blocks (asn:4713, asn:17676), and a documentation block with no AS (its /24). */
const OCN = '153.156.0.1'
const SOFTBANK = '126.0.0.1'
const DOC_NET = '203.0.113.'

let intel: MaxmindIpIntel
beforeAll(async () => {
  intel = await MaxmindIpIntel.open()
})

describe.each(DIALECTS)('AccessLog on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let random: SeededRandom
  const logs: AccessLog[] = []

  beforeAll(async () => {
    store = await dc.open()
  })
  afterAll(async () => {
    await store.close()
  })
  beforeEach(async () => {
    clock = new ManualClock(T0)
    random = new SeededRandom(42)
    await store.db.deleteFrom('access_events').execute()
  })
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close().catch(() => undefined)
  })

  function open(options: Partial<AccessLogOptions> = {}): AccessLog {
    const log = new AccessLog({ store, clock, flushIntervalMs: 60_000, ...options })
    logs.push(log)
    return log
  }

  function event(overrides: Partial<AccessInput> = {}): AccessEvent {
    return enrichAccess(
      {
        at: clock.now(),
        customerId: 'cus_a',
        sessionHash: null,
        action: 'login',
        outcome: 'success',
        ip: OCN,
        userAgent: UA,
        deviceId: 'dev_a',
        ...overrides,
      },
      intel,
      random,
    )
  }

  async function rowCount(): Promise<number> {
    const row = await store.db.selectFrom('access_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }

  it('writes the buffer as soon as it holds batchSize events, one INSERT per batch, and leaves a partial buffer alone', async () => {
    const writes: number[] = []
    const log = open({ batchSize: 100, onWrite: (rows) => writes.push(rows) })
    for (let i = 0; i < 100; i++) log.record(event({ at: T0 + i }))
    await vi.waitFor(() => expect(writes).toEqual([100]))
    expect(await rowCount()).toBe(100)
    for (let i = 100; i < 150; i++) log.record(event({ at: T0 + i }))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await rowCount()).toBe(100)
    expect(log.stats).toMatchObject({ buffered: 50, written: 100 })
    await log.flush()
    expect(writes).toEqual([100, 50])
    expect(await rowCount()).toBe(150)
  })

  it('writes a burst recorded faster than the database as consecutive batches of batchSize', async () => {
    const writes: number[] = []
    const log = open({ batchSize: 100, onWrite: (rows) => writes.push(rows) })
    for (let i = 0; i < 1_050; i++) log.record(event({ at: T0 + i }))
    await vi.waitFor(() => expect(writes.reduce((a, b) => a + b, 0)).toBe(1_050))
    expect(writes.filter((rows) => rows !== 100)).toEqual([50])
    expect(await rowCount()).toBe(1_050)
  })

  it("splits a batch larger than SQLite's 32,766 parameters into statements under the limit", async () => {
    const writes: number[] = []
    const log = open({ batchSize: 3_000, onWrite: (rows) => writes.push(rows) })
    for (let i = 0; i < 3_000; i++) log.record(event({ at: T0 + i }))
    await log.flush()
    expect(writes).toEqual([1_489, 1_489, 22])
    expect(writes.every((rows) => rows * 22 <= 32_766)).toBe(true)
    expect(await rowCount()).toBe(3_000)
  })

  it('writes a partial buffer on its own after flushIntervalMs', async () => {
    const log = open({ batchSize: 500, flushIntervalMs: 20 })
    for (let i = 0; i < 3; i++) log.record(event())
    expect(await rowCount()).toBe(0)
    await vi.waitFor(async () => expect(await rowCount()).toBe(3), { timeout: 2_000, interval: 10 })
    expect(log.stats.buffered).toBe(0)
  })

  it('answers queries with events recorded a moment before, without waiting for the timer', async () => {
    const log = open()
    log.record(event({ customerId: 'cus_now' }))
    expect(await log.byCustomer('cus_now', T0 - DAY)).toHaveLength(1)
  })

  it('merges what is not written yet into a by-customer query without writing it first, newest first and within the limit', async () => {
    const log = open()
    for (let i = 0; i < 3; i++) log.record(event({ at: T0 - 10 + i, customerId: 'cus_merge' }))
    await log.flush()
    for (let i = 0; i < 3; i++) log.record(event({ at: T0 + i, customerId: 'cus_merge' }))
    log.record(event({ at: T0 + 5, customerId: 'cus_other' }))
    const got = await log.byCustomer('cus_merge', T0 - DAY, 4)
    expect(got.map((e) => e.at)).toEqual([T0 + 2, T0 + 1, T0, T0 - 8])
    expect(log.stats.buffered).toBe(4)
    expect(await rowCount()).toBe(3)
    // Before a moment: the buffered events at or after it are left out too.
    expect((await log.byCustomer('cus_merge', T0 - DAY, 10, T0 + 1)).map((e) => e.at)).toEqual([T0, T0 - 8, T0 - 9, T0 - 10])
  })

  it('counts an event of a write in progress once, whether or not the write has reached the table', async () => {
    const log = open({ batchSize: 1_000 })
    for (let i = 0; i < 50; i++) log.record(event({ at: T0 + i, customerId: 'cus_race' }))
    const writing = log.flush()
    const during = await log.byCustomer('cus_race', T0 - DAY, 1_000)
    await writing
    expect(during).toHaveLength(50)
    expect(new Set(during.map((e) => e.id)).size).toBe(50)
  })

  it('sees events recorded while a write is in progress once flush resolves', async () => {
    const log = open({ batchSize: 10 })
    for (let i = 0; i < 10; i++) log.record(event({ at: T0 + i }))
    const first = log.flush()
    log.record(event({ at: T0 + 100, customerId: 'cus_late' }))
    await Promise.all([first, log.flush()])
    expect(await rowCount()).toBe(11)
  })

  it('finds events by customer, address, network and device, newest first, since a time, up to a limit', async () => {
    const log = open()
    const plan: [number, string, string, string][] = [
      [10, 'cus_a', OCN, 'dev_a'],
      [20, 'cus_a', SOFTBANK, 'dev_b'],
      [30, 'cus_b', OCN, 'dev_b'],
      [40, 'cus_a', `${DOC_NET}7`, 'dev_a'],
      [50, 'cus_b', `${DOC_NET}8`, 'dev_c'],
    ]
    for (const [at, customerId, ip, deviceId] of plan) log.record(event({ at: T0 + at, customerId, ip, deviceId }))

    const a = await log.byCustomer('cus_a', T0)
    expect(a.map((e) => e.at - T0)).toEqual([40, 20, 10])
    expect(a[0]).toMatchObject({ customerId: 'cus_a', ip: `${DOC_NET}7`, network: 'net:203.0.113.0/24', asn: null, deviceType: 'mobile', browser: 'Mobile Safari 17' })
    expect(a[2]).toMatchObject({ ip: OCN, asn: 4713, asnName: 'NTT Communications Corporation', network: 'asn:4713', country: 'JP', hosting: false })
    expect(a[2]!.latitude).toBeCloseTo(event().latitude!, 6)
    expect((await log.byCustomer('cus_a', T0 + 15)).map((e) => e.at - T0)).toEqual([40, 20])
    expect((await log.byCustomer('cus_a', T0, 1)).map((e) => e.at - T0)).toEqual([40])

    expect((await log.byIp(OCN, T0)).map((e) => e.customerId)).toEqual(['cus_b', 'cus_a'])
    expect((await log.byIp(`::ffff:${OCN}`, T0)).map((e) => e.customerId)).toEqual(['cus_b', 'cus_a'])
    expect((await log.byNetwork('net:203.0.113.0/24', T0)).map((e) => e.at - T0)).toEqual([50, 40])
    expect((await log.byNetwork('asn:17676', T0)).map((e) => e.at - T0)).toEqual([20])
    expect((await log.byDevice('dev_b', T0)).map((e) => e.customerId)).toEqual(['cus_b', 'cus_a'])
    expect(await log.byDevice('dev_unknown', T0)).toEqual([])
  })

  it('reads back exactly the event it recorded, detail included', async () => {
    const log = open()
    const recorded = event({
      action: 'withdrawal',
      outcome: 'held',
      sessionHash: 'sh_1',
      detail: { amount: 3_000_000, destinationId: 'dst_9', confirmed: false, memo: null },
    })
    log.record(recorded)
    expect(await log.byCustomer('cus_a', T0)).toEqual([recorded])
  })

  it('counts an origin seen 364 days ago as seen in the past year, and one seen 366 days ago as not', async () => {
    const log = open()
    log.record(event({ at: T0 - 366 * DAY, ip: `${DOC_NET}66` }))
    log.record(event({ at: T0 - 364 * DAY, ip: `${DOC_NET}64` }))
    log.record(event({ at: T0 - 364 * DAY, deviceId: 'dev_old' }))
    const since = T0 - 365 * DAY
    expect(await log.seenBefore('cus_a', { ip: `${DOC_NET}64` }, since, T0)).toBe(true)
    expect(await log.seenBefore('cus_a', { ip: `${DOC_NET}66` }, since, T0)).toBe(false)
    expect(await log.seenBefore('cus_a', { network: 'net:203.0.113.0/24' }, since, T0)).toBe(true)
    expect(await log.seenBefore('cus_a', { deviceId: 'dev_old' }, since, T0)).toBe(true)
    expect(await log.seenBefore('cus_a', { ip: `${DOC_NET}64`, deviceId: 'dev_old' }, since, T0)).toBe(false)
    expect(await log.seenBefore('cus_a', { ip: `${DOC_NET}64`, deviceId: 'dev_a' }, since, T0)).toBe(true)
  })

  it('does not count the current access: the window ends before beforeMs', async () => {
    const log = open()
    log.record(event({ at: T0, ip: `${DOC_NET}1`, action: 'destination_change' }))
    expect(await log.seenBefore('cus_a', { ip: `${DOC_NET}1` }, T0 - 365 * DAY, T0)).toBe(false)
    expect(await log.seenBefore('cus_a', { ip: `${DOC_NET}1` }, T0 - 365 * DAY, T0 + 1)).toBe(true)
  })

  it("does not let an attacker's failed or held accesses, or another customer's, make an origin familiar", async () => {
    const log = open()
    const ip = `${DOC_NET}99`
    log.record(event({ at: T0 - 30 * DAY, ip, action: 'login_failed', outcome: 'failure' }))
    log.record(event({ at: T0 - 20 * DAY, ip, action: 'destination_change', outcome: 'held' }))
    log.record(event({ at: T0 - 10 * DAY, ip, customerId: 'cus_other' }))
    expect(await log.seenBefore('cus_a', { ip }, T0 - 365 * DAY, T0)).toBe(false)
    expect(await log.seenBefore('cus_other', { ip }, T0 - 365 * DAY, T0)).toBe(true)
  })

  it('never calls an invalid address or unknown network familiar, even if the customer has used one', async () => {
    const log = open()
    log.record(event({ at: T0 - DAY, ip: 'garbage' }))
    expect(await log.seenBefore('cus_a', { ip: 'garbage' }, T0 - 365 * DAY, T0)).toBe(false)
    expect(await log.seenBefore('cus_a', { network: 'net:invalid' }, T0 - 365 * DAY, T0)).toBe(false)
    expect(await log.byNetwork('net:invalid', T0 - 365 * DAY)).toHaveLength(1)
  })

  it('lists the five accounts one address touched, with first and last time and counts', async () => {
    const log = open()
    const ip = `${DOC_NET}200`
    for (let i = 0; i < 5; i++) {
      log.record(event({ at: T0 + i * 60_000, ip, customerId: `cus_v${i}`, action: 'login_failed', outcome: 'failure' }))
      log.record(event({ at: T0 + i * 60_000 + 1_000, ip, customerId: `cus_v${i}` }))
    }
    log.record(event({ at: T0, ip, customerId: null, action: 'login_failed', outcome: 'failure', loginId: 'nobody' }))
    log.record(event({ at: T0, ip: `${DOC_NET}201`, customerId: 'cus_elsewhere' }))
    log.record(event({ at: T0 - 2 * DAY, ip, customerId: 'cus_before_window' }))

    const touched = await log.customersByOrigin({ ip }, T0 - DAY)
    expect(touched.map((c) => c.customerId)).toEqual(['cus_v4', 'cus_v3', 'cus_v2', 'cus_v1', 'cus_v0'])
    expect(touched[4]).toEqual({ customerId: 'cus_v0', firstSeenAt: T0, lastSeenAt: T0 + 1_000, events: 2, successes: 1 })
    expect(await log.customersByOrigin({ network: 'net:203.0.113.0/24' }, T0 - DAY)).toHaveLength(6)
    expect(await log.customersByOrigin({ ip }, T0 - DAY, 2)).toHaveLength(2)
    expect(await log.customersByOrigin({ deviceId: 'dev_a' }, T0 - 3 * DAY)).toHaveLength(7)
  })

  it('keeps failed logins for unknown IDs with the hash of the ID, countable across IDs per address', async () => {
    const log = open()
    const ip = `${DOC_NET}50`
    for (let i = 0; i < 20; i++) {
      log.record(event({ customerId: null, loginId: `guess${i}`, ip, action: 'login_failed', outcome: 'failure' }))
    }
    const events = await log.byIp(ip, T0)
    expect(events).toHaveLength(20)
    expect(new Set(events.map((e) => e.loginIdHash)).size).toBe(20)
    expect(events.every((e) => e.customerId === null && /^[0-9a-f]{64}$/.test(e.loginIdHash ?? ''))).toBe(true)
  })

  it('deletes only events older than the retention period', async () => {
    const log = open({ retentionDays: 365 })
    for (const days of [400, 366, 364, 1]) log.record(event({ at: T0 - days * DAY, deviceId: `dev_${days}` }))
    await log.flush()
    expect(await log.applyRetention()).toBe(2)
    expect((await log.byCustomer('cus_a', 0)).map((e) => e.deviceId)).toEqual(['dev_1', 'dev_364'])
    clock.advance(2 * DAY)
    expect(await log.applyRetention()).toBe(1)
  })

  it('prunes in chunks until nothing older is left', async () => {
    const log = open()
    for (let i = 0; i < 12_000; i++) log.record(event({ at: T0 - 400 * DAY + i }))
    log.record(event({ at: T0 }))
    await log.flush()
    expect(await log.pruneOlderThan(T0 - 365 * DAY)).toBe(12_000)
    expect(await rowCount()).toBe(1)
  })

  it('keeps events through a failed flush, reports it, and writes them once the database is back', async () => {
    const errors: unknown[] = []
    const log = open({ onError: (err) => errors.push(err) })
    log.record(event({ deviceId: 'dev_kept_1' }))
    await sql`alter table access_events rename to access_events_away`.execute(store.db)
    try {
      log.record(event({ deviceId: 'dev_kept_2' }))
      await expect(log.flush()).rejects.toBeDefined()
      expect(errors).toHaveLength(1)
      expect(log.stats).toMatchObject({ buffered: 2, written: 0, failures: 1, dropped: 0 })
    } finally {
      await sql`alter table access_events_away rename to access_events`.execute(store.db)
    }
    log.record(event({ deviceId: 'dev_kept_3' }))
    await log.flush()
    expect((await log.byCustomer('cus_a', T0)).map((e) => e.deviceId).sort()).toEqual(['dev_kept_1', 'dev_kept_2', 'dev_kept_3'])
    expect(log.stats).toMatchObject({ buffered: 0, written: 3 })
  })

  it('retries a failed batch once before reporting it, without writing anything twice', async () => {
    let failures = 1
    const db = store.db
    const flaky: Store = {
      ...store,
      db: new Proxy(db, {
        get(target, property): unknown {
          if (property === 'executeQuery') {
            return async (...args: Parameters<typeof db.executeQuery>): Promise<unknown> => {
              const result = await target.executeQuery(...args)
              // The write lands, then the acknowledgement is lost: the retry must not duplicate it.
              if (failures-- > 0) throw new Error('connection reset')
              return result
            }
          }
          const value: unknown = Reflect.get(target, property)
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
        },
      }),
    }
    const errors: unknown[] = []
    const log = new AccessLog({ store: flaky, clock, onError: (err) => errors.push(err) })
    logs.push(log)
    for (let i = 0; i < 5; i++) log.record(event({ at: T0 + i }))
    await log.flush()
    expect(errors).toEqual([])
    expect(await rowCount()).toBe(5)
  })

  it('drops the oldest events beyond maxBuffered while the database is down, and counts them', async () => {
    const errors: unknown[] = []
    const log = open({ batchSize: 100, maxBuffered: 1_000, onError: (err) => errors.push(err) })
    await sql`alter table access_events rename to access_events_away`.execute(store.db)
    try {
      for (let i = 0; i < 1_500; i++) log.record(event({ at: T0 + i }))
      await log.flush().catch(() => undefined)
      expect(log.stats).toMatchObject({ buffered: 1_000, dropped: 500 })
      expect(errors.length).toBeGreaterThanOrEqual(1)
    } finally {
      await sql`alter table access_events_away rename to access_events`.execute(store.db)
    }
    await log.flush()
    const kept = await log.byCustomer('cus_a', 0, 2_000)
    expect(kept).toHaveLength(1_000)
    expect(Math.min(...kept.map((e) => e.at))).toBe(T0 + 500)
  })

  it('stores a user agent and address full of NUL bytes, which PostgreSQL would otherwise refuse', async () => {
    const log = open()
    log.record(event({ ip: '\u0000\u0000', userAgent: 'Mozilla/5.0\u0000\u0000(junk)', deviceId: 'dev_nul' }))
    const [e] = await log.byDevice('dev_nul', T0)
    expect(e).toMatchObject({ network: 'net:invalid', userAgent: 'Mozilla/5.0\ufffd\ufffd(junk)', country: null })
  })

  it('refuses events that could never be stored, so one bad event cannot block every later batch', () => {
    const log = open()
    const good = event()
    expect(() => log.record({ ...good, action: 'logout' as AccessEvent['action'] })).toThrow(TypeError)
    expect(() => log.record({ ...good, userAgent: 'a\u0000b' })).toThrow(TypeError)
    expect(() => log.record({ ...good, at: 1.5 })).toThrow(TypeError)
    expect(() => log.record({ ...good, ip: null as unknown as string })).toThrow(TypeError)
    expect(log.stats.buffered).toBe(0)
  })

  it('refuses to record after close, so an access does not go ahead unrecorded', async () => {
    const log = open()
    log.record(event())
    await log.close()
    expect(await rowCount()).toBe(1)
    expect(() => log.record(event())).toThrow(expect.toSatisfy((err: unknown) => isMamoriError(err, 'UNAVAILABLE')))
  })

  it('records 10,000 events of 100 customers over a year and answers every query correctly', async () => {
    const log = open()
    const ipOf = (c: number): string => `${DOC_NET}${c}`
    for (let i = 0; i < 10_000; i++) {
      const c = i % 100
      log.record(
        event({
          at: T0 - 364 * DAY + Math.floor(i / 100) * 3 * DAY + c,
          customerId: `cus_${c}`,
          ip: c % 10 === 0 ? OCN : ipOf(c),
          deviceId: `dev_${c}`,
          action: i % 7 === 0 ? 'order' : 'login',
          detail: { n: i },
        }),
      )
    }
    await log.flush()
    expect(await rowCount()).toBe(10_000)
    const c7 = await log.byCustomer('cus_7', T0 - 365 * DAY, 10_000)
    expect(c7).toHaveLength(100)
    expect(c7.every((e, k) => k === 0 || c7[k - 1]!.at > e.at)).toBe(true)
    expect(c7.map((e) => e.detail.n)).toEqual(Array.from({ length: 100 }, (_, k) => 9_907 - k * 100))
    expect(await log.byIp(OCN, T0 - 365 * DAY, 10_000)).toHaveLength(1_000)
    expect(await log.byNetwork('asn:4713', T0 - 365 * DAY, 10_000)).toHaveLength(1_000)
    expect(await log.byNetwork('net:203.0.113.0/24', T0 - 365 * DAY, 10_000)).toHaveLength(9_000)
    expect(await log.byDevice('dev_42', T0 - 365 * DAY, 10_000)).toHaveLength(100)
    expect(await log.customersByOrigin({ ip: OCN }, T0 - 365 * DAY)).toHaveLength(10)
    expect(await log.seenBefore('cus_42', { ip: ipOf(42) }, T0 - 365 * DAY, T0)).toBe(true)
    expect(await log.seenBefore('cus_42', { ip: ipOf(43) }, T0 - 365 * DAY, T0)).toBe(false)
  })
})
