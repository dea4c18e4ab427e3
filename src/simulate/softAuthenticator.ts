import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'

/**
 * A software authenticator and client, for the simulator and the tests (test/support re-exports
 * it): real WebAuthn responses — CBOR attestation objects, authenticator data, DER-encoded ES256
 * signatures over authData || SHA-256(clientDataJSON) — that SimpleWebAuthn verifies exactly as it
 * would a browser's. Nothing in the library is mocked.
 *
 * It plays the attacker as readily as the customer: it signs for whatever origin, RP ID, flags and
 * counter it is told, and ignores allowCredentials/excludeCredentials, so security tests can build
 * the responses a phishing page, a cloned key or a scripted client would send.
 */

/** A credential held by the soft authenticator. `signCount` moves as assertions are made. */
export interface SoftCredential {
  /** Credential id, base64url. */
  readonly id: string
  /** The RP ID the credential was created for. */
  readonly rpId: string
  /** The `user.id` from the creation options, base64url (returned as `userHandle`). */
  readonly userHandle: string
  readonly privateKey: KeyObject
  /** COSE_Key (EC2, P-256, ES256) bytes. */
  readonly publicKeyCose: Uint8Array
  /** The last counter this credential reported. 0 means the authenticator keeps no counter. */
  signCount: number
  backupEligible: boolean
  backedUp: boolean
}

/** How `createCredential` behaves. */
export interface CreateCredentialOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string
  /** The RP ID whose hash goes into authData; defaults to options.rp.id. */
  rpId?: string
  userVerified?: boolean
  userPresent?: boolean
  /** Initial counter; 0 (the default) means the authenticator keeps no counter, like most passkeys. */
  signCount?: number
  /** BE flag: a synced (multi-device) passkey. Default false. */
  backupEligible?: boolean
  /** BS flag. Default false. */
  backedUp?: boolean
  /** Reported transports. Default ['internal']. */
  transports?: string[]
  /** Use this credential id (bytes) instead of 32 random ones. */
  credentialId?: Uint8Array
  /** Override clientDataJSON.type (default 'webauthn.create'). */
  type?: string
  /** Override the challenge signed (default options.challenge). */
  challenge?: string
}

/** How `getAssertion` behaves. */
export interface GetAssertionOptions {
  /** The origin the "browser" reports in clientDataJSON. */
  origin: string
  /** The RP ID whose hash goes into authData; defaults to options.rpId, then the credential's. */
  rpId?: string
  /** Default true. */
  userVerified?: boolean
  /** Default true. */
  userPresent?: boolean
  /**
   * The counter to report. By default a counting credential (signCount > 0) reports signCount + 1 and
   * a non-counting one reports 0. The credential remembers whatever is reported.
   */
  counter?: number
  /** Override the credential's BE / BS flags for this assertion. */
  backupEligible?: boolean
  backedUp?: boolean
  /** The userHandle to return: default the credential's; null omits it. */
  userHandle?: string | null
  /** Override clientDataJSON.type (default 'webauthn.get'). */
  type?: string
  /** Override the challenge signed (default options.challenge). */
  challenge?: string
  /** Mark the ceremony as made in a cross-origin iframe under this top-level origin. */
  topOrigin?: string
  /** Sign with this key instead of the credential's (a forgery). */
  signWith?: KeyObject
}

/** A new credential and the registration response announcing it. */
export interface SoftRegistration {
  response: RegistrationResponseJSON
  credential: SoftCredential
}

// Authenticator data flags (WebAuthn §6.1).
const FLAG_UP = 0x01
const FLAG_UV = 0x04
const FLAG_BE = 0x08
const FLAG_BS = 0x10
const FLAG_AT = 0x40

/** Creates a credential for `options` and the registration response (attestation format 'none'). */
export function createCredential(
  options: PublicKeyCredentialCreationOptionsJSON,
  opts: CreateCredentialOptions,
): SoftRegistration {
  const rpId = opts.rpId ?? options.rp.id ?? new URL(opts.origin).hostname
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = publicKey.export({ format: 'jwk' })
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('P-256 key without coordinates')
  // COSE_Key (RFC 9053 §7.1.1, EC2): kty 2, alg -7 (ES256), crv 1 (P-256), x, y.
  const publicKeyCose = encodeCbor(
    new Map<CborValue, CborValue>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]),
  )
  const credentialId = opts.credentialId ?? randomBytes(32)
  const credential: SoftCredential = {
    id: Buffer.from(credentialId).toString('base64url'),
    rpId,
    userHandle: options.user.id,
    privateKey,
    publicKeyCose,
    signCount: opts.signCount ?? 0,
    backupEligible: opts.backupEligible ?? false,
    backedUp: opts.backedUp ?? false,
  }
  // Attested credential data (§6.5.1): AAGUID (zero for 'none'), id length, id, public key.
  const idLength = Buffer.alloc(2)
  idLength.writeUInt16BE(credentialId.length)
  const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, publicKeyCose])
  const authData = authenticatorData(rpId, {
    up: opts.userPresent ?? true,
    uv: opts.userVerified ?? true,
    be: credential.backupEligible,
    bs: credential.backedUp,
    counter: credential.signCount,
    attested,
  })
  const clientDataJSON = clientData(
    opts.type ?? 'webauthn.create',
    opts.challenge ?? options.challenge,
    opts.origin,
  )
  // attestationObject (§6.5.4), keys in CTAP2 canonical order.
  const attestationObject = encodeCbor(
    new Map<CborValue, CborValue>([
      ['fmt', 'none'],
      ['attStmt', new Map<CborValue, CborValue>()],
      ['authData', authData],
    ]),
  )
  const response: RegistrationResponseJSON = {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    authenticatorAttachment: 'platform',
    clientExtensionResults: { credProps: { rk: true } },
    response: {
      clientDataJSON: b64url(clientDataJSON),
      attestationObject: b64url(attestationObject),
      transports: opts.transports ?? ['internal'],
    },
  }
  return { response, credential }
}

/** Makes an assertion with `credential` for `options` (§6.3.3 authenticatorGetAssertion). */
export function getAssertion(
  options: PublicKeyCredentialRequestOptionsJSON,
  credential: SoftCredential,
  opts: GetAssertionOptions,
): AuthenticationResponseJSON {
  const rpId = opts.rpId ?? options.rpId ?? credential.rpId
  const counter = opts.counter ?? (credential.signCount > 0 ? credential.signCount + 1 : 0)
  credential.signCount = counter
  const authData = authenticatorData(rpId, {
    up: opts.userPresent ?? true,
    uv: opts.userVerified ?? true,
    be: opts.backupEligible ?? credential.backupEligible,
    bs: opts.backedUp ?? credential.backedUp,
    counter,
  })
  const clientDataJSON = clientData(
    opts.type ?? 'webauthn.get',
    opts.challenge ?? options.challenge,
    opts.origin,
    opts.topOrigin,
  )
  const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()])
  // ES256 signatures in WebAuthn are ASN.1 DER (§6.5.5), which is node's default encoding for EC keys.
  const signature = sign('sha256', signed, {
    key: opts.signWith ?? credential.privateKey,
    dsaEncoding: 'der',
  })
  const userHandle = opts.userHandle === undefined ? credential.userHandle : opts.userHandle
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    authenticatorAttachment: 'platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authData),
      signature: b64url(signature),
      ...(userHandle === null ? {} : { userHandle }),
    },
  }
}

interface AuthDataFields {
  up: boolean
  uv: boolean
  be: boolean
  bs: boolean
  counter: number
  attested?: Buffer
}

// §6.1: rpIdHash (32) | flags (1) | signCount (4, big-endian) | attested credential data.
function authenticatorData(rpId: string, f: AuthDataFields): Buffer {
  let flags = 0
  if (f.up) flags |= FLAG_UP
  if (f.uv) flags |= FLAG_UV
  if (f.be) flags |= FLAG_BE
  if (f.bs) flags |= FLAG_BS
  if (f.attested !== undefined) flags |= FLAG_AT
  const counter = Buffer.alloc(4)
  counter.writeUInt32BE(f.counter)
  return Buffer.concat([
    createHash('sha256').update(rpId, 'utf8').digest(),
    Buffer.from([flags]),
    counter,
    f.attested ?? Buffer.alloc(0),
  ])
}

// §5.8.1 CollectedClientData, serialised the way browsers do (type, challenge, origin, crossOrigin).
function clientData(type: string, challenge: string, origin: string, topOrigin?: string): Buffer {
  const data: Record<string, unknown> = { type, challenge, origin, crossOrigin: topOrigin !== undefined }
  if (topOrigin !== undefined) data.topOrigin = topOrigin
  return Buffer.from(JSON.stringify(data), 'utf8')
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/** The CBOR subset WebAuthn needs (RFC 8949): integers, byte and text strings, maps. */
export type CborValue = number | string | Uint8Array | Map<CborValue, CborValue>

function cborHead(major: number, n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('CBOR length or value out of range')
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n])
  if (n < 0x10000) {
    const b = Buffer.alloc(3)
    b[0] = (major << 5) | 25
    b.writeUInt16BE(n, 1)
    return b
  }
  if (n < 0x100000000) {
    const b = Buffer.alloc(5)
    b[0] = (major << 5) | 26
    b.writeUInt32BE(n, 1)
    return b
  }
  const b = Buffer.alloc(9)
  b[0] = (major << 5) | 27
  b.writeBigUInt64BE(BigInt(n), 1)
  return b
}

/** Encodes `value` as definite-length CBOR; map entries keep their insertion order. */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError('only integers are supported')
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value)
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([cborHead(3, bytes.length), bytes])
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value])
  const parts: Buffer[] = [cborHead(5, value.size)]
  for (const [k, v] of value) parts.push(encodeCbor(k), encodeCbor(v))
  return Buffer.concat(parts)
}
