import { newId, type Clock, type Random } from '../runtime/index.js'
import type { Db, Store } from '../store/index.js'
import { assertMailMessage } from './assertMailMessage.js'
import type { MailMessage, Mailer } from './Mailer.js'

/** What OutboxMailer needs. */
export interface OutboxMailerOptions {
  store: Store
  clock: Clock
  random: Random
}

/** One stored message, newest first from listOutbox. */
export interface OutboxEntry {
  id: string
  channel: string
  customerId: string | null
  to: string
  kind: string
  subject: string
  body: string
  createdAt: number
  /** When a relay sent it; null while it sits in the outbox only. */
  sentAt: number | null
}

/**
 * The embedded default when no SMTP relay is configured: each message becomes a row of the
 * outbox table (channel `email`), which the demo and operators read with listOutbox.
 */
export class OutboxMailer implements Mailer {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random

  constructor(options: OutboxMailerOptions) {
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
  }

  async send(message: MailMessage): Promise<void> {
    assertMailMessage(message)
    await this.#store.db
      .insertInto('outbox')
      .values({
        id: newId(this.#random, 'mail'),
        channel: 'email',
        customer_id: message.customerId ?? null,
        to_address: message.to,
        kind: message.kind,
        subject: message.subject,
        body: message.text,
        created_at: this.#clock.now(),
        sent_at: null,
      })
      .execute()
  }
}

/**
 * Reads the outbox, newest first (messages of the same millisecond in no particular order),
 * for one customer or for everyone.
 */
export async function listOutbox(db: Db, customerId?: string, limit = 50): Promise<OutboxEntry[]> {
  if (!Number.isSafeInteger(limit) || limit <= 0 || limit > 1000) throw new TypeError('limit must be an integer in 1..1000')
  let query = db.selectFrom('outbox').selectAll()
  if (customerId !== undefined) query = query.where('customer_id', '=', customerId)
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    customerId: r.customer_id,
    to: r.to_address,
    kind: r.kind,
    subject: r.subject,
    body: r.body,
    createdAt: Number(r.created_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
  }))
}
