import { argon2id, hash, needsRehash } from 'argon2'
import { MamoriError } from '../../errors/index.js'
import { PASSWORD_MAX_CODE_POINTS, passwordBytes } from './passwordBytes.js'

/**
 * OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. Every stored hash carries
 * its own parameters, so raising them later only needs `passwordNeedsRehash` at login.
 */
export const ARGON2_PARAMS = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 })

/**
 * Hashes a password with argon2id at OWASP parameters (B-1). Accepts any non-empty, well-formed
 * string of up to 1024 code points — no composition rules, no truncation — and NFKC-normalizes
 * it first. Anything else is PASSWORD_REJECTED. Returns the PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$...`).
 */
export async function hashPassword(plain: string): Promise<string> {
  if (typeof plain !== 'string') throw new TypeError('password must be a string')
  const bytes = passwordBytes(plain)
  if (bytes === undefined) {
    throw new MamoriError('PASSWORD_REJECTED', `password must be 1 to ${PASSWORD_MAX_CODE_POINTS} characters of valid Unicode`)
  }
  return hash(bytes, { type: argon2id, ...ARGON2_PARAMS })
}

/** True when a stored hash was made with other parameters than today's; rehash it at the next successful login. */
export function passwordNeedsRehash(storedHash: string): boolean {
  return needsRehash(storedHash, ARGON2_PARAMS)
}
