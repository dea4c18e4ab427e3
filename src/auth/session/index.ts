export { SessionService, sessionHashOf } from './SessionService.js'
export type { NewSession, ResolvedSession, SessionServiceOptions } from './SessionService.js'
