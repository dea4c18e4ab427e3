import { describe, expect, it } from 'vitest'
import { isKana, kanaNamesMatch, normalizeKanaName } from './kana.js'

describe('normalizeKanaName', () => {
  it('turns half-width katakana into full-width, composing voiced marks', () => {
    expect(normalizeKanaName('ｻﾄｳ ｼﾖｳﾀ')).toBe('サトウシヨウタ')
    expect(normalizeKanaName('ﾌﾞﾗｳﾝ')).toBe('ブラウン')
    expect(normalizeKanaName('ﾊﾟﾝ')).toBe('パン')
  })

  it('turns hiragana into katakana', () => {
    expect(normalizeKanaName('すずき　はなこ')).toBe('スズキハナコ')
    expect(normalizeKanaName('ゔぃ')).toBe('ヴイ')
  })

  it('removes ASCII and ideographic spaces, middle dots and commas', () => {
    expect(normalizeKanaName(' タナカ\u3000 ケン イチ ')).toBe('タナカケンイチ')
    expect(normalizeKanaName('スミス・ジョン')).toBe('スミスジヨン')
    expect(normalizeKanaName('ｽﾐｽ･ｼﾞﾖﾝ')).toBe('スミスジヨン')
    expect(normalizeKanaName('タナカ、ケン,イチ')).toBe('タナカケンイチ')
  })

  it('turns every small kana into its large form', () => {
    expect(normalizeKanaName('ァィゥェォッャュョヮヵヶ')).toBe('アイウエオツヤユヨワカケ')
    expect(normalizeKanaName('ぁぃぅぇぉっゃゅょゎゕゖ')).toBe('アイウエオツヤユヨワカケ')
  })

  it('unifies long-vowel variants to ー', () => {
    for (const mark of ['ー', 'ｰ', '-', '－', '‐', '−', '—', '―']) {
      expect(normalizeKanaName(`ル${mark}ク`)).toBe('ルーク')
    }
  })

  it('composes a spaced voiced mark with the kana before it', () => {
    expect(normalizeKanaName('カ゛ワ')).toBe('ガワ')
  })
})

describe('kanaNamesMatch', () => {
  it('matches a half-width bank record with the full-width name', () => {
    expect(kanaNamesMatch('ｻﾄｳ ｼﾖｳﾀ', 'サトウ　ショウタ')).toBe(true)
  })

  it('matches hiragana with katakana', () => {
    expect(kanaNamesMatch('さとう しょうた', 'サトウ　ショウタ')).toBe(true)
  })

  it('matches with and without the space between family and given name', () => {
    expect(kanaNamesMatch('サトウショウタ', 'サトウ ショウタ')).toBe(true)
  })

  it('matches small kana with large kana', () => {
    expect(kanaNamesMatch('キョウコ', 'キヨウコ')).toBe(true)
  })

  it('does not match a different name', () => {
    expect(kanaNamesMatch('サトウ ショウタ', 'サトウ ショウジ')).toBe(false)
    expect(kanaNamesMatch('サトウ ショウタ', 'サイトウ ショウタ')).toBe(false)
  })

  it('does not treat voiced and unvoiced kana as the same', () => {
    expect(kanaNamesMatch('ｻﾄｳ', 'ｻﾄﾞｳ')).toBe(false)
    expect(kanaNamesMatch('ハナ', 'パナ')).toBe(false)
  })

  it('never matches two empty or non-kana strings', () => {
    expect(kanaNamesMatch('', '')).toBe(false)
    expect(kanaNamesMatch(' \u3000', '')).toBe(false)
    expect(kanaNamesMatch('SATO', 'SATO')).toBe(false)
    expect(kanaNamesMatch('佐藤', '佐藤')).toBe(false)
    expect(kanaNamesMatch('・', 'ー')).toBe(false)
  })
})

describe('isKana', () => {
  it('accepts full-width, half-width and hiragana names with spaces and long vowels', () => {
    expect(isKana('サトウ　ショウタ')).toBe(true)
    expect(isKana('ｻﾄｳ ｼﾖｳﾀ')).toBe(true)
    expect(isKana(' すずき はなこ ')).toBe(true)
    expect(isKana('ルーク')).toBe(true)
    expect(isKana('ﾙ-ｸ')).toBe(true)
    expect(isKana('スミス・ジョン')).toBe(true)
  })

  it('rejects empty and blank input', () => {
    expect(isKana('')).toBe(false)
    expect(isKana('  \u3000 ')).toBe(false)
  })

  it('rejects latin letters, kanji, digits and marks without a kana letter', () => {
    expect(isKana('Sato Shota')).toBe(false)
    expect(isKana('ＳＡＴＯ')).toBe(false)
    expect(isKana('佐藤 翔太')).toBe(false)
    expect(isKana('サトウ1')).toBe(false)
    expect(isKana('ーー')).toBe(false)
    expect(isKana('サトウ\tショウタ')).toBe(false)
  })
})
