/**
 * Test vectors from:
 *  - RFC 4226 (HOTP), Appendix D "HOTP Algorithm: Test Values":
 *    secret = "12345678901234567890" (ASCII), 6 digits, HMAC-SHA1, counts 0–9.
 *  - RFC 6238 (TOTP), Appendix B "Test Vectors": T0 = 0, X = 30 s, 8 digits, with the seeds
 *    "12345678901234567890" (20 bytes, HMAC-SHA1), "12345678901234567890123456789012"
 *    (32 bytes, HMAC-SHA256) and "1234567890123456789012345678901234567890123456789012345678901234"
 *    (64 bytes, HMAC-SHA512), as in the RFC's reference implementation (seed, seed32, seed64).
 *
 * They run through the otpauth library Mamori's TotpService uses, so an upgrade that changed the
 * algorithm would fail here before it locked every customer out.
 */
import { HOTP, Secret, TOTP } from 'otpauth'
import { describe, expect, it } from 'vitest'

const RFC4226_SECRET = Secret.fromLatin1('12345678901234567890')
const RFC4226_HOTP = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']

const SEEDS = {
  SHA1: Secret.fromLatin1('12345678901234567890'),
  SHA256: Secret.fromLatin1('12345678901234567890123456789012'),
  SHA512: Secret.fromLatin1('1234567890123456789012345678901234567890123456789012345678901234'),
} as const

// RFC 6238 Appendix B, Table 1: time (s), T (hex), and the 8-digit TOTP per algorithm.
const RFC6238_TABLE: readonly { time: number; t: string; SHA1: string; SHA256: string; SHA512: string }[] = [
  { time: 59, t: '0000000000000001', SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' },
  { time: 1111111109, t: '00000000023523EC', SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' },
  { time: 1111111111, t: '00000000023523ED', SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' },
  { time: 1234567890, t: '000000000273EF07', SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' },
  { time: 2000000000, t: '0000000003F940AA', SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' },
  { time: 20000000000, t: '0000000027BC86AA', SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' },
]

describe('RFC 4226 Appendix D: HOTP test values', () => {
  it.each(RFC4226_HOTP.map((value, count) => ({ count, value })))('count $count gives $value', ({ count, value }) => {
    expect(HOTP.generate({ secret: RFC4226_SECRET, algorithm: 'SHA1', digits: 6, counter: count })).toBe(value)
  })
})

describe('RFC 6238 Appendix B: TOTP test vectors', () => {
  const cases = RFC6238_TABLE.flatMap((row) =>
    (['SHA1', 'SHA256', 'SHA512'] as const).map((algorithm) => ({ ...row, algorithm, value: row[algorithm] })),
  )

  it.each(cases)('at $time s with $algorithm gives $value', ({ time, t, algorithm, value }) => {
    expect(TOTP.counter({ period: 30, timestamp: time * 1000 })).toBe(Number.parseInt(t, 16))
    expect(TOTP.generate({ secret: SEEDS[algorithm], algorithm, digits: 8, period: 30, timestamp: time * 1000 })).toBe(value)
  })

  it.each(cases)('validates the $algorithm value at $time s at delta 0', ({ time, algorithm, value }) => {
    const delta = TOTP.validate({ token: value, secret: SEEDS[algorithm], algorithm, digits: 8, period: 30, timestamp: time * 1000, window: 1 })
    expect(delta).toBe(0)
  })
})
