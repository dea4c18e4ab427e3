import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { POLICY_OPERATIONS, sessionHashOf, type NewSession, type PolicyOperation } from '../../auth/index.js'
import type { FrontDoor } from '../../auth/frontDoor/FrontDoor.js'
import type { SecuritySettings } from '../../auth/frontDoor/SecuritySettings.js'
import type { LoginProgress, RequestEnv } from '../../auth/frontDoor/types.js'
import type { DeviceService } from '../../auth/device/index.js'
import { DEVICE_COOKIE, deviceCookieOptions } from '../../auth/device/index.js'
import { networkKeyOf } from '../../auth/throttle/index.js'
import { BOUND_OPERATIONS, describeOperation } from '../../guards/index.js'
import type { RouteModule } from '../app.js'
import { customerOf } from '../authenticate.js'
import { errorBodySchema } from '../errorBody.js'
import { sessionTokenOf, setSessionCookie } from '../sessionCookie.js'

export interface FrontDoorRouteDeps {
  readonly frontDoor: FrontDoor
  readonly settings: SecuritySettings
  readonly devices: DeviceService
  readonly secureCookies: boolean
}

/** The header API clients use instead of the device cookie. */
export const DEVICE_HEADER = 'x-mamori-device'

const flowToken = z.string().min(1).max(64)
const code = z.string().min(1).max(16)
const loginId = z.string().min(1).max(256)
const password = z.string().min(1).max(4096)
const challengeId = z.string().min(1).max(128)
// WebAuthn responses are verified field by field by @simplewebauthn; here only their outer shape and size.
const webauthnResponse = z.looseObject({ id: z.string().max(1024), rawId: z.string().max(1024), type: z.literal('public-key') })
const factorSets = z.array(z.array(z.string()))
const errors = { 400: errorBodySchema, 401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 422: errorBodySchema, 423: errorBodySchema, 429: errorBodySchema }

const progressSchema = z.object({
  status: z.enum(['complete', 'factor_required']),
  token: z.string().optional().describe('Session token (also set as the session cookie) once complete'),
  expiresAt: z.number().int(),
  kind: z.enum(['customer', 'enrolment', 'phone_app']).optional(),
  customerId: z.string().optional(),
  flowToken: z.string().optional(),
  options: factorSets.optional(),
  deviceConfirmation: z.boolean().optional(),
  enrolment: z.boolean().optional(),
  deviceToken: z.string().optional().describe('Issued when this request created the device: send it back as x-mamori-device'),
})
const sessionSchema = z.object({ token: z.string(), expiresAt: z.number().int(), deviceToken: z.string().optional() })
const optionsSchema = z.object({ challengeId: z.string(), options: z.record(z.string(), z.unknown()) })

/**
 * The front door over HTTP (B-1 … B-12): password and passkey login, the second factors of a login
 * flow, phone-app approval, step-up, unlock, recovery, the customer's security settings and the
 * phone app's own routes. Every login-shaped route has operation 'login' and goes through the
 * same FrontDoor checks (B-9: no side doors).
 */
export function frontDoorRoutes(deps: FrontDoorRouteDeps): RouteModule {
  const { frontDoor, settings, devices, secureCookies } = deps

  /** The request's origin and device; a device is created (and its cookie set) when there is none. */
  async function envOf(request: FastifyRequest, reply: FastifyReply): Promise<RequestEnv & { deviceToken?: string }> {
    const network = networkKeyOf(request.ip)
    const presented = request.cookies[DEVICE_COOKIE] ?? headerOf(request, DEVICE_HEADER)
    const userAgent = headerOf(request, 'user-agent') ?? ''
    const { device, token, isNew } = await devices.identify(presented, userAgent)
    if (isNew) reply.setCookie(DEVICE_COOKIE, token, deviceCookieOptions(secureCookies))
    request.accessNote = { ...request.accessNote, deviceId: device.id }
    return {
      ip: request.ip,
      network,
      userAgent,
      deviceId: device.id,
      deviceCustomerId: device.customerId,
      ...(isNew ? { deviceToken: token } : {}),
    }
  }

  /** Opens the session on the response: cookie for browsers, token for API clients; a presented session ends (fixation). */
  async function open(request: FastifyRequest, reply: FastifyReply, session: NewSession): Promise<void> {
    const presented = sessionTokenOf(request)
    if (presented !== undefined) await frontDoorRevoke(presented)
    setSessionCookie(reply, session.token, secureCookies)
  }
  const frontDoorRevoke = async (token: string): Promise<void> => settings.revokeSessionHash(sessionHashOf(token))

  async function answer(request: FastifyRequest, reply: FastifyReply, env: { deviceToken?: string }, p: LoginProgress): Promise<z.infer<typeof progressSchema>> {
    const device = env.deviceToken === undefined ? {} : { deviceToken: env.deviceToken }
    // The access record names the customer whose password got this far (the answer does not).
    request.accessNote = { ...request.accessNote, customerId: p.customerId, outcome: p.status === 'complete' ? 'success' : 'step_up' }
    if (p.status === 'complete') {
      await open(request, reply, p.session)
      request.log.info({ customerId: p.customerId, kind: p.kind }, 'login succeeded')
      return { status: 'complete', token: p.session.token, expiresAt: p.session.expiresAt, kind: p.kind, customerId: p.customerId, ...device }
    }
    return {
      status: 'factor_required',
      flowToken: p.flowToken,
      expiresAt: p.expiresAt,
      options: p.options.map((s) => [...s]),
      deviceConfirmation: p.deviceConfirmation,
      enrolment: p.enrolment,
      ...device,
    }
  }

  async function rotated(request: FastifyRequest, reply: FastifyReply, session: NewSession): Promise<z.infer<typeof sessionSchema>> {
    setSessionCookie(reply, session.token, secureCookies)
    void request
    return { token: session.token, expiresAt: session.expiresAt }
  }

  return (app) => {
    // Throttled login-shaped requests are refused before their body is even read or validated,
    // so a flood of them costs as little as the server can make it (B-10).
    app.addHook('onRequest', async (request) => {
      const op = request.routeOptions.config.operation
      if (op === 'login' || op === 'recovery') await frontDoor.admit(request.ip, networkKeyOf(request.ip))
    })
    const login = { operation: 'login', auth: 'none' } as const

    app.post('/v1/auth/login', { config: login, schema: { summary: 'Log in with login ID and password (step one)', body: z.strictObject({ loginId, password }), response: { 200: progressSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      return answer(request, reply, env, await frontDoor.passwordLogin(env, request.body.loginId, request.body.password))
    })

    app.post('/v1/auth/passkey/options', { config: login, schema: { summary: 'Challenge for a passkey login without password', body: z.strictObject({}).nullish(), response: { 200: optionsSchema, ...errors } } }, async (request, reply) => {
      return asJson(await frontDoor.passkeyLoginOptions(await envOf(request, reply)))
    })

    app.post('/v1/auth/passkey/login', { config: login, schema: { summary: 'Log in with a passkey', body: z.strictObject({ challengeId, response: webauthnResponse }), response: { 200: progressSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      return answer(request, reply, env, await frontDoor.passkeyLogin(env, request.body.challengeId, request.body.response as unknown as AuthenticationResponseJSON))
    })

    app.post('/v1/auth/flow/passkey/options', { config: login, schema: { summary: 'Passkey challenge for a login flow', body: z.strictObject({ flowToken }), response: { 200: optionsSchema, ...errors } } }, async (request) => {
      return asJson(await frontDoor.flowPasskeyOptions(request.body.flowToken))
    })

    app.post('/v1/auth/flow/passkey', { config: login, schema: { summary: 'Continue a login flow with a passkey', body: z.strictObject({ flowToken, challengeId, response: webauthnResponse }), response: { 200: progressSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const b = request.body
      return answer(request, reply, env, await frontDoor.flowPasskey(env, b.flowToken, b.challengeId, b.response as unknown as AuthenticationResponseJSON))
    })

    app.post('/v1/auth/flow/email-code/send', { config: login, schema: { summary: 'E-mail a code for this login flow (no links in it)', body: z.strictObject({ flowToken, purpose: z.enum(['login', 'device_add']) }), response: { 200: z.object({ expiresAt: z.number().int() }), ...errors } } }, async (request) => {
      return frontDoor.flowSendEmailCode(request.body.flowToken, request.body.purpose)
    })

    app.post('/v1/auth/flow/email-code', { config: login, schema: { summary: 'Continue a login flow with the e-mailed code', body: z.strictObject({ flowToken, purpose: z.enum(['login', 'device_add']), code }), response: { 200: progressSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const b = request.body
      return answer(request, reply, env, await frontDoor.flowEmailCode(env, b.flowToken, b.purpose, b.code))
    })

    app.post('/v1/auth/flow/totp', { config: login, schema: { summary: 'Continue a login flow with an authenticator-app code', body: z.strictObject({ flowToken, code }), response: { 200: progressSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      return answer(request, reply, env, await frontDoor.flowTotp(env, request.body.flowToken, request.body.code))
    })

    app.post('/v1/auth/flow/approval', { config: login, schema: { summary: 'Ask the registered phone app to approve this login', body: z.strictObject({ flowToken }), response: { 200: z.object({ approvalId: z.string(), number: z.number().int(), expiresAt: z.number().int() }), ...errors } } }, async (request, reply) => {
      return frontDoor.flowRequestApproval(await envOf(request, reply), request.body.flowToken)
    })

    app.post('/v1/auth/flow/approval/status', { config: login, schema: { summary: 'Where the phone-app approval stands; completes the login once approved', body: z.strictObject({ flowToken }), response: { 200: z.object({ approval: z.enum(['none', 'pending', 'approved', 'denied', 'expired']), login: progressSchema.optional() }), ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const s = await frontDoor.flowApprovalStatus(env, request.body.flowToken)
      return s.progress === undefined ? { approval: s.approval } : { approval: s.approval, login: await answer(request, reply, env, s.progress) }
    })

    app.post('/v1/auth/unlock/start', { config: login, schema: { summary: 'Start unlocking a locked account: passkey challenge plus a code to the registered e-mail', body: z.strictObject({ loginId }), response: { 200: z.object({ flowToken: z.string(), challengeId: z.string(), options: z.record(z.string(), z.unknown()) }), ...errors } } }, async (request, reply) => {
      return asJson(await frontDoor.unlockStart(await envOf(request, reply), request.body.loginId))
    })

    app.post('/v1/auth/unlock', { config: login, schema: { summary: 'Unlock with the passkey and the e-mailed code', body: z.strictObject({ flowToken, challengeId, response: webauthnResponse, code }), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      const b = request.body
      await frontDoor.unlockFinish(await envOf(request, reply), b.flowToken, b.challengeId, b.response as unknown as AuthenticationResponseJSON, b.code)
      return reply.code(204).send(null)
    })

    app.post('/v1/auth/recovery/start', { config: { operation: 'recovery', auth: 'none' }, schema: { summary: 'Lost phone or passkey: send a code to the registered e-mail', body: z.strictObject({ loginId }), response: { 200: z.object({ flowToken: z.string(), expiresAt: z.number().int() }), ...errors } } }, async (request, reply) => {
      return frontDoor.recoveryStart(await envOf(request, reply), request.body.loginId)
    })

    app.post('/v1/auth/recovery', { config: { operation: 'recovery', auth: 'none' }, schema: { summary: 'Finish recovery with the code and the password; withdrawals pause for the cooling period', body: z.strictObject({ flowToken, code, password }), response: { 200: progressSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const b = request.body
      return answer(request, reply, env, await frontDoor.recoveryFinish(env, b.flowToken, b.code, b.password))
    })

    app.get('/v1/auth/session', { config: { operation: 'read', sessionKinds: ['customer', 'enrolment', 'phone_app'] }, schema: { summary: 'The current session: kind and when each factor was last verified', response: { 200: z.object({ customerId: z.string(), kind: z.string(), factors: z.record(z.string(), z.number()), createdAt: z.number().int() }), ...errors } } }, async (request) => {
      const { session } = customerOf(request)
      return { customerId: session.customerId, kind: session.kind, factors: { ...session.factors } as Record<string, number>, createdAt: session.createdAt }
    })

    const operation = z.enum(POLICY_OPERATIONS)
    app.post('/v1/auth/step-up/passkey/options', { config: { operation: 'read' }, schema: { summary: 'Passkey challenge to step up this session for an operation', body: z.strictObject({ operation }), response: { 200: optionsSchema, ...errors } } }, async (request) => {
      return asJson(await frontDoor.stepUpPasskeyOptions(customerOf(request).session, request.body.operation as PolicyOperation))
    })

    app.post('/v1/auth/step-up/passkey', { config: { operation: 'read' }, schema: { summary: 'Step up with a passkey; the session id rotates', body: z.strictObject({ operation, challengeId, response: webauthnResponse }), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      const b = request.body
      return rotated(request, reply, await frontDoor.stepUpPasskey(customerOf(request).session, request.ip, b.operation as PolicyOperation, b.challengeId, b.response as unknown as AuthenticationResponseJSON))
    })

    app.post('/v1/auth/confirm/options', { config: { operation: 'read' }, schema: { summary: 'Passkey challenge bound to one withdrawal or destination change (send the same fields you will submit)', body: z.strictObject({ operation: z.enum(BOUND_OPERATIONS), fields: z.record(z.string(), z.union([z.string().max(256), z.number(), z.boolean(), z.null()])) }), response: { 200: optionsSchema, ...errors } } }, async (request) => {
      const { session } = customerOf(request)
      const description = describeOperation(request.body.operation, session.customerId, request.body.fields)
      return asJson(await frontDoor.confirmOptions(session, request.body.operation, description))
    })

    app.post('/v1/auth/step-up/totp', { config: { operation: 'read' }, schema: { summary: 'Step up with an authenticator-app code; the session id rotates', body: z.strictObject({ code }), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      return rotated(request, reply, await frontDoor.stepUpTotp(customerOf(request).session, request.body.code))
    })

    const kinds = ['customer', 'enrolment'] as const
    app.post('/v1/passkeys/registration/options', { config: { operation: 'factor_change', policy: 'handler', sessionKinds: kinds }, schema: { summary: 'Options to register a passkey, or the phone app’s passkey', body: z.strictObject({ purpose: z.enum(['login', 'phone_app']).default('login') }), response: { 200: optionsSchema, ...errors } } }, async (request) => {
      return asJson(await settings.passkeyRegistrationOptions(customerOf(request).session, request.body.purpose))
    })

    app.post('/v1/passkeys/registration', { config: { operation: 'factor_change', policy: 'handler', sessionKinds: kinds }, schema: { summary: 'Register the passkey; other sessions end and this one rotates', body: z.strictObject({ challengeId, response: webauthnResponse, label: z.string().min(1).max(64).default('passkey') }), response: { 200: z.object({ passkey: z.object({ id: z.string(), purpose: z.string(), label: z.string() }), session: sessionSchema }), ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const b = request.body
      const r = await settings.registerPasskey(customerOf(request).session, env, b.challengeId, b.response as unknown as RegistrationResponseJSON, b.label)
      return { passkey: r.passkey, session: await rotated(request, reply, r.session) }
    })

    app.get('/v1/passkeys', { config: { operation: 'read', sessionKinds: kinds }, schema: { summary: 'The customer’s passkeys (never their keys)', response: { 200: z.object({ passkeys: z.array(z.object({ id: z.string(), purpose: z.string(), label: z.string(), createdAt: z.number().int(), lastUsedAt: z.number().int().nullable(), backedUp: z.boolean() })) }), ...errors } } }, async (request) => {
      return { passkeys: await settings.listPasskeys(customerOf(request).id) }
    })

    app.post('/v1/passkeys/:passkeyId/remove', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Remove a passkey (fresh passkey needed)', params: z.strictObject({ passkeyId: z.string().min(1).max(1024) }), body: z.strictObject({}).nullish(), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      return rotated(request, reply, await settings.removePasskey(customerOf(request).session, await envOf(request, reply), request.params.passkeyId))
    })

    app.post('/v1/totp/enrol', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Start authenticator-app (TOTP) enrolment: otpauth URI and QR code', body: z.strictObject({}).nullish(), response: { 200: z.object({ uri: z.string(), qrSvg: z.string() }), ...errors } } }, async (request) => {
      return settings.totpEnrol(customerOf(request).session)
    })

    app.post('/v1/totp/confirm', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Confirm TOTP enrolment with a first code', body: z.strictObject({ code }), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      return rotated(request, reply, await settings.totpConfirm(customerOf(request).session, await envOf(request, reply), request.body.code))
    })

    app.get('/v1/devices', { config: { operation: 'read' }, schema: { summary: 'Registered devices', response: { 200: z.object({ registeredOnly: z.boolean(), devices: z.array(z.object({ id: z.string(), label: z.string(), userAgent: z.string(), createdAt: z.number().int(), lastSeenAt: z.number().int(), current: z.boolean() })) }), ...errors } } }, async (request) => {
      const { session } = customerOf(request)
      return settings.listDevices(session)
    })

    app.post('/v1/devices/registered-only', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Allow login only from registered devices (turning it off needs a fresh passkey)', body: z.strictObject({ enabled: z.boolean() }), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await settings.setRegisteredDevicesOnly(customerOf(request).session, await envOf(request, reply), request.body.enabled)
      return reply.code(204).send(null)
    })

    app.post('/v1/devices/:deviceId/remove', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Remove a registered device and end its sessions', params: z.strictObject({ deviceId: z.string().min(1).max(64) }), body: z.strictObject({}).nullish(), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await settings.removeDevice(customerOf(request).session, await envOf(request, reply), request.params.deviceId)
      return reply.code(204).send(null)
    })

    app.post('/v1/devices/remove-all', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Remove every registered device and end every other session', body: z.strictObject({}).nullish(), response: { 200: z.object({ removed: z.number().int() }), ...errors } } }, async (request, reply) => {
      return { removed: await settings.removeAllDevices(customerOf(request).session, await envOf(request, reply)) }
    })

    app.post('/v1/login-lock', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Keep login locked (B-6); turning it off needs a fresh passkey', body: z.strictObject({ enabled: z.boolean() }), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await settings.setLoginLock(customerOf(request).session, await envOf(request, reply), request.body.enabled)
      return reply.code(204).send(null)
    })

    app.post('/v1/password', { config: { operation: 'password_change', policy: 'handler' }, schema: { summary: 'Change the login password; every other session ends', body: z.strictObject({ currentPassword: password, newPassword: password }), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      const b = request.body
      return rotated(request, reply, await settings.changePassword(customerOf(request).session, await envOf(request, reply), b.currentPassword, b.newPassword))
    })

    app.post('/v1/contact', { config: { operation: 'contact_change', policy: 'handler' }, schema: { summary: 'Change the registered e-mail or phone (fresh passkey needed); old and new address are told', body: z.strictObject({ email: z.email().max(254).optional(), phone: z.string().regex(/^[0-9+\-() ]{6,20}$/).optional() }).refine((b) => b.email !== undefined || b.phone !== undefined, 'give email or phone'), response: { 204: z.null(), ...errors } } }, async (request, reply) => {
      await settings.changeContact(customerOf(request).session, await envOf(request, reply), request.body)
      return reply.code(204).send(null)
    })

    // The phone app (B-5, B-6).
    app.post('/v1/app/pairing', { config: { operation: 'factor_change', policy: 'handler' }, schema: { summary: 'Start pairing a phone app: a one-time code for the phone (fresh passkey needed)', body: z.strictObject({}).nullish(), response: { 200: z.object({ pairingCode: z.string(), expiresAt: z.number().int() }), ...errors } } }, async (request, reply) => {
      return frontDoor.startPairing(customerOf(request).session, await envOf(request, reply))
    })

    app.post('/v1/app/pairing/options', { config: login, schema: { summary: 'On the phone: options to create its own passkey', body: z.strictObject({ pairingCode: flowToken }), response: { 200: optionsSchema, ...errors } } }, async (request, reply) => {
      return asJson(await frontDoor.pairingOptions(await envOf(request, reply), request.body.pairingCode))
    })

    app.post('/v1/app/pairing/register', { config: login, schema: { summary: 'On the phone: register its passkey and sign in as the phone app', body: z.strictObject({ pairingCode: flowToken, challengeId, response: webauthnResponse }), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const b = request.body
      const r = await frontDoor.completePairing(env, b.pairingCode, b.challengeId, b.response as unknown as RegistrationResponseJSON)
      await open(request, reply, r.session)
      return { token: r.session.token, expiresAt: r.session.expiresAt, ...(env.deviceToken === undefined ? {} : { deviceToken: env.deviceToken }) }
    })

    app.post('/v1/app/session/options', { config: login, schema: { summary: 'Challenge for the phone app to sign in with its own passkey', body: z.strictObject({}).nullish(), response: { 200: optionsSchema, ...errors } } }, async (request, reply) => {
      return asJson(await frontDoor.appSessionOptions(await envOf(request, reply)))
    })

    app.post('/v1/app/session', { config: login, schema: { summary: 'Phone app sign-in', body: z.strictObject({ challengeId, response: webauthnResponse }), response: { 200: sessionSchema, ...errors } } }, async (request, reply) => {
      const env = await envOf(request, reply)
      const r = await frontDoor.appSession(env, request.body.challengeId, request.body.response as unknown as AuthenticationResponseJSON)
      await open(request, reply, r.session)
      return { token: r.session.token, expiresAt: r.session.expiresAt, ...(env.deviceToken === undefined ? {} : { deviceToken: env.deviceToken }) }
    })

    const app_ = { operation: 'login', auth: 'customer', sessionKinds: ['phone_app'] } as const
    app.get('/v1/app/approvals', { config: app_, schema: { summary: 'Logins waiting for this phone’s approval, with where they come from', response: { 200: z.object({ approvals: z.array(z.object({ id: z.string(), environment: z.object({ ip: z.string(), userAgent: z.string(), at: z.number().int(), location: z.string().optional() }), choices: z.array(z.number().int()), expiresAt: z.number().int() })) }), ...errors } } }, async (request) => {
      return { approvals: (await settings.pendingApprovals(customerOf(request).id)).map((a) => ({ ...a, choices: [...a.choices] })) }
    })

    const approvalId = z.strictObject({ approvalId: z.string().min(1).max(64) })
    const number = z.number().int().min(10).max(99)
    app.post('/v1/app/approvals/:approvalId/options', { config: app_, schema: { summary: 'Passkey challenge bound to this approval and the chosen number', params: approvalId, body: z.strictObject({ number }), response: { 200: optionsSchema, ...errors } } }, async (request) => {
      return asJson(await frontDoor.approvalOptions(customerOf(request).session, request.params.approvalId, request.body.number))
    })

    app.post('/v1/app/approvals/:approvalId/approve', { config: app_, schema: { summary: 'Approve with the phone’s passkey (biometric) and the matching number', params: approvalId, body: z.strictObject({ number, challengeId, response: webauthnResponse }), response: { 200: z.object({ status: z.enum(['pending', 'approved', 'denied', 'expired']) }), ...errors } } }, async (request) => {
      const b = request.body
      const status = await frontDoor.decideApproval(customerOf(request).session, request.params.approvalId, { approve: true, number: b.number, challengeId: b.challengeId, response: b.response as unknown as AuthenticationResponseJSON })
      return { status }
    })

    app.post('/v1/app/approvals/:approvalId/deny', { config: app_, schema: { summary: 'Deny the login', params: approvalId, body: z.strictObject({}).nullish(), response: { 200: z.object({ status: z.enum(['pending', 'approved', 'denied', 'expired']) }), ...errors } } }, async (request) => {
      return { status: await frontDoor.decideApproval(customerOf(request).session, request.params.approvalId, { approve: false }) }
    })

    app.post('/v1/app/login-window', { config: app_, schema: { summary: 'Open a locked login for a short window (B-6)', body: z.strictObject({}).nullish(), response: { 200: z.object({ until: z.number().int() }), ...errors } } }, async (request) => {
      return settings.openLoginWindow(customerOf(request).session)
    })
  }
}

/** WebAuthn options as plain JSON for the response schema. */
function asJson<T extends { options: object }>(x: T): Omit<T, 'options'> & { options: Record<string, unknown> } {
  return { ...x, options: x.options as unknown as Record<string, unknown> }
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name]
  return typeof v === 'string' && v !== '' ? v : undefined
}
