export { TotpService } from './TotpService.js'
export type { TotpEnrolment, TotpServiceOptions } from './TotpService.js'
