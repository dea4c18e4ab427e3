import { createHash } from 'node:crypto'
import { MamoriError } from '../../errors/index.js'
import { newId, type Clock, type Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'

/** What DeviceService needs. */
export interface DeviceServiceOptions {
  store: Store
  clock: Clock
  random: Random
}

/** A device as the rest of Mamori sees it: never its token, nor the token's hash. */
export interface DeviceRecord {
  readonly id: string
  /** The customer who last logged in from it; null while anonymous. */
  readonly customerId: string | null
  /** The customer's name for it ('' until registered). */
  readonly label: string
  readonly userAgent: string
  /** Confirmed by the customer through a code sent to their registered contact (B-7). */
  readonly registered: boolean
  readonly createdAt: number
  readonly lastSeenAt: number
}

/** What `identify` found or made. `token` goes back into the device cookie. */
export interface IdentifiedDevice {
  readonly device: DeviceRecord
  readonly token: string
  readonly isNew: boolean
}

const TOKEN_BYTES = 32
// base64url of 32 bytes, unpadded: 43 characters. Anything else is not a token we issued.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/
const USER_AGENT_MAX = 512
const LABEL_MAX = 100

/** SHA-256 of a device token, hex: the only form of it the database ever sees. */
function tokenHashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/**
 * Client-supplied text made safe to store and show: control characters dropped (a NUL would
 * make PostgreSQL refuse the row; CR/LF would forge lines in a log), lone surrogates replaced,
 * cut at `max` code points.
 */
function cleanText(input: unknown, max: number): string {
  if (typeof input !== 'string') return ''
  let out = ''
  let n = 0
  for (const ch of input) {
    if (n >= max) break
    const cp = ch.codePointAt(0) ?? 0
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue
    out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch
    n++
  }
  return out
}

const COLUMNS = [
  'id',
  'customer_id',
  'label',
  'user_agent',
  'registered',
  'created_at',
  'last_seen_at',
] as const

interface DeviceRow {
  id: string
  customer_id: string | null
  label: string
  user_agent: string
  registered: number
  created_at: number
  last_seen_at: number
}

function toRecord(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    customerId: row.customer_id,
    label: row.label,
    userAgent: row.user_agent,
    registered: Number(row.registered) === 1,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
  }
}

/**
 * Devices (B-7, C-1). A browser is identified by a 256-bit random token in the DEVICE_COOKIE;
 * only its SHA-256 is stored, so a database dump or an insider with read access (seed 002)
 * cannot impersonate a customer's registered device. Lookup is by hash: there is no secret
 * comparison to time.
 *
 * A device starts anonymous; a login attaches it to the customer; a confirmation sent to the
 * customer's registered contact makes it registered. A removed device is gone for good: its
 * token is treated as unknown and the browser gets a new, anonymous device.
 */
export class DeviceService {
  readonly #store: Store
  readonly #clock: Clock
  readonly #random: Random

  constructor(options: DeviceServiceOptions) {
    this.#store = options.store
    this.#clock = options.clock
    this.#random = options.random
  }

  /**
   * The device behind `token` (its last-seen time moved to now), or, when the token is missing,
   * malformed, unknown or belongs to a removed device, a new anonymous device with a fresh token.
   * Set the returned token in the cookie when `isNew`.
   */
  async identify(token: string | undefined, userAgent: string): Promise<IdentifiedDevice> {
    const now = this.#clock.now()
    if (token !== undefined && TOKEN_SHAPE.test(token)) {
      const tokenHash = tokenHashOf(token)
      const row = await this.#store.db
        .selectFrom('devices')
        .select(COLUMNS)
        .where('token_hash', '=', tokenHash)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
      if (row !== undefined) {
        await this.#store.db
          .updateTable('devices')
          .set({ last_seen_at: now })
          .where('id', '=', row.id)
          .where('removed_at', 'is', null)
          .where('last_seen_at', '<', now)
          .execute()
        const device = toRecord(row)
        return { device: { ...device, lastSeenAt: Math.max(device.lastSeenAt, now) }, token, isNew: false }
      }
    }
    const fresh = this.#random.bytes(TOKEN_BYTES).toString('base64url')
    const row: DeviceRow = {
      id: newId(this.#random, 'dev'),
      customer_id: null,
      label: '',
      user_agent: cleanText(userAgent, USER_AGENT_MAX),
      registered: 0,
      created_at: now,
      last_seen_at: now,
    }
    await this.#store.db
      .insertInto('devices')
      .values({ ...row, token_hash: tokenHashOf(fresh), removed_at: null })
      .execute()
    return { device: toRecord(row), token: fresh, isNew: true }
  }

  /**
   * Records that `customerId` logged in from this device. Returns false, changing nothing, when
   * the device is removed, unknown, or already attached to another customer: one customer's
   * device (and its registration) never passes to another; treat it as unregistered for this
   * customer.
   */
  async attachToCustomer(deviceId: string, customerId: string): Promise<boolean> {
    const result = await this.#store.db
      .updateTable('devices')
      .set({ customer_id: customerId })
      .where('id', '=', deviceId)
      .where('removed_at', 'is', null)
      .where((eb) => eb.or([eb('customer_id', 'is', null), eb('customer_id', '=', customerId)]))
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /**
   * Marks the device registered to `customerId` under `label`, attaching it if still anonymous.
   * The caller has already verified a code sent to the customer's registered contact (B-7) and
   * sends the new-device notice (C-7). Throws DEVICE_NOT_FOUND when the device is unknown, removed
   * or another customer's; VALIDATION_FAILED when the label is empty.
   */
  async register(customerId: string, deviceId: string, label: string): Promise<void> {
    const clean = cleanText(label, LABEL_MAX).trim()
    if (clean === '') throw new MamoriError('VALIDATION_FAILED', 'a device needs a name', { field: 'label' })
    const result = await this.#store.db
      .updateTable('devices')
      .set({ customer_id: customerId, registered: 1, label: clean })
      .where('id', '=', deviceId)
      .where('removed_at', 'is', null)
      .where((eb) => eb.or([eb('customer_id', 'is', null), eb('customer_id', '=', customerId)]))
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) throw new MamoriError('DEVICE_NOT_FOUND', 'no such device')
  }

  /** True when the device is registered to this customer and not removed. */
  async isRegistered(customerId: string, deviceId: string): Promise<boolean> {
    const row = await this.#store.db
      .selectFrom('devices')
      .select('id')
      .where('id', '=', deviceId)
      .where('customer_id', '=', customerId)
      .where('registered', '=', 1)
      .where('removed_at', 'is', null)
      .executeTakeFirst()
    return row !== undefined
  }

  /** The customer's registered devices, oldest first. */
  async list(customerId: string): Promise<DeviceRecord[]> {
    const rows = await this.#store.db
      .selectFrom('devices')
      .select(COLUMNS)
      .where('customer_id', '=', customerId)
      .where('registered', '=', 1)
      .where('removed_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toRecord)
  }

  /**
   * Removes one of the customer's devices (registered or merely attached); its token stops being
   * recognized. Throws DEVICE_NOT_FOUND when it is unknown, already removed or another customer's.
   * Ending the sessions bound to it is the caller's part.
   */
  async remove(customerId: string, deviceId: string): Promise<void> {
    const result = await this.#store.db
      .updateTable('devices')
      .set({ removed_at: this.#clock.now(), registered: 0 })
      .where('id', '=', deviceId)
      .where('customer_id', '=', customerId)
      .where('removed_at', 'is', null)
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 0) throw new MamoriError('DEVICE_NOT_FOUND', 'no such device')
  }

  /**
   * Removes every device attached to the customer, registered or not (B-7: "all devices can be
   * removed from that confirmation"); returns how many.
   */
  async removeAll(customerId: string): Promise<number> {
    const result = await this.#store.db
      .updateTable('devices')
      .set({ removed_at: this.#clock.now(), registered: 0 })
      .where('customer_id', '=', customerId)
      .where('removed_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }
}
