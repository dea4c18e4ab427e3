import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server'
import { userHandleTextOf } from './userHandle.js'
import { passkeyCloned, passkeyInvalid } from './rejections.js'

/** The stored credential record an assertion is checked against. */
export interface CredentialRecord {
  /** Credential id, base64url. */
  readonly id: string
  readonly customerId: string
  /** COSE public key, base64url. */
  readonly publicKey: string
  readonly signCount: number
  /** 'multiDevice' when the credential was backup eligible (BE) at registration. */
  readonly deviceType: 'singleDevice' | 'multiDevice'
}

/** What verifyPasskeyAssertion needs besides the response. */
export interface AssertionExpectation {
  /** The base64url challenge issued for this ceremony (already checked usable by the caller). */
  readonly challenge: string
  readonly origins: readonly string[]
  readonly rpId: string
  /** The customer the ceremony was started for, or null for a usernameless (discoverable) ceremony. */
  readonly customerId: string | null
  readonly credential: CredentialRecord
}

/** The authenticator state an accepted assertion reports. */
export interface VerifiedAssertion {
  readonly newCounter: number
  readonly backedUp: boolean
}

/**
 * Verifies an authentication assertion (WebAuthn Level 3 §7.2, "Verifying an Authentication
 * Assertion") against the credential record named by `response.id`.
 *
 * SimpleWebAuthn performs the client-data and authenticator-data checks (C.type is `webauthn.get`,
 * C.challenge is ours, C.origin is exactly one of ours, no unexpected top origin, rpIdHash is SHA-256
 * of our RP ID, UP set, UV set, BS without BE refused, the signature over authData || SHA-256(
 * clientDataJSON) verifies with the stored key). Mamori adds the owner checks before it and the
 * backup-eligibility and signature-counter checks after it, where they can trust the signed data.
 * Failures are PASSKEY_INVALID, except a correctly signed counter that went backwards, which is
 * PASSKEY_CLONED.
 */
export async function verifyPasskeyAssertion(
  response: AuthenticationResponseJSON,
  expect: AssertionExpectation,
): Promise<VerifiedAssertion> {
  const { credential } = expect

  // §7.2: if the user was identified before the ceremony, the credential must be one of theirs.
  if (expect.customerId !== null && credential.customerId !== expect.customerId) throw passkeyInvalid()
  // §7.2: a user handle, when present, must be the credential owner's; when the user was not
  // identified before the ceremony it must be present (it is what identifies them).
  const userHandle = response.response.userHandle
  if (userHandle === undefined) {
    if (expect.customerId === null) throw passkeyInvalid()
  } else if (userHandle !== userHandleTextOf(credential.customerId)) {
    throw passkeyInvalid()
  }

  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: expect.challenge,
      expectedOrigin: [...expect.origins],
      expectedRPID: expect.rpId,
      expectedType: 'webauthn.get',
      requireUserVerification: true,
      credential: {
        id: credential.id,
        publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
        // The counter check is done below, once the signature is known to be good: an unsigned
        // low counter is just a forgery (PASSKEY_INVALID), only a signed one is evidence of a clone.
        counter: 0,
      },
    })
  } catch {
    throw passkeyInvalid()
  }
  const info = verification.authenticationInfo
  // §7.2: the signature over authData || hash must verify with the credential's public key.
  if (!verification.verified) throw passkeyInvalid()
  // Defence in depth: the library enforces UV, Mamori's policy depends on it.
  if (!info.userVerified) throw passkeyInvalid()
  // §7.2: backup eligibility (BE) is fixed when the credential is created; a change means the
  // response does not come from the authenticator that registered it.
  if (info.credentialDeviceType !== credential.deviceType) throw passkeyInvalid()
  // §7.2 (signature counter): when either counter is non-zero the new one must be greater than the
  // stored one; otherwise two authenticators hold this private key.
  const stored = credential.signCount
  if ((info.newCounter > 0 || stored > 0) && info.newCounter <= stored) {
    throw passkeyCloned()
  }
  return { newCounter: info.newCounter, backedUp: info.credentialBackedUp }
}
