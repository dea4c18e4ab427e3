export { AuthFlows, flowHashOf } from './AuthFlows.js'
export type { AuthFlow, NewFlow } from './AuthFlows.js'
