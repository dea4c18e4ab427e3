import type { AccessEvent } from '../events/index.js'
import { checkCount, checkDuration } from './optionChecks.js'
import { CONSUMER_NETWORKS, MOBILE_CARRIER_NETWORKS, isPlaceholderNetwork } from './sharedNetworks.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const MINUTE_MS = 60_000
/** Events read per origin per evaluation; a stuffing run far past any threshold is still found. */
const MAX_EVENTS = 10_000

/** Thresholds of `credentialStuffing`. */
export interface CredentialStuffingOptions {
  /** Default 10 minutes: stuffing tools try a list in bursts; a customer's typos are seconds apart. */
  readonly windowMs?: number
  /**
   * Distinct login IDs failing from one address in the window. Default 10: a household shares an
   * address, but not ten login IDs, all wrong, within ten minutes.
   */
  readonly ipMinIds?: number
  /**
   * The same on an address of a mobile carrier. Default 30: carrier-grade NAT puts many subscribers
   * behind one address, so unrelated customers' typos add up there.
   */
  readonly sharedIpMinIds?: number
  /**
   * Distinct login IDs failing from one network in the window. Default 30: an attacker rotating
   * addresses inside one hosting provider or one /24 stays under the per-address count.
   */
  readonly networkMinIds?: number
  /** Networks where one address is shared by many subscribers. Default: the Japanese mobile carriers. */
  readonly sharedNetworks?: ReadonlySet<string>
  /**
   * Networks not counted as a whole. Default: the Japanese ISPs and carriers, each millions of
   * customers, whose ordinary typos would reach any network threshold at a large broker.
   */
  readonly consumerNetworks?: ReadonlySet<string>
}

/**
 * Credential stuffing (C-3, B-10): login failures from one address or network across many
 * distinct login IDs, counted by `loginIdHash`, so login IDs of non-customers count too and
 * none is stored. A failure is flagged high; a successful login from the same origin is
 * critical, because that is the list finding a password that works (seed 003's harvested
 * passwords, seed 000's reused ones). One customer mistyping their own ID is one ID, however
 * often.
 */
export function credentialStuffing(options: CredentialStuffingOptions = {}): Typology {
  const config = Object.freeze({
    windowMs: options.windowMs ?? 10 * MINUTE_MS,
    ipMinIds: options.ipMinIds ?? 10,
    sharedIpMinIds: options.sharedIpMinIds ?? 30,
    networkMinIds: options.networkMinIds ?? 30,
    sharedNetworks: options.sharedNetworks ?? MOBILE_CARRIER_NETWORKS,
    consumerNetworks: options.consumerNetworks ?? CONSUMER_NETWORKS,
  })
  checkDuration('windowMs', config.windowMs)
  checkCount('ipMinIds', config.ipMinIds, 2)
  checkCount('sharedIpMinIds', config.sharedIpMinIds, 2)
  checkCount('networkMinIds', config.networkMinIds, 2)

  return Object.freeze({
    id: 'credentialStuffing',
    actions: Object.freeze(['login_failed', 'login'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      const since = event.at - config.windowMs
      const own = event.action === 'login_failed' ? event.loginIdHash : null

      const ipMin = config.sharedNetworks.has(event.network) ? config.sharedIpMinIds : config.ipMinIds
      const ipIds = distinctFailedIds(await ctx.byIp(event.ip, since, MAX_EVENTS), own)
      if (ipIds >= ipMin) return hit(event, 'address', event.ip, ipIds, config.windowMs)

      if (isPlaceholderNetwork(event.network) || config.consumerNetworks.has(event.network)) return null
      const networkIds = distinctFailedIds(await ctx.byNetwork(event.network, since, MAX_EVENTS), own)
      if (networkIds >= config.networkMinIds)
        return hit(event, 'network', event.network, networkIds, config.windowMs)
      return null
    },
  })
}

/** Distinct login IDs among the failed logins, with the event's own ID. */
function distinctFailedIds(events: readonly AccessEvent[], own: string | null): number {
  const ids = new Set<string>()
  if (own !== null) ids.add(own)
  for (const e of events) if (e.action === 'login_failed' && e.loginIdHash !== null) ids.add(e.loginIdHash)
  return ids.size
}

function hit(
  event: AccessEvent,
  kind: 'address' | 'network',
  origin: string,
  ids: number,
  windowMs: number,
): TypologyHit {
  const minutes = Math.round(windowMs / MINUTE_MS)
  const succeeded = event.action === 'login'
  return {
    typology: 'credentialStuffing',
    severity: succeeded ? 'critical' : 'high',
    reason: succeeded
      ? `login succeeded from ${kind} ${origin}, where ${ids} distinct login IDs failed in the last ${minutes} min`
      : `${ids} distinct login IDs failed from ${kind} ${origin} in the last ${minutes} min`,
    evidence: { origin: kind, value: origin, distinctLoginIds: ids, windowMinutes: minutes, succeeded },
  }
}
