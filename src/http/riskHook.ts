import type { FastifyRequest } from 'fastify'
import type { SecurityNotices } from '../auth/frontDoor/SecurityNotices.js'
import type { SessionService } from '../auth/index.js'
import { MamoriError } from '../errors/index.js'
import type { Assessment, RiskGate } from '../guards/riskGate.js'
import type { AccessAction } from '../risk/events/index.js'
import type { Clock } from '../runtime/index.js'
import type { Store } from '../store/index.js'
import { accessDetailOf } from './accessDetail.js'
import { customerOf } from './authenticate.js'
import { routeAuth } from './routeConfig.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'skip': the route is not scored (cancelling an order or a withdrawal only ever protects the
     * customer). Every other state-changing customer route of a guarded operation is.
     */
    risk?: 'skip'
    /** The handler can hold the operation for review (reads `request.risk`); elsewhere a hold refuses with RISK_REVIEW. */
    holdable?: boolean
  }
  interface FastifyRequest {
    /** The risk engine's assessment of this request's operation, set by the risk hook. */
    risk: Assessment | undefined
    /** A passkey assertion bound to this very operation was verified by the policy hook. */
    passkeyConfirmed: boolean
  }
}

/** Customer operations the engine scores before they run, and the access action each is. */
const SCORED: Readonly<Record<string, AccessAction>> = {
  order: 'order',
  withdrawal: 'withdrawal',
  destination_change: 'destination_change',
  contact_change: 'contact_change',
  factor_change: 'factor_change',
  password_change: 'password_change',
  deposit: 'deposit',
}

export interface RiskHookDeps {
  readonly gate: RiskGate
  readonly store: Store
  readonly clock: Clock
  readonly sessions: SessionService
  readonly notices?: SecurityNotices
  /** How old a passkey may be and still answer the engine's step-up. */
  readonly stepUpMaxAgeMs: number
}

/**
 * Puts every state-changing customer operation through the risk engine (C-4) after the policy has
 * been satisfied and before the handler runs, and acts on the outcome:
 * - allow: the handler runs;
 * - step up: the operation needs a passkey proven within `stepUpMaxAgeMs` (or bound to this very
 *   operation), else STEP_UP_REQUIRED naming it — the one factor a phishing relay cannot pass; a
 *   session used from another network than its own needs one proven after the move;
 * - hold: routes that can hold (orders, destination additions, withdrawals) let the handler queue
 *   the operation for review; elsewhere RISK_REVIEW;
 * - deny: RISK_DENIED (SYMBOL_FROZEN for a buy of a frozen symbol from a new environment);
 * - freeze: the account is frozen, every session ended, the customer told; CUSTOMER_FROZEN.
 * The answer never names the rule: an attacker would tune his next attempt to it. The alert and
 * the access history keep the reasons.
 */
export function riskHook(deps: RiskHookDeps): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const config = request.routeOptions.config
    const op = config.operation
    if (op === undefined || request.is404 || config.risk === 'skip' || request.method === 'GET') return
    const action = SCORED[op]
    if (action === undefined || routeAuth(config) !== 'customer') return
    const customer = customerOf(request)
    const userAgent = request.headers['user-agent']
    const assessment = await deps.gate.assess({
      customerId: customer.id,
      action,
      ip: request.ip,
      userAgent: typeof userAgent === 'string' ? userAgent : '',
      deviceId: customer.session.deviceId,
      sessionHash: customer.sessionHash,
      detail: accessDetailOf(request),
      sessionOriginIp: customer.session.originIp,
    })
    request.risk = assessment
    const note = (outcome: 'step_up' | 'held' | 'denied' | 'frozen'): void => {
      request.accessNote = {
        ...request.accessNote,
        outcome,
        detail: { ...request.accessNote?.detail, riskScore: assessment.decision.score, riskAlert: assessment.alertId },
      }
    }
    switch (assessment.enforced) {
      case 'allow':
        return
      case 'step_up': {
        // A session moved to another network needs a passkey proven from here, now (the step-up
        // re-binds it): the one the customer proved at login is no answer for whoever holds the cookie.
        const passkeyAt = customer.session.factors.passkey
        const fresh = !assessment.sessionMoved && passkeyAt !== undefined && passkeyAt >= deps.clock.now() - deps.stepUpMaxAgeMs
        if (fresh || request.passkeyConfirmed) return
        // An enrolment session can only register a first passkey, which it has not got to step up
        // with; registering it without a phishing-resistant factor already freezes withdrawals and
        // destination changes for the recovery cooling period (B-11). Holds and denials still apply.
        if (customer.session.kind === 'enrolment') return
        note('step_up')
        throw new MamoriError('STEP_UP_REQUIRED', 'this operation needs a fresh passkey', {
          operation: op,
          options: [[assessment.decision.stepUp ?? 'passkey']],
          reason: 'risk',
        })
      }
      case 'hold':
        if (config.holdable === true) return
        note('held')
        throw new MamoriError('RISK_REVIEW', 'this change needs a check by the broker before it can be made; please contact support')
      case 'deny':
        note('denied')
        if (assessment.symbolFrozen) {
          throw new MamoriError('SYMBOL_FROZEN', 'buying this symbol is suspended for new devices and networks; please try later or contact support')
        }
        throw new MamoriError('RISK_DENIED', 'this operation cannot be made now; please contact support')
      case 'freeze':
        note('frozen')
        await freezeCustomer(deps, customer.id)
        throw new MamoriError('CUSTOMER_FROZEN', 'this account is frozen; contact support')
    }
  }
}

/** Freezes an account at once: no more operations (requireActiveCustomer), no live session, and the customer told. */
async function freezeCustomer(deps: RiskHookDeps, customerId: string): Promise<void> {
  await deps.store.db.updateTable('customers').set({ status: 'frozen' }).where('id', '=', customerId).where('status', '=', 'active').execute()
  await deps.sessions.revokeAllForCustomer(customerId)
  await deps.notices?.send(customerId, 'account_frozen', {}).catch(() => undefined)
}
