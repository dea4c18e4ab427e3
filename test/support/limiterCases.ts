import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { ManualClock } from '../../src/runtime/index.js'
import type { Limiter } from '../../src/auth/throttle/Limiter.js'
import { MemoryLimiter } from '../../src/auth/throttle/MemoryLimiter.js'
import { RedisLimiter } from '../../src/auth/throttle/RedisLimiter.js'

/*
 * Test support (not product code): the Limiter implementations every throttle test runs against.
 * It belongs with test/support/dialects.ts; it lives here only because this change may not touch
 * test/. Like the PostgreSQL suite, the Redis suite is skipped, with a plain message, when
 * MAMORI_TEST_REDIS_URL is unset, and FAILS when it is set but Redis does not answer.
 */

/** The Redis URL tests run against, when configured. */
export const REDIS_URL: string | undefined = process.env.MAMORI_TEST_REDIS_URL || undefined

/** Printed (and used as the skipped suite's title) when the Redis suite does not run. */
export const REDIS_SKIPPED =
  'Redis suite SKIPPED: MAMORI_TEST_REDIS_URL is not set (to run it: MAMORI_TEST_REDIS_URL=redis://127.0.0.1:6379)'

/** An opened limiter, a way to let its window time pass, and its clean-up. */
export interface OpenLimiter {
  readonly limiter: Limiter
  /** Moves the limiter's time on: the ManualClock for memory, real time for Redis (its TTLs are its own). */
  elapse(ms: number): Promise<void>
  close(): Promise<void>
}

export interface LimiterCase {
  readonly kind: 'memory' | 'redis'
  open(): Promise<OpenLimiter>
}

export const memoryCase: LimiterCase = {
  kind: 'memory',
  async open(): Promise<OpenLimiter> {
    const clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    return {
      limiter: new MemoryLimiter({ clock }),
      async elapse(ms: number): Promise<void> {
        clock.advance(ms)
      },
      async close(): Promise<void> {},
    }
  },
}

export const redisCase: LimiterCase = {
  kind: 'redis',
  async open(): Promise<OpenLimiter> {
    if (REDIS_URL === undefined) throw new Error('MAMORI_TEST_REDIS_URL is not set')
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    })
    try {
      await client.connect()
      await client.ping()
    } catch (err) {
      client.disconnect()
      throw new Error(`MAMORI_TEST_REDIS_URL is set but Redis is unreachable: ${(err as Error).message}`)
    }
    // A prefix of its own per run, so parallel runs and a shared server never see each other's keys.
    const prefix = `mamori:test:${process.pid}:${randomBytes(6).toString('hex')}:`
    return {
      limiter: new RedisLimiter({ client, prefix }),
      elapse: (ms: number) => sleep(ms),
      async close(): Promise<void> {
        try {
          let cursor = '0'
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
            if (keys.length > 0) await client.del(...keys)
            cursor = next
          } while (cursor !== '0')
        } finally {
          await client.quit()
        }
      },
    }
  },
}

/** The limiters this run covers: memory always, Redis when configured. */
export const LIMITER_CASES: readonly LimiterCase[] =
  REDIS_URL === undefined ? [memoryCase] : [memoryCase, redisCase]
