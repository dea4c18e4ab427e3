import { describe, expect, it } from 'vitest'
import { isMamoriError } from '../../errors/index.js'
import { dummyVerify, hashPassword, passwordNeedsRehash, PASSWORD_MAX_CODE_POINTS, verifyPassword } from './index.js'

describe('password hashing', () => {
  it('stores an argon2id PHC string at the OWASP parameters', async () => {
    const stored = await hashPassword('correct horse battery staple')
    // The argon2 package writes the parameters as m,p,t; the reference CLI writes m,t,p. Same hash.
    const [, alg, version, params] = stored.split('$')
    expect([alg, version]).toEqual(['argon2id', 'v=19'])
    expect(Object.fromEntries((params ?? '').split(',').map((kv) => kv.split('=')))).toEqual({ m: '19456', t: '2', p: '1' })
    expect(passwordNeedsRehash(stored)).toBe(false)
  })

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple')
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true)
    expect(await verifyPassword(stored, 'correct horse battery stapl')).toBe(false)
    expect(await verifyPassword(stored, 'Correct horse battery staple')).toBe(false)
  })

  it('salts every hash, so the same password never hashes the same twice', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'))
  })

  it.each([
    ['Japanese passphrase', '守りは大切です、パスワードを使い回さない'],
    ['symbols and spaces', ` !"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~ `],
    ['emoji beyond the BMP', '🔐🗝️𠮷野家'],
    ['1024 code points of astral characters', '𠮷'.repeat(PASSWORD_MAX_CODE_POINTS)],
  ])('accepts %s without truncation', async (_, plain) => {
    const stored = await hashPassword(plain)
    expect(await verifyPassword(stored, plain)).toBe(true)
    // Truncation would make a prefix verify too.
    expect(await verifyPassword(stored, [...plain].slice(0, -1).join(''))).toBe(false)
  })

  it('treats full-width and half-width forms as the same password (NFKC)', async () => {
    const stored = await hashPassword('ＰａｓｓＷｏｒｄ１２３')
    expect(await verifyPassword(stored, 'PassWord123')).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['1025 code points', 'a'.repeat(PASSWORD_MAX_CODE_POINTS + 1)],
    ['a lone surrogate', 'abc\uD800def'],
  ])('rejects a %s password with PASSWORD_REJECTED', async (_, plain) => {
    await expect(hashPassword(plain)).rejects.toSatisfy((err: unknown) => isMamoriError(err, 'PASSWORD_REJECTED'))
  })

  it('answers false, not an error, when verifying a password that could never be stored', async () => {
    const stored = await hashPassword('x')
    expect(await verifyPassword(stored, 'x'.repeat(PASSWORD_MAX_CODE_POINTS + 1))).toBe(false)
    expect(await verifyPassword(stored, '')).toBe(false)
  })

  it('dummyVerify always answers false and does real argon2 work', async () => {
    await dummyVerify('warm-up')
    const t0 = performance.now()
    expect(await dummyVerify('anything')).toBe(false)
    const dummyMs = performance.now() - t0
    const stored = await hashPassword('known')
    const t1 = performance.now()
    await verifyPassword(stored, 'wrong')
    const realMs = performance.now() - t1
    // Same parameters, same cost: far closer than the gap between hashing and a table miss.
    expect(dummyMs).toBeGreaterThan(realMs / 4)
  })
})
