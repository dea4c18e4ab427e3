/*
 * The attack simulator (BRIEF F-1, issue 6) in CI: a small, seeded population lives through a few
 * days of Mamori under its default policy and risk configuration while every seed incident and
 * its harder variants are replayed against it over HTTP. The scorecard must have the shape issue 6
 * gives it, and no scenario may get a yen out of a victim's account. The other targets (no
 * unauthorized trades, step-up rate ≤ 2%, held rate ≤ 0.5%) are reported by `mamori simulate`,
 * not asserted here: a few dozen customers over three days are too few to measure rates.
 *
 * The simulator must see Mamori only as a client and an auditor do: it may not import the risk
 * engine or the guards, so it cannot know their thresholds and tune attacks to them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { frictionProtectionSvg, runSimulation, SCENARIOS, type Scorecard } from '../../src/simulate/index.js'

const ROOT = join(import.meta.dirname, '..', '..')

describe('mamori simulate on a small population (seed 7, 30 customers, 3 days)', () => {
  let card: Scorecard
  beforeAll(async () => {
    card = await runSimulation({ seed: 7, customers: 30, days: 3, historyDays: 8 })
  }, 240_000)

  it('scores every scenario and variant, each with the fields issue 6 names', () => {
    expect(card.scenarios.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id))
    for (const s of card.scenarios) {
      expect(Object.keys(s).sort()).toEqual(
        ['accounts_targeted', 'accounts_taken_over', 'detected_after_s', 'id', 'money_lost_jpy', 'stopped_at', 'unauthorized_trades_jpy'].sort(),
      )
      expect(s.accounts_targeted, s.id).toBeGreaterThan(0)
      expect(s.accounts_taken_over).toBeLessThanOrEqual(s.accounts_targeted)
      expect(Number.isInteger(s.unauthorized_trades_jpy) && s.unauthorized_trades_jpy >= 0).toBe(true)
      expect(s.stopped_at === null || typeof s.stopped_at === 'string').toBe(true)
      expect(s.detected_after_s === null || s.detected_after_s >= 0).toBe(true)
    }
  })

  it('no scenario gets a yen out of a victim’s account', () => {
    expect(card.scenarios.filter((s) => s.money_lost_jpy > 0).map((s) => [s.id, s.money_lost_jpy])).toEqual([])
    expect(card.totals.money_lost_jpy).toBe(0)
  })

  it('every attack that got anywhere was stopped somewhere, and the attackers made real attempts', () => {
    for (const s of card.scenarios) {
      const d = card.details.scenarios.find((x) => x.id === s.id)!
      expect(d.attempts, s.id).toBeGreaterThan(0)
    }
    // The incidents as they happened never get past the second factor or the bound confirmation.
    for (const id of ['sbi-2020', 'credential-stuffing', 'recovery-abuse', 'session-theft']) {
      expect(card.scenarios.find((s) => s.id === id)!.accounts_taken_over, id).toBe(0)
    }
  })

  it('counts the honest customers’ logins, step-ups, withdrawals and holds, with the rates derived from them', () => {
    const l = card.legitimate
    expect(Object.keys(l).sort()).toEqual(
      ['denied_logins', 'held_orders', 'held_rate', 'held_withdrawals', 'logins', 'step_up_rate', 'step_ups', 'withdrawals'].sort(),
    )
    expect(l.logins).toBeGreaterThan(0)
    expect(l.step_ups).toBeLessThanOrEqual(l.logins)
    expect(l.denied_logins).toBeLessThanOrEqual(l.step_ups)
    expect(l.step_up_rate).toBeCloseTo(l.logins === 0 ? 0 : l.step_ups / l.logins, 3)
    expect(l.held_withdrawals).toBeLessThanOrEqual(l.withdrawals)
    expect(l.held_rate).toBeCloseTo(l.withdrawals === 0 ? 0 : l.held_withdrawals / l.withdrawals, 3)
    expect(card.totals.unauthorized_trades_jpy).toBe(card.scenarios.reduce((s, x) => s + x.unauthorized_trades_jpy, 0))
    // Every honest hold is explained by the rule that held it (the risk engine holds withdrawals).
    expect(Object.values(card.details.held_withdrawal_reasons).reduce((a, b) => a + b, 0)).toBe(l.held_withdrawals)
  })

  it('draws the friction/protection chart as an SVG with a point for every scenario', () => {
    const svg = frictionProtectionSvg(card)
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.match(/<circle /g)?.length).toBe(2 * card.scenarios.length)
    for (const s of card.scenarios) expect(svg).toContain(s.id)
  })
})

describe('the simulator sees Mamori as a client does', () => {
  it('no simulator source imports the risk engine (src/risk) or the guards (src/guards)', () => {
    const files = [...sourcesUnder(join(ROOT, 'src', 'simulate')), join(ROOT, 'src', 'cli', 'simulate.ts')]
    expect(files.length).toBeGreaterThan(10)
    const offenders: string[] = []
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1]!
        if (/(^|\/)(risk|guards)(\/|$)/.test(spec)) offenders.push(`${relative(ROOT, file)}: ${spec}`)
      }
    }
    expect(offenders).toEqual([])
  })
})

function sourcesUnder(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...sourcesUnder(path))
    else if (name.endsWith('.ts')) out.push(path)
  }
  return out
}
