export type { Mailer, MailMessage } from './Mailer.js'
export { assertNoLinks, findLink, quoteUntrusted } from './assertNoLinks.js'
export { assertMailMessage } from './assertMailMessage.js'
export { SmtpMailer } from './SmtpMailer.js'
export type { SmtpMailerOptions } from './SmtpMailer.js'
export { OutboxMailer, listOutbox } from './OutboxMailer.js'
export type { OutboxEntry, OutboxMailerOptions } from './OutboxMailer.js'
export { createMailer } from './createMailer.js'
export {
  EMAIL_CODE_PURPOSES,
  isEmailCodePurpose,
  codeMail,
  loginCodeMail,
  deviceAddCodeMail,
  recoveryCodeMail,
  unlockCodeMail,
  stepUpCodeMail,
  newDeviceNotice,
  factorChangedNotice,
  contactChangedNotice,
  passwordChangedNotice,
  recoveryStartedNotice,
  destinationChangedNotice,
  withdrawalNotice,
  settingChangedNotice,
  newEnvironmentLoginNotice,
  operationHeldNotice,
  accountFrozenNotice,
  loginRefusedNotice,
  accountUnderReviewNotice,
} from './templates.js'
export type { EmailCodePurpose, MailContent, NoticeFactor, NoticeSetting, NoticeOrigin, HeldNoticeOperation } from './templates.js'
