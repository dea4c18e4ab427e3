import { CompiledQuery, sql, type Insertable, type Selectable } from 'kysely'
import { MamoriError } from '../../errors/index.js'
import type { Clock } from '../../runtime/index.js'
import type { AccessEventsTable, Store } from '../../store/index.js'
import { parseIpAddress } from '../intel/index.js'
import {
  isAccessAction,
  isAccessOutcome,
  withoutNul,
  type AccessDetail,
  type AccessDeviceType,
  type AccessEvent,
} from './AccessEvent.js'

const DAY_MS = 86_400_000
/** SQLite's default SQLITE_MAX_VARIABLE_NUMBER (32766 since 3.32); PostgreSQL allows 65535. */
const MAX_PARAMETERS = 32_766
/** The columns of access_events, in the order every bulk write lays them out. */
export const ACCESS_EVENT_COLUMNS = [
  'id',
  'at',
  'customer_id',
  'login_id_hash',
  'session_hash',
  'action',
  'outcome',
  'ip',
  'asn',
  'asn_name',
  'network',
  'country',
  'city',
  'latitude',
  'longitude',
  'hosting',
  'user_agent',
  'browser',
  'os',
  'device_type',
  'device_id',
  'detail_json',
] as const satisfies readonly (keyof AccessEventsTable)[]
/** Rows per INSERT statement so that one statement stays under the parameter limit. */
const ROWS_PER_STATEMENT = Math.floor(MAX_PARAMETERS / ACCESS_EVENT_COLUMNS.length)
/** Rows deleted per statement by retention, so a year's first prune does not hold the write lock for long. */
const PRUNE_CHUNK = 5_000
const MAX_QUERY_LIMIT = 100_000
const MAX_FAILURE_BACKOFF_MS = 30_000
/** Batches committed together when the writer is behind; bounds how long one commit holds SQLite's write lock. */
const MAX_BATCHES_PER_COMMIT = 10
const DEVICE_TYPES: ReadonlySet<string> = new Set(['desktop', 'mobile', 'tablet', 'other'])

/** Where and how an `AccessLog` writes. */
export interface AccessLogOptions {
  readonly store: Store
  readonly clock: Clock
  /** Events per INSERT; a full buffer is written at once. Default 500. */
  readonly batchSize?: number
  /** Longest time an event waits in memory before it is written. Default 200 ms. */
  readonly flushIntervalMs?: number
  /** How long events are kept by `applyRetention`. Default 365 days (the seed-004 look-back). */
  readonly retentionDays?: number
  /** Events kept in memory while the database refuses writes; beyond it the oldest are dropped and counted. Default 100,000. */
  readonly maxBuffered?: number
  /**
   * Transactions written at once when several batches are waiting. Default 4 on PostgreSQL, whose
   * pool serves them in parallel, and 1 on SQLite, which has one connection.
   */
  readonly writeConcurrency?: number
  /** Told about a batch that failed twice (the events stay buffered for the next flush), or a listener that threw. */
  readonly onError?: (error: unknown, state: AccessLogStats) => void
  /** Told about every INSERT statement written, with its row count (metrics, and tests counting batches). */
  readonly onWrite?: (rows: number) => void
}

/** Counters of an `AccessLog`, for metrics and operators. */
export interface AccessLogStats {
  /** Events recorded and not yet written (including any being written now). */
  readonly buffered: number
  /** Events written to the database since start. */
  readonly written: number
  /** Events dropped because the buffer was full while writes failed. Non-zero means the history has gaps. */
  readonly dropped: number
  /** Batches that failed after their retry since start. */
  readonly failures: number
}

/**
 * Told, synchronously, of every change `AccessLog` makes to the history, so that an in-memory
 * mirror (`AccessHistoryCache`) stays exactly what the table holds plus what is still buffered.
 * Listeners must not throw; one that does is isolated (the others are still told) and the error
 * is reported through `onError`.
 */
export interface AccessLogListener {
  /** `record` accepted the event (it passed the checks and is in the buffer). */
  recorded(event: AccessEvent): void
  /** Events dropped from the buffer unwritten, because the database refused writes for too long. */
  dropped(events: readonly AccessEvent[]): void
  /** Retention is deleting every event before `cutoffMs` (told before the first DELETE). */
  pruned(cutoffMs: number): void
}

/** An origin asked about; the fields given must all match on the same event. */
export interface AccessOrigin {
  readonly ip?: string
  readonly network?: string
  readonly deviceId?: string
}

/** One customer seen from an origin. */
export interface OriginCustomer {
  readonly customerId: string
  readonly firstSeenAt: number
  readonly lastSeenAt: number
  /** Events of any outcome from the origin. */
  readonly events: number
  /** Of which went through (`outcome = 'success'`). */
  readonly successes: number
}

type Row = Selectable<AccessEventsTable>
type Column = 'customer_id' | 'ip' | 'network' | 'device_id'

/** The event field each queried column holds. */
const EVENT_FIELD = Object.freeze({ customer_id: 'customerId', ip: 'ip', network: 'network', device_id: 'deviceId' } as const)

/** Newest first, ties by id descending: the order of the table queries. */
function newestFirst(a: AccessEvent, b: AccessEvent): number {
  if (a.at !== b.at) return b.at - a.at
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}
/** The columns an origin filters on. */
export type OriginColumn = Exclude<Column, 'customer_id'>
/** An origin as (column, stored value) pairs, all of which must match. */
export type OriginFilter = readonly (readonly [OriginColumn, string])[]

/**
 * The access history (C-1). `record` only appends to memory, so logging never slows a login; the
 * buffer goes to the database in multi-row INSERTs when `batchSize` events are waiting or
 * `flushIntervalMs` after the first of them. A batch that fails is retried once, then reported
 * through `onError` and kept for the next flush: history is evidence (seed 004 answered "was this
 * IP ever used by this customer?" for 10,005 changes within a day), so it is not dropped quietly.
 * Inserts ignore ids already stored, so a retry after a lost acknowledgement cannot duplicate.
 *
 * The by-customer, address, network and device queries read the table and merge what is not
 * written yet (a decision does not wait for the buffer to be written); the aggregate queries flush
 * first. Either way they see everything recorded before the call. All run on both dialects.
 */
export class AccessLog {
  readonly #store: Store
  readonly #clock: Clock
  readonly #config: Readonly<{
    batchSize: number
    flushIntervalMs: number
    retentionDays: number
    maxBuffered: number
    writeConcurrency: number
  }>
  readonly #onError: ((error: unknown, state: AccessLogStats) => void) | undefined
  readonly #onWrite: ((rows: number) => void) | undefined

  #buffer: AccessEvent[] = []
  /** Events taken from the buffer by the drain in progress and not yet written. */
  #inFlight = 0
  /** The events the drain in progress took (written or not yet): what a query merges with the table. */
  #writing: readonly AccessEvent[] = []
  #written = 0
  #dropped = 0
  #failures = 0
  /** Consecutive failed flushes; spaces out timer retries while the database is down. */
  #failing = 0
  #timer: NodeJS.Timeout | undefined
  /** The tail of the chain of flushes: writes never overlap, and each sees what was recorded before it was asked for. */
  #tail: Promise<void> = Promise.resolve()
  /** A flush is queued and has not started yet: it will take everything recorded until it starts. */
  #queued = false
  #closed = false
  /** The INSERT text per row count, compiled once by Kysely for this dialect. */
  readonly #insertSql = new Map<number, string>()
  readonly #listeners = new Set<AccessLogListener>()

  constructor(options: AccessLogOptions) {
    const config = {
      batchSize: options.batchSize ?? 500,
      flushIntervalMs: options.flushIntervalMs ?? 200,
      retentionDays: options.retentionDays ?? 365,
      maxBuffered: options.maxBuffered ?? 100_000,
      writeConcurrency: options.writeConcurrency ?? (options.store.dialect === 'postgres' ? 4 : 1),
    }
    positiveInteger('batchSize', config.batchSize)
    positiveInteger('flushIntervalMs', config.flushIntervalMs)
    positiveInteger('retentionDays', config.retentionDays)
    positiveInteger('maxBuffered', config.maxBuffered)
    positiveInteger('writeConcurrency', config.writeConcurrency)
    if (config.maxBuffered < config.batchSize) {
      throw new MamoriError('CONFIG_INVALID', 'maxBuffered must be at least batchSize')
    }
    this.#config = Object.freeze(config)
    this.#store = options.store
    this.#clock = options.clock
    this.#onError = options.onError
    this.#onWrite = options.onWrite
  }

  /** Counters: buffered, written, dropped, failed batches. */
  get stats(): AccessLogStats {
    return {
      buffered: this.#buffer.length + this.#inFlight,
      written: this.#written,
      dropped: this.#dropped,
      failures: this.#failures,
    }
  }

  /**
   * Appends one event to the buffer and returns at once. Throws a TypeError for an event that
   * could never be stored (so one bad event cannot block every later batch), and UNAVAILABLE after
   * `close`: an access that cannot be recorded must not go ahead unrecorded.
   */
  record(event: AccessEvent): void {
    if (this.#closed) throw new MamoriError('UNAVAILABLE', 'the access log is closed')
    checkEvent(event)
    this.#buffer.push(event)
    for (const listener of this.#listeners) this.#tell(() => listener.recorded(event))
    if (this.#buffer.length > this.#config.maxBuffered) this.#dropOldest()
    if (this.#buffer.length >= this.#config.batchSize && this.#failing === 0) {
      this.#background()
    } else if (this.#timer === undefined) {
      this.#arm(this.#config.flushIntervalMs)
    }
  }

  /**
   * Writes everything recorded before the call. Rejects with the database error when a batch fails
   * twice; the unwritten events are then back in the buffer for the next flush.
   */
  flush(): Promise<void> {
    this.#queued = true
    const run = this.#tail.then(() => this.#drain())
    this.#tail = run.catch(() => undefined)
    return run
  }

  /**
   * Tells `listener` of every event recorded, dropped or pruned from now on; returns the function
   * that stops it. Only this instance's changes are told: a second writer of the same table (another
   * process, another `AccessLog`) is invisible here.
   */
  subscribe(listener: AccessLogListener): () => void {
    this.#listeners.add(listener)
    return () => void this.#listeners.delete(listener)
  }

  /** Flushes and stops the timer; later `record` calls throw UNAVAILABLE. */
  async close(): Promise<void> {
    this.#closed = true
    this.#disarm()
    await this.flush()
  }

  /**
   * A customer's events since `sinceMs` (and before `beforeMs`, when given: a look back at a past
   * moment must not see what came after it), newest first.
   */
  byCustomer(customerId: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[]> {
    return this.#by('customer_id', customerId, sinceMs, limit, beforeMs)
  }

  /** Events from one address in [sinceMs, beforeMs), newest first (IPv4-mapped IPv6 matches its IPv4 form). */
  byIp(ip: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[]> {
    return this.#by('ip', canonicalIp(ip), sinceMs, limit, beforeMs)
  }

  /** Events from one network (`asn:N` or `net:…`) in [sinceMs, beforeMs), newest first. */
  byNetwork(network: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[]> {
    return this.#by('network', network, sinceMs, limit, beforeMs)
  }

  /** Events from one device in [sinceMs, beforeMs), newest first. */
  byDevice(deviceId: string, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<AccessEvent[]> {
    return this.#by('device_id', deviceId, sinceMs, limit, beforeMs)
  }

  /**
   * The customers an origin touched since `sinceMs`, with first and last time and how many events,
   * most recently seen first: one address or device across many accounts is seed 000's attacker.
   * Events without a customer (unknown login IDs) are not included.
   */
  async customersByOrigin(origin: AccessOrigin, sinceMs: number, limit = 1_000, beforeMs?: number): Promise<OriginCustomer[]> {
    const where = originFilter(origin)
    checkTime('sinceMs', sinceMs)
    if (beforeMs !== undefined) checkTime('beforeMs', beforeMs)
    checkLimit(limit)
    await this.flush()
    let query = this.#store.db
      .selectFrom('access_events')
      .select((eb) => [
        'customer_id',
        eb.fn.min('at').as('first_seen'),
        eb.fn.max('at').as('last_seen'),
        eb.fn.countAll().as('events'),
        eb.fn.sum(eb.case().when('outcome', '=', 'success').then(1).else(0).end()).as('successes'),
      ])
      .where('customer_id', 'is not', null)
      .where('at', '>=', sinceMs)
    if (beforeMs !== undefined) query = query.where('at', '<', beforeMs)
    for (const [column, value] of where) query = query.where(column, '=', value)
    const rows = await query
      .groupBy('customer_id')
      .orderBy('last_seen', 'desc')
      .orderBy('customer_id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      customerId: r.customer_id as string,
      firstSeenAt: Number(r.first_seen),
      lastSeenAt: Number(r.last_seen),
      events: Number(r.events),
      successes: Number(r.successes),
    }))
  }

  /**
   * Whether this customer went through from this origin in [sinceMs, beforeMs): the seed-004 check
   * of a destination change or withdrawal against the past year. Only successful events count:
   * an attacker's failed logins or held operations from an address must not make it familiar. An
   * invalid address or unknown network is never "seen": garbage shares one bucket, and a shared
   * bucket must not vouch for anyone.
   */
  async seenBefore(customerId: string, origin: AccessOrigin, sinceMs: number, beforeMs: number): Promise<boolean> {
    const where = vouchingFilter(origin, sinceMs, beforeMs)
    if (where === null) return false
    await this.flush()
    let query = this.#store.db
      .selectFrom('access_events')
      .select(sql<number>`1`.as('one'))
      .where('customer_id', '=', customerId)
      .where('outcome', '=', 'success')
      .where('at', '>=', sinceMs)
      .where('at', '<', beforeMs)
    for (const [column, value] of where) query = query.where(column, '=', value)
    return (await query.limit(1).executeTakeFirst()) !== undefined
  }

  /** Deletes events older than `cutoffMs`, a chunk at a time; returns how many went. */
  async pruneOlderThan(cutoffMs: number): Promise<number> {
    checkTime('cutoffMs', cutoffMs)
    for (const listener of this.#listeners) this.#tell(() => listener.pruned(cutoffMs))
    let deleted = 0
    for (;;) {
      const result = await this.#store.db
        .deleteFrom('access_events')
        .where('id', 'in', (eb) =>
          eb.selectFrom('access_events').select('id').where('at', '<', cutoffMs).limit(PRUNE_CHUNK),
        )
        .executeTakeFirst()
      const n = Number(result.numDeletedRows)
      deleted += n
      if (n < PRUNE_CHUNK) return deleted
    }
  }

  /** Deletes events older than `retentionDays` before the clock's now; returns how many went. */
  applyRetention(): Promise<number> {
    return this.pruneOlderThan(this.#clock.now() - this.#config.retentionDays * DAY_MS)
  }

  async #by(column: Column, value: string, sinceMs: number, limit: number, beforeMs: number | undefined): Promise<AccessEvent[]> {
    if (typeof value !== 'string') throw new TypeError(`${column} must be a string`)
    checkTime('sinceMs', sinceMs)
    if (beforeMs !== undefined) checkTime('beforeMs', beforeMs)
    checkLimit(limit)
    // No flush: the table is read as it is and the events not yet in it (buffered, or taken by the
    // write in progress) are merged in, so a decision for a customer the cache has not seen does
    // not wait for the whole buffer to be written first. An event of the write in progress may
    // already be in the table (SQLite: same connection; PostgreSQL: committed): ids deduplicate.
    const field = EVENT_FIELD[column]
    const inRange = (e: AccessEvent): boolean => e[field] === value && e.at >= sinceMs && (beforeMs === undefined || e.at < beforeMs)
    const pending = [...this.#writing.filter(inRange), ...this.#buffer.filter(inRange)]
    let query = this.#store.db
      .selectFrom('access_events')
      .selectAll()
      .where(column, '=', value)
      .where('at', '>=', sinceMs)
    if (beforeMs !== undefined) query = query.where('at', '<', beforeMs)
    const rows = await query
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    const stored = rows.map(accessEventFromRow)
    if (pending.length === 0) return stored
    const ids = new Set(stored.map((e) => e.id))
    return [...stored, ...pending.filter((e) => !ids.has(e.id))].sort(newestFirst).slice(0, limit)
  }

  /** Starts a flush in the background unless one is already queued; its failure is reported by `#drain`. */
  #background(): void {
    this.#disarm()
    if (this.#queued) return
    this.flush().catch(() => undefined)
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#background()
    }, delayMs)
    this.#timer.unref()
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /**
   * Writes the whole buffer, oldest first, one INSERT per batch. When the writer has fallen behind
   * and several batches are waiting, consecutive batches share a transaction (up to
   * MAX_BATCHES_PER_COMMIT): the commit (an fsync, and on SQLite the WAL pages of six indexes) is
   * most of a batch's cost, so this is how the log catches up instead of falling further behind.
   * With `writeConcurrency` above 1 (PostgreSQL), that many transactions run at once.
   */
  async #drain(): Promise<void> {
    this.#queued = false
    const taken = this.#buffer
    this.#buffer = []
    if (taken.length === 0) return
    this.#inFlight = taken.length
    this.#writing = taken
    const { batchSize, writeConcurrency } = this.#config
    const batches = Math.ceil(taken.length / batchSize)
    const perGroup = Math.min(MAX_BATCHES_PER_COMMIT, Math.ceil(batches / writeConcurrency)) * batchSize
    const groups: AccessEvent[][] = []
    for (let i = 0; i < taken.length; i += perGroup) groups.push(taken.slice(i, i + perGroup))
    const failed: AccessEvent[][] = []
    let firstError: unknown
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < groups.length && failed.length === 0) {
        const group = groups[next++]!
        try {
          try {
            await this.#write(group)
          } catch {
            await this.#write(group)
          }
          this.#written += group.length
          this.#inFlight -= group.length
        } catch (err) {
          if (failed.length === 0) firstError = err
          failed.push(group)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(writeConcurrency, groups.length) }, worker))
    this.#inFlight = 0
    this.#writing = []
    if (failed.length > 0) {
      // Back in front of anything recorded meanwhile, oldest first: the failed groups and those never started.
      const unwritten = groups.filter((g, i) => failed.includes(g) || i >= next)
      this.#buffer = unwritten.flat().concat(this.#buffer)
      if (this.#buffer.length > this.#config.maxBuffered) this.#dropOldest()
      this.#failures++
      this.#failing++
      this.#report(firstError)
      if (!this.#closed && this.#timer === undefined) {
        this.#arm(Math.min(this.#config.flushIntervalMs * 2 ** this.#failing, MAX_FAILURE_BACKOFF_MS))
      }
      throw firstError
    }
    this.#failing = 0
    if (this.#buffer.length > 0 && !this.#closed && this.#timer === undefined && !this.#queued) {
      this.#arm(this.#config.flushIntervalMs)
    }
  }

  /**
   * Consecutive batches in one commit: one INSERT per batch, split further only where a batch would
   * pass the parameter limit; a single statement needs no explicit transaction.
   */
  async #write(events: readonly AccessEvent[]): Promise<void> {
    const statements: CompiledQuery[] = []
    const sizes: number[] = []
    for (let b = 0; b < events.length; b += this.#config.batchSize) {
      const end = Math.min(b + this.#config.batchSize, events.length)
      for (let i = b; i < end; i += ROWS_PER_STATEMENT) {
        const chunk = events.slice(i, Math.min(i + ROWS_PER_STATEMENT, end))
        statements.push(this.#insert(chunk))
        sizes.push(chunk.length)
      }
    }
    if (statements.length === 1) {
      await this.#store.db.executeQuery(statements[0]!)
    } else {
      await this.#store.transaction(async (trx) => {
        for (const statement of statements) await trx.executeQuery(statement)
      })
    }
    if (this.#onWrite !== undefined) for (const rows of sizes) this.#onWrite(rows)
  }

  /**
   * The multi-row INSERT for `events`. Kysely compiles the statement text once per row count; the
   * parameters are laid out in the same column order, so a batch costs no query building (this is
   * most of the difference between 20,000 and 100,000+ events/s).
   */
  #insert(events: readonly AccessEvent[]): CompiledQuery {
    const parameters: unknown[] = new Array(events.length * ACCESS_EVENT_COLUMNS.length)
    let k = 0
    for (const e of events) {
      parameters[k++] = e.id
      parameters[k++] = e.at
      parameters[k++] = e.customerId
      parameters[k++] = e.loginIdHash
      parameters[k++] = e.sessionHash
      parameters[k++] = e.action
      parameters[k++] = e.outcome
      parameters[k++] = e.ip
      parameters[k++] = e.asn
      parameters[k++] = e.asnName
      parameters[k++] = e.network
      parameters[k++] = e.country
      parameters[k++] = e.city
      parameters[k++] = e.latitude
      parameters[k++] = e.longitude
      parameters[k++] = e.hosting ? 1 : 0
      parameters[k++] = e.userAgent
      parameters[k++] = e.browser
      parameters[k++] = e.os
      parameters[k++] = e.deviceType
      parameters[k++] = e.deviceId
      parameters[k++] = JSON.stringify(e.detail)
    }
    let text = this.#insertSql.get(events.length)
    if (text === undefined) {
      const compiled = this.#store.db
        .insertInto('access_events')
        .values(events.map(toRow))
        .onConflict((oc) => oc.column('id').doNothing())
        .compile()
      // The reuse above is only sound if Kysely laid the parameters out exactly as this loop does.
      const same =
        compiled.parameters.length === parameters.length && compiled.parameters.every((p, i) => Object.is(p, parameters[i]))
      if (!same) throw new Error('access_events INSERT parameters are not in column order')
      text = compiled.sql
      this.#insertSql.set(events.length, text)
    }
    return CompiledQuery.raw(text, parameters)
  }

  #dropOldest(): void {
    const excess = this.#buffer.length - this.#config.maxBuffered
    const dropped = this.#buffer.splice(0, excess)
    this.#dropped += excess
    for (const listener of this.#listeners) this.#tell(() => listener.dropped(dropped))
  }

  /** Runs one listener call; a listener's failure is reported and never reaches `record`'s caller. */
  #tell(call: () => void): void {
    try {
      call()
    } catch (err) {
      this.#report(err)
    }
  }

  #report(err: unknown): void {
    if (this.#onError === undefined) return
    try {
      this.#onError(err, this.stats)
    } catch {
      // A broken logger must not turn a failed flush into lost events.
    }
  }
}

function toRow(e: AccessEvent): Insertable<AccessEventsTable> {
  return {
    id: e.id,
    at: e.at,
    customer_id: e.customerId,
    login_id_hash: e.loginIdHash,
    session_hash: e.sessionHash,
    action: e.action,
    outcome: e.outcome,
    ip: e.ip,
    asn: e.asn,
    asn_name: e.asnName,
    network: e.network,
    country: e.country,
    city: e.city,
    latitude: e.latitude,
    longitude: e.longitude,
    hosting: e.hosting ? 1 : 0,
    user_agent: e.userAgent,
    browser: e.browser,
    os: e.os,
    device_type: e.deviceType,
    device_id: e.deviceId,
    detail_json: JSON.stringify(e.detail),
  }
}

/** An access event from its stored row (the inverse of what `record` writes). */
export function accessEventFromRow(r: Row): AccessEvent {
  return {
    id: r.id,
    at: Number(r.at),
    customerId: r.customer_id,
    loginIdHash: r.login_id_hash,
    sessionHash: r.session_hash,
    action: r.action as AccessEvent['action'],
    outcome: r.outcome as AccessEvent['outcome'],
    ip: r.ip,
    asn: r.asn === null ? null : Number(r.asn),
    asnName: r.asn_name,
    network: r.network,
    country: r.country,
    city: r.city,
    latitude: r.latitude === null ? null : Number(r.latitude),
    longitude: r.longitude === null ? null : Number(r.longitude),
    hosting: Number(r.hosting) === 1,
    userAgent: r.user_agent,
    browser: r.browser,
    os: r.os,
    deviceType: r.device_type as AccessDeviceType,
    deviceId: r.device_id,
    detail: parseDetail(r.detail_json),
  }
}

function parseDetail(json: string): AccessDetail {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as AccessDetail
  } catch {
    // Stored by this class, so unreachable short of manual edits; an empty detail beats a failed query.
  }
  return {}
}

/**
 * Rejects what could never be stored or would poison a batch: non-string text (a null where NOT
 * NULL), NUL characters (PostgreSQL refuses them), an unknown action or outcome.
 */
function checkEvent(e: AccessEvent): void {
  if (typeof e !== 'object' || e === null) throw new TypeError('event must be an AccessEvent')
  if (typeof e.id !== 'string' || e.id === '') throw new TypeError('event.id must be a non-empty string')
  checkTime('event.at', e.at)
  if (!isAccessAction(e.action)) throw new TypeError(`unknown access action ${String(e.action)}`)
  if (!isAccessOutcome(e.outcome)) throw new TypeError(`unknown access outcome ${String(e.outcome)}`)
  if (!DEVICE_TYPES.has(e.deviceType)) throw new TypeError(`unknown device type ${String(e.deviceType)}`)
  if (typeof e.hosting !== 'boolean') throw new TypeError('event.hosting must be a boolean')
  if (typeof e.detail !== 'object' || e.detail === null) throw new TypeError('event.detail must be an object')
  for (const key of ['id', 'ip', 'network', 'userAgent'] as const) cleanText(key, e[key], false)
  for (const key of ['customerId', 'loginIdHash', 'sessionHash', 'asnName', 'country', 'city', 'browser', 'os', 'deviceId'] as const) {
    cleanText(key, e[key], true)
  }
  for (const key of ['asn', 'latitude', 'longitude'] as const) {
    const v = e[key]
    if (v !== null && !Number.isFinite(v)) throw new TypeError(`event.${key} must be a finite number or null`)
  }
}

function cleanText(key: string, value: string | null, nullable: boolean): void {
  if (value === null && nullable) return
  if (typeof value !== 'string') throw new TypeError(`event.${key} must be a string${nullable ? ' or null' : ''}`)
  if (withoutNul(value) !== value) throw new TypeError(`event.${key} contains a NUL character`)
}

/**
 * What `seenBefore` filters on, after its argument checks; null when the answer is "not seen"
 * without reading: an invalid address or a placeholder network (garbage shares one bucket, and a
 * shared bucket must not vouch for anyone), or an empty window.
 */
export function vouchingFilter(origin: AccessOrigin, sinceMs: number, beforeMs: number): OriginFilter | null {
  const where = originFilter(origin)
  checkTime('sinceMs', sinceMs)
  checkTime('beforeMs', beforeMs)
  for (const [column, value] of where) {
    if (column === 'ip' && parseIpAddress(value) === undefined) return null
    if (column === 'network' && (value === 'net:invalid' || value === 'net:unknown')) return null
  }
  return beforeMs <= sinceMs ? null : where
}

/** An origin as column/value pairs in their stored form; TypeError for an empty or malformed origin. */
export function originFilter(origin: AccessOrigin): OriginFilter {
  const where: [OriginColumn, string][] = []
  if (origin.ip !== undefined) where.push(['ip', canonicalIp(origin.ip)])
  if (origin.network !== undefined) where.push(['network', origin.network])
  if (origin.deviceId !== undefined) where.push(['device_id', origin.deviceId])
  if (where.length === 0) throw new TypeError('an origin needs an ip, a network or a deviceId')
  for (const [column, value] of where) if (typeof value !== 'string') throw new TypeError(`${column} must be a string`)
  return where
}

/** The form `enrichAccess` stores: canonical text for an address, the input cut to 100 characters otherwise. */
export function canonicalIp(ip: string): string {
  if (typeof ip !== 'string') throw new TypeError('ip must be a string')
  return parseIpAddress(ip)?.text ?? withoutNul(ip.slice(0, 100))
}

/** A time argument: a safe integer (ms), else a TypeError. */
export function checkTime(name: string, ms: number): void {
  if (!Number.isSafeInteger(ms)) throw new TypeError(`${name} must be an integer (ms)`)
}

/** A query's row limit: an integer in [1, 100,000], else a TypeError. */
export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new TypeError(`limit must be an integer in [1, ${MAX_QUERY_LIMIT}]`)
  }
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new MamoriError('CONFIG_INVALID', `${name} must be a positive integer`)
}
