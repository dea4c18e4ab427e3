/**
 * The attack simulator and its scorecard (BRIEF F-1, issue 6): `mamori simulate`.
 *
 * A seeded population of legitimate customers (home lines on real Japanese ISPs and phones on the
 * carriers' NAT, real browsers, habits from a few logins a year to several a day, trips, new
 * phones, trades, deposits, withdrawals, new destinations) lives through some days of history and
 * the measured window on a simulated clock, while every seed incident and its harder variants are
 * replayed against the same server. Everyone — customers, attackers, the broker's own staff —
 * reaches Mamori only through its HTTP API; accounts are opened beforehand through the brokerage
 * core, as onboarding would (setup). No file here imports the risk engine or the guards
 * (test/simulate checks it): attacks are judged by what Mamori answers, and the scorer measures
 * the outcome in the ledger afterwards.
 *
 * Layout: `population.ts` (who), `Customer.ts` (how they live), `scenarios/` (one file per seed
 * incident with its variants), `flows.ts` and `Browser.ts` (the HTTP client), `Scheduler.ts`
 * (simulated time), `score.ts` (the scorecard), `chart.ts` (the SVG), `runSimulation.ts` (the run).
 */
export { runSimulation } from './runSimulation.js'
export type { SimulationOptions } from './runSimulation.js'
export type { Scorecard, ScenarioScore, LegitimateScore, ScenarioDetail } from './Scorecard.js'
export { SCENARIOS, selectScenarios } from './scenarios/index.js'
export type { Scenario } from './scenarios/index.js'
export { frictionProtectionSvg } from './chart.js'
