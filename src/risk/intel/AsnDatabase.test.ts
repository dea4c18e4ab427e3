import { describe, expect, it } from 'vitest'
import { AsnDatabase } from './AsnDatabase.js'
import { parseIpAddress } from './parseIpAddress.js'

// 1.0.0.0-1.0.0.255, 1.0.4.0-1.0.7.255 (gap between), 8.8.8.0/24, and a last range touching 255.255.255.255.
const V4 = [
  '16777216,16777471,13335,"Cloudflare, Inc."',
  '16778240,16779263,38803,Gtelecom Pty Ltd',
  '134744064,134744319,15169,Google LLC',
  '4294967040,4294967295,64500,"Say ""hi"" Ltd"',
].join('\r\n')
const V6 = [
  '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC',
  // Narrower than a /64: three neighbours inside one /64, as VeriSign announces.
  '2001:500:30ff::,2001:500:30ff::2f,396585,VeriSign Global Registry Services',
  '2001:500:30ff::30,2001:500:30ff::30,396552,VeriSign Global Registry Services',
  '2001:500:30ff::31,2001:500:30ff:ffff:ffff:ffff:ffff:ffff,396585,VeriSign Global Registry Services',
  '',
].join('\n')

function lookup(db: AsnDatabase, ip: string): number | null {
  const parsed = parseIpAddress(ip)
  if (parsed === undefined) throw new Error(`test address ${ip} did not parse`)
  return db.lookup(parsed)?.asn ?? null
}

describe('AsnDatabase', () => {
  const db = AsnDatabase.fromCsv(V4, V6)

  it('finds the AS of an address at either end and inside a range', () => {
    expect(lookup(db, '1.0.0.0')).toBe(13335)
    expect(lookup(db, '1.0.0.77')).toBe(13335)
    expect(lookup(db, '1.0.0.255')).toBe(13335)
    expect(lookup(db, '8.8.8.8')).toBe(15169)
    expect(lookup(db, '255.255.255.255')).toBe(64500)
  })

  it('answers null between ranges and before the first one', () => {
    expect(lookup(db, '1.0.1.0')).toBeNull()
    expect(lookup(db, '1.0.3.255')).toBeNull()
    expect(lookup(db, '0.255.255.255')).toBeNull()
    expect(lookup(db, '9.0.0.0')).toBeNull()
  })

  it('reads quoted names with commas and doubled quotes', () => {
    expect(db.lookup({ version: 4, value: 16777216, text: '1.0.0.0' })).toEqual({
      asn: 13335,
      name: 'Cloudflare, Inc.',
    })
    expect(db.nameOf(64500)).toBe('Say "hi" Ltd')
    expect(db.nameOf(1)).toBeNull()
  })

  it('compares IPv6 on all 128 bits, so ranges narrower than a /64 resolve', () => {
    expect(lookup(db, '2001:4860:4860::8888')).toBe(15169)
    expect(lookup(db, '2001:500:30ff::2f')).toBe(396585)
    expect(lookup(db, '2001:500:30ff::30')).toBe(396552)
    expect(lookup(db, '2001:500:30ff::31')).toBe(396585)
    expect(lookup(db, '2001:500:30fe:ffff:ffff:ffff:ffff:ffff')).toBeNull()
    expect(lookup(db, '2001:4861::')).toBeNull()
  })

  it('hands out one shared frozen record per AS and name', () => {
    const a = db.lookup({ version: 4, value: 134744065, text: '8.8.8.1' })
    const b = db.lookup({ version: 4, value: 134744066, text: '8.8.8.2' })
    expect(a).toBe(b)
    expect(Object.isFrozen(a)).toBe(true)
  })

  it('counts and lists ranges', () => {
    expect(db.size).toEqual({ ipv4: 4, ipv6: 4 })
    expect(db.ipv4RangesOf(38803)).toEqual([{ first: 16778240, last: 16779263 }])
    expect(db.ipv4RangesOf(1)).toEqual([])
  })

  it('sorts ranges that arrive out of order rather than mis-searching them', () => {
    const shuffled = AsnDatabase.fromCsv(
      V4.split('\r\n').reverse().join('\n'),
      V6.split('\n').reverse().join('\n'),
    )
    for (const ip of ['1.0.0.77', '8.8.8.8', '255.255.255.255', '2001:500:30ff::30', '2001:4860::1'])
      expect(lookup(shuffled, ip)).toBe(lookup(db, ip))
  })

  it('rejects a malformed line as CONFIG_INVALID naming the line', () => {
    for (const bad of ['1,2,3', 'x,2,3,n', '1,2,-5,n', '1,2,,n', '1,99999999999,3,n'])
      expect(() => AsnDatabase.fromCsv(`16777216,16777471,13335,ok\n${bad}`, '')).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', details: expect.objectContaining({ line: 2 }) }),
      )
    expect(() => AsnDatabase.fromCsv('', 'nope,2001::,1,n')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
  })

  it('fails to load from a folder without the files as CONFIG_INVALID', async () => {
    await expect(AsnDatabase.load('/nonexistent/asn')).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })

  it('loads the shipped database', async () => {
    const shipped = await AsnDatabase.load()
    expect(shipped.size.ipv4).toBeGreaterThan(100_000)
    expect(shipped.size.ipv6).toBeGreaterThan(10_000)
    expect(lookup(shipped, '8.8.8.8')).toBe(15169)
  })
})
