import type { FastifyRequest } from 'fastify'
import { isPolicyOperation, type FactorTimes } from '../auth/index.js'
import type { FrontDoor } from '../auth/frontDoor/FrontDoor.js'
import type { SecuritySettings } from '../auth/frontDoor/SecuritySettings.js'
import { describeOperation, isBoundOperation } from '../guards/index.js'
import { verifyTradingPassword } from '../brokerage/index.js'
import { MamoriError, isMamoriError } from '../errors/index.js'
import type { Clock } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { customerOf } from './authenticate.js'
import { routeAuth } from './routeConfig.js'

export interface PolicyHookDeps {
  readonly store: Store
  readonly clock: Clock
  readonly settings: SecuritySettings
  readonly frontDoor: FrontDoor
  /** The broker-wide switch: false refuses every destination change made on the web (seed 004). */
  readonly webDestinationChanges: boolean
  /** Counts a wrong trading password toward the account lockout (B-10). */
  readonly recordFailure: (customerId: string) => Promise<void>
}

/**
 * Enforces the per-operation policy (B-8) on every customer route whose operation it governs,
 * before the handler runs: a trading password in the body is verified and counts as a fresh
 * factor; withdrawals and destination changes are frozen during a recovery cooling period (B-11);
 * anything the session's factors do not satisfy is refused with STEP_UP_REQUIRED naming the factor
 * sets that would. Routes that need a special case declare `policy: 'handler'` and call
 * SecuritySettings.requireOperation themselves.
 */
export function policyHook(deps: PolicyHookDeps): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const config = request.routeOptions.config
    const op = config.operation
    if (op === undefined || request.is404 || !isPolicyOperation(op) || op === 'login') return
    if (routeAuth(config) !== 'customer' || config.policy === 'handler') return
    if (op === 'destination_change' && !deps.webDestinationChanges) {
      throw new MamoriError('DESTINATION_CHANGES_DISABLED', 'withdrawal destinations are changed through the support centre only')
    }
    const customer = customerOf(request)
    const now = deps.clock.now()
    const extra: FactorTimes = {}
    const body = request.body as { tradingPassword?: unknown } | null | undefined
    if (body !== null && typeof body === 'object' && typeof body.tradingPassword === 'string') {
      try {
        await verifyTradingPassword(deps.store.db, customer.id, body.tradingPassword)
      } catch (err) {
        if (isMamoriError(err, 'TRADING_PASSWORD_INVALID')) await deps.recordFailure(customer.id)
        throw err
      }
      extra.trading_password = now
    }
    if (op === 'withdrawal' || op === 'destination_change') {
      const row = await deps.store.db
        .selectFrom('customers')
        .select('recovery_cooling_until')
        .where('id', '=', customer.id)
        .executeTakeFirst()
      const until = row?.recovery_cooling_until ?? null
      if (until !== null && until > now) {
        throw new MamoriError('RECOVERY_COOLING_OFF', 'withdrawals and destination changes are paused after account recovery', {
          until,
        })
      }
    }
    let session = customer.session
    if (isBoundOperation(op)) {
      // A passkey proven earlier in the session does not confirm this operation: only an assertion
      // bound to exactly these fields does (C-5). Anything else the policy accepts still counts.
      const { passkey: _earlier, ...others } = session.factors
      session = { ...session, factors: others }
      const confirmation = (body as { confirmation?: { challengeId: string; response: unknown } } | null | undefined)?.confirmation
      if (confirmation !== undefined) {
        const fields = config.confirmFields?.(request) ?? withoutSecrets(body)
        await deps.frontDoor.verifyConfirmation(customer.session, op, describeOperation(op, customer.id, fields), confirmation)
        extra.passkey = now
        request.passkeyConfirmed = true
      }
    }
    deps.settings.requireOperation(session, op, extra)
  }
}

/** The request fields an operation is about: the body without its proofs. */
export function withoutSecrets(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object') return {}
  const { confirmation: _c, tradingPassword: _t, ...fields } = body as Record<string, unknown>
  return fields
}
