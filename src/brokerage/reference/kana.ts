/**
 * Japanese banks record the account holder in half-width katakana under the Zengin character set,
 * which has no small kana and no long-vowel mark (サトウ ショウタ is held as ｻﾄｳ ｼﾖｳﾀ, ブラウン as
 * ﾌﾞﾗｳﾝ, ー often as -). Comparing a destination's holder with the customer's kana name must
 * therefore ignore those spelling differences, and nothing else.
 */

// Zengin has no small kana, so ショウタ and シヨウタ are the same holder.
const SMALL_TO_LARGE: Readonly<Record<string, string>> = Object.freeze({
  ァ: 'ア',
  ィ: 'イ',
  ゥ: 'ウ',
  ェ: 'エ',
  ォ: 'オ',
  ッ: 'ツ',
  ャ: 'ヤ',
  ュ: 'ユ',
  ョ: 'ヨ',
  ヮ: 'ワ',
  ヵ: 'カ',
  ヶ: 'ケ',
})

const HIRAGANA = /[\u3041-\u3096\u309d\u309e]/gu
const SMALL_KANA = /[ァィゥェォッャュョヮヵヶ]/gu
// After NFKC: hyphen-minus, U+2010..U+2015 hyphens and dashes, minus sign, and ー itself
// (half-width ｰ and full-width － have already become ー and -).
const LONG_VOWELS = /[-\u2010-\u2015\u2212\u30fc]/gu
// Whitespace (U+3000 included), middle dots and commas as they appear after NFKC.
const SEPARATORS = /[\s\u00b7\u30fb,\u3001]/gu

const KANA_LETTER = /[\u3041-\u3096\u30a1-\u30fa]/u
const KANA_NAME = /^[\u3041-\u3096\u3099\u309a\u309d\u309e\u30a1-\u30fe\-\u2010-\u2015\u2212 ]+$/u

/**
 * The comparable form of a kana name: NFKC (half-width katakana become full-width), hiragana
 * become katakana, spaces, middle dots and commas are removed, small kana become large, and every
 * long-vowel variant (ー, -, ‐, −, ...) becomes ー. Only for comparison and storage of the
 * comparable form; show the customer what they typed.
 */
export function normalizeKanaName(input: string): string {
  return (
    input
      .normalize('NFKC')
      .replace(HIRAGANA, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60))
      .replace(SMALL_KANA, (c) => SMALL_TO_LARGE[c] ?? c)
      .replace(LONG_VOWELS, 'ー')
      .replace(SEPARATORS, '')
      // NFKC turns a spaced dakuten (カ゛) into space + combining mark; once the space is gone
      // the mark can compose (ガ).
      .normalize('NFC')
  )
}

/**
 * True when `input`, trimmed, is non-empty and written only in katakana (full- or half-width),
 * hiragana, long-vowel marks, the katakana middle dot and spaces, with at least one kana letter.
 */
export function isKana(input: string): boolean {
  const text = input.trim().normalize('NFKC')
  return text !== '' && KANA_NAME.test(text) && KANA_LETTER.test(text)
}

/**
 * True when both names are kana names (see {@link isKana}) that normalize to the same string.
 * Fails closed: two empty or non-kana strings never match, whatever they contain.
 */
export function kanaNamesMatch(a: string, b: string): boolean {
  return isKana(a) && isKana(b) && normalizeKanaName(a) === normalizeKanaName(b)
}
