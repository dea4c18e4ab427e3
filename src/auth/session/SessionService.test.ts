import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../../test/support/dialects.js'
import { cryptoRandom, ManualClock } from '../../runtime/index.js'
import type { Store } from '../../store/index.js'
import { SessionService, sessionHashOf } from './index.js'

const MINUTE = 60_000
const IDLE = 15 * MINUTE
const ABSOLUTE = 12 * 60 * MINUTE

describe.each(DIALECTS)('SessionService on $dialect', (dc) => {
  let store: Store
  let clock: ManualClock
  let sessions: SessionService

  beforeAll(async () => {
    store = await dc.open()
    clock = new ManualClock(Date.UTC(2025, 9, 15, 9, 0, 0))
    sessions = new SessionService({ store, clock, random: cryptoRandom, idleMs: IDLE, absoluteMs: ABSOLUTE })
  })
  afterAll(async () => {
    await store.close()
  })

  it('issues a 256-bit base64url token that resolves to its customer until the absolute expiry', async () => {
    const { token, expiresAt } = await sessions.create('cus_a')
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(expiresAt).toBe(clock.now() + ABSOLUTE)
    expect(await sessions.resolve(token)).toMatchObject({ customerId: 'cus_a', sessionHash: sessionHashOf(token), kind: 'customer', deviceId: null })
  })

  it('never stores the token in clear, only its SHA-256', async () => {
    const { token } = await sessions.create('cus_clear')
    const rows = await store.db.selectFrom('sessions').selectAll().where('customer_id', '=', 'cus_clear').execute()
    expect(rows).toHaveLength(1)
    expect(JSON.stringify(rows)).not.toContain(token)
    expect(rows[0]?.id_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(rows[0]?.id_hash).toBe(sessionHashOf(token))
  })

  it('ends a session left idle for the idle timeout', async () => {
    const { token } = await sessions.create('cus_idle')
    clock.advance(IDLE - 1)
    expect(await sessions.resolve(token)).toBeDefined()
    clock.advance(IDLE - 1)
    // Use slid the idle window: still alive just under two idle periods after creation.
    expect(await sessions.resolve(token)).toBeDefined()
    clock.advance(IDLE)
    expect(await sessions.resolve(token)).toBeUndefined()
  })

  it('ends a session at its absolute timeout however busy it is', async () => {
    const { token, expiresAt } = await sessions.create('cus_busy')
    while (clock.now() + IDLE / 2 < expiresAt) {
      clock.advance(IDLE / 2)
      expect(await sessions.resolve(token)).toBeDefined()
    }
    clock.set(expiresAt)
    expect(await sessions.resolve(token)).toBeUndefined()
  })

  it('rejects a revoked session', async () => {
    const { token } = await sessions.create('cus_revoked')
    await sessions.revoke(token)
    expect(await sessions.resolve(token)).toBeUndefined()
    // Revoking twice, or an unknown token, is harmless.
    await sessions.revoke(token)
    await sessions.revoke('not-a-token')
  })

  it('revokes every session of one customer and no one else', async () => {
    const a1 = await sessions.create('cus_many')
    const a2 = await sessions.create('cus_many')
    const other = await sessions.create('cus_other')
    expect(await sessions.revokeAllForCustomer('cus_many')).toBe(2)
    expect(await sessions.resolve(a1.token)).toBeUndefined()
    expect(await sessions.resolve(a2.token)).toBeUndefined()
    expect(await sessions.resolve(other.token)).toBeDefined()
  })

  it('rejects malformed and unknown tokens', async () => {
    expect(await sessions.resolve('')).toBeUndefined()
    expect(await sessions.resolve('x'.repeat(43))).toBeUndefined()
    expect(await sessions.resolve('a'.repeat(10_000))).toBeUndefined()
    const { token } = await sessions.create('cus_hash')
    // Presenting the stored hash instead of the token does not work.
    expect(await sessions.resolve(sessionHashOf(token))).toBeUndefined()
  })
})
