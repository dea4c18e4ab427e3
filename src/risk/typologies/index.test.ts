import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import type { Store } from '../../store/index.js'
import { defaultTypologies } from './index.js'
import { FIXTURE_T0 as T0, ORIGINS, openTypologyFixture, type TypologyFixture } from '../../../test/support/typologyFixture.js'

describe('defaultTypologies', () => {
  it('returns the ten typologies of C-3, each with its own id and the actions it looks at', () => {
    const typologies = defaultTypologies()

    expect(typologies.map((t) => t.id)).toEqual([
      'credentialStuffing',
      'newEnvironment',
      'impossibleTravel',
      'oneOriginManyAccounts',
      'destinationChangeFromUnseenOrigin',
      'withdrawalAfterDestinationChange',
      'liquidationFromNewEnvironment',
      'illiquidBuyAfterLiquidation',
      'pumpRing',
      'contactThenFactorAndDestination',
    ])
    for (const t of typologies) expect(t.actions.length).toBeGreaterThan(0)
  })

  it('passes options to the typology they name, and refuses impossible ones at start-up', () => {
    expect(() => defaultTypologies({ pumpRing: { minAccounts: 1 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
    expect(() => defaultTypologies({ liquidationFromNewEnvironment: { minShare: 1.5 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
    expect(() =>
      defaultTypologies({ newEnvironment: { familiarity: { settleMs: 400 * 86_400_000 } } }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
  })
})

describe.each(DIALECTS)('the typologies on malformed events on $dialect', (dc) => {
  let store: Store
  let fx: TypologyFixture

  beforeAll(async () => {
    store = await dc.open()
    fx = await openTypologyFixture(store)
    fx.recordHabit('cus-known', [ORIGINS.home])
  })
  afterAll(async () => {
    await fx.close()
    await store.close()
  })

  it('answer garbage addresses, unknown customers, odd details and unknown symbols without throwing', async () => {
    const garbage = {
      ...ORIGINS.home,
      ip: "' OR 1=1 --",
      network: 'net:invalid',
      asn: null,
      asnName: null,
      country: null,
      city: null,
      latitude: null,
      longitude: null,
      userAgent: '',
      browser: null,
      os: null,
      deviceType: 'other' as const,
      deviceId: null,
    }
    const details = [
      {},
      { symbol: 42, side: 'buy', quantity: 'many' },
      { symbol: 'NOPE', side: 'buy', quantity: 100 },
      { symbol: 'NOPE', side: 'sell', quantity: -5, notional: null },
      { symbol: '7203', side: 'sideways' },
      { destinationId: 7, amount: 'all' },
    ]
    const typologies = defaultTypologies()
    const ctx = fx.context(T0)
    let evaluated = 0
    for (const customerId of [null, 'cus-known', 'cus-unknown']) {
      for (const [origin, odd] of [
        [garbage, details],
        [ORIGINS.vps, [{}]],
      ] as const) {
        for (const detail of odd) {
          for (const t of typologies) {
            for (const action of t.actions) {
              const hit = await t.evaluate(fx.event({ customerId, at: T0, action, origin, detail }), ctx)
              evaluated++
              if (hit !== null) expect(hit.typology).toBe(t.id)
            }
          }
        }
      }
    }
    expect(evaluated).toBeGreaterThan(400)
  })
})
