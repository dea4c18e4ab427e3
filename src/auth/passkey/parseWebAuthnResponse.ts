import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { z } from 'zod'
import { passkeyInvalid } from './rejections.js'

/** Transports a credential may report (WebAuthn §5.8.4 AuthenticatorTransport). Anything else is dropped. */
export const PASSKEY_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const

/** One of PASSKEY_TRANSPORTS. */
export type PasskeyTransport = (typeof PASSKEY_TRANSPORTS)[number]

// Unpadded base64url, as PublicKeyCredential.toJSON() produces it. Upper bounds keep a hostile body
// from reaching the CBOR and JSON decoders at any size; they are generous for real authenticators.
const b64url = (maxChars: number): z.ZodString =>
  z
    .string()
    .min(1)
    .max(maxChars)
    .regex(/^[A-Za-z0-9_-]+$/)

// WebAuthn §4 (Credential ID): at most 1023 bytes, i.e. 1364 base64url characters.
const CREDENTIAL_ID = b64url(1364)
const CLIENT_DATA = b64url(8 * 1024)
const ATTESTATION_OBJECT = b64url(64 * 1024)
const AUTHENTICATOR_DATA = b64url(8 * 1024)
const SIGNATURE = b64url(2 * 1024)
// §5.4.3: a user handle is at most 64 bytes.
const USER_HANDLE = b64url(86)

const common = {
  id: CREDENTIAL_ID,
  rawId: CREDENTIAL_ID,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
}

const registrationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: CLIENT_DATA,
    attestationObject: ATTESTATION_OBJECT,
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
})

const authenticationSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: CLIENT_DATA,
    authenticatorData: AUTHENTICATOR_DATA,
    signature: SIGNATURE,
    userHandle: USER_HANDLE.nullable().optional(),
  }),
})

function knownTransports(values: readonly string[] | undefined): PasskeyTransport[] {
  const known = new Set<string>(PASSKEY_TRANSPORTS)
  return [...new Set((values ?? []).filter((t): t is PasskeyTransport => known.has(t)))].sort()
}

/**
 * Checks the shape of an untrusted registration response (the JSON of `navigator.credentials.create()`)
 * and returns only the members verification reads. Anything else is PASSKEY_INVALID.
 */
export function parseRegistrationResponse(value: unknown): RegistrationResponseJSON {
  const parsed = registrationSchema.safeParse(value)
  if (!parsed.success) throw passkeyInvalid()
  const { id, rawId, type, authenticatorAttachment, response } = parsed.data
  return {
    id,
    rawId,
    type,
    ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
    // Client extension outputs are unauthenticated client claims; Mamori's policy reads none of them.
    clientExtensionResults: {},
    response: {
      clientDataJSON: response.clientDataJSON,
      attestationObject: response.attestationObject,
      transports: knownTransports(response.transports),
    },
  }
}

/**
 * Checks the shape of an untrusted authentication response (the JSON of `navigator.credentials.get()`)
 * and returns only the members verification reads. Anything else is PASSKEY_INVALID.
 */
export function parseAuthenticationResponse(value: unknown): AuthenticationResponseJSON {
  const parsed = authenticationSchema.safeParse(value)
  if (!parsed.success) throw passkeyInvalid()
  const { id, rawId, type, authenticatorAttachment, response } = parsed.data
  return {
    id,
    rawId,
    type,
    ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
    clientExtensionResults: {},
    response: {
      clientDataJSON: response.clientDataJSON,
      authenticatorData: response.authenticatorData,
      signature: response.signature,
      ...(response.userHandle === undefined || response.userHandle === null
        ? {}
        : { userHandle: response.userHandle }),
    },
  }
}

/** The transports worth remembering from a stored JSON list (unknown values dropped). */
export function transportsFromJson(json: string): PasskeyTransport[] {
  try {
    const raw: unknown = JSON.parse(json)
    return Array.isArray(raw) ? knownTransports(raw.filter((t): t is string => typeof t === 'string')) : []
  } catch {
    return []
  }
}

/** Normalises a list of transports for storage. */
export function transportsOf(values: readonly string[] | undefined): PasskeyTransport[] {
  return knownTransports(values)
}
