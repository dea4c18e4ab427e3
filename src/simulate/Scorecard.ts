/** One scenario's line of the scorecard (issue 6). */
export interface ScenarioScore {
  readonly id: string
  readonly accounts_targeted: number
  readonly accounts_taken_over: number
  /** Yen that left victims' accounts for attacker-controlled destinations (approved or sent withdrawals). */
  readonly money_lost_jpy: number
  /** Yen of orders the attacker placed in victims' accounts that executed. */
  readonly unauthorized_trades_jpy: number
  /** The furthest step an attempt reached and was stopped at, with Mamori's answer there; null when nothing was stopped. */
  readonly stopped_at: string | null
  /** Seconds from the attack's first request to Mamori's first alert about it; null when none was raised. */
  readonly detected_after_s: number | null
}

/** The honest customers' line: what the defence cost them in the measured window. */
export interface LegitimateScore {
  readonly logins: number
  /** Sessions that met any challenge beyond the customer's ordinary login, or a denial. */
  readonly step_ups: number
  readonly step_up_rate: number
  readonly denied_logins: number
  readonly withdrawals: number
  readonly held_withdrawals: number
  readonly held_rate: number
  readonly held_orders: number
}

/** Detail behind a scenario's line, for reading why. */
export interface ScenarioDetail {
  readonly id: string
  readonly description: string
  readonly attempts: number
  readonly started_at: string | null
  /** Stops by step and answer, e.g. `second_factor:NO_FACTOR(passkey)`: count. */
  readonly stops: Readonly<Record<string, number>>
  readonly reached: Readonly<Record<string, number>>
  /** Yen asked for by the attacker that Mamori holds for review (not lost, not released). */
  readonly money_held_jpy: number
  /** Targeted accounts with no money lost and no unauthorized trade executed. */
  readonly protected_accounts: number
  /** Legitimate customers' step-up rate while the attack ran (and the hour after). */
  readonly friction_during: number | null
  readonly logins_during: number
}

/** The whole scorecard, as `mamori simulate --json` writes it. */
export interface Scorecard {
  readonly parameters: {
    readonly seed: number
    readonly customers: number
    readonly days: number
    readonly history_days: number
    readonly scenarios: readonly string[]
    readonly policy: 'default'
    readonly risk: 'default'
  }
  readonly scenarios: readonly ScenarioScore[]
  readonly legitimate: LegitimateScore
  readonly totals: { readonly money_lost_jpy: number; readonly unauthorized_trades_jpy: number }
  readonly targets: {
    readonly money_lost_jpy: 0
    readonly unauthorized_trades_jpy: 0
    readonly pump_ring_accounts_executed_max: 2
    readonly step_up_rate_max: 0.02
    readonly held_rate_max: 0.005
  }
  readonly details: {
    readonly scenarios: readonly ScenarioDetail[]
    /** Friction by kind and answer, e.g. `login_denied:RATE_LIMITED`: count. */
    readonly friction: Readonly<Record<string, number>>
    readonly orders: number
    readonly destination_changes: number
    readonly held_destinations: number
    /** Logins and step-ups during the history, before the measured window (not scored). */
    readonly history_logins: number
    readonly history_step_ups: number
    /** Honest customers whose frozen account support unfroze after they called (the freeze itself is counted as friction). */
    readonly support_unfreezes: number
    /** Honest customers' withdrawals held in the measured window, by the rule on top of each hold's alert. */
    readonly held_withdrawal_reasons: Readonly<Record<string, number>>
    readonly requests: number
    readonly elapsed_s: number
  }
}
