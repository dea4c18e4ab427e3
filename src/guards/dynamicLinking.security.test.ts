/*
 * Attack: the confirmation of a withdrawal or a destination change is stolen or tampered with —
 * a man-in-the-browser changes the amount or the destination after the customer approved, or a
 * relay replays an assertion it saw. PSD2-style dynamic linking (C-5): the passkey challenge is
 * bound to the operation, the amount and the destination, so the assertion confirms exactly the
 * operation the customer saw, once. Over real HTTP, per dialect.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, type Api } from '../../test/support/http.js'
import {
  confirm,
  enrolWithPasskey,
  expectError,
  newCustomer,
  passkeyLogin,
  sessionOf,
  WEBAUTHN,
} from '../../test/support/frontDoorSteps.js'
import { SERVER_DIALECTS, startTestServer, type TestServer } from '../../test/support/server.js'
import type { SoftCredential } from '../../test/support/softAuthenticator.js'
import { verifyLedger } from '../ledger/index.js'

const key = (): Record<string, string> => ({ 'idempotency-key': randomUUID() })
const OWN = { bankCode: '0005', branchCode: '123', accountType: 'ordinary', accountNumber: '1234567', holderKana: 'ｻﾄｳ ﾊﾅｺ' } as const
const OTHER = { ...OWN, accountNumber: '7654321' } as const

describe.each(SERVER_DIALECTS)('dynamic linking of confirmations on %s', (dialect) => {
  let ts: TestServer
  let client: Api
  let token: string
  let credential: SoftCredential
  let destinations: string[]

  beforeAll(async () => {
    ts = await startTestServer(dialect, { defaultPolicy: true, overrides: { webauthn: WEBAUTHN } })
    const c = await newCustomer(ts, 'linked')
    client = api(ts.url)
    credential = (await enrolWithPasskey(client, c)).credential
    ts.clock.advance(72 * 3_600_000) // past the first-enrolment cooling period
    token = sessionOf(await passkeyLogin(client, credential))
    expect((await client.post('/v1/deposits', { amount: 1_000_000 }, { token, headers: key() })).status).toBe(201)
    destinations = []
    for (const account of [OWN, OTHER]) {
      const res = await client.post<{ id: string }>(
        '/v1/destinations',
        { ...account, confirmation: await confirm(client, token, 'destination_change', account, credential) },
        { token, headers: key() },
      )
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      destinations.push(res.body.id)
    }
    ts.clock.advance(72 * 3_600_000) // past the new destinations' cooling period
    token = sessionOf(await passkeyLogin(client, credential))
  })
  afterAll(async () => {
    await ts?.close()
  })

  async function withdrawalsCount(): Promise<number> {
    const res = await client.get<{ withdrawals: unknown[] }>('/v1/withdrawals', { token })
    return res.body.withdrawals.length
  }

  it('rejects a confirmation made for another amount, and writes nothing', async () => {
    const seen = { destinationId: destinations[0]!, amount: 10_000 }
    const confirmation = await confirm(client, token, 'withdrawal', seen, credential)
    const before = await withdrawalsCount()
    const res = await client.post('/v1/withdrawals', { ...seen, amount: 900_000, confirmation }, { token, headers: key() })
    expectError(res, 401, 'CHALLENGE_INVALID')
    expect(await withdrawalsCount()).toBe(before)
  })

  it('rejects a confirmation made for another destination', async () => {
    const seen = { destinationId: destinations[0]!, amount: 10_000 }
    const confirmation = await confirm(client, token, 'withdrawal', seen, credential)
    const res = await client.post('/v1/withdrawals', { ...seen, destinationId: destinations[1]!, confirmation }, { token, headers: key() })
    expectError(res, 401, 'CHALLENGE_INVALID')
  })

  it('accepts the exact operation once and rejects the replayed assertion', async () => {
    const seen = { destinationId: destinations[0]!, amount: 20_000 }
    const confirmation = await confirm(client, token, 'withdrawal', seen, credential)
    const first = await client.post<{ status: string }>('/v1/withdrawals', { ...seen, confirmation }, { token, headers: key() })
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    const before = await withdrawalsCount()
    const replay = await client.post('/v1/withdrawals', { ...seen, confirmation }, { token, headers: key() })
    expectError(replay, 401, 'CHALLENGE_INVALID')
    expect(await withdrawalsCount()).toBe(before)
  })

  it('rejects a destination change whose account number differs from the confirmed one', async () => {
    const confirmation = await confirm(client, token, 'destination_change', OWN, credential)
    const res = await client.post('/v1/destinations', { ...OWN, accountNumber: '1111111', confirmation }, { token, headers: key() })
    expectError(res, 401, 'CHALLENGE_INVALID')
  })

  it('rejects a withdrawal confirmation used for a destination change', async () => {
    const confirmation = await confirm(client, token, 'withdrawal', { destinationId: destinations[0]!, amount: 1 }, credential)
    const res = await client.post('/v1/destinations', { ...OWN, confirmation }, { token, headers: key() })
    expectError(res, 401, 'CHALLENGE_INVALID')
  })

  it('does not count a passkey proven earlier in the session as confirming a withdrawal', async () => {
    const res = await client.post('/v1/withdrawals', { destinationId: destinations[0]!, amount: 5_000 }, { token, headers: key() })
    expectError(res, 403, 'STEP_UP_REQUIRED')
    expect((await verifyLedger(ts.server.store.db)).ok).toBe(true)
  })
})
