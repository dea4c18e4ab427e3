/**
 * The statistical login risk model of Freeman et al., "Who Are You? A Statistical Approach to
 * Measuring User Authenticity" (NDSS 2016), as implemented by Wiefling et al. in
 * das-group/rba-algorithm (file `rba-algorithm.ipynb`, commit 28fec46, MIT). The formulas below
 * follow that notebook's `freeman_rba_score`, `get_sub_likelihood`, `get_likelihood` and
 * `get_unseen_values` step by step, each step citing the function it reproduces. The notebook
 * recomputes its counts from pandas data frames; here the same counts are kept in hash maps and
 * updated once per successful login, so scoring never scans history.
 *
 * The score of a login attempt x for customer u (notebook: `freeman_rba_score`, "Equation 7,
 * without per-member attack data"):
 *
 *   S_u(x) = ∏_k p(x_k) / p(x_k | u)  ×  p(u | attack) / p(u | legit)
 *
 * over the two features k = IP and user agent. Each feature has a hierarchy of sub-features whose
 * likelihoods are mixed linearly with fixed weights:
 *
 *   p(x_k)     = Σ_j w_j · q_j         (the whole population's successful logins)
 *   p(x_k | u) = Σ_j w_j · m_j / n_u   (this customer's successful logins)
 *
 * where, with N logins in all and c(v) the population count of value v:
 *   - q_0 (the top level: IP address, or user-agent string) is the smoothed product
 *       [n'/(n' + U')] · [c/(N + U)]   when c > 0, and   [n'/(n' + U')] · 1/(N + U)   when c = 0;
 *     n' = c + 1 is the number of logins with this top value counting the attempt itself, U' = 1 +
 *     the number of distinct lower-level values among them, and U = 1 + the number of distinct
 *     lower-level values in the population (the notebook's "unseen values");
 *   - q_j = c(v_j) / N for the lower levels (ASN, country; browser, OS, device type), unsmoothed;
 *   - m_j is how often the customer's n_u logins had the attempt's value at level j, unsmoothed.
 * When p(x_k | u) is 0 (no level of the feature was ever seen for this customer) it is replaced by
 * p(x_k) / 4, so the feature's ratio is exactly 4 (the notebook's edge case).
 *
 *   p(u | attack) = 1 / |customers with a login|   and   p(u | legit) = n_u / N.
 */

/** The sub-feature values of one login attempt, each a string (`'unknown'` when not known). */
export interface RbaFeatures {
  /** IP address, as text. */
  readonly ip: string
  /** Autonomous system of the IP (e.g. `'AS2516'`). */
  readonly asn: string
  /** Country of the IP, ISO 3166-1 alpha-2. */
  readonly country: string
  /** The raw User-Agent string. */
  readonly ua: string
  /** Browser name and version parsed from the user agent. */
  readonly browser: string
  /** Operating system name and version parsed from the user agent. */
  readonly os: string
  /** Device type parsed from the user agent (desktop, mobile, tablet, ...). */
  readonly deviceType: string
}

/** One sub-feature: a level of the IP or user-agent hierarchy. */
export type RbaSubFeature = keyof RbaFeatures

/** The two features the score multiplies over. */
export type RbaFeature = 'ip' | 'ua'

/**
 * Sub-feature weights, from the notebook's `feature_weightings` (tuned by Wiefling et al. on their
 * RBA data set). The rounded user-agent weights (0.539, 0.268, 0.188, 0.005) are these.
 */
export const RBA_WEIGHTS: Readonly<{
  ip: Readonly<{ ip: number; asn: number; country: number }>
  ua: Readonly<{ ua: number; browser: number; os: number; deviceType: number }>
}> = Object.freeze({
  ip: Object.freeze({ ip: 0.6, asn: 0.3, country: 0.1 }),
  ua: Object.freeze({
    ua: 0.5386653840551359,
    browser: 0.2680451498625666,
    os: 0.18818295100109536,
    deviceType: 0.0051065150812021525,
  }),
})

/** The numerator, denominator and ratio of one factor of the score. */
export interface RbaPart {
  /** For a feature: p(x_k) over all customers. For `prior`: p(u | attack) = 1 / customers. */
  readonly global: number
  /**
   * For a feature: p(x_k | u) as used in the ratio, i.e. `global / 4` when the customer never saw
   * any level of the feature. For `prior`: p(u | legit) = customer's logins / all logins.
   */
  readonly user: number
  /** `global / user`: above 1 means more typical of the population than of this customer. */
  readonly ratio: number
}

/** The risk score of one login attempt; higher is riskier. */
export interface RbaScore {
  /** S_u(x); `Number.MAX_VALUE` for a customer with no login in the model. Never 0, never NaN. */
  readonly score: number
  /** ln S_u(x), the sum of the logs of the parts' ratios. */
  readonly logScore: number
  /** The factors of the score: `ip`, `ua` and `prior` (p(u|attack) / p(u|legit)). */
  readonly parts: Readonly<Record<RbaFeature | 'prior', RbaPart>>
  /** Sub-features whose value this customer has never logged in with (all of them with no history). */
  readonly unseen: readonly RbaSubFeature[]
  /** Successful logins the model holds for this customer (0: no history, the cold-start case). */
  readonly customerLogins: number
}

/** How p(u | attack) / p(u | legit) enters the score. */
export type RbaCustomerPrior = 'reference' | 'ignore'

/** Options of an RbaModel; both default to the reference's behaviour. */
export interface RbaModelOptions {
  /**
   * Keep at most this many distinct (sub-feature, value) pairs per customer, forgetting the least
   * recently seen first; a forgotten value counts as unseen again. At least 7 (one login's worth).
   * Unbounded by default, which is what the reference does.
   */
  readonly maxValuesPerCustomer?: number
  /**
   * `'reference'` (default): multiply by (1/customers) / (n_u/N) as the notebook does.
   * `'ignore'`: take that factor as 1, so scores of customers with long and short histories
   * compare on the features alone.
   */
  readonly customerPrior?: RbaCustomerPrior
}

/** The plain-JSON form of a model, from `snapshot()`, read back by `RbaModel.restore`. */
export interface RbaModelSnapshot {
  readonly format: 'mamori.rba-model'
  readonly version: 1
  readonly maxValuesPerCustomer: number | null
  readonly customerPrior: RbaCustomerPrior
  /** N: successful logins observed. */
  readonly logins: number
  /** Per sub-feature, each value with its population count. */
  readonly global: Readonly<Record<RbaSubFeature, ReadonlyArray<readonly [string, number]>>>
  /** Per lower level, each top-level value (IP or UA string) with the distinct values seen under it. */
  readonly children: Readonly<Record<ChildLevel, ReadonlyArray<readonly [string, readonly string[]]>>>
  /** Each customer: id, login count, and its (sub-feature, value, count) entries, least recent first. */
  readonly customers: ReadonlyArray<
    readonly [string, number, ReadonlyArray<readonly [RbaSubFeature, string, number]>]
  >
}

/** The lower levels of a hierarchy, whose distinct values are tracked per top-level value. */
export type ChildLevel = 'asn' | 'country' | 'browser' | 'os' | 'deviceType'

interface Hierarchy {
  readonly feature: RbaFeature
  /** Sub-feature indexes, top level first (the notebook's `feature_weightings[feature]` order). */
  readonly levels: readonly number[]
  readonly weights: readonly number[]
  /** For each level after the first, its index into the model's child maps. */
  readonly childIndexes: readonly number[]
}

const SUB_FEATURES: readonly RbaSubFeature[] = ['ip', 'asn', 'country', 'ua', 'browser', 'os', 'deviceType']
const CHILD_LEVELS: readonly ChildLevel[] = ['asn', 'country', 'browser', 'os', 'deviceType']
/** One character per sub-feature, prefixed to a value to key the customer's single map. */
const TAGS: readonly string[] = SUB_FEATURES.map((_, i) => String.fromCharCode(0x30 + i))

const HIERARCHIES: readonly Hierarchy[] = [
  {
    feature: 'ip',
    levels: [0, 1, 2],
    weights: [RBA_WEIGHTS.ip.ip, RBA_WEIGHTS.ip.asn, RBA_WEIGHTS.ip.country],
    childIndexes: [0, 1],
  },
  {
    feature: 'ua',
    levels: [3, 4, 5, 6],
    weights: [RBA_WEIGHTS.ua.ua, RBA_WEIGHTS.ua.browser, RBA_WEIGHTS.ua.os, RBA_WEIGHTS.ua.deviceType],
    childIndexes: [2, 3, 4],
  },
]

/**
 * The notebook's edge case in `freeman_rba_score`: when no level of a feature was ever seen for the
 * customer, p(x_k | u) := p(x_k) / 4, so a wholly new feature value scores exactly 4.
 */
const UNSEEN_FEATURE_DIVISOR = 4

/** Distinct values under one top-level value: the value itself while there is one, a Set after. */
type Distinct = string | Set<string>

interface CustomerHistory {
  logins: number
  /** Key: TAGS[sub-feature] + value. Map order is recency order when the model is bounded. */
  readonly values: Map<string, number>
}

interface ModelState {
  logins: number
  readonly global: readonly Map<string, number>[]
  readonly children: readonly Map<string, Distinct>[]
  readonly customers: Map<string, CustomerHistory>
}

/**
 * An incrementally updated Freeman et al. login risk model. `observe` adds one successful login;
 * `score` rates an attempt against the counts observed so far. Both cost O(number of
 * sub-features) hash-map operations, independent of history length.
 *
 * Only successful logins should be observed: the reference trains on `Login Successful == True`
 * rows only, and the population counts stand in for p(x | attack).
 */
export class RbaModel {
  readonly #cap: number
  readonly #prior: RbaCustomerPrior
  readonly #state: ModelState

  constructor(options: RbaModelOptions = {}) {
    const cap = options.maxValuesPerCustomer ?? Number.POSITIVE_INFINITY
    if (cap !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(cap) || cap < SUB_FEATURES.length)) {
      throw new TypeError(`maxValuesPerCustomer must be an integer >= ${SUB_FEATURES.length}`)
    }
    const prior = options.customerPrior ?? 'reference'
    if (prior !== 'reference' && prior !== 'ignore') {
      throw new TypeError("customerPrior must be 'reference' or 'ignore'")
    }
    this.#cap = cap
    this.#prior = prior
    this.#state = {
      logins: 0,
      global: SUB_FEATURES.map(() => new Map<string, number>()),
      children: CHILD_LEVELS.map(() => new Map<string, Distinct>()),
      customers: new Map(),
    }
  }

  /** N: successful logins observed. */
  get logins(): number {
    return this.#state.logins
  }

  /** Customers with at least one observed login (|U| in p(u | attack) = 1/|U|). */
  get customers(): number {
    return this.#state.customers.size
  }

  /**
   * Adds one successful login of `customerId` to the population counts and to the customer's
   * history (the notebook's `OccurenceHashTable.increase`, run after each scored attempt).
   */
  observe(customerId: string, features: RbaFeatures): void {
    assertCustomerId(customerId)
    const values = featureValues(features)
    const state = this.#state
    state.logins += 1
    for (let i = 0; i < values.length; i++) {
      const map = state.global[i]!
      const v = values[i]!
      map.set(v, (map.get(v) ?? 0) + 1)
    }
    for (const h of HIERARCHIES) {
      const top = values[h.levels[0]!]!
      for (let j = 1; j < h.levels.length; j++) {
        addDistinct(state.children[h.childIndexes[j - 1]!]!, top, values[h.levels[j]!]!)
      }
    }
    let customer = state.customers.get(customerId)
    if (customer === undefined) {
      customer = { logins: 0, values: new Map() }
      state.customers.set(customerId, customer)
    }
    customer.logins += 1
    const bounded = this.#cap !== Number.POSITIVE_INFINITY
    for (let i = 0; i < values.length; i++) {
      const key = TAGS[i]! + values[i]!
      const count = customer.values.get(key)
      // Re-inserting moves the key to the end of the Map's order: most recently seen last.
      if (bounded && count !== undefined) customer.values.delete(key)
      customer.values.set(key, (count ?? 0) + 1)
    }
    if (bounded) {
      // The values just seen are the newest 7 and the cap is >= 7, so they are never the ones dropped.
      while (customer.values.size > this.#cap) {
        const oldest = customer.values.keys().next()
        if (oldest.done === true) break
        customer.values.delete(oldest.value)
      }
    }
  }

  /**
   * The risk score of an attempt by `customerId` with `features`, against the logins observed so
   * far (the attempt itself is not added: call `observe` once it succeeds).
   *
   * A customer with no observed login gets `score = Number.MAX_VALUE`: there p(u | legit) = 0, the
   * reference's formula diverges (the notebook divides by zero and never scores first logins), and
   * the limit is +∞. The largest finite double ranks above every real score, survives JSON (where
   * Infinity would turn into null) and can never be read as "no risk". Its feature parts are the
   * all-unseen edge case (ratio 4) and every sub-feature is listed as unseen.
   */
  score(customerId: string, features: RbaFeatures): RbaScore {
    assertCustomerId(customerId)
    const values = featureValues(features)
    const state = this.#state
    const N = state.logins
    const customer = state.customers.get(customerId)
    const nU = customer === undefined ? 0 : customer.logins
    const unseen: RbaSubFeature[] = []
    const featureParts: RbaPart[] = []
    let score = 1.0
    let logScore = 0
    for (const h of HIERARCHIES) {
      let global = 0.0
      let local = 0.0
      for (let j = 0; j < h.levels.length; j++) {
        const i = h.levels[j]!
        const v = values[i]!
        const w = h.weights[j]!
        const c = state.global[i]!.get(v) ?? 0
        if (j === 0) {
          global += w * (this.#topGivenTop(h, values, c) * this.#topLikelihood(h, c, N))
        } else if (c > 0) {
          // get_sub_likelihood, lower level: get_likelihood(smoothing=False) on the subfeature hash
          // table is c/c = 1, times get_likelihood(smoothing=False) on the population, c/N.
          global += w * (1 * (c / N))
        }
        const m = customer === undefined ? 0 : (customer.values.get(TAGS[i]! + v) ?? 0)
        if (m > 0) {
          // get_sub_likelihood on the customer's logs, smoothing=False at every level (the notebook
          // sets `smoothing = False` before and inside the local loop): m/m · m/n_u.
          local += w * (1 * (m / nU))
        } else {
          unseen.push(SUB_FEATURES[i]!)
        }
      }
      if (local === 0.0) local = global / UNSEEN_FEATURE_DIVISOR
      const ratio = global / local
      featureParts.push({ global, user: local, ratio })
      score *= ratio
      logScore += Math.log(ratio)
    }
    const prior = this.#priorPart(nU, N)
    const parts = { ip: featureParts[0]!, ua: featureParts[1]!, prior }
    if (nU === 0) {
      return { score: Number.MAX_VALUE, logScore: Math.log(Number.MAX_VALUE), parts, unseen, customerLogins: 0 }
    }
    score *= prior.ratio
    logScore += Math.log(prior.ratio)
    return { score, logScore, parts, unseen, customerLogins: nU }
  }

  /**
   * First factor of the top level's population likelihood. The notebook's `get_sub_likelihood`
   * finds no subfeature hash table for (IP, IP) or (UA, UA), so it queries the population's data
   * frame for rows with this top value and calls `get_likelihood(smoothing=True)` on them: n'/n' ·
   * (1 − U'/(n' + U')), U' from `get_unseen_values` = 1 + distinct lower-level values among those
   * rows. That frame holds the attempt being scored, so n' = c + 1 and U' counts the attempt's own
   * lower-level values. (It also holds later logins, an artefact of offline evaluation that a live
   * model cannot and should not reproduce.)
   */
  #topGivenTop(h: Hierarchy, values: readonly string[], c: number): number {
    const top = values[h.levels[0]!]!
    let unseen = 1
    for (let j = 1; j < h.levels.length; j++) {
      unseen += distinctWith(this.#state.children[h.childIndexes[j - 1]!]!, top, values[h.levels[j]!]!)
    }
    const n = c + 1
    return (n / n) * (1 - unseen / (n + unseen))
  }

  /**
   * Second factor: `get_likelihood(smoothing=True)` on the population hash table, with U from
   * `get_unseen_values` = 1 + the number of distinct values of each lower level in the population.
   */
  #topLikelihood(h: Hierarchy, c: number, N: number): number {
    let unseen = 1
    for (let j = 1; j < h.levels.length; j++) unseen += this.#state.global[h.levels[j]!]!.size
    if (c > 0) return (c / N) * (1 - unseen / (N + unseen))
    return 1 / (N + unseen)
  }

  /** `freeman_rba_score`: attack_likelihood = 1/num_users, user_login_likelihood = n_u/N. */
  #priorPart(nU: number, N: number): RbaPart {
    if (this.#prior === 'ignore') return { global: 1, user: 1, ratio: 1 }
    const users = this.#state.customers.size
    const global = 1 / Math.max(users, 1)
    if (nU === 0) return { global, user: 0, ratio: Number.MAX_VALUE }
    const user = nU / N
    return { global, user, ratio: global / user }
  }

  /** The model as plain JSON, for the engine to persist; `RbaModel.restore` reads it back. */
  snapshot(): RbaModelSnapshot {
    const state = this.#state
    const global = {} as Record<RbaSubFeature, Array<readonly [string, number]>>
    SUB_FEATURES.forEach((name, i) => {
      global[name] = [...state.global[i]!]
    })
    const children = {} as Record<ChildLevel, Array<readonly [string, readonly string[]]>>
    CHILD_LEVELS.forEach((name, i) => {
      children[name] = [...state.children[i]!].map(([top, d]) => [top, typeof d === 'string' ? [d] : [...d]])
    })
    const customers: Array<readonly [string, number, Array<readonly [RbaSubFeature, string, number]>]> = []
    for (const [id, history] of state.customers) {
      const entries: Array<readonly [RbaSubFeature, string, number]> = []
      for (const [key, count] of history.values) {
        entries.push([SUB_FEATURES[key.charCodeAt(0) - 0x30]!, key.slice(1), count])
      }
      customers.push([id, history.logins, entries])
    }
    return {
      format: 'mamori.rba-model',
      version: 1,
      maxValuesPerCustomer: this.#cap === Number.POSITIVE_INFINITY ? null : this.#cap,
      customerPrior: this.#prior,
      logins: state.logins,
      global,
      children,
      customers,
    }
  }

  /**
   * Rebuilds a model from `snapshot()` output (possibly after a JSON round trip). Checks the shape
   * and the counting invariants (each sub-feature's counts sum to the login count, customers'
   * logins sum to it too) and throws a TypeError on anything else: a corrupt model must fail
   * loudly at start-up, not score quietly wrong.
   */
  static restore(snapshot: unknown): RbaModel {
    const s = readSnapshot(snapshot)
    const model = new RbaModel({
      ...(s.maxValuesPerCustomer === null ? {} : { maxValuesPerCustomer: s.maxValuesPerCustomer }),
      customerPrior: s.customerPrior,
    })
    const state = model.#state
    state.logins = s.logins
    SUB_FEATURES.forEach((name, i) => {
      const map = state.global[i]!
      for (const [v, c] of s.global[name]) map.set(v, c)
    })
    CHILD_LEVELS.forEach((name, i) => {
      const map = state.children[i]!
      for (const [top, list] of s.children[name]) map.set(top, list.length === 1 ? list[0]! : new Set(list))
    })
    for (const [id, logins, entries] of s.customers) {
      const values = new Map<string, number>()
      for (const [sub, v, c] of entries) values.set(TAGS[SUB_FEATURES.indexOf(sub)]! + v, c)
      state.customers.set(id, { logins, values })
    }
    return model
  }
}

function assertCustomerId(customerId: string): void {
  if (typeof customerId !== 'string' || customerId === '') {
    throw new TypeError('customerId must be a non-empty string')
  }
}

/** The attempt's values in SUB_FEATURES order; a non-string is the caller's bug, not bad input. */
function featureValues(features: RbaFeatures): string[] {
  const out = new Array<string>(SUB_FEATURES.length)
  for (let i = 0; i < SUB_FEATURES.length; i++) {
    const v: unknown = features[SUB_FEATURES[i]!]
    if (typeof v !== 'string') {
      throw new TypeError(`feature ${SUB_FEATURES[i]!} must be a string (use 'unknown' when not known)`)
    }
    out[i] = v
  }
  return out
}

function addDistinct(map: Map<string, Distinct>, top: string, child: string): void {
  const d = map.get(top)
  if (d === undefined) map.set(top, child)
  else if (typeof d === 'string') {
    if (d !== child) map.set(top, new Set([d, child]))
  } else d.add(child)
}

/** Distinct values under `top`, counting `child` (the attempt's own value) too. */
function distinctWith(map: Map<string, Distinct>, top: string, child: string): number {
  const d = map.get(top)
  if (d === undefined) return 1
  if (typeof d === 'string') return d === child ? 1 : 2
  return d.has(child) ? d.size : d.size + 1
}

// ---- snapshot validation ---------------------------------------------------------------------

function fail(what: string): never {
  throw new TypeError(`not an RBA model snapshot: ${what}`)
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Array.isArray without widening the elements to `any`. */
function isArray(x: unknown): x is readonly unknown[] {
  return Array.isArray(x)
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0
}

function readPairs(x: unknown, what: string): Array<[string, number]> {
  if (!isArray(x)) fail(`${what} is not an array`)
  const seen = new Set<string>()
  return x.map((e: unknown) => {
    if (!isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !isCount(e[1])) {
      fail(`${what} has a malformed entry`)
    }
    if (seen.has(e[0])) fail(`${what} repeats a value`)
    seen.add(e[0])
    return [e[0], e[1]]
  })
}

function readSnapshot(x: unknown): RbaModelSnapshot {
  if (!isRecord(x) || x.format !== 'mamori.rba-model') fail('wrong format tag')
  if (x.version !== 1) fail(`unsupported version ${String(x.version)}`)
  const cap = x.maxValuesPerCustomer
  if (cap !== null && !(isCount(cap) && cap >= SUB_FEATURES.length)) fail('bad maxValuesPerCustomer')
  if (x.customerPrior !== 'reference' && x.customerPrior !== 'ignore') fail('bad customerPrior')
  const logins = x.logins
  if (!(typeof logins === 'number' && Number.isSafeInteger(logins) && logins >= 0)) fail('bad logins')
  if (!isRecord(x.global) || !isRecord(x.children)) fail('missing global or children')
  const global = {} as Record<RbaSubFeature, Array<[string, number]>>
  for (const name of SUB_FEATURES) {
    const pairs = readPairs(x.global[name], `global.${name}`)
    if (pairs.reduce((a, [, c]) => a + c, 0) !== logins) fail(`global.${name} does not sum to logins`)
    global[name] = pairs
  }
  const children = {} as Record<ChildLevel, Array<[string, string[]]>>
  for (const h of HIERARCHIES) {
    const tops = new Set(global[SUB_FEATURES[h.levels[0]!]!].map(([v]) => v))
    for (let j = 1; j < h.levels.length; j++) {
      const name = CHILD_LEVELS[h.childIndexes[j - 1]!]!
      const raw = x.children[name]
      if (!isArray(raw)) fail(`children.${name} is not an array`)
      const listed = new Set<string>()
      const list = raw.map((e: unknown): [string, string[]] => {
        if (!isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !tops.has(e[0])) {
          fail(`children.${name} has a malformed entry`)
        }
        const vs: unknown = e[1]
        if (!isArray(vs) || vs.length === 0 || !vs.every((v: unknown) => typeof v === 'string')) {
          fail(`children.${name} has a malformed value list`)
        }
        if (new Set(vs).size !== vs.length) fail(`children.${name} repeats a value`)
        if (listed.has(e[0])) fail(`children.${name} repeats a top-level value`)
        listed.add(e[0])
        return [e[0], vs as string[]]
      })
      if (list.length !== tops.size) fail(`children.${name} does not cover every top-level value`)
      children[name] = list
    }
  }
  if (!isArray(x.customers)) fail('customers is not an array')
  const ids = new Set<string>()
  let customerLogins = 0
  const customers = x.customers.map((e: unknown): [string, number, Array<[RbaSubFeature, string, number]>] => {
    if (!isArray(e) || e.length !== 3 || typeof e[0] !== 'string' || e[0] === '' || !isCount(e[1])) {
      fail('customers has a malformed entry')
    }
    if (ids.has(e[0])) fail('customers repeats an id')
    ids.add(e[0])
    customerLogins += e[1]
    const raw: unknown = e[2]
    if (!isArray(raw)) fail('customer entries are not an array')
    const keys = new Set<string>()
    const entries = raw.map((v: unknown): [RbaSubFeature, string, number] => {
      if (
        !isArray(v) ||
        v.length !== 3 ||
        !SUB_FEATURES.includes(v[0] as RbaSubFeature) ||
        typeof v[1] !== 'string' ||
        !isCount(v[2]) ||
        v[2] > (e[1] as number)
      ) {
        fail('customer has a malformed value entry')
      }
      const key = `${String(v[0])}\u0000${v[1]}`
      if (keys.has(key)) fail('customer repeats a value')
      keys.add(key)
      return [v[0] as RbaSubFeature, v[1], v[2]]
    })
    if (cap !== null && entries.length > cap) fail('customer exceeds maxValuesPerCustomer')
    return [e[0], e[1], entries]
  })
  if (customerLogins !== logins) fail("customers' logins do not sum to logins")
  return {
    format: 'mamori.rba-model',
    version: 1,
    maxValuesPerCustomer: cap,
    customerPrior: x.customerPrior,
    logins,
    global,
    children,
    customers,
  }
}
