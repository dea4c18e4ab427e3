import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server'
import { expect } from 'vitest'
import { createCustomer } from '../../src/brokerage/index.js'
import { listOutbox } from '../../src/notify/index.js'
import type { Api, ApiResponse } from './http.js'
import type { TestServer } from './server.js'
import { createCredential, getAssertion, type SoftCredential } from './softAuthenticator.js'

/*
 * The steps of the front door (docs/front-door.md) as a customer's client takes them over HTTP,
 * for the front-door API and security tests. Each step asserts its own success, so a test reads
 * as the journey it describes and fails at the step that broke.
 */

/** The relying party the test servers are configured with, and the origin the "browser" reports. */
export const RP_ID = 'localhost'
export const ORIGIN = 'http://localhost:9999'
/** `overrides.webauthn` for startTestServer. */
export const WEBAUTHN = { rpId: RP_ID, origins: [ORIGIN] }

export interface ErrorJson {
  error: { code: string; message: string; details?: Record<string, unknown> }
}

/** The answer of every login-shaped route (docs/front-door.md, "Progress"). */
export interface ProgressJson {
  status: 'complete' | 'factor_required'
  token?: string
  expiresAt: number
  kind?: 'customer' | 'enrolment' | 'phone_app'
  customerId?: string
  flowToken?: string
  options?: string[][]
  deviceConfirmation?: boolean
  enrolment?: boolean
  deviceToken?: string
}

export interface SessionJson {
  token: string
  expiresAt: number
  deviceToken?: string
}

export interface ChallengeJson<T> {
  challengeId: string
  options: T
}

/** Status and error code side by side, so a failure shows both. */
export function expectError(res: ApiResponse, status: number, code: string): void {
  const body = res.body as Partial<ErrorJson> | null
  expect({ status: res.status, code: body?.error?.code }).toEqual({ status, code })
}

/** The error code of a response (undefined for a success). */
export function errorCode(res: ApiResponse): string | undefined {
  return (res.body as Partial<ErrorJson> | null)?.error?.code
}

/** A customer opened through the brokerage service, with the secrets a test needs to act as them. */
export interface FrontDoorCustomer {
  readonly id: string
  readonly loginId: string
  password: string
  readonly tradingPassword: string
  readonly email: string
  /** The customer's own e-mail, as read from the outbox. */
  readonly inbox: Inbox
}

let customerSeq = 0

/** Opens an account named サトウ ハナコ (so a destination in ｻﾄｳ ﾊﾅｺ is the customer's own). */
export async function newCustomer(ts: TestServer, prefix = 'fd'): Promise<FrontDoorCustomer> {
  const n = ++customerSeq
  const loginId = `${prefix}${n}_${randomUUID().slice(0, 8)}`
  const password = `login passphrase ${n} 守り`
  const tradingPassword = `trading secret ${n}`
  const email = `${loginId}@example.jp`
  const c = await createCustomer(ts.server.brokerage, {
    loginId,
    nameKanji: '佐藤 花子',
    nameKana: 'サトウ ハナコ',
    address: '東京都千代田区丸の内1-1-1',
    phone: '090-1234-5678',
    dateOfBirth: '1980-04-01',
    email,
    loginPassword: password,
    tradingPassword,
  })
  return { id: c.id, loginId, password, tradingPassword, email, inbox: new Inbox(ts, c.id) }
}

/**
 * A customer's mailbox in the outbox table. The frozen clock stamps every message with the same
 * millisecond, so "the newest" is not an order the outbox can give: the inbox remembers what it has
 * read and hands out the one code that arrived since.
 */
export class Inbox {
  readonly #ts: TestServer
  readonly #customerId: string
  readonly #read = new Set<string>()

  constructor(ts: TestServer, customerId: string) {
    this.#ts = ts
    this.#customerId = customerId
  }

  /** The code of the single unread code mail for `purpose` (login, device_add, unlock, recovery). */
  async code(purpose: string): Promise<string> {
    const unread = (await listOutbox(this.#ts.server.store.db, this.#customerId, 1000)).filter(
      (m) => m.channel === 'email' && m.kind === `code.${purpose}` && !this.#read.has(m.id),
    )
    expect(unread, `exactly one unread code.${purpose} mail`).toHaveLength(1)
    const mail = unread[0]!
    this.#read.add(mail.id)
    const match = /[：:]\s*([0-9]{6})\b/.exec(mail.body)
    if (match?.[1] === undefined) throw new Error(`no code in ${mail.kind} mail`)
    return match[1]
  }

  /** How many e-mails of `kind` the customer has been sent. */
  async count(kind: string): Promise<number> {
    return (await listOutbox(this.#ts.server.store.db, this.#customerId, 1000)).filter((m) => m.channel === 'email' && m.kind === kind).length
  }
}

/** A six-digit code that is certainly not `code`. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0')
}

/** Step one of a password login. */
export function passwordLogin(client: Api, c: { loginId: string }, password: string, token?: string): Promise<ApiResponse<ProgressJson>> {
  return client.post<ProgressJson>('/v1/auth/login', { loginId: c.loginId, password }, token === undefined ? {} : { token })
}

/** A flow that is waiting for a factor: its token, after checking the answer says so. */
export function flowOf(res: ApiResponse<ProgressJson>): string {
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect(res.body.status).toBe('factor_required')
  return res.body.flowToken!
}

/** A completed login: its session token, after checking the answer says so. */
export function sessionOf(res: ApiResponse<ProgressJson>, kind: ProgressJson['kind'] = 'customer'): string {
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect({ status: res.body.status, kind: res.body.kind }).toEqual({ status: 'complete', kind })
  return res.body.token!
}

/** Sends the flow's e-mail code and reads it from the customer's inbox. */
export async function sendFlowCode(client: Api, c: FrontDoorCustomer, flowToken: string, purpose: 'login' | 'device_add' = 'login'): Promise<string> {
  const sent = await client.post<{ expiresAt: number }>('/v1/auth/flow/email-code/send', { flowToken, purpose })
  expect(sent.status, JSON.stringify(sent.body)).toBe(200)
  return c.inbox.code(purpose)
}

/** Continues a flow with an e-mail code. */
export function submitFlowCode(client: Api, flowToken: string, code: string, purpose: 'login' | 'device_add' = 'login'): Promise<ApiResponse<ProgressJson>> {
  return client.post<ProgressJson>('/v1/auth/flow/email-code', { flowToken, purpose, code })
}

/** Password plus e-mail code, for a customer without a passkey: the enrolment session's token. */
export async function enrolmentLogin(client: Api, c: FrontDoorCustomer): Promise<string> {
  const flowToken = flowOf(await passwordLogin(client, c, c.password))
  const code = await sendFlowCode(client, c, flowToken)
  return sessionOf(await submitFlowCode(client, flowToken, code), 'enrolment')
}

/** Registers a passkey from the session `token` (which rotates); returns the new token and the credential. */
export async function registerPasskey(
  client: Api,
  token: string,
  purpose: 'login' | 'phone_app' = 'login',
): Promise<{ token: string; credential: SoftCredential }> {
  const options = await client.post<ChallengeJson<PublicKeyCredentialCreationOptionsJSON>>('/v1/passkeys/registration/options', { purpose }, { token })
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  const { response, credential } = createCredential(options.body.options, { origin: ORIGIN, rpId: RP_ID })
  const registered = await client.post<{ session: SessionJson }>(
    '/v1/passkeys/registration',
    { challengeId: options.body.challengeId, response, label: 'test passkey' },
    { token },
  )
  expect(registered.status, JSON.stringify(registered.body)).toBe(200)
  return { token: registered.body.session.token, credential }
}

/** The whole first-passkey journey: password, e-mail code, enrolment session, passkey. */
export async function enrolWithPasskey(client: Api, c: FrontDoorCustomer): Promise<{ token: string; credential: SoftCredential }> {
  return registerPasskey(client, await enrolmentLogin(client, c))
}

/** Answers WebAuthn request options with `credential`, as a browser on `origin` would. */
export function assert(
  options: PublicKeyCredentialRequestOptionsJSON,
  credential: SoftCredential,
  origin = ORIGIN,
  rpId = RP_ID,
): AuthenticationResponseJSON {
  return getAssertion(options, credential, { origin, rpId, userVerified: true })
}

/** A usernameless passkey login; `token` presents an existing session (which must end). */
export async function passkeyLogin(client: Api, credential: SoftCredential, token?: string): Promise<ApiResponse<ProgressJson>> {
  const options = await client.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/passkey/options', {})
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  return client.post<ProgressJson>(
    '/v1/auth/passkey/login',
    { challengeId: options.body.challengeId, response: assert(options.body.options, credential) },
    token === undefined ? {} : { token },
  )
}

/** Continues a login flow with a passkey assertion made on `origin`. */
export async function flowPasskey(client: Api, flowToken: string, credential: SoftCredential, origin = ORIGIN, rpId = RP_ID): Promise<ApiResponse<ProgressJson>> {
  const options = await client.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/flow/passkey/options', { flowToken })
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  return client.post<ProgressJson>('/v1/auth/flow/passkey', {
    flowToken,
    challengeId: options.body.challengeId,
    response: assert(options.body.options, credential, origin, rpId),
  })
}

/** Steps the session up with a passkey for `operation`; returns the rotated token. */
export async function stepUp(client: Api, token: string, operation: string, credential: SoftCredential): Promise<string> {
  const options = await client.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/step-up/passkey/options', { operation }, { token })
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  const res = await client.post<SessionJson>(
    '/v1/auth/step-up/passkey',
    { operation, challengeId: options.body.challengeId, response: assert(options.body.options, credential) },
    { token },
  )
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  expect(res.body.token).not.toBe(token)
  return res.body.token
}

/**
 * A passkey confirmation bound to one withdrawal or destination change (C-5): the fields must be
 * the ones the request will carry. Returns the `confirmation` to put in that request's body.
 */
export async function confirm(
  client: Api,
  token: string,
  operation: 'withdrawal' | 'destination_change',
  fields: Record<string, string | number>,
  credential: SoftCredential,
): Promise<{ challengeId: string; response: AuthenticationResponseJSON }> {
  const options = await client.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/confirm/options', { operation, fields }, { token })
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  return { challengeId: options.body.challengeId, response: assert(options.body.options, credential) }
}

/** Pairs a phone app: the web session (with a fresh passkey) asks for a code, the phone registers its own passkey. */
export async function pairPhone(web: Api, webToken: string, phone: Api): Promise<{ token: string; credential: SoftCredential }> {
  const pairing = await web.post<{ pairingCode: string }>('/v1/app/pairing', {}, { token: webToken })
  expect(pairing.status, JSON.stringify(pairing.body)).toBe(200)
  const { pairingCode } = pairing.body
  const options = await phone.post<ChallengeJson<PublicKeyCredentialCreationOptionsJSON>>('/v1/app/pairing/options', { pairingCode })
  expect(options.status, JSON.stringify(options.body)).toBe(200)
  const { response, credential } = createCredential(options.body.options, { origin: ORIGIN, rpId: RP_ID })
  const registered = await phone.post<SessionJson>('/v1/app/pairing/register', {
    pairingCode,
    challengeId: options.body.challengeId,
    response: response satisfies RegistrationResponseJSON,
  })
  expect(registered.status, JSON.stringify(registered.body)).toBe(200)
  return { token: registered.body.token, credential }
}

/** A credential the server has never seen (an attacker's own authenticator). */
export function strangerCredential(): SoftCredential {
  const options: PublicKeyCredentialCreationOptionsJSON = {
    rp: { id: RP_ID, name: 'Mamori' },
    user: { id: Buffer.from(randomUUID()).toString('base64url'), name: 'stranger', displayName: 'stranger' },
    challenge: Buffer.alloc(32).toString('base64url'),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  }
  return createCredential(options, { origin: ORIGIN, rpId: RP_ID }).credential
}

/** The customer row's lockout columns. */
export async function lockoutState(ts: TestServer, customerId: string): Promise<{ failedLogins: number; locked: boolean }> {
  const row = await ts.server.store.db
    .selectFrom('customers')
    .select(['failed_logins', 'locked_at'])
    .where('id', '=', customerId)
    .executeTakeFirstOrThrow()
  return { failedLogins: Number(row.failed_logins), locked: row.locked_at !== null }
}

/** What `requestFrom` answers. */
export interface RawResponse {
  status: number
  body: unknown
  setCookies: string[]
}

/**
 * One JSON request over node:http from a chosen loopback source address (127.0.0.0/8 is all
 * loopback on Linux): how a test plays a client on another address without a proxy, since the
 * server does not trust X-Forwarded-For.
 */
export function requestFrom(
  localAddress: string,
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(path, baseUrl)
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
  if (payload !== undefined) {
    headers['content-type'] = 'application/json'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return new Promise<RawResponse>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const setCookie = res.headers['set-cookie'] ?? []
          resolve({
            status: res.statusCode ?? 0,
            body: text !== '' && (res.headers['content-type'] ?? '').includes('json') ? (JSON.parse(text) as unknown) : text,
            setCookies: setCookie,
          })
        })
      },
    )
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
