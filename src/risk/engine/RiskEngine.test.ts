import { describe, expect, it } from 'vitest'
import { RbaModel } from '../model/index.js'
import type { Typology } from '../typologies/index.js'
import { RiskEngine } from './RiskEngine.js'
import type { EngineOptions } from './EngineOptions.js'
import {
  ATTACKER,
  HOME,
  MemoryContext,
  T0,
  accessEvent,
  fixedTypology,
  homeHistory,
  trainedModel,
  unseenNetwork,
} from '../../../test/support/engineSupport.js'

function engine(
  typologies: readonly Typology[] = [],
  options: EngineOptions = {},
  model = trainedModel(),
): RiskEngine {
  return new RiskEngine({ typologies, model, options })
}

const ctx = (): MemoryContext => new MemoryContext(T0, homeHistory())

describe('RiskEngine.decide on logins', () => {
  it('allows a login from the environment the customer always uses', async () => {
    const decision = await engine([unseenNetwork()]).decide(accessEvent('login', 'cus-0'), ctx())

    expect(decision.outcome).toBe('allow')
    expect(decision.stepUp).toBeUndefined()
    expect(decision.score).toBe(0)
    expect(decision.reasons).toEqual([
      expect.objectContaining({ source: 'rba', id: 'rba', points: 0, shadow: false }),
    ])
  })

  it('asks for a passkey when the network and country are new, even with the customer’s own browser string', async () => {
    const decision = await engine().decide(accessEvent('login', 'cus-0', ATTACKER), ctx())

    expect(decision).toMatchObject({ outcome: 'step_up', stepUp: 'passkey', score: 45 })
    expect(decision.reasons[0]).toMatchObject({ source: 'rba', severity: 'medium' })
    expect(decision.reasons[0]!.reason).toMatch(/network, country never used/)
  })

  it('treats a customer with no login history as a new environment, not as score 0', async () => {
    const decision = await engine().decide(accessEvent('login', 'cus-never-seen'), ctx())

    expect(decision).toMatchObject({ outcome: 'step_up', stepUp: 'passkey', score: 50 })
    expect(decision.reasons[0]!.reason).toMatch(/no successful login/)
  })

  it('steps up a new environment on an empty model too', async () => {
    const decision = await engine([], {}, new RbaModel()).decide(accessEvent('login', 'cus-0'), ctx())

    expect(decision.outcome).toBe('step_up')
  })

  it('denies a login a critical typology matches, the RBA points notwithstanding', async () => {
    const stuffing = fixedTypology('stuffing', ['login'], 'critical')
    const decision = await engine([stuffing]).decide(accessEvent('login', 'cus-0'), ctx())

    expect(decision).toMatchObject({ outcome: 'deny', score: 90 })
    expect(decision.reasons[0]).toMatchObject({ source: 'typology', id: 'stuffing', points: 90 })
  })
})

describe('RiskEngine.decide on money and trading', () => {
  it.each([
    ['critical', 'freeze', 90],
    ['high', 'hold', 60],
    ['medium', 'allow', 30],
    ['low', 'allow', 10],
  ] as const)('a %s typology hit on a withdrawal gives %s', async (severity, outcome, score) => {
    const decision = await engine([fixedTypology('rule', ['withdrawal'], severity)]).decide(
      accessEvent('withdrawal', 'cus-0', HOME, { detail: { amount: 1_000_000 } }),
      ctx(),
    )

    expect(decision).toMatchObject({ outcome, score })
    expect(decision.stepUp).toBeUndefined()
  })

  it('holds a destination change from a network the customer never used and allows one from home', async () => {
    const e = engine([unseenNetwork()])

    expect((await e.decide(accessEvent('destination_change', 'cus-0', ATTACKER), ctx())).outcome).toBe('hold')
    expect((await e.decide(accessEvent('destination_change', 'cus-0', HOME), ctx())).outcome).toBe('allow')
  })

  it('holds an order from 60 points, asks a medium signal for a passkey and lets a low one trade', async () => {
    expect(
      (await engine([fixedTypology('r', ['order'], 'high')]).decide(accessEvent('order', 'cus-0'), ctx()))
        .outcome,
    ).toBe('hold')
    expect(await engine([fixedTypology('r', ['order'], 'medium')]).decide(accessEvent('order', 'cus-0'), ctx())).toMatchObject({ outcome: 'step_up', stepUp: 'passkey' })
    expect(
      (await engine([fixedTypology('r', ['order'], 'low')]).decide(accessEvent('order', 'cus-0'), ctx()))
        .outcome,
    ).toBe('allow')
  })

  it('steps up other account changes from 40 points and holds them from 70', async () => {
    const change = accessEvent('contact_change', 'cus-0')
    const medium = await engine([
      fixedTypology('a', ['contact_change'], 'medium'),
      fixedTypology('b', ['contact_change'], 'medium'),
    ]).decide(change, ctx())
    const critical = await engine([fixedTypology('a', ['contact_change'], 'critical')]).decide(change, ctx())

    expect(medium).toMatchObject({ outcome: 'step_up', stepUp: 'passkey', score: 45 })
    expect(critical.outcome).toBe('hold')
  })

  it('adds a bounded extra for further hits: two highs hold, they do not freeze', async () => {
    const decision = await engine([
      fixedTypology('a', ['withdrawal'], 'high'),
      fixedTypology('b', ['withdrawal'], 'high'),
      fixedTypology('c', ['withdrawal'], 'high'),
    ]).decide(accessEvent('withdrawal', 'cus-0'), ctx())

    expect(decision).toMatchObject({ outcome: 'hold', score: 80 })
    expect(decision.reasons).toHaveLength(3)
  })

  it('does not run the login model on operations', async () => {
    const decision = await engine().decide(accessEvent('withdrawal', 'cus-0', ATTACKER), ctx())

    expect(decision.reasons.some((r) => r.source === 'rba')).toBe(false)
  })

  it('calls only the typologies whose actions include the event’s', async () => {
    const loginRule = fixedTypology('loginRule', ['login'], 'critical')
    const withdrawalRule = fixedTypology('withdrawalRule', ['withdrawal'], null)
    await engine([loginRule, withdrawalRule]).decide(accessEvent('withdrawal', 'cus-0'), ctx())

    expect(loginRule.calls).toBe(0)
    expect(withdrawalRule.calls).toBe(1)
  })

  it('runs the typologies concurrently', async () => {
    // Each waits until the other has started: run one after the other, both would time out.
    let started = 0
    let release: () => void = () => undefined
    const bothStarted = new Promise<void>((resolve) => (release = resolve))
    const waiting = (id: string): Typology => ({
      id,
      actions: ['withdrawal'],
      async evaluate() {
        if (++started === 2) release()
        await bothStarted
        return null
      },
    })
    const decision = await engine([waiting('a'), waiting('b')], { typologyTimeoutMs: 1_000 }).decide(
      accessEvent('withdrawal', 'cus-0'),
      ctx(),
    )

    expect(decision.outcome).toBe('allow')
  })
})

describe('RiskEngine shadow mode', () => {
  it('reports a shadowed rule’s hit with its points but decides as if it were absent', async () => {
    const event = accessEvent('withdrawal', 'cus-0')
    const without = await engine([fixedTypology('live', ['withdrawal'], 'medium')]).decide(event, ctx())
    const withShadow = await engine(
      [fixedTypology('live', ['withdrawal'], 'medium'), fixedTypology('trial', ['withdrawal'], 'critical')],
      { shadow: ['trial'] },
    ).decide(event, ctx())

    expect(withShadow.outcome).toBe(without.outcome)
    expect(withShadow.score).toBe(without.score)
    expect(withShadow.reasons).toContainEqual(
      expect.objectContaining({
        source: 'typology',
        id: 'trial',
        severity: 'critical',
        shadow: true,
        points: 90,
      }),
    )
    expect(withShadow.reasons.at(-1)!.id).toBe('trial')
  })

  it('puts the login model in shadow with `rba`', async () => {
    const decision = await engine([], { shadow: ['rba'] }).decide(
      accessEvent('login', 'cus-0', ATTACKER),
      ctx(),
    )

    expect(decision).toMatchObject({ outcome: 'allow', score: 0 })
    expect(decision.reasons).toEqual([expect.objectContaining({ source: 'rba', shadow: true, points: 45 })])
  })

  it('refuses a shadow entry naming no rule, which would leave the rule live', () => {
    expect(() => engine([fixedTypology('real', ['login'], null)], { shadow: ['raal'] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
  })
})

describe('RiskEngine construction', () => {
  it('refuses two typologies with the same id', () => {
    expect(() => engine([fixedTypology('x', ['login'], null), fixedTypology('x', ['order'], null)])).toThrow(
      TypeError,
    )
  })

  it('refuses invalid options with CONFIG_INVALID', () => {
    expect(() => engine([], { thresholds: { withdrawal: { hold: 95, freeze: 90 } } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    )
  })

  it('returns frozen decisions', async () => {
    const decision = await engine([fixedTypology('r', ['withdrawal'], 'high')]).decide(
      accessEvent('withdrawal', 'cus-0'),
      ctx(),
    )

    expect(Object.isFrozen(decision)).toBe(true)
    expect(Object.isFrozen(decision.reasons)).toBe(true)
    expect(Object.isFrozen(decision.reasons[0])).toBe(true)
  })
})
