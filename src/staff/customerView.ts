import type { AuditLog } from '../audit/index.js'
import { MamoriError } from '../errors/index.js'
import type { Clock, Random } from '../runtime/index.js'
import { sql, type Selectable } from 'kysely'
import type { CustomersTable, Store, WithdrawalDestinationsTable } from '../store/index.js'
import { raiseStaffWatchAlert } from './staffWatchAlert.js'

/** The customer columns staff code ever loads: never a password hash or any other credential. */
const CUSTOMER_COLUMNS = ['id', 'login_id', 'name_kanji', 'name_kana', 'address', 'phone', 'date_of_birth', 'email', 'status', 'created_at', 'locked_at'] as const
type CustomerRow = Pick<Selectable<CustomersTable>, (typeof CUSTOMER_COLUMNS)[number]>

/** The PII fields a staff member can reveal, one at a time, with a reason (D-1). */
export const PII_FIELDS = ['name', 'address', 'phone', 'dateOfBirth', 'email', 'bankAccount'] as const
export type PiiField = (typeof PII_FIELDS)[number]

/** A customer as staff see them by default: every PII field masked, no credential of any kind. */
export interface MaskedCustomer {
  readonly id: string
  readonly loginId: string
  readonly name: string
  readonly nameKana: string
  readonly address: string
  readonly phone: string
  readonly dateOfBirth: string
  readonly email: string
  readonly status: string
  readonly createdAt: number
  readonly locked: boolean
  readonly destinations: readonly MaskedDestination[]
  /** Which fields are masked (all of PII_FIELDS): so a reader knows not to rely on them. */
  readonly masked: readonly PiiField[]
}

export interface MaskedDestination {
  readonly id: string
  readonly bankCode: string
  readonly branchCode: string
  readonly accountType: string
  readonly accountNumber: string
  readonly holderKana: string
  readonly status: string
  readonly createdAt: number
}

/** Shows the first `keep` characters of `text`, the rest as one mask per character (at least 3). */
function head(text: string, keep: number): string {
  const chars = [...text]
  return chars.slice(0, keep).join('') + '*'.repeat(Math.max(3, chars.length - keep))
}

/** Shows the last `keep` characters. */
function tail(text: string, keep: number): string {
  const chars = [...text]
  return '*'.repeat(Math.max(3, chars.length - keep)) + chars.slice(-keep).join('')
}

/** The prefecture of a Japanese address (都/道/府/県), the rest masked; unknown shapes fully masked. */
export function maskAddress(address: string): string {
  const m = /^(.{2,3}?[都道府県])/.exec(address)
  return m === null ? '***' : `${m[1]}***`
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  if (at <= 0) return '***'
  const domain = email.slice(at + 1)
  const dot = domain.lastIndexOf('.')
  return `${head(email.slice(0, at), 1)}@***${dot >= 0 ? domain.slice(dot) : ''}`
}

export function maskPhone(phone: string): string {
  return tail(phone.replace(/[^0-9]/g, ''), 2)
}

export function maskCustomer(c: CustomerRow, destinations: readonly WithdrawalDestinationsTable[]): MaskedCustomer {
  return Object.freeze({
    id: c.id,
    loginId: head(c.login_id, 2),
    name: head(c.name_kanji, 1),
    nameKana: head(c.name_kana, 1),
    address: maskAddress(c.address),
    phone: maskPhone(c.phone),
    // The year alone would narrow a search; nothing of the date is shown.
    dateOfBirth: '****-**-**',
    email: maskEmail(c.email),
    status: c.status,
    createdAt: Number(c.created_at),
    locked: c.locked_at !== null,
    destinations: destinations.map((d) =>
      Object.freeze({
        id: d.id,
        bankCode: d.bank_code,
        branchCode: d.branch_code,
        accountType: d.account_type,
        accountNumber: tail(d.account_number, 3),
        holderKana: head(d.holder_kana, 1),
        status: d.status,
        createdAt: Number(d.created_at),
      }),
    ),
    masked: PII_FIELDS,
  })
}

export interface CustomerViewOptions {
  readonly store: Store
  readonly audit: AuditLog
  readonly clock: Clock
  readonly random: Random
  /** Reveals one staff member may make in any hour. */
  readonly revealsPerHour: number
  /** Distinct customers one staff member may view or reveal in an hour before an alert is raised (the insider watch). */
  readonly watchCustomersPerHour: number
}

/** Who is looking, and from where. */
export interface Viewer {
  readonly staffId: string
  readonly ip: string
}

const HOUR_MS = 3_600_000

/**
 * Staff access to customer data (D-1, D-8): masked by default; a reveal names one field, needs a
 * reason, is written to the audit log (the field's name, never its value) and is rate-limited per
 * staff member; and every view and reveal feeds the watch that raises an alert when one staff
 * member looks at an unusual number of customers (the insider of seed 002 read for years).
 */
export class CustomerView {
  readonly #o: CustomerViewOptions

  constructor(options: CustomerViewOptions) {
    this.#o = options
  }

  /** Customers whose login id or customer id starts with `query` (at most 20), masked. */
  async search(viewer: Viewer, query: string): Promise<MaskedCustomer[]> {
    const q = query.trim()
    if (q.length < 3 || q.length > 64) throw new MamoriError('VALIDATION_FAILED', 'a search is 3-64 characters of a login id or customer id')
    const escaped = q.replace(/[\\%_]/g, (ch) => `\\${ch}`)
    const rows = await this.#o.store.db
      .selectFrom('customers')
      .select(CUSTOMER_COLUMNS)
      .where((eb) => eb.or([sql<boolean>`login_id like ${`${escaped}%`} escape '\\'`, eb('id', '=', q)]))
      .orderBy('id')
      .limit(20)
      .execute()
    await this.#o.audit.append({ actor: { kind: 'staff', id: viewer.staffId }, action: 'staff.search', detail: { results: rows.length } })
    const out: MaskedCustomer[] = []
    for (const row of rows) out.push(maskCustomer(row, await this.#destinations(row.id)))
    return out
  }

  /** One customer, masked; CUSTOMER_NOT_FOUND for an unknown id. Audited and watched. */
  async view(viewer: Viewer, customerId: string): Promise<MaskedCustomer> {
    const row = await this.#customer(customerId)
    await this.#o.audit.append({ actor: { kind: 'staff', id: viewer.staffId }, action: 'staff.customer_viewed', subject: { kind: 'customer', id: row.id } })
    await this.#watch(viewer)
    return maskCustomer(row, await this.#destinations(row.id))
  }

  /** The clear value of one field. */
  async reveal(viewer: Viewer, customerId: string, input: { field: string; reason: string; destinationId?: string }): Promise<{ field: PiiField; value: string }> {
    const field = input.field
    if (!(PII_FIELDS as readonly string[]).includes(field)) throw new MamoriError('PII_FIELD_UNKNOWN', `field must be one of ${PII_FIELDS.join(', ')}`)
    const reason = input.reason.trim()
    if (reason.length < 5) throw new MamoriError('REASON_REQUIRED', 'a reveal needs a reason (at least 5 characters)')
    const row = await this.#customer(customerId)
    const now = this.#o.clock.now()
    const recent = await this.#o.store.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('actor_kind', '=', 'staff')
      .where('actor_id', '=', viewer.staffId)
      .where('action', '=', 'staff.pii_reveal')
      .where('at', '>=', now - HOUR_MS)
      .executeTakeFirst()
    if (Number(recent?.n ?? 0) >= this.#o.revealsPerHour) {
      throw new MamoriError('PII_REVEAL_RATE_LIMITED', `at most ${this.#o.revealsPerHour} reveals an hour; ask a supervisor if more are needed`)
    }
    let value: string
    switch (field as PiiField) {
      case 'name':
        value = `${row.name_kanji} (${row.name_kana})`
        break
      case 'address':
        value = row.address
        break
      case 'phone':
        value = row.phone
        break
      case 'dateOfBirth':
        value = row.date_of_birth
        break
      case 'email':
        value = row.email
        break
      case 'bankAccount': {
        const d = (await this.#destinations(row.id)).find((x) => x.id === input.destinationId)
        if (d === undefined) throw new MamoriError('VALIDATION_FAILED', 'bankAccount needs the destinationId of one of this customer’s destinations')
        value = `${d.bank_code}-${d.branch_code} ${d.account_type} ${d.account_number} ${d.holder_kana}`
        break
      }
    }
    await this.#o.audit.append({
      actor: { kind: 'staff', id: viewer.staffId },
      action: 'staff.pii_reveal',
      subject: { kind: 'customer', id: row.id },
      detail: { field, reason: reason.slice(0, 500), ...(input.destinationId === undefined ? {} : { destinationId: input.destinationId }) },
    })
    await this.#watch(viewer)
    return { field: field as PiiField, value }
  }

  async #customer(customerId: string): Promise<CustomerRow> {
    const row = customerId.length > 100 ? undefined : await this.#o.store.db.selectFrom('customers').select(CUSTOMER_COLUMNS).where('id', '=', customerId).executeTakeFirst()
    if (row === undefined) throw new MamoriError('CUSTOMER_NOT_FOUND', 'no such customer')
    return row
  }

  async #destinations(customerId: string): Promise<WithdrawalDestinationsTable[]> {
    return this.#o.store.db.selectFrom('withdrawal_destinations').selectAll().where('customer_id', '=', customerId).orderBy('created_at').execute()
  }

  /**
   * The insider watch: distinct customers this staff member viewed or revealed in the last hour;
   * past the threshold, one open alert per staff member per hour (action `staff_access`).
   */
  async #watch(viewer: Viewer): Promise<void> {
    const now = this.#o.clock.now()
    const since = now - HOUR_MS
    const seen = await this.#o.store.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.count<number>('subject_id').distinct().as('n'))
      .where('actor_kind', '=', 'staff')
      .where('actor_id', '=', viewer.staffId)
      .where('action', 'in', ['staff.customer_viewed', 'staff.pii_reveal'])
      .where('at', '>=', since)
      .executeTakeFirst()
    const customers = Number(seen?.n ?? 0)
    if (customers <= this.#o.watchCustomersPerHour) return
    await raiseStaffWatchAlert(this.#o.store.db, this.#o.random, {
      rule: 'staff_bulk_access',
      reason: `staff member ${viewer.staffId} viewed or revealed ${customers} customers within an hour (threshold ${this.#o.watchCustomersPerHour})`,
      // The staff member's id, so the watch alerts once per member and hour.
      subject: viewer.staffId,
      ip: viewer.ip,
      at: now,
      windowMs: HOUR_MS,
    })
  }
}
