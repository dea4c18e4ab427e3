/** Account types a Zengin transfer can credit: 普通 (ordinary), 当座 (current), 貯蓄 (savings). */
export const BANK_ACCOUNT_TYPES = Object.freeze(['ordinary', 'current', 'savings'] as const)

/** One of {@link BANK_ACCOUNT_TYPES}. */
export type BankAccountType = (typeof BANK_ACCOUNT_TYPES)[number]

/** A domestic bank account as a customer enters it. */
export interface BankAccountInput {
  bankCode: string
  branchCode: string
  accountType: string
  accountNumber: string
}

/** The result of {@link validateBankAccount}: ok, or the first field that is wrong and why. */
export type BankAccountValidation =
  | { ok: true }
  | { ok: false; field: keyof BankAccountInput; reason: string }

// ASCII only: `\d` with the u flag would also accept full-width and other scripts' digits.
const DIGITS: Readonly<Record<'bankCode' | 'branchCode' | 'accountNumber', RegExp>> = Object.freeze({
  bankCode: /^[0-9]{4}$/,
  branchCode: /^[0-9]{3}$/,
  accountNumber: /^[0-9]{7}$/,
})

const LENGTHS = Object.freeze({ bankCode: 4, branchCode: 3, accountNumber: 7 })

/**
 * Checks the Zengin format of a bank account: a 4-digit bank code, a 3-digit branch code, a
 * 7-digit account number (ASCII digits, leading zeros kept) and a known account type. Format only:
 * it does not say the account exists or whose it is.
 */
export function validateBankAccount(input: BankAccountInput): BankAccountValidation {
  for (const field of ['bankCode', 'branchCode'] as const) {
    const failure = checkDigits(input, field)
    if (failure !== undefined) return failure
  }
  if (!(BANK_ACCOUNT_TYPES as readonly unknown[]).includes(input.accountType)) {
    return { ok: false, field: 'accountType', reason: `must be one of ${BANK_ACCOUNT_TYPES.join(', ')}` }
  }
  return checkDigits(input, 'accountNumber') ?? { ok: true }
}

function checkDigits(
  input: BankAccountInput,
  field: 'bankCode' | 'branchCode' | 'accountNumber',
): BankAccountValidation | undefined {
  const value: unknown = input[field]
  // A regex test would coerce a number (1234) to "1234" and pass it.
  if (typeof value !== 'string' || !DIGITS[field].test(value)) {
    return { ok: false, field, reason: `must be exactly ${LENGTHS[field]} ASCII digits` }
  }
  return undefined
}
