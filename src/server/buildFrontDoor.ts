import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { FastifyRequest } from 'fastify'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { AppApprovals, AuthFlows, PasswordGate, resolvePolicy, SessionService, type Policy } from '../auth/index.js'
import { SecretBox } from '../auth/crypto/index.js'
import { DEVICE_COOKIE, DeviceService } from '../auth/device/index.js'
import { EmailCodeService } from '../auth/email-code/index.js'
import { FrontDoor } from '../auth/frontDoor/FrontDoor.js'
import { SecurityNotices } from '../auth/frontDoor/SecurityNotices.js'
import { SecuritySettings } from '../auth/frontDoor/SecuritySettings.js'
import type { FrontDoorDeps, LoginRisk } from '../auth/frontDoor/types.js'
import { AccountLockout } from '../auth/lockout/index.js'
import { PasskeyService } from '../auth/passkey/index.js'
import { LoginThrottle, MemoryLimiter, RedisLimiter, type Limiter } from '../auth/throttle/index.js'
import { TotpService } from '../auth/totp/index.js'
import type { FrozenConfig } from '../config/index.js'
import { DEVICE_HEADER } from '../http/routes/frontDoor.js'
import { policyHook } from '../http/policyHook.js'
import { createMailer, type Mailer } from '../notify/index.js'
import type { Clock, Random } from '../runtime/index.js'
import type { Store } from '../store/index.js'

export interface BuiltFrontDoor {
  readonly frontDoor: FrontDoor
  readonly settings: SecuritySettings
  readonly sessions: SessionService
  readonly devices: DeviceService
  readonly mailer: Mailer
  readonly policy: Policy
  readonly notices: SecurityNotices
  /** Lifts a login lock (an approved account_unlock, D-2). */
  readonly lockout: AccountLockout
  readonly deviceOf: (request: FastifyRequest) => Promise<string | null>
  readonly policyHook: (request: FastifyRequest) => Promise<void>
  close(): Promise<void>
}

/**
 * Builds the front door from configuration: the policy (validated here, once), the secret key,
 * the mailer, throttles (Redis when configured, so several API nodes share them), and every
 * authentication service.
 */
export async function buildFrontDoor(
  config: FrozenConfig,
  store: Store,
  clock: Clock,
  random: Random,
  logger: Logger,
  extras: { readonly loginRisk?: LoginRisk; readonly onLoginRefused?: FrontDoorDeps['onLoginRefused'] } = {},
): Promise<BuiltFrontDoor> {
  const policy = resolvePolicy({
    overrides: config.policy,
    appApprovalAtLogin: config.auth.appApprovalAtLogin,
    allowWeakPolicy: config.auth.allowWeakPolicy,
  })
  if (config.auth.allowWeakPolicy) logger.warn({ policy }, 'auth.allowWeakPolicy is set: the policy may not meet the phishing-resistance rule')
  const box = new SecretBox(secretKey(config))
  const mailer = createMailer(config, store, clock, random)
  const redis = config.redis.url === undefined ? undefined : new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
  if (redis !== undefined) {
    // Fail at start-up, not at the first login, when Redis is configured but not there.
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve())
      redis.once('error', (err: Error) => reject(new Error(`redis ${config.redis.url}: ${err.message}`)))
    })
  }
  const limiter: Limiter = redis === undefined ? new MemoryLimiter({ clock }) : new RedisLimiter({ client: redis })
  const windowMs = config.auth.throttleWindowSeconds * 1000
  const sessions = new SessionService({
    store,
    clock,
    random,
    idleMs: config.session.idleMinutes * 60_000,
    absoluteMs: config.session.absoluteHours * 3_600_000,
  })
  const devices = new DeviceService({ store, clock, random })
  const lockout = new AccountLockout({ threshold: config.auth.lockoutThreshold, clock })
  const origins = config.webauthn.origins.length > 0 ? config.webauthn.origins : [`http://localhost:${config.http.port}`]
  const deps: FrontDoorDeps = {
    store,
    clock,
    random,
    policy,
    sessions,
    flows: new AuthFlows({ store, clock, random, ttlMs: 10 * 60_000 }),
    passkeys: new PasskeyService({ store, clock, random, rpId: config.webauthn.rpId, rpName: config.webauthn.rpName, origins }),
    totp: new TotpService({ store, clock, box, issuer: config.webauthn.rpName }),
    emailCodes: new EmailCodeService({
      store,
      clock,
      random,
      mailer,
      box,
      ttlMs: config.auth.emailCodeTtlSeconds * 1000,
      perWindow: config.auth.emailCodesPerWindow,
      windowMs,
    }),
    approvals: new AppApprovals({ store, clock, random, ttlMs: config.auth.appApprovalTtlSeconds * 1000 }),
    devices,
    lockout,
    throttle: new LoginThrottle({
      limiter,
      ipLimit: config.auth.ipFailureLimit,
      networkLimit: config.auth.networkFailureLimit,
      windowMs,
    }),
    notices: new SecurityNotices({ store, clock, random, mailer }),
    gate: new PasswordGate({
      concurrency: config.auth.passwordConcurrency,
      maxQueued: config.auth.passwordQueue,
      maxPriorityQueued: Math.max(64, config.auth.passwordQueue * 4),
    }),
    auth: config.auth,
    ...(extras.loginRisk === undefined ? {} : { loginRisk: extras.loginRisk }),
    ...(extras.onLoginRefused === undefined ? {} : { onLoginRefused: extras.onLoginRefused }),
  }
  const settings = new SecuritySettings(deps)
  const frontDoor = new FrontDoor(deps)
  return {
    frontDoor,
    settings,
    notices: deps.notices,
    sessions,
    devices,
    mailer,
    policy,
    lockout,
    async deviceOf(request: FastifyRequest): Promise<string | null> {
      const header = request.headers[DEVICE_HEADER]
      const token = request.cookies[DEVICE_COOKIE] ?? (typeof header === 'string' ? header : undefined)
      if (token === undefined || token === '') return null
      const row = await store.db
        .selectFrom('devices')
        .select('id')
        .where('token_hash', '=', createHash('sha256').update(token, 'utf8').digest('hex'))
        .where('removed_at', 'is', null)
        .executeTakeFirst()
      return row?.id ?? null
    },
    policyHook: policyHook({
      store,
      clock,
      settings,
      frontDoor,
      webDestinationChanges: config.guards.webDestinationChanges,
      recordFailure: async (customerId) => {
        await lockout.recordFailure(store.db, customerId)
      },
    }),
    async close(): Promise<void> {
      if (redis !== undefined) redis.disconnect()
    },
  }
}

/** The configured key, or the one kept in `secrets.keyFile` (created, mode 0600, on first start). */
export function secretKey(config: FrozenConfig): Buffer {
  if (config.secrets.key !== undefined) return Buffer.from(config.secrets.key, 'base64')
  const file = config.secrets.keyFile
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' })
  }
  chmodSync(file, 0o600)
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== 32) throw new TypeError(`${file} must hold 32 bytes, base64 encoded`)
  return key
}
