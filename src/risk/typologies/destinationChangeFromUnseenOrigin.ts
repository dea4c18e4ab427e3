import type { AccessEvent } from '../events/index.js'
import { familiarityWindow, isFamiliar, type FamiliarityWindow } from './familiarity.js'
import { MOBILE_CARRIER_NETWORKS } from './sharedNetworks.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const DAY_MS = 86_400_000

/** Thresholds of `destinationChangeFromUnseenOrigin`. */
export interface DestinationChangeFromUnseenOriginOptions {
  /** Which history vouches for an origin; defaults in `FamiliarityWindow` (365 days back, settled 7 days). */
  readonly familiarity?: Partial<FamiliarityWindow>
  /**
   * Networks too shared to vouch. Default: the Japanese mobile carriers. Anyone on docomo is "on
   * the customer's network", even on the customer's address, if the customer ever used their
   * phone, so there only a familiar device vouches.
   */
  readonly sharedNetworks?: ReadonlySet<string>
}

/**
 * A withdrawal-destination change from an origin not seen for the customer in the past year
 * (C-3, C-5; seed 004). After the SBI incident (seed 000) the broker of seed 004 checked each of
 * 10,005 destination changes by matching the change's IP against the customer's past year of
 * access. An address alone is brittle (home lines are renumbered), so a known address vouches, and
 * a new address on a known network vouches only together with a known device; on a shared carrier
 * network, where address and network are shared with strangers, only a familiar device vouches.
 * Critical when address, network and device are all new; high when the customer's own device is on
 * an unknown network (a hotel, a new ISP) or a new device is on a new address of a known network
 * (a residential proxy in the customer's ISP).
 */
export function destinationChangeFromUnseenOrigin(
  options: DestinationChangeFromUnseenOriginOptions = {},
): Typology {
  const window = familiarityWindow(options.familiarity)
  const sharedNetworks = options.sharedNetworks ?? MOBILE_CARRIER_NETWORKS

  return Object.freeze({
    id: 'destinationChangeFromUnseenOrigin',
    actions: Object.freeze(['destination_change'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      const customerId = event.customerId
      if (customerId === null) return null
      const shared = sharedNetworks.has(event.network)
      const knownIp = await isFamiliar(ctx, customerId, { ip: event.ip }, event.at, window)
      if (knownIp && !shared) return null
      const knownDevice =
        event.deviceId !== null &&
        (await isFamiliar(ctx, customerId, { deviceId: event.deviceId }, event.at, window))
      // Behind carrier-grade NAT the address and the network are shared with strangers: only the device vouches.
      if (shared && knownDevice) return null
      const knownNetwork =
        knownIp || (await isFamiliar(ctx, customerId, { network: event.network }, event.at, window))
      // The customer's own device on a new address of their network (a renumbered home line) is them.
      if (knownNetwork && !shared && knownDevice) return null
      // A new device on a new address of the customer's large ISP is not: residential proxies rent
      // exactly such addresses (seed 003's attackers used Japanese ones), so it is held as high.
      const proxyLike = knownNetwork && !shared && !knownDevice

      const days = Math.round(window.lookbackMs / DAY_MS)
      const where = `${event.ip} (${event.network}${event.hosting ? ', hosting/VPN' : ''})`
      // A customer with no settled history (enrolled this week, or back after a year) has nothing
      // to compare with: every origin is "unseen". Held for a person to look at, not frozen — the
      // freeze was catching honest new customers adding their first destination from home.
      const unsettled = !knownDevice && !proxyLike && !(await hasSettledHistory(ctx, customerId, event.at, window))
      return {
        typology: 'destinationChangeFromUnseenOrigin',
        severity: knownDevice || proxyLike || unsettled ? 'high' : 'critical',
        reason: unsettled
          ? `destination change from ${where} by a customer with no settled history to compare with`
          : proxyLike
          ? `destination change from ${where}, a new address of the customer's network, on a device never seen for this customer in ${days} days`
          : knownNetwork
          ? `destination change from ${where}, a shared carrier network, on a device never seen for this customer in ${days} days`
          : `destination change from ${where}, never seen for this customer in ${days} days` +
            (knownDevice ? ' (on a known device)' : ''),
        evidence: {
          ip: event.ip,
          network: event.network,
          deviceId: event.deviceId,
          knownIp,
          knownNetwork,
          knownDevice,
          sharedNetwork: shared,
          destinationId:
            typeof event.detail['destinationId'] === 'string' ? event.detail['destinationId'] : null,
          lookbackDays: days,
        },
      }
    },
  })
}

/** Whether the customer went through successfully at all within the familiarity window. */
async function hasSettledHistory(ctx: TypologyContext, customerId: string, at: number, window: FamiliarityWindow): Promise<boolean> {
  const before = at - window.settleMs
  for (const e of await ctx.history(customerId, at - window.lookbackMs, 5_000)) {
    if (e.outcome === 'success' && e.at < before) return true
  }
  return false
}
