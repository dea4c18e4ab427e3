import { describe, expect, it } from 'vitest'
import { outcomeForScore, parseEngineOptions, profileFor } from './EngineOptions.js'

const CONFIG_INVALID = expect.objectContaining({ code: 'CONFIG_INVALID' })

describe('parseEngineOptions', () => {
  it('fills in the documented defaults', () => {
    const o = parseEngineOptions({})

    expect(profileFor(o, 'login')).toEqual({
      step_up: 40,
      hold: undefined,
      deny: 90,
      freeze: undefined,
      stepUpFactor: 'passkey',
      onError: 'deny',
    })
    expect(profileFor(o, 'withdrawal')).toMatchObject({ hold: 50, freeze: 90, onError: 'hold' })
    expect(profileFor(o, 'destination_change')).toMatchObject({ hold: 50, freeze: 90, onError: 'hold' })
    expect(profileFor(o, 'order')).toMatchObject({ hold: 60, freeze: 90, onError: 'hold' })
    expect(profileFor(o, 'factor_change')).toMatchObject({
      step_up: 40,
      hold: 70,
      stepUpFactor: 'passkey',
      onError: 'hold',
    })
    expect(o.severityPoints).toEqual({ low: 10, medium: 30, high: 60, critical: 90 })
    expect(o).toMatchObject({ extraRate: 0.5, extraCap: 20, typologyTimeoutMs: 250 })
    expect(o.shadow.size).toBe(0)
    expect(Object.isFrozen(o)).toBe(true)
  })

  it('replaces an operation’s profile whole and defaults its fail-closed outcome by kind', () => {
    const o = parseEngineOptions({
      thresholds: { login: { step_up: 30, stepUpFactor: 'totp' }, withdrawal: { hold: 40 } },
    })

    expect(profileFor(o, 'login')).toMatchObject({
      step_up: 30,
      deny: undefined,
      stepUpFactor: 'totp',
      onError: 'deny',
    })
    expect(profileFor(o, 'withdrawal')).toMatchObject({ hold: 40, freeze: undefined, onError: 'hold' })
  })

  it('falls back to the default profile for an action without one, and for keys of Object.prototype', () => {
    const o = parseEngineOptions({})

    expect(profileFor(o, 'deposit')).toBe(o.thresholds.default)
    expect(profileFor(o, 'constructor')).toBe(o.thresholds.default)
  })

  it.each([
    ['a threshold of 0, which would stop everything', { thresholds: { order: { hold: 0 } } }],
    ['a threshold above 100, which no score reaches', { thresholds: { order: { hold: 101 } } }],
    ['a fractional threshold', { thresholds: { order: { hold: 50.5 } } }],
    ['a stricter outcome at fewer points', { thresholds: { login: { step_up: 60, deny: 50 } } }],
    ['equal thresholds', { thresholds: { withdrawal: { hold: 50, freeze: 50 } } }],
    ['a profile without thresholds', { thresholds: { order: {} } }],
    ['an unknown operation', { thresholds: { teleport: { hold: 50 } } }],
    ['an unknown profile key', { thresholds: { order: { hold: 50, block: 60 } } }],
    ['allow as the fail-closed outcome', { thresholds: { order: { hold: 50, onError: 'allow' } } }],
    ['an unknown step-up factor', { thresholds: { login: { step_up: 40, stepUpFactor: 'sms' } } }],
    ['severity points decreasing with severity', { severityPoints: { high: 95 } }],
    ['a timeout of 0', { typologyTimeoutMs: 0 }],
    ['an extra rate above 1', { extraRate: 2 }],
    ['an unknown option', { treshold: {} }],
    ['a string where a number belongs', { typologyTimeoutMs: '250' }],
    ['not an object', 'strict'],
  ])('refuses %s with CONFIG_INVALID', (_name, input) => {
    expect(() => parseEngineOptions(input)).toThrow(CONFIG_INVALID)
  })
})

describe('outcomeForScore', () => {
  it('applies each threshold from its value up, the strictest reached winning', () => {
    const login = profileFor(parseEngineOptions({}), 'login')
    const withdrawal = profileFor(parseEngineOptions({}), 'withdrawal')

    expect([0, 39, 40, 89, 90, 100].map((s) => outcomeForScore(login, s))).toEqual([
      'allow',
      'allow',
      'step_up',
      'step_up',
      'deny',
      'deny',
    ])
    expect([49, 50, 89, 90].map((s) => outcomeForScore(withdrawal, s))).toEqual([
      'allow',
      'hold',
      'hold',
      'freeze',
    ])
  })
})
