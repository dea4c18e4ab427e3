export {
  ARGON2_PARAMS,
  PASSWORD_MAX_CODE_POINTS,
  dummyVerify,
  hashPassword,
  passwordNeedsRehash,
  verifyPassword,
} from './password/index.js'
export { SessionService, sessionHashOf } from './session/index.js'
export type { NewSession, ResolvedSession, SessionServiceOptions } from './session/index.js'
export { OPERATIONS, isOperation } from './policy/index.js'
export type { Operation } from './policy/index.js'
