export {
  ACCESS_ACTIONS,
  ACCESS_OUTCOMES,
  accessEventId,
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
export { ACCESS_EVENT_COLUMNS, AccessLog, accessEventFromRow } from './AccessLog.js'
export type { AccessLogListener, AccessLogOptions, AccessLogStats, AccessOrigin, OriginCustomer } from './AccessLog.js'
export { AccessHistoryCache } from './AccessHistoryCache.js'
export type { AccessHistoryCacheOptions, AccessHistoryCacheStats, WarmOptions, WarmResult } from './AccessHistoryCache.js'
