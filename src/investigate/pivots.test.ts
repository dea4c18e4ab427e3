/*
 * D-4 pivots against a planted takeover: one attacker origin in Beijing touching three accounts
 * and buying one thin stock in each (seeds 000, 003), with benign customers around it. Each pivot
 * must find exactly the planted accounts, and the timeline must never carry a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIALECTS } from '../../test/support/dialects.js'
import { buildInvestigateScenario, PLANTED, type InvestigateScenario } from '../../test/support/investigateScenario.js'
import { FIXTURE_T0, ORIGINS } from '../../test/support/typologyFixture.js'
import { isMamoriError } from '../errors/index.js'
import type { Store } from '../store/index.js'
import { accountsByOrigin, accountTimeline, recentBuyers, similarAccounts } from './index.js'

const DAY = 86_400_000

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return isMamoriError(err) ? err.code : `not a MamoriError: ${String(err)}`
  }
  return undefined
}

describe.each(DIALECTS)('investigation pivots on $dialect', (dc) => {
  let store: Store
  let s: InvestigateScenario

  beforeAll(async () => {
    store = await dc.open()
    s = await buildInvestigateScenario(store)
  })
  afterAll(async () => {
    await s?.close()
    await store?.close()
  })

  it('finds exactly the accounts the attacker address touched, with their logins and operations, and counts unknown login IDs', async () => {
    const pivot = await accountsByOrigin(store, { kind: 'ip', value: ORIGINS.beijing.ip, since: FIXTURE_T0 - DAY })
    expect(new Set(pivot.accounts.map((a) => a.customerId))).toEqual(new Set([s.ids.a, s.ids.b, s.ids.c]))
    expect(pivot.truncated).toBe(false)
    const a = pivot.accounts.find((x) => x.customerId === s.ids.a)!
    expect(a).toMatchObject({ status: 'active', loginsSucceeded: 1, loginsFailed: 1, operations: 2, operationsSucceeded: 2 })
    expect(a.actions).toEqual({ login: 1, login_failed: 1, order: 1, destination_change: 1 })
    const b = pivot.accounts.find((x) => x.customerId === s.ids.b)!
    expect(b).toMatchObject({ events: 2, loginsSucceeded: 1, loginsFailed: 0, operations: 1 })
    expect(pivot.unknownLoginIds).toMatchObject({ attempts: 3, distinctLoginIds: 2 })
    // Most recently seen first: A's destination change is the attacker's last act.
    expect(pivot.accounts[0]!.customerId).toBe(s.ids.a)
  })

  it('pivots the same way from the IPv4-mapped address, the network and the device, and not from a benign origin', async () => {
    const ring = new Set([s.ids.a, s.ids.b, s.ids.c])
    const mapped = await accountsByOrigin(store, { kind: 'ip', value: `::ffff:${ORIGINS.beijing.ip}` })
    expect(new Set(mapped.accounts.map((a) => a.customerId))).toEqual(ring)
    const network = await accountsByOrigin(store, { kind: 'network', value: 'AS4837' })
    expect(network.value).toBe('asn:4837')
    expect(new Set(network.accounts.map((a) => a.customerId))).toEqual(ring)
    const device = await accountsByOrigin(store, { kind: 'device', value: 'dev-attacker' })
    expect(new Set(device.accounts.map((a) => a.customerId))).toEqual(ring)
    expect(device.unknownLoginIds.attempts).toBe(3)
    const vps = await accountsByOrigin(store, { kind: 'ip', value: ORIGINS.vps.ip })
    expect(new Set(vps.accounts.map((a) => a.customerId))).toEqual(new Set([s.ids.d, s.ids.e]))
    const home = await accountsByOrigin(store, { kind: 'device', value: 'dev-home-b' })
    expect(home.accounts.map((a) => a.customerId)).toEqual([s.ids.b])
    // The window bounds it: nothing from Beijing before the attack.
    const before = await accountsByOrigin(store, { kind: 'ip', value: ORIGINS.beijing.ip, since: 0, until: FIXTURE_T0 })
    expect(before.accounts).toEqual([])
    expect(before.unknownLoginIds).toEqual({ attempts: 0, distinctLoginIds: 0, firstSeenAt: null, lastSeenAt: null })
  })

  it('refuses a malformed origin or window with PIVOT_INVALID', async () => {
    expect(await code(accountsByOrigin(store, { kind: 'ip', value: '203.0.113.999' }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'ip', value: "1.2.3.4' or 1=1 --" }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'network', value: 'asn:0' }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'network', value: 'net:%' }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'device', value: '' }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'email' as 'ip', value: 'x' }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'ip', value: '192.0.2.1', since: 10, until: 10 }))).toBe('PIVOT_INVALID')
    expect(await code(accountsByOrigin(store, { kind: 'ip', value: '192.0.2.1', limit: 0 }))).toBe('PIVOT_INVALID')
  })

  it("merges an account's accesses, operations, orders, destination, hold, notice and withdrawal steps in time order", async () => {
    const t = await accountTimeline(store, s.ids.a, { since: FIXTURE_T0 })
    const kinds = new Set(t.items.map((i) => i.kind))
    for (const k of ['access', 'operation', 'order', 'destination_added', 'held', 'held_resolved', 'notice'] as const) expect(kinds).toContain(k)
    const ats = t.items.map((i) => i.at)
    expect(ats).toEqual([...ats].sort((x, y) => x - y))
    expect(t.items.every((i) => i.at >= FIXTURE_T0)).toBe(true)
    const e = await accountTimeline(store, s.ids.e, { since: FIXTURE_T0 })
    expect(e.items.filter((i) => i.kind === 'withdrawal').map((i) => i.detail['to'])).toEqual(['requested', 'approved'])
    const limited = await accountTimeline(store, s.ids.a, { since: FIXTURE_T0, limit: 3 })
    expect(limited.truncated).toBe(true)
    expect(limited.items).toEqual(t.items.slice(-3))
  })

  it('never shows a password hash, TOTP secret, session id or hash, e-mailed code, login ID or full account number', async () => {
    const t = await accountTimeline(store, s.ids.a)
    expect(t.items.length).toBeGreaterThan(5)
    const text = JSON.stringify(t)
    for (const secret of [
      ...s.passwordHashes,
      PLANTED.sessionIdHash,
      PLANTED.eventSessionHash,
      PLANTED.totpSecret,
      PLANTED.emailCodeHash,
      PLANTED.mailedCode,
      PLANTED.detailPassword,
      PLANTED.loginId,
      PLANTED.accountNumber,
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('****321')
    expect(text).not.toMatch(/"(password|sessionHash|session_hash|loginIdHash|login_id_hash|body|secret_enc|code_hash)"/)
  })

  it('answers CUSTOMER_NOT_FOUND for an unknown account', async () => {
    expect(await code(accountTimeline(store, 'cus_nobody'))).toBe('CUSTOMER_NOT_FOUND')
    expect(await code(similarAccounts(store, 'cus_nobody', { since: 0 }))).toBe('CUSTOMER_NOT_FOUND')
    expect(await code(accountTimeline(store, ' '))).toBe('PIVOT_INVALID')
  })

  it("lists a thin stock's buyers with the environment of each order, new for the ring and known for the regular", async () => {
    const r = await recentBuyers(store, s.ring, { since: FIXTURE_T0, until: FIXTURE_T0 + DAY })
    expect(new Set(r.buyers.map((b) => b.customerId))).toEqual(new Set([s.ids.a, s.ids.b, s.ids.c, s.ids.d]))
    for (const k of ['a', 'b', 'c'] as const) {
      const b = r.buyers.find((x) => x.customerId === s.ids[k])!
      expect(b.newEnvironment).toBe(true)
      expect(b.orders).toHaveLength(1)
      expect(b.orders[0]!.orderId).not.toBeNull()
      expect(b.orders[0]!.environment).toMatchObject({ ip: ORIGINS.beijing.ip, network: 'asn:4837', country: 'CN', deviceId: 'dev-attacker', newEnvironment: true })
      expect(b.quantity).toBeGreaterThan(0)
      expect(b.amount).toBeGreaterThan(0)
    }
    const d = r.buyers.find((x) => x.customerId === s.ids.d)!
    expect(d.newEnvironment).toBe(false)
    expect(d.orders[0]!.environment).toMatchObject({ deviceId: 'dev-home-d', newEnvironment: false })
    expect(r.frozen).toBe(false)
    expect((await recentBuyers(store, s.pair, { since: FIXTURE_T0 })).buyers.map((b) => b.customerId).sort()).toEqual([s.ids.d, s.ids.e].sort())
    expect(await code(recentBuyers(store, 'NOPE9', { since: 0 }))).toBe('INSTRUMENT_UNKNOWN')
  })

  it('flags a frozen symbol and the buys made during the freeze', async () => {
    const frozenAt = FIXTURE_T0 + 65 * 60_000
    await store.db.insertInto('symbol_freezes').values({ symbol: s.pair, frozen_at: FIXTURE_T0 + 32 * 60_000 + 3_600_000, until: frozenAt + DAY, reason: 'pump ring' }).execute()
    try {
      const r = await recentBuyers(store, s.pair, { since: FIXTURE_T0, until: FIXTURE_T0 + DAY })
      expect(r.frozen).toBe(true)
      const e = r.buyers.find((b) => b.customerId === s.ids.e)!
      const d = r.buyers.find((b) => b.customerId === s.ids.d)!
      expect(e.orders[0]!.duringFreeze).toBe(true)
      expect(d.orders[0]!.duringFreeze).toBe(false)
    } finally {
      await store.db.deleteFrom('symbol_freezes').where('symbol', '=', s.pair).execute()
    }
  })

  it('ranks the accounts the attacker shared with A first, with what they share, and leaves unrelated customers out', async () => {
    const r = await similarAccounts(store, s.ids.a, { since: FIXTURE_T0, limit: 10 })
    const ids = r.similar.map((x) => x.customerId)
    expect(new Set(ids.slice(0, 2))).toEqual(new Set([s.ids.b, s.ids.c]))
    expect(ids).not.toContain(s.ids.e)
    const b = r.similar.find((x) => x.customerId === s.ids.b)!
    expect(b.shared.ips).toEqual([ORIGINS.beijing.ip])
    expect(b.shared.networks).toEqual(['asn:4837'])
    expect(b.shared.devices).toEqual(['dev-attacker'])
    expect(b.shared.symbols).toEqual([s.ring])
    expect(b.score).toBeGreaterThan(0.3)
    // D bought the same thin stock from its own home: a weak link, ranked below.
    const d = r.similar.find((x) => x.customerId === s.ids.d)
    expect(d?.shared.symbols).toEqual([s.ring])
    expect(d!.score).toBeLessThan(b.score)
    // The home network (a Japanese ISP carrying millions) links nobody.
    expect(r.similar.every((x) => !x.shared.networks.includes('asn:4713'))).toBe(true)
  })
})
