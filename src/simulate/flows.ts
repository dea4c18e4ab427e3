import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import type { SeededRandom } from '../runtime/index.js'
import type { Browser, Reply } from './Browser.js'
import { createCredential, getAssertion, type SoftCredential } from './softAuthenticator.js'

/*
 * The steps of Mamori's public HTTP API (docs/front-door.md) as a client takes them. People and
 * attackers share them: what differs is what each holds (a passkey, a password, a phone, a
 * stolen cookie) and where they come from.
 */

/** The broker's web origin and relying party, as the simulated server is configured. */
export const RP_ID = 'broker.example'
export const WEB_ORIGIN = 'https://www.broker.example'

/** How a login-shaped request ended, in the client's terms. */
export type LoginResult =
  | { readonly kind: 'session'; readonly token: string; readonly sessionKind: string; readonly customerId: string }
  | { readonly kind: 'factor'; readonly flowToken: string; readonly options: readonly (readonly string[])[] }
  | { readonly kind: 'refused'; readonly status: number; readonly code: string }

/** The answer of every login-shaped route (docs/front-door.md, "Progress"). */
export interface ProgressJson {
  status?: 'complete' | 'factor_required'
  token?: string
  kind?: string
  customerId?: string
  flowToken?: string
  options?: string[][]
}

interface ChallengeJson<T> {
  challengeId: string
  options: T
}

/** Reads a login-shaped answer; a completed login becomes the browser's session. */
export function loginResult(browser: Browser, r: Reply<ProgressJson>): LoginResult {
  if (r.status !== 200) return { kind: 'refused', status: r.status, code: r.code ?? `HTTP_${r.status}` }
  if (r.body.status === 'complete' && r.body.token !== undefined) {
    browser.token = r.body.token
    return { kind: 'session', token: r.body.token, sessionKind: r.body.kind ?? 'customer', customerId: r.body.customerId ?? '' }
  }
  return { kind: 'factor', flowToken: r.body.flowToken ?? '', options: r.body.options ?? [] }
}

/** Answers WebAuthn request options with `credential`, as a browser showing `origin` would. */
export function assertion(options: PublicKeyCredentialRequestOptionsJSON, credential: SoftCredential, origin = WEB_ORIGIN): AuthenticationResponseJSON {
  return getAssertion(options, credential, { origin, rpId: origin === WEB_ORIGIN ? RP_ID : new URL(origin).hostname, userVerified: true })
}

/** Password, step one. */
export async function passwordLogin(b: Browser, loginId: string, password: string): Promise<LoginResult> {
  return loginResult(b, await b.post<ProgressJson>('/v1/auth/login', { loginId, password }, { token: null }))
}

/** A usernameless passkey login. `origin` is the page the browser shows (a phishing page gets a useless signature). */
export async function passkeyLogin(b: Browser, credential: SoftCredential, origin = WEB_ORIGIN): Promise<LoginResult> {
  const o = await b.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/passkey/options', {}, { token: null })
  if (o.status !== 200) return { kind: 'refused', status: o.status, code: o.code ?? `HTTP_${o.status}` }
  const r = await b.post<ProgressJson>('/v1/auth/passkey/login', { challengeId: o.body.challengeId, response: assertion(o.body.options, credential, origin) }, { token: null })
  return loginResult(b, r)
}

/** Continues a login flow with a passkey. */
export async function flowPasskey(b: Browser, flowToken: string, credential: SoftCredential, origin = WEB_ORIGIN): Promise<LoginResult> {
  const o = await b.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/flow/passkey/options', { flowToken }, { token: null })
  if (o.status !== 200) return { kind: 'refused', status: o.status, code: o.code ?? `HTTP_${o.status}` }
  const r = await b.post<ProgressJson>('/v1/auth/flow/passkey', { flowToken, challengeId: o.body.challengeId, response: assertion(o.body.options, credential, origin) }, { token: null })
  return loginResult(b, r)
}

/** Asks Mamori to e-mail the flow's code. */
export async function sendFlowCode(b: Browser, flowToken: string, purpose: 'login' | 'device_add' = 'login'): Promise<Reply<unknown>> {
  return b.post('/v1/auth/flow/email-code/send', { flowToken, purpose }, { token: null })
}

/** Continues a login flow with an e-mailed code. */
export async function flowEmailCode(b: Browser, flowToken: string, code: string, purpose: 'login' | 'device_add' = 'login'): Promise<LoginResult> {
  return loginResult(b, await b.post<ProgressJson>('/v1/auth/flow/email-code', { flowToken, purpose, code }, { token: null }))
}

/** Asks the customer's phone app to approve the flow; the number the login page shows. */
export async function requestApproval(b: Browser, flowToken: string): Promise<{ approvalId: string; number: number } | Reply<unknown>> {
  const r = await b.post<{ approvalId: string; number: number }>('/v1/auth/flow/approval', { flowToken }, { token: null })
  return r.status === 200 ? { approvalId: r.body.approvalId, number: r.body.number } : r
}

/** Where the approval stands; once approved, the login's progress. */
export async function approvalStatus(b: Browser, flowToken: string): Promise<{ approval: string; login?: LoginResult }> {
  const r = await b.post<{ approval?: string; login?: ProgressJson }>('/v1/auth/flow/approval/status', { flowToken }, { token: null })
  if (r.status !== 200) return { approval: r.code ?? `HTTP_${r.status}`, login: { kind: 'refused', status: r.status, code: r.code ?? `HTTP_${r.status}` } }
  const login = r.body.login
  return login === undefined ? { approval: r.body.approval ?? 'none' } : { approval: r.body.approval ?? 'approved', login: loginResult(b, { ...r, body: login }) }
}

/** The phone app signs in with its own passkey. */
export async function appSession(phone: Browser, credential: SoftCredential): Promise<boolean> {
  const o = await phone.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/app/session/options', {}, { token: null })
  if (o.status !== 200) return false
  const r = await phone.post<{ token: string }>('/v1/app/session', { challengeId: o.body.challengeId, response: assertion(o.body.options, credential) }, { token: null })
  if (r.status !== 200) return false
  phone.token = r.body.token
  return true
}

/** A login waiting on the phone: where it comes from, and the three numbers to choose from. */
export interface PendingApproval {
  readonly id: string
  readonly environment: { readonly ip: string; readonly userAgent: string; readonly location?: string }
  readonly choices: readonly number[]
}

/** The logins waiting for this phone's answer (signing the app in when its session has lapsed). */
export async function pendingApprovals(phone: Browser, credential: SoftCredential): Promise<PendingApproval[]> {
  let r = await phone.get<{ approvals: PendingApproval[] }>('/v1/app/approvals')
  if (r.status === 401) {
    if (!(await appSession(phone, credential))) return []
    r = await phone.get<{ approvals: PendingApproval[] }>('/v1/app/approvals')
  }
  return r.status === 200 ? r.body.approvals : []
}

/** Approves on the phone with its passkey (biometric), choosing `number`. */
export async function approve(phone: Browser, credential: SoftCredential, approvalId: string, number: number): Promise<string> {
  const o = await phone.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>(`/v1/app/approvals/${approvalId}/options`, { number })
  if (o.status !== 200) return o.code ?? `HTTP_${o.status}`
  const r = await phone.post<{ status: string }>(`/v1/app/approvals/${approvalId}/approve`, { number, challengeId: o.body.challengeId, response: assertion(o.body.options, credential) })
  return r.status === 200 ? r.body.status : (r.code ?? `HTTP_${r.status}`)
}

/** Denies on the phone. */
export async function deny(phone: Browser, approvalId: string): Promise<void> {
  await phone.post(`/v1/app/approvals/${approvalId}/deny`, {})
}

/** Steps the session up with a passkey for `operation`; the session token rotates. */
export async function stepUpPasskey(b: Browser, operation: string, credential: SoftCredential): Promise<Reply<unknown>> {
  const o = await b.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/step-up/passkey/options', { operation })
  if (o.status !== 200) return o
  const r = await b.post<{ token: string }>('/v1/auth/step-up/passkey', { operation, challengeId: o.body.challengeId, response: assertion(o.body.options, credential) })
  if (r.status === 200) b.token = r.body.token
  return r
}

/** A passkey confirmation bound to one withdrawal or destination change (the `confirmation` of its request body). */
export async function confirmation(
  b: Browser,
  operation: 'withdrawal' | 'destination_change',
  fields: Record<string, string | number>,
  credential: SoftCredential,
): Promise<{ challengeId: string; response: AuthenticationResponseJSON } | Reply<unknown>> {
  const o = await b.post<ChallengeJson<PublicKeyCredentialRequestOptionsJSON>>('/v1/auth/confirm/options', { operation, fields })
  if (o.status !== 200) return o
  return { challengeId: o.body.challengeId, response: assertion(o.body.options, credential) }
}

/** Registers a passkey from the browser's session (an enrolment session may register the first). */
export async function registerPasskey(b: Browser, rng: SeededRandom, purpose: 'login' | 'phone_app' = 'login', label = 'passkey'): Promise<SoftCredential | Reply<unknown>> {
  const o = await b.post<ChallengeJson<PublicKeyCredentialCreationOptionsJSON>>('/v1/passkeys/registration/options', { purpose })
  if (o.status !== 200) return o
  const { response, credential } = createCredential(o.body.options, {
    origin: WEB_ORIGIN,
    rpId: RP_ID,
    backupEligible: true,
    backedUp: true,
    credentialId: rng.bytes(32),
  })
  const r = await b.post<{ session: { token: string } }>('/v1/passkeys/registration', { challengeId: o.body.challengeId, response, label })
  if (r.status !== 200) return r
  b.token = r.body.session.token
  return credential
}

/** Pairs a phone app: the web session (with a fresh passkey) asks for a code, the phone registers its own passkey. */
export async function pairPhone(web: Browser, phone: Browser, rng: SeededRandom): Promise<SoftCredential | Reply<unknown>> {
  const p = await web.post<{ pairingCode: string }>('/v1/app/pairing', {})
  if (p.status !== 200) return p
  const o = await phone.post<ChallengeJson<PublicKeyCredentialCreationOptionsJSON>>('/v1/app/pairing/options', { pairingCode: p.body.pairingCode }, { token: null })
  if (o.status !== 200) return o
  const { response, credential } = createCredential(o.body.options, { origin: WEB_ORIGIN, rpId: RP_ID, credentialId: rng.bytes(32) })
  const r = await phone.post<{ token: string }>('/v1/app/pairing/register', { pairingCode: p.body.pairingCode, challengeId: o.body.challengeId, response }, { token: null })
  if (r.status !== 200) return r
  phone.token = r.body.token
  return credential
}

/** A destination as the API takes it. */
export interface DestinationFields {
  readonly bankCode: string
  readonly branchCode: string
  readonly accountType: 'ordinary' | 'current' | 'savings'
  readonly accountNumber: string
  readonly holderKana: string
}

/** True when `x` is a Reply (an error answer) rather than the value a step produced. */
export function isReply(x: unknown): x is Reply<unknown> {
  return typeof x === 'object' && x !== null && 'status' in x && 'code' in x
}
