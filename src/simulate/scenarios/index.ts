import { CREDENTIAL_STUFFING } from './credentialStuffing.js'
import { MATSUI_INSIDER } from './matsuiInsider.js'
import { RECOVERY_ABUSE } from './recoveryAbuse.js'
import { SBI_2020 } from './sbi2020.js'
import { SESSION_THEFT } from './sessionTheft.js'
import type { Scenario } from './common.js'
import { WAVE_2025_PHISHING } from './wave2025Phishing.js'

export type { Scenario, ScenarioContext } from './common.js'

/** Every scenario: each seed incident as it happened, then its harder variants. */
export const SCENARIOS: readonly Scenario[] = Object.freeze([
  ...SBI_2020,
  ...MATSUI_INSIDER,
  ...WAVE_2025_PHISHING,
  ...CREDENTIAL_STUFFING,
  ...RECOVERY_ABUSE,
  ...SESSION_THEFT,
])

/** The scenarios `id` names: one exactly, or a whole family with its variants. Every one when `id` is undefined. */
export function selectScenarios(id: string | undefined): Scenario[] {
  if (id === undefined || id === 'all') return [...SCENARIOS]
  const picked = SCENARIOS.filter((s) => s.id === id || s.family === id)
  if (picked.length === 0) throw new TypeError(`no scenario ${JSON.stringify(id)}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`)
  return picked
}
