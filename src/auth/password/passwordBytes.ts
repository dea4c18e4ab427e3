/**
 * Longest accepted password, in Unicode code points. Long enough for any passphrase, short
 * enough that a megabyte "password" cannot make the server hash a megabyte.
 */
export const PASSWORD_MAX_CODE_POINTS = 1024

const LONE_SURROGATE = /\p{Cs}/u

/**
 * The bytes that get hashed, or undefined for a string that can never be a password.
 * NFKC so that a passphrase typed with full-width or half-width characters (both common with
 * Japanese IMEs) is the same password. A lone surrogate is refused because UTF-8 encoding would
 * silently turn it into U+FFFD and merge distinct passwords.
 */
export function passwordBytes(plain: string): Buffer | undefined {
  if (plain.length === 0 || LONE_SURROGATE.test(plain)) return undefined
  let count = 0
  for (const _ of plain) {
    if (++count > PASSWORD_MAX_CODE_POINTS) return undefined
  }
  return Buffer.from(plain.normalize('NFKC'), 'utf8')
}
