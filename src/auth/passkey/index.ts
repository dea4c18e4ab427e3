export { PasskeyService, PASSKEY_PURPOSES } from './PasskeyService.js'
export type {
  AuthenticationOptionsInput,
  PasskeyAuthentication,
  PasskeyAuthenticationOptions,
  PasskeyPurpose,
  PasskeyRegistrationOptions,
  PasskeyServiceOptions,
  PasskeySummary,
  RegistrationOptionsInput,
  VerifyAuthenticationInput,
  VerifyRegistrationInput,
} from './PasskeyService.js'
export { bindingHashOf, bindingMatches, boundChallenge, CHALLENGE_BYTES } from './boundChallenge.js'
export type { BoundChallenge } from './boundChallenge.js'
export { userHandleOf, userHandleTextOf } from './userHandle.js'
export { PASSKEY_TRANSPORTS } from './parseWebAuthnResponse.js'
export type { PasskeyTransport } from './parseWebAuthnResponse.js'
