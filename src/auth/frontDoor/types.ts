import type { FrozenConfig } from '../../config/index.js'
import type { Clock, Random } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import type { AppApprovals } from '../app-approval/index.js'
import type { DeviceService } from '../device/index.js'
import type { EmailCodeService } from '../email-code/index.js'
import type { AuthFlows } from '../flow/index.js'
import type { AccountLockout } from '../lockout/index.js'
import type { PasswordGate } from '../password/index.js'
import type { PasskeyService } from '../passkey/index.js'
import type { Factor, Policy } from '../policy/index.js'
import type { NewSession, SessionKind, SessionService } from '../session/index.js'
import type { LoginThrottle } from '../throttle/index.js'
import type { TotpService } from '../totp/index.js'
import type { NoticeOrigin } from '../../notify/index.js'
import type { SecurityNotices } from './SecurityNotices.js'

/** Where a request comes from, as far as the front door cares. */
export interface RequestEnv {
  readonly ip: string
  /** ASN when known, else the /24 (IPv4) or /48 (IPv6): the unit throttles count by. */
  readonly network: string
  readonly userAgent: string
  /** The device (from the __Host- device cookie or the x-mamori-device header). */
  readonly deviceId: string
  /** The customer that device is already attached to, if any: its logins get the priority lane. */
  readonly deviceCustomerId?: string | null
}

/** Everything the front door is made of, built once at start-up. */
export interface FrontDoorDeps {
  readonly store: Store
  readonly clock: Clock
  readonly random: Random
  readonly policy: Policy
  readonly sessions: SessionService
  readonly flows: AuthFlows
  readonly passkeys: PasskeyService
  readonly totp: TotpService
  readonly emailCodes: EmailCodeService
  readonly approvals: AppApprovals
  readonly devices: DeviceService
  readonly lockout: AccountLockout
  readonly throttle: LoginThrottle
  /** Admission control for argon2id work. */
  readonly gate: PasswordGate
  readonly notices: SecurityNotices
  readonly auth: FrozenConfig['auth']
  /** The risk engine's say on a login about to complete (C-2, C-4); without it every login that satisfies the policy completes. */
  readonly loginRisk?: LoginRisk
  /** Told when a customer refuses a login request on their phone app (an alert for the analysts). */
  readonly onLoginRefused?: (customerId: string, attempt: { readonly ip: string; readonly userAgent: string }) => Promise<void>
}

/** The risk engine's verdict on a login that satisfies the policy. */
export interface LoginRiskVerdict {
  /** allow: complete it; step_up: also prove `factor`; deny: refuse it (as any failed login). */
  readonly outcome: 'allow' | 'step_up' | 'deny'
  /** The factor a step-up asks for. */
  readonly factor?: Factor
  /** Neither the device nor the network is familiar: the customer is told of the login (C-7). */
  readonly newEnvironment: boolean
  /** Where the login comes from, as the notice describes it. */
  readonly origin: NoticeOrigin
}

/** Asks the risk engine about a login of `customerId` from `env`. */
export type LoginRisk = (customerId: string, env: RequestEnv) => Promise<LoginRiskVerdict>

/** The state of a login after a step. */
export type LoginProgress =
  | {
      readonly status: 'complete'
      readonly session: NewSession
      readonly kind: SessionKind
      readonly customerId: string
    }
  | {
      readonly status: 'factor_required'
      /**
       * Whose password (or passkey) got the flow this far: for the access record and the risk
       * engine's alert on the attempt, never for the client (it would confirm a stolen password).
       */
      readonly customerId: string
      readonly flowToken: string
      readonly expiresAt: number
      /** Factor sets that would complete the login, given what is proven and what the customer has. */
      readonly options: readonly (readonly Factor[])[]
      /** This device must be confirmed with a code sent to the registered e-mail first (B-7). */
      readonly deviceConfirmation: boolean
      /** Completing this flow gives a session that may only register a first passkey. */
      readonly enrolment: boolean
    }
