/**
 * Four-eyes approval (D-2). Seed 002: one outsourced engineer acted alone for 2.5 years. Every
 * sensitive staff action here needs a second person: the requester can never decide their own
 * request, an approval runs its action in the same transaction (or not at all), a request is
 * decided once, and a stale one expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { fundedCustomer, testBrokerage, type TestBrokerage } from '../../test/support/brokerage.js'
import { SecurityNotices } from '../auth/frontDoor/SecurityNotices.js'
import { SessionService } from '../auth/index.js'
import { AccountLockout } from '../auth/lockout/index.js'
import { listDestinations } from '../brokerage/index.js'
import { isMamoriError } from '../errors/index.js'
import { listOutbox, OutboxMailer } from '../notify/index.js'
import type { Store } from '../store/index.js'
import { ApprovalService, builtInExecutors, type ApprovalExecutors } from './index.js'

const HOUR = 3_600_000

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    if (isMamoriError(err)) return err.code
    throw err
  }
  throw new Error('expected a MamoriError')
}

describe.each(DIALECTS)('four-eyes approvals on $dialect', (dc) => {
  let store: Store
  let tb: TestBrokerage
  let approvals: ApprovalService
  let sessions: SessionService
  let lockout: AccountLockout
  const roleChanges: { staffId: string; role: string }[] = []

  beforeAll(async () => {
    store = await dc.open()
    tb = await testBrokerage(store)
    lockout = new AccountLockout({ threshold: 3, clock: tb.clock })
    sessions = new SessionService({ store, clock: tb.clock, random: tb.ctx.random, idleMs: HOUR, absoluteMs: 12 * HOUR })
    const mailer = new OutboxMailer({ store, clock: tb.clock, random: tb.ctx.random })
    const notices = new SecurityNotices({ store, clock: tb.clock, random: tb.ctx.random, mailer })
    const executors: ApprovalExecutors = {
      ...builtInExecutors({ lockout, notices, recoveryCoolingMs: 72 * HOUR, destinationCoolingMs: 48 * HOUR }),
      // The staff table is another module's; its executor is injected like this.
      role_change: async (_db, payload) => {
        roleChanges.push({ staffId: payload.staffId, role: payload.role })
        return { staffId: payload.staffId, role: payload.role }
      },
    }
    approvals = new ApprovalService({ brokerage: tb.ctx, executors })
  })
  afterAll(async () => {
    await store.close()
  })

  async function frozenCustomer(): Promise<string> {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    await store.db.updateTable('customers').set({ status: 'frozen' }).where('id', '=', customer.id).execute()
    return customer.id
  }

  async function statusOf(customerId: string): Promise<string> {
    const row = await store.db.selectFrom('customers').select('status').where('id', '=', customerId).executeTakeFirstOrThrow()
    return row.status
  }

  it('the requester can neither approve nor reject their own request', async () => {
    const customerId = await frozenCustomer()
    const req = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'identity re-verified at branch' })
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_alice', reason: 'looks fine' }))).toBe('FOUR_EYES_SELF_APPROVAL')
    expect(await codeOf(approvals.approve(req.id, { by: ' stf_alice ', reason: 'looks fine' }))).toBe('FOUR_EYES_SELF_APPROVAL')
    expect(await codeOf(approvals.reject(req.id, { by: 'stf_alice', reason: 'never mind' }))).toBe('FOUR_EYES_SELF_APPROVAL')
    expect((await approvals.get(req.id)).status).toBe('pending')
    expect(await statusOf(customerId)).toBe('frozen')
  })

  it('a second member of staff approves and the action runs with the status change', async () => {
    const customerId = await frozenCustomer()
    const req = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'identity re-verified at branch' })
    const done = await approvals.approve(req.id, { by: 'stf_bob', reason: 'checked the ID documents' })
    expect(done).toMatchObject({ status: 'approved', decidedBy: 'stf_bob', decisionReason: 'checked the ID documents', result: { wasFrozen: true } })
    expect(await statusOf(customerId)).toBe('active')
    expect(await approvals.get(req.id)).toMatchObject({ status: 'approved', result: { wasFrozen: true }, requestReason: 'identity re-verified at branch' })
  })

  it('an expired request cannot be approved, and is marked expired', async () => {
    const customerId = await frozenCustomer()
    const req = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'customer called' })
    expect(req.expiresAt - req.requestedAt).toBe(24 * HOUR)
    tb.clock.advance(24 * HOUR)
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_bob', reason: 'ok' }))).toBe('APPROVAL_EXPIRED')
    expect((await approvals.get(req.id)).status).toBe('expired')
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_bob', reason: 'ok' }))).toBe('APPROVAL_EXPIRED')
    expect(await statusOf(customerId)).toBe('frozen')
  })

  it('the time to live is configurable per request, and stale requests are swept', async () => {
    const customerId = await frozenCustomer()
    const req = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'customer called', ttlMs: HOUR })
    tb.clock.advance(HOUR)
    expect(await approvals.expireStale()).toBeGreaterThanOrEqual(1)
    expect((await approvals.get(req.id)).status).toBe('expired')
  })

  it('a decided request cannot be decided again', async () => {
    const customerId = await frozenCustomer()
    const a = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'r' })
    await approvals.approve(a.id, { by: 'stf_bob', reason: 'ok' })
    expect(await codeOf(approvals.approve(a.id, { by: 'stf_carol', reason: 'ok' }))).toBe('APPROVAL_RESOLVED')
    expect(await codeOf(approvals.reject(a.id, { by: 'stf_carol', reason: 'no' }))).toBe('APPROVAL_RESOLVED')
    const b = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'r' })
    expect(await approvals.reject(b.id, { by: 'stf_bob', reason: 'not verified' })).toMatchObject({ status: 'rejected', result: null })
    expect(await codeOf(approvals.approve(b.id, { by: 'stf_carol', reason: 'ok' }))).toBe('APPROVAL_RESOLVED')
  })

  it('two approvers at once: exactly one runs the action', async () => {
    const customerId = await frozenCustomer()
    const req = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'r' })
    const results = await Promise.allSettled([
      approvals.approve(req.id, { by: 'stf_bob', reason: 'ok' }),
      approvals.approve(req.id, { by: 'stf_carol', reason: 'ok' }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const failed = results.find((r) => r.status === 'rejected')
    expect(failed !== undefined && isMamoriError(failed.reason, 'APPROVAL_RESOLVED')).toBe(true)
  })

  it('an empty reason is refused, for the request and for the decision', async () => {
    const customerId = await frozenCustomer()
    expect(await codeOf(approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: '  ' }))).toBe('REASON_REQUIRED')
    const req = await approvals.request({ kind: 'unfreeze', payload: {}, customerId, requestedBy: 'stf_alice', reason: 'r' })
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_bob', reason: '' }))).toBe('REASON_REQUIRED')
    expect(await codeOf(approvals.reject(req.id, { by: 'stf_bob', reason: ' ' }))).toBe('REASON_REQUIRED')
    expect((await approvals.get(req.id)).status).toBe('pending')
  })

  it('an unknown request is APPROVAL_NOT_FOUND', async () => {
    expect(await codeOf(approvals.approve('apr_nope', { by: 'stf_bob', reason: 'ok' }))).toBe('APPROVAL_NOT_FOUND')
    expect(await codeOf(approvals.get('apr_nope'))).toBe('APPROVAL_NOT_FOUND')
  })

  it('support enters a destination on the customer’s behalf; it registers only on approval, and the customer is told', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const req = await approvals.request({
      kind: 'destination_change',
      customerId: customer.id,
      // Anything outside the kind's fields is dropped, so nothing pasted by mistake is stored.
      payload: { bankCode: '0009', branchCode: '456', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'ｻﾄｳ ﾊﾅｺ', tradingPassword: 'oops' },
      requestedBy: 'stf_support',
      reason: 'paper form received and ID checked',
    })
    expect(req.payload).not.toHaveProperty('tradingPassword')
    expect(await listDestinations(store.db, customer.id)).toHaveLength(1)
    const done = await approvals.approve(req.id, { by: 'stf_super', reason: 'form and ID match' })
    expect(done.result).toMatchObject({ bankCode: '0009', branchCode: '456' })
    const active = (await listDestinations(store.db, customer.id)).filter((d) => d.status === 'active')
    expect(active.map((d) => d.accountNumber)).toContain('7654321')
    expect((await listOutbox(store.db, customer.id)).map((m) => m.kind)).toContain('notice.destination_added')
  })

  it('an action that fails rolls the approval back: the request stays pending and nothing changes', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const req = await approvals.request({
      kind: 'destination_change',
      customerId: customer.id,
      payload: { bankCode: '0009', branchCode: '456', accountType: 'ordinary', accountNumber: '7654321', holderKana: 'ﾀﾅｶ ｲﾁﾛｳ' },
      requestedBy: 'stf_support',
      reason: 'form received',
    })
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_super', reason: 'ok' }))).toBe('DESTINATION_NAME_MISMATCH')
    expect(await approvals.get(req.id)).toMatchObject({ status: 'pending', decidedBy: null, result: null })
    expect(await listDestinations(store.db, customer.id)).toHaveLength(1)
  })

  it('an account unlock lifts the login lock', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    for (let i = 0; i < 3; i++) await lockout.recordFailure(store.db, customer.id)
    expect(await lockout.isLocked(store.db, customer.id)).toBe(true)
    const req = await approvals.request({ kind: 'account_unlock', payload: {}, customerId: customer.id, requestedBy: 'stf_support', reason: 'identity re-verified by video call' })
    expect((await approvals.approve(req.id, { by: 'stf_super', reason: 'ok' })).result).toEqual({ wasLocked: true })
    expect(await lockout.isLocked(store.db, customer.id)).toBe(false)
  })

  it('a factor reset removes TOTP, passkeys and the phone app, ends every session and starts the recovery cooling', async () => {
    const { customer } = await fundedCustomer(tb.ctx, 0)
    const now = tb.clock.now()
    await store.db.insertInto('totp_credentials').values({ customer_id: customer.id, secret_enc: 'sealed', created_at: now, confirmed_at: now }).execute()
    for (const [id, purpose] of [
      [`pk_${customer.id}_1`, 'login'],
      [`pk_${customer.id}_2`, 'phone_app'],
    ] as const) {
      await store.db
        .insertInto('passkeys')
        .values({ id, customer_id: customer.id, public_key: 'k', sign_count: 0, transports: '[]', device_type: 'singleDevice', backed_up: 0, purpose, label: 'x', created_at: now, last_used_at: null, removed_at: null })
        .execute()
    }
    const s = await sessions.create(customer.id)
    const req = await approvals.request({ kind: 'factor_reset', payload: {}, customerId: customer.id, requestedBy: 'stf_support', reason: 'lost phone; ID re-verified' })
    expect(req.payload).toEqual({ factors: ['totp', 'passkey', 'phone_app'] })
    const done = await approvals.approve(req.id, { by: 'stf_super', reason: 'ok' })
    expect(done.result).toMatchObject({ totpRemoved: true, passkeysRemoved: 1, phoneAppsRemoved: 1, sessionsEnded: 1, coolingUntil: now + 72 * HOUR })
    expect(await store.db.selectFrom('totp_credentials').select('customer_id').where('customer_id', '=', customer.id).execute()).toHaveLength(0)
    const live = await store.db.selectFrom('passkeys').select('id').where('customer_id', '=', customer.id).where('removed_at', 'is', null).execute()
    expect(live).toHaveLength(0)
    expect(await sessions.resolve(s.token)).toBeUndefined()
    const c = await store.db.selectFrom('customers').select('recovery_cooling_until').where('id', '=', customer.id).executeTakeFirstOrThrow()
    expect(Number(c.recovery_cooling_until)).toBe(now + 72 * HOUR)
  })

  it('a role change runs the injected executor, and the staff member concerned cannot approve it', async () => {
    const req = await approvals.request({ kind: 'role_change', payload: { staffId: 'stf_bob', role: 'admin' }, requestedBy: 'stf_alice', reason: 'new team lead' })
    expect(req.customerId).toBeNull()
    expect(await codeOf(approvals.approve(req.id, { by: 'stf_bob', reason: 'yes please' }))).toBe('FOUR_EYES_SELF_APPROVAL')
    expect(roleChanges).toHaveLength(0)
    await approvals.approve(req.id, { by: 'stf_carol', reason: 'confirmed with HR' })
    expect(roleChanges).toEqual([{ staffId: 'stf_bob', role: 'admin' }])
    expect(await codeOf(approvals.request({ kind: 'role_change', payload: { staffId: 'stf_bob', role: 'god' }, requestedBy: 'stf_alice', reason: 'r' }))).toBe('VALIDATION_FAILED')
  })

  it('a kind without an executor cannot be requested, and a customer action must name its customer', async () => {
    const bare = new ApprovalService({ brokerage: tb.ctx, executors: builtInExecutors({ lockout, recoveryCoolingMs: 0 }) })
    expect(await codeOf(bare.request({ kind: 'role_change', payload: { staffId: 'stf_bob', role: 'admin' }, requestedBy: 'stf_alice', reason: 'r' }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(bare.request({ kind: 'unfreeze', payload: {}, requestedBy: 'stf_alice', reason: 'r' }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(bare.request({ kind: 'unfreeze', payload: {}, customerId: 'cust_nope', requestedBy: 'stf_alice', reason: 'r' }))).toBe('CUSTOMER_NOT_FOUND')
  })

  it('a colluding pair: the same requester and approver unlocking five customers within a day raise one alert naming both; four, or another approver, raise none', async () => {
    const pairAlerts = async (): Promise<string[]> =>
      (await store.db.selectFrom('risk_alerts').select('top_reason').where('action', '=', 'staff_access').execute())
        .map((r) => r.top_reason)
        .filter((t) => t.startsWith('staff_pair_approvals:') && t.includes('stf_mallory'))
    const unlock = async (approver: string): Promise<void> => {
      const { customer } = await fundedCustomer(tb.ctx, 0)
      const req = await approvals.request({ kind: 'account_unlock', payload: {}, customerId: customer.id, requestedBy: 'stf_mallory', reason: 'customer called' })
      await approvals.approve(req.id, { by: approver, reason: 'ok' })
    }
    for (let i = 0; i < 4; i++) await unlock('stf_trent')
    await unlock('stf_victor')
    expect(await pairAlerts()).toEqual([])
    await unlock('stf_trent')
    const alerts = await pairAlerts()
    expect(alerts).toHaveLength(1)
    expect(alerts[0]).toContain('stf_trent')
    expect(alerts[0]).toContain('5 customers')
    await unlock('stf_trent')
    expect(await pairAlerts()).toHaveLength(1)
  })
})
