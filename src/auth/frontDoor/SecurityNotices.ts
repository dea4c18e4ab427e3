import {
  contactChangedNotice,
  destinationChangedNotice,
  withdrawalNotice,
  factorChangedNotice,
  newDeviceNotice,
  passwordChangedNotice,
  recoveryStartedNotice,
  settingChangedNotice,
  newEnvironmentLoginNotice,
  operationHeldNotice,
  accountFrozenNotice,
  loginRefusedNotice,
  type HeldNoticeOperation,
  type NoticeOrigin,
  type Mailer,
  type MailContent,
  type NoticeFactor,
} from '../../notify/index.js'
import { newId, type Clock, type Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'

/** Security events the customer is told about (B-7, B-11, C-7). */
export type NoticeKind =
  | 'new_device'
  | 'factor_added'
  | 'factor_removed'
  | 'password_changed'
  | 'recovery_started'
  | 'account_unlocked'
  | 'login_lock_changed'
  | 'devices_mode_changed'
  | 'devices_removed'
  | 'contact_changed'
  | 'destination_added'
  | 'destination_removed'
  | 'withdrawal'
  | 'login_new_environment'
  | 'operation_held'
  | 'account_frozen'
  | 'login_refused'

/** What the event carries; only what the message needs, never a secret. */
export interface NoticeDetails {
  readonly ip?: string
  readonly userAgent?: string
  readonly factor?: NoticeFactor | 'authenticator app (TOTP)' | 'passkey' | 'phone app'
  readonly coolingUntil?: number
  readonly enabled?: boolean
  readonly count?: number
  /** For contact_changed: the address that was registered before, which is told too. */
  readonly previousEmail?: string
  readonly bankCode?: string
  readonly branchCode?: string
  readonly accountNumber?: string
  readonly amount?: number
  readonly status?: string
  /** For login_new_environment: where the login came from. */
  readonly origin?: NoticeOrigin
  /** For operation_held: what was held, and a one-line summary without secrets. */
  readonly operation?: HeldNoticeOperation
  readonly summary?: string
}

/**
 * Tells the customer about a security event on every registered channel: their e-mail (through
 * the Mailer, never with a link) and, when a phone app is paired, the app's inbox. A failure to
 * notify is logged by the caller's request but never undoes the event.
 */
export class SecurityNotices {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random
  readonly #mailer: Mailer

  constructor(options: { store: Store; clock: Clock; random: Random; mailer: Mailer }) {
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
    this.#mailer = options.mailer
  }

  async send(customerId: string, kind: NoticeKind, details: NoticeDetails = {}): Promise<void> {
    const customer = await this.#store.db.selectFrom('customers').select('email').where('id', '=', customerId).executeTakeFirst()
    if (customer === undefined) return
    const content = this.#content(kind, details)
    await this.#mailer.send({ to: customer.email, subject: content.subject, text: content.text, kind: content.kind, customerId })
    if (details.previousEmail !== undefined && details.previousEmail !== customer.email) {
      // The old address is where the real customer still reads mail.
      await this.#mailer.send({ to: details.previousEmail, subject: content.subject, text: content.text, kind: content.kind, customerId })
    }
    const phones = await this.#store.db
      .selectFrom('passkeys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customer_id', '=', customerId)
      .where('purpose', '=', 'phone_app')
      .where('removed_at', 'is', null)
      .executeTakeFirstOrThrow()
    if (Number(phones.n) > 0 || kind === 'recovery_started') {
      await this.#store.db
        .insertInto('outbox')
        .values({
          id: newId(this.#random, 'msg'),
          channel: 'app',
          customer_id: customerId,
          to_address: 'phone_app',
          kind: content.kind,
          subject: content.subject,
          body: content.text,
          created_at: this.#clock.now(),
          sent_at: null,
        })
        .execute()
    }
  }

  #content(kind: NoticeKind, d: NoticeDetails): MailContent {
    const at = this.#clock.now()
    switch (kind) {
      case 'new_device':
        return newDeviceNotice({ at, deviceLabel: d.userAgent ?? 'unknown device' })
      case 'factor_added':
      case 'factor_removed':
        return factorChangedNotice({ at, factor: noticeFactor(d.factor), change: kind === 'factor_added' ? 'added' : 'removed' })
      case 'password_changed':
        return passwordChangedNotice({ at, which: 'login' })
      case 'recovery_started':
        return recoveryStartedNotice({ at, coolingUntil: d.coolingUntil ?? at })
      case 'account_unlocked':
        return settingChangedNotice({ at, setting: 'account_unlocked' })
      case 'login_lock_changed':
        return settingChangedNotice({ at, setting: d.enabled === true ? 'login_lock_on' : 'login_lock_off' })
      case 'devices_mode_changed':
        return settingChangedNotice({ at, setting: d.enabled === true ? 'registered_devices_only_on' : 'registered_devices_only_off' })
      case 'devices_removed':
        return settingChangedNotice({ at, setting: 'devices_removed' })
      case 'contact_changed':
        return contactChangedNotice({ at })
      case 'destination_added':
      case 'destination_removed':
        return destinationChangedNotice({
          at,
          change: kind === 'destination_added' ? 'added' : 'removed',
          bankCode: d.bankCode ?? '',
          branchCode: d.branchCode ?? '',
          accountNumber: d.accountNumber ?? '',
          ...(d.coolingUntil === undefined ? {} : { coolingUntil: d.coolingUntil }),
        })
      case 'withdrawal':
        return withdrawalNotice({ at, amount: d.amount ?? 0, accountNumber: d.accountNumber ?? '', status: d.status ?? 'requested' })
      case 'login_new_environment':
        return newEnvironmentLoginNotice({
          at,
          origin: d.origin ?? { ip: d.ip ?? '', network: null, country: null, city: null, browser: null, os: null },
        })
      case 'operation_held':
        return operationHeldNotice({ at, operation: d.operation ?? 'order', summary: d.summary ?? '' })
      case 'account_frozen':
        return accountFrozenNotice({ at })
      case 'login_refused':
        return loginRefusedNotice({ at })
    }
  }
}

function noticeFactor(f: NoticeDetails['factor']): NoticeFactor {
  if (f === 'phone app' || f === 'phone_app') return 'phone_app'
  if (f === 'authenticator app (TOTP)' || f === 'totp') return 'totp'
  if (f === 'email') return 'email'
  return 'passkey'
}
