import type { AccessEvent, AccessOrigin, OriginCustomer } from '../events/index.js'
import type { InstrumentFacts, TypologyContext } from '../typologies/index.js'

/**
 * A `TypologyContext` that remembers every call of the real one that failed. A typology that
 * catches a context error and carries on would otherwise turn "the history could not be read" into
 * "nothing suspicious in the history"; the engine fails closed on any recorded failure, whatever
 * the typology then returned. One per typology evaluation, so a failure is attributed to the rule
 * that asked (and a shadowed rule's failures stay in shadow).
 */
export class GuardedContext implements TypologyContext {
  readonly #inner: TypologyContext
  /** `method: message` for each failed call, in order. */
  readonly failures: string[] = []

  constructor(inner: TypologyContext) {
    this.#inner = inner
  }

  get now(): number {
    try {
      const now = this.#inner.now
      if (!Number.isSafeInteger(now)) throw new TypeError(`now is ${String(now)}`)
      return now
    } catch (err) {
      this.failures.push(`now: ${messageOf(err)}`)
      throw err
    }
  }

  history(customerId: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#call('history', () => this.#inner.history(customerId, sinceMs, limit))
  }

  byIp(ip: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#call('byIp', () => this.#inner.byIp(ip, sinceMs, limit))
  }

  byNetwork(network: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#call('byNetwork', () => this.#inner.byNetwork(network, sinceMs, limit))
  }

  customersByOrigin(origin: AccessOrigin, sinceMs: number): Promise<readonly OriginCustomer[]> {
    return this.#call('customersByOrigin', () => this.#inner.customersByOrigin(origin, sinceMs))
  }

  seenBefore(customerId: string, origin: AccessOrigin, sinceMs: number, beforeMs: number): Promise<boolean> {
    return this.#call('seenBefore', () => this.#inner.seenBefore(customerId, origin, sinceMs, beforeMs))
  }

  holdingsValue(customerId: string): Promise<number> {
    return this.#call('holdingsValue', () => this.#inner.holdingsValue(customerId))
  }

  instrument(symbol: string): Promise<InstrumentFacts | undefined> {
    return this.#call('instrument', () => this.#inner.instrument(symbol))
  }

  ordersForSymbol(symbol: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#call('ordersForSymbol', () => this.#inner.ordersForSymbol(symbol, sinceMs, limit))
  }

  async #call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      this.failures.push(`${method}: ${messageOf(err)}`)
      throw err
    }
  }
}

/** An error's message for a reason sentence, bounded; never throws. */
export function messageOf(err: unknown): string {
  let text: string
  try {
    text = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  } catch {
    text = 'unprintable error'
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}
