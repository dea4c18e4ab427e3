import { describe, expect, it } from 'vitest'
import { buildInstrumentCatalog, type InstrumentSpec } from './instrumentCatalog.js'

const catalog = buildInstrumentCatalog()
const bySegment = (segment: InstrumentSpec['segment']): readonly InstrumentSpec[] =>
  catalog.filter((i) => i.segment === segment)

describe('buildInstrumentCatalog', () => {
  it('lists 50 domestic large caps, 100 domestic small caps and 100 foreign small caps', () => {
    expect(catalog).toHaveLength(250)
    expect(bySegment('domestic_large')).toHaveLength(50)
    expect(bySegment('domestic_small')).toHaveLength(100)
    expect(bySegment('foreign_small')).toHaveLength(100)
  })

  it('makes at least 60 of the foreign small caps Chinese', () => {
    const chinese = bySegment('foreign_small').filter((i) => ['SSE', 'SZSE', 'HKEX'].includes(i.market))
    expect(chinese.length).toBeGreaterThanOrEqual(60)
  })

  it('gives every instrument a unique symbol and a unique name', () => {
    expect(new Set(catalog.map((i) => i.symbol)).size).toBe(catalog.length)
    expect(new Set(catalog.map((i) => i.name)).size).toBe(catalog.length)
  })

  it('returns the same frozen catalog on every call', () => {
    expect(buildInstrumentCatalog()).toEqual(catalog)
    expect(Object.isFrozen(catalog)).toBe(true)
    expect(catalog.every((i) => Object.isFrozen(i))).toBe(true)
  })

  it('keeps the well-known codes of the large caps', () => {
    const names = new Map(catalog.map((i) => [i.symbol, i.name]))
    expect(names.get('7203')).toBe('トヨタ自動車')
    expect(names.get('6758')).toBe('ソニーグループ')
    expect(names.get('9984')).toBe('ソフトバンクグループ')
  })

  it('uses 4-digit codes and lots of 100 on the TSE, prefixed codes and lots of 1 abroad', () => {
    for (const i of catalog) {
      if (i.market === 'TSE') {
        expect(i.symbol).toMatch(/^[0-9]{4}$/)
        expect(i.lotSize).toBe(100)
      } else {
        expect(i.symbol).toMatch(/^(SZ\.(002|300|301)[0-9]{3}|SH\.(600|603|605|688)[0-9]{3}|HK\.08[0-9]{3}|US\.[A-Z]{3,4})$/)
        expect(i.lotSize).toBe(1)
      }
    }
  })

  it('makes every number a positive safe integer', () => {
    for (const i of catalog) {
      for (const n of [i.basePrice, i.marketCap, i.avgDailyVolume, i.lotSize]) {
        expect(Number.isSafeInteger(n) && n > 0, `${i.symbol} ${n}`).toBe(true)
      }
    }
  })

  it('keeps small caps within their market cap and volume ranges', () => {
    for (const i of bySegment('domestic_small')) {
      expect(i.marketCap).toBeGreaterThanOrEqual(1e9)
      expect(i.marketCap).toBeLessThanOrEqual(30e9)
      expect(i.avgDailyVolume).toBeGreaterThanOrEqual(5_000)
      expect(i.avgDailyVolume).toBeLessThanOrEqual(300_000)
    }
    for (const i of bySegment('foreign_small')) {
      expect(i.avgDailyVolume).toBeGreaterThanOrEqual(1_000)
      expect(i.avgDailyVolume).toBeLessThanOrEqual(50_000)
    }
  })

  it('makes every small cap thinner than every large cap', () => {
    const thinnestLarge = Math.min(...bySegment('domestic_large').map((i) => i.avgDailyVolume))
    const smallest = Math.min(...bySegment('domestic_large').map((i) => i.marketCap))
    expect(thinnestLarge).toBeGreaterThanOrEqual(1_000_000)
    for (const i of [...bySegment('domestic_small'), ...bySegment('foreign_small')]) {
      expect(i.avgDailyVolume).toBeLessThan(thinnestLarge)
      expect(i.marketCap).toBeLessThan(smallest)
    }
  })
})
