import type { AccessAction, AccessEvent } from '../events/index.js'
import { isPrivateAddress, parseIpAddress } from '../intel/index.js'
import { checkCount, checkDuration } from './optionChecks.js'
import { MOBILE_CARRIER_NETWORKS } from './sharedNetworks.js'
import type { Typology, TypologyContext, TypologyHit } from './Typology.js'

const HOUR_MS = 3_600_000
/** Customer ids listed in the evidence at most; the count is always complete. */
const LISTED_CUSTOMERS = 10
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

/** Thresholds of `oneOriginManyAccounts`. */
export interface OneOriginManyAccountsOptions {
  /** Default 24 h: seed 000's attacker worked through six accounts over days; a day catches a session of them. */
  readonly windowMs?: number
  /**
   * Distinct customers going through from one device. Default 3: a couple sharing a family PC is
   * two; a third account on the same browser within a day is someone else's accounts.
   */
  readonly deviceMinCustomers?: number
  /** Distinct customers going through from one address. Default 3: a family of two on one home line is normal. */
  readonly ipMinCustomers?: number
  /**
   * The same on an address of a mobile carrier. Default 10: carrier-grade NAT shares one public
   * address among many subscribers, so two or three unrelated customers on it within a day is chance.
   */
  readonly sharedIpMinCustomers?: number
  /** Networks where one address is shared by many subscribers. Default: the Japanese mobile carriers. */
  readonly sharedNetworks?: ReadonlySet<string>
}

/**
 * One origin touching many accounts (C-3, D-4): a device or an address from which several
 * distinct customers logged in or operated successfully within the window. This is how seed 000
 * was unravelled: from the address of the complained-about access to the other accounts it had
 * reached. Whole networks are not counted (an ISP is millions of customers; one hosting provider
 * is many honest VPN users); private and garbage addresses are not counted either (a proxy that
 * forwards its own address would make every customer one origin). Flagged high: a family's three
 * accounts on one PC exist, so the engine weighs this with the other rules rather than denying on it.
 */
export function oneOriginManyAccounts(options: OneOriginManyAccountsOptions = {}): Typology {
  const config = Object.freeze({
    windowMs: options.windowMs ?? 24 * HOUR_MS,
    deviceMinCustomers: options.deviceMinCustomers ?? 3,
    ipMinCustomers: options.ipMinCustomers ?? 3,
    sharedIpMinCustomers: options.sharedIpMinCustomers ?? 10,
    sharedNetworks: options.sharedNetworks ?? MOBILE_CARRIER_NETWORKS,
  })
  checkDuration('windowMs', config.windowMs)
  checkCount('deviceMinCustomers', config.deviceMinCustomers, 2)
  checkCount('ipMinCustomers', config.ipMinCustomers, 2)
  checkCount('sharedIpMinCustomers', config.sharedIpMinCustomers, 2)

  return Object.freeze({
    id: 'oneOriginManyAccounts',
    actions: ACTIONS,
    async evaluate(event: AccessEvent, ctx: TypologyContext): Promise<TypologyHit | null> {
      if (event.customerId === null) return null
      const since = event.at - config.windowMs
      if (event.deviceId !== null) {
        const customers = await customersFrom(ctx, { deviceId: event.deviceId }, since, event.customerId)
        if (customers.length >= config.deviceMinCustomers)
          return hit(event, 'device', event.deviceId, customers, config.windowMs)
      }
      const address = parseIpAddress(event.ip)
      if (address === undefined || isPrivateAddress(address)) return null
      const min = config.sharedNetworks.has(event.network)
        ? config.sharedIpMinCustomers
        : config.ipMinCustomers
      const customers = await customersFrom(ctx, { ip: address.text }, since, event.customerId)
      if (customers.length >= min) return hit(event, 'address', address.text, customers, config.windowMs)
      return null
    },
  })
}

/** Customers who went through from the origin in the window, with the event's own customer. */
async function customersFrom(
  ctx: TypologyContext,
  origin: { ip?: string; deviceId?: string },
  since: number,
  own: string,
): Promise<string[]> {
  const ids = [own]
  for (const c of await ctx.customersByOrigin(origin, since)) {
    // Only successes: an attacker failing against many accounts is credential stuffing, and a
    // customer must not be tied to an origin by attempts made in their name.
    if (c.successes > 0 && c.customerId !== own) ids.push(c.customerId)
  }
  return ids
}

function hit(
  event: AccessEvent,
  kind: 'device' | 'address',
  origin: string,
  customers: readonly string[],
  windowMs: number,
): TypologyHit {
  const hours = Math.round(windowMs / HOUR_MS)
  return {
    typology: 'oneOriginManyAccounts',
    severity: 'high',
    reason: `${customers.length} customers went through from ${kind} ${origin} in the last ${hours} h`,
    evidence: {
      origin: kind,
      value: origin,
      customers: customers.length,
      customerIds: customers.slice(0, LISTED_CUSTOMERS).join(','),
      network: event.network,
      windowHours: hours,
    },
  }
}
