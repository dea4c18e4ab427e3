import { describe, expect, it } from 'vitest'
import { isMamoriError } from '../../errors/index.js'
import { checkNewPassword, isCommonPassword } from './index.js'

const rule = (fn: () => void): unknown => {
  try {
    fn()
    return undefined
  } catch (err) {
    return isMamoriError(err, 'PASSWORD_REJECTED') ? err.details?.rule : err
  }
}

describe('new password rules', () => {
  it('refuses passwords from the common/breached list, whatever their case', () => {
    expect(isCommonPassword('password')).toBe(true)
    expect(isCommonPassword('PassWord')).toBe(true)
    expect(isCommonPassword('qwerty123')).toBe(true)
    expect(rule(() => checkNewPassword('iloveyou', { loginId: 'x' }))).toBe('common')
  })

  it('accepts long passphrases with symbols and Japanese text without composition rules', () => {
    expect(rule(() => checkNewPassword('correct horse battery staple', { loginId: 'x' }))).toBeUndefined()
    expect(rule(() => checkNewPassword('株価は上がる!? 2025年 ~守り~', { loginId: 'x' }))).toBeUndefined()
    expect(rule(() => checkNewPassword('a'.repeat(200) + '🔐', { loginId: 'x' }))).toBeUndefined()
  })

  it('refuses a password shorter than 8 characters, the login ID, and the other password', () => {
    expect(rule(() => checkNewPassword('Zq8#', { loginId: 'x' }))).toBe('too_short')
    expect(rule(() => checkNewPassword('yamada-taro-77', { loginId: 'YAMADA-TARO-77' }))).toBe('login_id')
    expect(rule(() => checkNewPassword('same passphrase here', { loginId: 'x', otherPassword: 'same passphrase here' }))).toBe(
      'same_as_other',
    )
  })
})
