import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { MaxmindIpIntel } from './MaxmindIpIntel.js'

// Expectations are on the shipped @ip-location-db data (locked in package-lock.json). Addresses
// are picked whose owner is stable: Google's public DNS, NTT OCN's and SoftBank's home blocks.
describe('MaxmindIpIntel', () => {
  let intel: MaxmindIpIntel

  beforeAll(async () => {
    intel = await MaxmindIpIntel.open()
  })

  it('places a Japanese residential address in Japan on its ISP', () => {
    const ocn = intel.lookup('153.156.0.1')
    expect(ocn).toMatchObject({
      valid: true,
      version: 4,
      private: false,
      country: 'JP',
      asn: 4713,
      hosting: false,
      network: 'asn:4713',
    })
    expect(ocn.asnName).toBe('NTT Communications Corporation')
    expect(ocn.latitude).toBeGreaterThan(24)
    expect(ocn.longitude).toBeGreaterThan(122)
    expect(intel.lookup('126.0.0.1')).toMatchObject({ country: 'JP', asn: 17676, hosting: false })
  })

  it('places 8.8.8.8 in the United States on Google and calls it hosting', () => {
    expect(intel.lookup('8.8.8.8')).toMatchObject({
      ip: '8.8.8.8',
      valid: true,
      version: 4,
      private: false,
      country: 'US',
      asn: 15169,
      asnName: 'Google LLC',
      hosting: true,
      network: 'asn:15169',
    })
  })

  it('resolves Google public DNS over IPv6 to AS15169', () => {
    expect(intel.lookup('2001:4860:4860::8888')).toMatchObject({
      version: 6,
      country: 'US',
      asn: 15169,
      hosting: true,
      network: 'asn:15169',
    })
  })

  it('resolves a Japanese IPv6 address in Japan', () => {
    expect(intel.lookup('2400:4050::1')).toMatchObject({ version: 6, country: 'JP', asn: 4713 })
  })

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(intel.lookup('::ffff:8.8.8.8')).toEqual(intel.lookup('8.8.8.8'))
  })

  it('canonicalises the address it reports', () => {
    expect(intel.lookup('2001:4860:4860:0000:0000:0000:0000:8888').ip).toBe('2001:4860:4860::8888')
    expect(intel.lookup(' 8.8.8.8 ').ip).toBe('8.8.8.8')
  })

  it('marks private, loopback, link-local and CGNAT addresses valid and private, with no place and no AS', () => {
    for (const ip of [
      '127.0.0.1',
      '10.0.0.1',
      '192.168.1.10',
      '172.20.0.5',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fe80::1%eth0',
      'fd00::1',
    ]) {
      const info = intel.lookup(ip)
      expect(info, ip).toMatchObject({
        valid: true,
        private: true,
        country: null,
        city: null,
        latitude: null,
        longitude: null,
        asn: null,
        asnName: null,
        hosting: false,
      })
      expect(info.network, ip).toMatch(/^net:/)
    }
    expect(intel.lookup('10.0.0.1').network).toBe('net:10.0.0.0/24')
  })

  it('answers unrouted public space with no AS and the /24 or /48 as its network', () => {
    expect(intel.lookup('203.0.113.9')).toMatchObject({
      valid: true,
      private: false,
      asn: null,
      hosting: false,
      network: 'net:203.0.113.0/24',
    })
    expect(intel.lookup('2001:db8:1::1')).toMatchObject({
      valid: true,
      asn: null,
      network: 'net:2001:db8:1::/48',
    })
  })

  it('marks garbage invalid and never throws', () => {
    const garbage: unknown[] = [
      'not an ip',
      '',
      ' ',
      '1.2.3.256',
      '::ffff:999.0.0.1',
      '8.8.8.8/24',
      '8.8.8.8:443',
      'x'.repeat(10_240),
      undefined,
      null,
      42,
      { toString: (): string => '8.8.8.8' },
    ]
    for (const input of garbage) {
      const info = intel.lookup(input as string)
      expect(info).toMatchObject({
        valid: false,
        version: null,
        private: false,
        country: null,
        asn: null,
        hosting: false,
        network: 'net:invalid',
      })
      expect(info.ip.length).toBeLessThanOrEqual(100)
    }
    expect(intel.lookup('not an ip').ip).toBe('not an ip')
  })

  it('never throws for any string or any address', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => void intel.lookup(s)),
      { numRuns: 2_000 },
    )
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        expect(intel.lookup(ip).valid).toBe(true)
      }),
      { numRuns: 2_000 },
    )
  })

  describe('with a broker’s configuration', () => {
    let custom: MaxmindIpIntel

    beforeAll(async () => {
      custom = await MaxmindIpIntel.open({ extraHostingAsns: [4713], recordCacheSize: 1 })
    })

    it('adds the broker’s own hosting networks to the shipped list', () => {
      expect(custom.lookup('153.156.0.1').hosting).toBe(true)
      expect(custom.isHostingAsn(16509)).toBe(true)
      expect(intel.isHostingAsn(4713)).toBe(false)
    })

    it('gives the same places with a one-record cache, which evicts on every new record', () => {
      for (const ip of [
        '8.8.8.8',
        '126.0.0.1',
        '2400:2410::1',
        '8.8.8.8',
        '1.1.1.1',
        '126.0.0.1',
        '2001:4860:4860::8888',
      ])
        expect(custom.lookup(ip), ip).toEqual(intel.lookup(ip))
    })
  })

  it('rejects a bad configuration at start-up as CONFIG_INVALID', async () => {
    await expect(MaxmindIpIntel.open({ extraHostingAsns: [-1] })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
    await expect(MaxmindIpIntel.open({ recordCacheSize: -1 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
    await expect(MaxmindIpIntel.open({ cityIpv4Path: '/nonexistent.mmdb' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
    await expect(
      MaxmindIpIntel.open({ cityIpv6Path: new URL(import.meta.url).pathname }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })
})
