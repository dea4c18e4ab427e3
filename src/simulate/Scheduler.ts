import type { ManualClock } from '../runtime/index.js'

/** Something that happens at a simulated moment: a customer's session, an attacker's next step, a background job. */
export interface SimTask {
  readonly at: number
  readonly label: string
  run(): Promise<void>
}

interface Entry {
  readonly at: number
  readonly seq: number
  /** A new task to start, or a sleeping one to wake. */
  readonly task?: SimTask
  readonly wake?: () => void
}

/**
 * Simulated time, shared by everyone. Tasks (a customer's session, an attack) run as coroutines:
 * one at a time, each until it finishes or sleeps (`sleep`: a person's seconds between two clicks,
 * an attacker's hours of patience), in the order of their simulated moments (ties in the order
 * they were scheduled). The scheduler sets the server's clock to each moment before it resumes
 * the task due then, so sessions overlap as they would in life — a replayed cookie arrives while
 * its owner is still clicking — and the clock never runs ahead of anyone. Only one request is ever
 * in flight, so a seed's run does not depend on how the machine schedules sockets or threads.
 */
export class Scheduler {
  readonly #clock: ManualClock
  readonly #heap: Entry[] = []
  #seq = 0
  /** Resolved when the running coroutine finishes or sleeps: the scheduler's turn again. */
  #turn: (() => void) | undefined
  #failure: Error | undefined
  done = 0

  constructor(clock: ManualClock) {
    this.#clock = clock
  }

  get pending(): number {
    return this.#heap.length
  }

  add(task: SimTask): void {
    this.#push({ at: task.at, seq: this.#seq++, task })
  }

  /** Schedules `run` at `at`. */
  at(at: number, label: string, run: () => Promise<void>): void {
    this.add({ at: Math.round(at), label, run })
  }

  /** Suspends the running task for `ms` of simulated time, letting every task due meanwhile run. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((wake) => {
      this.#push({ at: this.#clock.now() + Math.max(0, Math.round(ms)), seq: this.#seq++, wake })
      this.#yield()
    })
  }

  /** Runs every moment due before `until` (tasks they schedule included), then leaves the clock at `until`. */
  async runUntil(until: number, onTask?: (label: string) => void): Promise<void> {
    for (;;) {
      const next = this.#heap[0]
      if (next === undefined || next.at >= until) break
      this.#pop()
      if (next.at > this.#clock.now()) this.#clock.set(next.at)
      await new Promise<void>((turn) => {
        this.#turn = turn
        if (next.wake !== undefined) next.wake()
        else {
          const task = next.task!
          task.run().then(
            () => this.#finished(),
            (err: unknown) => {
              // A task that fails is a bug of the simulator: stop the run rather than score a partial one.
              this.#failure ??= err instanceof Error ? err : new Error(String(err))
              this.#finished()
            },
          )
        }
      })
      if (this.#failure !== undefined) throw this.#failure
      if (next.task !== undefined) onTask?.(next.task.label)
    }
    if (until > this.#clock.now()) this.#clock.set(until)
  }

  #finished(): void {
    this.done++
    this.#yield()
  }

  #yield(): void {
    const turn = this.#turn
    this.#turn = undefined
    turn?.()
  }

  #push(e: Entry): void {
    const h = this.#heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  #pop(): void {
    const h = this.#heap
    const last = h.pop()!
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l]!, h[m]!)) m = l
      if (r < h.length && before(h[r]!, h[m]!)) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}
