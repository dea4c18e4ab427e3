import type { AccessAction, AccessEvent, AccessOrigin, OriginCustomer } from '../events/index.js'

/** How strongly a typology hit should weigh in the decision. */
export type Severity = 'low' | 'medium' | 'high' | 'critical'

/** One typology matching one event, with the reason a person reads and the evidence behind it. */
export interface TypologyHit {
  readonly typology: string
  readonly severity: Severity
  /** A sentence for the analyst, e.g. "destination change from 203.0.113.7 (AS64500), never seen for this customer in 365 days". */
  readonly reason: string
  readonly evidence: Readonly<Record<string, string | number | boolean | null>>
}

/** What an instrument looks like to the trading typologies. */
export interface InstrumentFacts {
  readonly symbol: string
  readonly segment: 'domestic_large' | 'domestic_small' | 'foreign_small'
  readonly avgDailyVolume: number
  readonly price: number
}

/**
 * Everything a typology may ask about the world, answered from the access history (C-1) and the
 * brokerage core. The event being evaluated is NOT yet in the history. Implementations must be
 * read-only.
 */
export interface TypologyContext {
  readonly now: number
  /** The customer's events in [sinceMs, now), newest first. */
  history(customerId: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]>
  /** Events from one IP address in [sinceMs, now), newest first. */
  byIp(ip: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]>
  /** Events from one network (AccessEvent.network) in [sinceMs, now), newest first. */
  byNetwork(network: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]>
  /** Customers an origin (ip, network or device) touched since `sinceMs`. */
  customersByOrigin(origin: AccessOrigin, sinceMs: number): Promise<readonly OriginCustomer[]>
  /** Whether the customer used this origin in [sinceMs, beforeMs). */
  seenBefore(customerId: string, origin: AccessOrigin, sinceMs: number, beforeMs: number): Promise<boolean>
  /** The market value (yen) of the customer's holdings now, cash excluded. */
  holdingsValue(customerId: string): Promise<number>
  /** Facts about an instrument, or undefined when unknown. */
  instrument(symbol: string): Promise<InstrumentFacts | undefined>
  /** Order events for one symbol in [sinceMs, now), newest first (any customer). */
  ordersForSymbol(symbol: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]>
}

/**
 * One brokerage fraud pattern (C-3), in a file of its own, named after the pattern. It looks at
 * one event with its context and says whether the pattern matches. Typologies never decide: the
 * engine weighs their hits (C-4), and any of them can run in shadow mode.
 */
export interface Typology {
  readonly id: string
  /** The actions this typology looks at; others are skipped without a call. */
  readonly actions: readonly AccessAction[]
  evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null>
}
