/*
 * Seed 003, the 2025 phishing wave: lookalike sites took login IDs, passwords and trading passwords
 * from customers of many brokers; a real-time relay forwarded whatever one-time code or approval
 * the victim gave on the fake page; the accounts were then liquidated and their cash spent on an
 * illiquid foreign small cap, across many accounts within hours (a pump ring the attackers sold
 * into). Replayed against the JSDA 2025 policy: victims with passkeys, with the phone app, and
 * dormant ones who never set up a passkey.
 */
import type { SoftCredential } from '../softAuthenticator.js'
import type { AttackLog } from '../AttackLog.js'
import type { Browser, Origin } from '../Browser.js'
import type { Customer } from '../Customer.js'
import { confirmation, isReply, passkeyLogin, registerPasskey, stepUpPasskey } from '../flows.js'
import { HOUR, MINUTE, pause, type World } from '../World.js'
import {
  attackerBrowser,
  buyAll,
  foreignOrigin,
  hostingOrigin,
  loginAsVictim,
  markVictim,
  redirectAndWithdraw,
  residentialProxy,
  sellEverything,
  toolAgent,
  victims,
  withdrawTo,
  type Scenario,
  type ScenarioContext,
} from './common.js'

const STEPS = ['login', 'second_factor', 'register_passkey', 'sell', 'buy', 'destination_change', 'withdrawal'] as const

interface Variant {
  readonly id: string
  readonly description: string
  readonly relay: 'hosting' | 'jp-proxy'
  readonly gapMs: number
}

function wave(v: Variant): Scenario {
  return {
    id: v.id,
    family: 'wave-2025-phishing',
    description: v.description,
    steps: STEPS,
    stage(ctx: ScenarioContext, log: AttackLog): void {
      const { world, rng } = ctx
      const n = victims(ctx, 20)
      const picked = [
        ...ctx.pool.take(Math.max(1, Math.round(n * 0.5)), (c) => c.spec.style === 'passkey'),
        ...ctx.pool.take(Math.max(1, Math.round(n * 0.3)), (c) => c.spec.style === 'app'),
        ...ctx.pool.take(Math.max(1, Math.round(n * 0.2)), (c) => c.spec.style === 'dormant'),
      ]
      // The ring's stock: the thinnest foreign small cap.
      const thin = world.instruments.filter((i) => i.segment === 'foreign_small')
      const symbol = thin[rng.int(thin.length)]!.symbol
      picked.forEach((victim, i) => {
        world.scheduler.at(ctx.start + i * v.gapMs + rng.int(Math.max(1, Math.floor(v.gapMs / 3))), `${v.id} ${victim.loginId}`, async () => {
          const now = world.clock.now()
          markVictim(world, victim, now)
          log.start(now)
          log.targets.add(victim.id)
          // The relay forwards the victim's own User-Agent in the careful variant.
          const origin: Origin =
            v.relay === 'jp-proxy'
              ? residentialProxy(world, rng, victim.usualOrigin().userAgent)
              : rng.next() < 0.6
                ? hostingOrigin(world, rng, true, toolAgent(rng))
                : foreignOrigin(world, rng)
          try {
            await relay(world, log, victim, attackerBrowser(world, log, origin), symbol, origin)
          } finally {
            log.end(world.clock.now())
          }
        })
      })
    },
  }
}

async function relay(world: World, log: AttackLog, victim: Customer, b: Browser, symbol: string, origin: Origin): Promise<void> {
  const rng = victim.rng
  // The victim typed ID, password and trading password into the fake page a moment ago.
  const kind = await loginAsVictim(b, log, victim, 'relay')
  if (kind === null) return
  let key: SoftCredential | undefined
  if (kind === 'enrolment') {
    // No passkey yet: the relay's session may register one — the attacker's own.
    await pause(world, 20_000)
    const k = await registerPasskey(b, rng, 'login', 'iPhone')
    if (isReply(k)) {
      log.stop('register_passkey', k)
      return
    }
    log.pass('register_passkey')
    key = k
  }
  const proof = { tradingPassword: victim.spec.tradingPassword }
  await pause(world, 30_000)
  if ((await sellEverything(b, log, 'sell', proof)) === 'stopped') return
  await pause(world, 45_000)
  if (key !== undefined) await stepUpPasskey(b, 'order', key)
  await buyAll(b, log, 'buy', symbol, proof)
  if (key === undefined) {
    // Without a passkey bound to it, a destination change cannot be confirmed; it is still tried.
    await pause(world, 30_000)
    const account = { bankCode: '0036', branchCode: '251', accountType: 'ordinary', accountNumber: String(9_100_000 + rng.int(99_999)), holderKana: victim.spec.person.nameKana }
    log.attackerAccounts.add(account.accountNumber)
    const d = await b.post('/v1/destinations', { ...account, ...proof }, { idempotent: true })
    if (d.status === 201) log.pass('destination_change')
    else log.stop('destination_change', d)
    return
  }
  // The attacker's own passkey: come back when the recovery cooling has passed, redirect and withdraw.
  const attackerKey = key
  world.scheduler.at(world.clock.now() + 73 * HOUR + rng.int(6 * HOUR), `${log.id} cash-out ${victim.loginId}`, async () => {
    const back = attackerBrowser(world, log, origin)
    back.deviceToken = b.deviceToken
    const login = await passkeyLogin(back, attackerKey)
    if (login.kind !== 'session') {
      log.stop('destination_change', login.kind === 'refused' ? login.code : 'STEP_UP')
      return
    }
    const confirm = async (op: 'withdrawal' | 'destination_change', fields: Record<string, string | number>): Promise<unknown> => {
      const c = await confirmation(back, op, fields, attackerKey)
      return isReply(c) ? undefined : c
    }
    const asked = await redirectAndWithdraw(back, log, victim, rng, { confirm })
    log.end(world.clock.now())
    if (asked) return
    // A registered destination cools down first: return once more after it.
    const list = await back.get<{ destinations?: { id: string; accountNumber: string }[] }>('/v1/destinations')
    const mine = list.body.destinations?.find((d) => log.attackerAccounts.has(d.accountNumber))
    if (mine === undefined) return
    world.scheduler.at(world.clock.now() + 73 * HOUR, `${log.id} cash-out 2 ${victim.loginId}`, async () => {
      const third = attackerBrowser(world, log, origin)
      third.deviceToken = back.deviceToken
      const again = await passkeyLogin(third, attackerKey)
      if (again.kind !== 'session') {
        log.stop('withdrawal', again.kind === 'refused' ? again.code : 'STEP_UP')
        return
      }
      await withdrawTo(third, log, mine.id, {
        confirm: async (op, fields) => {
          const c = await confirmation(third, op, fields, attackerKey)
          return isReply(c) ? undefined : c
        },
      })
      log.end(world.clock.now())
    })
  })
}

/** The wave as it happened, and a harder variant. */
export const WAVE_2025_PHISHING: readonly Scenario[] = [
  wave({
    id: 'wave-2025-phishing',
    description: 'phished ID, password and trading password of many customers; a real-time relay on rented servers and Chinese home lines passes on each code and approval the victim gives; liquidation, then buys of one thin foreign small cap across the accounts',
    relay: 'hosting',
    gapMs: 4 * MINUTE,
  }),
  wave({
    id: 'wave-2025-phishing+jp-proxy',
    description: 'the same relay egressing through Japanese residential proxies with each victim’s own User-Agent, victims phished over two days',
    relay: 'jp-proxy',
    gapMs: 2 * HOUR,
  }),
]
