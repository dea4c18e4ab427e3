/*
 * Seed 000, SBI Securities 2020: the attackers had the login ID, the login password and the trading
 * password of six customers (reused from elsewhere), opened bank accounts in the victims' names
 * with forged papers, changed the withdrawal destination to them, sold, and withdrew. Replayed
 * here against the JSDA 2025 policy and the risk engine, from what the attackers really had: no
 * phone, no passkey, no mailbox.
 */
import type { AttackLog } from '../AttackLog.js'
import type { Customer } from '../Customer.js'
import { HOUR, MINUTE, pause } from '../World.js'
import {
  attackEach,
  attackerBrowser,
  attackOrigin,
  forgedAccount,
  loginAsVictim,
  type Scenario,
  type ScenarioContext,
  sellEverything,
  type VictimHelp,
  victims,
  withdrawTo,
} from './common.js'

const STEPS = ['login', 'second_factor', 'destination_change', 'sell', 'withdrawal'] as const

interface Variant {
  readonly id: string
  readonly description: string
  readonly from: 'hosting' | 'victim-isp-proxy'
  readonly help: VictimHelp
  /** Time between two victims. */
  readonly gapMs: number
  readonly accept: (c: Customer) => boolean
}

function sbi(v: Variant): Scenario {
  return {
    id: v.id,
    family: 'sbi-2020',
    description: v.description,
    steps: STEPS,
    stage(ctx: ScenarioContext, log: AttackLog): void {
      const { world, rng } = ctx
      const picked = ctx.pool.take(victims(ctx, 6), v.accept)
      attackEach(ctx, log, v.id, picked, v.gapMs, async (victim) => {
        const origin = attackOrigin(world, rng, v.from, victim)
        const b = attackerBrowser(world, log, origin)
        try {
          const kind = await loginAsVictim(b, log, victim, v.help)
          if (kind !== 'customer') return
          const proof = { tradingPassword: victim.spec.tradingPassword }
          // 1. The destination, to the same-name account opened with forged papers.
          await pause(world, 40_000)
          const account = forgedAccount(victim, rng)
          log.attackerAccounts.add(account.accountNumber)
          const d = await b.post<{ id?: string }>('/v1/destinations', { ...account, ...proof }, { idempotent: true })
          if (d.status === 201 && d.body.id !== undefined) log.pass('destination_change')
          else log.stop('destination_change', d)
          // 2. Sell everything.
          await pause(world, 60_000)
          await sellEverything(b, log, 'sell', proof)
          // 3. Withdraw, at once and, past the destination's cooling period, once more.
          if (d.status === 201 && d.body.id !== undefined) {
            const destinationId = d.body.id
            await pause(world, 30_000)
            await withdrawTo(b, log, destinationId, proof)
            world.scheduler.at(world.clock.now() + 73 * HOUR, `${v.id} return ${victim.loginId}`, async () => {
              const again = attackerBrowser(world, log, origin)
              if ((await loginAsVictim(again, log, victim, v.help === 'approves-once' ? 'nothing' : v.help)) === 'customer') await withdrawTo(again, log, destinationId, proof)
              log.end(world.clock.now())
            })
          }
        } finally {
          log.end(world.clock.now())
        }
      })
    },
  }
}

const holdsAssets = (c: Customer): boolean => c.spec.style !== 'dormant'

/** The incident as it happened, and harder variants. */
export const SBI_2020: readonly Scenario[] = [
  sbi({
    id: 'sbi-2020',
    description: 'login ID, login password and trading password of 6 customers; rented server in Tokyo; destination change to a forged same-name account, sale, withdrawal',
    from: 'hosting',
    help: 'nothing',
    gapMs: 12 * MINUTE,
    accept: holdsAssets,
  }),
  sbi({
    id: 'sbi-2020+jp-proxy',
    description: 'the same, from residential proxies on each victim’s own ISP with the victim’s own User-Agent, one victim every few hours',
    from: 'victim-isp-proxy',
    help: 'nothing',
    gapMs: 5 * HOUR,
    accept: holdsAssets,
  }),
  sbi({
    id: 'sbi-2020+approves-once',
    description: 'the same from residential proxies, against customers who approve logins on the phone app — and each approves the attacker’s login once',
    from: 'victim-isp-proxy',
    help: 'approves-once',
    gapMs: 3 * HOUR,
    accept: (c) => c.spec.style === 'app',
  }),
]
