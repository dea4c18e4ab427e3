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
import { buildFrontDoor } from './buildFrontDoor.js'
import { accessRecorder } from './accessRecorder.js'
import { AccessLog } from '../risk/events/index.js'
import { MaxmindIpIntel, type IpIntel } from '../risk/intel/index.js'
import { withdrawalGuard } from '../guards/index.js'
import { cryptoRandom, systemClock, type Clock, type Random } from '../runtime/index.js'
import { migrate, openStore, type Store } from '../store/index.js'

export interface RunningServer {
  readonly url: string
  readonly app: FastifyInstance
  readonly store: Store
  readonly brokerage: BrokerageContext
  /** The access history (C-1) every login attempt and operation is recorded in. */
  readonly accessLog: AccessLog
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
    const auth = await buildFrontDoor(config, store, clock, random, logger)
    const intel = options.intel ?? (await MaxmindIpIntel.open())
    const accessLog = new AccessLog({
      store,
      clock,
      onError: (err: unknown) => logger.error({ err }, 'access history write failed'),
    })
    const app = await buildApp({
      config,
      store,
      clock,
      random,
      logger,
      sessions: auth.sessions,
      deviceOf: auth.deviceOf,
      policyHook: auth.policyHook,
      onAccess: accessRecorder({ log: accessLog, intel, clock, random }),
      routes: [
        authRoutes,
        frontDoorRoutes({ frontDoor: auth.frontDoor, settings: auth.settings, devices: auth.devices, secureCookies: config.http.secureCookies }),
        brokerageRoutes(brokerage, { notices: auth.notices, destinationCoolingMs: config.guards.destinationCoolingHours * 3_600_000 }),
        pageRoutes,
        ...(config.demo.showOutbox ? [demoOutboxRoutes(store)] : []),
      ],
    })
    const jobs = [
      every(config.market.matchIntervalMs, () => matchOpenOrders(brokerage), logger, 'order matching'),
      every(config.withdrawals.sendIntervalMs, () => sendApprovedWithdrawals(brokerage), logger, 'withdrawal sending'),
    ]
    const address = await app.listen({ host: config.http.host, port: config.http.port })
    return {
      url: address,
      app,
      store,
      brokerage,
      accessLog,
      async close(): Promise<void> {
        for (const job of jobs) await job.stop()
        await app.close()
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
