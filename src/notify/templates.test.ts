import { describe, expect, it } from 'vitest'
import {
  EMAIL_CODE_PURPOSES,
  assertMailMessage,
  codeMail,
  contactChangedNotice,
  factorChangedNotice,
  findLink,
  newDeviceNotice,
  passwordChangedNotice,
  recoveryStartedNotice,
  settingChangedNotice,
  type MailContent,
  type NoticeSetting,
} from './index.js'

const AT = Date.UTC(2025, 9, 15, 9, 5, 0) // 18:05 in Tokyo
const TEN_MINUTES = 600_000

const ALL: readonly MailContent[] = [
  ...EMAIL_CODE_PURPOSES.map((p) => codeMail(p, '012345', TEN_MINUTES)),
  newDeviceNotice({ at: AT, deviceLabel: 'Chrome on Windows' }),
  factorChangedNotice({ at: AT, factor: 'passkey', change: 'added' }),
  factorChangedNotice({ at: AT, factor: 'totp', change: 'removed' }),
  contactChangedNotice({ at: AT }),
  passwordChangedNotice({ at: AT, which: 'login' }),
  passwordChangedNotice({ at: AT, which: 'trading' }),
  recoveryStartedNotice({ at: AT, coolingUntil: AT + 72 * 3_600_000 }),
  ...(
    [
      'account_unlocked',
      'login_lock_on',
      'login_lock_off',
      'registered_devices_only_on',
      'registered_devices_only_off',
      'devices_removed',
    ] as const satisfies readonly NoticeSetting[]
  ).map((setting) => settingChangedNotice({ at: AT, setting })),
]

describe('mail templates', () => {
  it.each(ALL.map((m) => ({ kind: m.kind, m })))('$kind has no link and is a sendable message', ({ m }) => {
    expect(findLink(m.subject)).toBeUndefined()
    expect(findLink(m.text)).toBeUndefined()
    expect(() => assertMailMessage({ to: 'taro@example.jp', ...m })).not.toThrow()
  })

  it.each(ALL.map((m) => ({ kind: m.kind, m })))('$kind is written in Japanese and English', ({ m }) => {
    expect(m.subject).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
    expect(m.subject).toMatch(/[A-Za-z]{4,}/)
    expect(m.text).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
    expect(m.text).toContain('This e-mail contains no links.')
    expect(m.text).toContain('このメールにはリンクを記載していません。')
  })

  it('puts the code and its lifetime in both languages and says what it is for', () => {
    const m = codeMail('device_add', '012345', TEN_MINUTES)
    expect(m.kind).toBe('code.device_add')
    expect(m.text.match(/012345/g)).toHaveLength(2)
    expect(m.text).toContain('有効期限は10分です。')
    expect(m.text).toContain('It expires in 10 minutes.')
    expect(m.text).toContain('new device')
    expect(m.subject).not.toContain('012345')
  })

  it('shows times in Japan Standard Time', () => {
    const m = contactChangedNotice({ at: AT })
    expect(m.text).toContain('2025年10月15日 18:05（日本時間）')
    expect(m.text).toContain('2025-10-15 18:05 JST')
  })

  it('quotes an attacker-chosen device label without letting a link through', () => {
    const m = newDeviceNotice({ at: AT, deviceLabel: 'Support: visit mamori-help.example/verify\nnow' })
    expect(findLink(m.text)).toBeUndefined()
    expect(m.text).not.toContain('mamori-help')
  })

  it('refuses codes that are not six digits', () => {
    expect(() => codeMail('login', '12345', TEN_MINUTES)).toThrow(TypeError)
    expect(() => codeMail('login', 'https://x', TEN_MINUTES)).toThrow(TypeError)
  })
})
