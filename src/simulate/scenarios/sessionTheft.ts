/*
 * Session theft: an infostealer on the customer's computer lifts the session cookie right after
 * they log in and the attacker replays it from another device and network within minutes (B-12).
 * The harder variant takes the device cookie and the saved trading password too, and replays from
 * a Japanese residential proxy with the victim's own User-Agent.
 */
import type { AttackLog } from '../AttackLog.js'
import type { Customer } from '../Customer.js'
import { MINUTE, HOUR, pause } from '../World.js'
import {
  attackEach,
  attackerBrowser,
  buyAll,
  hostingOrigin,
  redirectAndWithdraw,
  residentialProxy,
  type Scenario,
  type ScenarioContext,
  sellEverything,
  victims,
} from './common.js'

const STEPS = ['replay', 'sell', 'buy', 'destination_change', 'withdrawal'] as const

interface Variant {
  readonly id: string
  readonly description: string
  readonly withDevice: boolean
  readonly gapMs: number
}

function theft(v: Variant): Scenario {
  return {
    id: v.id,
    family: 'session-theft',
    description: v.description,
    steps: STEPS,
    stage(ctx: ScenarioContext, log: AttackLog): void {
      const { world, rng } = ctx
      const thin = world.instruments.filter((i) => i.segment === 'foreign_small')
      const symbol = thin[rng.int(thin.length)]!.symbol
      const picked = ctx.pool.take(victims(ctx, 5), (c: Customer) => c.spec.style !== 'dormant')
      attackEach(ctx, log, v.id, picked, v.gapMs, async (victim) => {
        // The victim logs in as usual on the infected computer and leaves the session open.
        const infected = await victim.session({ stayLoggedIn: true, preferPc: true })
        if (infected?.token === undefined) {
          log.stop('replay', 'VICTIM_NOT_LOGGED_IN')
          log.end(world.clock.now())
          return
        }
        const origin = v.withDevice ? residentialProxy(world, rng, infected.origin.userAgent) : hostingOrigin(world, rng, false, infected.origin.userAgent)
        const stolen = attackerBrowser(world, log, origin)
        stolen.token = infected.token
        if (v.withDevice) stolen.deviceToken = infected.deviceToken
        world.scheduler.at(world.clock.now() + 2 * MINUTE + rng.int(3 * MINUTE), `${v.id} replay ${victim.loginId}`, async () => {
          try {
            log.attempts++
            const look = await stolen.get('/v1/portfolio')
            if (look.status !== 200) {
              log.stop('replay', look)
              return
            }
            log.pass('replay')
            log.takenOver.add(victim.id)
            // The stealer also took the trading password the browser had saved.
            const proof = { tradingPassword: victim.spec.tradingPassword }
            await pause(world, 20_000)
            if ((await sellEverything(stolen, log, 'sell', proof)) === 'stopped') return
            await pause(world, 30_000)
            await buyAll(stolen, log, 'buy', symbol, proof)
            await pause(world, 30_000)
            await redirectAndWithdraw(stolen, log, victim, rng, proof)
          } finally {
            log.end(world.clock.now())
          }
        })
      })
    },
  }
}

/** A lifted session cookie replayed elsewhere; and the cookie with the device cookie from a Japanese home line. */
export const SESSION_THEFT: readonly Scenario[] = [
  theft({
    id: 'session-theft',
    description: 'an infostealer lifts the session cookie after login; replayed within minutes from a rented server abroad with the victim’s User-Agent',
    withDevice: false,
    gapMs: 30 * MINUTE,
  }),
  theft({
    id: 'session-theft+device-cookie',
    description: 'the stealer takes the device cookie and the saved trading password too; replayed from a Japanese residential proxy with the victim’s User-Agent',
    withDevice: true,
    gapMs: 4 * HOUR,
  }),
]
