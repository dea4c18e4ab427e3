import { MamoriError } from '../../errors/index.js'

/**
 * Typology options are configuration, validated once when the typology is built: an impossible
 * threshold is CONFIG_INVALID at start-up, never a rule that silently matches nothing.
 */
export function checkDuration(name: string, ms: number, options: { allowZero?: boolean } = {}): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || (ms === 0 && options.allowZero !== true)) {
    throw new MamoriError(
      'CONFIG_INVALID',
      `${name} must be a ${options.allowZero === true ? 'non-negative' : 'positive'} integer (ms)`,
    )
  }
}

/** A count threshold: an integer ≥ `min` (default 1). */
export function checkCount(name: string, value: number, min = 1): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new MamoriError('CONFIG_INVALID', `${name} must be an integer of at least ${min}`)
  }
}

/** A share in (0, 1]. */
export function checkShare(name: string, value: number): void {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new MamoriError('CONFIG_INVALID', `${name} must be a number in (0, 1]`)
  }
}

/** A positive finite number (a speed, a distance). */
export function checkPositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MamoriError('CONFIG_INVALID', `${name} must be a positive number`)
  }
}
