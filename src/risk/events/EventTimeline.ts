import type { AccessEvent } from './AccessEvent.js'

/**
 * Events in the order the access history reads them backwards: by time, then by id, oldest first.
 * `ORDER BY at DESC, id DESC` is this list walked from the end. Ids compare by UTF-16 code unit,
 * which is SQLite's BINARY collation and PostgreSQL's on the ASCII ids `accessEventId` makes.
 * Appending in time order is a push; anything else, and every range, is a bisection.
 */
export class EventTimeline {
  readonly #items: AccessEvent[] = []

  get length(): number {
    return this.#items.length
  }

  /** The event at index `i` (0 is the oldest). */
  at(i: number): AccessEvent {
    return this.#items[i]!
  }

  /**
   * Adds `event` in order. False, and nothing added, when an event with the same time and id is
   * already there: the table ignores a repeated id, so a retried or repeated record is one event.
   */
  insert(event: AccessEvent): boolean {
    const items = this.#items
    let i = items.length
    if (i > 0 && compare(items[i - 1]!, event) > 0) {
      // Out of order: the first event after it, by bisection.
      let lo = 0
      while (lo < i) {
        const mid = (lo + i) >>> 1
        if (compare(items[mid]!, event) <= 0) lo = mid + 1
        else i = mid
      }
    }
    if (i > 0 && compare(items[i - 1]!, event) === 0) return false
    if (i === items.length) items.push(event)
    else items.splice(i, 0, event)
    return true
  }

  /** Removes the event with `event`'s time and id; false when there is none. */
  remove(event: AccessEvent): boolean {
    const items = this.#items
    for (let i = this.lowerBound(event.at); i < items.length && items[i]!.at === event.at; i++) {
      if (items[i]!.id === event.id) {
        items.splice(i, 1)
        return true
      }
    }
    return false
  }

  /** Index of the first event at or after `ms` (the length when there is none). */
  lowerBound(ms: number): number {
    const items = this.#items
    let lo = 0
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (items[mid]!.at < ms) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Removes every event before `ms`; returns how many went. */
  dropBefore(ms: number): number {
    const n = this.lowerBound(ms)
    if (n > 0) this.#items.splice(0, n)
    return n
  }

  /** Removes the `n` oldest events and returns them. */
  dropOldest(n: number): AccessEvent[] {
    return this.#items.splice(0, n)
  }
}

function compare(a: AccessEvent, b: AccessEvent): number {
  if (a.at !== b.at) return a.at - b.at
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
