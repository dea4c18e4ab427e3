import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RBA_WEIGHTS, RbaModel } from './index.js'
import type { RbaFeatures } from './index.js'

const UA_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120'
const UA_IPH = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari/17'
const UA_MAC = 'Mozilla/5.0 (Macintosh; Mac OS X 14_0) Safari/17'
const UA_AND = 'Mozilla/5.0 (Linux; Android 14) Chrome Mobile/120'

function env(
  ip: string,
  asn: string,
  country: string,
  ua: string,
  browser: string,
  os: string,
  deviceType: string,
): RbaFeatures {
  return { ip, asn, country, ua, browser, os, deviceType }
}

const ALICE_HOME = env('203.0.113.10', 'AS2516', 'JP', UA_WIN, 'Chrome 120', 'Windows 10', 'desktop')
const BOB_1 = env('198.51.100.7', 'AS2516', 'JP', UA_IPH, 'Mobile Safari 17', 'iOS 17', 'mobile')
const BOB_2 = env('198.51.100.8', 'AS4713', 'JP', UA_IPH, 'Mobile Safari 17', 'iOS 17', 'mobile')
const CAROL = env('192.0.2.55', 'AS7922', 'US', UA_MAC, 'Safari 17', 'macOS 14', 'desktop')

/** The six logins of the hand-computed example, in the order they happened. */
const EXAMPLE: ReadonlyArray<readonly [string, RbaFeatures]> = [
  ['alice', ALICE_HOME],
  ['bob', BOB_1],
  ['alice', ALICE_HOME],
  ['carol', CAROL],
  ['bob', BOB_2],
  ['alice', ALICE_HOME],
]

function exampleModel(): RbaModel {
  const model = new RbaModel()
  for (const [id, f] of EXAMPLE) model.observe(id, f)
  return model
}

const { ua: ws, browser: wb, os: wo, deviceType: wd } = RBA_WEIGHTS.ua
const W = ws + wb + wo + wd

/*
 * HAND-COMPUTED EXAMPLE (formulas: das-group/rba-algorithm, rba-algorithm.ipynb, freeman_rba_score).
 *
 * After the six logins above: N = 6 logins, |U| = 3 customers.
 *   ip:      203.0.113.10 ×3, 198.51.100.7 ×1, 198.51.100.8 ×1, 192.0.2.55 ×1
 *   asn:     AS2516 ×4, AS4713 ×1, AS7922 ×1          (3 distinct)
 *   country: JP ×5, US ×1                             (2 distinct)
 *   ua:      UA_WIN ×3, UA_IPH ×2, UA_MAC ×1
 *   browser: Chrome 120 ×3, Mobile Safari 17 ×2, Safari 17 ×1     (3 distinct)
 *   os:      Windows 10 ×3, iOS 17 ×2, macOS 14 ×1                (3 distinct)
 *   device:  desktop ×4, mobile ×2                                (2 distinct)
 * Population "unseen" constants (get_unseen_values on the population):
 *   U_ip = 1 + 3 ASNs + 2 countries = 6, so N + U_ip = 12
 *   U_ua = 1 + 3 browsers + 3 OSes + 2 devices = 9, so N + U_ua = 15
 * Weights: IP 3/5, ASN 3/10, country 1/10; UA ws, browser wb, OS wo, device wd (RBA_WEIGHTS.ua),
 * W = ws + wb + wo + wd.
 * Top level: q0 = n'/(n'+U') · (c > 0 ? c/(N+U) : 1/(N+U)), n' = c + 1 counts the attempt itself,
 * U' = 1 + distinct lower-level values under that IP/UA (the attempt's included).
 *
 * (a) alice from her usual environment (ALICE_HOME); alice has n_u = 3, all with ALICE_HOME.
 *   IP   top: c = 3, n' = 4, U' = 1 + |{AS2516}| + |{JP}| = 3: 4/7 · 3/12 = 1/7; × 3/5 = 3/35
 *        asn AS2516: 3/10 · 4/6 = 1/5;  country JP: 1/10 · 5/6 = 1/12
 *        p(ip) = 3/35 + 1/5 + 1/12 = (36 + 84 + 35)/420 = 155/420 = 31/84
 *        p(ip|alice) = 3/5 · 3/3 + 3/10 · 3/3 + 1/10 · 3/3 = 1          ratio 31/84
 *   UA   top: c = 3, n' = 4, U' = 1 + 1 + 1 + 1 = 4: 4/8 · 3/15 = 1/10
 *        browser 3/6 = 1/2, OS 3/6 = 1/2, device 4/6 = 2/3
 *        p(ua) = ws/10 + wb/2 + wo/2 + 2wd/3;  p(ua|alice) = W      ratio p(ua)/W
 *   prior: (1/|U|)/(n_u/N) = (1/3)/(3/6) = 2/3
 *   S = 31/84 · (ws/10 + wb/2 + wo/2 + 2wd/3)/W · 2/3 ≈ 0.0702138
 *
 * (b) alice from a new IP 203.0.113.99 in her usual ASN AS2516, JP, usual browser.
 *   IP   top: c = 0, n' = 1, U' = 3: 1/4 · 1/12 = 1/48; × 3/5 = 1/80
 *        asn 1/5, country 1/12:  p(ip) = 1/80 + 1/5 + 1/12 = (3 + 48 + 20)/240 = 71/240
 *        p(ip|alice) = 3/5 · 0 + 3/10 · 3/3 + 1/10 · 3/3 = 2/5     ratio 71/240 · 5/2 = 71/96
 *   UA and prior as in (a).
 *   S = 71/96 · (ws/10 + wb/2 + wo/2 + 2wd/3)/W · 2/3 ≈ 0.1407106
 *
 * (c) alice from a wholly new environment: 185.220.101.1, AS60729, DE, an Android phone.
 *   IP   top: 1/4 · 1/12 · 3/5 = 1/80; ASN and country never seen anywhere: 0.  p(ip) = 1/80
 *        p(ip|alice) = 0 → edge case p(ip|alice) := p(ip)/4 = 1/320      ratio 4
 *   UA   top: c = 0, n' = 1, U' = 4: 1/5 · 1/15 = 1/75, × ws; browser, OS: 0; mobile 2/6 = 1/3
 *        p(ua) = ws/75 + wd/3; alice never used a mobile: p(ua|alice) = 0 → p(ua)/4   ratio 4
 *   S = 4 · 4 · 2/3 = 32/3
 *
 * (d) bob from his second environment (BOB_2); bob has n_u = 2.
 *   IP   top: c = 1, n' = 2, U' = 3: 2/5 · 1/12 = 1/30; × 3/5 = 1/50
 *        asn AS4713: 3/10 · 1/6 = 1/20;  country JP: 1/12
 *        p(ip) = 1/50 + 1/20 + 1/12 = (6 + 15 + 25)/300 = 23/150
 *        p(ip|bob) = 3/5 · 1/2 + 3/10 · 1/2 + 1/10 · 2/2 = 11/20     ratio 23/150 · 20/11 = 46/165
 *   UA   top: c = 2, n' = 3, U' = 4: 3/7 · 2/15 = 2/35, × ws; browser, OS, device 2/6 = 1/3 each
 *        p(ua) = 2ws/35 + (wb + wo + wd)/3;  p(ua|bob) = W
 *   prior: (1/3)/(2/6) = 1
 *   S = 46/165 · (2ws/35 + (wb + wo + wd)/3)/W ≈ 0.0514528
 *
 * The last column of each case is what the notebook's own freeman_rba_score printed for the same
 * six logins (pandas 1.5.3; global_logs = the six logins plus the attempt, the hash table built
 * from the six), pinned here to show the fractions above are the reference's.
 */
const UA_A = ws / 10 + wb / 2 + wo / 2 + (2 * wd) / 3
const CASES = {
  a: {
    attempt: ALICE_HOME,
    ip: { global: 31 / 84, user: 1, ratio: 31 / 84 },
    ua: { global: UA_A, user: W, ratio: UA_A / W },
    prior: 2 / 3,
    score: (31 / 84) * (UA_A / W) * (2 / 3),
    notebook: 0.07021375316642217,
    unseen: [],
  },
  b: {
    attempt: { ...ALICE_HOME, ip: '203.0.113.99' },
    ip: { global: 71 / 240, user: 2 / 5, ratio: 71 / 96 },
    ua: { global: UA_A, user: W, ratio: UA_A / W },
    prior: 2 / 3,
    score: (71 / 96) * (UA_A / W) * (2 / 3),
    notebook: 0.14071062630528955,
    unseen: ['ip'],
  },
  c: {
    attempt: env('185.220.101.1', 'AS60729', 'DE', UA_AND, 'Chrome Mobile 120', 'Android 14', 'mobile'),
    ip: { global: 1 / 80, user: 1 / 320, ratio: 4 },
    ua: { global: ws / 75 + wd / 3, user: (ws / 75 + wd / 3) / 4, ratio: 4 },
    prior: 2 / 3,
    score: 32 / 3,
    notebook: 10.666666666666666,
    unseen: ['ip', 'asn', 'country', 'ua', 'browser', 'os', 'deviceType'],
  },
  d: {
    attempt: BOB_2,
    ip: { global: 23 / 150, user: 11 / 20, ratio: 46 / 165 },
    ua: {
      global: (2 * ws) / 35 + (wb + wo + wd) / 3,
      user: W,
      ratio: ((2 * ws) / 35 + (wb + wo + wd) / 3) / W,
    },
    prior: 1,
    score: (46 / 165) * (((2 * ws) / 35 + (wb + wo + wd) / 3) / W),
    notebook: 0.05145283565197396,
    unseen: [],
  },
} as const

const CUSTOMER_OF = { a: 'alice', b: 'alice', c: 'alice', d: 'bob' } as const

describe('RbaModel on the hand-computed example', () => {
  for (const key of ['a', 'b', 'c', 'd'] as const) {
    const c = CASES[key]
    it(`scores case (${key}) exactly as computed by hand and as the reference notebook printed`, () => {
      const s = exampleModel().score(CUSTOMER_OF[key], c.attempt)
      expect(s.parts.ip.global).toBeCloseTo(c.ip.global, 12)
      expect(s.parts.ip.user).toBeCloseTo(c.ip.user, 12)
      expect(s.parts.ip.ratio).toBeCloseTo(c.ip.ratio, 12)
      expect(s.parts.ua.global).toBeCloseTo(c.ua.global, 12)
      expect(s.parts.ua.user).toBeCloseTo(c.ua.user, 12)
      expect(s.parts.ua.ratio).toBeCloseTo(c.ua.ratio, 12)
      expect(s.parts.prior.ratio).toBeCloseTo(c.prior, 12)
      expect(Math.abs(s.score - c.score)).toBeLessThan(1e-9)
      expect(Math.abs(s.score - c.notebook)).toBeLessThan(1e-12)
      expect(s.logScore).toBeCloseTo(Math.log(c.score), 9)
      expect(s.unseen).toEqual(c.unseen)
    })
  }

  it('the usual environment scores lower than a new IP, which scores lower than a new environment', () => {
    const model = exampleModel()
    const a = model.score('alice', CASES.a.attempt).score
    const b = model.score('alice', CASES.b.attempt).score
    const c = model.score('alice', CASES.c.attempt).score
    expect(a).toBeLessThan(b)
    expect(b).toBeLessThan(c)
  })

  it('scoring does not change the model', () => {
    const model = exampleModel()
    const before = JSON.stringify(model.snapshot())
    model.score('alice', CASES.c.attempt)
    model.score('dave', CASES.c.attempt)
    expect(JSON.stringify(model.snapshot())).toBe(before)
  })
})

describe('RbaModel: what the population contributes', () => {
  it('a new network in Japan, where nearly every login comes from, raises the score less than one in a country rare in the population', () => {
    const model = exampleModel()
    const newNetworkJapan = { ...ALICE_HOME, ip: '126.0.0.1', asn: 'AS17676', country: 'JP' }
    const newNetworkRare = { ...ALICE_HOME, ip: '102.0.0.1', asn: 'AS36873', country: 'NG' }
    const jp = model.score('alice', newNetworkJapan)
    const ng = model.score('alice', newNetworkRare)
    // JP: p(ip) = 1/80 + 0 + 1/12 = 23/240, p(ip|alice) = 1/10 → 23/24. NG: unseen at every level → 4.
    expect(jp.parts.ip.ratio).toBeCloseTo(23 / 24, 12)
    expect(ng.parts.ip.ratio).toBe(4)
    expect(jp.score).toBeLessThan(ng.score)
  })

  it('among values a customer uses equally often, a population-common one is weaker evidence of the customer than a rare one', () => {
    // Freeman et al. read p(x) as the attacker's distribution: an attacker is far likelier to
    // come from JP than from the US, so a US login that matches the customer vouches more.
    const model = new RbaModel()
    for (let i = 0; i < 10; i++) model.observe(`other${i}`, { ...BOB_1, ip: `198.51.100.${100 + i}` })
    const dave = env('192.0.2.1', 'AS1', 'JP', UA_WIN, 'Chrome 120', 'Windows 10', 'desktop')
    model.observe('dave', dave)
    model.observe('dave', dave)
    model.observe('dave', { ...dave, country: 'US' })
    model.observe('dave', { ...dave, country: 'US' })
    const jp = model.score('dave', dave)
    const us = model.score('dave', { ...dave, country: 'US' })
    expect(jp.parts.ip.user).toBe(us.parts.ip.user)
    expect(jp.parts.ip.global).toBeGreaterThan(us.parts.ip.global)
    expect(jp.score).toBeGreaterThan(us.score)
  })

  it('a value no customer has ever used drops out of both likelihoods and can lower the score, as in the reference', () => {
    // Freeman et al. take p(x | attack) ≈ p(x): a value absent from the population is deemed
    // unlikely for an attacker too. Its weight leaves numerator and denominator alike, so the
    // score alone does not flag it; `unseen` does, and the engine must read it.
    const model = exampleModel()
    const usual = model.score('alice', ALICE_HOME)
    // ASN 'unknown': p(ip) = 3/5 · 4/8 · 3/12 + 0 + 1/12 = 19/120 (U' = 1 + 2 ASNs + 1 country),
    // p(ip|alice) = 3/5 + 0 + 1/10 = 7/10, ratio 19/84 < 31/84.
    const unknownAsn = model.score('alice', { ...ALICE_HOME, asn: 'unknown' })
    expect(unknownAsn.parts.ip.ratio).toBeCloseTo(19 / 84, 12)
    expect(Math.abs(unknownAsn.score - 0.0430342358116781)).toBeLessThan(1e-12)
    expect(unknownAsn.score).toBeLessThan(usual.score)
    expect(unknownAsn.unseen).toEqual(['asn'])
    // A made-up user agent on alice's OS and device scores below a real one she never used.
    const garbage = model.score('alice', { ...ALICE_HOME, ua: 'garbage-ua', browser: 'garbage-browser' })
    const bobsPhone = model.score('alice', { ...ALICE_HOME, ua: UA_IPH, browser: 'Mobile Safari 17' })
    expect(Math.abs(garbage.score - 0.13324118246082073)).toBeLessThan(1e-12)
    expect(Math.abs(bobsPhone.score - 0.2683010852530596)).toBeLessThan(1e-12)
    expect(garbage.score).toBeLessThan(bobsPhone.score)
    expect(garbage.unseen).toEqual(['ua', 'browser'])
  })
})

describe('RbaModel: a customer with no history', () => {
  it('gets the largest finite score, never 0, with every sub-feature unseen', () => {
    const model = exampleModel()
    const s = model.score('dave', ALICE_HOME)
    expect(s.score).toBe(Number.MAX_VALUE)
    expect(s.logScore).toBe(Math.log(Number.MAX_VALUE))
    expect(s.customerLogins).toBe(0)
    expect(s.unseen).toEqual(['ip', 'asn', 'country', 'ua', 'browser', 'os', 'deviceType'])
    expect(s.parts.ip.ratio).toBe(4)
    expect(s.parts.ua.ratio).toBe(4)
    expect(s.parts.prior.user).toBe(0)
    expect(JSON.parse(JSON.stringify(s)).score).toBe(Number.MAX_VALUE)
    // Higher than the riskiest attempt of a customer with history.
    expect(s.score).toBeGreaterThan(model.score('alice', CASES.c.attempt).score)
  })

  it('gets the same score on an empty model, with finite parts', () => {
    const s = new RbaModel().score('first', ALICE_HOME)
    expect(s.score).toBe(Number.MAX_VALUE)
    for (const p of [s.parts.ip, s.parts.ua]) {
      expect(Number.isFinite(p.global) && p.global > 0).toBe(true)
      expect(p.ratio).toBe(4)
    }
  })
})

describe('RbaModel: incremental updates', () => {
  const pool = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs)
  const features: fc.Arbitrary<RbaFeatures> = fc.record({
    ip: pool(['10.0.0.1', '10.0.0.2', '10.0.1.1', '10.0.2.9', '192.0.2.1']),
    asn: pool(['AS1', 'AS2', 'AS3']),
    country: pool(['JP', 'JP', 'US', 'unknown']),
    ua: pool(['ua1', 'ua2', 'ua3', 'ua4']),
    browser: pool(['Chrome 120', 'Safari 17', 'Firefox 115']),
    os: pool(['Windows 10', 'iOS 17']),
    deviceType: pool(['desktop', 'mobile', 'tablet']),
  })
  const event = fc.tuple(pool(['c1', 'c2', 'c3', 'c4']), features)

  it('equals a model rebuilt from the same logins in another order, to the last bit', () => {
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 60 }),
        fc.array(event, { minLength: 1, maxLength: 10 }),
        fc.integer(),
        (events, attempts, seed) => {
          const incremental = new RbaModel()
          for (const [id, f] of events) {
            incremental.score(id, f)
            incremental.observe(id, f)
          }
          const shuffled = [...events]
          let s = seed
          for (let i = shuffled.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) | 0
            const j = (s >>> 0) % (i + 1)
            ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
          }
          const rebuilt = new RbaModel()
          for (const [id, f] of shuffled) rebuilt.observe(id, f)
          for (const [id, f] of attempts) {
            expect(rebuilt.score(id, f)).toEqual(incremental.score(id, f))
          }
        },
      ),
      { numRuns: 200 },
    )
  })

  it('lists exactly the sub-features the customer never logged in with', () => {
    fc.assert(
      fc.property(fc.array(features, { minLength: 1, maxLength: 20 }), features, (history, attempt) => {
        const model = new RbaModel()
        for (const f of history) model.observe('c', f)
        const expected = (Object.keys(attempt) as Array<keyof RbaFeatures>).filter(
          (k) => !history.some((h) => h[k] === attempt[k]),
        )
        expect([...model.score('c', attempt).unseen].sort()).toEqual(expected.sort())
      }),
    )
  })
})

describe('RbaModel: snapshot and restore', () => {
  it('round-trips through JSON to a model that scores and learns identically', () => {
    const model = exampleModel()
    const restored = RbaModel.restore(JSON.parse(JSON.stringify(model.snapshot())))
    expect(restored.logins).toBe(6)
    expect(restored.customers).toBe(3)
    for (const key of ['a', 'b', 'c', 'd'] as const) {
      expect(restored.score(CUSTOMER_OF[key], CASES[key].attempt)).toEqual(
        model.score(CUSTOMER_OF[key], CASES[key].attempt),
      )
    }
    model.observe('alice', CASES.b.attempt)
    restored.observe('alice', CASES.b.attempt)
    expect(restored.snapshot()).toEqual(model.snapshot())
  })

  it('rejects anything that is not a consistent snapshot', () => {
    const good = exampleModel().snapshot()
    const tampered = JSON.parse(JSON.stringify(good)) as { global: { ip: Array<[string, number]> } }
    tampered.global.ip[0]![1] += 1
    expect(() => RbaModel.restore(tampered)).toThrow(TypeError)
    expect(() => RbaModel.restore({ ...good, version: 2 })).toThrow(TypeError)
    expect(() => RbaModel.restore({ ...good, customers: [] })).toThrow(TypeError)
    expect(() => RbaModel.restore(null)).toThrow(TypeError)
    expect(() => RbaModel.restore('{}')).toThrow(TypeError)
  })
})

describe('RbaModel: bounded memory', () => {
  it('forgets the least recently seen values beyond the cap, so they count as unseen again', () => {
    const model = new RbaModel({ maxValuesPerCustomer: 7 })
    model.observe('alice', ALICE_HOME)
    model.observe('alice', ALICE_HOME)
    model.observe('alice', CAROL)
    const snap = model.snapshot()
    const alice = snap.customers.find(([id]) => id === 'alice')!
    expect(alice[1]).toBe(3)
    expect(alice[2].map(([sub, v]) => [sub, v])).toEqual([
      ['ip', CAROL.ip],
      ['asn', CAROL.asn],
      ['country', CAROL.country],
      ['ua', CAROL.ua],
      ['browser', CAROL.browser],
      ['os', CAROL.os],
      ['deviceType', CAROL.deviceType],
    ])
    // desktop was seen on every login, so it stays with its full count.
    expect(alice[2][6]![2]).toBe(3)
    expect(model.score('alice', ALICE_HOME).unseen).toEqual(['ip', 'asn', 'country', 'ua', 'browser', 'os'])
  })

  it('keeps a value that keeps being used and drops one that stopped', () => {
    const model = new RbaModel({ maxValuesPerCustomer: 8 })
    const home = ALICE_HOME
    const travel = { ...ALICE_HOME, ip: '198.51.100.200' }
    model.observe('alice', home)
    model.observe('alice', travel)
    model.observe('alice', home)
    expect(model.score('alice', home).unseen).toEqual([])
    model.observe('alice', { ...ALICE_HOME, ip: '198.51.100.201' })
    expect(model.score('alice', travel).unseen).toEqual(['ip'])
    expect(model.score('alice', home).unseen).toEqual([])
  })

  it('restores the recency order, so eviction continues as before', () => {
    const model = new RbaModel({ maxValuesPerCustomer: 8 })
    model.observe('alice', ALICE_HOME)
    model.observe('alice', { ...ALICE_HOME, ip: '198.51.100.200' })
    const restored = RbaModel.restore(JSON.parse(JSON.stringify(model.snapshot())))
    for (const m of [model, restored]) m.observe('alice', { ...ALICE_HOME, ip: '198.51.100.201' })
    expect(restored.snapshot()).toEqual(model.snapshot())
  })

  it('refuses a cap smaller than one login', () => {
    expect(() => new RbaModel({ maxValuesPerCustomer: 6 })).toThrow(TypeError)
    expect(() => new RbaModel({ maxValuesPerCustomer: 7.5 })).toThrow(TypeError)
  })
})

describe('RbaModel: options and misuse', () => {
  it("with customerPrior 'ignore' the score is the product of the feature ratios alone", () => {
    const model = new RbaModel({ customerPrior: 'ignore' })
    for (const [id, f] of EXAMPLE) model.observe(id, f)
    const s = model.score('alice', CASES.a.attempt)
    expect(s.parts.prior.ratio).toBe(1)
    expect(s.score).toBeCloseTo((31 / 84) * (UA_A / W), 12)
    expect(model.score('dave', ALICE_HOME).score).toBe(Number.MAX_VALUE)
  })

  it('throws a TypeError for a non-string feature or an empty customer id', () => {
    const model = exampleModel()
    const broken = { ...ALICE_HOME, asn: 2516 } as unknown as RbaFeatures
    expect(() => model.score('alice', broken)).toThrow(TypeError)
    expect(() => model.observe('alice', broken)).toThrow(TypeError)
    expect(() => model.score('', ALICE_HOME)).toThrow(TypeError)
    expect(model.logins).toBe(6)
  })
})
