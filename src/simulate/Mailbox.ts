import { listOutbox } from '../notify/index.js'
import type { Store } from '../store/index.js'

/**
 * A simulated person's own mailbox and phone messages: what Mamori sent them, read from the
 * server's outbox (the embedded mailer's delivery queue, standing in for their mail provider). Only
 * the person reads it — the customer typing the code Mamori e-mailed them, or a victim reading a
 * code out to a phishing page or a caller. No attacker reads another person's mailbox.
 */
export class Mailbox {
  readonly #store: Store
  readonly #customerId: string
  readonly #read = new Set<string>()

  constructor(store: Store, customerId: string) {
    this.#store = store
    this.#customerId = customerId
  }

  /** The newest unread code for `purpose` (login, device_add, unlock, recovery), marked read; undefined when none came. */
  async code(purpose: string): Promise<string | undefined> {
    const mail = (await listOutbox(this.#store.db, this.#customerId, 50)).find(
      (m) => m.channel === 'email' && m.kind === `code.${purpose}` && !this.#read.has(m.id),
    )
    if (mail === undefined) return undefined
    this.#read.add(mail.id)
    return /[：:]\s*([0-9]{6})\b/.exec(mail.body)?.[1]
  }

  /** Kinds of the messages that arrived since `since` (notices: new device, recovery started, account frozen...). */
  async kindsSince(since: number): Promise<string[]> {
    return (await listOutbox(this.#store.db, this.#customerId, 200)).filter((m) => m.createdAt >= since).map((m) => m.kind)
  }
}
