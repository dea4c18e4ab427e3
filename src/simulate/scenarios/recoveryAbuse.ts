/*
 * Recovery abuse: an attacker who knows the password claims a lost phone to register their own
 * passkey (B-11). Recovery needs a code sent to the registered e-mail; the attacker does not have
 * the mailbox — unless the victim reads the code out to a caller posing as the broker's support.
 */
import type { AttackLog } from '../AttackLog.js'
import type { Origin } from '../Browser.js'
import type { Customer } from '../Customer.js'
import { confirmation, isReply, loginResult, passkeyLogin, registerPasskey, type ProgressJson } from '../flows.js'
import type { SoftCredential } from '../softAuthenticator.js'
import { HOUR, pause, type World } from '../World.js'
import {
  attackEach,
  attackerBrowser,
  attackOrigin,
  redirectAndWithdraw,
  type Scenario,
  type ScenarioContext,
  victims,
  withdrawTo,
} from './common.js'

const STEPS = ['recovery_start', 'recovery_code', 'register_passkey', 'login', 'destination_change', 'withdrawal'] as const

interface Variant {
  readonly id: string
  readonly description: string
  readonly victimReadsCode: boolean
  readonly from: 'hosting' | 'victim-isp-proxy'
  readonly gapMs: number
}

function recovery(v: Variant): Scenario {
  return {
    id: v.id,
    family: 'recovery-abuse',
    description: v.description,
    steps: STEPS,
    stage(ctx: ScenarioContext, log: AttackLog): void {
      const { world, rng } = ctx
      const picked = ctx.pool.take(victims(ctx, 5), (c) => c.spec.style !== 'dormant')
      attackEach(ctx, log, v.id, picked, v.gapMs, async (victim) => {
        const origin = attackOrigin(world, rng, v.from, victim)
        try {
          await abuse(world, log, victim, origin, v.victimReadsCode)
        } finally {
          log.end(world.clock.now())
        }
      })
    },
  }
}

async function abuse(world: World, log: AttackLog, victim: Customer, origin: Origin, victimReadsCode: boolean): Promise<void> {
  const b = attackerBrowser(world, log, origin)
  log.attempts++
  const started = await b.post<{ flowToken?: string }>('/v1/auth/recovery/start', { loginId: victim.loginId }, { token: null })
  if (started.status !== 200 || started.body.flowToken === undefined) {
    log.stop('recovery_start', started)
    return
  }
  log.pass('recovery_start')
  const flowToken = started.body.flowToken
  await pause(world, 90_000)
  let code: string | undefined
  if (victimReadsCode) code = await victim.mailbox?.code('recovery')
  // Without the victim, a guess or two.
  const guesses = code === undefined ? [String(victim.rng.int(1_000_000)).padStart(6, '0'), String(victim.rng.int(1_000_000)).padStart(6, '0')] : [code]
  let session = false
  for (const guess of guesses) {
    const r = await b.post<ProgressJson>('/v1/auth/recovery', { flowToken, code: guess, password: victim.spec.loginPassword }, { token: null })
    const l = loginResult(b, r)
    if (l.kind === 'session') {
      session = true
      break
    }
    log.stop('recovery_code', r)
    await pause(world, 30_000)
  }
  if (!session) return
  log.pass('recovery_code')
  await pause(world, 30_000)
  const key = await registerPasskey(b, victim.rng, 'login', 'new phone')
  if (isReply(key)) {
    log.stop('register_passkey', key)
    return
  }
  log.pass('register_passkey')
  log.takenOver.add(victim.id)
  // Money and destinations are paused for the recovery cooling period: come back after it.
  world.scheduler.at(world.clock.now() + 73 * HOUR + victim.rng.int(4 * HOUR), `${log.id} cash-out ${victim.loginId}`, async () => {
    await cashOut(world, log, victim, origin, key, b.deviceToken)
    log.end(world.clock.now())
  })
}

async function cashOut(world: World, log: AttackLog, victim: Customer, origin: Origin, key: SoftCredential, deviceToken: string | undefined): Promise<void> {
  const b = attackerBrowser(world, log, origin)
  b.deviceToken = deviceToken
  const login = await passkeyLogin(b, key)
  if (login.kind !== 'session') {
    log.stop('login', login.kind === 'refused' ? login.code : 'STEP_UP')
    return
  }
  log.pass('login')
  const confirm = async (op: 'withdrawal' | 'destination_change', fields: Record<string, string | number>): Promise<unknown> => {
    const c = await confirmation(b, op, fields, key)
    return isReply(c) ? undefined : c
  }
  if (await redirectAndWithdraw(b, log, victim, victim.rng, { confirm })) return
  const list = await b.get<{ destinations?: { id: string; accountNumber: string }[] }>('/v1/destinations')
  const mine = list.body.destinations?.find((d) => log.attackerAccounts.has(d.accountNumber))
  if (mine === undefined) return
  world.scheduler.at(world.clock.now() + 73 * HOUR, `${log.id} cash-out 2 ${victim.loginId}`, async () => {
    const again = attackerBrowser(world, log, origin)
    again.deviceToken = b.deviceToken
    const l = await passkeyLogin(again, key)
    if (l.kind !== 'session') {
      log.stop('withdrawal', l.kind === 'refused' ? l.code : 'STEP_UP')
      return
    }
    await withdrawTo(again, log, mine.id, {
      confirm: async (op, fields) => {
        const c = await confirmation(again, op, fields, key)
        return isReply(c) ? undefined : c
      },
    })
    log.end(world.clock.now())
  })
}

/** Recovery abuse without the victim's mailbox, and with a victim who reads the code out once. */
export const RECOVERY_ABUSE: readonly Scenario[] = [
  recovery({
    id: 'recovery-abuse',
    description: 'the attacker knows login ID and password, claims a lost phone from a rented server and guesses the e-mailed code',
    victimReadsCode: false,
    from: 'hosting',
    gapMs: 20 * 60_000,
  }),
  recovery({
    id: 'recovery-abuse+victim-reads-code',
    description: 'the same from a residential proxy on the victim’s ISP with the victim’s User-Agent; a caller posing as support gets the victim to read the recovery code out once; the attacker returns after the cooling period to redirect and withdraw',
    victimReadsCode: true,
    from: 'victim-isp-proxy',
    gapMs: 6 * HOUR,
  }),
]
