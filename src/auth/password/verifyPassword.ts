import { verify } from 'argon2'
import { passwordBytes } from './passwordBytes.js'

/**
 * True when `plain` is the password behind `storedHash` (argon2 compares in constant time).
 * A password that could never have been stored (empty, longer than 1024 code points,
 * ill-formed) is simply false. A corrupt stored hash throws: that is an operator's problem,
 * not a wrong password.
 */
export async function verifyPassword(storedHash: string, plain: string): Promise<boolean> {
  if (typeof storedHash !== 'string' || typeof plain !== 'string') throw new TypeError('hash and password must be strings')
  const bytes = passwordBytes(plain)
  if (bytes === undefined) return false
  return verify(storedHash, bytes)
}
