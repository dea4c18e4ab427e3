/** What a legitimate customer met in one session beyond their ordinary routine. */
export type FrictionKind =
  /** The login needed a factor beyond the customer's usual one (or an approval they do not usually give). */
  | 'login_extra_factor'
  /** The login was refused although the customer did everything right (risk deny, throttled, locked). */
  | 'login_denied'
  /** An operation answered STEP_UP_REQUIRED beyond what the policy always asks. */
  | 'operation_step_up'
  /** An operation was refused (RISK_DENIED, RISK_REVIEW, SYMBOL_FROZEN). */
  | 'operation_denied'
  /** The customer's account was frozen. */
  | 'account_frozen'

/** One counted moment of friction, kept with its time so it can be put next to what attackers were doing then. */
export interface FrictionEvent {
  readonly at: number
  readonly customer: number
  readonly kind: FrictionKind | 'held_withdrawal' | 'held_order' | 'held_destination'
  readonly code: string
}

/**
 * The honest customers' side of the scorecard: every login, and everything beyond the customer's
 * ordinary routine — counted only inside the measured window and only for customers no attacker
 * has touched yet (a victim's troubles are the attack's, not the defence's friction).
 */
export class FrictionLog {
  logins = 0
  stepUps = 0
  deniedLogins = 0
  withdrawals = 0
  heldWithdrawals = 0
  orders = 0
  heldOrders = 0
  destinationChanges = 0
  heldDestinations = 0
  /** Sessions per hour bucket, for the friction around each attack. */
  readonly loginsByHour = new Map<number, number>()
  /** Sessions and step-ups during the history, before the measured window (the engine still learning). */
  historyLogins = 0
  historyStepUps = 0
  /** When each session that met a step-up began. */
  readonly stepUpTimes: number[] = []
  readonly events: FrictionEvent[] = []
  readonly reasons = new Map<string, number>()

  reason(key: string): void {
    this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1)
  }
}

/** One session's tally, folded into the log when the session ends. */
export class SessionTally {
  stepUp = false
  readonly events: FrictionEvent[] = []

  constructor(
    readonly at: number,
    readonly customer: number,
  ) {}

  /** Records friction (a step-up in the sense: any challenge beyond the ordinary, or a denial). */
  friction(at: number, kind: FrictionKind, code: string): void {
    this.stepUp = true
    this.events.push({ at, customer: this.customer, kind, code })
  }

  /** Records a hold (held withdrawals, orders, destination changes are counted apart from step-ups). */
  held(at: number, kind: 'held_withdrawal' | 'held_order' | 'held_destination', code: string): void {
    this.events.push({ at, customer: this.customer, kind, code })
  }
}
