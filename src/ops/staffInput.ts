import { MamoriError } from '../errors/index.js'

const MAX_REASON = 1000
const MAX_STAFF_ID = 200

/**
 * A staff member's reason, trimmed; REASON_REQUIRED when empty or too long. Every sensitive
 * operator action carries one: an action nobody can explain is how insiders work (seed 002).
 */
export function requireReason(value: unknown, field = 'reason'): string {
  const reason = typeof value === 'string' ? value.trim() : ''
  if (reason === '') throw new MamoriError('REASON_REQUIRED', 'a reason is required', { field })
  if (reason.length > MAX_REASON) throw new MamoriError('REASON_REQUIRED', `the reason may be at most ${MAX_REASON} characters`, { field })
  return reason
}

/** The acting staff member's id, trimmed; REASON_REQUIRED (field `by`) when missing, as the review queue does. */
export function requireStaffId(value: unknown, field = 'by'): string {
  const by = typeof value === 'string' ? value.trim() : ''
  if (by === '' || by.length > MAX_STAFF_ID) throw new MamoriError('REASON_REQUIRED', 'the staff member must be named', { field })
  return by
}

/** A JSON column back as an object. */
export function parseObject(json: string): Record<string, unknown> {
  return JSON.parse(json) as Record<string, unknown>
}
