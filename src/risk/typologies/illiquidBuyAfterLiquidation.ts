import type { AccessEvent } from '../events/index.js'
import { checkDuration, checkShare } from './optionChecks.js'
import { holdingsBefore, orderFacts, ordersInWindow, type InstrumentCache } from './orderFacts.js'
import type { InstrumentFacts, Typology, TypologyContext, TypologyHit } from './Typology.js'

const HOUR_MS = 3_600_000

/** Thresholds of `illiquidBuyAfterLiquidation`. */
export interface IlliquidBuyAfterLiquidationOptions {
  /** Default 24 h: in seed 003 the pumped stock was bought with the proceeds of the same session's sales. */
  readonly windowMs?: number
  /**
   * Share of the holdings sold in the window that makes it a liquidation. Default 0.5, lower than
   * the 0.7 of `liquidationFromNewEnvironment`: here the buy that follows is the other half of
   * the pattern, and together the two say more than either.
   */
  readonly liquidationShare?: number
  /**
   * A buy of at least this share of the instrument's average daily volume is illiquid whatever its
   * segment. Default 0.05: one retail order moving a twentieth of a day's volume moves the price,
   * which is what a pump needs.
   */
  readonly advShare?: number
  /** Segments illiquid by nature. Default: foreign small caps, the Chinese stocks of seed 003. */
  readonly illiquidSegments?: ReadonlySet<InstrumentFacts['segment']>
}

/**
 * Buying illiquid stock after a liquidation (C-3, C-6; seed 003): a buy of a foreign small cap,
 * or of any stock in a quantity that is a large share of its average daily volume, by a
 * customer whose orders in the window sold at least `liquidationShare` of the holdings. In the
 * 2025 wave the attackers sold victims' holdings and spent the cash on thin Chinese small caps
 * they had bought cheaply beforehand, at inflated prices. Buying a large cap after selling, or a
 * small cap without a sale, is not flagged. High; critical when the buy is both a foreign small
 * cap and a large share of its volume.
 */
export function illiquidBuyAfterLiquidation(options: IlliquidBuyAfterLiquidationOptions = {}): Typology {
  const config = Object.freeze({
    windowMs: options.windowMs ?? 24 * HOUR_MS,
    liquidationShare: options.liquidationShare ?? 0.5,
    advShare: options.advShare ?? 0.05,
    illiquidSegments: options.illiquidSegments ?? new Set<InstrumentFacts['segment']>(['foreign_small']),
  })
  checkDuration('windowMs', config.windowMs)
  checkShare('liquidationShare', config.liquidationShare)
  checkShare('advShare', config.advShare)

  return Object.freeze({
    id: 'illiquidBuyAfterLiquidation',
    actions: Object.freeze(['order'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      const customerId = event.customerId
      const order = orderFacts(event)
      if (customerId === null || order === undefined || order.side !== 'buy') return null
      const instrument = await ctx.instrument(order.symbol)
      if (instrument === undefined) return null
      const quantity =
        order.quantity ??
        (order.notional !== null && instrument.price > 0 ? order.notional / instrument.price : null)
      const thinSegment = config.illiquidSegments.has(instrument.segment)
      const advPart =
        quantity !== null && instrument.avgDailyVolume > 0 ? quantity / instrument.avgDailyVolume : null
      const largeForVolume = advPart !== null && advPart >= config.advShare
      if (!thinSegment && !largeForVolume) return null

      const cache: InstrumentCache = new Map([[instrument.symbol, Promise.resolve(instrument)]])
      const past = await ordersInWindow(ctx, cache, customerId, event.at - config.windowMs)
      const sold = past.reduce((sum, p) => sum + (p.order.side === 'sell' ? p.value : 0), 0)
      if (sold <= 0) return null
      const before = holdingsBefore(await ctx.holdingsValue(customerId), past)
      const share = before > 0 ? Math.min(1, sold / before) : 1
      if (share < config.liquidationShare) return null

      const hours = Math.round(config.windowMs / HOUR_MS)
      const what = [
        thinSegment ? `a ${instrument.segment.replace('_', ' ')} stock` : null,
        largeForVolume ? `${((advPart ?? 0) * 100).toFixed(1)}% of its average daily volume` : null,
      ]
        .filter((s) => s !== null)
        .join(', ')
      return {
        typology: 'illiquidBuyAfterLiquidation',
        severity: thinSegment && largeForVolume ? 'critical' : 'high',
        reason: `buy of ${order.symbol} (${what}) after selling ${Math.round(share * 100)}% of the holdings in the last ${hours} h`,
        evidence: {
          symbol: order.symbol,
          segment: instrument.segment,
          quantity,
          advPercent: advPart === null ? null : Math.round(advPart * 1_000) / 10,
          soldInWindow: Math.round(sold),
          holdingsBefore: Math.round(before),
          liquidatedPercent: Math.round(share * 100),
          windowHours: hours,
        },
      }
    },
  })
}
