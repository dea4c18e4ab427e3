import { randomBytes } from 'node:crypto'
import { hashPassword } from './hashPassword.js'
import { verifyPassword } from './verifyPassword.js'

// Computed once per process on first use (call dummyVerify at start-up to pay for it there):
// the hash of 32 random bytes nobody knows, at the same parameters as real hashes.
let dummyHash: Promise<string> | undefined

/**
 * Spends the same argon2 work as `verifyPassword` against a hash no password matches, so a login
 * for an unknown ID takes as long as one for a known ID with a wrong password (no user
 * enumeration by timing, B-10). Always false.
 */
export async function dummyVerify(plain: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64url'))
  await verifyPassword(await dummyHash, plain)
  return false
}
