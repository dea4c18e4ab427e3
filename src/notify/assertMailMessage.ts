import { assertNoLinks } from './assertNoLinks.js'
import type { MailMessage } from './Mailer.js'

// One bare address: no display name, no list, nothing a header could be split on.
const ADDRESS = /^[^\s@,;:<>()"'\\[\]]+@[^\s@,;:<>()"'\\[\]]+$/
const MAX_SUBJECT = 200
const MAX_TEXT = 20_000

/**
 * The checks every Mailer runs before a message leaves: exactly one recipient, a one-line
 * subject, and no link anywhere (assertNoLinks). Violations are Mamori's own bugs, so TypeError.
 */
export function assertMailMessage(message: MailMessage): void {
  if (message === null || typeof message !== 'object') throw new TypeError('message must be an object')
  const { to, subject, text, kind, customerId } = message
  if (typeof to !== 'string' || to.length > 254 || !ADDRESS.test(to)) throw new TypeError('to must be one bare e-mail address')
  if (typeof subject !== 'string' || subject.trim() === '' || subject.length > MAX_SUBJECT || /[\r\n]/.test(subject)) {
    throw new TypeError('subject must be one non-empty line')
  }
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) throw new TypeError('text must be non-empty')
  if (typeof kind !== 'string' || !/^[a-z][a-z0-9_.-]{0,63}$/.test(kind)) throw new TypeError('kind must be a short identifier')
  if (customerId !== undefined && (typeof customerId !== 'string' || customerId === '')) {
    throw new TypeError('customerId must be a non-empty string when given')
  }
  assertNoLinks(subject)
  assertNoLinks(text)
}
