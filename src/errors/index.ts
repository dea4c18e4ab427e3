export { ERROR_CODES, MamoriError, isMamoriError } from './MamoriError.js'
export type { ErrorCode } from './MamoriError.js'
