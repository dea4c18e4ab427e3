import { quoteUntrusted } from './assertNoLinks.js'

/*
 * Every message Mamori e-mails, in Japanese then English, plain text. None carries a link: each
 * tells the customer to open the app or their own bookmark themselves (seed 003 was a phishing
 * e-mail with a look-alike login link). Codes say what they are for, so a customer being phished
 * for a device-registration code reads "a new device is being registered" rather than a bare number.
 */

/** The subject, body and kind of one message; add `to` (and `customerId`) to make a MailMessage. */
export interface MailContent {
  kind: string
  subject: string
  text: string
}

/** What an e-mailed one-time code may be for (B-4, B-6, B-7, B-10, B-11). */
export const EMAIL_CODE_PURPOSES = ['login', 'device_add', 'recovery', 'unlock', 'step_up'] as const
export type EmailCodePurpose = (typeof EMAIL_CODE_PURPOSES)[number]

/** True when `value` is one of EMAIL_CODE_PURPOSES. */
export function isEmailCodePurpose(value: unknown): value is EmailCodePurpose {
  return typeof value === 'string' && (EMAIL_CODE_PURPOSES as readonly string[]).includes(value)
}

/** The authentication factors a notice can name. */
export type NoticeFactor = 'passkey' | 'totp' | 'phone_app' | 'email'

const BRAND_JA = '【Mamori証券】'
const BRAND_EN = '[Mamori Securities]'
const RULE = '----------------------------------------'

const FOOTER_JA = [
  'このメールにはリンクを記載していません。当社がメールでリンクを送り、ログインやパスワード・暗証番号の入力を求めることはありません。',
  '当社サイトは、ご自身で登録したブックマークまたは公式アプリから開いてください。',
]
const FOOTER_EN = [
  'This e-mail contains no links. We never send links asking you to log in or to enter a password or PIN.',
  'Open our site only from your own bookmark or from our official app.',
]

const NOT_YOU_JA =
  'お心当たりがない場合は、ご自身のブックマークまたは公式アプリから当社サイトを開いてパスワードを変更し、お問い合わせ窓口へご連絡ください。'
const NOT_YOU_EN =
  'If this was not you, open our site from your own bookmark or our official app, change your password and contact our support desk.'

/** Japan Standard Time, which has no daylight saving: UTC+9 all year. */
function jst(ms: number): { ja: string; en: string } {
  if (!Number.isSafeInteger(ms)) throw new TypeError('time must be epoch milliseconds')
  const iso = new Date(ms + 9 * 3_600_000).toISOString()
  const [y, mo, d, h, mi] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16)]
  return { ja: `${y}年${Number(mo)}月${Number(d)}日 ${h}:${mi}（日本時間）`, en: `${y}-${mo}-${d} ${h}:${mi} JST` }
}

function minutes(ttlMs: number): number {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new TypeError('ttlMs must be a positive integer')
  return Math.max(1, Math.floor(ttlMs / 60_000))
}

function compose(kind: string, subjectJa: string, subjectEn: string, ja: string[], en: string[]): MailContent {
  return {
    kind,
    subject: `${BRAND_JA}${subjectJa} / ${BRAND_EN} ${subjectEn}`,
    text: [...ja, '', ...FOOTER_JA, '', RULE, '', ...en, '', ...FOOTER_EN, ''].join('\n'),
  }
}

function assertCode(code: string): void {
  if (typeof code !== 'string' || !/^[0-9]{6}$/.test(code)) throw new TypeError('code must be six digits')
}

const CODE_TEXT: Readonly<
  Record<EmailCodePurpose, { subjectJa: string; subjectEn: string; whatJa: string; whatEn: string; warnJa: string; warnEn: string }>
> = {
  login: {
    subjectJa: 'ログイン確認コード',
    subjectEn: 'Login confirmation code',
    whatJa: 'ログインの確認コード',
    whatEn: 'Your login confirmation code',
    warnJa: 'ログイン画面にご自身で入力してください。',
    warnEn: 'Type it yourself into the login screen where you asked for it.',
  },
  device_add: {
    subjectJa: '新しい端末の登録確認コード',
    subjectEn: 'Code to register a new device',
    whatJa: '新しい端末を登録するための確認コード',
    whatEn: 'Your code to register a new device',
    warnJa:
      'お客さまの口座に新しい端末を登録しようとしています。ご自身の操作でない場合、第三者がパスワードを知っている可能性があります。コードは入力せず、誰にも伝えないでください。',
    warnEn:
      'Someone is registering a new device to your account. If it is not you, your password may be known to someone else: do not enter this code and do not give it to anyone.',
  },
  recovery: {
    subjectJa: 'アカウント回復コード',
    subjectEn: 'Account recovery code',
    whatJa: 'アカウント回復（認証手段の再設定）のためのコード',
    whatEn: 'Your code to recover your account (reset your sign-in methods)',
    warnJa: '回復後しばらくの間、お客さま保護のため出金と出金先口座の変更を停止します。',
    warnEn: 'After recovery, withdrawals and changes to withdrawal bank accounts are paused for a while to protect you.',
  },
  unlock: {
    subjectJa: 'ロック解除コード',
    subjectEn: 'Account unlock code',
    whatJa: 'ロックされた口座を解除するためのコード',
    whatEn: 'Your code to unlock your account',
    warnJa: '口座は連続したログイン失敗によりロックされています。ご自身の操作でない場合は、コードを入力せずパスワードを変更してください。',
    warnEn: 'Your account was locked after repeated failed logins. If that was not you, do not use this code; change your password.',
  },
  step_up: {
    subjectJa: '本人確認コード',
    subjectEn: 'Identity confirmation code',
    whatJa: 'お取引・お手続きの本人確認コード',
    whatEn: 'Your code to confirm a transaction or a change',
    warnJa: 'ご自身で操作中の画面に入力してください。',
    warnEn: 'Type it yourself into the screen you are using.',
  },
}

/** The e-mail carrying a one-time code for `purpose`. */
export function codeMail(purpose: EmailCodePurpose, code: string, ttlMs: number): MailContent {
  assertCode(code)
  const t = CODE_TEXT[purpose]
  if (t === undefined) throw new TypeError(`unknown code purpose ${String(purpose)}`)
  const m = minutes(ttlMs)
  return compose(
    `code.${purpose}`,
    t.subjectJa,
    t.subjectEn,
    [
      `${t.whatJa}：${code}`,
      '',
      `有効期限は${m}分です。${t.warnJa}`,
      '当社の社員がこのコードをお尋ねすることはありません。誰にも教えないでください。',
      'お心当たりがない場合は、このコードを入力しないでください。',
    ],
    [
      `${t.whatEn}: ${code}`,
      '',
      `It expires in ${m} minutes. ${t.warnEn}`,
      'Our staff will never ask you for this code. Do not share it with anyone.',
      'If you did not ask for it, do not enter it anywhere.',
    ],
  )
}

/** Login confirmation code (B-4). */
export function loginCodeMail(code: string, ttlMs: number): MailContent {
  return codeMail('login', code, ttlMs)
}

/** Confirmation that a new device may be registered, sent to the registered contact (B-7). */
export function deviceAddCodeMail(code: string, ttlMs: number): MailContent {
  return codeMail('device_add', code, ttlMs)
}

/** Recovery code to the registered contact (B-11). */
export function recoveryCodeMail(code: string, ttlMs: number): MailContent {
  return codeMail('recovery', code, ttlMs)
}

/** Unlock after an automatic lock, as part of identity re-verification (B-10). */
export function unlockCodeMail(code: string, ttlMs: number): MailContent {
  return codeMail('unlock', code, ttlMs)
}

/** Step-up confirmation for an operation, where the policy allows e-mail codes (B-8). */
export function stepUpCodeMail(code: string, ttlMs: number): MailContent {
  return codeMail('step_up', code, ttlMs)
}

/** A new device was registered (B-7). `deviceLabel` is untrusted and quoted safely. */
export function newDeviceNotice(input: { at: number; deviceLabel: string }): MailContent {
  const at = jst(input.at)
  const label = quoteUntrusted(input.deviceLabel)
  return compose(
    'notice.new_device',
    '新しい端末が登録されました',
    'A new device was registered',
    [`${at.ja}、お客さまの口座に新しい端末「${label}」が登録されました。`, '', NOT_YOU_JA],
    [`A new device, "${label}", was registered to your account at ${at.en}.`, '', NOT_YOU_EN],
  )
}

const FACTOR_NAMES: Readonly<Record<NoticeFactor, { ja: string; en: string }>> = {
  passkey: { ja: 'パスキー', en: 'a passkey' },
  totp: { ja: '認証アプリ（ワンタイムパスワード）', en: 'an authenticator app' },
  phone_app: { ja: 'スマートフォンアプリによる承認', en: 'phone-app approval' },
  email: { ja: 'メールによる確認コード', en: 'e-mail codes' },
}

/** A sign-in method was added or removed (B-8 factor change). */
export function factorChangedNotice(input: { at: number; factor: NoticeFactor; change: 'added' | 'removed' }): MailContent {
  const at = jst(input.at)
  const name = FACTOR_NAMES[input.factor]
  if (name === undefined) throw new TypeError(`unknown factor ${String(input.factor)}`)
  if (input.change !== 'added' && input.change !== 'removed') throw new TypeError('change must be added or removed')
  const added = input.change === 'added'
  return compose(
    'notice.factor_changed',
    '認証方法が変更されました',
    'Your sign-in methods changed',
    [`${at.ja}、ログインの認証方法「${name.ja}」が${added ? '追加' : '削除'}されました。`, '', NOT_YOU_JA],
    [`${added ? 'Added' : 'Removed'}: ${name.en}, as a way to sign in, at ${at.en}.`, '', NOT_YOU_EN],
  )
}

/**
 * The registered contact changed (B-8 contact change). Send it to the old address as well as the
 * new one: the old address is where the real customer still reads mail.
 */
export function contactChangedNotice(input: { at: number }): MailContent {
  const at = jst(input.at)
  return compose(
    'notice.contact_changed',
    '登録メールアドレスが変更されました',
    'Your registered e-mail address changed',
    [`${at.ja}、お客さまの登録メールアドレスが変更されました。`, '', NOT_YOU_JA],
    [`The e-mail address registered to your account was changed at ${at.en}.`, '', NOT_YOU_EN],
  )
}

/** The login or trading password changed (B-1, B-8 password change). */
export function passwordChangedNotice(input: { at: number; which: 'login' | 'trading' }): MailContent {
  const at = jst(input.at)
  if (input.which !== 'login' && input.which !== 'trading') throw new TypeError('which must be login or trading')
  const ja = input.which === 'login' ? 'ログインパスワード' : '取引パスワード'
  const en = input.which === 'login' ? 'login password' : 'trading password'
  return compose(
    'notice.password_changed',
    `${ja}が変更されました`,
    `Your ${en} changed`,
    [`${at.ja}、お客さまの${ja}が変更されました。`, '', NOT_YOU_JA],
    [`Your ${en} was changed at ${at.en}.`, '', NOT_YOU_EN],
  )
}

/** Recovery started: the cooling period freezes withdrawals and destination changes (B-11). */
export function recoveryStartedNotice(input: { at: number; coolingUntil: number }): MailContent {
  const at = jst(input.at)
  const until = jst(input.coolingUntil)
  return compose(
    'notice.recovery_started',
    'アカウント回復の手続きが開始されました',
    'Account recovery started',
    [
      `${at.ja}、お客さまの口座でアカウント回復（認証手段の再設定）の手続きが開始されました。`,
      `お客さま保護のため、${until.ja}まで出金と出金先口座の変更を停止します。`,
      '',
      NOT_YOU_JA,
    ],
    [
      `Account recovery (resetting your sign-in methods) started on your account at ${at.en}.`,
      `To protect you, withdrawals and changes to withdrawal bank accounts are paused until ${until.en}.`,
      '',
      NOT_YOU_EN,
    ],
  )
}

/** Account settings whose change the customer is told about (B-6, B-7, B-10). */
export type NoticeSetting =
  | 'account_unlocked'
  | 'login_lock_on'
  | 'login_lock_off'
  | 'registered_devices_only_on'
  | 'registered_devices_only_off'
  | 'devices_removed'

const SETTING_TEXT: Readonly<Record<NoticeSetting, { subjectJa: string; subjectEn: string; ja: string; en: string }>> = {
  account_unlocked: {
    subjectJa: '口座のロックが解除されました',
    subjectEn: 'Your account was unlocked',
    ja: '連続したログイン失敗による口座のロックが、本人確認のうえ解除されました。',
    en: 'The lock placed on your account after repeated failed logins was removed after identity verification.',
  },
  login_lock_on: {
    subjectJa: 'ログインロックが有効になりました',
    subjectEn: 'Login lock turned on',
    ja: 'ログインロックが有効になりました。ログインするには、登録済みのアプリで一時的にロックを解除してください。',
    en: 'Login lock was turned on. To log in, first unlock it for a moment from your registered app.',
  },
  login_lock_off: {
    subjectJa: 'ログインロックが無効になりました',
    subjectEn: 'Login lock turned off',
    ja: 'ログインロックが無効になりました。',
    en: 'Login lock was turned off.',
  },
  registered_devices_only_on: {
    subjectJa: '登録端末からのみログインできる設定になりました',
    subjectEn: 'Login now limited to registered devices',
    ja: '登録済みの端末からのみログインできる設定が有効になりました。',
    en: 'Login is now allowed only from your registered devices.',
  },
  registered_devices_only_off: {
    subjectJa: '登録端末以外からのログインが可能になりました',
    subjectEn: 'Login no longer limited to registered devices',
    ja: '登録済みの端末からのみログインできる設定が無効になりました。',
    en: 'Login is no longer limited to your registered devices.',
  },
  devices_removed: {
    subjectJa: '登録端末がすべて削除されました',
    subjectEn: 'All registered devices were removed',
    ja: 'お客さまの口座に登録されていた端末がすべて削除され、各端末のログイン状態も終了しました。',
    en: 'All devices registered to your account were removed and signed out.',
  },
}

/** A security setting changed: login lock, registered-devices-only, unlock, device removal. */
export function settingChangedNotice(input: { at: number; setting: NoticeSetting }): MailContent {
  const at = jst(input.at)
  const t = SETTING_TEXT[input.setting]
  if (t === undefined) throw new TypeError(`unknown setting ${String(input.setting)}`)
  return compose(
    'notice.setting_changed',
    t.subjectJa,
    t.subjectEn,
    [`${at.ja}、${t.ja}`, '', NOT_YOU_JA],
    [`${at.en}: ${t.en}`, '', NOT_YOU_EN],
  )
}

/** Masks an account number to its last three digits, e.g. ****567. */
function maskAccount(accountNumber: string): string {
  return `****${accountNumber.slice(-3)}`
}

/** A withdrawal destination was registered or removed (C-7; seed 000 began with one). */
export function destinationChangedNotice(input: {
  at: number
  change: 'added' | 'removed'
  bankCode: string
  branchCode: string
  accountNumber: string
  coolingUntil?: number
}): MailContent {
  const at = jst(input.at)
  const account = `${quoteUntrusted(input.bankCode, 4)}-${quoteUntrusted(input.branchCode, 3)} ${maskAccount(input.accountNumber)}`
  const added = input.change === 'added'
  const until = input.coolingUntil === undefined ? undefined : jst(input.coolingUntil)
  return compose(
    added ? 'notice.destination_added' : 'notice.destination_removed',
    added ? '出金先口座が登録されました' : '出金先口座が削除されました',
    added ? 'A withdrawal bank account was registered' : 'A withdrawal bank account was removed',
    [
      `${at.ja}、出金先口座（${account}）が${added ? '登録' : '削除'}されました。`,
      ...(added && until !== undefined ? [`お客さま保護のため、この口座への出金は${until.ja}以降に可能となります。`] : []),
      '',
      NOT_YOU_JA,
    ],
    [
      `A withdrawal bank account (${account}) was ${added ? 'registered' : 'removed'} at ${at.en}.`,
      ...(added && until !== undefined ? [`To protect you, money can be withdrawn to it from ${until.en}.`] : []),
      '',
      NOT_YOU_EN,
    ],
  )
}

/** A withdrawal was requested (C-7). */
export function withdrawalNotice(input: { at: number; amount: number; accountNumber: string; status: string }): MailContent {
  const at = jst(input.at)
  const yen = `${input.amount.toLocaleString('ja-JP')}円`
  const held = input.status === 'held'
  return compose(
    held ? 'notice.withdrawal_held' : 'notice.withdrawal',
    held ? '出金を確認のため保留しました' : '出金を受け付けました',
    held ? 'A withdrawal is on hold for review' : 'Withdrawal received',
    [
      `${at.ja}、${yen}の出金（出金先 ${maskAccount(input.accountNumber)}）を${held ? '確認のため保留しました' : '受け付けました'}。`,
      '',
      NOT_YOU_JA,
    ],
    [
      `A withdrawal of JPY ${input.amount.toLocaleString('en-US')} to ${maskAccount(input.accountNumber)} was ${held ? 'put on hold for review' : 'received'} at ${at.en}.`,
      '',
      NOT_YOU_EN,
    ],
  )
}

/** Where a login or operation came from, as a customer can check it: place, network, browser. */
export interface NoticeOrigin {
  readonly ip: string
  readonly network: string | null
  readonly country: string | null
  readonly city: string | null
  readonly browser: string | null
  readonly os: string | null
}

function originLines(o: NoticeOrigin): { ja: string[]; en: string[] } {
  const place = [o.city, o.country].filter((v): v is string => v !== null && v !== '').map((v) => quoteUntrusted(v, 60)).join(', ') || '不明 / unknown'
  const browser = [o.browser, o.os].filter((v): v is string => v !== null && v !== '').map((v) => quoteUntrusted(v, 60)).join(' / ') || '不明 / unknown'
  const network = o.network === null || o.network === '' ? '不明 / unknown' : quoteUntrusted(o.network, 80)
  const ip = quoteUntrusted(o.ip, 45)
  return {
    ja: [`IPアドレス: ${ip}`, `ネットワーク: ${network}`, `場所（推定）: ${place}`, `ブラウザ: ${browser}`],
    en: [`IP address: ${ip}`, `Network: ${network}`, `Location (estimated): ${place}`, `Browser: ${browser}`],
  }
}

/** A login from a device and network this customer has not used before (C-7). */
export function newEnvironmentLoginNotice(input: { at: number; origin: NoticeOrigin }): MailContent {
  const at = jst(input.at)
  const o = originLines(input.origin)
  return compose(
    'notice.login_new_environment',
    'いつもと異なる環境からログインがありました',
    'A login from a new device and network',
    [`${at.ja}、いつもと異なる端末・ネットワークからログインがありました。`, '', ...o.ja, '', NOT_YOU_JA],
    [`Your account was logged into from a device and network you have not used before at ${at.en}.`, '', ...o.en, '', NOT_YOU_EN],
  )
}

/** What kind of operation was held. */
export type HeldNoticeOperation = 'order' | 'destination_change' | 'withdrawal'

/** An operation was held for review by the broker (C-7 "held order"). */
export function operationHeldNotice(input: { at: number; operation: HeldNoticeOperation; summary: string }): MailContent {
  const at = jst(input.at)
  const what = {
    order: { ja: '注文', en: 'An order' },
    destination_change: { ja: '出金先口座の変更', en: 'A change of withdrawal bank account' },
    withdrawal: { ja: '出金', en: 'A withdrawal' },
  }[input.operation]
  const summary = quoteUntrusted(input.summary, 200)
  return compose(
    `notice.${input.operation}_held`,
    `${what.ja}を確認のため保留しました`,
    `${what.en} is on hold for review`,
    [`${at.ja}、${what.ja}（${summary}）をお客さま保護のため保留し、当社で確認しています。確認が終わるまで実行されません。`, '', NOT_YOU_JA],
    [`${what.en} (${summary}) made at ${at.en} is on hold while we check it, to protect you. It will not be carried out until the check is done.`, '', NOT_YOU_EN],
  )
}

/** The account was frozen by the risk engine or the broker (C-4). */
export function accountFrozenNotice(input: { at: number }): MailContent {
  const at = jst(input.at)
  return compose(
    'notice.account_frozen',
    'お客さまの口座を凍結しました',
    'Your account has been frozen',
    [`${at.ja}、不正利用の疑いがあるため、お客さまの口座での取引・出金・設定変更を停止し、すべてのログインを終了しました。`, '', NOT_YOU_JA],
    [`At ${at.en} we stopped trading, withdrawals and setting changes on your account and ended every login, because of suspected unauthorised use.`, '', NOT_YOU_EN],
  )
}

/**
 * The customer refused a login request on their phone app: whoever asked has the login password
 * (a phishing site, a reused password). Says to change it now, from the customer's own bookmark.
 */
export function loginRefusedNotice(input: { at: number }): MailContent {
  const at = jst(input.at)
  return compose(
    'notice.login_refused',
    'スマホアプリでログインを拒否されました：パスワードを変更してください',
    'You refused a login on your phone app: change your password',
    [
      `${at.ja}、お客さまがスマホアプリでログインの承認を拒否されました。ログインしようとした人は、お客さまのログインパスワードを知っています。`,
      'ご自身のブックマークまたは公式アプリから当社サイトを開き、今すぐパスワードを変更してください。他のサービスで同じパスワードをお使いの場合は、そちらも変更してください。',
      '',
      NOT_YOU_JA,
    ],
    [
      `At ${at.en} you refused a login request on your phone app. Whoever tried to log in knows your login password.`,
      'Open our site from your own bookmark or our official app and change your password now; change it on any other service where you use the same one.',
      '',
      NOT_YOU_EN,
    ],
  )
}

/**
 * The broker's security team is investigating the account (D-3). Says nothing about what was
 * found (the account may still be in an attacker's hands) and, like every notice, carries no link.
 */
export function accountUnderReviewNotice(input: { at: number }): MailContent {
  const at = jst(input.at)
  return compose(
    'notice.account_under_review',
    'お客さまの口座を当社セキュリティ担当が確認しています',
    'Your account is under review by our security team',
    [
      `${at.ja}より、お客さまの口座を当社のセキュリティ担当が確認しています。確認中は一部のお取引・出金・設定変更を停止することがあります。`,
      '当社から電話やメールでパスワード・暗証番号・認証コードをお尋ねすることはありません。',
      '',
      NOT_YOU_JA,
    ],
    [
      `Since ${at.en} our security team has been reviewing your account. While the review lasts, some trading, withdrawals and setting changes may be suspended.`,
      'We will never ask you for a password, PIN or authentication code by phone or e-mail.',
      '',
      NOT_YOU_EN,
    ],
  )
}
