import { createHash } from 'node:crypto'
import { assertKey, assertLimitArgs, type Limiter, type LimitState } from './Limiter.js'

/**
 * The few Redis commands RedisLimiter uses. An ioredis `Redis` instance satisfies it; keeping
 * the dependency this narrow lets a cluster client or a test double stand in.
 */
export interface RedisScriptClient {
  evalsha(sha1: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>
  del(...keys: string[]): Promise<number>
}

/** What RedisLimiter needs. */
export interface RedisLimiterOptions {
  client: RedisScriptClient
  /** Prepended to every key (default `mamori:`). */
  prefix?: string
}

// INCR and PEXPIRE run in one script, so no crash or race can leave a counter without expiry (a
// key that never expires would lock an IP out for good). The window's clock is Redis's own TTL:
// API nodes with skewed clocks still agree. The PTTL < 0 branch repairs a key that lost its
// expiry some other way (e.g. a manual SET).
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
else
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
end
return {n, ttl}
`

const PEEK_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then return {0, 0} end
return {tonumber(v), redis.call('PTTL', KEYS[1])}
`

interface Script {
  readonly source: string
  readonly sha1: string
}

function script(source: string): Script {
  return Object.freeze({ source, sha1: createHash('sha1').update(source, 'utf8').digest('hex') })
}

const HIT = script(HIT_SCRIPT)
const PEEK = script(PEEK_SCRIPT)

/**
 * A fixed-window Limiter shared by every API node through Redis (G-1). Each operation is one
 * atomic Lua script, sent by SHA and re-sent in full only when Redis answers NOSCRIPT (after a
 * restart or SCRIPT FLUSH). Redis errors propagate: the caller fails closed.
 *
 * Configure the client to fail fast (e.g. ioredis `maxRetriesPerRequest: 1`,
 * `enableOfflineQueue: false`), or a Redis outage turns into logins hanging instead of refused.
 */
export class RedisLimiter implements Limiter {
  readonly #client: RedisScriptClient
  readonly #prefix: string

  constructor(options: RedisLimiterOptions) {
    const prefix = options.prefix ?? 'mamori:'
    if (typeof prefix !== 'string' || prefix.length === 0)
      throw new TypeError('prefix must be a non-empty string')
    this.#client = options.client
    this.#prefix = prefix
  }

  async hit(key: string, limit: number, windowMs: number): Promise<LimitState> {
    assertLimitArgs(key, limit, windowMs)
    const [count, ttl] = await this.#run(HIT, this.#prefix + key, windowMs)
    const allowed = count <= limit
    return { allowed, count, retryAfterMs: allowed ? 0 : Math.max(1, ttl) }
  }

  async peek(key: string, limit: number, windowMs: number): Promise<LimitState> {
    assertLimitArgs(key, limit, windowMs)
    const [count, ttl] = await this.#run(PEEK, this.#prefix + key)
    const allowed = count < limit
    // A key without expiry (ttl -1) is only possible if something outside this class wrote it; the
    // next hit repairs it. Until then the whole window is the honest retry hint.
    return { allowed, count, retryAfterMs: allowed ? 0 : ttl > 0 ? ttl : windowMs }
  }

  async reset(key: string): Promise<void> {
    assertKey(key)
    await this.#client.del(this.#prefix + key)
  }

  async #run(s: Script, key: string, ...args: number[]): Promise<[number, number]> {
    let reply: unknown
    try {
      reply = await this.#client.evalsha(s.sha1, 1, key, ...args)
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
      reply = await this.#client.eval(s.source, 1, key, ...args)
    }
    return parseReply(reply)
  }
}

function parseReply(reply: unknown): [number, number] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [count, ttl] = reply as unknown[]
    if (Number.isSafeInteger(count) && Number.isSafeInteger(ttl)) return [count as number, ttl as number]
  }
  throw new Error('unexpected reply from the Redis limiter script')
}
