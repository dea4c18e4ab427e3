import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isMamoriError } from '../../errors/index.js'
import { SecretBox } from './index.js'

const box = new SecretBox(randomBytes(32))
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

function flipChar(s: string, index: number): string {
  const c = s[index] === 'A' ? 'B' : 'A'
  return s.slice(0, index) + c + s.slice(index + 1)
}

function openError(fn: () => string): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

describe('SecretBox', () => {
  it('opens what it sealed with the same associated data', () => {
    const sealed = box.seal(SECRET, 'cus_a')
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/)
    expect(box.open(sealed, 'cus_a')).toBe(SECRET)
  })

  it('round-trips Japanese text and the empty string', () => {
    expect(box.open(box.seal('口座番号 1234', 'x'), 'x')).toBe('口座番号 1234')
    expect(box.open(box.seal('', 'x'), 'x')).toBe('')
  })

  it('never carries the plaintext in the sealed string, in any common encoding', () => {
    const sealed = box.seal(SECRET, 'cus_a')
    expect(sealed).not.toContain(SECRET)
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'))
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('hex'))
  })

  it('uses a fresh nonce each time, so equal secrets do not look equal at rest', () => {
    expect(box.seal(SECRET, 'cus_a')).not.toBe(box.seal(SECRET, 'cus_a'))
  })

  it('detects tampering with the ciphertext, the tag or the nonce', () => {
    const sealed = box.seal(SECRET, 'cus_a')
    const [, nonce = '', body = ''] = sealed.split('.')
    const bodyStart = 3 + nonce.length + 1
    for (const index of [bodyStart, bodyStart + 5, sealed.length - 2, 4]) {
      expect(isMamoriError(openError(() => box.open(flipChar(sealed, index), 'cus_a')), 'SECRET_UNREADABLE')).toBe(true)
    }
    const truncated = `v1.${nonce}.${body.slice(0, -4)}`
    expect(isMamoriError(openError(() => box.open(truncated, 'cus_a')), 'SECRET_UNREADABLE')).toBe(true)
  })

  it('rejects a sealed value moved to another customer (wrong associated data)', () => {
    const sealed = box.seal(SECRET, 'cus_a')
    expect(isMamoriError(openError(() => box.open(sealed, 'cus_b')), 'SECRET_UNREADABLE')).toBe(true)
  })

  it('rejects a value sealed under another key', () => {
    const other = new SecretBox(randomBytes(32))
    const sealed = other.seal(SECRET, 'cus_a')
    expect(isMamoriError(openError(() => box.open(sealed, 'cus_a')), 'SECRET_UNREADABLE')).toBe(true)
  })

  it('rejects malformed and unknown-version values', () => {
    const sealed = box.seal(SECRET, 'cus_a')
    for (const bad of ['', 'v1', 'v1..', sealed.replace(/^v1/, 'v2'), `${sealed}.x`, SECRET]) {
      expect(isMamoriError(openError(() => box.open(bad, 'cus_a')), 'SECRET_UNREADABLE')).toBe(true)
    }
  })

  it('keys HMACs by purpose: the same value hashes differently per purpose and per key', () => {
    const a = box.hmac('email-code', 'ec_1:123456')
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    expect(box.hmac('email-code', 'ec_1:123456')).toBe(a)
    expect(box.hmac('other', 'ec_1:123456')).not.toBe(a)
    expect(new SecretBox(randomBytes(32)).hmac('email-code', 'ec_1:123456')).not.toBe(a)
  })

  it('builds from the base64 configuration form and refuses a key of the wrong size', () => {
    const key = randomBytes(32)
    const fromConfig = SecretBox.fromBase64(key.toString('base64'))
    expect(fromConfig.open(new SecretBox(key).seal('x', 'y'), 'y')).toBe('x')
    expect(() => SecretBox.fromBase64(randomBytes(16).toString('base64'))).toThrow(TypeError)
    expect(() => SecretBox.fromBase64('not base64!')).toThrow(TypeError)
    expect(() => new SecretBox(Buffer.alloc(31))).toThrow(TypeError)
  })

  it('is not affected when the caller later overwrites the key buffer it passed in', () => {
    const key = randomBytes(32)
    const b = new SecretBox(key)
    const sealed = b.seal('x', 'y')
    key.fill(0)
    expect(b.open(sealed, 'y')).toBe('x')
  })
})
