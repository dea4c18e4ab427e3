import { expect } from 'vitest'
import type { StaffRole } from '../../src/store/index.js'
import { ORIGIN, RP_ID } from './frontDoorSteps.js'
import type { Api } from './http.js'
import type { TestServer } from './server.js'
import { createCredential, getAssertion, type SoftCredential } from './softAuthenticator.js'

/** A staff member signed in through the real API with a passkey of the soft authenticator. */
export interface SignedInStaff {
  readonly id: string
  readonly username: string
  readonly role: StaffRole
  readonly token: string
  readonly credential: SoftCredential
}

let counter = 0

/**
 * Creates a member as `mamori staff add` does (the server's StaffService), then enrols their first
 * passkey and signs them in through the HTTP API, as their browser would.
 */
export async function addStaff(ts: TestServer, client: Api, role: StaffRole, username?: string): Promise<SignedInStaff> {
  const name = username ?? `${role}${++counter}`
  const created = await ts.server.staff.create({ username: name, displayName: `${role} ${counter}`, role, createdBy: 'test' })
  const options = await client.post<{ challengeId: string; options: Parameters<typeof createCredential>[0] }>('/v1/staff/enrol/options', {
    token: created.enrolmentToken,
  })
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  const { response, credential } = createCredential(options.body.options, { origin: ORIGIN, rpId: RP_ID })
  const enrolled = await client.post<{ token: string }>('/v1/staff/enrol', { token: created.enrolmentToken, challengeId: options.body.challengeId, response })
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200)
  return { id: created.member.id, username: name, role, token: enrolled.body.token, credential }
}

/** A fresh staff login with `credential`; the response as the API gave it. */
export async function staffLogin(client: Api, credential: SoftCredential): Promise<{ status: number; body: unknown; token?: string }> {
  const options = await client.post<{ challengeId: string; options: Parameters<typeof getAssertion>[0] }>('/v1/staff/login/options')
  expect(options.status).toBe(200)
  const response = getAssertion(options.body.options, credential, { origin: ORIGIN, rpId: RP_ID, userVerified: true })
  const res = await client.post<{ token?: string }>('/v1/staff/login', { challengeId: options.body.challengeId, response })
  return { status: res.status, body: res.body, ...(res.body?.token === undefined ? {} : { token: res.body.token }) }
}
