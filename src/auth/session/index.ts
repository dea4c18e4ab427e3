export { SessionService, sessionHashOf } from './SessionService.js'
export type {
  CreateSessionOptions,
  NewSession,
  ResolvedSession,
  RotateOptions,
  SessionKind,
  SessionServiceOptions,
} from './SessionService.js'
