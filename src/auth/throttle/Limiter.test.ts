import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITER_CASES, REDIS_SKIPPED, REDIS_URL, type OpenLimiter } from '../../../test/support/limiterCases.js'

if (REDIS_URL === undefined) {
  console.log(`\n*** ${REDIS_SKIPPED}\n`)
  describe.skip(REDIS_SKIPPED, () => {
    it('runs the Limiter suite on RedisLimiter against a real server', () => {})
  })
}

const MINUTE = 60_000

describe.each(LIMITER_CASES)('Limiter on $kind', (lc) => {
  let open: OpenLimiter
  let n = 0
  const freshKey = (): string => `limiter-test:${++n}`

  beforeAll(async () => {
    open = await lc.open()
  })
  afterAll(async () => {
    await open?.close()
  })

  it('counts hits up to the limit and refuses the one after with a retry hint inside the window', async () => {
    const key = freshKey()
    for (let i = 1; i <= 3; i++) {
      expect(await open.limiter.hit(key, 3, MINUTE)).toEqual({ allowed: true, count: i, retryAfterMs: 0 })
    }
    const over = await open.limiter.hit(key, 3, MINUTE)
    expect(over.allowed).toBe(false)
    expect(over.count).toBe(4)
    expect(over.retryAfterMs).toBeGreaterThan(0)
    expect(over.retryAfterMs).toBeLessThanOrEqual(MINUTE)
  })

  it('peeks without counting and says whether one more hit would be allowed', async () => {
    const key = freshKey()
    expect(await open.limiter.peek(key, 2, MINUTE)).toEqual({ allowed: true, count: 0, retryAfterMs: 0 })
    await open.limiter.hit(key, 2, MINUTE)
    for (let i = 0; i < 10; i++) {
      expect(await open.limiter.peek(key, 2, MINUTE)).toEqual({ allowed: true, count: 1, retryAfterMs: 0 })
    }
    await open.limiter.hit(key, 2, MINUTE)
    const full = await open.limiter.peek(key, 2, MINUTE)
    expect(full.allowed).toBe(false)
    expect(full.count).toBe(2)
    expect(full.retryAfterMs).toBeGreaterThan(0)
    expect(full.retryAfterMs).toBeLessThanOrEqual(MINUTE)
  })

  it('keeps each key to its own count', async () => {
    const a = freshKey()
    const b = freshKey()
    await open.limiter.hit(a, 1, MINUTE)
    await open.limiter.hit(a, 1, MINUTE)
    expect((await open.limiter.peek(a, 1, MINUTE)).allowed).toBe(false)
    expect(await open.limiter.peek(b, 1, MINUTE)).toEqual({ allowed: true, count: 0, retryAfterMs: 0 })
  })

  it('starts a key from zero once its window has ended', async () => {
    const key = freshKey()
    await open.limiter.hit(key, 2, 150)
    await open.limiter.hit(key, 2, 150)
    expect((await open.limiter.hit(key, 2, 150)).allowed).toBe(false)
    await open.elapse(250)
    expect(await open.limiter.peek(key, 2, 150)).toEqual({ allowed: true, count: 0, retryAfterMs: 0 })
    expect(await open.limiter.hit(key, 2, 150)).toEqual({ allowed: true, count: 1, retryAfterMs: 0 })
  })

  it('does not stretch the window when refused hits keep coming (fixed window from the first hit)', async () => {
    const key = freshKey()
    await open.limiter.hit(key, 1, 300)
    await open.elapse(150)
    for (let i = 0; i < 5; i++) expect((await open.limiter.hit(key, 1, 300)).allowed).toBe(false)
    const refused = await open.limiter.peek(key, 1, 300)
    expect(refused.retryAfterMs).toBeLessThanOrEqual(150)
    await open.elapse(200)
    expect((await open.limiter.peek(key, 1, 300)).count).toBe(0)
  })

  it('forgets a key on reset', async () => {
    const key = freshKey()
    await open.limiter.hit(key, 1, MINUTE)
    await open.limiter.hit(key, 1, MINUTE)
    await open.limiter.reset(key)
    expect(await open.limiter.peek(key, 1, MINUTE)).toEqual({ allowed: true, count: 0, retryAfterMs: 0 })
    await open.limiter.reset(freshKey())
  })

  it('counts every one of a concurrent burst exactly once, so exactly `limit` of them are allowed', async () => {
    const key = freshKey()
    const states = await Promise.all(Array.from({ length: 100 }, () => open.limiter.hit(key, 10, MINUTE)))
    expect(states.map((s) => s.count).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    )
    expect(states.filter((s) => s.allowed)).toHaveLength(10)
    expect((await open.limiter.peek(key, 10, MINUTE)).count).toBe(100)
  })

  it('treats an empty key, a non-positive limit or a fractional window as a programming error', async () => {
    await expect(open.limiter.hit('', 1, MINUTE)).rejects.toBeInstanceOf(TypeError)
    await expect(open.limiter.hit(freshKey(), 0, MINUTE)).rejects.toBeInstanceOf(TypeError)
    await expect(open.limiter.peek(freshKey(), 1, 1.5)).rejects.toBeInstanceOf(TypeError)
    await expect(open.limiter.reset('')).rejects.toBeInstanceOf(TypeError)
  })
})
