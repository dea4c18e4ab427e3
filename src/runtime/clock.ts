/**
 * Time is injected everywhere it matters (ledger timestamps, sessions, cooling periods,
 * TOTP windows) so tests can freeze and move it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

/** The wall clock. The only place product code reads real time. */
export const systemClock: Clock = Object.freeze({ now: (): number => Date.now() })

/** A clock that only moves when told to; for tests and the simulator. */
export class ManualClock implements Clock {
  #ms: number

  constructor(startMs: number) {
    if (!Number.isSafeInteger(startMs)) throw new TypeError('startMs must be a safe integer')
    this.#ms = startMs
  }

  now(): number {
    return this.#ms
  }

  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new TypeError('advance needs a non-negative integer')
    this.#ms += ms
  }

  set(ms: number): void {
    this.#ms = ms
  }
}
