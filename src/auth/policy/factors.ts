/**
 * Authentication factors Mamori can verify. Only a passkey is phishing resistant: its signature is
 * bound to the origin, so a look-alike site relaying it in real time (seed 003) gets nothing usable.
 */
export const FACTORS = ['password', 'trading_password', 'passkey', 'totp', 'email_code', 'app_approval'] as const

export type Factor = (typeof FACTORS)[number]

/** When each factor was last verified in a session or login flow (ms since the epoch). */
export type FactorTimes = Partial<Record<Factor, number>>

/** Factors whose proof cannot be relayed by a phishing site. */
export const PHISHING_RESISTANT: ReadonlySet<Factor> = new Set<Factor>(['passkey'])

/** Parses stored factor times, dropping anything that is not a known factor with a numeric time. */
export function parseFactorTimes(json: string | null): FactorTimes {
  if (json === null || json === '') return {}
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    return {}
  }
  const out: FactorTimes = {}
  if (raw === null || typeof raw !== 'object') return out
  for (const f of FACTORS) {
    const t = (raw as Record<string, unknown>)[f]
    if (typeof t === 'number' && Number.isSafeInteger(t)) out[f] = t
  }
  return out
}
