import type { AccessEvent } from '../events/index.js'
import { environmentNovelty, familiarityWindow, type FamiliarityWindow } from './familiarity.js'
import { checkCount, checkDuration } from './optionChecks.js'
import { orderFacts } from './orderFacts.js'
import type { InstrumentFacts, Typology, TypologyContext, TypologyHit } from './Typology.js'

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000
/** Order events of the symbol read per evaluation. */
const MAX_ORDERS = 5_000
/** Customer ids listed in the evidence at most; the count is always complete. */
const LISTED_CUSTOMERS = 10

/** Thresholds of `pumpRing`. */
export interface PumpRingOptions {
  /**
   * Distinct accounts, the evaluated one included, buying the symbol from new environments.
   * Default 3: two unrelated customers trying a new phone on the same obscure stock the same
   * morning is a coincidence, three is a pattern.
   */
  readonly minAccounts?: number
  /** Default 2 h: seed 003's pumps bought through many victims' accounts within a trading session. */
  readonly windowMs?: number
  /** Segments a pump can move. Default: domestic and foreign small caps. */
  readonly illiquidSegments?: ReadonlySet<InstrumentFacts['segment']>
  /** Which history makes an environment familiar; defaults in `FamiliarityWindow`. */
  readonly familiarity?: Partial<FamiliarityWindow>
}

/**
 * A pump ring (C-3, C-6; seed 003): several accounts buying the same illiquid symbol, each from
 * an environment new to it, within the window. That is the 2025 wave seen from the market side:
 * one crew driving a thin stock up through many taken-over accounts. The evaluated order must
 * itself come from a new environment; earlier buyers count when their own order came from an
 * environment new to them at the time, whatever its outcome (a held buy is still an attempt).
 * The hit names the symbol (`evidence.symbol`, `evidence.freezeSymbol`) so the trading guard can
 * freeze buying it for new-environment sessions. Long-time holders buying from their usual
 * devices, or anyone buying a large cap, are not a ring. Critical.
 */
export function pumpRing(options: PumpRingOptions = {}): Typology {
  const config = Object.freeze({
    minAccounts: options.minAccounts ?? 3,
    windowMs: options.windowMs ?? 2 * HOUR_MS,
    illiquidSegments:
      options.illiquidSegments ?? new Set<InstrumentFacts['segment']>(['domestic_small', 'foreign_small']),
  })
  checkCount('minAccounts', config.minAccounts, 2)
  checkDuration('windowMs', config.windowMs)
  const window = familiarityWindow(options.familiarity)

  return Object.freeze({
    id: 'pumpRing',
    actions: Object.freeze(['order'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      const customerId = event.customerId
      const order = orderFacts(event)
      if (customerId === null || order === undefined || order.side !== 'buy') return null
      const instrument = await ctx.instrument(order.symbol)
      if (instrument === undefined || !config.illiquidSegments.has(instrument.segment)) return null
      if (!(await environmentNovelty(ctx, event, window)).isNew) return null

      // Each other buyer's orders, grouped so one new-environment buy per customer is enough.
      const buys = new Map<string, AccessEvent[]>()
      for (const e of await ctx.ordersForSymbol(order.symbol, event.at - config.windowMs, MAX_ORDERS)) {
        if (e.customerId === null || e.customerId === customerId || orderFacts(e)?.side !== 'buy') continue
        const list = buys.get(e.customerId)
        if (list === undefined) buys.set(e.customerId, [e])
        else list.push(e)
      }
      const ring = [customerId]
      for (const [other, events] of buys) {
        const seen = new Set<string>()
        for (const e of events) {
          const key = `${e.deviceId ?? ''}\u0000${e.network}`
          if (seen.has(key)) continue
          seen.add(key)
          if ((await environmentNovelty(ctx, e, window)).isNew) {
            ring.push(other)
            break
          }
        }
      }
      if (ring.length < config.minAccounts) return null

      const minutes = Math.round(config.windowMs / MINUTE_MS)
      return {
        typology: 'pumpRing',
        severity: 'critical',
        reason: `${ring.length} accounts bought ${order.symbol} (${instrument.segment.replace('_', ' ')}) from new environments in the last ${minutes} min`,
        evidence: {
          symbol: order.symbol,
          freezeSymbol: true,
          segment: instrument.segment,
          accounts: ring.length,
          customerIds: ring.slice(0, LISTED_CUSTOMERS).join(','),
          windowMinutes: minutes,
        },
      }
    },
  })
}
