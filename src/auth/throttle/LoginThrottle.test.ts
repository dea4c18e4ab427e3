import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isMamoriError } from '../../errors/index.js'
import { LoginThrottle } from './LoginThrottle.js'
import { networkKeyOf } from './networkKeyOf.js'
import { LIMITER_CASES, type OpenLimiter } from '../../../test/support/limiterCases.js'

const WINDOW = 600_000

/** Resolves to the error `p` rejects with, or undefined when it resolves. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
    return undefined
  } catch (err) {
    return err
  }
}

function origin(ip: string): { ip: string; network: string; loginId: string } {
  return { ip, network: networkKeyOf(ip), loginId: 'someone' }
}

describe.each(LIMITER_CASES)('LoginThrottle on $kind', (lc) => {
  let open: OpenLimiter
  let throttle: LoginThrottle

  beforeAll(async () => {
    open = await lc.open()
    throttle = new LoginThrottle({ limiter: open.limiter, ipLimit: 3, networkLimit: 5, windowMs: WINDOW })
  })
  afterAll(async () => {
    await open?.close()
  })

  it('refuses an address with RATE_LIMITED once its failures reach the limit', async () => {
    const from = origin('198.51.100.1')
    for (let i = 0; i < 3; i++) {
      await throttle.check(from)
      await throttle.recordFailure(from)
    }
    const err = await failure(throttle.check(from))
    expect(isMamoriError(err, 'RATE_LIMITED')).toBe(true)
    const retryAfterMs = (err as { details: { retryAfterMs: number } }).details.retryAfterMs
    expect(retryAfterMs).toBeGreaterThan(0)
    expect(retryAfterMs).toBeLessThanOrEqual(WINDOW)
  })

  it('leaves an address in another network unaffected', async () => {
    for (let i = 0; i < 3; i++) await throttle.recordFailure(origin('198.51.101.1'))
    await expect(throttle.check(origin('198.51.101.1'))).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    await expect(throttle.check(origin('192.0.2.77'))).resolves.toBeUndefined()
  })

  it('refuses every address of a network once the network reaches its limit', async () => {
    for (let i = 1; i <= 5; i++) await throttle.recordFailure(origin(`198.51.102.${i}`))
    await expect(throttle.check(origin('198.51.102.200'))).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    await expect(throttle.check(origin('198.51.103.200'))).resolves.toBeUndefined()
  })

  it('counts nothing on check, however often it is called', async () => {
    const from = origin('198.51.104.1')
    for (let i = 0; i < 50; i++) await throttle.check(from)
    await throttle.recordFailure(from)
    await throttle.recordFailure(from)
    await expect(throttle.check(from)).resolves.toBeUndefined()
  })

  it('counts two IPv6 addresses of the same /64 as one address', async () => {
    await throttle.recordFailure(origin('2001:db8:aa:1::1'))
    await throttle.recordFailure(origin('2001:db8:aa:1::2'))
    await throttle.recordFailure(origin('2001:db8:aa:1:ffff::3'))
    await expect(throttle.check(origin('2001:db8:aa:1::4'))).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    await expect(throttle.check(origin('2001:db8:aa:2::4'))).resolves.toBeUndefined()
  })

  it('lets an address try again once the window has passed', async () => {
    const short = new LoginThrottle({ limiter: open.limiter, ipLimit: 1, networkLimit: 5, windowMs: 150 })
    const from = { ...origin('198.51.105.1'), network: 'short-window:198.51.105' }
    await short.recordFailure(from)
    await expect(short.check(from)).rejects.toMatchObject({ code: 'RATE_LIMITED' })
    await open.elapse(250)
    await expect(short.check(from)).resolves.toBeUndefined()
  })

  it('rejects impossible settings and an empty network key as programming errors', async () => {
    expect(
      () => new LoginThrottle({ limiter: open.limiter, ipLimit: 0, networkLimit: 5, windowMs: WINDOW }),
    ).toThrow(TypeError)
    expect(
      () => new LoginThrottle({ limiter: open.limiter, ipLimit: 1, networkLimit: 5, windowMs: 0.5 }),
    ).toThrow(TypeError)
    await expect(throttle.check({ ip: '192.0.2.1', network: '' })).rejects.toBeInstanceOf(TypeError)
  })
})
