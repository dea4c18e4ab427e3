export { ARGON2_PARAMS, hashPassword, passwordNeedsRehash } from './hashPassword.js'
export { verifyPassword } from './verifyPassword.js'
export { dummyVerify } from './dummyVerify.js'
export { PASSWORD_MAX_CODE_POINTS } from './passwordBytes.js'
