import { seedInstruments } from '../../src/brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed, type InstrumentSpec } from '../../src/brokerage/reference/index.js'
import { marketSecuritiesAccount, postTransfer, securitiesAccount } from '../../src/ledger/index.js'
import { ManualClock } from '../../src/runtime/index.js'
import type { Store } from '../../src/store/index.js'
import {
  AccessLog,
  hashLoginId,
  type AccessAction,
  type AccessDetail,
  type AccessEvent,
  type AccessOutcome,
} from '../../src/risk/events/index.js'
import { DbTypologyContext } from '../../src/risk/typologies/DbTypologyContext.js'

const DAY_MS = 86_400_000

/**
 * 2025-05-12 10:00 JST, during the 2025 takeover wave (seed 003). Typology tests evaluate events
 * at or after this instant against history recorded before it.
 */
export const FIXTURE_T0 = Date.UTC(2025, 4, 12, 1, 0, 0)

/** Where an access comes from, as `enrichAccess` would have filled it in. */
export interface FixtureOrigin {
  readonly ip: string
  readonly network: string
  readonly asn: number | null
  readonly asnName: string | null
  readonly country: string | null
  readonly city: string | null
  readonly latitude: number | null
  readonly longitude: number | null
  readonly hosting: boolean
  readonly userAgent: string
  readonly browser: string | null
  readonly os: string | null
  readonly deviceType: AccessEvent['deviceType']
  readonly deviceId: string | null
}

const WINDOWS_CHROME = {
  userAgent:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  browser: 'Chrome 124',
  os: 'Windows 10',
  deviceType: 'desktop',
} as const
const IPHONE_SAFARI = {
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  browser: 'Mobile Safari 17',
  os: 'iOS 17.4',
  deviceType: 'mobile',
} as const

const TOKYO = { country: 'JP', city: 'Tokyo', latitude: 35.6895, longitude: 139.6917 } as const
const OSAKA = { country: 'JP', city: 'Osaka', latitude: 34.6937, longitude: 135.5023 } as const

/**
 * Origins for typology tests. Addresses are from the documentation ranges (RFC 5737) except where
 * an address must be on a listed network; network keys, locations and user agents are what the
 * intel folder would give for such an access.
 */
export const ORIGINS = Object.freeze({
  /** The customer's home PC on NTT OCN in Tokyo. */
  home: {
    ip: '203.0.113.10',
    network: 'asn:4713',
    asn: 4713,
    asnName: 'NTT Communications Corporation',
    ...TOKYO,
    hosting: false,
    ...WINDOWS_CHROME,
    deviceId: 'dev-home-pc',
  },
  /** The customer's iPhone on docomo (a mobile carrier: CGNAT). */
  phone: {
    ip: '198.51.100.20',
    network: 'asn:9605',
    asn: 9605,
    asnName: 'NTT DOCOMO, INC.',
    ...TOKYO,
    hosting: false,
    ...IPHONE_SAFARI,
    deviceId: 'dev-iphone',
  },
  /** The customer's home PC carried to a café on another ISP (BIGLOBE). */
  cafe: {
    ip: '192.0.2.30',
    network: 'asn:2518',
    asn: 2518,
    asnName: 'BIGLOBE Inc.',
    ...TOKYO,
    hosting: false,
    ...WINDOWS_CHROME,
    deviceId: 'dev-home-pc',
  },
  /** The customer's home PC in an Osaka hotel (OPTAGE). */
  osakaHotel: {
    ip: '192.0.2.40',
    network: 'asn:17511',
    asn: 17511,
    asnName: 'OPTAGE Inc.',
    ...OSAKA,
    hosting: false,
    ...WINDOWS_CHROME,
    deviceId: 'dev-home-pc',
  },
  /** An attacker's PC on a Chinese residential line in Beijing. */
  beijing: {
    ip: '198.51.100.88',
    network: 'asn:4837',
    asn: 4837,
    asnName: 'CHINA UNICOM China169 Backbone',
    country: 'CN',
    city: 'Beijing',
    latitude: 39.9042,
    longitude: 116.4074,
    hosting: false,
    ...WINDOWS_CHROME,
    deviceId: 'dev-attacker',
  },
  /** An attacker's script on a hosting provider's server (a VPS), without a device cookie. */
  vps: {
    ip: '192.0.2.66',
    network: 'asn:64500',
    asn: 64500,
    asnName: 'EXAMPLE-HOSTING',
    country: 'SG',
    city: 'Singapore',
    latitude: 1.2897,
    longitude: 103.8501,
    hosting: true,
    userAgent: 'python-requests/2.31.0',
    browser: null,
    os: null,
    deviceType: 'other',
    deviceId: null,
  },
} satisfies Record<string, FixtureOrigin>)

/** One event to build: who, when, what, from where. */
export interface FixtureEventSpec {
  readonly customerId: string | null
  readonly at: number
  readonly action: AccessAction
  readonly outcome?: AccessOutcome
  readonly origin: FixtureOrigin
  readonly detail?: AccessDetail
  /** The login ID typed, on login attempts (only its hash is kept). */
  readonly loginId?: string
}

/** A real store with the instrument catalogue, a real access log and a price feed, for typology tests. */
export interface TypologyFixture {
  readonly store: Store
  readonly log: AccessLog
  readonly prices: PriceFeed
  readonly catalog: readonly InstrumentSpec[]
  /** The event as `enrichAccess` would build it; not recorded. */
  event(spec: FixtureEventSpec): AccessEvent
  /** Builds the event and records it in the access log. */
  record(spec: FixtureEventSpec): AccessEvent
  /** Successful logins from each origin `days` days before `FIXTURE_T0`: a customer's habits. */
  recordHabit(customerId: string, origins: readonly FixtureOrigin[], days?: readonly number[]): void
  /** The context at `now` (default: the event's time is what typologies are evaluated at). */
  context(now: number): DbTypologyContext
  /** Credits the customer with shares, as if bought long ago. */
  give(customerId: string, symbol: string, quantity: number): Promise<void>
  /** Debits the customer's shares, as an executed sale does in the ledger. */
  take(customerId: string, symbol: string, quantity: number): Promise<void>
  /** The first instrument of a segment in the catalogue. */
  symbolOf(segment: InstrumentSpec['segment']): InstrumentSpec
  /** An id no other test in the file uses. */
  unique(prefix: string): string
  close(): Promise<void>
}

/**
 * Opens the fixture on a migrated store (one per dialect, from test/support/dialects.ts). Only
 * typology tests use it; it lives beside them because the typology folder is their whole world.
 */
export async function openTypologyFixture(store: Store): Promise<TypologyFixture> {
  const catalog = buildInstrumentCatalog()
  await seedInstruments(store.db, catalog)
  const prices = new PriceFeed(7, catalog)
  const log = new AccessLog({ store, clock: new ManualClock(FIXTURE_T0), flushIntervalMs: 60_000 })
  let counter = 0
  const unique = (prefix: string): string => `${prefix}-${++counter}`

  const event = (spec: FixtureEventSpec): AccessEvent => ({
    id: unique('acc'),
    at: spec.at,
    customerId: spec.customerId,
    loginIdHash: spec.loginId === undefined ? null : hashLoginId(spec.loginId),
    sessionHash: null,
    action: spec.action,
    outcome: spec.outcome ?? 'success',
    ip: spec.origin.ip,
    asn: spec.origin.asn,
    asnName: spec.origin.asnName,
    network: spec.origin.network,
    country: spec.origin.country,
    city: spec.origin.city,
    latitude: spec.origin.latitude,
    longitude: spec.origin.longitude,
    hosting: spec.origin.hosting,
    userAgent: spec.origin.userAgent,
    browser: spec.origin.browser,
    os: spec.origin.os,
    deviceType: spec.origin.deviceType,
    deviceId: spec.origin.deviceId,
    detail: Object.freeze({ ...(spec.detail ?? {}) }),
  })
  const record = (spec: FixtureEventSpec): AccessEvent => {
    const e = event(spec)
    log.record(e)
    return e
  }

  return {
    store,
    log,
    prices,
    catalog,
    event,
    record,
    recordHabit(customerId, origins, days = [300, 200, 120, 60, 30, 10]): void {
      for (const d of days) {
        for (const [i, origin] of origins.entries()) {
          record({ customerId, at: FIXTURE_T0 - d * DAY_MS + i * 60_000, action: 'login', origin })
        }
      }
    },
    context: (now) => new DbTypologyContext({ log, store, prices, now }),
    async give(customerId, symbol, quantity): Promise<void> {
      await store.transaction((trx) =>
        postTransfer(trx, {
          id: unique(`grant-${customerId}`),
          kind: 'test_grant',
          postings: [
            {
              debit: marketSecuritiesAccount(symbol),
              credit: securitiesAccount(customerId, symbol),
              amount: quantity,
            },
          ],
          at: FIXTURE_T0 - 400 * DAY_MS,
        }),
      )
    },
    async take(customerId, symbol, quantity): Promise<void> {
      await store.transaction((trx) =>
        postTransfer(trx, {
          id: unique(`sale-${customerId}`),
          kind: 'test_sale',
          postings: [
            {
              debit: securitiesAccount(customerId, symbol),
              credit: marketSecuritiesAccount(symbol),
              amount: quantity,
            },
          ],
          at: FIXTURE_T0,
        }),
      )
    },
    symbolOf(segment): InstrumentSpec {
      const spec = catalog.find((s) => s.segment === segment)
      if (spec === undefined) throw new TypeError(`no ${segment} instrument in the catalogue`)
      return spec
    },
    unique,
    close: () => log.close(),
  }
}
