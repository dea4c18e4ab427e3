/*
 * Seed 001, Matsui Securities 2020: a contractor's system engineer with broad access obtained
 * customers' login IDs, passwords and trading passwords from the system and moved the money of
 * some fifteen customers to accounts he controlled. Replayed through the staff API (/v1/staff)
 * with an analyst's account — customer look-up, reveals, investigation, cases, the review queue
 * and four-eyes requests — signed in with the insider's own passkey: look the customers up, try
 * to read credentials, reveal what can be revealed, ask for destination changes and factor
 * resets, then use what was learnt on the customer side. The harder variants are patient, or have
 * a supervisor in on it who approves the requests.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server'
import type { SeededRandom } from '../../runtime/index.js'
import type { AttackLog } from '../AttackLog.js'
import type { Browser } from '../Browser.js'
import type { Customer } from '../Customer.js'
import { RP_ID, WEB_ORIGIN, assertion } from '../flows.js'
import { createCredential, type SoftCredential } from '../softAuthenticator.js'
import { BROWSERS, agentOf } from '../userAgents.js'
import { HOUR, MINUTE, pause, type World } from '../World.js'
import { attackerBrowser, forgedAccount, markVictim, residentialProxy, victims, type Scenario, type ScenarioContext } from './common.js'

const STEPS = ['staff_login', 'find_customers', 'obtain_credentials', 'reveal_pii', 'redirect_destination', 'take_over', 'withdrawal'] as const

interface Variant {
  readonly id: string
  readonly description: string
  /** Customers handled per sitting, and the time between sittings. */
  readonly perSitting: number
  readonly sittingGapMs: number
  /** A supervisor in on it approves the insider's requests (two people break four-eyes). */
  readonly accomplice: boolean
}

interface Insider {
  readonly id: string
  readonly credential: SoftCredential
  readonly browser: Browser
}

function insider(v: Variant): Scenario {
  return {
    id: v.id,
    family: 'matsui-insider',
    description: v.description,
    steps: STEPS,
    stage(ctx: ScenarioContext, log: AttackLog): void {
      const { world, rng } = ctx
      const targets = ctx.pool.take(victims(ctx, 15), (c) => c.spec.style !== 'dormant')
      const username = `${v.id.replace(/[^a-z0-9]/g, '')}-se`
      let staff: Insider | undefined
      let approver: Insider | undefined
      const sittings = Math.ceil(targets.length / v.perSitting)
      for (let s = 0; s < sittings; s++) {
        const batch = targets.slice(s * v.perSitting, (s + 1) * v.perSitting)
        world.scheduler.at(ctx.start + s * v.sittingGapMs, `${v.id} sitting ${s}`, async () => {
          log.start(world.clock.now())
          for (const t of batch) log.targets.add(t.id)
          try {
            staff ??= await enrolStaff(world, log, username, 'analyst', rng)
            if (v.accomplice) approver ??= await enrolStaff(world, log, `${username}-sv`, 'supervisor', rng)
            if (staff === undefined) return
            await sitting(world, log, staff, approver, batch, rng)
          } finally {
            log.end(world.clock.now())
          }
        })
      }
    },
  }
}

/**
 * Setup, not attack: the member is created as `mamori staff add` does (the server's StaffService),
 * then enrols their passkey through the API — the insider is a real, trusted staff member.
 */
async function enrolStaff(world: World, log: AttackLog, username: string, role: 'analyst' | 'supervisor', rng: SeededRandom): Promise<Insider | undefined> {
  const created = await world.server.staff.create({ username, displayName: role === 'analyst' ? 'Contract SE' : 'Team supervisor', role, createdBy: 'simulator' })
  log.staffIds.add(created.member.id)
  // The insider works from home over a Japanese home line, in an ordinary browser.
  const b = attackerBrowser(world, log, residentialProxy(world, rng, agentOf(BROWSERS[0]!, 4)))
  const o = await b.post<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }>('/v1/staff/enrol/options', { token: created.enrolmentToken }, { token: null })
  if (o.status !== 200) {
    log.stop('staff_login', o)
    return undefined
  }
  const { response, credential } = createCredential(o.body.options, { origin: WEB_ORIGIN, rpId: RP_ID, credentialId: rng.bytes(32) })
  const e = await b.post<{ token: string }>('/v1/staff/enrol', { token: created.enrolmentToken, challengeId: o.body.challengeId, response }, { token: null })
  if (e.status !== 200) {
    log.stop('staff_login', e)
    return undefined
  }
  return { id: created.member.id, credential, browser: b }
}

async function staffLogin(world: World, log: AttackLog, s: Insider): Promise<boolean> {
  const o = await s.browser.post<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }>('/v1/staff/login/options', undefined, { token: null })
  if (o.status !== 200) {
    log.stop('staff_login', o)
    return false
  }
  await pause(world, 5_000)
  const r = await s.browser.post<{ token: string }>('/v1/staff/login', { challengeId: o.body.challengeId, response: assertion(o.body.options, s.credential) }, { token: null })
  if (r.status !== 200) {
    log.stop('staff_login', r)
    return false
  }
  s.browser.token = r.body.token
  log.pass('staff_login')
  return true
}

async function sitting(world: World, log: AttackLog, s: Insider, approver: Insider | undefined, batch: readonly Customer[], rng: SeededRandom): Promise<void> {
  if (!(await staffLogin(world, log, s))) return
  if (approver !== undefined && !(await staffLogin(world, log, approver))) return
  const b = s.browser
  // What can this role reach? The API describes itself.
  const api = await b.get<{ paths?: Record<string, Record<string, unknown>> }>('/openapi.json')
  const credentialPaths = Object.keys(api.body.paths ?? {}).filter((p) => p.startsWith('/v1/staff') && /password|credential|secret|token|totp/i.test(p))
  for (const victim of batch) {
    await pause(world, 60_000 + rng.int(4 * MINUTE))
    log.attempts++
    const found = await b.get<{ customers?: { id: string }[] }>(`/v1/staff/customers?q=${encodeURIComponent(victim.loginId)}`)
    if (found.status !== 200 || (found.body.customers ?? []).length === 0) {
      log.stop('find_customers', found)
      continue
    }
    const view = await b.get<{ destinations?: { id: string }[] }>(`/v1/staff/customers/${victim.id}`)
    if (view.status !== 200) {
      log.stop('find_customers', view)
      continue
    }
    log.pass('find_customers')
    // 1. The credentials themselves: as reveal fields, and any staff route that sounds like them.
    let gotCredentials = false
    for (const field of ['password', 'tradingPassword', 'loginPassword']) {
      const r = await b.post(`/v1/staff/customers/${victim.id}/reveal`, { field, reason: 'customer called: cannot log in, checking the account' })
      if (r.status === 200) gotCredentials = true
      else log.stop('obtain_credentials', r)
    }
    for (const p of credentialPaths) {
      const r = await b.get(p.replace(/:[a-zA-Z]+/g, victim.id).replace(/\{[a-zA-Z]+\}/g, victim.id))
      if (r.status === 200 && JSON.stringify(r.body).includes(victim.spec.loginPassword)) gotCredentials = true
      else if (r.status !== 200) log.stop('obtain_credentials', r)
    }
    if (gotCredentials) {
      log.pass('obtain_credentials')
      log.takenOver.add(victim.id)
    }
    // 2. What is revealable: contact details and the bank account, each with a plausible reason.
    const destinationId = view.body.destinations?.[0]?.id
    for (const field of ['email', 'phone', 'bankAccount']) {
      const r = await b.post<{ value?: string }>(`/v1/staff/customers/${victim.id}/reveal`, {
        field,
        reason: 'customer inquiry about a withdrawal',
        ...(field === 'bankAccount' && destinationId !== undefined ? { destinationId } : {}),
      })
      if (r.status === 200 && r.body.value !== undefined) log.pass('reveal_pii')
      else log.stop('reveal_pii', r)
      await pause(world, 20_000)
    }
    // 3. Redirect the withdrawals: a destination change "entered for the customer" (four-eyes).
    const account = forgedAccount(victim, rng)
    log.attackerAccounts.add(account.accountNumber)
    const redirected = await fourEyes(world, log, s, approver, 'redirect_destination', {
      kind: 'destination_change',
      customerId: victim.id,
      payload: account,
      reason: 'customer asked by phone to change the withdrawal account; identity checked',
    })
    // 4. Take the account: a factor reset (lost phone), then recovery on the customer side.
    await pause(world, 30_000)
    const reset = await fourEyes(world, log, s, approver, 'take_over', {
      kind: 'factor_reset',
      customerId: victim.id,
      payload: { factors: ['passkey', 'phone_app'] },
      reason: 'customer lost their phone; identity re-verified by phone',
    })
    if (reset) markVictim(world, victim, world.clock.now())
    const side = attackerBrowser(world, log, residentialProxy(world, rng, agentOf(BROWSERS[0]!, 4)))
    const rec = await side.post<{ flowToken?: string }>('/v1/auth/recovery/start', { loginId: victim.loginId }, { token: null })
    if (rec.status === 200 && rec.body.flowToken !== undefined) {
      // Recovery needs the code in the customer's mailbox and their password: staff have neither.
      const r = await side.post('/v1/auth/recovery', { flowToken: rec.body.flowToken, code: String(rng.int(1_000_000)).padStart(6, '0'), password: 'unknown to staff 1' }, { token: null })
      if (r.status === 200) {
        log.pass('take_over')
        log.takenOver.add(victim.id)
      } else log.stop('take_over', r)
    } else log.stop('take_over', rec)
    // 5. Money moves only from the customer's own session, with the customer's passkey.
    if (redirected) log.stop('withdrawal', 'NO_CUSTOMER_SESSION')
  }
  await b.post('/v1/staff/logout', undefined)
  if (approver !== undefined) await approver.browser.post('/v1/staff/logout', undefined)
}

/**
 * Files a four-eyes request about a customer; the insider then tries to approve it alone, and a
 * colluding supervisor (when there is one) approves it. True when it was carried out.
 */
async function fourEyes(world: World, log: AttackLog, s: Insider, approver: Insider | undefined, step: string, body: Record<string, unknown>): Promise<boolean> {
  const filed = await s.browser.post<{ id?: string; status?: string }>('/v1/staff/requests/customer-service', body)
  if (filed.status !== 200 || filed.body.id === undefined) {
    log.stop(step, filed)
    return false
  }
  const id = filed.body.id
  const self = await s.browser.post<{ status?: string }>(`/v1/staff/approvals/${id}/approve`, { reason: 'urgent, customer waiting on the phone' })
  if (self.status === 200 && self.body.status === 'approved') {
    log.pass(step)
    return true
  }
  log.stop(step, self.status === 200 ? `FOUR_EYES_${String(self.body.status).toUpperCase()}` : self)
  if (approver === undefined) return false
  await pause(world, 3 * MINUTE)
  const ok = await approver.browser.post<{ status?: string }>(`/v1/staff/approvals/${id}/approve`, { reason: 'checked with the requester' })
  if (ok.status === 200 && ok.body.status === 'approved') {
    log.pass(step)
    return true
  }
  log.stop(step, ok)
  return false
}

/** The insider as in 2020 (one afternoon), a patient one, and one with a supervisor in on it. */
export const MATSUI_INSIDER: readonly Scenario[] = [
  insider({
    id: 'matsui-insider',
    description: 'an analyst-role staff account (look-up, reveals, investigation, cases, four-eyes requests) goes through 15 customers in one sitting: credentials, PII, destination changes, factor resets, then recovery on the customer side',
    perSitting: 15,
    sittingGapMs: HOUR,
    accomplice: false,
  }),
  insider({
    id: 'matsui-insider+slow',
    description: 'the same insider, two customers per sitting, sittings hours apart, every reveal with a plausible reason',
    perSitting: 2,
    sittingGapMs: 7 * HOUR,
    accomplice: false,
  }),
  insider({
    id: 'matsui-insider+colluding-approver',
    description: 'the same insider with a supervisor in on it who approves every destination change and factor reset the insider files',
    perSitting: 5,
    sittingGapMs: 3 * HOUR,
    accomplice: true,
  }),
]
