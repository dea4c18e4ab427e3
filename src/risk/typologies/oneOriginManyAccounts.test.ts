/**
 * One origin, many accounts: seed 000's attacker reached six accounts; the broker found them by
 * following the suspicious access's address to every account it touched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { oneOriginManyAccounts } from './oneOriginManyAccounts.js'
import {
  FIXTURE_T0 as T0,
  ORIGINS,
  openTypologyFixture,
  type FixtureOrigin,
  type TypologyFixture,
} from '../../../test/support/typologyFixture.js'

const MINUTE = 60_000
const HOUR = 3_600_000

describe.each(DIALECTS)('oneOriginManyAccounts on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture
  const typology = oneOriginManyAccounts()

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

  function loginsFrom(
    origin: FixtureOrigin,
    customers: number,
    outcome: 'success' | 'failure' = 'success',
    agoMs = HOUR,
  ): string[] {
    const ids: string[] = []
    for (let i = 0; i < customers; i++) {
      const customerId = fx.unique('cus')
      ids.push(customerId)
      fx.record({ customerId, at: T0 - agoMs + i * MINUTE, action: 'login', outcome, origin })
    }
    return ids
  }

  it('flags a third account operated from one device within a day', async () => {
    const [first, second] = loginsFrom(ORIGINS.beijing, 2)
    const third = fx.unique('cus')
    const change = fx.event({
      customerId: third,
      at: T0,
      action: 'destination_change',
      origin: { ...ORIGINS.beijing, ip: '198.51.100.99' },
    })

    const hit = await typology.evaluate(change, fx.context(T0))

    expect(hit).toMatchObject({
      typology: 'oneOriginManyAccounts',
      severity: 'high',
      evidence: { origin: 'device', value: 'dev-attacker', customers: 3 },
    })
    expect(String(hit?.evidence['customerIds']).split(',').sort()).toEqual([first, second, third].sort())
  })

  it('flags a third account logged into from one address by a script without a device cookie', async () => {
    loginsFrom(ORIGINS.vps, 2)
    const login = fx.event({ customerId: fx.unique('cus'), at: T0, action: 'login', origin: ORIGINS.vps })

    expect(await typology.evaluate(login, fx.context(T0))).toMatchObject({
      evidence: { origin: 'address', value: ORIGINS.vps.ip, customers: 3 },
    })
  })

  it('does not flag a family of two on one home line and one PC', async () => {
    const [parent] = loginsFrom(ORIGINS.home, 1)
    fx.record({
      customerId: parent!,
      at: T0 - 10 * MINUTE,
      action: 'order',
      origin: ORIGINS.home,
      detail: { symbol: '7203', side: 'buy' },
    })
    const child = fx.event({ customerId: fx.unique('cus'), at: T0, action: 'login', origin: ORIGINS.home })

    expect(await typology.evaluate(child, fx.context(T0))).toBeNull()
  })

  it('does not flag five unrelated customers behind one carrier-grade NAT address', async () => {
    loginsFrom({ ...ORIGINS.phone, deviceId: null }, 4)
    const login = fx.event({ customerId: fx.unique('cus'), at: T0, action: 'login', origin: ORIGINS.phone })

    expect(await typology.evaluate(login, fx.context(T0))).toBeNull()
  })

  it('counts neither failed attempts nor accounts touched more than a day ago', async () => {
    loginsFrom(ORIGINS.beijing, 5, 'failure')
    loginsFrom(ORIGINS.beijing, 5, 'success', 30 * HOUR)
    const login = fx.event({ customerId: fx.unique('cus'), at: T0, action: 'login', origin: ORIGINS.beijing })

    expect(await typology.evaluate(login, fx.context(T0))).toBeNull()
  })

  it('does not count private addresses, where a misconfigured proxy would make everyone one origin', async () => {
    const lan = { ...ORIGINS.home, ip: '10.0.0.1', network: 'net:10.0.0.0/24', deviceId: null }
    loginsFrom(lan, 4)

    expect(
      await typology.evaluate(
        fx.event({ customerId: fx.unique('cus'), at: T0, action: 'login', origin: lan }),
        fx.context(T0),
      ),
    ).toBeNull()
  })
})
