import { beforeAll, describe, expect, it } from 'vitest'
import { SeededRandom } from '../../runtime/index.js'
import { MaxmindIpIntel } from '../intel/index.js'
import type { IpIntel } from '../intel/index.js'
import { enrichAccess, hashLoginId, type AccessInput } from './index.js'

const T0 = Date.UTC(2025, 9, 15, 9, 0, 0)
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

function input(overrides: Partial<AccessInput> = {}): AccessInput {
  return {
    at: T0,
    customerId: 'cus_1',
    sessionHash: 'sess_1',
    action: 'login',
    outcome: 'success',
    ip: '153.156.0.1',
    userAgent: CHROME_WINDOWS,
    deviceId: 'dev_1',
    ...overrides,
  }
}

describe('enrichAccess', () => {
  let intel: MaxmindIpIntel
  const random = new SeededRandom(7)

  beforeAll(async () => {
    intel = await MaxmindIpIntel.open()
  })

  it('fills network, location and browser from the address and user agent', () => {
    const e = enrichAccess(input({ detail: { amount: 1_000_000, destinationId: 'dst_1' } }), intel, random)
    expect(e).toMatchObject({
      at: T0,
      customerId: 'cus_1',
      sessionHash: 'sess_1',
      action: 'login',
      outcome: 'success',
      ip: '153.156.0.1',
      asn: 4713,
      asnName: 'NTT Communications Corporation',
      network: 'asn:4713',
      country: 'JP',
      hosting: false,
      userAgent: CHROME_WINDOWS,
      browser: 'Chrome 124',
      os: 'Windows 10',
      deviceType: 'desktop',
      deviceId: 'dev_1',
      loginIdHash: null,
      detail: { amount: 1_000_000, destinationId: 'dst_1' },
    })
    expect(e.id).toMatch(/^acc_[0-9a-f]{32}$/)
    expect(e.id.slice(4, 16)).toBe(T0.toString(16).padStart(12, '0'))
    expect(e.latitude).toBeTypeOf('number')
  })

  it('stores the IPv4 form of an IPv4-mapped IPv6 address so both spellings are one origin', () => {
    expect(enrichAccess(input({ ip: '::ffff:8.8.8.8' }), intel, random)).toMatchObject({
      ip: '8.8.8.8',
      network: 'asn:15169',
      hosting: true,
    })
  })

  it('keeps only the SHA-256 of the login ID tried', () => {
    const e = enrichAccess(input({ customerId: null, loginId: 'abc', action: 'login_failed', outcome: 'failure' }), intel, random)
    // FIPS 180-2 Appendix B.1: SHA-256("abc").
    expect(e.loginIdHash).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hashLoginId('abc')).toBe(e.loginIdHash)
    expect(JSON.stringify(e)).not.toContain('"abc"')
  })

  it('records garbage addresses as net:invalid with no location instead of throwing', () => {
    const garbage: unknown[] = ['', 'not-an-ip', '999.1.1.1', '1.2.3', 'x'.repeat(10_000), '\u0000', '::ffff:zz', undefined, null, 42]
    for (const ip of garbage) {
      const e = enrichAccess(input({ ip: ip as string }), intel, random)
      expect(e).toMatchObject({ network: 'net:invalid', asn: null, asnName: null, country: null, city: null, latitude: null, longitude: null, hosting: false })
      expect(e.ip.length).toBeLessThanOrEqual(100)
      expect(e.ip).not.toContain('\u0000')
    }
  })

  it('records private and documentation addresses with no AS and their /24 or /48', () => {
    expect(enrichAccess(input({ ip: '192.168.1.10' }), intel, random)).toMatchObject({ asn: null, country: null, network: 'net:192.168.1.0/24' })
    expect(enrichAccess(input({ ip: '2001:db8:1:2::5' }), intel, random)).toMatchObject({ asn: null, network: 'net:2001:db8:1::/48' })
  })

  it('records garbage user agents with no browser or OS instead of throwing', () => {
    const garbage: unknown[] = ['', '   ', 'curl/8.4.0', '\u0000\u0001\u0002', '\ud800', 'A'.repeat(100_000), undefined, null, {}]
    for (const ua of garbage) {
      const e = enrichAccess(input({ userAgent: ua as string }), intel, random)
      expect(e.userAgent.length).toBeLessThanOrEqual(512)
      expect(e.userAgent).not.toContain('\u0000')
      expect(['desktop', 'mobile', 'tablet', 'other']).toContain(e.deviceType)
    }
    expect(enrichAccess(input({ userAgent: 'A'.repeat(100_000) }), intel, random)).toMatchObject({ browser: null, os: null, deviceType: 'other' })
  })

  it('cuts a client-chosen device id and strips NUL characters PostgreSQL would refuse', () => {
    const e = enrichAccess(input({ deviceId: `d\u0000${'x'.repeat(1_000)}` }), intel, random)
    expect(e.deviceId).toHaveLength(128)
    expect(e.deviceId).not.toContain('\u0000')
  })

  it('keeps only JSON scalars in the detail and turns non-finite numbers into null', () => {
    const detail = { amount: Number.NaN, notional: Infinity, symbol: '7203', ok: true, none: null, nested: { a: 1 } }
    const e = enrichAccess(input({ action: 'order', detail: detail as unknown as AccessInput['detail'] }), intel, random)
    expect(e.detail).toEqual({ amount: null, notional: null, symbol: '7203', ok: true, none: null })
  })

  it('treats an IpIntel that throws as knowing nothing about the address', () => {
    const broken: IpIntel = {
      lookup(): never {
        throw new Error('database gone')
      },
    }
    expect(enrichAccess(input({ ip: '153.156.0.1' }), broken, random)).toMatchObject({ ip: '153.156.0.1', asn: null, network: 'net:unknown', country: null })
    expect(enrichAccess(input({ ip: 'junk' }), broken, random)).toMatchObject({ network: 'net:invalid' })
  })

  it('refuses a time, action or outcome no caller should produce', () => {
    expect(() => enrichAccess(input({ at: Number.NaN }), intel, random)).toThrow(TypeError)
    expect(() => enrichAccess(input({ action: 'logout' as AccessInput['action'] }), intel, random)).toThrow(TypeError)
    expect(() => enrichAccess(input({ outcome: 'maybe' as AccessInput['outcome'] }), intel, random)).toThrow(TypeError)
  })
})
