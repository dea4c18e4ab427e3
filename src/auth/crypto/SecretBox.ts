import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto'
import { MamoriError } from '../../errors/index.js'
import { cryptoRandom } from '../../runtime/index.js'

const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
const VERSION = 'v1'
// base64url, unpadded; a 12-byte nonce is exactly 16 characters.
const SEALED_SHAPE = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/
const BASE64_SHAPE = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Derives an independent 32-byte key for one use from the master key (RFC 5869 HKDF-SHA256), so
 * the encryption key and every HMAC key differ even though one secret is configured.
 */
function deriveKey(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), Buffer.from(`mamori/${info}`, 'utf8'), KEY_BYTES))
}

/**
 * Authenticated encryption of small secrets at rest (TOTP seeds) and keyed hashes of short
 * codes (e-mail codes), all from the one configured 32-byte key (B-1: no one, staff included,
 * can read a credential from a database dump).
 *
 * `seal` is AES-256-GCM with a fresh random 96-bit nonce; the associated data (e.g. the customer
 * id) is authenticated but not stored, so a sealed value copied onto another customer's row does
 * not open. The nonce always comes from the operating system's CSPRNG, never an injected Random:
 * a reproducible nonce would repeat under GCM and leak the key stream.
 */
export class SecretBox {
  readonly #master: Buffer
  readonly #encKey: Buffer
  readonly #hmacKeys = new Map<string, Buffer>()

  constructor(key: Buffer) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) throw new TypeError('SecretBox needs a 32-byte key')
    this.#master = Buffer.from(key)
    this.#encKey = deriveKey(this.#master, 'secretbox/aes-256-gcm/v1')
  }

  /** A box from the base64 form the configuration holds (`secrets.key`). */
  static fromBase64(key: string): SecretBox {
    if (typeof key !== 'string' || !BASE64_SHAPE.test(key)) throw new TypeError('SecretBox key must be base64')
    return new SecretBox(Buffer.from(key, 'base64'))
  }

  /** Encrypts `plain`, bound to `associatedData`: `v1.<nonce>.<ciphertext+tag>` in base64url. */
  seal(plain: string, associatedData: string): string {
    if (typeof plain !== 'string' || typeof associatedData !== 'string') throw new TypeError('seal takes two strings')
    const nonce = cryptoRandom.bytes(NONCE_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#encKey, nonce, { authTagLength: TAG_BYTES })
    cipher.setAAD(aadOf(associatedData))
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()])
    return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`
  }

  /**
   * Decrypts a value from `seal`. Throws MamoriError SECRET_UNREADABLE when it was altered, was
   * sealed under another key, or is bound to different associated data.
   */
  open(sealed: string, associatedData: string): string {
    if (typeof sealed !== 'string' || typeof associatedData !== 'string') throw new TypeError('open takes two strings')
    const match = SEALED_SHAPE.exec(sealed)
    if (match === null) throw new MamoriError('SECRET_UNREADABLE', 'sealed secret is malformed')
    const nonce = Buffer.from(match[1] as string, 'base64url')
    const body = Buffer.from(match[2] as string, 'base64url')
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
      throw new MamoriError('SECRET_UNREADABLE', 'sealed secret is malformed')
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#encKey, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(aadOf(associatedData))
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      throw new MamoriError('SECRET_UNREADABLE', 'sealed secret failed authentication')
    }
  }

  /**
   * HMAC-SHA256 of `value` (hex) under a key derived for `purpose` alone, so a hash made for one
   * purpose is useless for any other and a database dump cannot be brute-forced offline.
   */
  hmac(purpose: string, value: string): string {
    if (typeof purpose !== 'string' || purpose === '') throw new TypeError('hmac purpose must be a non-empty string')
    if (typeof value !== 'string') throw new TypeError('hmac value must be a string')
    let key = this.#hmacKeys.get(purpose)
    if (key === undefined) {
      key = deriveKey(this.#master, `hmac/${purpose}`)
      this.#hmacKeys.set(purpose, key)
    }
    return createHmac('sha256', key).update(value, 'utf8').digest('hex')
  }
}

// The version is authenticated too, so a future format cannot be confused with this one.
function aadOf(associatedData: string): Buffer {
  return Buffer.from(`${VERSION}\0${associatedData}`, 'utf8')
}
