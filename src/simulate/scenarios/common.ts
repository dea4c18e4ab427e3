import type { SeededRandom } from '../../runtime/index.js'
import { AttackLog, refused } from '../AttackLog.js'
import type { Browser, Origin, Reply } from '../Browser.js'
import type { Customer } from '../Customer.js'
import { approvalStatus, flowEmailCode, flowPasskey, isReply, passwordLogin, requestApproval, sendFlowCode } from '../flows.js'
import { FOREIGN, HOSTING, JP_FIXED, JP_MOBILE, pickByShare } from '../networks.js'
import { BROWSERS, TOOL_AGENTS, agentOf } from '../userAgents.js'
import { browserAt, mobileAddress, type World } from '../World.js'

/** What a scenario is given to stage its attack. */
export interface ScenarioContext {
  readonly world: World
  readonly pool: VictimPool
  readonly rng: SeededRandom
  /** When the attack begins. */
  readonly start: number
  /** Victims per scenario relative to the incident's (1 at 1,000 customers and above). */
  readonly scale: number
  readonly customers: readonly Customer[]
}

/** One attack, as replayed: a seed incident or one of its harder variants. */
export interface Scenario {
  /** `family` for the incident as it happened, `family+variant` for a harder variant. */
  readonly id: string
  readonly family: string
  readonly description: string
  readonly steps: readonly string[]
  /** Picks the victims and puts the attacker's moves on the scheduler. */
  stage(ctx: ScenarioContext, log: AttackLog): void
}

/**
 * The customers attackers may pick, each at most once across scenarios (so every loss and every
 * friction is attributed to one attack). The order is a seeded shuffle.
 */
export class VictimPool {
  readonly #free: Customer[]

  constructor(customers: readonly Customer[], rng: SeededRandom) {
    this.#free = [...customers]
    for (let i = this.#free.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[this.#free[i], this.#free[j]] = [this.#free[j]!, this.#free[i]!]
    }
  }

  /** Up to `n` customers that `accept` takes, removed from the pool. */
  take(n: number, accept: (c: Customer) => boolean = () => true): Customer[] {
    const out: Customer[] = []
    for (let i = 0; i < this.#free.length && out.length < n; ) {
      const c = this.#free[i]!
      if (accept(c)) {
        out.push(c)
        this.#free.splice(i, 1)
      } else i++
    }
    return out
  }
}

/** How many victims a scenario takes: the incident's number, scaled down for small populations. */
export function victims(ctx: ScenarioContext, nominal: number): number {
  return Math.max(1, Math.round(nominal * ctx.scale))
}

/** From the moment an attacker touches a customer, that customer's troubles are the attack's. */
export function markVictim(world: World, c: Customer, at: number): void {
  const was = world.victims.get(c.spec.index)
  if (was === undefined || at < was) world.victims.set(c.spec.index, at)
}

/**
 * Schedules `attack` on each victim in turn, `gapMs` apart from the scenario's start; when its
 * turn comes the victim is marked (their troubles from then on are the attack's), counted as a
 * target, and the attack's start logged.
 */
export function attackEach(ctx: ScenarioContext, log: AttackLog, scenarioId: string, picked: readonly Customer[], gapMs: number, attack: (victim: Customer) => Promise<void>): void {
  picked.forEach((victim, i) => {
    ctx.world.scheduler.at(ctx.start + i * gapMs, `${scenarioId} ${victim.loginId}`, async () => {
      const now = ctx.world.clock.now()
      markVictim(ctx.world, victim, now)
      log.start(now)
      log.targets.add(victim.id)
      await attack(victim)
    })
  })
}

/** Where an attacker with a victim's credentials works from: a rented server in Japan, or a residential proxy on the victim's own ISP with their browser string. */
export function attackOrigin(world: World, rng: SeededRandom, from: 'hosting' | 'victim-isp-proxy', victim: Customer): Origin {
  return from === 'hosting' ? hostingOrigin(world, rng, true) : residentialProxy(world, rng, victim.usualOrigin().userAgent, victim)
}

/** A rented server: AWS Tokyo when `inJapan`, else any hosting network. */
export function hostingOrigin(world: World, rng: SeededRandom, inJapan: boolean, userAgent?: string): Origin {
  const nets = HOSTING.filter((n) => world.atlas.has(n) && (inJapan ? n.country === 'JP' : n.country === undefined))
  const ip = world.atlas.address(rng.pick(nets.length > 0 ? nets : HOSTING.filter((n) => world.atlas.has(n))), rng).ip
  return { ip, userAgent: userAgent ?? agentOf(BROWSERS[0]!, 4) }
}

/** A residential line abroad (seed 003's relays ran on Chinese home lines). */
export function foreignOrigin(world: World, rng: SeededRandom, userAgent?: string): Origin {
  const nets = FOREIGN.filter((n) => world.atlas.has(n))
  return { ip: world.atlas.address(pickByShare(nets, rng), rng).ip, userAgent: userAgent ?? agentOf(BROWSERS[0]!, 3) }
}

/**
 * A Japanese residential proxy exit: somebody's home line or phone, rented by the hour. With
 * `sameIspAs`, on the victim's own ISP (the careful attacker of seed 004).
 */
export function residentialProxy(world: World, rng: SeededRandom, userAgent: string, sameIspAs?: Customer): Origin {
  if (sameIspAs !== undefined) return { ip: world.atlas.address(sameIspAs.spec.homeNetwork, rng).ip, userAgent }
  if (rng.next() < 0.3) return { ip: mobileAddress(world, pickByShare(JP_MOBILE.filter((n) => world.atlas.has(n)), rng), rng).ip, userAgent }
  return { ip: world.atlas.address(pickByShare(JP_FIXED.filter((n) => world.atlas.has(n)), rng), rng).ip, userAgent }
}

/** An off-the-shelf tool's User-Agent. */
export function toolAgent(rng: SeededRandom): string {
  return rng.pick(TOOL_AGENTS)
}

/** A bank account the attacker opened in the victim's name with forged papers (seed 000). */
export function forgedAccount(victim: Customer, rng: SeededRandom): { bankCode: string; branchCode: string; accountType: 'ordinary'; accountNumber: string; holderKana: string } {
  return {
    bankCode: rng.pick(['0036', '0038', '0039', '0310']),
    branchCode: String(100 + rng.int(900)),
    accountType: 'ordinary',
    accountNumber: String(9_000_000 + rng.int(999_999)),
    holderKana: victim.spec.person.nameKana,
  }
}

/** A new attacker browser at `origin`, its address remembered in the log. */
export function attackerBrowser(world: World, log: AttackLog, origin: Origin): Browser {
  log.ips.add(origin.ip)
  const b = browserAt(world, origin)
  const watch = world.watch
  if (watch !== undefined) b.watch = (call) => watch(log.id, call)
  return b
}

interface Holding {
  symbol: string
  quantity: number
  reserved: number
  price: number
}

/** Sells everything the victim holds (seed 000, seed 003's liquidation). */
export async function sellEverything(b: Browser, log: AttackLog, step: string, proof: Record<string, unknown>): Promise<'sold' | 'stopped' | 'nothing'> {
  const p = await b.get<{ holdings?: Holding[] }>('/v1/portfolio')
  if (p.status !== 200) {
    log.stop(step, p)
    return 'stopped'
  }
  let sold = false
  for (const h of p.body.holdings ?? []) {
    const free = h.quantity - h.reserved
    if (free <= 0) continue
    const r = await b.post<{ id?: string; status?: string }>('/v1/orders', { symbol: h.symbol, side: 'sell', type: 'market', quantity: free, ...proof }, { idempotent: true })
    if (r.status === 201 && r.body.id !== undefined) {
      log.orderIds.push(r.body.id)
      log.pass(step)
      sold = true
    } else {
      log.stop(step, r)
      return 'stopped'
    }
  }
  return sold ? 'sold' : 'nothing'
}

/** Buys as much of `symbol` as the cash allows (the pump ring's buy). */
export async function buyAll(b: Browser, log: AttackLog, step: string, symbol: string, proof: Record<string, unknown>): Promise<Reply<unknown> | undefined> {
  const p = await b.get<{ cash?: number }>('/v1/portfolio')
  const i = await b.get<{ price?: number; lotSize?: number }>(`/v1/instruments/${encodeURIComponent(symbol)}`)
  if (p.status !== 200 || i.status !== 200) {
    log.stop(step, p.status !== 200 ? p : i)
    return undefined
  }
  const price = i.body.price ?? 1
  const lot = i.body.lotSize ?? 1
  const quantity = Math.floor((p.body.cash ?? 0) * 0.95 / (price * lot)) * lot
  if (quantity <= 0) return undefined
  const r = await b.post<{ id?: string }>('/v1/orders', { symbol, side: 'buy', type: 'market', quantity, ...proof }, { idempotent: true })
  if (r.status === 201 && r.body.id !== undefined) {
    log.orderIds.push(r.body.id)
    log.pass(step)
  } else log.stop(step, r)
  return r
}

/**
 * Tries to register the attacker's account as a destination and withdraw to it. Without a passkey
 * bound to the operation (which only the customer's authenticator can make) the request carries
 * the trading password, as in 2020. Returns whether money was asked for.
 */
export async function redirectAndWithdraw(
  b: Browser,
  log: AttackLog,
  victim: Customer,
  rng: SeededRandom,
  proof: { tradingPassword?: string; confirm?: (op: 'withdrawal' | 'destination_change', fields: Record<string, string | number>) => Promise<unknown> },
): Promise<boolean> {
  const account = forgedAccount(victim, rng)
  log.attackerAccounts.add(account.accountNumber)
  const conf = proof.confirm === undefined ? undefined : await proof.confirm('destination_change', { ...account })
  const d = await b.post<{ id?: string; status?: string }>(
    '/v1/destinations',
    { ...account, ...(proof.tradingPassword === undefined ? {} : { tradingPassword: proof.tradingPassword }), ...(conf === undefined ? {} : { confirmation: conf }) },
    { idempotent: true },
  )
  if (d.status !== 201 || d.body.id === undefined) {
    log.stop('destination_change', d)
    return false
  }
  log.pass('destination_change')
  return withdrawTo(b, log, d.body.id, proof)
}

/** Withdraws the victim's cash to `destinationId`. */
export async function withdrawTo(
  b: Browser,
  log: AttackLog,
  destinationId: string,
  proof: { tradingPassword?: string; confirm?: (op: 'withdrawal' | 'destination_change', fields: Record<string, string | number>) => Promise<unknown> },
): Promise<boolean> {
  const p = await b.get<{ cash?: number }>('/v1/portfolio')
  const amount = p.body.cash ?? 0
  if (p.status !== 200 || amount <= 0) {
    if (p.status !== 200) log.stop('withdrawal', p)
    return false
  }
  const fields = { destinationId, amount }
  const conf = proof.confirm === undefined ? undefined : await proof.confirm('withdrawal', fields)
  const w = await b.post<{ status?: string }>(
    '/v1/withdrawals',
    { ...fields, ...(proof.tradingPassword === undefined ? {} : { tradingPassword: proof.tradingPassword }), ...(conf === undefined ? {} : { confirmation: conf }) },
    { idempotent: true },
  )
  if (refused(w)) {
    log.stop('withdrawal', w)
    return false
  }
  log.pass('withdrawal')
  return true
}

/** What the victim does for an attacker who has their password. */
export type VictimHelp =
  /** Nothing: an unexpected approval on the phone is denied, codes stay in the mailbox. */
  | 'nothing'
  /** Approves one unexpected login approval (told the number by a caller posing as support). */
  | 'approves-once'
  /** Is on a phishing page that relays in real time: types the e-mailed code, approves on the phone, touches the passkey. */
  | 'relay'

/** A lookalike of the broker's site (seed 003): a passkey ceremony there is signed for the wrong origin. */
export const PHISHING_ORIGIN = 'https://www.broker-example.co'

/**
 * Logs in as `victim` with their stolen password, taking whatever second factor the victim can be
 * made to give. Returns the session kind the attacker ended up with, or null when stopped.
 */
export async function loginAsVictim(b: Browser, log: AttackLog, victim: Customer, help: VictimHelp): Promise<'customer' | 'enrolment' | null> {
  let r = await passwordLogin(b, victim.loginId, victim.spec.loginPassword)
  log.attempts++
  if (r.kind === 'refused') {
    log.stop('login', r.code)
    return null
  }
  log.pass('login')
  for (let round = 0; round < 3; round++) {
    if (r.kind === 'session') {
      log.pass('second_factor')
      log.takenOver.add(victim.id)
      return r.sessionKind === 'enrolment' ? 'enrolment' : 'customer'
    }
    if (r.kind === 'refused') {
      log.stop('second_factor', r.code)
      return null
    }
    const has = (f: string): boolean => r.kind === 'factor' && r.options.some((s) => s.length === 1 && s[0] === f)
    if (has('app_approval') && victim.hasApp) {
      const asked = await requestApproval(b, r.flowToken)
      if (isReply(asked)) {
        log.stop('second_factor', asked)
        return null
      }
      victim.approvalHabit = help === 'nothing' ? 'deny' : 'approve'
      const answer = await victim.answerUnexpectedApproval(asked.number)
      victim.approvalHabit = 'deny'
      const s = await approvalStatus(b, r.flowToken)
      r = s.login ?? { kind: 'refused', status: 401, code: `APPROVAL_${answer.toUpperCase()}` }
      if (help === 'approves-once') help = 'nothing'
    } else if (has('email_code') && help === 'relay') {
      await sendFlowCode(b, r.flowToken)
      r = await flowEmailCode(b, r.flowToken, (await victim.mailbox?.code('login')) ?? '000000')
    } else if (has('passkey') && help === 'relay' && victim.passkey !== undefined) {
      // The victim touches their passkey on the phishing page: the signature names the phishing origin.
      r = await flowPasskey(b, r.flowToken, victim.passkey, PHISHING_ORIGIN)
    } else {
      log.stop('second_factor', `NO_FACTOR(${r.options.map((s) => s.join('+')).join('|')})`)
      return null
    }
  }
  log.stop('second_factor', 'GAVE_UP')
  return null
}
