import { beforeAll, describe, expect, it } from 'vitest'
import { AsnDatabase } from './AsnDatabase.js'
import { HOSTING_NETWORKS, hostingAsnSet } from './hostingNetworks.js'
import { JAPANESE_NETWORKS } from './japaneseNetworks.js'

describe('HOSTING_NETWORKS', () => {
  let asns: AsnDatabase

  beforeAll(async () => {
    asns = await AsnDatabase.load()
  })

  it('lists each AS once, with a reason', () => {
    expect(new Set(HOSTING_NETWORKS.map((n) => n.asn)).size).toBe(HOSTING_NETWORKS.length)
    for (const n of HOSTING_NETWORKS) expect(n.reason.length, String(n.asn)).toBeGreaterThan(5)
  })

  it('includes the major clouds and VPN hosts named in the brief', () => {
    const set = hostingAsnSet()
    for (const asn of [
      16509, 14618, 15169, 396982, 8075, 45102, 37963, 132203, 45090, 14061, 63949, 16276, 24940, 20473, 9009,
      60068, 9370, 7684, 7506, 31898, 13335,
    ])
      expect(set.has(asn), String(asn)).toBe(true)
  })

  it('names only AS numbers that the shipped database routes, so a typo cannot hide', () => {
    for (const n of HOSTING_NETWORKS) {
      expect(asns.nameOf(n.asn), `AS${n.asn} ${n.name}`).not.toBeNull()
      expect(asns.ipv4RangesOf(n.asn).length, `AS${n.asn} ${n.name}`).toBeGreaterThan(0)
    }
  })

  it('does not list a Japanese consumer ISP or carrier', () => {
    const hosting = hostingAsnSet()
    for (const n of JAPANESE_NETWORKS) expect(hosting.has(n.asn), `AS${n.asn} ${n.name}`).toBe(false)
  })

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(HOSTING_NETWORKS)).toBe(true)
    expect(Object.isFrozen(HOSTING_NETWORKS[0])).toBe(true)
  })
})

describe('hostingAsnSet', () => {
  it('adds the broker’s AS numbers to the shipped list', () => {
    const set = hostingAsnSet([64512, 4_200_000_000])
    expect(set.has(64512)).toBe(true)
    expect(set.has(4_200_000_000)).toBe(true)
    expect(set.has(16509)).toBe(true)
  })

  it('rejects anything that is not an AS number as a TypeError', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32])
      expect(() => hostingAsnSet([bad]), String(bad)).toThrow(TypeError)
  })
})
