import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server'
import { transportsOf, type PasskeyTransport } from './parseWebAuthnResponse.js'
import { passkeyInvalid } from './rejections.js'

/** COSE algorithms Mamori accepts (WebAuthn §5.8.5): ES256 (-7) and RS256 (-257). */
export const SUPPORTED_ALGORITHMS: readonly number[] = Object.freeze([-7, -257])

/** What verifyPasskeyRegistration needs besides the response. */
export interface RegistrationExpectation {
  /** The base64url challenge issued for this ceremony (already checked usable by the caller). */
  readonly challenge: string
  readonly origins: readonly string[]
  readonly rpId: string
}

/** A newly attested credential, ready to store. */
export interface AttestedPasskey {
  /** Credential id, base64url. */
  readonly id: string
  /** COSE public key, base64url. */
  readonly publicKey: string
  readonly counter: number
  readonly transports: PasskeyTransport[]
  readonly deviceType: 'singleDevice' | 'multiDevice'
  readonly backedUp: boolean
}

const MAX_CREDENTIAL_ID_BYTES = 1023

/**
 * Verifies a registration response (WebAuthn Level 3 §7.1, "Registering a New Credential") with
 * SimpleWebAuthn, which performs the ceremony's checks: C.type is `webauthn.create`, C.challenge is
 * the challenge we issued, C.origin is exactly one of our origins, rpIdHash is SHA-256 of our RP ID,
 * UP is set, UV is set (`requireUserVerification`), the key's algorithm is one we offered, and the
 * `none` attestation statement is empty. Every failure, including a response the library cannot
 * parse, is PASSKEY_INVALID; the message never says which check failed.
 */
export async function verifyPasskeyRegistration(
  response: RegistrationResponseJSON,
  expect: RegistrationExpectation,
): Promise<AttestedPasskey> {
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: expect.challenge,
      expectedOrigin: [...expect.origins],
      expectedRPID: expect.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHMS],
    })
  } catch {
    throw passkeyInvalid()
  }
  if (!verification.verified) throw passkeyInvalid()
  const info = verification.registrationInfo
  // Defence in depth: the library enforces these, Mamori's policy depends on them.
  if (!info.userVerified) throw passkeyInvalid()
  if (info.credentialType !== 'public-key') throw passkeyInvalid()
  const { credential } = info
  // §7.1: a credential id longer than 1023 bytes is refused.
  if (Buffer.from(credential.id, 'base64url').length > MAX_CREDENTIAL_ID_BYTES) throw passkeyInvalid()
  // The id the client reported must be the one the authenticator attested; the stored id is the attested one.
  if (response.id !== credential.id) throw passkeyInvalid()
  return {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: transportsOf(response.response.transports),
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  }
}
