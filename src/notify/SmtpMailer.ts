import nodemailer, { type Transporter } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js'
import { assertMailMessage } from './assertMailMessage.js'
import type { MailMessage, Mailer } from './Mailer.js'

/** Where SmtpMailer relays mail. */
export interface SmtpMailerOptions {
  /** smtp://host:port or smtps://host:port (credentials in the URL if the relay needs them). */
  smtpUrl: string
  /** The From header, e.g. `Mamori <no-reply@mamori.example>`. */
  from: string
}

/**
 * Sends through an SMTP relay with nodemailer. Plain text only: no HTML part, so there is no
 * markup in which a link could hide, and every message is checked by assertMailMessage first.
 */
export class SmtpMailer implements Mailer {
  readonly #from: string
  readonly #transport: Transporter<SMTPTransport.SentMessageInfo, SMTPTransport.Options>

  constructor(options: SmtpMailerOptions) {
    if (typeof options.smtpUrl !== 'string' || !/^smtps?:\/\//.test(options.smtpUrl)) {
      throw new TypeError('smtpUrl must be an smtp:// or smtps:// URL')
    }
    if (typeof options.from !== 'string' || options.from.trim() === '') throw new TypeError('from must be a non-empty string')
    this.#from = options.from
    this.#transport = nodemailer.createTransport(options.smtpUrl, {
      // The message is all in memory: never let an option make nodemailer read files or URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
    })
  }

  async send(message: MailMessage): Promise<void> {
    assertMailMessage(message)
    await this.#transport.sendMail({
      from: this.#from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      // RFC 3834: machine-generated, so auto-responders should not answer.
      headers: { 'Auto-Submitted': 'auto-generated' },
    })
  }

  /** Closes idle connections to the relay. */
  close(): void {
    this.#transport.close()
  }
}
