import type { AccessEvent } from '../events/index.js'
import { environmentNovelty, familiarityWindow, isFamiliar, type FamiliarityWindow } from './familiarity.js'
import { checkDuration, checkShare } from './optionChecks.js'
import { holdingsBefore, orderFacts, orderValue, ordersInWindow, type InstrumentCache } from './orderFacts.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const HOUR_MS = 3_600_000

/** Thresholds of `liquidationFromNewEnvironment`. */
export interface LiquidationFromNewEnvironmentOptions {
  /**
   * Share of the holdings' value (as it was before the window) sold from new environments. Default
   * 0.7: "most of the holdings"; rebalancing sells a part, a takeover sells everything it can.
   */
  readonly minShare?: number
  /**
   * Below `minShare`, a sale from a new environment of at least this share is still a medium hit:
   * enough for the order profile's step-up (a passkey), not for a hold. Default 0: the attacker's
   * first partial sale is the one that must not execute (the simulator's sbi-2020+approves-once
   * sold a sixth of six portfolios before the cumulative share reached `minShare`), and for the
   * customer on a new phone a passkey touch is the whole cost. 1 turns it off.
   */
  readonly stepUpShare?: number
  /** Default 24 h: seed 003's sales ran within a session; a day joins sales split across logins. */
  readonly windowMs?: number
  /** Which history makes an environment familiar; defaults in `FamiliarityWindow`. */
  readonly familiarity?: Partial<FamiliarityWindow>
}

/**
 * Liquidation from a new environment (C-3, C-6; seeds 000 and 003): sell orders from
 * environments new to the customer (device and network both unfamiliar) that together sell at
 * least `minShare` of the holdings within the window — high, which holds the order. A smaller
 * sale from such an environment (at least `stepUpShare`) is medium, which asks for a passkey. The SBI attacker (seed 000) sold the
 * victims' securities before withdrawing; the 2025 wave (seed 003) sold them to fund the pump.
 * The order being evaluated is taken as not yet executed (the trading guard runs before
 * execution), so its shares are still in today's holdings; earlier sells and buys of the window
 * that went through are added back and taken off to value the holdings as they were. The same
 * sale from the customer's usual environment, or a small sale from a new one, is not flagged.
 * An order whose value cannot be known (no notional, no quantity) cannot be measured and is
 * left to the engine's own checks.
 */
export function liquidationFromNewEnvironment(options: LiquidationFromNewEnvironmentOptions = {}): Typology {
  const config = Object.freeze({
    minShare: options.minShare ?? 0.7,
    stepUpShare: options.stepUpShare ?? 0,
    windowMs: options.windowMs ?? 24 * HOUR_MS,
  })
  checkShare('minShare', config.minShare)
  if (!(config.stepUpShare >= 0 && config.stepUpShare <= 1)) throw new RangeError('stepUpShare must be between 0 and 1')
  checkDuration('windowMs', config.windowMs)
  const window = familiarityWindow(options.familiarity)

  return Object.freeze({
    id: 'liquidationFromNewEnvironment',
    actions: Object.freeze(['order'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      const customerId = event.customerId
      const order = orderFacts(event)
      if (customerId === null || order === undefined || order.side !== 'sell') return null
      if (!(await newForSelling(ctx, event, window))) return null
      const cache: InstrumentCache = new Map()
      const value = await orderValue(ctx, cache, order)
      if (value === undefined) return null

      const past = await ordersInWindow(ctx, cache, customerId, event.at - config.windowMs)
      const before = holdingsBefore(await ctx.holdingsValue(customerId), past)
      if (before <= 0) return null
      // Environments of earlier sells, judged at their own time; one query pair per distinct origin.
      const novel = new Map<string, Promise<boolean>>()
      let sold = value
      let sells = 1
      for (const p of past) {
        if (p.order.side !== 'sell') continue
        const key = `${p.event.deviceId ?? ''}\u0000${p.event.network}\u0000${p.event.ip}`
        let isNew = novel.get(key)
        if (isNew === undefined) {
          isNew = newForSelling(ctx, p.event, window)
          novel.set(key, isNew)
        }
        if (await isNew) {
          sold += p.value
          sells++
        }
      }
      const share = Math.min(1, sold / before)
      const liquidation = share >= config.minShare
      if (!liquidation && (share < config.stepUpShare || config.stepUpShare >= 1)) return null
      const percent = Math.round(share * 100)
      return {
        typology: 'liquidationFromNewEnvironment',
        severity: liquidation ? 'high' : 'medium',
        reason:
          `${sells} sell order${sells === 1 ? '' : 's'} from new environments in ${Math.round(config.windowMs / HOUR_MS)} h ` +
          `would sell ${percent}% of the holdings (¥${Math.round(sold).toLocaleString('en-US')} of ¥${Math.round(before).toLocaleString('en-US')})` +
          (liquidation ? '' : ': not yet a liquidation, but a sale from an environment new to the customer'),
        evidence: {
          symbol: order.symbol,
          orderValue: Math.round(value),
          soldFromNewEnvironments: Math.round(sold),
          holdingsBefore: Math.round(before),
          sharePercent: percent,
          sellOrders: sells,
          deviceId: event.deviceId,
          network: event.network,
        },
      }
    },
  })
}

/**
 * Whether a sell comes from an environment new to the customer: device and network both unknown,
 * or an unknown device on an address the customer never used, even inside their own provider's
 * network. The second is a residential proxy on the victim's ISP (the 2025 wave rented Japanese
 * home lines); a new phone at home keeps the home address and is not caught by it.
 */
async function newForSelling(ctx: TypologyContext, event: AccessEvent, window: FamiliarityWindow): Promise<boolean> {
  const n = await environmentNovelty(ctx, event, window)
  if (n.isNew) return true
  if (!n.newDevice || event.customerId === null) return false
  return !(await isFamiliar(ctx, event.customerId, { ip: event.ip }, event.at, window))
}
