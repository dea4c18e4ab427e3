import type { Reply } from './Browser.js'

/**
 * What an attacker did and saw, kept by the attacker's own hand from Mamori's HTTP answers
 * (status codes and error codes only — the simulator never reads the risk engine). The scorer adds
 * what only the ledger can say: the money that actually left, the trades that actually executed.
 */
export class AttackLog {
  readonly id: string
  readonly family: string
  readonly description: string
  /** The attack's steps in order; `stopped_at` is the furthest step any attempt reached and was stopped at. */
  readonly steps: readonly string[]
  startedAt: number | undefined
  endedAt: number | undefined
  /** Customer ids the attacker went after. */
  readonly targets = new Set<string>()
  /** Customer ids where the attacker held a working session of the customer's, or planted their own factor. */
  readonly takenOver = new Set<string>()
  /** Bank account numbers the attacker controls (forged same-name accounts): money there is lost. */
  readonly attackerAccounts = new Set<string>()
  /** Orders the attacker placed in victims' accounts that Mamori accepted (executed or resting). */
  readonly orderIds: string[] = []
  /** Addresses the attacker used. */
  readonly ips = new Set<string>()
  /** Staff ids the attacker acted as (the insider). */
  readonly staffIds = new Set<string>()
  /** How many attempts were stopped at each step, and with which answer. */
  readonly stops = new Map<string, number>()
  /** Steps reached (a request at that step got through). */
  readonly reached = new Map<string, number>()
  #furthestStop = -1
  #furthestStopCode = ''
  attempts = 0

  constructor(id: string, family: string, description: string, steps: readonly string[]) {
    this.id = id
    this.family = family
    this.description = description
    this.steps = steps
  }

  start(at: number): void {
    this.startedAt = Math.min(this.startedAt ?? at, at)
  }

  end(at: number): void {
    this.endedAt = Math.max(this.endedAt ?? at, at)
  }

  /** A step got through. */
  pass(step: string): void {
    this.#index(step)
    this.reached.set(step, (this.reached.get(step) ?? 0) + 1)
  }

  /** A step was stopped by Mamori; `answer` is the reply or the reason as the attacker saw it. */
  stop(step: string, answer: Reply<unknown> | string): void {
    const code = typeof answer === 'string' ? answer : answer.code ?? (answer.status === 202 ? 'HELD' : `HTTP_${answer.status}`)
    const key = `${step}:${code}`
    this.stops.set(key, (this.stops.get(key) ?? 0) + 1)
    const i = this.#index(step)
    if (i > this.#furthestStop) {
      this.#furthestStop = i
      this.#furthestStopCode = code
    }
  }

  /** The furthest step at which an attempt was stopped, with Mamori's answer there; null if nothing was stopped. */
  get stoppedAt(): string | null {
    return this.#furthestStop < 0 ? null : `${this.steps[this.#furthestStop]} (${this.#furthestStopCode})`
  }

  #index(step: string): number {
    const i = this.steps.indexOf(step)
    if (i < 0) throw new TypeError(`${this.id}: unknown step ${step}`)
    return i
  }
}

/** True when an answer is Mamori refusing or holding something (rather than success). */
export function refused(r: Reply<unknown>): boolean {
  return r.status >= 400 || r.status === 202 || (r.body as { status?: unknown }).status === 'held'
}
