export { SessionService, sessionHashOf } from './SessionService.js'
export type {
  CreateSessionOptions,
  NewSession,
  ResolvedSession,
  SessionKind,
  SessionServiceOptions,
} from './SessionService.js'
