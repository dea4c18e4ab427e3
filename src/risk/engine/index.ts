/** The risk decision (C-4): one `decide` for every operation, its options, and how it scores. */
export { INPUT_MAX_POINTS, RiskEngine } from './RiskEngine.js'
export type { RiskEngineParts } from './RiskEngine.js'
export { OUTCOMES, outcomeStrength, stricterOutcome } from './Decision.js'
export type { Decision, DecisionReason, DecisionSource, Outcome } from './Decision.js'
export {
  DEFAULT_SEVERITY_POINTS,
  DEFAULT_THRESHOLDS,
  LOGIN_ACTIONS,
  outcomeForScore,
  parseEngineOptions,
  profileFor,
} from './EngineOptions.js'
export type {
  EngineOptions,
  FailClosedOutcome,
  ResolvedEngineOptions,
  ResolvedProfile,
  ThresholdKey,
  ThresholdProfile,
} from './EngineOptions.js'
export { INPUT_PROBLEM_POINTS, inspectEvent } from './inspectEvent.js'
export type { InputProblem, InputProblemId, InspectedEvent } from './inspectEvent.js'
export {
  RBA_MAX_POINTS,
  RBA_NO_HISTORY_POINTS,
  RBA_NOVELTY_POINTS,
  RBA_SCORE_BANDS,
  rbaFeaturesOf,
  rbaPoints,
} from './rbaPoints.js'
export type { RbaPoints } from './rbaPoints.js'
