/*
 * Attack: exhaust the in-memory limiter. An attacker with many source addresses (an IPv6 block,
 * a botnet) creates one counter per address until the table is full. A limiter that then stopped
 * counting new keys, or evicted live ones to make room, would let every further address guess
 * uncounted; one that never evicted would run the node out of memory. MemoryLimiter caps its
 * keys and fails closed for keys it cannot count, and frees slots only when windows expire.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../runtime/index.js'
import { MemoryLimiter } from './MemoryLimiter.js'

const WINDOW = 60_000

describe('MemoryLimiter under a key flood', () => {
  it('refuses keys it has no room to count, on hit and on peek alike, while counted keys keep their budget', async () => {
    const clock = new ManualClock(0)
    const limiter = new MemoryLimiter({ clock, maxKeys: 100 })
    for (let i = 0; i < 100; i++) await limiter.hit(`flood:${i}`, 5, WINDOW)
    expect(limiter.size).toBe(100)

    const peeked = await limiter.peek('newcomer', 5, WINDOW)
    expect(peeked.allowed).toBe(false)
    expect(peeked.count).toBeGreaterThan(5)
    expect(peeked.retryAfterMs).toBe(WINDOW)
    expect((await limiter.hit('newcomer', 5, WINDOW)).allowed).toBe(false)
    expect(limiter.size).toBe(100)

    expect(await limiter.hit('flood:7', 5, WINDOW)).toEqual({ allowed: true, count: 2, retryAfterMs: 0 })
  })

  it('does not let a live counter be pushed out by new keys', async () => {
    const clock = new ManualClock(0)
    const limiter = new MemoryLimiter({ clock, maxKeys: 10 })
    for (let i = 0; i < 3; i++) await limiter.hit('victim-of-eviction', 3, WINDOW)
    for (let i = 0; i < 1_000; i++) await limiter.hit(`junk:${i}`, 3, WINDOW)
    expect((await limiter.peek('victim-of-eviction', 3, WINDOW)).allowed).toBe(false)
  })

  it('frees slots as windows expire, so memory stays bounded through a long flood', async () => {
    const clock = new ManualClock(0)
    const limiter = new MemoryLimiter({ clock, maxKeys: 1_000 })
    // A new address every 100 ms for 2,000 s: without eviction 20,000 keys; with it, one window's worth.
    for (let i = 0; i < 20_000; i++) {
      await limiter.hit(`wave:${i}`, 5, WINDOW)
      clock.advance(100)
      expect(limiter.size).toBeLessThanOrEqual(WINDOW / 100)
    }
    expect((await limiter.hit('after-the-flood', 5, WINDOW)).allowed).toBe(true)
  })

  it('expires short windows even behind keys with a longer window', async () => {
    const clock = new ManualClock(0)
    const limiter = new MemoryLimiter({ clock, maxKeys: 3 })
    await limiter.hit('long', 5, 10 * WINDOW)
    await limiter.hit('short:1', 5, WINDOW)
    await limiter.hit('short:2', 5, WINDOW)
    expect((await limiter.hit('short:3', 5, WINDOW)).allowed).toBe(false)
    clock.advance(WINDOW)
    expect(await limiter.hit('short:3', 5, WINDOW)).toEqual({ allowed: true, count: 1, retryAfterMs: 0 })
    expect(limiter.size).toBe(2)
  })
})
