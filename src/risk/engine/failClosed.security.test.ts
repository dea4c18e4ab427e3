/**
 * Fail closed (C-4, STYLE 4). An attacker who can make a risk rule fail (a crafted field that
 * crashes a parser, a flood that makes the history query slow, a database outage he times his
 * withdrawal with) must not thereby get the operation scored as "no risk". Every failure inside
 * the engine holds money and trading operations and denies logins, with an `engine` reason naming
 * the part that failed; a failure never weakens what the working parts found.
 */
import { describe, expect, it } from 'vitest'
import type { AccessEvent } from '../events/index.js'
import { RbaModel, type RbaFeatures, type RbaScore } from '../model/index.js'
import type { Typology, TypologyHit } from '../typologies/index.js'
import { RiskEngine } from './RiskEngine.js'
import type { EngineOptions } from './EngineOptions.js'
import {
  MemoryContext,
  T0,
  accessEvent,
  fixedTypology,
  homeHistory,
  trainedModel,
} from '../../../test/support/engineSupport.js'

function engine(
  typologies: readonly Typology[],
  options: EngineOptions = {},
  model: RbaModel = trainedModel(),
): RiskEngine {
  return new RiskEngine({ typologies, model, options })
}

const ctx = (): MemoryContext => new MemoryContext(T0, homeHistory())

const throwing: Typology = {
  id: 'throwing',
  actions: ['login', 'withdrawal', 'order', 'contact_change'],
  async evaluate(): Promise<TypologyHit | null> {
    throw new Error('index corrupted')
  },
}

const hanging: Typology = {
  id: 'hanging',
  actions: ['login', 'withdrawal'],
  evaluate: () => new Promise<never>(() => undefined),
}

describe('fail closed', () => {
  it.each([
    ['withdrawal', 'hold'],
    ['order', 'hold'],
    ['contact_change', 'hold'],
    ['login', 'deny'],
  ] as const)(
    'a throwing typology on a %s gives %s, with an engine reason naming it',
    async (action, outcome) => {
      const decision = await engine([throwing]).decide(accessEvent(action, 'cus-0'), ctx())

      expect(decision.outcome).toBe(outcome)
      expect(decision.reasons[0]).toMatchObject({ source: 'engine', id: 'typology:throwing', shadow: false })
      expect(decision.reasons[0]!.reason).toMatch(/index corrupted/)
    },
  )

  it('catches a typology that throws synchronously, outside any promise', async () => {
    const sync: Typology = {
      id: 'sync',
      actions: ['withdrawal'],
      evaluate(): Promise<TypologyHit | null> {
        throw new TypeError('boom')
      },
    }
    expect((await engine([sync]).decide(accessEvent('withdrawal', 'cus-0'), ctx())).outcome).toBe('hold')
  })

  it('fails closed on a typology that hangs, once its timeout has passed', async () => {
    const started = performance.now()
    const e = engine([hanging], { typologyTimeoutMs: 40 })
    const [withdrawal, login] = await Promise.all([
      e.decide(accessEvent('withdrawal', 'cus-0'), ctx()),
      e.decide(accessEvent('login', 'cus-0'), ctx()),
    ])
    const elapsed = performance.now() - started

    expect(withdrawal.outcome).toBe('hold')
    expect(login.outcome).toBe('deny')
    expect(withdrawal.reasons[0]!.reason).toMatch(/no answer within 40 ms/)
    expect(elapsed).toBeGreaterThanOrEqual(35)
    expect(elapsed).toBeLessThan(1_000)
  })

  it('waits 250 ms by default before giving up on a typology', async () => {
    const started = performance.now()
    const decision = await engine([hanging]).decide(accessEvent('withdrawal', 'cus-0'), ctx())

    expect(decision.outcome).toBe('hold')
    expect(performance.now() - started).toBeGreaterThanOrEqual(240)
  })

  it('fails closed on a typology answering something that is not a hit', async () => {
    const nonsense = {
      id: 'nonsense',
      actions: ['withdrawal'],
      evaluate: async () => ({ typology: 'nonsense', severity: 'extreme', reason: 'x', evidence: {} }),
    } as unknown as Typology
    const decision = await engine([nonsense]).decide(accessEvent('withdrawal', 'cus-0'), ctx())

    expect(decision.outcome).toBe('hold')
    expect(decision.reasons[0]!.reason).toMatch(/not a hit/)
  })

  it('fails closed when a context query fails, even if the typology swallows the error and says "no match"', async () => {
    class DownContext extends MemoryContext {
      override async seenBefore(): Promise<boolean> {
        throw new Error('database is locked')
      }
    }
    const swallowing: Typology = {
      id: 'swallowing',
      actions: ['withdrawal'],
      async evaluate(event: AccessEvent, c): Promise<TypologyHit | null> {
        try {
          await c.seenBefore(event.customerId ?? '', { ip: event.ip }, 0, event.at)
        } catch {
          return null
        }
        return null
      },
    }
    const decision = await engine([swallowing]).decide(
      accessEvent('withdrawal', 'cus-0'),
      new DownContext(T0),
    )

    expect(decision.outcome).toBe('hold')
    expect(decision.reasons[0]).toMatchObject({ source: 'engine', id: 'typology:swallowing' })
    expect(decision.reasons[0]!.reason).toMatch(/seenBefore: Error: database is locked/)
  })

  it('denies a login when the login risk model fails', async () => {
    class BrokenModel extends RbaModel {
      override score(_customerId: string, _features: RbaFeatures): RbaScore {
        throw new Error('snapshot corrupt')
      }
    }
    const decision = await engine([], {}, new BrokenModel()).decide(accessEvent('login', 'cus-0'), ctx())

    expect(decision.outcome).toBe('deny')
    expect(decision.reasons[0]).toMatchObject({ source: 'engine', id: 'rba' })
  })

  it('never weakens what the working rules found: a critical hit with a failing rule still freezes', async () => {
    const decision = await engine([fixedTypology('critical', ['withdrawal'], 'critical'), throwing]).decide(
      accessEvent('withdrawal', 'cus-0'),
      ctx(),
    )

    expect(decision.outcome).toBe('freeze')
    expect(decision.reasons.map((r) => r.id)).toEqual(['typology:throwing', 'critical'])
  })

  it('reports a shadowed rule’s failure in shadow without holding: a rule on trial adds nothing, so it cannot take anything away', async () => {
    const decision = await engine([throwing], { shadow: ['throwing'] }).decide(
      accessEvent('withdrawal', 'cus-0'),
      ctx(),
    )

    expect(decision.outcome).toBe('allow')
    expect(decision.reasons).toEqual([
      expect.objectContaining({ source: 'engine', id: 'typology:throwing', shadow: true }),
    ])
  })

  it('fails closed on a configured onError outcome, and refuses one that would let the operation through', async () => {
    const strict = engine([throwing], {
      thresholds: { withdrawal: { hold: 50, freeze: 90, onError: 'freeze' } },
    })
    expect((await strict.decide(accessEvent('withdrawal', 'cus-0'), ctx())).outcome).toBe('freeze')
    for (const onError of ['allow', 'step_up']) {
      expect(() =>
        engine([], { thresholds: { withdrawal: { hold: 50, onError } } } as unknown as EngineOptions),
      ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
    }
  })

  it.each([
    ['no object at all', null, 'hold'],
    ['an unknown action', { action: 'teleport', at: T0, customerId: 'cus-0' }, 'hold'],
    ['an action found on Object.prototype', { action: 'toString', at: T0, customerId: 'cus-0' }, 'hold'],
    ['a login without a time', { action: 'login', at: Number.NaN, customerId: 'cus-0' }, 'deny'],
  ])('fails closed on an event that cannot be evaluated: %s', async (_name, raw, outcome) => {
    const decision = await engine([throwing]).decide(raw as unknown as AccessEvent, ctx())

    expect(decision.outcome).toBe(outcome)
    expect(decision.reasons[0]).toMatchObject({ source: 'input', severity: 'critical' })
  })

  it('never rejects, even on an event whose fields throw when read', async () => {
    const hostile = new Proxy(
      {},
      {
        get(_t, key): unknown {
          if (key === 'action') return 'withdrawal'
          throw new Error('getter trap')
        },
      },
    ) as AccessEvent
    const decision = await engine([throwing]).decide(hostile, ctx())

    expect(decision.outcome).toBe('hold')
  })

  it('fails closed when the context itself is missing', async () => {
    const rule: Typology = {
      id: 'reads',
      actions: ['withdrawal'],
      evaluate: async (event, c) => ((await c.holdingsValue(event.customerId ?? '')) > 0 ? null : null),
    }
    const decision = await engine([rule]).decide(
      accessEvent('withdrawal', 'cus-0'),
      undefined as unknown as MemoryContext,
    )

    expect(decision.outcome).toBe('hold')
    expect(decision.reasons[0]!.reason).toMatch(/holdingsValue/)
  })
})
