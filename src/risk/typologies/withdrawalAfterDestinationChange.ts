import type { AccessEvent } from '../events/index.js'
import { checkCount, checkDuration } from './optionChecks.js'
import { familiarityWindow, isFamiliar, type FamiliarityWindow } from './familiarity.js'
import { isPlaceholderNetwork } from './sharedNetworks.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** Thresholds of `withdrawalAfterDestinationChange`. */
export interface WithdrawalAfterDestinationChangeOptions {
  /**
   * A withdrawal this soon after the change of its destination is flagged. Default 72 h, the
   * withdrawal guard's cooling period for a new destination (C-5): the SBI attacker (seed 000)
   * withdrew as soon as the forged account was registered.
   */
  readonly windowMs?: number
  /**
   * Within this time of the change, a withdrawal from another origin than the change's is
   * flagged. Default 30 days: an attacker who waits out the cooling period usually comes back
   * through another proxy, while a customer changes and uses a destination from the same device;
   * after a month the destination is simply the customer's.
   */
  readonly originWindowMs?: number
  /** Events of the customer read over `originWindowMs`. Default 5,000. */
  readonly maxHistory?: number
  /** Which history makes the withdrawal's device the customer's own; defaults in `FamiliarityWindow`. */
  readonly familiarity?: Partial<FamiliarityWindow>
}

/**
 * A withdrawal soon after a change of withdrawal destination, or from an origin other than the
 * change's (C-3, C-5; seeds 000 and 002, where stolen money went to forged same-name accounts
 * the attackers had just registered; seed 004's broker now compares the origins of destination
 * changes and withdrawals daily). The change is matched by `detail.destinationId`; a change or
 * withdrawal that does not say which destination is assumed to match. Changes that went through
 * or were held (a held change may be released) count. A device the customer had used (settled,
 * see `FamiliarityWindow`) before the change is theirs, not another origin. High for either
 * condition, critical for both.
 */
export function withdrawalAfterDestinationChange(
  options: WithdrawalAfterDestinationChangeOptions = {},
): Typology {
  const config = Object.freeze({
    windowMs: options.windowMs ?? 72 * HOUR_MS,
    originWindowMs: options.originWindowMs ?? 30 * DAY_MS,
    maxHistory: options.maxHistory ?? 5_000,
  })
  checkDuration('windowMs', config.windowMs)
  checkDuration('originWindowMs', config.originWindowMs)
  checkCount('maxHistory', config.maxHistory)
  const window = familiarityWindow(options.familiarity)

  return Object.freeze({
    id: 'withdrawalAfterDestinationChange',
    actions: Object.freeze(['withdrawal'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      if (event.customerId === null) return null
      const destinationId = textOrNull(event.detail['destinationId'])
      const since = event.at - Math.max(config.windowMs, config.originWindowMs)
      let best: { change: AccessEvent; recent: boolean; otherOrigin: boolean; score: number } | undefined
      for (const change of await ctx.history(event.customerId, since, config.maxHistory)) {
        if (
          change.action !== 'destination_change' ||
          (change.outcome !== 'success' && change.outcome !== 'held')
        )
          continue
        const changed = textOrNull(change.detail['destinationId'])
        if (destinationId !== null && changed !== null && changed !== destinationId) continue
        const age = event.at - change.at
        const recent = age < config.windowMs
        // Another origin than the change's, unless it is a device the customer already used well
        // before the change: the customer who adds a destination on the PC at home and withdraws
        // from their phone on the carrier a week later (the simulator found such withdrawals held).
        const otherOrigin =
          age < config.originWindowMs &&
          !sameOrigin(change, event) &&
          !(event.deviceId !== null && (await isFamiliar(ctx, event.customerId, { deviceId: event.deviceId }, change.at, window)))
        const score = (recent ? 2 : 0) + (otherOrigin ? 1 : 0)
        if (score > 0 && (best === undefined || score > best.score))
          best = { change, recent, otherOrigin, score }
      }
      if (best === undefined) return null
      const { change, recent, otherOrigin } = best
      const hours = Math.round((event.at - change.at) / HOUR_MS)
      const reasons = [
        recent ? `${hours} h after the destination was changed` : null,
        otherOrigin
          ? `from ${event.ip} (${event.network}), not the origin of the change (${change.ip}, ${change.network})`
          : null,
      ].filter((s) => s !== null)
      return {
        typology: 'withdrawalAfterDestinationChange',
        severity: recent && otherOrigin ? 'critical' : 'high',
        reason: `withdrawal ${reasons.join(' and ')}`,
        evidence: {
          destinationId: destinationId ?? textOrNull(change.detail['destinationId']),
          changedAt: change.at,
          hoursSinceChange: hours,
          changeIp: change.ip,
          changeNetwork: change.network,
          changeDeviceId: change.deviceId,
          withinCooling: recent,
          otherOrigin,
        },
      }
    },
  })
}

/** Same device, or same (real) network: the customer changing and withdrawing from home or phone. */
function sameOrigin(a: AccessEvent, b: AccessEvent): boolean {
  if (a.deviceId !== null && a.deviceId === b.deviceId) return true
  return a.network === b.network && !isPlaceholderNetwork(a.network)
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}
