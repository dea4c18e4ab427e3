/**
 * Shared by the engine's tests only (it belongs in test/support/, kept here while the engine is
 * the one user): an in-memory `TypologyContext` over an array of events, origins, a trained model
 * and small typologies. All are real implementations of their interfaces, not mocks.
 */
import type { AccessAction, AccessEvent, AccessOrigin, OriginCustomer } from '../../src/risk/events/index.js'
import { RbaModel } from '../../src/risk/model/index.js'
import type {
  InstrumentFacts,
  Severity,
  Typology,
  TypologyContext,
  TypologyHit,
} from '../../src/risk/typologies/index.js'
import { rbaFeaturesOf } from '../../src/risk/engine/rbaPoints.js'

const DAY = 86_400_000

/** 2025-05-12 10:00 JST, as the typology fixture. */
export const T0 = Date.UTC(2025, 4, 12, 1, 0, 0)

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

type Origin = Pick<
  AccessEvent,
  | 'ip'
  | 'asn'
  | 'asnName'
  | 'network'
  | 'country'
  | 'city'
  | 'latitude'
  | 'longitude'
  | 'hosting'
  | 'userAgent'
  | 'browser'
  | 'os'
  | 'deviceType'
  | 'deviceId'
>

/** The customer's home PC on NTT OCN, Tokyo. */
export const HOME: Origin = Object.freeze({
  ip: '203.0.113.10',
  asn: 4713,
  asnName: 'NTT Communications Corporation',
  network: 'asn:4713',
  country: 'JP',
  city: 'Tokyo',
  latitude: 35.6895,
  longitude: 139.6917,
  hosting: false,
  userAgent: CHROME_WINDOWS,
  browser: 'Chrome 124',
  os: 'Windows 10',
  deviceType: 'desktop',
  deviceId: 'dev-home',
})

/** A phishing relay in Beijing presenting the victim's own browser string (seed 003). */
export const ATTACKER: Origin = Object.freeze({
  ...HOME,
  ip: '198.51.100.88',
  asn: 4837,
  asnName: 'CHINA UNICOM China169 Backbone',
  network: 'asn:4837',
  country: 'CN',
  city: 'Beijing',
  latitude: 39.9042,
  longitude: 116.4074,
  deviceId: 'dev-attacker',
})

let counter = 0

/** An access event from `origin` (default HOME) at T0. */
export function accessEvent(
  action: AccessAction,
  customerId: string | null,
  origin: Origin = HOME,
  extra: Partial<AccessEvent> = {},
): AccessEvent {
  return Object.freeze({
    id: `acc-${++counter}`,
    at: T0,
    customerId,
    loginIdHash: null,
    sessionHash: null,
    action,
    outcome: 'success',
    ...origin,
    detail: Object.freeze({}),
    ...extra,
  })
}

/**
 * A model of 20 customers with a year of logins from their own home line (each on one of two
 * Japanese ISPs, all on the same Chrome). `cus-0` is the customer the tests log in as.
 */
export function trainedModel(): RbaModel {
  const model = new RbaModel()
  for (let c = 0; c < 20; c++) {
    const origin: Origin = {
      ...HOME,
      ip: `203.0.113.${10 + c}`,
      asn: c % 2 === 0 ? 4713 : 2516,
      network: c % 2 === 0 ? 'asn:4713' : 'asn:2516',
    }
    for (let i = 0; i < 12; i++) model.observe(`cus-${c}`, rbaFeaturesOf(origin))
  }
  return model
}

/** A typology with a fixed answer, on the given actions. */
export function fixedTypology(
  id: string,
  actions: readonly AccessAction[],
  severity: Severity | null,
): Typology & { calls: number } {
  const t = {
    id,
    actions,
    calls: 0,
    async evaluate(event: AccessEvent): Promise<TypologyHit | null> {
      t.calls++
      if (severity === null) return null
      return { typology: id, severity, reason: `${id} matched ${event.action}`, evidence: {} }
    },
  }
  return t
}

/** Flags a customer's operation from a network they never went through from in the past year. */
export function unseenNetwork(): Typology {
  return {
    id: 'unseenNetwork',
    actions: ['login', 'withdrawal', 'destination_change'],
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      if (event.customerId === null) return null
      if (
        await ctx.seenBefore(event.customerId, { network: event.network }, event.at - 365 * DAY, event.at)
      ) {
        return null
      }
      return {
        typology: 'unseenNetwork',
        severity: 'high',
        reason: `network ${event.network} never seen`,
        evidence: {},
      }
    },
  }
}

/** A `TypologyContext` over an array of events; every query bounded to [sinceMs, now). */
export class MemoryContext implements TypologyContext {
  readonly now: number
  readonly #events: readonly AccessEvent[]

  constructor(now: number, events: readonly AccessEvent[] = []) {
    this.now = now
    this.#events = [...events].sort((a, b) => b.at - a.at)
  }

  #range(sinceMs: number, keep: (e: AccessEvent) => boolean, limit = 1_000): readonly AccessEvent[] {
    return this.#events.filter((e) => e.at >= sinceMs && e.at < this.now && keep(e)).slice(0, limit)
  }

  async history(customerId: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#range(sinceMs, (e) => e.customerId === customerId, limit)
  }

  async byIp(ip: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#range(sinceMs, (e) => e.ip === ip, limit)
  }

  async byNetwork(network: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#range(sinceMs, (e) => e.network === network, limit)
  }

  async customersByOrigin(origin: AccessOrigin, sinceMs: number): Promise<readonly OriginCustomer[]> {
    const byCustomer = new Map<string, OriginCustomer>()
    for (const e of this.#range(sinceMs, (e) => matches(e, origin), Number.MAX_SAFE_INTEGER)) {
      if (e.customerId === null) continue
      const seen = byCustomer.get(e.customerId)
      byCustomer.set(e.customerId, {
        customerId: e.customerId,
        firstSeenAt: Math.min(seen?.firstSeenAt ?? e.at, e.at),
        lastSeenAt: Math.max(seen?.lastSeenAt ?? e.at, e.at),
        events: (seen?.events ?? 0) + 1,
        successes: (seen?.successes ?? 0) + (e.outcome === 'success' ? 1 : 0),
      })
    }
    return [...byCustomer.values()]
  }

  async seenBefore(
    customerId: string,
    origin: AccessOrigin,
    sinceMs: number,
    beforeMs: number,
  ): Promise<boolean> {
    return this.#events.some(
      (e) =>
        e.customerId === customerId &&
        e.outcome === 'success' &&
        e.at >= sinceMs &&
        e.at < Math.min(beforeMs, this.now) &&
        e.network !== 'net:invalid' &&
        matches(e, origin),
    )
  }

  async holdingsValue(): Promise<number> {
    return 0
  }

  async instrument(): Promise<InstrumentFacts | undefined> {
    return undefined
  }

  async ordersForSymbol(symbol: string, sinceMs: number, limit?: number): Promise<readonly AccessEvent[]> {
    return this.#range(sinceMs, (e) => e.action === 'order' && e.detail['symbol'] === symbol, limit)
  }
}

function matches(e: AccessEvent, origin: AccessOrigin): boolean {
  return (
    (origin.ip === undefined || e.ip === origin.ip) &&
    (origin.network === undefined || e.network === origin.network) &&
    (origin.deviceId === undefined || e.deviceId === origin.deviceId)
  )
}

/** `cus-0`'s year of logins from HOME, as the access history holds it. */
export function homeHistory(customerId = 'cus-0'): readonly AccessEvent[] {
  return [300, 200, 100, 30, 10].map((d) => accessEvent('login', customerId, HOME, { at: T0 - d * DAY }))
}
