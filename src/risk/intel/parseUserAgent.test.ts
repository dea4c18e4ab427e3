import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_USER_AGENT_LENGTH, parseUserAgent } from './parseUserAgent.js'

// Real User-Agent headers as sent by current browsers and tools.
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1'
const CHROME_ANDROID =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36'
const SAFARI_IPAD =
  'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1'
const SAFARI_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15'
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'

describe('parseUserAgent', () => {
  it('reads Chrome on Windows as a desktop', () => {
    expect(parseUserAgent(CHROME_WINDOWS)).toEqual({
      raw: CHROME_WINDOWS,
      browser: 'Chrome 124',
      os: 'Windows 10',
      deviceType: 'desktop',
      known: true,
    })
  })

  it('reads Safari on an iPhone as mobile', () => {
    expect(parseUserAgent(SAFARI_IPHONE)).toEqual({
      raw: SAFARI_IPHONE,
      browser: 'Mobile Safari 17',
      os: 'iOS 17.4',
      deviceType: 'mobile',
      known: true,
    })
  })

  it('reads Chrome on Android as mobile', () => {
    expect(parseUserAgent(CHROME_ANDROID)).toMatchObject({
      browser: 'Chrome 124',
      os: 'Android 10',
      deviceType: 'mobile',
      known: true,
    })
  })

  it('reads an iPad as a tablet and Safari on a Mac and Firefox on Linux as desktops', () => {
    expect(parseUserAgent(SAFARI_IPAD)).toMatchObject({ deviceType: 'tablet', os: 'iOS 17.4' })
    expect(parseUserAgent(SAFARI_MAC)).toMatchObject({
      browser: 'Safari 17',
      os: 'Mac OS 10.15',
      deviceType: 'desktop',
    })
    expect(parseUserAgent(FIREFOX_LINUX)).toMatchObject({
      browser: 'Firefox 125',
      os: 'Linux',
      deviceType: 'desktop',
    })
  })

  it('does not recognise curl or a script as a browser', () => {
    expect(parseUserAgent('curl/8.4.0')).toEqual({
      raw: 'curl/8.4.0',
      browser: null,
      os: null,
      deviceType: 'other',
      known: false,
    })
    expect(parseUserAgent('python-requests/2.31.0')).toMatchObject({ known: false, deviceType: 'other' })
  })

  it('reads an empty or absent header as unknown', () => {
    expect(parseUserAgent('')).toEqual({
      raw: '',
      browser: null,
      os: null,
      deviceType: 'other',
      known: false,
    })
    expect(parseUserAgent('   ')).toMatchObject({ known: false })
    expect(parseUserAgent(undefined as unknown as string)).toMatchObject({ raw: '', known: false })
  })

  it('cuts 10 KB of junk to 512 characters and parses it quickly as unknown', () => {
    const junk = Array.from({ length: 10_240 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 94))).join(
      '',
    )
    const started = performance.now()
    const parsed = parseUserAgent(junk)
    expect(performance.now() - started).toBeLessThan(100)
    expect(parsed.raw).toBe(junk.slice(0, MAX_USER_AGENT_LENGTH))
    expect(parsed.known).toBe(false)
    expect(parseUserAgent('('.repeat(10_240)).raw).toHaveLength(MAX_USER_AGENT_LENGTH)
  })

  it('keeps a real browser recognisable when a long header is cut', () => {
    const padded = `${CHROME_WINDOWS} ${'x'.repeat(10_000)}`
    expect(parseUserAgent(padded)).toMatchObject({ browser: 'Chrome 124', os: 'Windows 10', known: true })
  })

  it('does not leave half of a surrogate pair at the cut', () => {
    const raw = parseUserAgent(`${'a'.repeat(MAX_USER_AGENT_LENGTH - 1)}😀`).raw
    expect(raw).toBe('a'.repeat(MAX_USER_AGENT_LENGTH - 1))
  })

  it('never throws and never keeps more than 512 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2_000 }), (s) => {
        expect(parseUserAgent(s).raw.length).toBeLessThanOrEqual(MAX_USER_AGENT_LENGTH)
      }),
      { numRuns: 500 },
    )
  })
})
