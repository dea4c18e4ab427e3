export {
  ACCESS_ACTIONS,
  ACCESS_OUTCOMES,
  enrichAccess,
  hashLoginId,
  isAccessAction,
  isAccessOutcome,
} from './AccessEvent.js'
export type {
  AccessAction,
  AccessDetail,
  AccessDeviceType,
  AccessEvent,
  AccessInput,
  AccessOutcome,
} from './AccessEvent.js'
export { AccessLog, accessEventFromRow } from './AccessLog.js'
export type { AccessLogOptions, AccessLogStats, AccessOrigin, OriginCustomer } from './AccessLog.js'
