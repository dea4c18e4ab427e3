import { dictionary } from '@zxcvbn-ts/language-common'
import { MamoriError } from '../../errors/index.js'
import { PASSWORD_MAX_CODE_POINTS } from './passwordBytes.js'

/** NIST SP 800-63B: at least 8 characters, no composition rules, long passphrases welcome. */
export const PASSWORD_MIN_CODE_POINTS = 8

let blocklist: ReadonlySet<string> | undefined

/**
 * The 49,233 most common passwords from leaked corpora (the @zxcvbn-ts common dictionary),
 * compared case-insensitively after NFKC. Loaded once, on first use.
 */
function commonPasswords(): ReadonlySet<string> {
  blocklist ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.normalize('NFKC').toLowerCase()))
  return blocklist
}

/** True when the password is in the common/breached-password list. */
export function isCommonPassword(password: string): boolean {
  const p = password.normalize('NFKC').toLowerCase()
  return commonPasswords().has(p) || commonPasswords().has(p.replace(/[\d\W_]+$/u, ''))
}

/**
 * Checks a new login or trading password (B-1) when it is set or changed: long enough, not too
 * long, not a common or breached password, not the login ID, and different from the customer's
 * other password. Throws PASSWORD_REJECTED naming the rule, never echoing the password.
 */
export function checkNewPassword(password: string, context: { loginId: string; otherPassword?: string }): void {
  const p = password.normalize('NFKC')
  const length = [...p].length
  if (length < PASSWORD_MIN_CODE_POINTS) {
    throw new MamoriError('PASSWORD_REJECTED', `passwords need at least ${PASSWORD_MIN_CODE_POINTS} characters`, { rule: 'too_short' })
  }
  if (length > PASSWORD_MAX_CODE_POINTS) {
    throw new MamoriError('PASSWORD_REJECTED', `passwords may have at most ${PASSWORD_MAX_CODE_POINTS} characters`, { rule: 'too_long' })
  }
  if (isCommonPassword(p)) {
    throw new MamoriError('PASSWORD_REJECTED', 'this password appears in lists of common or breached passwords', { rule: 'common' })
  }
  if (p.toLowerCase() === context.loginId.normalize('NFKC').toLowerCase()) {
    throw new MamoriError('PASSWORD_REJECTED', 'the password must not be the login ID', { rule: 'login_id' })
  }
  if (context.otherPassword !== undefined && p === context.otherPassword.normalize('NFKC')) {
    throw new MamoriError('PASSWORD_REJECTED', 'the login password and the trading password must differ', { rule: 'same_as_other' })
  }
}
