import { describe, expect, it } from 'vitest'
import { buildInstrumentCatalog, type InstrumentSpec } from './instrumentCatalog.js'
import { PriceFeed } from './priceFeed.js'

const catalog = buildInstrumentCatalog()
const MINUTE = 60_000
const T0 = Date.UTC(2025, 3, 1, 0, 0)

function relativeSpread(feed: PriceFeed, spec: InstrumentSpec, minutes: number): number {
  let sum = 0
  let sumSq = 0
  for (let m = 0; m < minutes; m++) {
    const r = feed.priceAt(spec.symbol, T0 + m * MINUTE) / spec.basePrice
    sum += r
    sumSq += r * r
  }
  const mean = sum / minutes
  return Math.sqrt(sumSq / minutes - mean * mean)
}

describe('PriceFeed', () => {
  it('gives the same prices in two instances built with the same seed', () => {
    const a = new PriceFeed(42, catalog)
    const b = new PriceFeed(42, catalog)
    for (const spec of catalog) {
      for (let m = 0; m < 50; m++) {
        expect(a.priceAt(spec.symbol, T0 + m * 7 * MINUTE)).toBe(b.priceAt(spec.symbol, T0 + m * 7 * MINUTE))
      }
    }
  })

  it('gives different prices for different seeds', () => {
    const a = new PriceFeed(1, catalog)
    const b = new PriceFeed(2, catalog)
    let differ = 0
    for (const spec of catalog) if (a.priceAt(spec.symbol, T0) !== b.priceAt(spec.symbol, T0)) differ++
    expect(differ).toBeGreaterThan(catalog.length * 0.8)
  })

  it('distinguishes seeds that differ only above 32 bits', () => {
    const a = new PriceFeed(7, catalog)
    const b = new PriceFeed(7 + 2 ** 32, catalog)
    const symbol = '7203'
    const series = (f: PriceFeed): number[] => Array.from({ length: 60 }, (_, m) => f.priceAt(symbol, T0 + m * MINUTE))
    expect(series(a)).not.toEqual(series(b))
  })

  it('stays an integer within ±50% of the base price and at least 1 over 10,000 minutes', () => {
    const feed = new PriceFeed(2025, catalog)
    for (const spec of catalog) {
      for (let m = 0; m < 10_000; m++) {
        const p = feed.priceAt(spec.symbol, T0 + m * MINUTE)
        if (!Number.isSafeInteger(p) || p < 1 || p < spec.basePrice * 0.5 || p > spec.basePrice * 1.5) {
          expect.fail(`${spec.symbol} base ${spec.basePrice} priced ${p} at minute ${m}`)
        }
      }
    }
  })

  it('keeps a base price of 1 or 2 inside its bounds', () => {
    const tiny: InstrumentSpec[] = [1, 2].map((basePrice) => ({
      symbol: `T${basePrice}`,
      name: 'tiny',
      market: 'HKEX',
      segment: 'foreign_small',
      basePrice,
      marketCap: 1e9,
      avgDailyVolume: 1_000,
      lotSize: 1,
    }))
    const feed = new PriceFeed(3, tiny)
    for (let m = 0; m < 2_000; m++) {
      expect(feed.priceAt('T1', T0 + m * MINUTE)).toBe(1)
      const p = feed.priceAt('T2', T0 + m * MINUTE)
      expect(p === 1 || p === 2 || p === 3).toBe(true)
    }
  })

  it('holds one price for the whole minute', () => {
    const feed = new PriceFeed(9, catalog)
    for (const spec of catalog) {
      const start = feed.priceAt(spec.symbol, T0)
      expect(feed.priceAt(spec.symbol, T0 + 1)).toBe(start)
      expect(feed.priceAt(spec.symbol, T0 + 30_000)).toBe(start)
      expect(feed.priceAt(spec.symbol, T0 + MINUTE - 1)).toBe(start)
    }
  })

  it('moves from minute to minute, a whole yen at a time', () => {
    const feed = new PriceFeed(9, catalog)
    for (const spec of catalog.filter((i) => i.basePrice >= 100)) {
      let changes = 0
      for (let m = 1; m <= 60; m++) {
        if (feed.priceAt(spec.symbol, T0 + m * MINUTE) !== feed.priceAt(spec.symbol, T0 + (m - 1) * MINUTE)) changes++
      }
      // Below ¥1,000 a per-minute move is often under one yen, as for real low-priced stocks.
      expect(changes, spec.symbol).toBeGreaterThan(spec.basePrice >= 1_000 ? 30 : 0)
    }
  })

  it('moves small caps more than large caps', () => {
    const feed = new PriceFeed(11, catalog)
    const spread = (segment: InstrumentSpec['segment']): number => {
      const specs = catalog.filter((i) => i.segment === segment && i.basePrice >= 100)
      return specs.reduce((acc, s) => acc + relativeSpread(feed, s, 20_000), 0) / specs.length
    }
    const large = spread('domestic_large')
    const small = spread('domestic_small')
    const foreign = spread('foreign_small')
    expect(small).toBeGreaterThan(large * 1.5)
    expect(foreign).toBeGreaterThan(small)
  })

  it('prices times before the epoch and far in the future', () => {
    const feed = new PriceFeed(5, catalog)
    for (const t of [-1, -123_456_789_000, 0, 8.64e15]) {
      const p = feed.priceAt('7203', t)
      expect(p).toBeGreaterThanOrEqual(1_400)
      expect(p).toBeLessThanOrEqual(4_200)
    }
  })

  it('knows which symbols it prices', () => {
    const feed = new PriceFeed(1, catalog)
    expect(feed.has('7203')).toBe(true)
    expect(feed.has('0000')).toBe(false)
  })

  it('throws TypeError for an unknown symbol or a non-finite time', () => {
    const feed = new PriceFeed(1, catalog)
    expect(() => feed.priceAt('0000', T0)).toThrow(TypeError)
    expect(() => feed.priceAt('7203', Number.NaN)).toThrow(TypeError)
    expect(() => feed.priceAt('7203', Number.POSITIVE_INFINITY)).toThrow(TypeError)
  })

  it('refuses a non-integer seed, duplicate symbols and a non-positive base price', () => {
    expect(() => new PriceFeed(1.5, catalog)).toThrow(TypeError)
    expect(() => new PriceFeed(1, [...catalog, catalog[0] as InstrumentSpec])).toThrow(TypeError)
    expect(() => new PriceFeed(1, [{ ...(catalog[0] as InstrumentSpec), basePrice: 0 }])).toThrow(TypeError)
  })
})
