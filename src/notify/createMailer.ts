import type { FrozenConfig } from '../config/index.js'
import type { Clock, Random } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import type { Mailer } from './Mailer.js'
import { OutboxMailer } from './OutboxMailer.js'
import { SmtpMailer } from './SmtpMailer.js'

/**
 * The configured Mailer: SMTP when `mail.smtpUrl` is set, otherwise the outbox table, so a
 * fresh install runs without a mail server.
 */
export function createMailer(config: { readonly mail: FrozenConfig['mail'] }, store: Store, clock: Clock, random: Random): Mailer {
  if (config.mail.smtpUrl !== undefined) return new SmtpMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from })
  return new OutboxMailer({ store, clock, random })
}
