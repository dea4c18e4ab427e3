/*
 * Credential stuffing: a list of login ID and password pairs leaked from other sites, tried
 * against thousands of login IDs — most of them wrong or unknown here, a few right because people
 * reuse passwords. Run from many addresses and networks, Japanese home lines among them, the way
 * rented residential proxy networks work. The defence must stop the reused passwords without
 * locking out the honest customers who share those networks.
 */
import type { AttackLog } from '../AttackLog.js'
import type { Origin } from '../Browser.js'
import type { Customer } from '../Customer.js'
import { passwordLogin, requestApproval, isReply } from '../flows.js'
import { BROWSERS, agentOf } from '../userAgents.js'
import { pause, type World } from '../World.js'
import { attackerBrowser, foreignOrigin, hostingOrigin, markVictim, residentialProxy, toolAgent, type Scenario, type ScenarioContext } from './common.js'
import type { SeededRandom } from '../../runtime/index.js'

const STEPS = ['login', 'second_factor'] as const

interface Entry {
  readonly loginId: string
  readonly password: string
  readonly customer: Customer | undefined
}

interface Variant {
  readonly id: string
  readonly description: string
  /** Milliseconds between two attempts (mean). */
  readonly gapMs: number
  readonly from: 'mixed' | 'jp-residential'
}

/** Leaked pairs for every customer and as many unknown IDs again as half the list; a few reused passwords are right. */
function leakedList(customers: readonly Customer[], rng: SeededRandom): Entry[] {
  const list: Entry[] = customers.map((c) => ({
    loginId: c.loginId,
    password: c.spec.reusesPassword ? c.spec.loginPassword : `${c.spec.person.email.split('@')[0]}${1980 + rng.int(40)}`,
    customer: c,
  }))
  const unknown = Math.ceil(customers.length / 2)
  for (let i = 0; i < unknown; i++) list.push({ loginId: `mm${String(rng.int(100_000_000)).padStart(8, '0')}`, password: `Passw0rd${rng.int(10_000)}`, customer: undefined })
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[list[i], list[j]] = [list[j]!, list[i]!]
  }
  return list
}

function stuffing(v: Variant): Scenario {
  return {
    id: v.id,
    family: 'credential-stuffing',
    description: v.description,
    steps: STEPS,
    stage(ctx: ScenarioContext, log: AttackLog): void {
      const { world, rng } = ctx
      const list = leakedList(ctx.customers, rng)
      for (const e of list) if (e.customer !== undefined) log.targets.add(e.customer.id)
      const proxies: Origin[] =
        v.from === 'mixed'
          ? [
              ...Array.from({ length: 40 }, () => hostingOrigin(world, rng, rng.next() < 0.5, toolAgent(rng))),
              ...Array.from({ length: 20 }, () => foreignOrigin(world, rng, toolAgent(rng))),
              ...Array.from({ length: 60 }, () => residentialProxy(world, rng, agentOf(rng.pick(BROWSERS), 4))),
            ]
          : []
      const chunk = 25
      for (let start = 0; start < list.length; start += chunk) {
        const slice = list.slice(start, start + chunk)
        world.scheduler.at(ctx.start + (start * v.gapMs), `${v.id} ${start}`, async () => {
          log.start(world.clock.now())
          for (const e of slice) {
            const origin = v.from === 'mixed' ? rng.pick(proxies) : residentialProxy(world, rng, agentOf(rng.pick(BROWSERS), 3 + rng.int(2)))
            await attempt(world, log, e, origin)
            await pause(world, v.gapMs * (0.5 + rng.next()))
          }
          log.end(world.clock.now())
        })
      }
    },
  }
}

async function attempt(world: World, log: AttackLog, e: Entry, origin: Origin): Promise<void> {
  const b = attackerBrowser(world, log, origin)
  log.attempts++
  const right = e.customer !== undefined && e.password === e.customer.spec.loginPassword
  if (right) markVictim(world, e.customer!, world.clock.now())
  const r = await passwordLogin(b, e.loginId, e.password)
  if (r.kind === 'refused') {
    // A wrong pair failing is just a miss; Mamori stopped the attempt when it throttled it, or refused a right password.
    if (r.code === 'RATE_LIMITED' || right) log.stop('login', r.code)
    return
  }
  log.pass('login')
  if (r.kind === 'session') {
    log.pass('second_factor')
    if (e.customer !== undefined) log.takenOver.add(e.customer.id)
    return
  }
  // The tool has nothing more; some push an app approval and hope (push fatigue). The customer denies it.
  if (r.options.some((s) => s.includes('app_approval')) && e.customer?.hasApp === true) {
    const asked = await requestApproval(b, r.flowToken)
    if (!isReply(asked)) await e.customer.answerUnexpectedApproval(undefined)
  }
  log.stop('second_factor', `NO_FACTOR(${r.options.map((s) => s.join('+')).join('|')})`)
}

/** Stuffing at speed from a mixed pool of addresses, and a slow run from Japanese home lines. */
export const CREDENTIAL_STUFFING: readonly Scenario[] = [
  stuffing({
    id: 'credential-stuffing',
    description: 'a leaked list (every customer’s login ID and 50% unknown IDs, 3% reused passwords) at several attempts a second from 120 addresses: rented servers, foreign and Japanese home lines',
    gapMs: 150,
    from: 'mixed',
  }),
  stuffing({
    id: 'credential-stuffing+slow-jp-residential',
    description: 'the same list, one attempt every ~40 s over a day and more, each from a fresh Japanese residential proxy address with a real browser User-Agent',
    gapMs: 40_000,
    from: 'jp-residential',
  }),
]
