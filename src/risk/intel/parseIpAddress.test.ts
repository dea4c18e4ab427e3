import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isPrivateAddress, ipv4Text, parseIpAddress } from './parseIpAddress.js'

describe('parseIpAddress', () => {
  it('reads an IPv4 address as an unsigned 32-bit number', () => {
    expect(parseIpAddress('1.2.3.4')).toEqual({ version: 4, value: 0x01020304, text: '1.2.3.4' })
    expect(parseIpAddress('255.255.255.255')).toEqual({
      version: 4,
      value: 0xffffffff,
      text: '255.255.255.255',
    })
    expect(parseIpAddress(' 203.0.113.9 ')).toMatchObject({ version: 4, text: '203.0.113.9' })
  })

  it('writes IPv6 in the RFC 5952 canonical form whatever the spelling', () => {
    const cases: [string, string][] = [
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:0DB8:0000:0000:0000:FF00:0042:8329', '2001:db8::ff00:42:8329'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: first of two equal runs
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // §4.2.3: the longest run
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero group stays
      ['fe80::1%eth0', 'fe80::1'],
      ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ]
    for (const [input, text] of cases) expect(parseIpAddress(input)).toMatchObject({ version: 6, text })
  })

  it('reads an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(parseIpAddress('::ffff:8.8.8.8')).toEqual({ version: 4, value: 0x08080808, text: '8.8.8.8' })
    expect(parseIpAddress('::FFFF:0808:0808')).toEqual({ version: 4, value: 0x08080808, text: '8.8.8.8' })
  })

  it('splits IPv6 into four words, most significant first', () => {
    expect(parseIpAddress('2001:4860:4860::8888')).toMatchObject({
      words: [0x20014860, 0x48600000, 0, 0x8888],
    })
  })

  it('returns undefined for anything that is not an address', () => {
    const junk: unknown[] = [
      '',
      'not an ip',
      '1.2.3',
      '1.2.3.256',
      '01.2.3.4',
      '1:2:3:4:5:6:7:8:9',
      ':::',
      '1::2::3',
      '::ffff:999.1.1.1',
      'x'.repeat(10_000),
      '1'.repeat(101),
      undefined,
      null,
      42,
      {},
    ]
    for (const input of junk) expect(parseIpAddress(input)).toBeUndefined()
  })

  it('agrees with its own canonical text for any address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const parsed = parseIpAddress(ip)
        expect(parsed).toBeDefined()
        expect(parseIpAddress(parsed?.text)).toEqual(parsed)
      }),
    )
  })

  it('never throws, whatever the string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => void parseIpAddress(s)))
  })
})

describe('isPrivateAddress', () => {
  const privateOf = (ip: string): boolean => {
    const parsed = parseIpAddress(ip)
    if (parsed === undefined) throw new Error(`test address ${ip} did not parse`)
    return isPrivateAddress(parsed)
  }

  it('covers RFC 1918, loopback, link-local, CGNAT and the unspecified block', () => {
    for (const ip of [
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.10.1',
      '100.64.0.1',
      '100.127.255.255',
      '0.0.0.0',
      '::ffff:10.1.2.3',
    ])
      expect(privateOf(ip), ip).toBe(true)
  })

  it('covers IPv6 loopback, unspecified, link-local and unique-local', () => {
    for (const ip of ['::1', '::', 'fe80::1', 'febf::1', 'fc00::1', 'fd12:3456:789a::1'])
      expect(privateOf(ip), ip).toBe(true)
  })

  it('leaves the neighbours of each private block public', () => {
    for (const ip of [
      '9.255.255.255',
      '11.0.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '192.167.255.255',
      '192.169.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '169.253.255.255',
      '128.0.0.1',
      '8.8.8.8',
      'fec0::1',
      'fbff::1',
      '2001:db8::1',
      '::2',
    ])
      expect(privateOf(ip), ip).toBe(false)
  })

  it('leaves documentation ranges public, since tests stand them in for public addresses', () => {
    expect(privateOf('203.0.113.9')).toBe(false)
    expect(privateOf('2001:db8::1')).toBe(false)
  })
})

describe('ipv4Text', () => {
  it('writes the dotted quad of a 32-bit value', () => {
    expect(ipv4Text(0)).toBe('0.0.0.0')
    expect(ipv4Text(0xc0000201)).toBe('192.0.2.1')
    expect(ipv4Text(0xffffffff)).toBe('255.255.255.255')
  })
})
