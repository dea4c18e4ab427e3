import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { Browser } from './Browser.js'
import { RP_ID, WEB_ORIGIN, assertion } from './flows.js'
import { createCredential, type SoftCredential } from './softAuthenticator.js'
import { agentOf, BROWSERS } from './userAgents.js'
import { browserAt, streamFor, type World } from './World.js'

interface Member {
  readonly credential: SoftCredential
  readonly browser: Browser
}

/**
 * The broker's support desk, as far as the simulation needs one: an honest customer whose account
 * the engine froze calls in, support checks who they are, an analyst files an unfreeze and a
 * supervisor approves it (four-eyes, D-2) — through the staff API like any member of staff. The
 * customer's friction has already been counted; this only keeps one false freeze from denying
 * every later login of the run. Victims' accounts stay frozen: their case is investigated.
 */
export class BrokerOperations {
  readonly #world: World
  #analyst: Member | undefined
  #supervisor: Member | undefined
  unfreezes = 0

  constructor(world: World) {
    this.#world = world
  }

  /** Unfreezes `customerId` (the customer called and was identified); true when done. */
  async unfreeze(customerId: string): Promise<boolean> {
    this.#analyst ??= await this.#enrol('ops-analyst', 'analyst')
    this.#supervisor ??= await this.#enrol('ops-supervisor', 'supervisor')
    if (!(await this.#login(this.#analyst)) || !(await this.#login(this.#supervisor))) return false
    const filed = await this.#analyst.browser.post<{ id?: string }>('/v1/staff/requests/remediation', {
      kind: 'unfreeze',
      customerId,
      payload: {},
      reason: 'customer called; identity verified; the frozen order was their own',
    })
    if (filed.status !== 200 || filed.body.id === undefined) return false
    const approved = await this.#supervisor.browser.post<{ status?: string }>(`/v1/staff/approvals/${filed.body.id}/approve`, { reason: 'call recording checked' })
    if (approved.status === 200 && approved.body.status === 'approved') {
      this.unfreezes++
      return true
    }
    return false
  }

  /** Setup, not simulation: the member is created as `mamori staff add` does, then enrols a passkey over HTTP. */
  async #enrol(username: string, role: 'analyst' | 'supervisor'): Promise<Member> {
    const w = this.#world
    const created = await w.server.staff.create({ username, displayName: `Operations ${role}`, role, createdBy: 'simulator' })
    const browser = browserAt(w, { ip: '203.0.113.10', userAgent: agentOf(BROWSERS[0]!, 4) })
    const o = await browser.post<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }>('/v1/staff/enrol/options', { token: created.enrolmentToken }, { token: null })
    const { response, credential } = createCredential(o.body.options, { origin: WEB_ORIGIN, rpId: RP_ID, credentialId: streamFor(w, role.length).bytes(32) })
    await browser.post('/v1/staff/enrol', { token: created.enrolmentToken, challengeId: o.body.challengeId, response }, { token: null })
    return { credential, browser }
  }

  async #login(m: Member): Promise<boolean> {
    const o = await m.browser.post<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>('/v1/staff/login/options', undefined, { token: null })
    if (o.status !== 200) return false
    const r = await m.browser.post<{ token: string }>('/v1/staff/login', { challengeId: o.body.challengeId, response: assertion(o.body.options, m.credential) }, { token: null })
    if (r.status !== 200) return false
    m.browser.token = r.body.token
    return true
  }
}
