import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { MamoriError } from '../errors/index.js'

const port = z.coerce.number().int().min(0).max(65535)
const positiveInt = z.coerce.number().int().positive()
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])

/** The whole configuration, one typed object. Every field has a safe default. */
export const configSchema = z.strictObject({
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(3000),
      /** Largest accepted request body; larger ones get BODY_TOO_LARGE before parsing. */
      bodyLimitBytes: positiveInt.max(10 * 1024 * 1024).default(64 * 1024),
      /** Whether the session cookie carries Secure (required by the __Host- prefix behind TLS). */
      secureCookies: bool.default(true),
      trustProxy: bool.default(false),
    })
    .prefault({}),
  database: z
    .strictObject({
      dialect: z.enum(['sqlite', 'postgres']).default('sqlite'),
      sqlitePath: z.string().min(1).default('./data/mamori.db'),
      /**
       * SQLite page cache in MiB (default 256). The access history's indexes (customer, address,
       * network, device, time) are written in random order; with SQLite's own 2 MiB cache each
       * insert rereads index pages from the file and ingest slows as the history grows.
       */
      sqliteCacheMiB: z.coerce.number().int().min(2).max(65_536).optional(),
      postgresUrl: z.string().url().optional(),
      /** PostgreSQL schema Mamori's tables live in (created if missing). */
      postgresSchema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
        .default('public'),
      poolSize: positiveInt.max(200).default(10),
    })
    .prefault({})
    .refine((d) => d.dialect !== 'postgres' || d.postgresUrl !== undefined, {
      message: 'database.postgresUrl (MAMORI_POSTGRES_URL) is required when database.dialect is postgres',
    }),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  market: z
    .strictObject({
      /** Seed of the deterministic simulated price feed. */
      seed: z.coerce.number().int().nonnegative().default(20200901),
      /** How often resting limit orders are matched against the feed. 0 turns matching off. */
      matchIntervalMs: z.coerce.number().int().nonnegative().default(1000),
    })
    .prefault({}),
  session: z
    .strictObject({
      idleMinutes: positiveInt.max(24 * 60).default(15),
      absoluteHours: positiveInt.max(24 * 30).default(12),
    })
    .prefault({}),
  webauthn: z
    .strictObject({
      /** The relying party id: the registrable domain passkeys are bound to. */
      rpId: z.string().min(1).default('localhost'),
      rpName: z.string().min(1).default('Mamori'),
      /**
       * Exact origins a ceremony may come from. Empty means http://localhost:<http.port> (the
       * embedded default); production lists its https origins.
       */
      origins: z
        .union([z.array(z.string().url()), z.string().transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))])
        .pipe(z.array(z.string().url()))
        .default([]),
    })
    .prefault({}),
  secrets: z
    .strictObject({
      /**
       * 32 random bytes, base64: encrypts TOTP secrets at rest and keys code hashes. When absent,
       * the server keeps one in `keyFile` (created with mode 0600 on first start).
       */
      key: z
        .string()
        .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64 encoded')
        .optional(),
      keyFile: z.string().min(1).default('./data/secret.key'),
    })
    .prefault({}),
  mail: z
    .strictObject({
      /** smtp://host:port (or smtps://). Without it mail goes to the local outbox table the demo shows. */
      smtpUrl: z.string().url().optional(),
      from: z.string().min(3).default('Mamori <no-reply@mamori.example>'),
    })
    .prefault({}),
  redis: z
    .strictObject({
      /** redis://host:port. When set, throttles are shared between API nodes through Redis. */
      url: z.string().url().optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Consecutive failed logins that lock an account (B-10). */
      lockoutThreshold: positiveInt.max(1000).default(10),
      /** Failed logins one IP address may cause per window, across all accounts. */
      ipFailureLimit: positiveInt.default(30),
      /** Failed logins one network (ASN, or /24 / /48 when unknown) may cause per window. */
      networkFailureLimit: positiveInt.default(300),
      throttleWindowSeconds: positiveInt.default(600),
      emailCodeTtlSeconds: positiveInt.max(3600).default(600),
      /** E-mail codes one customer may be sent per window. */
      emailCodesPerWindow: positiveInt.default(5),
      appApprovalTtlSeconds: positiveInt.max(300).default(30),
      loginUnlockSeconds: positiveInt.max(600).default(30),
      recoveryCoolingHours: z.coerce.number().int().nonnegative().max(24 * 30).default(72),
      /** Let a registered phone app's approval stand in for a passkey at login (B-5, "where configured"). */
      appApprovalAtLogin: bool.default(true),
      /** argon2id verifications run at once; the rest wait in a short line or are refused (B-10). */
      passwordConcurrency: positiveInt.max(64).default(4),
      /** How many ordinary login attempts may wait for argon2id before new ones are refused at once. */
      passwordQueue: z.coerce.number().int().nonnegative().max(10_000).default(16),
      /** Permit a policy that does not meet JSDA's phishing-resistance rule (start-up logs a warning). */
      allowWeakPolicy: bool.default(false),
    })
    .prefault({}),
  /**
   * Which factors satisfy each operation, and how fresh they must be (B-8). Each entry of anyOf is
   * a set of factors that together suffice. Validated against the phishing-resistance rule below.
   */
  policy: z
    .partialRecord(
      z.enum(['login', 'order', 'withdrawal', 'destination_change', 'contact_change', 'factor_change', 'password_change']),
      z.strictObject({
        anyOf: z.array(z.array(z.enum(['password', 'trading_password', 'passkey', 'totp', 'email_code', 'app_approval'])).min(1)).min(1),
        maxAgeSeconds: positiveInt,
      }),
    )
    .optional(),
  guards: z
    .strictObject({
      /** A newly registered destination receives no money for this long (C-5). */
      destinationCoolingHours: z.coerce.number().int().nonnegative().max(24 * 30).default(72),
      /**
       * Broker-wide switch (seed 004): false turns destination changes on the web off; they are then
       * made by the support centre only.
       */
      webDestinationChanges: bool.default(true),
    })
    .prefault({}),
  risk: z
    .strictObject({
      /**
       * 'enforce': the engine's decisions act (step up, hold, deny, freeze). 'shadow': every
       * operation is still decided, recorded and alerted on, but nothing is stopped — for trying a
       * new deployment or new thresholds on live traffic before they bite.
       */
      mode: z.enum(['enforce', 'shadow']).default('enforce'),
      /** Engine options (thresholds per operation, severity points, shadowed rules); checked at start-up by parseEngineOptions. */
      engine: z.record(z.string(), z.unknown()).default({}),
      /** How long buying a symbol stays frozen for new-environment sessions after a pump ring (C-6). */
      symbolFreezeHours: z.coerce.number().int().positive().max(24 * 30).default(24),
      /** How long a step-up demanded by the engine may be old: a passkey proven this long ago still counts. */
      stepUpMaxAgeSeconds: z.coerce.number().int().positive().max(3600).default(300),
      /**
       * The in-memory mirror of the access history the engine reads (AccessHistoryCache): 'auto'
       * turns it on for SQLite (one process writes the history) and off for PostgreSQL, where
       * several API nodes may write it and a node's mirror would miss the others' events. 'on' on
       * PostgreSQL is for a deployment with a single API node only.
       */
      historyCache: z.enum(['auto', 'on', 'off']).default('auto'),
      /** Events the mirror holds across customers (about 1.5 KB each); the least recently active are read again on demand. */
      historyCacheMaxEvents: z.coerce.number().int().positive().default(1_000_000),
    })
    .prefault({}),
  staff: z
    .strictObject({
      /** A staff session ends after this long without use ... */
      idleMinutes: z.coerce.number().int().positive().max(24 * 60).default(30),
      /** ... and this long after login, whatever happens. */
      absoluteHours: z.coerce.number().int().positive().max(24).default(8),
      /** How long a new member's one-time enrolment token lasts. */
      enrolmentHours: z.coerce.number().int().positive().max(24 * 7).default(24),
      /** PII reveals one staff member may make in any hour (D-1). */
      revealsPerHour: z.coerce.number().int().positive().max(1000).default(20),
      /** Distinct customers one staff member may view or reveal in an hour before an alert (D-8, the insider watch). */
      watchCustomersPerHour: z.coerce.number().int().positive().default(40),
      /** How long a four-eyes request waits for its second approver (D-2). */
      approvalTtlHours: z.coerce.number().int().positive().max(24 * 14).default(24),
    })
    .prefault({}),
  monitor: z
    .strictObject({
      /**
       * When the daily monitor (D-6) runs inside the server, as `HH:MM` Japan time, over the
       * previous JST day; `off` leaves it to `mamori monitor run` (cron, another node). Running a
       * day twice, or on several nodes, raises each finding once.
       */
      dailyAt: z.union([z.literal('off'), z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (JST) or off')]).default('06:00'),
    })
    .prefault({}),
  review: z
    .strictObject({
      /**
       * Bearer token of the review-queue API (/v1/review/...), at least 32 characters; the API is
       * not served without one. Until staff accounts exist (D-1) this token is the reviewer's key:
       * keep it in a secret store, never in a file in the repository.
       */
      token: z.string().min(32).max(512).optional(),
    })
    .prefault({}),
  demo: z
    .strictObject({
      /**
       * Serve /demo/outbox, a page listing every message in the local outbox (codes included) so a
       * person trying the demo can read their e-mailed codes. Never on in production.
       */
      showOutbox: bool.default(false),
    })
    .prefault({}),
  withdrawals: z
    .strictObject({
      /** How often approved withdrawals are handed to the (simulated) bank. 0 turns the sender off. */
      sendIntervalMs: z.coerce.number().int().nonnegative().default(5000),
    })
    .prefault({}),
})

export type Config = z.infer<typeof configSchema>
type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T
export type FrozenConfig = DeepReadonly<Config>

/** Environment variables and the config path each one sets. */
const ENV_MAP: Readonly<Record<string, readonly [string, string]>> = {
  MAMORI_HOST: ['http', 'host'],
  MAMORI_PORT: ['http', 'port'],
  MAMORI_BODY_LIMIT_BYTES: ['http', 'bodyLimitBytes'],
  MAMORI_SECURE_COOKIES: ['http', 'secureCookies'],
  MAMORI_TRUST_PROXY: ['http', 'trustProxy'],
  MAMORI_DB: ['database', 'dialect'],
  MAMORI_SQLITE_PATH: ['database', 'sqlitePath'],
  MAMORI_SQLITE_CACHE_MIB: ['database', 'sqliteCacheMiB'],
  MAMORI_POSTGRES_URL: ['database', 'postgresUrl'],
  MAMORI_POSTGRES_SCHEMA: ['database', 'postgresSchema'],
  MAMORI_DB_POOL_SIZE: ['database', 'poolSize'],
  MAMORI_LOG_LEVEL: ['log', 'level'],
  MAMORI_MARKET_SEED: ['market', 'seed'],
  MAMORI_MATCH_INTERVAL_MS: ['market', 'matchIntervalMs'],
  MAMORI_SESSION_IDLE_MINUTES: ['session', 'idleMinutes'],
  MAMORI_SESSION_ABSOLUTE_HOURS: ['session', 'absoluteHours'],
  MAMORI_WITHDRAWAL_SEND_INTERVAL_MS: ['withdrawals', 'sendIntervalMs'],
  MAMORI_WEBAUTHN_RP_ID: ['webauthn', 'rpId'],
  MAMORI_WEBAUTHN_ORIGINS: ['webauthn', 'origins'],
  MAMORI_SECRET_KEY: ['secrets', 'key'],
  MAMORI_SECRET_KEY_FILE: ['secrets', 'keyFile'],
  MAMORI_SMTP_URL: ['mail', 'smtpUrl'],
  MAMORI_MAIL_FROM: ['mail', 'from'],
  MAMORI_REDIS_URL: ['redis', 'url'],
  MAMORI_LOCKOUT_THRESHOLD: ['auth', 'lockoutThreshold'],
  MAMORI_RECOVERY_COOLING_HOURS: ['auth', 'recoveryCoolingHours'],
  MAMORI_DESTINATION_COOLING_HOURS: ['guards', 'destinationCoolingHours'],
  MAMORI_WEB_DESTINATION_CHANGES: ['guards', 'webDestinationChanges'],
  MAMORI_RISK_MODE: ['risk', 'mode'],
  MAMORI_RISK_HISTORY_CACHE: ['risk', 'historyCache'],
  MAMORI_REVIEW_TOKEN: ['review', 'token'],
  MAMORI_MONITOR_DAILY_AT: ['monitor', 'dailyAt'],
}

export interface LoadConfigOptions {
  env?: Readonly<Record<string, string | undefined>>
  /** A JSON file with the same shape as the config; MAMORI_CONFIG_FILE when omitted. */
  file?: string
  /** Values that win over both file and environment (CLI flags, tests). */
  overrides?: Record<string, Record<string, unknown>>
}

/**
 * Builds the configuration once at start-up: defaults, then the optional JSON file, then
 * MAMORI_* environment variables, then explicit overrides. Bad values fail with one
 * CONFIG_INVALID error listing every problem by its path.
 */
export function loadConfig(options: LoadConfigOptions = {}): FrozenConfig {
  const env = options.env ?? {}
  const raw: Record<string, Record<string, unknown>> = {}
  const filePath = options.file ?? env.MAMORI_CONFIG_FILE
  if (filePath !== undefined && filePath !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(filePath, 'utf8'))
    } catch (err) {
      throw new MamoriError('CONFIG_INVALID', `config file ${filePath}: ${(err as Error).message}`)
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new MamoriError('CONFIG_INVALID', `config file ${filePath}: must hold a JSON object`)
    }
    for (const [k, v] of Object.entries(parsed)) raw[k] = v as Record<string, unknown>
  }
  for (const [name, [section, key]] of Object.entries(ENV_MAP)) {
    const value = env[name]
    if (value === undefined || value === '') continue
    raw[section] = { ...(raw[section] ?? {}), [key]: value }
  }
  for (const [section, values] of Object.entries(options.overrides ?? {})) {
    raw[section] = { ...(raw[section] ?? {}), ...values }
  }
  const result = configSchema.safeParse(raw)
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new MamoriError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, { problems })
  }
  return deepFreeze(result.data)
}

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value as DeepReadonly<T>
}
