import { describe, expect, it } from 'vitest'
import { RbaModel } from '../model/index.js'
import { RBA_MAX_POINTS, rbaFeaturesOf, rbaPoints } from './rbaPoints.js'
import { ATTACKER, HOME, accessEvent, trainedModel } from '../../../test/support/engineSupport.js'

const IPHONE = {
  ...HOME,
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  browser: 'Mobile Safari 17',
  os: 'iOS 17.4',
  deviceType: 'mobile' as const,
}

function pointsFor(
  origin: Parameters<typeof accessEvent>[2],
  model = trainedModel(),
): ReturnType<typeof rbaPoints> {
  return rbaPoints(model.score('cus-0', rbaFeaturesOf(accessEvent('login', 'cus-0', origin))))
}

describe('rbaFeaturesOf', () => {
  it('spells the AS as the model expects and unknown values as `unknown`', () => {
    expect(
      rbaFeaturesOf({ ...HOME, asn: null, country: null, browser: null, os: null, userAgent: '' }),
    ).toEqual({
      ip: HOME.ip,
      asn: 'unknown',
      country: 'unknown',
      ua: 'unknown',
      browser: 'unknown',
      os: 'unknown',
      deviceType: 'desktop',
    })
    expect(rbaFeaturesOf(HOME).asn).toBe('AS4713')
  })
})

describe('rbaPoints', () => {
  it('gives no points to the customer’s own environment', () => {
    expect(pointsFor(HOME)).toMatchObject({ points: 0, severity: 'low' })
  })

  it('gives no points to a renumbered home line on the same AS', () => {
    expect(pointsFor({ ...HOME, ip: '203.0.113.250' }).points).toBe(0)
  })

  it('gives 45 to a new network and country with a copied browser string, which the Freeman score alone rates low', () => {
    const model = trainedModel()
    const score = model.score('cus-0', rbaFeaturesOf(ATTACKER))

    expect(score.score).toBeLessThan(10)
    expect(rbaPoints(score)).toMatchObject({ points: 45, severity: 'medium' })
  })

  it('gives 20 to the customer’s new phone at home: another device, but the same network', () => {
    expect(pointsFor({ ...IPHONE, ip: HOME.ip }).points).toBe(20)
  })

  it('adds up an entirely new environment, far-out Freeman score included, to the cap', () => {
    const { userAgent, browser, os, deviceType } = IPHONE
    const model = trainedModel()
    const score = model.score('cus-0', rbaFeaturesOf({ ...ATTACKER, userAgent, browser, os, deviceType }))

    // 30 network + 15 country + 15 device + 5 device type + 10 for S >= 10, capped at 70.
    expect(score.score).toBeGreaterThanOrEqual(10)
    expect(rbaPoints(score).points).toBe(RBA_MAX_POINTS)
  })

  it('gives 50 when the customer has no login in the model, however empty the model', () => {
    expect(pointsFor(HOME, new RbaModel())).toMatchObject({ points: 50, severity: 'high' })
    expect(rbaPoints(trainedModel().score('cus-new', rbaFeaturesOf(HOME))).points).toBe(50)
  })

  it('never gives more than RBA_MAX_POINTS, below a login’s deny threshold', () => {
    const worst = {
      score: Number.MAX_VALUE / 2,
      logScore: 700,
      parts: {} as never,
      unseen: ['ip', 'asn', 'country', 'ua', 'browser', 'os', 'deviceType'] as const,
      customerLogins: 3,
    }
    expect(rbaPoints(worst).points).toBe(RBA_MAX_POINTS)
    expect(RBA_MAX_POINTS).toBeLessThan(90)
  })

  it('throws on a malformed score, which the engine turns into a fail-closed decision', () => {
    expect(() =>
      rbaPoints({ score: Number.NaN, logScore: 0, parts: {} as never, unseen: [], customerLogins: 1 }),
    ).toThrow(TypeError)
  })
})
