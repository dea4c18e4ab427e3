export { OPERATIONS, isOperation } from './operations.js'
export type { Operation } from './operations.js'
