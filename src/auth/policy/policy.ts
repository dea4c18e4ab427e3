import { MamoriError } from '../../errors/index.js'
import { PHISHING_RESISTANT, type Factor, type FactorTimes } from './factors.js'

/** The operations whose factors the policy governs (B-8). Other operations need a live session only. */
export const POLICY_OPERATIONS = [
  'login',
  'order',
  'withdrawal',
  'destination_change',
  'contact_change',
  'factor_change',
  'password_change',
] as const

export type PolicyOperation = (typeof POLICY_OPERATIONS)[number]

/** One operation's rule: one of the factor sets suffices, each factor verified within maxAgeSeconds. */
export interface OperationPolicy {
  readonly anyOf: readonly (readonly Factor[])[]
  readonly maxAgeSeconds: number
}

export type Policy = Readonly<Record<PolicyOperation, OperationPolicy>>

/** Operations where JSDA (2025-10) requires a phishing-resistant factor. */
export const MUST_RESIST_PHISHING: readonly PolicyOperation[] = ['login', 'withdrawal', 'destination_change']

/**
 * The default: a passkey at login (or password plus an approval on the registered phone app, where
 * configured), and a passkey verified in the last five minutes for withdrawals, destination,
 * contact, factor and password changes. Orders need the trading password or a passkey each time.
 */
export function defaultPolicy(appApprovalAtLogin: boolean): Policy {
  const fresh = (anyOf: Factor[][]): OperationPolicy => ({ anyOf, maxAgeSeconds: 300 })
  return {
    login: fresh(appApprovalAtLogin ? [['passkey'], ['password', 'app_approval']] : [['passkey']]),
    order: { anyOf: [['trading_password'], ['passkey']], maxAgeSeconds: 60 },
    withdrawal: fresh([['passkey']]),
    destination_change: fresh([['passkey']]),
    contact_change: fresh([['passkey']]),
    factor_change: fresh([['passkey']]),
    password_change: fresh([['passkey']]),
  }
}

export interface ResolvePolicyOptions {
  readonly overrides: Partial<Record<PolicyOperation, OperationPolicy>> | undefined
  readonly appApprovalAtLogin: boolean
  /** Allow a weaker policy than JSDA's rule (a broker mid-migration, a test of the core); logged loudly. */
  readonly allowWeakPolicy: boolean
}

/**
 * The policy in force: the default with the configured operations replaced, validated once at
 * start-up. Unless weak policies are explicitly allowed, every way to log in, withdraw or change a
 * destination must include a passkey (at login an app approval counts when configured): an e-mail
 * code or TOTP alone never satisfies them.
 */
export function resolvePolicy(options: ResolvePolicyOptions): Policy {
  const policy: Record<PolicyOperation, OperationPolicy> = { ...defaultPolicy(options.appApprovalAtLogin) }
  for (const [op, rule] of Object.entries(options.overrides ?? {})) policy[op as PolicyOperation] = rule
  if (!options.allowWeakPolicy) {
    for (const op of MUST_RESIST_PHISHING) {
      for (const set of policy[op].anyOf) {
        const resists =
          set.some((f) => PHISHING_RESISTANT.has(f)) || (op === 'login' && options.appApprovalAtLogin && set.includes('app_approval'))
        if (!resists) {
          throw new MamoriError(
            'CONFIG_INVALID',
            `policy.${op}: the factor set [${set.join(', ')}] is not phishing resistant; every set for ${op} must include a passkey` +
              (op === 'login' ? ' (or app_approval with auth.appApprovalAtLogin)' : '') +
              ' — set auth.allowWeakPolicy to override',
          )
        }
      }
    }
  }
  return Object.freeze(policy)
}

export type PolicyVerdict =
  | { readonly satisfied: true; readonly by: readonly Factor[] }
  | { readonly satisfied: false; readonly options: readonly (readonly Factor[])[] }

/** Whether `factors` satisfy `op` at `now`; when not, the factor sets that would. */
export function evaluatePolicy(policy: Policy, op: PolicyOperation, factors: FactorTimes, now: number): PolicyVerdict {
  const rule = policy[op]
  const oldest = now - rule.maxAgeSeconds * 1000
  for (const set of rule.anyOf) {
    if (set.every((f) => (factors[f] ?? -Infinity) >= oldest)) return { satisfied: true, by: set }
  }
  return { satisfied: false, options: rule.anyOf }
}

/** True when `op` is governed by the policy. */
export function isPolicyOperation(op: string): op is PolicyOperation {
  return (POLICY_OPERATIONS as readonly string[]).includes(op)
}
