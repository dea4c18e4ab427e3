import { MamoriError } from '../../errors/index.js'

export interface PasswordGateOptions {
  /** Verifications running at once (the libuv thread pool runs 4 by default). */
  readonly concurrency: number
  /** Waiting room for ordinary requests; beyond it they are refused at once. */
  readonly maxQueued: number
  /** Waiting room for requests from a device already known for the account. */
  readonly maxPriorityQueued: number
}

/**
 * Admission control for argon2id (B-10). Each verification costs ~20-40 ms of CPU and 19 MiB; a
 * credential-stuffing botnet can queue far more than the machine can verify, and a first-come
 * queue would make every honest login wait behind it. The gate runs a fixed number at once, keeps
 * a short waiting room and refuses the rest immediately (RATE_LIMITED, no argon2 work), and serves
 * requests from a device already attached to the account first, so its owner gets in under attack.
 */
export class PasswordGate {
  readonly #options: PasswordGateOptions
  #running = 0
  readonly #priority: (() => void)[] = []
  readonly #normal: (() => void)[] = []
  #refused = 0

  constructor(options: PasswordGateOptions) {
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) throw new TypeError('concurrency must be >= 1')
    this.#options = options
  }

  /** How many requests the gate has refused since start. */
  get refused(): number {
    return this.#refused
  }

  /** Runs `work` when a slot is free; refuses at once when the waiting room is full. */
  async run<T>(priority: boolean, work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#options.concurrency) {
      const queue = priority ? this.#priority : this.#normal
      const limit = priority ? this.#options.maxPriorityQueued : this.#options.maxQueued
      if (queue.length >= limit) {
        this.#refused++
        throw new MamoriError('RATE_LIMITED', 'too many login attempts are being processed; try again shortly')
      }
      await new Promise<void>((resolve) => queue.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await work()
    } finally {
      const next = this.#priority.shift() ?? this.#normal.shift()
      if (next !== undefined) next()
      else this.#running--
    }
  }
}
