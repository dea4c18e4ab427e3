import type { AuditAction, AuditLog } from '../audit/index.js'
import type { AccessEvent } from '../risk/events/index.js'

/**
 * Customer security events into the audit log (D-8): every login and failed login, every
 * destination, contact, factor and password change, withdrawal, recovery and unlock, as the
 * access recorder saw it — who, from where, how it ended. Orders and deposits are trading, not
 * security events, and stay in the access history only; an order the engine held or froze on is
 * still audited as the system's decision. Only origin facts are copied: never PII or a secret.
 */
export function securityAuditOf(audit: AuditLog, onError: (err: unknown) => void): (event: AccessEvent, method: string) => void {
  return (event, method) => {
    const entries: AuditAction[] = []
    const action = customerActionOf(event, method)
    if (action !== undefined) entries.push(action)
    if (event.outcome === 'frozen') entries.push('system.account_frozen')
    if (event.outcome === 'held') entries.push('system.operation_held')
    if (entries.length === 0) return
    const detail = {
      operation: event.action,
      outcome: event.outcome,
      ip: event.ip,
      network: event.asnName ?? event.network,
      country: event.country,
      deviceId: event.deviceId,
      route: typeof event.detail.route === 'string' ? event.detail.route : null,
      status: typeof event.detail.status === 'number' ? event.detail.status : null,
    }
    // A failed login names no customer (it may be for an unknown login id): its subject is then the
    // keyed hash of the login id tried, as in the access history, so attempts on one id line up.
    const subject =
      event.customerId !== null ? { kind: 'customer', id: event.customerId } : event.loginIdHash !== null ? { kind: 'login_id', id: event.loginIdHash } : null
    void (async () => {
      for (const a of entries) {
        await audit.append({
          actor: a.startsWith('system.') ? { kind: 'system', id: 'risk_engine' } : event.customerId === null ? { kind: 'system', id: 'front_door' } : { kind: 'customer', id: event.customerId },
          action: a,
          subject,
          detail,
        })
      }
    })().catch(onError)
  }
}

function customerActionOf(event: AccessEvent, method: string): AuditAction | undefined {
  const removing = method === 'DELETE'
  switch (event.action) {
    case 'login':
      return event.outcome === 'success' ? 'customer.login' : undefined
    case 'login_failed':
      return 'customer.login_failed'
    case 'destination_change':
      return removing ? 'customer.destination_removed' : 'customer.destination_added'
    case 'contact_change':
      return 'customer.contact_changed'
    case 'factor_change':
      return removing ? 'customer.factor_removed' : 'customer.factor_added'
    case 'password_change':
      return 'customer.password_changed'
    case 'withdrawal':
      return 'customer.withdrawal_requested'
    case 'recovery':
      return 'customer.recovery_started'
    case 'unlock':
      return 'customer.unlocked'
    default:
      return undefined
  }
}
