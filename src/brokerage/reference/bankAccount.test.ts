import { describe, expect, it } from 'vitest'
import { validateBankAccount, type BankAccountInput } from './bankAccount.js'

const valid: BankAccountInput = {
  bankCode: '0001',
  branchCode: '001',
  accountType: 'ordinary',
  accountNumber: '0123456',
}

describe('validateBankAccount', () => {
  it('accepts a Zengin-format account of each type, leading zeros kept', () => {
    for (const accountType of ['ordinary', 'current', 'savings']) {
      expect(validateBankAccount({ ...valid, accountType })).toEqual({ ok: true })
    }
  })

  it.each([
    ['bankCode', '001'],
    ['bankCode', '00011'],
    ['bankCode', '０００１'],
    ['bankCode', '00a1'],
    ['bankCode', ''],
    ['branchCode', '01'],
    ['branchCode', '0012'],
    ['branchCode', ' 01'],
    ['accountNumber', '123456'],
    ['accountNumber', '12345678'],
    ['accountNumber', '123-456'],
    ['accountNumber', '１２３４５６７'],
    ['accountNumber', '123456\n'],
  ] as const)('rejects %s %j', (field, value) => {
    const result = validateBankAccount({ ...valid, [field]: value })
    expect(result).toMatchObject({ ok: false, field })
  })

  it('rejects an unknown account type', () => {
    for (const accountType of ['', 'Ordinary', 'checking', '普通']) {
      expect(validateBankAccount({ ...valid, accountType })).toMatchObject({ ok: false, field: 'accountType' })
    }
  })

  it('rejects a number where a digit string is required', () => {
    const input = { ...valid, bankCode: 1234 } as unknown as BankAccountInput
    expect(validateBankAccount(input)).toMatchObject({ ok: false, field: 'bankCode' })
  })

  it('reports the first wrong field in bank, branch, type, number order', () => {
    const result = validateBankAccount({ bankCode: 'x', branchCode: 'x', accountType: 'x', accountNumber: 'x' })
    expect(result).toMatchObject({ ok: false, field: 'bankCode' })
    const rest = validateBankAccount({ ...valid, accountType: 'x', accountNumber: 'x' })
    expect(rest).toMatchObject({ ok: false, field: 'accountType' })
  })
})
