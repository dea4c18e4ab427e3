export { DeviceService } from './DeviceService.js'
export type { DeviceServiceOptions, DeviceRecord, IdentifiedDevice } from './DeviceService.js'
export { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_SECONDS, deviceCookieOptions } from './deviceCookie.js'
export type { DeviceCookieOptions } from './deviceCookie.js'
