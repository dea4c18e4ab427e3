import type { AccessAction, AccessEvent } from '../events/index.js'
import { checkCount } from './optionChecks.js'
import { environmentNovelty, familiarityWindow, type FamiliarityWindow } from './familiarity.js'
import type { Severity, Typology, TypologyContext, TypologyHit } from './Typology.js'

/** Everything a customer does after login; failed logins are credential stuffing's business. */
const ACTIONS: readonly AccessAction[] = Object.freeze([
  'login',
  'order',
  'destination_change',
  'withdrawal',
  'contact_change',
  'factor_change',
  'password_change',
  'recovery',
])
const LEVELS: readonly Severity[] = ['low', 'medium', 'high', 'critical']

/** Thresholds of `newEnvironment`. */
export interface NewEnvironmentOptions {
  /** Which history vouches for the device and network; defaults in `FamiliarityWindow`. */
  readonly familiarity?: Partial<FamiliarityWindow>
  /**
   * The customer's events read to find the countries and user-agent families they used. Default
   * 5,000, about a year of a daily customer's logins and orders. Past it older countries and
   * families are not seen, which errs towards "new".
   */
  readonly maxHistory?: number
}

/**
 * A new environment (C-3, C-7 "login from a new environment"): a login or operation whose device
 * and network were both never used successfully by this customer in the familiarity window. The
 * customer's own laptop on a café Wi-Fi, or a new phone at home, is not a new environment; an
 * attacker with a phished password is, on both counts. Severity grows with how many of the four
 * are new: medium for device and network, high with a new country or a new user-agent family
 * (browser and OS without versions, which change with every update), critical with both; one
 * level more from a hosting or VPN network, from which takeovers are commonly run.
 */
export function newEnvironment(options: NewEnvironmentOptions = {}): Typology {
  const window = familiarityWindow(options.familiarity)
  const maxHistory = options.maxHistory ?? 5_000
  checkCount('maxHistory', maxHistory)

  return Object.freeze({
    id: 'newEnvironment',
    actions: ACTIONS,
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      if (event.customerId === null) return null
      const novelty = await environmentNovelty(ctx, event, window)
      if (!novelty.isNew) return null

      const countries = new Set<string>()
      const families = new Set<string>()
      const before = event.at - window.settleMs
      let settled = 0
      for (const e of await ctx.history(event.customerId, event.at - window.lookbackMs, maxHistory)) {
        if (e.outcome !== 'success' || e.at >= before) continue
        settled++
        if (e.country !== null) countries.add(e.country)
        const family = userAgentFamily(e)
        if (family !== null) families.add(family)
      }
      if (settled === 0) {
        // A customer with no settled history (new this week, or back after a year): everything is
        // "new", which says nothing about who is there. Low, one level more from hosting/VPN; the
        // login model's no-history points already ask such a login for the strongest factor.
        return {
          typology: 'newEnvironment',
          severity: event.hosting ? 'medium' : 'low',
          reason: `${event.action} by a customer with no settled history to compare with (${event.network}${event.hosting ? ', hosting/VPN' : ''})`,
          evidence: { deviceId: event.deviceId, network: event.network, country: event.country, noHistory: true, hosting: event.hosting },
        }
      }
      const family = userAgentFamily(event)
      // Unknown is never familiar: a missing country or an unparseable user agent cannot vouch.
      const newCountry = event.country === null || !countries.has(event.country)
      const newFamily = family === null || !families.has(family)

      // Device and network new: medium; each of country and user-agent family adds a level.
      let level = 1 + (newCountry ? 1 : 0) + (newFamily ? 1 : 0)
      if (event.hosting) level++
      const severity = LEVELS[Math.min(level, LEVELS.length - 1)]!
      const also = [
        newCountry ? `country ${event.country ?? 'unknown'}` : null,
        newFamily ? `browser ${family ?? 'unknown'}` : null,
      ]
        .filter((s) => s !== null)
        .join(' and ')
      return {
        typology: 'newEnvironment',
        severity,
        reason:
          `${event.action} from a device and network (${event.network}${event.hosting ? ', hosting/VPN' : ''}) ` +
          `this customer has not used before` +
          (also === '' ? '' : `, with a new ${also}`),
        evidence: {
          deviceId: event.deviceId,
          network: event.network,
          country: event.country,
          userAgentFamily: family,
          newDevice: novelty.newDevice,
          newNetwork: novelty.newNetwork,
          newCountry,
          newUserAgentFamily: newFamily,
          hosting: event.hosting,
        },
      }
    },
  })
}

/**
 * Browser and OS names without versions ("Chrome on Windows"): versions change with every
 * update, the family changes with a new device or a different person. Null when neither is known.
 */
export function userAgentFamily(event: Pick<AccessEvent, 'browser' | 'os'>): string | null {
  const browser = withoutVersion(event.browser)
  const os = withoutVersion(event.os)
  if (browser === null && os === null) return null
  return `${browser ?? 'unknown'} on ${os ?? 'unknown'}`
}

/** `Chrome 124` → `Chrome`, `iOS 17.4` → `iOS`, `Mac OS 10.15` → `Mac OS`. */
function withoutVersion(label: string | null): string | null {
  if (label === null) return null
  const name = label.replace(/\s+[\d.]+$/, '').trim()
  return name === '' ? null : name
}
