import { createHash } from 'node:crypto'

// Domain separation: the same customer id hashed for any other purpose never yields a user handle.
const USER_HANDLE_CONTEXT = 'mamori/webauthn-user-handle/v1\0'

/**
 * The WebAuthn user handle (`user.id`) for a customer: SHA-256 of the customer id under a fixed
 * context, 32 bytes.
 *
 * WebAuthn §14.6.1 (user handle contents): the handle is stored by the authenticator, often synced
 * to a password manager, and returned in every discoverable assertion, so it must not carry
 * personal data. It is therefore never the login ID or an e-mail address, nor even the raw internal
 * customer id; it is stable per customer so that re-registering on the same authenticator replaces
 * the old credential instead of adding a duplicate account entry.
 */
export function userHandleOf(customerId: string): Uint8Array<ArrayBuffer> {
  if (typeof customerId !== 'string' || customerId === '')
    throw new TypeError('customerId must be a non-empty string')
  return new Uint8Array(createHash('sha256').update(USER_HANDLE_CONTEXT).update(customerId, 'utf8').digest())
}

/** `userHandleOf` as the base64url text an assertion's `response.userHandle` carries. */
export function userHandleTextOf(customerId: string): string {
  return Buffer.from(userHandleOf(customerId)).toString('base64url')
}
