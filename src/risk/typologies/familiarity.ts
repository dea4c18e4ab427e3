import { MamoriError } from '../../errors/index.js'
import type { AccessEvent } from '../events/index.js'
import type { TypologyContext } from './Typology.js'
import { checkDuration } from './optionChecks.js'

const DAY_MS = 86_400_000

/**
 * Which part of a customer's history vouches for an origin: a successful event in
 * [at − lookbackMs, at − settleMs).
 */
export interface FamiliarityWindow {
  /**
   * How far back an origin still counts as the customer's. Default 365 days: seed 004's broker
   * compared every destination change with the customer's past year of access.
   */
  readonly lookbackMs: number
  /**
   * How old a use must be to vouch: uses in the last `settleMs` do not count. Default 7 days. Without
   * it an attacker's own successful login makes his device "seen" for the destination change,
   * sale and withdrawal that follow minutes later; seed 003's attackers are thought to have logged
   * into many accounts to look at balances before coming back for the large ones, so one session
   * is not enough either. A customer's genuinely new phone and network are new for a week.
   */
  readonly settleMs: number
}

/** The defaults above. */
export const DEFAULT_FAMILIARITY: FamiliarityWindow = Object.freeze({
  lookbackMs: 365 * DAY_MS,
  settleMs: 7 * DAY_MS,
})

/** Whether the customer went through from this origin within the familiarity window before `at`. */
export function isFamiliar(
  ctx: TypologyContext,
  customerId: string,
  origin: { readonly ip?: string; readonly network?: string; readonly deviceId?: string },
  at: number,
  window: FamiliarityWindow,
): Promise<boolean> {
  return ctx.seenBefore(customerId, origin, at - window.lookbackMs, at - window.settleMs)
}

/** How new an event's environment is to its customer. */
export interface EnvironmentNovelty {
  /** No device id (a script or API client without the device cookie) counts as new: it cannot vouch. */
  readonly newDevice: boolean
  /** Only asked when the device is new (false, unasked, for a familiar device). */
  readonly newNetwork: boolean
  /** Both: the customer's own device on a café Wi-Fi, or a new phone at home, are not a new environment. */
  readonly isNew: boolean
}

/**
 * Whether the event comes from a new environment for its customer: neither its device nor its
 * network is familiar. The device is asked first, so the everyday case costs one query.
 */
export async function environmentNovelty(
  ctx: TypologyContext,
  event: Pick<AccessEvent, 'customerId' | 'at' | 'network' | 'deviceId'>,
  window: FamiliarityWindow,
): Promise<EnvironmentNovelty> {
  const customerId = event.customerId
  if (customerId === null) return { newDevice: true, newNetwork: true, isNew: true }
  const newDevice =
    event.deviceId === null ||
    !(await isFamiliar(ctx, customerId, { deviceId: event.deviceId }, event.at, window))
  if (!newDevice) return { newDevice, newNetwork: false, isNew: false }
  const newNetwork = !(await isFamiliar(ctx, customerId, { network: event.network }, event.at, window))
  return { newDevice, newNetwork, isNew: newNetwork }
}

/** Checks and freezes a familiarity window given in options, filling in the defaults. */
export function familiarityWindow(given: Partial<FamiliarityWindow> | undefined): FamiliarityWindow {
  const window = {
    lookbackMs: given?.lookbackMs ?? DEFAULT_FAMILIARITY.lookbackMs,
    settleMs: given?.settleMs ?? DEFAULT_FAMILIARITY.settleMs,
  }
  checkDuration('lookbackMs', window.lookbackMs)
  checkDuration('settleMs', window.settleMs, { allowZero: true })
  if (window.settleMs >= window.lookbackMs)
    throw new MamoriError('CONFIG_INVALID', 'settleMs must be shorter than lookbackMs')
  return Object.freeze(window)
}
