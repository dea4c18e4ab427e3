import { createCustomer, placeOrder, recordDeposit, registerDestination, type BrokerageContext } from '../brokerage/index.js'
import type { SeededRandom } from '../runtime/index.js'
import type { Browser, Origin, Reply } from './Browser.js'
import { SessionTally } from './Friction.js'
import {
  approvalStatus,
  approve,
  confirmation,
  deny,
  flowEmailCode,
  flowPasskey,
  isReply,
  loginResult,
  pairPhone,
  passkeyLogin,
  passwordLogin,
  pendingApprovals,
  registerPasskey,
  requestApproval,
  sendFlowCode,
  stepUpPasskey,
  type DestinationFields,
  type LoginResult,
  type PendingApproval,
  type ProgressJson,
} from './flows.js'
import { Mailbox } from './Mailbox.js'
import type { Address } from './networks.js'
import { FOREIGN, JP_FIXED, pickByShare } from './networks.js'
import { poisson, type CustomerSpec, type DeviceSpec } from './population.js'
import type { SoftCredential } from './softAuthenticator.js'
import { agentOf } from './userAgents.js'
import { browserAt, dayOf, DAY, HOUR, jstTime, measuring, MINUTE, mobileAddress, pause, streamFor, type World } from './World.js'

/** How a victim answers an unexpected login approval on their phone. */
export type ApprovalHabit = 'deny' | 'approve'

/** A withdrawal destination the customer holds. */
interface HeldDestination {
  readonly id: string
  readonly since: number
}

/**
 * One legitimate customer living through the simulation: their account (opened through the
 * brokerage core as setup, the way the broker's onboarding does), their passkey and phone app
 * (enrolled over HTTP), and their sessions — each a real login over HTTP from one of their
 * devices and wherever they are that day, then whatever they came to do. Everything they meet
 * beyond their ordinary routine is tallied as friction.
 */
export class Customer {
  readonly spec: CustomerSpec
  readonly rng: SeededRandom
  id = ''
  mailbox: Mailbox | undefined
  passkey: SoftCredential | undefined
  phoneKey: SoftCredential | undefined
  /** What the phone shows when a login approval arrives that the customer did not start. */
  approvalHabit: ApprovalHabit = 'deny'
  readonly #world: World
  readonly #browsers = new Map<string, Browser>()
  readonly #destinations: HeldDestination[] = []
  #app: Browser | undefined
  #lastPasskeyAt = -Infinity
  #tripAddress: Address | undefined
  #supportCalled = false

  constructor(world: World, spec: CustomerSpec) {
    this.#world = world
    this.spec = spec
    this.rng = streamFor(world, 1000 + spec.index)
  }

  get loginId(): string {
    return this.spec.person.loginId
  }

  /** The long-held destination, in the customer's own name. */
  get destinationId(): string {
    return this.#destinations[0]?.id ?? ''
  }

  /**
   * Setup, not simulation: opens the account through the brokerage core as the broker's
   * onboarding would (months before the run). No HTTP: nothing here is anyone's login. Account
   * opening hashes two passwords, so the runner opens a few at once; `fund` then runs one at a time.
   */
  async openAccount(): Promise<void> {
    const s = this.spec
    const p = s.person
    const c = await createCustomer(this.#setupContext(), {
      loginId: p.loginId,
      nameKanji: p.nameKanji,
      nameKana: p.nameKana,
      address: p.address,
      phone: p.phone,
      dateOfBirth: p.dateOfBirth,
      email: p.email,
      loginPassword: s.loginPassword,
      tradingPassword: s.tradingPassword,
    })
    this.id = c.id
    this.mailbox = new Mailbox(this.#world.server.store, c.id)
  }

  /** Setup, not simulation: the opening deposit, a large-cap holding, and a destination in the customer's own name. */
  async fund(largeCaps: readonly { symbol: string; price: number; lotSize: number }[]): Promise<void> {
    const b = this.#setupContext()
    const s = this.spec
    const id = this.id
    const [pick, lots] = s.holding
    const stock = largeCaps[pick % largeCaps.length]!
    // Holdings worth up to ¥3,000,000 at opening prices, paid from a deposit on top of the cash.
    const quantity = stock.lotSize * Math.max(1, Math.min(lots, Math.floor(3_000_000 / (stock.price * stock.lotSize))))
    await b.store.transaction((trx) => recordDeposit(b, trx, id, s.cash + Math.ceil(stock.price * quantity * 1.6)))
    await b.store.transaction((trx) => placeOrder(b, trx, id, { symbol: stock.symbol, side: 'buy', type: 'market', quantity }))
    const d = await b.store.transaction((trx) =>
      registerDestination(b, trx, id, {
        bankCode: s.bankCode,
        branchCode: String(100 + (s.index % 900)),
        accountType: 'ordinary',
        accountNumber: String(1_000_000 + ((s.index * 7919) % 8_999_999)),
        holderKana: s.person.nameKana,
      }),
    )
    this.#destinations.push({ id: d.id, since: b.clock.now() })
  }

  /** The server's brokerage core with this customer's own seeded ids, so a seed opens the same accounts in any order. */
  #setupContext(): BrokerageContext {
    return { ...this.#world.server.brokerage, random: streamFor(this.#world, 500_000 + this.spec.index) }
  }

  /**
   * The customer's first login under the passkey rule, over HTTP from home: password and an
   * e-mailed code into an enrolment session, a passkey registered on their phone (or computer),
   * the phone app paired for 'app' customers, and a first passkey login on their other device.
   */
  async enrol(): Promise<void> {
    if (this.spec.style === 'dormant') return
    const w = this.#world
    const first = this.#devicesAt(dayOf(w, w.clock.now())).find((d) => d.kind === 'phone') ?? this.#devicesAt(dayOf(w, w.clock.now()))[0]!
    const b = this.#browser(first, this.#homeOrigin(first))
    const login = await passwordLogin(b, this.loginId, this.spec.loginPassword)
    if (login.kind !== 'factor') throw new Error(`enrolment of ${this.loginId}: ${JSON.stringify(login)}`)
    await sendFlowCode(b, login.flowToken)
    await pause(w, 40_000)
    const code = await this.mailbox!.code('login')
    const session = await flowEmailCode(b, login.flowToken, code ?? '000000')
    if (session.kind !== 'session') throw new Error(`enrolment of ${this.loginId}: ${JSON.stringify(session)}`)
    await pause(w, 20_000)
    const key = await registerPasskey(b, this.rng, 'login', 'my passkey')
    if (isReply(key)) throw new Error(`passkey registration of ${this.loginId}: ${key.status} ${key.code}`)
    this.passkey = key
    this.#lastPasskeyAt = w.clock.now()
    if (this.spec.style === 'app') {
      await pause(w, 30_000)
      this.#app = browserAt(w, this.#homeOrigin(first))
      const phoneKey = await pairPhone(b, this.#app, this.rng)
      if (isReply(phoneKey)) throw new Error(`phone app pairing of ${this.loginId}: ${phoneKey.status} ${phoneKey.code}`)
      this.phoneKey = phoneKey
    }
    for (const d of this.#devicesAt(dayOf(w, w.clock.now()))) {
      if (d === first || d.kind !== 'pc') continue
      await pause(w, 5 * MINUTE)
      const pc = this.#browser(d, this.#homeOrigin(d))
      if (this.spec.style === 'app') await this.#appLogin(pc, new SessionTally(w.clock.now(), this.spec.index))
      else await passkeyLogin(pc, key)
    }
  }

  /** Puts the customer's sessions of days [fromDay, toDay) on the scheduler. */
  schedule(fromDay: number, toDay: number): void {
    const w = this.#world
    for (let day = fromDay; day < toDay; day++) {
      const n = poisson(this.spec.sessionsPerDay, this.rng)
      for (let k = 0; k < n; k++) {
        const at = jstTime(w, day, this.#hour())
        w.scheduler.at(at, `session ${this.loginId}`, async () => {
          await this.session()
        })
      }
      if (this.spec.newDestinationDay === day) {
        w.scheduler.at(jstTime(w, day, 20 + this.rng.next() * 3), `new destination ${this.loginId}`, async () => {
          await this.session({ newDestination: true })
        })
      }
    }
  }

  /**
   * One ordinary session: log in from today's device and place, look at the account, then
   * perhaps trade, deposit, withdraw or add a new destination, and usually log out.
   */
  async session(plan: { newDestination?: boolean; stayLoggedIn?: boolean; preferPc?: boolean } = {}): Promise<Browser | undefined> {
    const w = this.#world
    const at = w.clock.now()
    const day = dayOf(w, at)
    const device = (plan.preferPc === true ? this.#devicesAt(day).find((d) => d.kind === 'pc') : undefined) ?? this.#pickDevice(day, at)
    if (device === undefined) return undefined
    const b = this.#browser(device, this.#originFor(device, day))
    const tally = new SessionTally(at, this.spec.index)
    const ok = await this.login(b, device, tally)
    try {
      if (!ok) return undefined
      await pause(w, 5_000 + this.rng.int(20_000))
      const portfolio = await b.get<{ cash: number; holdings: { symbol: string; quantity: number; reserved: number; price: number }[] }>('/v1/portfolio')
      if (portfolio.status !== 200) return undefined
      let cash = portfolio.body.cash
      const orders = poisson(this.spec.ordersPerSession, this.rng)
      for (let i = 0; i < orders; i++) {
        await pause(w, 20_000 + this.rng.int(100_000))
        const spent = await this.#order(b, tally, cash, portfolio.body.holdings)
        if (spent === null) return b
        cash -= spent
      }
      const extra = this.rng.next()
      await pause(w, 15_000 + this.rng.int(60_000))
      if (plan.newDestination === true) {
        if ((await this.#addDestination(b, tally)) === null) return b
      } else if (extra < 0.05) {
        const r = await b.post('/v1/deposits', { amount: 10_000 * (1 + this.rng.int(100)) }, { idempotent: true })
        if (this.#refusal(r, tally, 'deposit') === 'end') return b
      } else if (extra < 0.09 && cash > 20_000) {
        if ((await this.#withdraw(b, tally, cash)) === null) return b
      }
      if (plan.stayLoggedIn !== true && this.rng.next() < 0.6) {
        await pause(w, 10_000)
        await b.post('/v1/auth/logout', {})
        b.token = undefined
      }
      return b
    } finally {
      this.#fold(tally)
    }
  }

  /** Logs in on `b` the way this customer always does; false when they could not get in. */
  async login(b: Browser, device: DeviceSpec, tally: SessionTally): Promise<boolean> {
    if (this.spec.style === 'app' && device.kind === 'pc') return this.#appLogin(b, tally)
    if (this.passkey === undefined) return false
    const r = await passkeyLogin(b, this.passkey)
    if (r.kind === 'session') this.#lastPasskeyAt = this.#world.clock.now()
    if (r.kind === 'refused' && r.code === 'PASSKEY_INVALID') {
      // Their passkey is gone (someone else went through recovery): they recover the account themselves.
      tally.friction(this.#world.clock.now(), 'login_denied', r.code)
      await this.recoverSelf(b)
      return false
    }
    return this.#settle(b, r, tally, ['passkey'])
  }

  /**
   * Account recovery by the customer (B-11): a code to their e-mail, their password, a new passkey
   * (and the phone app paired again). Every other passkey and session — an intruder's too — ends.
   */
  async recoverSelf(b: Browser): Promise<boolean> {
    const w = this.#world
    const start = await b.post<{ flowToken?: string }>('/v1/auth/recovery/start', { loginId: this.loginId }, { token: null })
    if (start.body.flowToken === undefined) return false
    await pause(w, 60_000)
    const code = (await this.mailbox?.code('recovery')) ?? '000000'
    const done = loginResult(b, await b.post<ProgressJson>('/v1/auth/recovery', { flowToken: start.body.flowToken, code, password: this.spec.loginPassword }, { token: null }))
    if (done.kind !== 'session') return false
    const key = await registerPasskey(b, this.rng, 'login', 'my passkey')
    if (isReply(key)) return false
    this.passkey = key
    this.#lastPasskeyAt = w.clock.now()
    if (this.spec.style === 'app') {
      this.#app = browserAt(w, b.origin)
      const phoneKey = await pairPhone(b, this.#app, this.rng)
      if (!isReply(phoneKey)) this.phoneKey = phoneKey
    }
    return true
  }

  /**
   * The customer's phone receives a login approval they did not start (an attacker's login with
   * their password): they answer by habit. Returns what the phone did.
   */
  async answerUnexpectedApproval(numberShown: number | undefined): Promise<'approved' | 'denied' | 'none'> {
    if (this.#app === undefined || this.phoneKey === undefined) return 'none'
    const waiting = await pendingApprovals(this.#app, this.phoneKey)
    const a = waiting[0]
    if (a === undefined) return 'none'
    if (this.approvalHabit === 'approve') {
      // The relay's page shows the number, so the victim picks the right one.
      const number = numberShown !== undefined && a.choices.includes(numberShown) ? numberShown : a.choices[0]!
      return (await approve(this.#app, this.phoneKey, a.id, number)) === 'approved' ? 'approved' : 'denied'
    }
    await deny(this.#app, a.id)
    return 'denied'
  }

  /** Whether the customer has a phone app that can approve logins. */
  get hasApp(): boolean {
    return this.#app !== undefined
  }

  /** The customer's usual browser and where it is now (for an attacker copying the User-Agent). */
  usualOrigin(): Origin {
    const w = this.#world
    const day = dayOf(w, w.clock.now())
    const device = this.#devicesAt(day).find((d) => d.kind === 'pc') ?? this.#devicesAt(day)[0]!
    return this.#originFor(device, day)
  }

  /** A device the customer uses today (for session theft: the one the infostealer sits on). */
  deviceToday(): DeviceSpec | undefined {
    const w = this.#world
    return this.#pickDevice(dayOf(w, w.clock.now()), w.clock.now())
  }

  async #appLogin(b: Browser, tally: SessionTally): Promise<boolean> {
    const w = this.#world
    const r = await passwordLogin(b, this.loginId, this.spec.loginPassword)
    if (r.kind !== 'factor') return this.#settle(b, r, tally, ['password', 'app_approval'])
    if (!r.options.some((o) => o.includes('app_approval'))) return this.#settle(b, r, tally, ['password', 'app_approval'])
    const asked = await requestApproval(b, r.flowToken)
    if (isReply(asked)) return this.#settle(b, { kind: 'refused', status: asked.status, code: asked.code ?? 'HTTP' }, tally, [])
    await pause(w, 4_000 + this.rng.int(8_000))
    if (this.#app !== undefined && this.phoneKey !== undefined) {
      const waiting: PendingApproval[] = await pendingApprovals(this.#app, this.phoneKey)
      const mine = waiting.find((a) => a.id === asked.approvalId)
      if (mine !== undefined) await approve(this.#app, this.phoneKey, mine.id, asked.number)
    }
    await pause(w, 1_500)
    const s = await approvalStatus(b, r.flowToken)
    if (s.login === undefined) return this.#settle(b, { kind: 'refused', status: 401, code: `APPROVAL_${s.approval.toUpperCase()}` }, tally, [])
    return this.#settle(b, s.login, tally, ['password', 'app_approval'])
  }

  /**
   * Finishes a login whatever Mamori answered: a session is success; a factor beyond `ordinary`
   * is friction, and the customer gives it if they have it; a refusal is a denied login.
   */
  async #settle(b: Browser, r: LoginResult, tally: SessionTally, ordinary: readonly string[]): Promise<boolean> {
    const w = this.#world
    for (let round = 0; round < 3; round++) {
      if (r.kind === 'session') return true
      if (r.kind === 'refused') {
        tally.friction(w.clock.now(), 'login_denied', r.code)
        if (r.code === 'CUSTOMER_FROZEN') this.#callSupport()
        return false
      }
      const want = r.options.find((set) => set.every((f) => ordinary.includes(f))) ?? r.options[0] ?? []
      if (!want.every((f) => ordinary.includes(f))) tally.friction(w.clock.now(), 'login_extra_factor', want.join('+'))
      await pause(w, 8_000 + this.rng.int(15_000))
      if (want.includes('passkey') && this.passkey !== undefined) {
        r = await flowPasskey(b, r.flowToken, this.passkey)
        if (r.kind === 'session') this.#lastPasskeyAt = w.clock.now()
      } else if (want.includes('email_code')) {
        await sendFlowCode(b, r.flowToken)
        await pause(w, 30_000)
        r = await flowEmailCode(b, r.flowToken, (await this.mailbox?.code('login')) ?? '000000')
      } else if (want.includes('app_approval') && this.#app !== undefined && this.phoneKey !== undefined) {
        const asked = await requestApproval(b, r.flowToken)
        if (isReply(asked)) return false
        const mine = (await pendingApprovals(this.#app, this.phoneKey)).find((a) => a.id === asked.approvalId)
        if (mine !== undefined) await approve(this.#app, this.phoneKey, mine.id, asked.number)
        const s = await approvalStatus(b, r.flowToken)
        r = s.login ?? { kind: 'refused', status: 401, code: 'APPROVAL_FAILED' }
      } else {
        tally.friction(w.clock.now(), 'login_denied', `CANNOT_GIVE_${want.join('+')}`)
        return false
      }
    }
    return false
  }

  /** One order; the yen it spent (0 for a sale or a refusal), or null when the session is over. */
  async #order(b: Browser, tally: SessionTally, cash: number, holdings: readonly { symbol: string; quantity: number; reserved: number; price: number }[]): Promise<number | null> {
    const w = this.#world
    const sellable = holdings.filter((h) => h.quantity - h.reserved > 0)
    let body: Record<string, unknown>
    let cost = 0
    if (sellable.length > 0 && this.rng.next() < 0.4) {
      // Usually part of a position (taking some profit, rebalancing), now and then all of it.
      const h = this.rng.pick(sellable)
      const lot = w.instruments.find((i) => i.symbol === h.symbol)?.lotSize ?? 100
      const free = h.quantity - h.reserved
      const part = this.rng.next() < 0.15 ? 1 : 0.2 + 0.4 * this.rng.next()
      const quantity = Math.min(free, Math.max(1, Math.round((free * part) / lot)) * lot)
      body = { symbol: h.symbol, side: 'sell', type: 'market', quantity }
    } else {
      const r = this.rng.next()
      const segment = r < 0.85 ? 'domestic_large' : r < 0.97 ? 'domestic_small' : 'foreign_small'
      const list = w.instruments.filter((i) => i.segment === segment)
      const inst = this.rng.pick(list)
      // Large caps: a slice of the cash. Thin stocks: the ¥50,000-500,000 tickets retail investors
      // buy them in, never more than 2% of a day's volume (more would move the price against them).
      const budget =
        segment === 'domestic_large'
          ? cash * (0.05 + 0.25 * this.rng.next())
          : Math.min(cash * 0.3, 50_000 + 450_000 * this.rng.next() ** 2, 0.02 * inst.avgDailyVolume * inst.price)
      const lots = Math.floor(budget / (inst.price * inst.lotSize))
      if (lots < 1) return 0
      const limit = this.rng.next() < 0.2
      body = {
        symbol: inst.symbol,
        side: 'buy',
        type: limit ? 'limit' : 'market',
        quantity: lots * inst.lotSize,
        ...(limit ? { limitPrice: Math.max(1, Math.round(inst.price * 0.99)) } : {}),
      }
      cost = lots * inst.lotSize * inst.price
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.spec.orderProof === 'passkey' && this.passkey !== undefined && w.clock.now() - this.#lastPasskeyAt > 55_000) {
        // Their routine: a fingerprint for each order.
        const s = await stepUpPasskey(b, 'order', this.passkey)
        if (s.status !== 200) return this.#refusal(s, tally, 'order') === 'end' ? null : 0
        this.#lastPasskeyAt = w.clock.now()
      }
      const proof = this.spec.orderProof === 'trading_password' ? { tradingPassword: this.spec.tradingPassword } : {}
      const r = await b.post<{ status?: string }>('/v1/orders', { ...body, ...proof }, { idempotent: true })
      if (r.status === 201) {
        if (measuring(w, w.clock.now())) w.friction.orders++
        return cost
      }
      if (r.status === 202) {
        if (measuring(w, w.clock.now())) w.friction.orders++
        tally.held(w.clock.now(), 'held_order', 'held')
        return 0
      }
      if (r.code === 'STEP_UP_REQUIRED' && attempt === 0 && this.passkey !== undefined) {
        tally.friction(w.clock.now(), 'operation_step_up', 'order')
        await pause(w, 10_000)
        const s = await stepUpPasskey(b, 'order', this.passkey)
        if (s.status !== 200) return this.#refusal(s, tally, 'order') === 'end' ? null : 0
        this.#lastPasskeyAt = w.clock.now()
        continue
      }
      return this.#refusal(r, tally, 'order') === 'end' ? null : 0
    }
    return 0
  }

  async #withdraw(b: Browser, tally: SessionTally, cash: number): Promise<number | null> {
    const w = this.#world
    const now = w.clock.now()
    // A destination younger than the cooling period is not used: the customer was told when it may receive money.
    const usable = this.#destinations.filter((d) => now - d.since > 75 * HOUR)
    if (usable.length === 0 || this.passkey === undefined) return 0
    const dest = usable.length > 1 && this.rng.next() < 0.5 ? usable[usable.length - 1]! : usable[0]!
    const amount = Math.max(10_000, Math.floor((cash * (0.05 + 0.4 * this.rng.next())) / 1000) * 1000)
    const fields = { destinationId: dest.id, amount }
    const conf = await confirmation(b, 'withdrawal', fields, this.passkey)
    if (isReply(conf)) return this.#refusal(conf, tally, 'withdrawal') === 'end' ? null : 0
    await pause(w, 3_000)
    const r = await b.post<{ status?: string }>('/v1/withdrawals', { ...fields, confirmation: conf }, { idempotent: true })
    if (r.status === 201) {
      if (measuring(w, w.clock.now())) w.friction.withdrawals++
      if (r.body.status === 'held') tally.held(w.clock.now(), 'held_withdrawal', 'held')
      return amount
    }
    if (r.code === 'RECOVERY_COOLING_OFF' || r.code?.startsWith('LEDGER_') === true) return 0
    if (measuring(w, w.clock.now())) w.friction.withdrawals++
    return this.#refusal(r, tally, 'withdrawal') === 'end' ? null : 0
  }

  async #addDestination(b: Browser, tally: SessionTally): Promise<number | null> {
    const w = this.#world
    if (this.passkey === undefined) return 0
    const s = this.spec
    const fields: DestinationFields = {
      bankCode: s.bankCode === '0001' ? '0005' : '0001',
      branchCode: String(100 + ((s.index * 31) % 900)),
      accountType: 'ordinary',
      accountNumber: String(2_000_000 + ((s.index * 104_729) % 7_999_999)),
      holderKana: s.person.nameKana,
    }
    const conf = await confirmation(b, 'destination_change', { ...fields }, this.passkey)
    if (isReply(conf)) return this.#refusal(conf, tally, 'destination') === 'end' ? null : 0
    await pause(w, 3_000)
    const r = await b.post<{ id?: string; status?: string }>('/v1/destinations', { ...fields, confirmation: conf }, { idempotent: true })
    if (measuring(w, w.clock.now())) w.friction.destinationChanges++
    if (r.status === 201 && r.body.id !== undefined) {
      this.#destinations.push({ id: r.body.id, since: w.clock.now() })
      return 0
    }
    if (r.status === 202) {
      tally.held(w.clock.now(), 'held_destination', 'held')
      return 0
    }
    if (r.code === 'RECOVERY_COOLING_OFF') return 0
    return this.#refusal(r, tally, 'destination') === 'end' ? null : 0
  }

  /** Tallies an error answer to an ordinary operation; 'end' when the session cannot go on. */
  #refusal(r: Reply<unknown>, tally: SessionTally, what: string): 'end' | 'go on' {
    const w = this.#world
    const code = r.code ?? `HTTP_${r.status}`
    if (r.status < 300 || code.startsWith('LEDGER_') || code === 'ORDER_INVALID') return 'go on'
    if (code === 'CUSTOMER_FROZEN') {
      tally.friction(w.clock.now(), 'account_frozen', `${what}:${code}`)
      this.#callSupport()
      return 'end'
    }
    if (code === 'AUTH_REQUIRED') return 'end'
    if (code === 'STEP_UP_REQUIRED') tally.friction(w.clock.now(), 'operation_step_up', `${what}:${code}`)
    else tally.friction(w.clock.now(), 'operation_denied', `${what}:${code}`)
    return 'go on'
  }

  /**
   * A frozen honest customer calls the broker the next morning and is unfrozen after checks
   * (victims are not: their accounts stay frozen while the broker investigates).
   */
  #callSupport(): void {
    const w = this.#world
    if (this.#supportCalled || w.victims.has(this.spec.index) || w.support === undefined) return
    this.#supportCalled = true
    const support = w.support
    w.scheduler.at(jstTime(w, dayOf(w, w.clock.now()) + 1, 10 + this.rng.next() * 6), `support call ${this.loginId}`, async () => {
      if (!w.victims.has(this.spec.index)) await support.unfreeze(this.id)
      this.#supportCalled = false
    })
  }

  /** Folds a session's tally into the log (measured window, untouched customers only). */
  #fold(t: SessionTally): void {
    const w = this.#world
    if (t.at < w.t0) {
      w.friction.historyLogins++
      if (t.stepUp) w.friction.historyStepUps++
      for (const e of t.events) w.friction.reason(`history:${e.kind}:${e.code}`)
      return
    }
    if (!measuring(w, t.at)) return
    const attacked = w.victims.get(this.spec.index)
    if (attacked !== undefined && attacked <= t.at) return
    const f = w.friction
    f.logins++
    const hour = Math.floor((t.at - w.t0) / HOUR)
    f.loginsByHour.set(hour, (f.loginsByHour.get(hour) ?? 0) + 1)
    if (t.stepUp) {
      f.stepUps++
      f.stepUpTimes.push(t.at)
    }
    for (const e of t.events) {
      f.events.push(e)
      f.reason(`${e.kind}:${e.code}`)
      if (e.kind === 'login_denied') f.deniedLogins++
      if (e.kind === 'held_withdrawal') f.heldWithdrawals++
      if (e.kind === 'held_order') f.heldOrders++
      if (e.kind === 'held_destination') f.heldDestinations++
    }
  }

  #devicesAt(day: number): DeviceSpec[] {
    return this.spec.devices.filter((d) => d.sinceDay <= day && day < d.untilDay)
  }

  #pickDevice(day: number, at: number): DeviceSpec | undefined {
    const devices = this.#devicesAt(day)
    const pc = devices.find((d) => d.kind === 'pc')
    const phone = devices.find((d) => d.kind === 'phone')
    if (pc === undefined || phone === undefined) return pc ?? phone
    const hourJst = (((at - this.#world.t0) % DAY) + DAY) % DAY / HOUR
    const evening = hourJst >= 19 || hourJst < 1
    const onTrip = this.#tripOn(day) !== null
    return this.rng.next() < (onTrip ? 0.2 : evening ? 0.65 : 0.35) ? pc : phone
  }

  #tripOn(day: number): CustomerSpec['trip'] {
    const t = this.spec.trip
    return t !== null && day >= t.startDay && day < t.startDay + t.days ? t : null
  }

  #agent(d: DeviceSpec, day: number): string {
    // Browsers update every few weeks.
    return agentOf(d.family, d.version + Math.floor((day + this.#world.historyDays) / 21))
  }

  #homeOrigin(d: DeviceSpec): Origin {
    const w = this.#world
    const day = dayOf(w, w.clock.now())
    return { ip: this.#home(day).ip, userAgent: this.#agent(d, day) }
  }

  #home(day: number): Address {
    const s = this.spec
    return s.renumberDay !== null && day >= s.renumberDay ? s.renumberedHome : s.home
  }

  /** Where the device is on `day`: the home line, the phone carrier's NAT, a hotel's network. */
  #originFor(d: DeviceSpec, day: number): Origin {
    const w = this.#world
    const userAgent = this.#agent(d, day)
    const trip = this.#tripOn(day)
    if (trip !== null) {
      this.#tripAddress ??= w.atlas.address(trip.abroad ? pickByShare(FOREIGN.filter((n) => n.country !== 'CN' && w.atlas.has(n)), this.rng) : pickByShare(JP_FIXED.filter((n) => w.atlas.has(n)), this.rng), this.rng)
      // Roaming data leaves through the home carrier in Japan; hotel Wi-Fi is local.
      if (d.kind === 'phone' && this.rng.next() < 0.5) return { ip: mobileAddress(w, this.spec.mobileNetwork, this.rng).ip, userAgent }
      return { ip: this.#tripAddress.ip, userAgent }
    }
    if (d.kind === 'pc' || this.rng.next() < 0.45) return { ip: this.#home(day).ip, userAgent }
    return { ip: mobileAddress(w, this.spec.mobileNetwork, this.rng).ip, userAgent }
  }

  #browser(d: DeviceSpec, origin: Origin): Browser {
    let b = this.#browsers.get(d.key)
    if (b === undefined) this.#browsers.set(d.key, (b = browserAt(this.#world, origin)))
    b.origin = origin
    if (this.#app !== undefined && d.kind === 'phone') this.#app.origin = origin
    return b
  }

  /** An hour of the day (JST) this customer is on: evenings and lunch for most, market hours for heavy traders. */
  #hour(): number {
    const r = this.rng.next()
    if (this.spec.ordersPerSession > 1 && r < 0.5) return 9 + this.rng.next() * 6
    if (r < 0.15) return 7 + this.rng.next() * 2
    if (r < 0.35) return 12 + this.rng.next()
    if (r < 0.85) return 19 + this.rng.next() * 4.5
    return 9 + this.rng.next() * 10
  }
}
