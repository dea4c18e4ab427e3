/** One plain-text e-mail to one customer. */
export interface MailMessage {
  /** A single bare address, e.g. taro@example.jp. */
  to: string
  subject: string
  /** Plain text only: Mamori never sends HTML mail. Must pass `assertNoLinks`. */
  text: string
  /** What the message is, for the outbox and audits, e.g. `code.login`, `notice.new_device`. */
  kind: string
  customerId?: string
}

/**
 * The one way Mamori sends e-mail. Domain code depends on this interface only, so the SMTP
 * relay, the embedded outbox or a test double can be swapped in one place.
 */
export interface Mailer {
  /** Sends (or durably queues) the message. Throws TypeError for a message that must not be sent. */
  send(message: MailMessage): Promise<void>
}
