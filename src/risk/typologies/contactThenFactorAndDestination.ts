import type { AccessEvent } from '../events/index.js'
import { checkCount, checkDuration } from './optionChecks.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const DAY_MS = 86_400_000

/** Thresholds of `contactThenFactorAndDestination`. */
export interface ContactThenFactorAndDestinationOptions {
  /**
   * The whole sequence must fit in this time from the contact change. Default 7 days: a customer
   * who moves house changes contact details and, much later if ever, the bank; an attacker needs
   * all three before the victim notices the missing notices.
   */
  readonly windowMs?: number
  /** Events of the customer read over the window. Default 5,000. */
  readonly maxHistory?: number
}

/**
 * A contact change followed by a factor change and a destination change (C-3; B-7, B-11). An
 * attacker who holds the password first redirects the e-mail or phone, so the notices and codes
 * of the next steps reach him instead of the victim; then enrols his own authenticator; then
 * points withdrawals at an account he controls (seeds 000 and 002). Flagged at the factor change
 * when a contact change precedes it in the window (high: the sequence is under way, and the
 * factor is what secures everything after it), and at the destination change when a contact
 * change and then a factor change precede it (critical). Only changes that went through count.
 */
export function contactThenFactorAndDestination(
  options: ContactThenFactorAndDestinationOptions = {},
): Typology {
  const config = Object.freeze({
    windowMs: options.windowMs ?? 7 * DAY_MS,
    maxHistory: options.maxHistory ?? 5_000,
  })
  checkDuration('windowMs', config.windowMs)
  checkCount('maxHistory', config.maxHistory)

  return Object.freeze({
    id: 'contactThenFactorAndDestination',
    actions: Object.freeze(['factor_change', 'destination_change'] as const),
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      if (event.customerId === null) return null
      const history = (await ctx.history(event.customerId, event.at - config.windowMs, config.maxHistory))
        .filter((e) => e.outcome === 'success' && e.at <= event.at)
        .sort((a, b) => a.at - b.at)
      // The earliest contact change of the window, and the first factor change after it.
      const contact = history.find((e) => e.action === 'contact_change')
      if (contact === undefined) return null
      const factor = history.find((e) => e.action === 'factor_change' && e.at >= contact.at)

      const days = Math.round(config.windowMs / DAY_MS)
      const hoursAfterContact = Math.round((event.at - contact.at) / 3_600_000)
      if (event.action === 'factor_change') {
        return {
          typology: 'contactThenFactorAndDestination',
          severity: 'high',
          reason: `factor change ${hoursAfterContact} h after a contact change`,
          evidence: {
            step: 'factor_change',
            contactChangedAt: contact.at,
            factorChangedAt: event.at,
            hoursAfterContact,
            windowDays: days,
          },
        }
      }
      if (factor === undefined) return null
      return {
        typology: 'contactThenFactorAndDestination',
        severity: 'critical',
        reason: `destination change after a contact change and a factor change, all within ${hoursAfterContact} h`,
        evidence: {
          step: 'destination_change',
          contactChangedAt: contact.at,
          factorChangedAt: factor.at,
          hoursAfterContact,
          windowDays: days,
        },
      }
    },
  })
}
