/*
 * Attack: credential stuffing (seed 003). Phished or leaked ID/password pairs are replayed, one
 * guess per login ID, so that no account ever reaches its own lockout threshold. The per-address
 * and per-network failure budgets are what stop it. Variants: the attacker also holds one valid
 * account and logs into it between guesses hoping to reset the counters; the attacker rotates
 * through addresses of one network; the attacker sends garbage addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isMamoriError } from '../../errors/index.js'
import { LoginThrottle, type LoginAttempt } from './LoginThrottle.js'
import { networkKeyOf } from './networkKeyOf.js'
import { LIMITER_CASES, type OpenLimiter } from '../../../test/support/limiterCases.js'

const IP_LIMIT = 30
const NETWORK_LIMIT = 300
const WINDOW = 600_000

/** Plays a stuffing run: for each attempt, check, and on passing record a failure. Returns how many got through. */
async function stuff(
  throttle: LoginThrottle,
  attempts: readonly LoginAttempt[],
  validBetween?: LoginAttempt,
): Promise<number> {
  let passed = 0
  for (const attempt of attempts) {
    try {
      await throttle.check(attempt)
    } catch (err) {
      if (!isMamoriError(err, 'RATE_LIMITED')) throw err
      continue
    }
    passed++
    await throttle.recordFailure(attempt)
    if (validBetween !== undefined) await throttle.recordSuccess(validBetween)
  }
  return passed
}

describe.each(LIMITER_CASES)('credential stuffing against LoginThrottle on $kind', (lc) => {
  let open: OpenLimiter
  let throttle: LoginThrottle

  beforeAll(async () => {
    open = await lc.open()
    throttle = new LoginThrottle({
      limiter: open.limiter,
      ipLimit: IP_LIMIT,
      networkLimit: NETWORK_LIMIT,
      windowMs: WINDOW,
    })
  })
  afterAll(async () => {
    await open?.close()
  })

  it('stops 1,000 guesses across 1,000 different login IDs from one IP after ipLimit attempts', async () => {
    const ip = '203.0.113.66'
    const attempts = Array.from({ length: 1_000 }, (_, i) => ({
      ip,
      network: networkKeyOf(ip, 64_500),
      loginId: `victim${i}`,
    }))
    expect(await stuff(throttle, attempts)).toBe(IP_LIMIT)
  })

  it('does not reset the address budget when the attacker logs into an account of their own between guesses', async () => {
    const ip = '203.0.113.67'
    const network = networkKeyOf(ip, 64_501)
    const attempts = Array.from({ length: 200 }, (_, i) => ({ ip, network, loginId: `victim${i}` }))
    expect(await stuff(throttle, attempts, { ip, network, loginId: 'attackers-own-account' })).toBe(IP_LIMIT)
  })

  it('stops an attacker rotating through the /64s of one IPv6 /48 after networkLimit attempts', async () => {
    const attempts = Array.from({ length: 1_000 }, (_, i) => {
      const ip = `2001:db8:66:${i.toString(16)}::1`
      return { ip, network: networkKeyOf(ip), loginId: `victim${i}` }
    })
    expect(await stuff(throttle, attempts)).toBe(NETWORK_LIMIT)
  })

  it('keeps garbage source addresses in one bucket instead of giving each a fresh budget', async () => {
    const attempts = Array.from({ length: 100 }, (_, i) => {
      const ip = `not-an-ip-${i}`
      return { ip, network: networkKeyOf(ip), loginId: `victim${i}` }
    })
    expect(await stuff(throttle, attempts)).toBe(IP_LIMIT)
  })
})
