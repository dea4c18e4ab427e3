export { EmailCodeService, EMAIL_CODE_MAX_ATTEMPTS } from './EmailCodeService.js'
export type { EmailCodeServiceOptions, IssueEmailCode, IssuedEmailCode, VerifyEmailCode } from './EmailCodeService.js'
