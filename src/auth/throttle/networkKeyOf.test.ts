import { describe, expect, it } from 'vitest'
import { ipKeyOf, networkKeyOf } from './networkKeyOf.js'

describe('networkKeyOf', () => {
  it('uses the autonomous system when it is known', () => {
    expect(networkKeyOf('203.0.113.9', 2516)).toBe('asn:2516')
    expect(networkKeyOf('2001:db8::1', 4_200_000_000)).toBe('asn:4200000000')
  })

  it('falls back to the address when the ASN is zero, negative, fractional or out of range', () => {
    for (const asn of [0, -1, 1.5, Number.NaN, 2 ** 32])
      expect(networkKeyOf('203.0.113.9', asn)).toBe('net:203.0.113.0/24')
  })

  it('takes the /24 of an IPv4 address', () => {
    expect(networkKeyOf('203.0.113.9')).toBe('net:203.0.113.0/24')
    expect(networkKeyOf('203.0.113.250')).toBe('net:203.0.113.0/24')
    expect(networkKeyOf('203.0.114.9')).toBe('net:203.0.114.0/24')
  })

  it('takes the /48 of an IPv6 address whatever its spelling', () => {
    for (const ip of [
      '2001:db8:1:2::5',
      '2001:DB8:1:ffff:0:0:0:1',
      '2001:0db8:0001:0000::',
      '2001:db8:1::1%eth0',
    ]) {
      expect(networkKeyOf(ip)).toBe('net:2001:db8:1::/48')
    }
    expect(networkKeyOf('2001:db8:2::1')).toBe('net:2001:db8:2::/48')
    expect(networkKeyOf('::1')).toBe('net:0:0:0::/48')
  })

  it('treats an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(networkKeyOf('::ffff:203.0.113.9')).toBe('net:203.0.113.0/24')
    expect(networkKeyOf('::FFFF:cb00:7109')).toBe('net:203.0.113.0/24')
    expect(networkKeyOf('0:0:0:0:0:ffff:203.0.113.9')).toBe('net:203.0.113.0/24')
  })

  it('puts anything that is not an IP address in one shared bucket', () => {
    for (const junk of [
      '',
      'localhost',
      '203.0.113',
      '203.0.113.256',
      '01.2.3.4',
      '1.2.3.4.5',
      '2001:db8::1::2',
      '[::1]',
      'x'.repeat(10_000),
      '1.2.3.4\u0000',
    ]) {
      expect(networkKeyOf(junk)).toBe('net:invalid')
    }
    expect(networkKeyOf(undefined as unknown as string)).toBe('net:invalid')
  })
})

describe('ipKeyOf', () => {
  it('keys an IPv4 address (plain or IPv4-mapped) by itself', () => {
    expect(ipKeyOf('203.0.113.9')).toBe('ip:203.0.113.9')
    expect(ipKeyOf('::ffff:203.0.113.9')).toBe('ip:203.0.113.9')
    expect(ipKeyOf(' 203.0.113.9 ')).toBe('ip:203.0.113.9')
  })

  it('keys an IPv6 address by its /64, the block one subscriber holds', () => {
    expect(ipKeyOf('2001:db8:1:2::5')).toBe('ip:2001:db8:1:2::/64')
    expect(ipKeyOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('ip:2001:db8:1:2::/64')
    expect(ipKeyOf('2001:db8:1:3::5')).toBe('ip:2001:db8:1:3::/64')
  })

  it('keys garbage as one invalid address', () => {
    expect(ipKeyOf('not an ip')).toBe('ip:invalid')
  })
})
