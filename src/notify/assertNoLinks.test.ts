import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertNoLinks, findLink, quoteUntrusted } from './index.js'

const LINKS = [
  'https://mamori-securities.example/login',
  'http://example.com',
  'ログインはこちら https://evil.example',
  'hxxp://still-a-scheme',
  'ftp://files',
  'javascript://%0aalert(1)',
  'open www.example',
  'WWW.EXAMPLE.JP',
  'example.com/login',
  'visit example.com now',
  'example.comにアクセスしてください',
  'secure-login.mamori.co.jp',
  'taro@example.jp',
  'mailto:support',
  'tel:+81312345678',
  'data:text/html,hi',
  'https:\\\\evil.example',
  '203.0.113.5/login',
  '203.0.113.5:8443',
  'xn--eckwd4c7c.xn--zckzah',
  '例え.jp',
  // Full-width and ideographic look-alikes that mail clients and browsers still follow.
  'ｈｔｔｐｓ：／／ｅｖｉｌ．ｅｘａｍｐｌｅ',
  'ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ',
  'example。com',
  // Invisible characters splitting a domain.
  'exa\u200Bmple.com',
  'example\u00AD.com',
]

const PLAIN = [
  'ログイン確認コード：123456',
  'Your login confirmation code: 123456',
  '有効期限は10分です。ログイン画面にご自身で入力してください。',
  'It expires in 10 minutes. Type it yourself.',
  '2025-10-15 18:00 JST',
  '2025年10月15日 18:00（日本時間）',
  'e.g. a passkey, i.e. your phone',
  'Version 1.5, item No. 3, 3.14',
  'This e-mail contains no links.',
  'お心当たりがない場合は、公式アプリから当社サイトを開いてください。Mamori will never ask.',
]

describe('assertNoLinks', () => {
  it.each(LINKS)('rejects %j', (text) => {
    expect(() => assertNoLinks(text)).toThrow(TypeError)
    expect(findLink(text)).toBeDefined()
  })

  it.each(PLAIN)('accepts %j', (text) => {
    expect(() => assertNoLinks(text)).not.toThrow()
  })

  it('names the offending fragment so the template bug is easy to find', () => {
    expect(() => assertNoLinks('本文 example.com/x 本文')).toThrow(/example\.com/)
  })
})

describe('quoteUntrusted', () => {
  it('removes link-like parts from a device label an attacker chose', () => {
    const quoted = quoteUntrusted('Pixel 8 – evil.example/login')
    expect(quoted).not.toContain('evil')
    expect(() => assertNoLinks(quoted)).not.toThrow()
    expect(quoted).toContain('Pixel 8')
  })

  it('turns line breaks into spaces so a label cannot forge extra lines of the notice', () => {
    expect(quoteUntrusted('iPhone\r\n\r\nPlease call 03-0000-0000')).toBe('iPhone Please call 03-0000-0000')
  })

  it('cuts long values', () => {
    expect(Array.from(quoteUntrusted('あ'.repeat(100), 10))).toHaveLength(10)
  })

  it('always returns text that assertNoLinks accepts, whatever it is given', () => {
    const pieces = fc.constantFrom('http', 's', ':', '/', '//', '\\', '.', '。', '．', 'www', 'com', 'jp', 'example', 'ｗ', '@', ' ', '\u200B', '\n', '1', '203', 'xn--', 'a', 'テスト', 'mailto', 'cd5')
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), fc.integer({ min: 1, max: 40 }), (parts, max) => {
        const quoted = quoteUntrusted(parts.join(''), max)
        expect(findLink(quoted)).toBeUndefined()
      }),
      { numRuns: 2000 },
    )
  })
})
