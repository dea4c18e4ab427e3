import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import {
  matchOpenOrders,
  seedInstruments,
  sendApprovedWithdrawals,
  type BrokerageContext,
} from '../brokerage/index.js'
import { buildInstrumentCatalog, PriceFeed } from '../brokerage/reference/index.js'
import type { FrozenConfig } from '../config/index.js'
import { authRoutes, brokerageRoutes, buildApp, createLogger } from '../http/index.js'
import { frontDoorRoutes } from '../http/routes/frontDoor.js'
import { pageRoutes } from '../http/routes/pages.js'
import { demoOutboxRoutes } from '../http/routes/demoOutbox.js'
import { buildFrontDoor, secretKey } from './buildFrontDoor.js'
import { accessRecorder } from './accessRecorder.js'
import { AccessHistoryCache, AccessLog } from '../risk/events/index.js'
import { MaxmindIpIntel, type IpIntel } from '../risk/intel/index.js'
import { withdrawalGuard } from '../guards/index.js'
import { RiskGate, trainRbaModel } from '../guards/riskGate.js'
import { riskHook } from '../http/riskHook.js'
import { reviewRoutes } from '../http/routes/review.js'
import { ReviewService } from '../guards/reviewService.js'
import { RiskEngine } from '../risk/engine/index.js'
import { RbaModel } from '../risk/model/index.js'
import { CachedTypologyContext, defaultTypologies } from '../risk/typologies/index.js'
import type { LoginRisk } from '../auth/frontDoor/types.js'
import { cryptoRandom, systemClock, type Clock, type Random } from '../runtime/index.js'
import { migrate, openStore, type Store } from '../store/index.js'
import { AuditLog } from '../audit/index.js'
import { securityAuditOf } from './securityAudit.js'
import { staffAuditHook, staffAuthHook } from '../http/staffAuth.js'
import { staffRoutes } from '../http/routes/staff.js'
import { staffOpsRoutes } from '../http/routes/staffOps.js'
import { DailyMonitorScheduler } from '../investigate/index.js'
import { ApprovalService, CaseService, builtInExecutors } from '../ops/index.js'
import { CustomerView } from '../staff/customerView.js'
import { StaffService } from '../staff/StaffService.js'

export interface RunningServer {
  readonly url: string
  readonly app: FastifyInstance
  readonly store: Store
  readonly brokerage: BrokerageContext
  /** The access history (C-1) every login attempt and operation is recorded in. */
  readonly accessLog: AccessLog
  /** Where every guarded operation meets the risk engine (C-4). */
  readonly riskGate: RiskGate
  readonly staff: StaffService
  readonly audit: AuditLog
  /** The review queue of held operations. */
  readonly review: ReviewService
  /** Four-eyes requests (D-2). */
  readonly approvals: ApprovalService
  readonly cases: CaseService
  /** The in-server daily monitor (D-6); undefined when monitor.dailyAt is off. */
  readonly monitor: DailyMonitorScheduler | undefined
  /** Stops the jobs, drains requests, closes the database. */
  close(): Promise<void>
}

export interface ServerOptions {
  readonly clock?: Clock
  readonly random?: Random
  readonly logger?: Logger
  /** IP intelligence; the shipped GeoLite2 city and ASN databases are loaded when omitted (~2 s). */
  readonly intel?: IpIntel
}

/**
 * The composition root: opens and migrates the configured database, loads the instrument
 * catalogue, wires the brokerage core behind the HTTP API, starts the background jobs (matching
 * resting orders, sending approved withdrawals) and listens.
 */
export async function startServer(config: FrozenConfig, options: ServerOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock
  const random = options.random ?? cryptoRandom
  const logger = options.logger ?? createLogger(config.log.level)
  const store = await openStore(config.database)
  try {
    await migrate(store)
    const catalog = buildInstrumentCatalog()
    await seedInstruments(store.db, catalog)
    const brokerage: BrokerageContext = Object.freeze({
      store,
      clock,
      random,
      prices: new PriceFeed(config.market.seed, catalog),
      screenWithdrawal: withdrawalGuard({ destinationCoolingMs: config.guards.destinationCoolingHours * 3_600_000 }),
    })
    const intel = options.intel ?? (await MaxmindIpIntel.open())
    const accessLog = new AccessLog({
      store,
      clock,
      onError: (err: unknown) => logger.error({ err }, 'access history write failed'),
    })
    // The login model learns the last year of successful logins now, then each new one as it happens (C-2).
    const model = new RbaModel()
    const learned = await trainRbaModel(store, model, clock.now() - 365 * 86_400_000)
    logger.info({ logins: learned, customers: model.customers }, 'login risk model trained')
    // The engine reads the history from memory where one process writes it (see config risk.historyCache).
    const cacheOn = config.risk.historyCache === 'on' || (config.risk.historyCache === 'auto' && config.database.dialect === 'sqlite')
    const historyCache = cacheOn ? new AccessHistoryCache({ log: accessLog, store, clock, maxEvents: config.risk.historyCacheMaxEvents }) : undefined
    const cachedContext =
      historyCache === undefined ? undefined : new CachedTypologyContext({ cache: historyCache, log: accessLog, store, prices: brokerage.prices, now: clock.now() })
    if (historyCache !== undefined) {
      // Customers not read yet are read on their first question; warming only saves those first reads.
      void historyCache
        .warm()
        .then((w) => logger.info({ customers: w.customers, events: w.events, recentEvents: w.recentEvents }, 'access history cache warmed'))
        .catch((err: unknown) => logger.error({ err }, 'access history cache warm-up failed; questions go to the database'))
    }
    const riskGate = new RiskGate({
      ...(cachedContext === undefined ? {} : { contextAt: (now: number) => cachedContext.at(now) }),
      engine: new RiskEngine({ typologies: defaultTypologies(), model, options: config.risk.engine }),
      model,
      log: accessLog,
      store,
      prices: brokerage.prices,
      intel,
      clock,
      random,
      mode: config.risk.mode,
      symbolFreezeMs: config.risk.symbolFreezeHours * 3_600_000,
    })
    if (config.risk.mode === 'shadow') logger.warn('risk.mode is shadow: risk decisions are recorded and alerted on but not enforced')
    const loginRisk: LoginRisk = async (customerId, env) => {
      const a = await riskGate.assess({
        customerId,
        action: 'login',
        ip: env.ip,
        userAgent: env.userAgent,
        deviceId: env.deviceId,
        sessionHash: null,
        detail: {},
      })
      const e = a.event
      return {
        outcome: a.enforced === 'allow' ? 'allow' : a.enforced === 'step_up' ? 'step_up' : 'deny',
        ...(a.decision.stepUp === undefined ? {} : { factor: a.decision.stepUp }),
        newEnvironment: a.newEnvironment,
        origin: { ip: e.ip, network: e.asnName ?? e.network, country: e.country, city: e.city, browser: e.browser, os: e.os },
      }
    }
    const auditKey = secretKey(config)
    const auth = await buildFrontDoor(config, store, clock, random, logger, {
      loginRisk,
      onLoginRefused: async (customerId, attempt) => {
        await riskGate.alertRefusedLogin(customerId, attempt)
      },
    })
    const review = new ReviewService({
      brokerage,
      notices: auth.notices,
      destinationCoolingMs: config.guards.destinationCoolingHours * 3_600_000,
    })
    const audit = new AuditLog({ store, clock, secretKey: auditKey })
    const staff = new StaffService({
      store,
      clock,
      random,
      rpId: config.webauthn.rpId,
      rpName: config.webauthn.rpName,
      origins: config.webauthn.origins.length > 0 ? config.webauthn.origins : [`http://localhost:${config.http.port}`],
      idleMs: config.staff.idleMinutes * 60_000,
      absoluteMs: config.staff.absoluteHours * 3_600_000,
      enrolmentMs: config.staff.enrolmentHours * 3_600_000,
    })
    const customers = new CustomerView({
      store,
      audit,
      clock,
      random,
      revealsPerHour: config.staff.revealsPerHour,
      watchCustomersPerHour: config.staff.watchCustomersPerHour,
    })
    const destinationCoolingMs = config.guards.destinationCoolingHours * 3_600_000
    const approvals = new ApprovalService({
      brokerage,
      ttlMs: config.staff.approvalTtlHours * 3_600_000,
      executors: {
        ...builtInExecutors({
          lockout: auth.lockout,
          recoveryCoolingMs: config.auth.recoveryCoolingHours * 3_600_000,
          destinationCoolingMs,
          notices: auth.notices,
        }),
        role_change: async (db, payload) => ({ ...(await staff.setRole(db, payload.staffId, payload.role)) }),
      },
    })
    const cases = new CaseService({ brokerage, sessions: auth.sessions, mailer: auth.mailer })
    const app = await buildApp({
      config,
      staffAuth: staffAuthHook(staff),
      onStaffResponse: staffAuditHook(audit, (err) => logger.error({ err }, 'audit append failed')),
      store,
      clock,
      random,
      logger,
      sessions: auth.sessions,
      deviceOf: auth.deviceOf,
      policyHook: auth.policyHook,
      riskHook: riskHook({
        gate: riskGate,
        store,
        clock,
        sessions: auth.sessions,
        notices: auth.notices,
        stepUpMaxAgeMs: config.risk.stepUpMaxAgeSeconds * 1000,
      }),
      onAccess: accessRecorder({
        log: accessLog,
        intel,
        clock,
        random,
        onLogin: (event) => riskGate.observeLogin(event),
        onRecorded: (() => {
          const auditOf = securityAuditOf(audit, (err) => logger.error({ err }, 'audit append failed'))
          return (event, method) => {
            auditOf(event, method)
            // Attempts that opened no session, and account recoveries, never met the gate: score them
            // for alerts (credential stuffing; a right password from a new environment; recovery abuse).
            // Not the ones the throttle refused (429): a flood is alerted on from the failures before
            // the throttle closed, and scoring every refused attempt would hand the flood the event loop.
            const throttled = event.detail['status'] === 429
            if (!throttled && (event.action === 'login_failed' || event.action === 'recovery' || (event.action === 'login' && event.outcome !== 'success'))) {
              riskGate.observeAttempt(event).catch((err: unknown) => logger.error({ err }, 'scoring a failed login attempt failed'))
            }
          }
        })(),
      }),
      routes: [
        authRoutes,
        frontDoorRoutes({ frontDoor: auth.frontDoor, settings: auth.settings, devices: auth.devices, secureCookies: config.http.secureCookies }),
        brokerageRoutes(brokerage, {
          notices: auth.notices,
          destinationCoolingMs: config.guards.destinationCoolingHours * 3_600_000,
          gate: riskGate,
        }),
        pageRoutes,
        staffRoutes({ staff, customers, review, audit, auditKey }),
        staffOpsRoutes({ brokerage, staff, approvals, cases, audit, accessLog }),
        ...(config.review.token === undefined ? [] : [reviewRoutes(review, config.review.token)]),
        ...(config.demo.showOutbox ? [demoOutboxRoutes(store)] : []),
      ],
    })
    const jobs = [
      every(config.market.matchIntervalMs, () => matchOpenOrders(brokerage), logger, 'order matching'),
      every(config.withdrawals.sendIntervalMs, () => sendApprovedWithdrawals(brokerage), logger, 'withdrawal sending'),
      // Four-eyes requests nobody decided in time are marked expired (they could not be approved anyway).
      every(60_000, () => approvals.expireStale(), logger, 'approval expiry'),
    ]
    const monitor =
      config.monitor.dailyAt === 'off'
        ? undefined
        : new DailyMonitorScheduler({
            store,
            clock,
            runAt: config.monitor.dailyAt,
            monitor: { random, log: accessLog },
            logger: {
              info: (fields, message) => logger.info(fields, message),
              error: (fields, message) => logger.error(fields, message),
            },
          })
    monitor?.start()
    const address = await app.listen({ host: config.http.host, port: config.http.port })
    return {
      url: address,
      app,
      store,
      brokerage,
      accessLog,
      riskGate,
      review,
      staff,
      audit,
      approvals,
      cases,
      monitor,
      async close(): Promise<void> {
        await monitor?.stop()
        for (const job of jobs) await job.stop()
        await app.close()
        historyCache?.close()
        await accessLog.close()
        await auth.close()
        await store.close()
      },
    }
  } catch (err) {
    await store.close()
    throw err
  }
}

/** Runs `task` every `ms` (never overlapping itself); 0 disables it. */
function every(ms: number, task: () => Promise<unknown>, logger: Logger, name: string): { stop(): Promise<void> } {
  if (ms === 0) return { stop: async () => undefined }
  let running: Promise<unknown> | undefined
  const timer = setInterval(() => {
    if (running !== undefined) return
    running = task()
      .catch((err: unknown) => logger.error({ err }, `${name} failed`))
      .finally(() => {
        running = undefined
      })
  }, ms)
  timer.unref()
  return {
    async stop(): Promise<void> {
      clearInterval(timer)
      await running
    },
  }
}
