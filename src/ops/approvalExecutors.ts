import { registerDestination } from '../brokerage/index.js'
import type { Db } from '../store/index.js'
import type { ApprovalExecution, ApprovalExecutor, ApprovalExecutors, ResettableFactor } from './approvals.js'
import { compensationPaymentExecutor } from './compensation.js'

/** What the approval executors tell the customer after the commit; SecurityNotices fits. */
export interface ApprovalNotices {
  send(
    customerId: string,
    kind: 'destination_added' | 'account_unlocked' | 'factor_removed',
    details: Record<string, string | number>,
  ): Promise<void>
}

/** Lifts a login lock inside the caller's transaction; AccountLockout fits. */
export interface AccountUnlocker {
  unlock(db: Db, customerId: string): Promise<boolean>
}

export interface BuiltInExecutorDeps {
  readonly lockout: AccountUnlocker
  /**
   * After a factor reset, withdrawals and destination changes are frozen this long, as after a
   * self-service recovery (B-11): a help-desk reset is a classic takeover route, and the real
   * customer needs time to see the notice. config auth.recoveryCoolingHours in milliseconds.
   */
  readonly recoveryCoolingMs: number
  /** The destination cooling period, to tell the customer when a new destination becomes usable. */
  readonly destinationCoolingMs?: number
  readonly notices?: ApprovalNotices
}

/**
 * The executors of every kind except role_change (whose executor belongs to the staff module and
 * is added by the caller: `{ ...builtInExecutors(deps), role_change: ... }`).
 */
export function builtInExecutors(deps: BuiltInExecutorDeps): ApprovalExecutors {
  if (!Number.isSafeInteger(deps.recoveryCoolingMs) || deps.recoveryCoolingMs < 0) {
    throw new TypeError('recoveryCoolingMs must be a non-negative integer')
  }
  return Object.freeze({
    destination_change: destinationChange(deps),
    account_unlock: accountUnlock(deps),
    factor_reset: factorReset(deps),
    unfreeze,
    compensation_payment: compensationPaymentExecutor,
  })
}

function subject(ctx: ApprovalExecution): string {
  const id = ctx.request.customerId
  if (id === null) throw new TypeError(`a ${ctx.request.kind} request without its customer`)
  return id
}

/** Registers the destination as the customer would have (same name check, same cooling period from now). */
function destinationChange(deps: BuiltInExecutorDeps): ApprovalExecutor<'destination_change'> {
  return async (db, payload, ctx) => {
    const customerId = subject(ctx)
    const d = await registerDestination(ctx.brokerage, db, customerId, payload)
    ctx.afterCommit(async () => {
      await deps.notices?.send(customerId, 'destination_added', {
        bankCode: d.bankCode,
        branchCode: d.branchCode,
        accountNumber: d.accountNumber,
        ...(deps.destinationCoolingMs === undefined ? {} : { coolingUntil: d.createdAt + deps.destinationCoolingMs }),
      })
    })
    return { destinationId: d.id, bankCode: d.bankCode, branchCode: d.branchCode, accountType: d.accountType, createdAt: d.createdAt }
  }
}

function accountUnlock(deps: BuiltInExecutorDeps): ApprovalExecutor<'account_unlock'> {
  return async (db, _payload, ctx) => {
    const customerId = subject(ctx)
    const wasLocked = await deps.lockout.unlock(db, customerId)
    if (wasLocked) ctx.afterCommit(async () => deps.notices?.send(customerId, 'account_unlocked', {}))
    return { wasLocked }
  }
}

/**
 * Removes the chosen factors so the customer can enrol again, ends every session and starts the
 * recovery cooling period. The same statements as TotpService.remove and PasskeyService.removeAll,
 * run on the approval's transaction (those services hold their own store handle: on SQLite's
 * single connection they would wait forever for this transaction). Secrets are deleted, never read;
 * removed passkeys keep their row so their credential ids can never be registered again.
 */
function factorReset(deps: BuiltInExecutorDeps): ApprovalExecutor<'factor_reset'> {
  return async (db, payload, ctx) => {
    const customerId = subject(ctx)
    const at = ctx.at
    const factors = new Set<ResettableFactor>(payload.factors)
    let totpRemoved = false
    if (factors.has('totp')) {
      const deleted = await db.deleteFrom('totp_credentials').where('customer_id', '=', customerId).executeTakeFirst()
      await db.deleteFrom('totp_used_steps').where('customer_id', '=', customerId).execute()
      totpRemoved = Number(deleted.numDeletedRows) > 0
    }
    const removePasskeys = async (purpose: 'login' | 'phone_app'): Promise<number> => {
      const r = await db
        .updateTable('passkeys')
        .set({ removed_at: at })
        .where('customer_id', '=', customerId)
        .where('purpose', '=', purpose)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
      return Number(r.numUpdatedRows)
    }
    const passkeysRemoved = factors.has('passkey') ? await removePasskeys('login') : 0
    const phoneAppsRemoved = factors.has('phone_app') ? await removePasskeys('phone_app') : 0
    // Whoever was signed in with the old factors is signed out, as after a self-service recovery.
    const sessions = await db
      .updateTable('sessions')
      .set({ revoked_at: at })
      .where('customer_id', '=', customerId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    // A cooling period already running to a later time is kept, never shortened.
    const before = await db.selectFrom('customers').select('recovery_cooling_until').where('id', '=', customerId).executeTakeFirst()
    const coolingUntil = Math.max(at + deps.recoveryCoolingMs, Number(before?.recovery_cooling_until ?? 0))
    await db
      .updateTable('customers')
      .set({ recovery_cooling_until: coolingUntil, credentials_changed_at: at })
      .where('id', '=', customerId)
      .execute()
    ctx.afterCommit(async () => {
      const notices = deps.notices
      if (notices === undefined) return
      if (totpRemoved) await notices.send(customerId, 'factor_removed', { factor: 'totp' })
      if (passkeysRemoved > 0) await notices.send(customerId, 'factor_removed', { factor: 'passkey' })
      if (phoneAppsRemoved > 0) await notices.send(customerId, 'factor_removed', { factor: 'phone_app' })
    })
    return { factors: [...factors], totpRemoved, passkeysRemoved, phoneAppsRemoved, sessionsEnded: Number(sessions.numUpdatedRows), coolingUntil }
  }
}

/** Reopens a frozen account (never a closed one). The approval is the fresh identity check the regulator asks for. */
const unfreeze: ApprovalExecutor<'unfreeze'> = async (db, _payload, ctx) => {
  const customerId = subject(ctx)
  const r = await db
    .updateTable('customers')
    .set({ status: 'active' })
    .where('id', '=', customerId)
    .where('status', '=', 'frozen')
    .executeTakeFirst()
  return { wasFrozen: Number(r.numUpdatedRows) > 0 }
}
