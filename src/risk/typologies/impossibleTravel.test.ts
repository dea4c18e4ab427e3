/**
 * Impossible travel: the customer at home in Tokyo and someone with their password in Beijing
 * within the same half hour.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { haversineKm, impossibleTravel } from './impossibleTravel.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const HOUR = 3_600_000

describe.each(DIALECTS)('impossibleTravel on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = impossibleTravel()

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
  })

  it('flags a login in Beijing thirty minutes after one in Tokyo', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 30 * MINUTE, action: 'login', origin: ORIGINS.home })
    const login = fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.beijing })

    const hit = await typology.evaluate(login, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'impossibleTravel',
      severity: 'high',
      evidence: { fromCity: 'Tokyo', toCity: 'Beijing', minutes: 30 },
    })
    expect(hit?.evidence['distanceKm']).toBeGreaterThan(2_000)
    expect(hit?.evidence['speedKmh']).toBeGreaterThan(4_000)
  })

  it('flags the customer in Tokyo after the attacker in Beijing, even with a nearer access in between', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 40 * MINUTE, action: 'login', origin: ORIGINS.beijing })
    fx.record({ customerId, at: T0 - 5 * MINUTE, action: 'login', origin: ORIGINS.phone })
    const order = fx.event({
      customerId,
      at: T0,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: '7203', side: 'sell' },
    })

    expect(await typology.evaluate(order, fx.context(T0))).toMatchObject({
      evidence: { fromCity: 'Beijing', toCity: 'Tokyo' },
    })
  })

  it('does not flag Tokyo to Osaka in three hours', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 3 * HOUR, action: 'login', origin: ORIGINS.home })
    const login = fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.osakaHotel })

    expect(await typology.evaluate(login, fx.context(T0))).toBeNull()
  })

  it('does not flag Tokyo to Osaka in five minutes either: city geolocation is not that precise', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 5 * MINUTE, action: 'login', origin: ORIGINS.home })

    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.osakaHotel }),
        fx.context(T0),
      ),
    ).toBeNull()
  })

  it('ignores country centroids, hosting exits and failed attempts', async () => {
    const customerId = fx.unique('cus')
    fx.record({ customerId, at: T0 - 20 * MINUTE, action: 'login', origin: ORIGINS.home })
    fx.record({
      customerId,
      at: T0 - 10 * MINUTE,
      action: 'login',
      outcome: 'failure',
      origin: ORIGINS.beijing,
    })
    const centroid = { ...ORIGINS.beijing, country: 'US', city: null, latitude: 37.751, longitude: -97.822 }

    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'login', origin: centroid }),
        fx.context(T0),
      ),
    ).toBeNull()
    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.vps }),
        fx.context(T0),
      ),
    ).toBeNull()
    // The failed Beijing attempt is no location of the customer's.
    expect(
      await typology.evaluate(
        fx.event({ customerId, at: T0, action: 'login', origin: ORIGINS.home }),
        fx.context(T0),
      ),
    ).toBeNull()
  })

  it('measures great-circle distances', () => {
    expect(haversineKm(35.6895, 139.6917, 34.6937, 135.5023)).toBeCloseTo(397, -1)
    expect(haversineKm(35.6895, 139.6917, 35.6895, 139.6917)).toBe(0)
  })
})
