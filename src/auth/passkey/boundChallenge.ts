import { createHash, timingSafeEqual } from 'node:crypto'
import type { Random } from '../../runtime/index.js'

/** Bytes of randomness in every WebAuthn challenge (WebAuthn §13.4.3 asks for at least 16). */
export const CHALLENGE_BYTES = 32

/** A fresh challenge and, when the ceremony confirms one operation, the binding stored with it. */
export interface BoundChallenge {
  /** base64url of CHALLENGE_BYTES random bytes: what the authenticator signs. */
  readonly challenge: string
  /** SHA-256 hex of the operation description, or null for a challenge bound to no operation. */
  readonly binding: string | null
}

/**
 * SHA-256 (hex) of an operation description, e.g. `withdrawal|dst_42|1000000|JPY`.
 *
 * The caller builds the description canonically (fixed field order, no free text the customer can
 * vary): the same operation must always produce the same text, and two different operations never.
 */
export function bindingHashOf(operation: string): string {
  if (typeof operation !== 'string' || operation === '')
    throw new TypeError('the operation description must be a non-empty string')
  return createHash('sha256').update(operation, 'utf8').digest('hex')
}

/**
 * A challenge for a ceremony that confirms one operation (dynamic linking, PSD2 RTS art. 5; BRIEF
 * C-5: the withdrawal's passkey assertion is bound to amount and destination).
 *
 * Why not put the operation hash inside the challenge, e.g. SHA-256(operation || nonce)? The server
 * could only check it by keeping the nonce anyway, and a challenge derived from attacker-influenced
 * text adds nothing over one that is simply random. Instead the challenge is 32 random bytes and
 * the row that stores it also stores SHA-256(operation). The authenticator signs the challenge, the
 * challenge is single use and names exactly one stored binding, so the signature is good for that
 * operation only: verification recomputes the hash from the operation the server is about to carry
 * out and refuses the assertion unless it matches (see `bindingMatches`). A man in the browser who
 * swaps the destination after the customer confirmed gets an assertion the server will not accept
 * for the swapped operation.
 */
export function boundChallenge(random: Random, operation?: string): BoundChallenge {
  const challenge = random.bytes(CHALLENGE_BYTES).toString('base64url')
  return { challenge, binding: operation === undefined ? null : bindingHashOf(operation) }
}

/**
 * True when the stored binding and the operation now being confirmed agree: both absent, or the
 * operation hashes to the stored binding. A bound challenge verified without an operation, or an
 * unbound one verified with an operation, does not match: either way the caller and the challenge
 * disagree about what is being confirmed.
 */
export function bindingMatches(stored: string | null, operation: string | undefined): boolean {
  if (stored === null || operation === undefined) return stored === null && operation === undefined
  const expected = Buffer.from(bindingHashOf(operation), 'utf8')
  const actual = Buffer.from(stored, 'utf8')
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
