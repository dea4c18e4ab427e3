import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { MamoriError, isMamoriError } from '../../errors/index.js'
import type { ApprovalStatus } from '../app-approval/index.js'
import type { AuthFlow } from '../flow/index.js'
import { dummyVerify, verifyPassword } from '../password/index.js'
import { evaluatePolicy, type Factor, type FactorTimes, type PolicyOperation } from '../policy/index.js'
import type { NewSession, ResolvedSession, RotateOptions } from '../session/index.js'
import type { FrontDoorDeps, LoginProgress, LoginRiskVerdict, RequestEnv } from './types.js'

/** One answer for every refused login, whatever the reason (B-10: no user enumeration). */
const authFailed = (): MamoriError => new MamoriError('AUTH_FAILED', 'login ID or password is incorrect')
const flowInvalid = (): MamoriError => new MamoriError('FLOW_INVALID', 'this login has expired or is unknown; start again')

interface LoginCustomer {
  id: string
  status: string
  login_password_hash: string
  locked_at: number | null
  login_lock_enabled: number
  login_unlocked_until: number | null
  registered_devices_only: number
  email: string
}

/**
 * The front door (B-1 … B-12). Every way in — password, passkey, the second factors, recovery,
 * unlock — passes the same checks in the same order: cheap throttles first (no database, no
 * argon2), then the account lockout and the customer's own login lock, then the policy for the
 * operation. Every refusal before the policy is the same AUTH_FAILED.
 */
export class FrontDoor {
  readonly #d: FrontDoorDeps
  /** Password checks in progress per IP and per network: counted before argon2, not after. */
  readonly #inFlight = new Map<string, number>()

  constructor(deps: FrontDoorDeps) {
    this.#d = deps
  }

  /**
   * The cheap check every login-shaped request passes before anything else — before a device
   * row is written, before the database is asked about the login ID, before any argon2 work:
   * the IP's and the network's recent failures, and their attempts still in progress (so a burst
   * cannot slip past a limit that only counts finished failures).
   */
  async admit(ip: string, network: string): Promise<void> {
    if ((this.#inFlight.get(`ip:${ip}`) ?? 0) >= MAX_IN_FLIGHT_PER_IP || (this.#inFlight.get(`net:${network}`) ?? 0) >= MAX_IN_FLIGHT_PER_NETWORK) {
      throw new MamoriError('RATE_LIMITED', 'too many login attempts from this network; try again later')
    }
    await this.#d.throttle.check({ ip, network })
  }

  /** Runs a password check through the gate, counted as in flight for its IP and network meanwhile. */
  async #checkPassword<T>(env: RequestEnv, priority: boolean, work: () => Promise<T>): Promise<T> {
    const keys = [`ip:${env.ip}`, `net:${env.network}`]
    for (const k of keys) this.#inFlight.set(k, (this.#inFlight.get(k) ?? 0) + 1)
    try {
      return await this.#d.gate.run(priority, work)
    } finally {
      for (const k of keys) {
        const n = (this.#inFlight.get(k) ?? 1) - 1
        if (n <= 0) this.#inFlight.delete(k)
        else this.#inFlight.set(k, n)
      }
    }
  }

  /** Step one of a password login. */
  async passwordLogin(env: RequestEnv, loginId: string, password: string): Promise<LoginProgress> {
    const d = this.#d
    await this.admit(env.ip, env.network)
    const customer = await this.#customerByLoginId(loginId)
    if (customer === undefined) {
      // The same argon2 work as for a real account, so timing does not tell them apart.
      await this.#checkPassword(env, false, () => dummyVerify(password))
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId })
      throw authFailed()
    }
    // A device already attached to this account waits in the short line (its owner, most likely).
    const known = env.deviceCustomerId === customer.id
    const passwordOk = await this.#checkPassword(env, known, () => verifyPassword(customer.login_password_hash, password))
    if (customer.locked_at !== null || (await d.lockout.isLocked(d.store.db, customer.id))) {
      // Locked (B-10): even the right password gets the generic answer, and nothing reveals it was right.
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId })
      throw authFailed()
    }
    if (this.#loginLocked(customer) || customer.status !== 'active') {
      // The customer keeps login locked (B-6), or the account is frozen (usually because someone
      // else got in): the same answer whether or not the password was right, so a frozen account
      // does not confirm a stolen password. The customer's passkey login still says it is frozen.
      if (!passwordOk) await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId })
      throw authFailed()
    }
    if (!passwordOk) {
      await d.lockout.recordFailure(d.store.db, customer.id)
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId })
      throw authFailed()
    }
    const flow = await d.flows.start({
      customerId: customer.id,
      operation: 'login',
      deviceId: env.deviceId,
      ip: env.ip,
      userAgent: env.userAgent,
      factors: { password: d.clock.now() },
    })
    return this.#progress(flow.token, customer, { password: d.clock.now() }, env)
  }

  /** Options for a usernameless passkey login (no password at all). */
  async passkeyLoginOptions(env: RequestEnv): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    await this.#d.throttle.check({ ip: env.ip, network: env.network })
    return this.#d.passkeys.authenticationOptions({ purpose: 'login' })
  }

  /** A passkey login: the passkey alone is the phishing-resistant factor the default policy wants. */
  async passkeyLogin(env: RequestEnv, challengeId: string, response: AuthenticationResponseJSON): Promise<LoginProgress> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    let customerId: string
    try {
      const result = await d.passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' })
      if (result.purpose !== 'login') throw new MamoriError('PASSKEY_INVALID', 'this passkey belongs to the phone app')
      customerId = result.customerId
    } catch (err) {
      if (isMamoriError(err)) await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw err
    }
    const customer = await this.#customerById(customerId)
    if (customer === undefined || customer.locked_at !== null || this.#loginLocked(customer)) throw authFailed()
    if (customer.status !== 'active') throw new MamoriError('CUSTOMER_FROZEN', 'this account is frozen; contact support')
    const now = d.clock.now()
    const flow = await d.flows.start({
      customerId,
      operation: 'login',
      deviceId: env.deviceId,
      ip: env.ip,
      userAgent: env.userAgent,
      factors: { passkey: now },
    })
    return this.#progress(flow.token, customer, { passkey: now }, env)
  }

  /** Passkey options to continue a login flow (after the password). */
  async flowPasskeyOptions(flowToken: string): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const flow = await this.#flow(flowToken)
    return this.#d.passkeys.authenticationOptions({ customerId: flow.customerId as string, purpose: 'login' })
  }

  /** Continues a login flow with a passkey assertion. */
  async flowPasskey(env: RequestEnv, flowToken: string, challengeId: string, response: AuthenticationResponseJSON): Promise<LoginProgress> {
    const flow = await this.#flow(flowToken)
    const customerId = flow.customerId as string
    try {
      const result = await this.#d.passkeys.verifyAuthentication({ challengeId, response, purpose: 'login' })
      if (result.customerId !== customerId || result.purpose !== 'login') throw new MamoriError('PASSKEY_INVALID', 'passkey not accepted')
    } catch (err) {
      await this.#secondFactorFailed(env, customerId)
      throw err
    }
    return this.#advance(env, flowToken, flow, 'passkey')
  }

  /** Sends an e-mail code bound to this flow (for login, or to confirm a new device). */
  async flowSendEmailCode(flowToken: string, purpose: 'login' | 'device_add'): Promise<{ expiresAt: number }> {
    const flow = await this.#flow(flowToken)
    const customer = await this.#customerById(flow.customerId as string)
    if (customer === undefined) throw flowInvalid()
    const { expiresAt } = await this.#d.emailCodes.issue({
      customerId: customer.id,
      email: customer.email,
      purpose,
      binding: flow.idHash,
    })
    return { expiresAt }
  }

  /** Continues a login flow with the e-mail code sent for it. */
  async flowEmailCode(env: RequestEnv, flowToken: string, purpose: 'login' | 'device_add', code: string): Promise<LoginProgress> {
    const flow = await this.#flow(flowToken)
    const customerId = flow.customerId as string
    const ok = await this.#d.emailCodes.verify({ customerId, purpose, binding: flow.idHash, code })
    if (!ok) {
      await this.#secondFactorFailed(env, customerId)
      throw new MamoriError('AUTH_FAILED', 'the code is not correct or has expired')
    }
    if (purpose === 'device_add') {
      await this.#d.devices.register(customerId, env.deviceId, env.userAgent.slice(0, 80) || 'device')
      await this.#d.notices.send(customerId, 'new_device', { userAgent: env.userAgent, ip: env.ip })
      const customer = await this.#customerById(customerId)
      if (customer === undefined) throw flowInvalid()
      return this.#progress(flowToken, customer, flow.factors, env)
    }
    return this.#advance(env, flowToken, flow, 'email_code')
  }

  /** Continues a login flow with a TOTP code (each code once per time step). */
  async flowTotp(env: RequestEnv, flowToken: string, code: string): Promise<LoginProgress> {
    const flow = await this.#flow(flowToken)
    const customerId = flow.customerId as string
    if (!(await this.#d.totp.verify(customerId, code))) {
      await this.#secondFactorFailed(env, customerId)
      throw new MamoriError('AUTH_FAILED', 'the code is not correct')
    }
    return this.#advance(env, flowToken, flow, 'totp')
  }

  /** Asks the customer's phone app to approve this login; returns the number to show. */
  async flowRequestApproval(env: RequestEnv, flowToken: string): Promise<{ approvalId: string; number: number; expiresAt: number }> {
    const flow = await this.#flow(flowToken)
    const customerId = flow.customerId as string
    if ((await this.#d.passkeys.countPasskeys(customerId, 'phone_app')) === 0) {
      throw new MamoriError('FACTOR_NOT_AVAILABLE', 'no phone app is registered')
    }
    const r = await this.#d.approvals.request(flow.idHash, customerId, { ip: env.ip, userAgent: env.userAgent, at: this.#d.clock.now() })
    return { approvalId: r.id, number: r.number, expiresAt: r.expiresAt }
  }

  /** Where the phone-app approval of this flow stands; completes the login once approved. */
  async flowApprovalStatus(env: RequestEnv, flowToken: string): Promise<{ approval: ApprovalStatus | 'none'; progress?: LoginProgress }> {
    const flow = await this.#flow(flowToken)
    const s = await this.#d.approvals.statusOf(flow.idHash)
    if (s === undefined) return { approval: 'none' }
    if (s.status !== 'approved') return { approval: s.status }
    return { approval: 'approved', progress: await this.#advance(env, flowToken, flow, 'app_approval') }
  }

  /**
   * Starts pairing a phone app (B-5) from a logged-in session with a fresh passkey: returns a
   * short-lived one-time pairing code the phone types in (or scans), after which the phone
   * registers its own passkey. The code is a flow token: stored hashed, single use, 10 minutes.
   */
  async startPairing(session: ResolvedSession, env: RequestEnv): Promise<{ pairingCode: string; expiresAt: number }> {
    const d = this.#d
    if (session.kind !== 'customer') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'pair the phone app from a full session')
    const verdict = evaluatePolicy(d.policy, 'factor_change', session.factors, d.clock.now())
    if (!verdict.satisfied) {
      throw new MamoriError('STEP_UP_REQUIRED', 'pairing a phone app needs a fresh passkey', { operation: 'factor_change', options: verdict.options })
    }
    const flow = await d.flows.start({
      customerId: session.customerId,
      operation: 'app_pairing',
      deviceId: env.deviceId,
      ip: env.ip,
      userAgent: env.userAgent,
      factors: {},
    })
    return { pairingCode: flow.token, expiresAt: flow.expiresAt }
  }

  /** On the phone: registration options for its own passkey, given a valid pairing code. */
  async pairingOptions(env: RequestEnv, pairingCode: string): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    const flow = await this.#pairingFlow(env, pairingCode)
    const c = await d.store.db
      .selectFrom('customers')
      .select(['login_id', 'name_kanji'])
      .where('id', '=', flow.customerId as string)
      .executeTakeFirstOrThrow()
    return d.passkeys.registrationOptions({ customerId: flow.customerId as string, userName: c.login_id, displayName: `${c.name_kanji} (app)`, purpose: 'phone_app' })
  }

  /** On the phone: registers its passkey, ends the pairing code, notifies, and opens the app's session. */
  async completePairing(
    env: RequestEnv,
    pairingCode: string,
    challengeId: string,
    response: RegistrationResponseJSON,
  ): Promise<{ session: NewSession; customerId: string }> {
    const d = this.#d
    const flow = await this.#pairingFlow(env, pairingCode)
    const customerId = flow.customerId as string
    await d.passkeys.verifyRegistration({ challengeId, customerId, response, label: env.userAgent.slice(0, 60) || 'phone app' })
    if (!(await d.flows.complete(flow.idHash))) throw flowInvalid()
    await d.notices.send(customerId, 'factor_added', { factor: 'phone_app', ip: env.ip, userAgent: env.userAgent })
    const session = await d.sessions.create(customerId, { deviceId: env.deviceId, factors: { passkey: d.clock.now() }, kind: 'phone_app', originIp: env.ip })
    return { session, customerId }
  }

  async #pairingFlow(env: RequestEnv, pairingCode: string): Promise<AuthFlow> {
    const flow = await this.#d.flows.find(pairingCode)
    if (flow === undefined || flow.operation !== 'app_pairing' || flow.customerId === null) {
      await this.#d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw flowInvalid()
    }
    return flow
  }

  /** Options for the phone app to sign in with its own passkey. */
  async appSessionOptions(env: RequestEnv): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    await this.#d.throttle.check({ ip: env.ip, network: env.network })
    return this.#d.passkeys.authenticationOptions({ purpose: 'app_session' })
  }

  /** The phone app's session: only a passkey registered for the phone app opens it. */
  async appSession(env: RequestEnv, challengeId: string, response: AuthenticationResponseJSON): Promise<{ session: NewSession; customerId: string }> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    let result
    try {
      result = await d.passkeys.verifyAuthentication({ challengeId, response, purpose: 'app_session' })
    } catch (err) {
      if (isMamoriError(err)) await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw err
    }
    if (result.purpose !== 'phone_app') throw new MamoriError('PASSKEY_INVALID', 'this passkey is not the phone app’s')
    const customer = await this.#customerById(result.customerId)
    if (customer === undefined || customer.status !== 'active' || customer.locked_at !== null) throw authFailed()
    const session = await d.sessions.create(result.customerId, { deviceId: env.deviceId, factors: { passkey: d.clock.now() }, kind: 'phone_app', originIp: env.ip })
    return { session, customerId: result.customerId }
  }

  /**
   * Options for the phone to approve a login: the challenge is bound to the approval and to the
   * number the customer picked, so the assertion approves exactly that answer and nothing else.
   */
  async approvalOptions(session: ResolvedSession, approvalId: string, number: number): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    if (session.kind !== 'phone_app') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'only the registered phone app approves logins')
    return this.#d.passkeys.authenticationOptions({
      customerId: session.customerId,
      purpose: 'app_approval',
      binding: approvalBinding(approvalId, number),
    })
  }

  /** The phone's answer: approve (with its passkey, bound to the number) or deny. */
  async decideApproval(
    session: ResolvedSession,
    approvalId: string,
    answer: { approve: true; number: number; challengeId: string; response: AuthenticationResponseJSON } | { approve: false },
  ): Promise<ApprovalStatus> {
    const d = this.#d
    if (session.kind !== 'phone_app') throw new MamoriError('SESSION_KIND_FORBIDDEN', 'only the registered phone app approves logins')
    if (!answer.approve) {
      const { status, decidedNow } = await d.approvals.decideOnce(approvalId, session.customerId, { approve: false })
      if (status === 'denied' && decidedNow) {
        // Whoever asked got past the password: the customer is told to change it, the analysts see it.
        const environment = await d.approvals.environmentOf(approvalId)
        await d.notices.send(session.customerId, 'login_refused', {})
        await d.onLoginRefused?.(session.customerId, { ip: environment?.ip ?? '', userAgent: environment?.userAgent ?? '' })
      }
      return status
    }
    const r = await d.passkeys.verifyAuthentication({
      challengeId: answer.challengeId,
      response: answer.response,
      purpose: 'app_approval',
      expectedBinding: approvalBinding(approvalId, answer.number),
    })
    if (r.customerId !== session.customerId || r.purpose !== 'phone_app') {
      throw new MamoriError('PASSKEY_INVALID', 'only the phone app’s passkey approves logins')
    }
    return d.approvals.decide(approvalId, session.customerId, { approve: true, number: answer.number })
  }

  /**
   * Options for the passkey that confirms one specific withdrawal or destination change: the
   * challenge is bound to `description` (see guards/operationBinding), so the assertion confirms
   * exactly that operation once (C-5, dynamic linking).
   */
  async confirmOptions(session: ResolvedSession, operation: string, description: string): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    return this.#d.passkeys.authenticationOptions({
      customerId: session.customerId,
      purpose: `confirm:${operation}`,
      binding: description,
      passkeyPurpose: 'login',
    })
  }

  /** Verifies a bound confirmation against the operation as actually requested; throws when they differ. */
  async verifyConfirmation(
    session: ResolvedSession,
    operation: string,
    description: string,
    confirmation: { challengeId: string; response: unknown },
  ): Promise<void> {
    const r = await this.#d.passkeys.verifyAuthentication({
      challengeId: confirmation.challengeId,
      response: confirmation.response,
      purpose: `confirm:${operation}`,
      expectedBinding: description,
      passkeyPurpose: 'login',
    })
    if (r.customerId !== session.customerId) throw new MamoriError('PASSKEY_INVALID', 'passkey not accepted')
  }

  /** Passkey options to step up the current session for an operation. */
  async stepUpPasskeyOptions(session: ResolvedSession, operation: PolicyOperation): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    return this.#d.passkeys.authenticationOptions({ customerId: session.customerId, purpose: `step_up:${operation}` })
  }

  /**
   * Verifies a step-up passkey and rotates the session (B-12); returns the new session. The session
   * is re-bound to `ip`, the address the passkey was proven from: a customer whose phone moved from
   * home Wi-Fi to the carrier proves it once and carries on.
   */
  async stepUpPasskey(
    session: ResolvedSession,
    ip: string,
    operation: PolicyOperation,
    challengeId: string,
    response: AuthenticationResponseJSON,
  ): Promise<NewSession> {
    const result = await this.#d.passkeys.verifyAuthentication({ challengeId, response, purpose: `step_up:${operation}` })
    if (result.customerId !== session.customerId || result.purpose !== 'login') {
      throw new MamoriError('PASSKEY_INVALID', 'passkey not accepted')
    }
    return this.#rotate(session, { passkey: this.#d.clock.now() }, { originIp: ip })
  }

  /** Verifies a TOTP code as a step-up factor and rotates the session. */
  async stepUpTotp(session: ResolvedSession, code: string): Promise<NewSession> {
    if (!(await this.#d.totp.verify(session.customerId, code))) {
      await this.#d.lockout.recordFailure(this.#d.store.db, session.customerId)
      throw new MamoriError('AUTH_FAILED', 'the code is not correct')
    }
    return this.#rotate(session, { totp: this.#d.clock.now() })
  }

  /** Records a freshly verified trading password on the session, rotating it. */
  async stepUpTradingPassword(session: ResolvedSession): Promise<NewSession> {
    return this.#rotate(session, { trading_password: this.#d.clock.now() })
  }

  /**
   * Starts re-verification of a locked account (B-10): a passkey challenge for the account and a
   * code to its registered e-mail. Answers identically for unknown login IDs.
   */
  async unlockStart(env: RequestEnv, loginId: string): Promise<{ flowToken: string; challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    const customer = await this.#customerByLoginId(loginId)
    const flow = await d.flows.start({
      customerId: customer?.id ?? null,
      operation: 'unlock',
      deviceId: env.deviceId,
      ip: env.ip,
      userAgent: env.userAgent,
      factors: {},
    })
    // Usernameless options for everyone: listing the account's credential ids would tell an
    // attacker which login IDs exist. unlockFinish checks the passkey belongs to the flow's customer.
    const opts = await d.passkeys.authenticationOptions({ purpose: 'unlock', passkeyPurpose: 'login' })
    if (customer !== undefined) {
      try {
        await d.emailCodes.issue({ customerId: customer.id, email: customer.email, purpose: 'unlock', binding: flow.idHash })
      } catch (err) {
        if (!isMamoriError(err, 'RATE_LIMITED')) throw err
      }
    }
    return { flowToken: flow.token, ...opts }
  }

  /** Unlocks after both the passkey and the e-mailed code check out. */
  async unlockFinish(env: RequestEnv, flowToken: string, challengeId: string, response: AuthenticationResponseJSON, code: string): Promise<void> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    const flow = await d.flows.find(flowToken)
    if (flow === undefined || flow.operation !== 'unlock' || flow.customerId === null) {
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw authFailed()
    }
    const customerId = flow.customerId
    let ok = false
    try {
      const r = await d.passkeys.verifyAuthentication({ challengeId, response, purpose: 'unlock' })
      ok = r.customerId === customerId && r.purpose === 'login'
    } catch (err) {
      if (!isMamoriError(err)) throw err
    }
    const codeOk = await d.emailCodes.verify({ customerId, purpose: 'unlock', binding: flow.idHash, code })
    if (!ok || !codeOk || !(await d.flows.complete(flow.idHash))) {
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw authFailed()
    }
    await d.lockout.unlock(d.store.db, customerId)
    await d.notices.send(customerId, 'account_unlocked', { ip: env.ip, userAgent: env.userAgent })
  }

  /**
   * Recovery for a lost phone or passkey (B-11), step one: a code to the registered e-mail. The
   * answer is the same for unknown login IDs.
   */
  async recoveryStart(env: RequestEnv, loginId: string): Promise<{ flowToken: string; expiresAt: number }> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    const customer = await this.#customerByLoginId(loginId)
    const flow = await d.flows.start({
      customerId: customer?.id ?? null,
      operation: 'recovery',
      deviceId: env.deviceId,
      ip: env.ip,
      userAgent: env.userAgent,
      factors: {},
    })
    if (customer !== undefined) {
      try {
        await d.emailCodes.issue({ customerId: customer.id, email: customer.email, purpose: 'recovery', binding: flow.idHash })
      } catch (err) {
        // A rate-limited code must not answer differently from an unknown login ID.
        if (!isMamoriError(err, 'RATE_LIMITED')) throw err
      }
    }
    return { flowToken: flow.token, expiresAt: flow.expiresAt }
  }

  /**
   * Recovery, step two: the e-mailed code and the login password. Every session ends, every
   * passkey (the lost phone's included) is removed, and withdrawals and destination changes are frozen for the
   * cooling period, with a notice on every channel. Returns an enrolment session that may only
   * register a new passkey or phone app.
   */
  async recoveryFinish(env: RequestEnv, flowToken: string, code: string, password: string): Promise<LoginProgress> {
    const d = this.#d
    await d.throttle.check({ ip: env.ip, network: env.network })
    const flow = await d.flows.find(flowToken)
    const customer = flow?.customerId == null ? undefined : await this.#customerById(flow.customerId)
    if (flow === undefined || flow.operation !== 'recovery' || customer === undefined) {
      await this.#checkPassword(env, false, () => dummyVerify(password))
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw authFailed()
    }
    const passwordOk = await this.#checkPassword(env, env.deviceCustomerId === customer.id, () =>
      verifyPassword(customer.login_password_hash, password),
    )
    const codeOk = await d.emailCodes.verify({ customerId: customer.id, purpose: 'recovery', binding: flow.idHash, code })
    if (!passwordOk || !codeOk || customer.locked_at !== null) {
      if (customer.locked_at === null) await d.lockout.recordFailure(d.store.db, customer.id)
      await d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
      throw authFailed()
    }
    if (!(await d.flows.complete(flow.idHash))) throw flowInvalid()
    const now = d.clock.now()
    const coolingUntil = now + d.auth.recoveryCoolingHours * 3_600_000
    await d.store.db
      .updateTable('customers')
      .set({ recovery_cooling_until: coolingUntil, credentials_changed_at: now })
      .where('id', '=', customer.id)
      .execute()
    // Recovery is for a customer who can no longer use their authenticators: every passkey (the
    // phone app's too) is replaced, so one left in a thief's hands stops working.
    await d.passkeys.removeAll(customer.id)
    await d.sessions.revokeAllForCustomer(customer.id)
    await d.notices.send(customer.id, 'recovery_started', { ip: env.ip, userAgent: env.userAgent, coolingUntil })
    const session = await d.sessions.create(customer.id, {
      deviceId: env.deviceId,
      factors: { password: now, email_code: now },
      kind: 'enrolment',
      originIp: env.ip,
    })
    return { status: 'complete', session, kind: 'enrolment', customerId: customer.id }
  }

  async #rotate(session: ResolvedSession, factors: FactorTimes, options: RotateOptions = {}): Promise<NewSession> {
    const next = await this.#d.sessions.rotate(session.sessionHash, factors, options)
    if (next === undefined) throw new MamoriError('AUTH_REQUIRED', 'the session has ended')
    return next
  }

  async #flow(token: string): Promise<AuthFlow> {
    const flow = await this.#d.flows.find(token)
    if (flow === undefined || flow.operation !== 'login' || flow.customerId === null) throw flowInvalid()
    return flow
  }

  async #advance(env: RequestEnv, flowToken: string, flow: AuthFlow, factor: Factor): Promise<LoginProgress> {
    const factors = await this.#d.flows.addFactor(flow.idHash, factor)
    const customer = await this.#customerById(flow.customerId as string)
    if (customer === undefined) throw flowInvalid()
    return this.#progress(flowToken, customer, factors, env)
  }

  /**
   * Decides what a flow still needs: the policy's factor sets narrowed to the factors this
   * customer actually has; the enrolment path (password plus an e-mail code or TOTP) for a
   * customer with no phishing-resistant factor yet; and device confirmation in registered-devices-only mode.
   */
  async #progress(flowToken: string, customer: LoginCustomer, factors: FactorTimes, env: RequestEnv): Promise<LoginProgress> {
    const d = this.#d
    const now = d.clock.now()
    const flow = await d.flows.find(flowToken)
    if (flow === undefined) throw flowInvalid()
    // A lock that arrived while this flow waited for its second factor still stops it (B-10).
    if (customer.locked_at !== null) throw authFailed()
    if (customer.status !== 'active') throw new MamoriError('CUSTOMER_FROZEN', 'this account is frozen; contact support')
    const has = await this.#available(customer.id)
    const deviceConfirmation = customer.registered_devices_only === 1 && !(await d.devices.isRegistered(customer.id, env.deviceId))

    const verdict = evaluatePolicy(d.policy, 'login', factors, now)
    const enrolment = !has.passkey && !has.app_approval
    let satisfied = verdict.satisfied
    let options = d.policy.login.anyOf.filter((set) => set.every((f) => has[f] || factors[f] !== undefined))
    if (!satisfied && enrolment) {
      // Transitional (B-4): a customer with no passkey yet may come in with password + e-mail code
      // or TOTP, into a session that can only register a passkey.
      const enrolSets: Factor[][] = has.totp ? [['password', 'totp']] : [['password', 'email_code']]
      satisfied = enrolSets.some((set) => set.every((f) => (factors[f] ?? -Infinity) >= now - d.policy.login.maxAgeSeconds * 1000))
      options = enrolSets
    }
    let risk: LoginRiskVerdict | undefined
    let riskFactor: Factor | undefined
    if (satisfied && !deviceConfirmation && d.loginRisk !== undefined && !(enrolment && !verdict.satisfied)) {
      // The policy is met; now the risk engine (C-4). An enrolment session can only add a first
      // passkey and starts the recovery cooling, so it is not scored here.
      risk = await d.loginRisk(customer.id, env)
      if (risk.outcome === 'deny') throw authFailed()
      if (risk.outcome === 'step_up') {
        const factor = stepUpFactor(risk.factor ?? 'passkey', has, factors, new Set(d.policy.login.anyOf.flat()))
        // Nothing left to ask that the customer has: an unfamiliar login with no stronger factor is refused.
        if (factor === null) throw authFailed()
        riskFactor = factor
      }
    }
    if (satisfied && !deviceConfirmation && riskFactor === undefined) {
      if (!(await d.flows.complete(flow.idHash))) throw flowInvalid()
      await d.lockout.recordSuccess(d.store.db, customer.id)
      await d.devices.attachToCustomer(env.deviceId, customer.id)
      const kind = enrolment && !verdict.satisfied ? 'enrolment' : 'customer'
      const session = await d.sessions.create(customer.id, { deviceId: env.deviceId, factors, kind, originIp: env.ip })
      if (risk !== undefined && env.deviceCustomerId !== customer.id && customer.registered_devices_only !== 1) {
        // First login of this customer on this device (C-7): from a new environment, say where from.
        // (In registered-devices-only mode the device_add step has told them already.)
        await (risk.newEnvironment
          ? d.notices.send(customer.id, 'login_new_environment', { origin: risk.origin })
          : d.notices.send(customer.id, 'new_device', { userAgent: env.userAgent, ip: env.ip })
        ).catch(() => undefined)
      }
      return { status: 'complete', session, kind, customerId: customer.id }
    }
    if (riskFactor !== undefined) {
      return {
        status: 'factor_required',
        customerId: customer.id,
        flowToken,
        expiresAt: flow.expiresAt,
        options: [[riskFactor]],
        deviceConfirmation: false,
        enrolment: false,
      }
    }
    const remaining = options.map((set) => set.filter((f) => factors[f] === undefined))
    return {
      status: 'factor_required',
      customerId: customer.id,
      flowToken,
      expiresAt: flow.expiresAt,
      options: satisfied ? [] : remaining,
      deviceConfirmation,
      enrolment: enrolment && !verdict.satisfied,
    }
  }

  async #available(customerId: string): Promise<Record<Factor, boolean>> {
    const d = this.#d
    const [passkeys, phones, totp] = await Promise.all([
      d.passkeys.countPasskeys(customerId, 'login'),
      d.passkeys.countPasskeys(customerId, 'phone_app'),
      d.totp.hasTotp(customerId),
    ])
    return {
      password: true,
      trading_password: true,
      passkey: passkeys > 0,
      app_approval: phones > 0,
      totp,
      email_code: true,
    }
  }

  async #secondFactorFailed(env: RequestEnv, customerId: string): Promise<void> {
    await this.#d.lockout.recordFailure(this.#d.store.db, customerId)
    await this.#d.throttle.recordFailure({ ip: env.ip, network: env.network, loginId: '' })
  }

  #loginLocked(c: LoginCustomer): boolean {
    return c.login_lock_enabled === 1 && !(c.login_unlocked_until !== null && c.login_unlocked_until > this.#d.clock.now())
  }

  async #customerByLoginId(loginId: string): Promise<LoginCustomer | undefined> {
    return this.#d.store.db.selectFrom('customers').select(LOGIN_COLUMNS).where('login_id', '=', loginId).executeTakeFirst()
  }

  async #customerById(id: string): Promise<LoginCustomer | undefined> {
    return this.#d.store.db.selectFrom('customers').select(LOGIN_COLUMNS).where('id', '=', id).executeTakeFirst()
  }
}

/** What the risk engine's step-up can fall back to, strongest first, when the customer lacks the factor it asked for. */
const STEP_UP_FALLBACK: readonly Factor[] = ['passkey', 'app_approval', 'totp', 'email_code']

/**
 * The factor to ask for when the risk engine steps a login up: the one it named if the customer
 * has it, else the strongest the customer has beyond what the policy asks of every login (asking
 * again for a factor every login gives proves nothing new). Undefined when the step-up is already
 * answered in this flow; null when the customer has nothing left to give.
 */
function stepUpFactor(wanted: Factor, has: Record<Factor, boolean>, proven: FactorTimes, ordinary: ReadonlySet<Factor>): Factor | undefined | null {
  if (proven[wanted] !== undefined) return undefined
  if (has[wanted]) return wanted
  // Without the wanted factor, a fallback proven in this flow beyond what the policy asks of every login answers it.
  if (STEP_UP_FALLBACK.some((f) => proven[f] !== undefined && !ordinary.has(f))) return undefined
  return STEP_UP_FALLBACK.find((f) => has[f] && proven[f] === undefined && !ordinary.has(f)) ?? null
}

/** Password checks one IP may have in progress at once (a person types one password at a time). */
const MAX_IN_FLIGHT_PER_IP = 2
/** Password checks one network (ASN or /24) may have in progress at once. */
const MAX_IN_FLIGHT_PER_NETWORK = 16

/** What an approval assertion is bound to. */
function approvalBinding(approvalId: string, number: number): string {
  return `app_approval:${approvalId}:${number}`
}

const LOGIN_COLUMNS = [
  'id',
  'status',
  'login_password_hash',
  'locked_at',
  'login_lock_enabled',
  'login_unlocked_until',
  'registered_devices_only',
  'email',
] as const
