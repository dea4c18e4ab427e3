import { MamoriError } from '../errors/index.js'
import type { Clock } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { runDailyMonitor, type DailyMonitorOptions, type DailyMonitorReport } from './dailyMonitor.js'
import { JST_OFFSET_MS, jstDate } from './monitorDay.js'

const DAY_MS = 86_400_000
const MINUTE_MS = 60_000

/** The two log calls the scheduler makes; a pino logger fits. */
export interface MonitorLogger {
  info(fields: object, message: string): void
  error(fields: object, message: string): void
}

/** Timer functions, injectable so tests drive time; the global ones by default. */
export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** What a `DailyMonitorScheduler` runs and when. */
export interface DailyMonitorSchedulerOptions {
  readonly store: Store
  readonly clock: Clock
  /** Local time in Japan (JST) to run at, `HH:MM`. Default `06:00`, before the market opens and after the night's batch. */
  readonly runAt?: string
  /** Also passed to each run: random, the server's access log, pump ring thresholds. */
  readonly monitor?: Omit<DailyMonitorOptions, 'day' | 'clock'>
  readonly logger?: MonitorLogger
  /** Told of each report (metrics, tests). */
  readonly onReport?: (report: DailyMonitorReport) => void
  /** Longest wait between two looks at the clock; the clock can jump (NTP, a suspended VM). Default 1 min. */
  readonly pollMs?: number
  /** How long to wait before trying a failed day again. Default 15 min. */
  readonly retryMs?: number
  /**
   * On start, check the previous day at once when today's run time has already passed (a node
   * started at noon). Default true; harmless thanks to the monitor's idempotency.
   */
  readonly catchUp?: boolean
  readonly timers?: SchedulerTimers
}

const NOOP_LOGGER: MonitorLogger = Object.freeze({ info: () => undefined, error: () => undefined })
const GLOBAL_TIMERS: SchedulerTimers = Object.freeze({
  setTimeout: (fn: () => void, ms: number): unknown => {
    const handle = setTimeout(fn, ms)
    // The server's own handles keep the process alive; a pending monitor run must not.
    handle.unref()
    return handle
  },
  clearTimeout: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
})

/**
 * Runs the daily monitor (D-6) once a day at a configured time in Japan, inside the server. Runs
 * never overlap (a look at the clock while one runs does nothing); a failed run is logged and the
 * day tried again after `retryMs`, and the scheduler keeps going. Each node of a multi-node
 * deployment may run one: a finding is raised once however many runs see it.
 */
export class DailyMonitorScheduler {
  readonly #o: Readonly<{
    store: Store
    clock: Clock
    runAtMs: number
    monitor: Omit<DailyMonitorOptions, 'day' | 'clock'>
    logger: MonitorLogger
    onReport: ((report: DailyMonitorReport) => void) | undefined
    pollMs: number
    retryMs: number
    catchUp: boolean
    timers: SchedulerTimers
  }>
  #timer: unknown = undefined
  #running: Promise<void> | undefined
  #started = false
  /** The last JST day checked successfully (or skipped on start without catch-up). */
  #lastDay: string | undefined
  #retryAt = 0

  constructor(options: DailyMonitorSchedulerOptions) {
    const pollMs = options.pollMs ?? MINUTE_MS
    const retryMs = options.retryMs ?? 15 * MINUTE_MS
    if (!Number.isSafeInteger(pollMs) || pollMs < 1) throw new TypeError('pollMs must be a positive integer (ms)')
    if (!Number.isSafeInteger(retryMs) || retryMs < 1) throw new TypeError('retryMs must be a positive integer (ms)')
    this.#o = Object.freeze({
      store: options.store,
      clock: options.clock,
      runAtMs: parseRunAt(options.runAt ?? '06:00'),
      monitor: Object.freeze({ ...options.monitor }),
      logger: options.logger ?? NOOP_LOGGER,
      onReport: options.onReport,
      pollMs,
      retryMs,
      catchUp: options.catchUp ?? true,
      timers: options.timers ?? GLOBAL_TIMERS,
    })
  }

  /** The last JST day checked, if any. */
  get lastDay(): string | undefined {
    return this.#lastDay
  }

  /** Starts looking at the clock; the first look is now. */
  start(): void {
    if (this.#started) return
    this.#started = true
    if (!this.#o.catchUp) this.#lastDay = this.#dueDay(this.#o.clock.now())
    this.#tick()
  }

  /** Stops the timer and waits for a run in progress to end. */
  async stop(): Promise<void> {
    this.#started = false
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /**
   * The day to check at `now`: the day before the JST date of the latest run time at or before
   * `now` (at 05:59 JST with runAt 06:00, that is still the day before yesterday's).
   */
  #dueDay(now: number): string {
    return jstDate(now - this.#o.runAtMs - DAY_MS)
  }

  #tick(): void {
    this.#timer = undefined
    if (!this.#started) return
    const now = this.#o.clock.now()
    const day = this.#dueDay(now)
    if (this.#running === undefined && day !== this.#lastDay && now >= this.#retryAt) {
      this.#running = this.#run(day).finally(() => {
        this.#running = undefined
        this.#schedule()
      })
      return
    }
    this.#schedule()
  }

  #schedule(): void {
    if (!this.#started || this.#timer !== undefined || this.#running !== undefined) return
    const now = this.#o.clock.now()
    // The next run time in JST after now: today's at runAt, or tomorrow's.
    const jstNow = now + JST_OFFSET_MS
    let next = Math.floor(jstNow / DAY_MS) * DAY_MS + this.#o.runAtMs - JST_OFFSET_MS
    if (next <= now) next += DAY_MS
    const target = this.#retryAt > now ? Math.min(next, this.#retryAt) : next
    const delay = Math.max(1_000, Math.min(this.#o.pollMs, target - now))
    this.#timer = this.#o.timers.setTimeout(() => this.#tick(), delay)
  }

  async #run(day: string): Promise<void> {
    const started = this.#o.clock.now()
    try {
      const report = await runDailyMonitor(this.#o.store, { ...this.#o.monitor, day, clock: this.#o.clock })
      this.#lastDay = day
      this.#retryAt = 0
      this.#o.logger.info(
        { day, checked: report.checked, findings: report.findings.length, alertsRaised: report.alertsRaised, ms: this.#o.clock.now() - started },
        'daily monitor run',
      )
      try {
        this.#o.onReport?.(report)
      } catch (err) {
        this.#o.logger.error({ day, err }, 'daily monitor report listener failed')
      }
    } catch (err) {
      this.#retryAt = this.#o.clock.now() + this.#o.retryMs
      this.#o.logger.error({ day, err, retryInMs: this.#o.retryMs }, 'daily monitor run failed')
    }
  }
}

/** `HH:MM` (00:00 to 23:59) as ms after midnight; configuration, so CONFIG_INVALID for anything else. */
function parseRunAt(text: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text)
  if (m === null) throw new MamoriError('CONFIG_INVALID', `runAt must be HH:MM (JST), got ${JSON.stringify(text)}`)
  return (Number(m[1]) * 60 + Number(m[2])) * MINUTE_MS
}
