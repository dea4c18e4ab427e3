import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisLimiter } from './RedisLimiter.js'
import { REDIS_SKIPPED, REDIS_URL, redisCase, type OpenLimiter } from '../../../test/support/limiterCases.js'

const MINUTE = 60_000

// Behaviour only Redis has: its own clock and script cache. The shared Limiter suite covers the rest.
describe.skipIf(REDIS_URL === undefined)(
  REDIS_URL === undefined ? REDIS_SKIPPED : 'RedisLimiter against a real Redis',
  () => {
    let open: OpenLimiter
    let client: Redis
    const key = `mamori-test-${process.pid}-${randomBytes(6).toString('hex')}`

    beforeAll(async () => {
      // Fails the suite (does not skip it) when Redis is configured but unreachable.
      open = await redisCase.open()
      client = new Redis(REDIS_URL ?? '', { maxRetriesPerRequest: 1 })
    })
    afterAll(async () => {
      await client?.del(`mamori:${key}`)
      await client?.quit()
      await open?.close()
    })

    it("keys counters under 'mamori:' with an expiry of the window, set on the first hit", async () => {
      const limiter = new RedisLimiter({ client })
      await limiter.hit(key, 5, MINUTE)
      expect(await client.get(`mamori:${key}`)).toBe('1')
      const ttl = await client.pttl(`mamori:${key}`)
      expect(ttl).toBeGreaterThan(MINUTE - 5_000)
      expect(ttl).toBeLessThanOrEqual(MINUTE)
      await limiter.reset(key)
      expect(await client.exists(`mamori:${key}`)).toBe(0)
    })

    it('gives a counter that somehow lost its expiry one again on the next hit, so it cannot lock out forever', async () => {
      const limiter = new RedisLimiter({ client })
      await client.set(`mamori:${key}`, '7')
      const refused = await limiter.peek(key, 5, MINUTE)
      expect(refused).toEqual({ allowed: false, count: 7, retryAfterMs: MINUTE })
      await limiter.hit(key, 5, MINUTE)
      expect(await client.pttl(`mamori:${key}`)).toBeGreaterThan(0)
    })

    it('re-sends a script in full when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH)', async () => {
      // A wrapper that makes Redis look freshly restarted, without flushing the shared server's cache.
      let forgotten = 0
      const restarted = {
        evalsha: async (): Promise<unknown> => {
          forgotten++
          throw new Error('NOSCRIPT No matching script. Please use EVAL.')
        },
        eval: (script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> =>
          client.eval(script, numKeys, ...args),
        del: (...keys: string[]): Promise<number> => client.del(...keys),
      }
      const limiter = new RedisLimiter({ client: restarted, prefix: `mamori:${key}:` })
      expect((await limiter.hit('noscript', 5, MINUTE)).count).toBe(1)
      expect((await limiter.peek('noscript', 5, MINUTE)).count).toBe(1)
      expect(forgotten).toBe(2)
      await limiter.reset('noscript')
    })

    it('passes on any other Redis error rather than retrying it', async () => {
      const broken = {
        evalsha: async (): Promise<unknown> => {
          throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value')
        },
        eval: async (): Promise<unknown> => {
          throw new Error('eval must not be called')
        },
        del: async (): Promise<number> => 0,
      }
      await expect(new RedisLimiter({ client: broken }).hit('x', 5, MINUTE)).rejects.toThrow('WRONGTYPE')
    })

    it('rejects the call when Redis is down, so the login it guards fails closed', async () => {
      const dead = new Redis('redis://127.0.0.1:1', {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      const limiter = new RedisLimiter({ client: dead })
      await expect(limiter.peek('anything', 5, MINUTE)).rejects.toThrow()
      dead.disconnect()
    })
  },
)
