import { beforeAll, describe, expect, it } from 'vitest'
import { MaxmindIpIntel } from './MaxmindIpIntel.js'
import { JAPANESE_NETWORKS, cidrsOf, sampleIpv4Prefixes } from './japaneseNetworks.js'
import { ipv4Text } from './parseIpAddress.js'

describe('cidrsOf', () => {
  it('covers a range with the fewest CIDR blocks', () => {
    const ip = (s: string): number => s.split('.').reduce((v, o) => v * 256 + Number(o), 0)
    expect(cidrsOf(ip('10.0.0.0'), ip('10.0.0.255')).map((p) => p.cidr)).toEqual(['10.0.0.0/24'])
    expect(cidrsOf(ip('10.0.0.1'), ip('10.0.0.6')).map((p) => p.cidr)).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/31',
      '10.0.0.6/32',
    ])
    expect(cidrsOf(ip('1.0.4.0'), ip('1.0.11.255')).map((p) => p.cidr)).toEqual(['1.0.4.0/22', '1.0.8.0/22'])
    expect(cidrsOf(0, 0xffffffff)).toEqual([{ cidr: '0.0.0.0/0', first: 0, prefixLength: 0, size: 2 ** 32 }])
    expect(cidrsOf(0xffffffff, 0xffffffff).map((p) => p.cidr)).toEqual(['255.255.255.255/32'])
  })
})

describe('JAPANESE_NETWORKS', () => {
  let intel: MaxmindIpIntel

  beforeAll(async () => {
    intel = await MaxmindIpIntel.open()
  })

  it('includes the four mobile carriers and the large fixed-line ISPs', () => {
    const asns = new Set(JAPANESE_NETWORKS.map((n) => n.asn))
    for (const asn of [9605, 2516, 17676, 138384, 4713, 2527, 2518])
      expect(asns.has(asn), String(asn)).toBe(true)
    expect(asns.size).toBe(JAPANESE_NETWORKS.length)
  })

  it('gives every network sample blocks that resolve to it, in Japan, outside the hosting list', () => {
    for (const n of JAPANESE_NETWORKS) {
      const prefixes = sampleIpv4Prefixes(intel.asnDatabase, n.asn, {
        count: 4,
        accept: (p) => intel.lookup(ipv4Text(p.first)).country === 'JP',
      })
      expect(prefixes.length, `AS${n.asn}`).toBeGreaterThan(0)
      for (const p of prefixes) {
        const inside = intel.lookup(ipv4Text(p.first + Math.floor(p.size / 2)))
        expect(inside, `${p.cidr} of AS${n.asn}`).toMatchObject({
          asn: n.asn,
          hosting: false,
          private: false,
        })
      }
    }
  })

  it('samples deterministically, spread over the AS, at most the count asked for', () => {
    const a = sampleIpv4Prefixes(intel.asnDatabase, 4713, { count: 16 })
    expect(a).toHaveLength(16)
    expect(sampleIpv4Prefixes(intel.asnDatabase, 4713, { count: 16 })).toEqual(a)
    expect(new Set(a.map((p) => p.cidr.split('.')[0])).size).toBeGreaterThan(3)
    expect(sampleIpv4Prefixes(intel.asnDatabase, 4713, { count: 0 })).toEqual([])
  })

  it('returns nothing for an AS that announces no IPv4 space', () => {
    expect(sampleIpv4Prefixes(intel.asnDatabase, 4_199_999_999)).toEqual([])
  })

  it('rejects a negative or fractional count as a TypeError', () => {
    expect(() => sampleIpv4Prefixes(intel.asnDatabase, 4713, { count: -1 })).toThrow(TypeError)
    expect(() => sampleIpv4Prefixes(intel.asnDatabase, 4713, { count: 1.5 })).toThrow(TypeError)
  })
})
