import { MamoriError } from '../../errors/index.js'

// One message per code, whatever the check: the code is all a caller (or an attacker probing the
// checks one by one) learns about why a ceremony failed.

/** The challenge is unknown, spent, expired, or not for this customer, ceremony, purpose or operation. */
export function challengeInvalid(): MamoriError {
  return new MamoriError('CHALLENGE_INVALID', 'the passkey challenge is not valid for this request')
}

/** The response, or the credential it names, did not pass verification. */
export function passkeyInvalid(): MamoriError {
  return new MamoriError('PASSKEY_INVALID', 'the passkey response was not accepted')
}

/** A correctly signed assertion whose signature counter did not increase. */
export function passkeyCloned(): MamoriError {
  return new MamoriError('PASSKEY_CLONED', 'the passkey response was not accepted')
}

/** The attested credential id is already registered. */
export function passkeyAlreadyRegistered(): MamoriError {
  return new MamoriError('PASSKEY_ALREADY_REGISTERED', 'this passkey is already registered')
}
