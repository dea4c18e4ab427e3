/*
 * `mamori demo --replay`: a person watching sees each attacker request and where it is stopped,
 * then the alerts the analyst would open and the scenario's scorecard.
 */
import { describe, expect, it } from 'vitest'
import { replayScenario } from '../../src/cli/replay.js'

describe('mamori demo --replay', () => {
  it('narrates a stolen session being stopped at the sale, shows the alert, and nothing is lost', async () => {
    const lines: string[] = []
    const card = await replayScenario({ scenario: 'session-theft+device-cookie', paceMs: 0, seed: 42, customers: 40, out: (l) => lines.push(l) })
    const text = lines.join('\n')
    expect(text).toMatch(/\[session-theft\+device-cookie\] \S+ +look at the holdings +→ went through/)
    expect(text).toMatch(/place an order +→ STOPPED: STEP_UP_REQUIRED/)
    expect(text).toMatch(/What the analyst sees[\s\S]*session_moved/)
    expect(card.scenarios.map((s) => s.id)).toEqual(['session-theft+device-cookie'])
    expect(card.totals).toEqual({ money_lost_jpy: 0, unauthorized_trades_jpy: 0 })
  }, 240_000)
})
