import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { MamoriError } from '../../errors/index.js'
import type { PendingApproval } from '../app-approval/index.js'
import { checkNewPassword, hashPassword, verifyPassword } from '../password/index.js'
import { evaluatePolicy, type FactorTimes, type PolicyOperation } from '../policy/index.js'
import type { NewSession, ResolvedSession } from '../session/index.js'
import type { FrontDoorDeps, RequestEnv } from './types.js'

/**
 * A customer's own security settings: passkeys, the phone app, TOTP, registered devices, the
 * login lock and the password. Each change is a policy operation (factor_change, password_change),
 * ends every other session (B-12), rotates the current one and sends a notice on every channel.
 */
export class SecuritySettings {
  readonly #d: FrontDoorDeps

  constructor(deps: FrontDoorDeps) {
    this.#d = deps
  }

  /** Ends one session by its stored hash (login over an existing session: no fixation). */
  async revokeSessionHash(sessionHash: string): Promise<void> {
    await this.#d.sessions.revokeByHash(sessionHash)
  }

  /** The customer's passkeys, without key material. */
  async listPasskeys(
    customerId: string,
  ): Promise<{ id: string; purpose: string; label: string; createdAt: number; lastUsedAt: number | null; backedUp: boolean }[]> {
    const list = await this.#d.passkeys.listPasskeys(customerId)
    return list.map((p) => ({
      id: p.id,
      purpose: p.purpose,
      label: p.label,
      createdAt: p.createdAt,
      lastUsedAt: p.lastUsedAt,
      backedUp: p.backedUp,
    }))
  }

  /** Registered devices, marking the one this session runs on. */
  async listDevices(session: ResolvedSession): Promise<{
    registeredOnly: boolean
    devices: { id: string; label: string; userAgent: string; createdAt: number; lastSeenAt: number; current: boolean }[]
  }> {
    const c = await this.#d.store.db
      .selectFrom('customers')
      .select('registered_devices_only')
      .where('id', '=', session.customerId)
      .executeTakeFirstOrThrow()
    const list = await this.#d.devices.list(session.customerId)
    return {
      registeredOnly: Number(c.registered_devices_only) === 1,
      devices: list.map((d) => ({
        id: d.id,
        label: d.label,
        userAgent: d.userAgent,
        createdAt: d.createdAt,
        lastSeenAt: d.lastSeenAt,
        current: d.id === session.deviceId,
      })),
    }
  }

  /** Logins waiting for the phone app's answer. */
  async pendingApprovals(customerId: string): Promise<PendingApproval[]> {
    return this.#d.approvals.pending(customerId)
  }

  /** Throws STEP_UP_REQUIRED unless the session satisfies the policy for `op` now. */
  requireOperation(session: ResolvedSession, op: PolicyOperation, extra: FactorTimes = {}): void {
    if (session.kind === 'phone_app') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'the phone app cannot do this')
    if (session.kind === 'enrolment') {
      throw new MamoriError('STEP_UP_REQUIRED', 'register a passkey first', { operation: op, options: [['passkey']] })
    }
    const verdict = evaluatePolicy(this.#d.policy, op, { ...session.factors, ...extra }, this.#d.clock.now())
    if (!verdict.satisfied) {
      throw new MamoriError('STEP_UP_REQUIRED', `this operation needs a fresh ${verdict.options.map((s) => s.join(' + ')).join(' or ')}`, {
        operation: op,
        options: verdict.options,
      })
    }
  }

  /**
   * Options to register a passkey (purpose 'login') or the phone app's own passkey. Needs a fresh
   * passkey — except the customer's very first one, which an enrolment session may register.
   */
  async passkeyRegistrationOptions(
    session: ResolvedSession,
    purpose: 'login' | 'phone_app',
  ): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    await this.#requireFactorChange(session)
    const c = await this.#d.store.db
      .selectFrom('customers')
      .select(['login_id', 'name_kanji'])
      .where('id', '=', session.customerId)
      .executeTakeFirstOrThrow()
    return this.#d.passkeys.registrationOptions({
      customerId: session.customerId,
      userName: c.login_id,
      displayName: c.name_kanji,
      purpose,
    })
  }

  /** Registers the passkey; other sessions end, this one rotates (and leaves enrolment once a login passkey exists). */
  async registerPasskey(
    session: ResolvedSession,
    env: RequestEnv,
    challengeId: string,
    response: RegistrationResponseJSON,
    label: string,
  ): Promise<{ passkey: { id: string; purpose: string; label: string }; session: NewSession }> {
    const unproven = await this.#requireFactorChange(session)
    const passkey = await this.#d.passkeys.verifyRegistration({ challengeId, customerId: session.customerId, response, label })
    const now = this.#d.clock.now()
    await this.#credentialsChanged(session, now)
    if (unproven) {
      // The first passkey was registered by someone who proved only a password and an e-mail
      // code (or TOTP) — exactly what a real-time phishing relay has (seed 003). Money may not
      // leave, and destinations may not change, until the cooling period has passed; the
      // customer hears of it on every channel and can stop it.
      const until = now + this.#d.auth.recoveryCoolingHours * 3_600_000
      await this.#d.store.db
        .updateTable('customers')
        .set({ recovery_cooling_until: until })
        .where('id', '=', session.customerId)
        .where((eb) => eb.or([eb('recovery_cooling_until', 'is', null), eb('recovery_cooling_until', '<', until)]))
        .execute()
    }
    await this.#d.notices.send(session.customerId, 'factor_added', { factor: passkey.purpose === 'phone_app' ? 'phone app' : 'passkey', ip: env.ip, userAgent: env.userAgent })
    // Registration needed user verification on the new authenticator: it counts as a fresh passkey.
    const kind = session.kind === 'enrolment' && passkey.purpose === 'login' ? 'customer' : undefined
    const next = await this.#d.sessions.rotate(session.sessionHash, passkey.purpose === 'login' ? { passkey: now } : {}, kind === undefined ? {} : { kind })
    if (next === undefined) throw new MamoriError('AUTH_REQUIRED', 'the session has ended')
    return { passkey: { id: passkey.id, purpose: passkey.purpose, label: passkey.label }, session: next }
  }

  /** Removes a passkey (fresh passkey needed); the last login passkey cannot be removed from the web. */
  async removePasskey(session: ResolvedSession, env: RequestEnv, passkeyId: string): Promise<NewSession> {
    this.requireOperation(session, 'factor_change')
    await this.#d.passkeys.removePasskey(session.customerId, passkeyId)
    const now = this.#d.clock.now()
    await this.#credentialsChanged(session, now)
    await this.#d.notices.send(session.customerId, 'factor_removed', { factor: 'passkey', ip: env.ip, userAgent: env.userAgent })
    return this.#rotate(session)
  }

  /** Starts TOTP enrolment (fresh passkey needed). */
  async totpEnrol(session: ResolvedSession): Promise<{ uri: string; qrSvg: string }> {
    this.requireOperation(session, 'factor_change')
    const c = await this.#d.store.db.selectFrom('customers').select('login_id').where('id', '=', session.customerId).executeTakeFirstOrThrow()
    return this.#d.totp.enrol(session.customerId, c.login_id)
  }

  /** Confirms TOTP enrolment with a first code. */
  async totpConfirm(session: ResolvedSession, env: RequestEnv, code: string): Promise<NewSession> {
    this.requireOperation(session, 'factor_change')
    await this.#d.totp.confirm(session.customerId, code)
    await this.#credentialsChanged(session, this.#d.clock.now())
    await this.#d.notices.send(session.customerId, 'factor_added', { factor: 'authenticator app (TOTP)', ip: env.ip, userAgent: env.userAgent })
    return this.#rotate(session)
  }

  /** Turns "registered devices only" on (any live session) or off (fresh passkey). */
  async setRegisteredDevicesOnly(session: ResolvedSession, env: RequestEnv, enabled: boolean): Promise<void> {
    if (!enabled) this.requireOperation(session, 'factor_change')
    else if (session.kind !== 'customer') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'not from this session')
    if (enabled && session.deviceId !== null) {
      // The device that turns the mode on is the first registered one.
      await this.#d.devices.register(session.customerId, session.deviceId, env.userAgent.slice(0, 80) || 'device')
    }
    await this.#d.store.db
      .updateTable('customers')
      .set({ registered_devices_only: enabled ? 1 : 0 })
      .where('id', '=', session.customerId)
      .execute()
    await this.#d.notices.send(session.customerId, 'devices_mode_changed', { enabled, ip: env.ip, userAgent: env.userAgent })
  }

  /** Removes one registered device (its sessions end with it). */
  async removeDevice(session: ResolvedSession, env: RequestEnv, deviceId: string): Promise<void> {
    this.requireOperation(session, 'factor_change')
    await this.#d.devices.remove(session.customerId, deviceId)
    await this.#d.store.db.updateTable('sessions').set({ revoked_at: this.#d.clock.now() }).where('device_id', '=', deviceId).where('revoked_at', 'is', null).execute()
    await this.#d.notices.send(session.customerId, 'devices_removed', { count: 1, ip: env.ip, userAgent: env.userAgent })
  }

  /** Removes every registered device and ends every session but this one. */
  async removeAllDevices(session: ResolvedSession, env: RequestEnv): Promise<number> {
    this.requireOperation(session, 'factor_change')
    const n = await this.#d.devices.removeAll(session.customerId)
    await this.#endOtherSessions(session, this.#d.clock.now())
    await this.#d.notices.send(session.customerId, 'devices_removed', { count: n, ip: env.ip, userAgent: env.userAgent })
    return n
  }

  /** Keeps login locked (B-6). Locking needs only a session; unlocking the setting needs a fresh passkey. */
  async setLoginLock(session: ResolvedSession, env: RequestEnv, enabled: boolean): Promise<void> {
    if (!enabled) this.requireOperation(session, 'factor_change')
    else if (session.kind === 'enrolment') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'not from this session')
    await this.#d.store.db
      .updateTable('customers')
      .set({ login_lock_enabled: enabled ? 1 : 0, login_unlocked_until: null })
      .where('id', '=', session.customerId)
      .execute()
    await this.#d.notices.send(session.customerId, 'login_lock_changed', { enabled, ip: env.ip, userAgent: env.userAgent })
  }

  /** From the phone app: opens a locked login for a short window (B-6: 30 seconds by default). */
  async openLoginWindow(session: ResolvedSession): Promise<{ until: number }> {
    if (session.kind !== 'phone_app') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'only the registered phone app can unlock login')
    const until = this.#d.clock.now() + this.#d.auth.loginUnlockSeconds * 1000
    await this.#d.store.db.updateTable('customers').set({ login_unlocked_until: until }).where('id', '=', session.customerId).execute()
    return { until }
  }

  /**
   * Changes the registered e-mail or phone (B-8 contact change: a fresh passkey by default).
   * Codes and notices go to the registered contact, so an attacker who changes it first would
   * receive every later code: both the old and the new address are told.
   */
  async changeContact(session: ResolvedSession, env: RequestEnv, change: { email?: string; phone?: string }): Promise<void> {
    this.requireOperation(session, 'contact_change')
    const before = await this.#d.store.db.selectFrom('customers').select('email').where('id', '=', session.customerId).executeTakeFirstOrThrow()
    await this.#d.store.db
      .updateTable('customers')
      .set({ ...(change.email === undefined ? {} : { email: change.email }), ...(change.phone === undefined ? {} : { phone: change.phone }) })
      .where('id', '=', session.customerId)
      .execute()
    await this.#d.notices.send(session.customerId, 'contact_changed', { previousEmail: before.email, ip: env.ip, userAgent: env.userAgent })
  }

  /** Changes the login password (fresh passkey and the current password); every other session ends. */
  async changePassword(session: ResolvedSession, env: RequestEnv, current: string, next: string): Promise<NewSession> {
    this.requireOperation(session, 'password_change')
    const c = await this.#d.store.db
      .selectFrom('customers')
      .select(['login_id', 'login_password_hash'])
      .where('id', '=', session.customerId)
      .executeTakeFirstOrThrow()
    if (!(await verifyPassword(c.login_password_hash, current))) {
      await this.#d.lockout.recordFailure(this.#d.store.db, session.customerId)
      throw new MamoriError('AUTH_FAILED', 'the current password is not correct')
    }
    checkNewPassword(next, { loginId: c.login_id })
    const hash = await hashPassword(next)
    const now = this.#d.clock.now()
    await this.#d.store.db.updateTable('customers').set({ login_password_hash: hash }).where('id', '=', session.customerId).execute()
    await this.#credentialsChanged(session, now)
    await this.#d.notices.send(session.customerId, 'password_changed', { ip: env.ip, userAgent: env.userAgent })
    return this.#rotate(session)
  }

  /**
   * Factor changes need the policy's fresh factor — except the customer's very first passkey,
   * which any session may register (otherwise no one could ever get one). Returns true when that
   * exception was used without a phishing-resistant factor in the session.
   */
  async #requireFactorChange(session: ResolvedSession): Promise<boolean> {
    if (session.kind === 'phone_app') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'the phone app cannot do this')
    if ((await this.#d.passkeys.countPasskeys(session.customerId, 'login')) === 0) {
      const fresh = (session.factors.passkey ?? -Infinity) >= this.#d.clock.now() - this.#d.policy.factor_change.maxAgeSeconds * 1000
      return !fresh
    }
    this.requireOperation(session, 'factor_change')
    return false
  }

  async #credentialsChanged(session: ResolvedSession, now: number): Promise<void> {
    await this.#d.store.db.updateTable('customers').set({ credentials_changed_at: now }).where('id', '=', session.customerId).execute()
    await this.#endOtherSessions(session, now)
  }

  async #endOtherSessions(session: ResolvedSession, now: number): Promise<void> {
    await this.#d.store.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('customer_id', '=', session.customerId)
      .where('id_hash', '!=', session.sessionHash)
      .where('revoked_at', 'is', null)
      .execute()
  }

  async #rotate(session: ResolvedSession): Promise<NewSession> {
    const next = await this.#d.sessions.rotate(session.sessionHash, {})
    if (next === undefined) throw new MamoriError('AUTH_REQUIRED', 'the session has ended')
    return next
  }
}
