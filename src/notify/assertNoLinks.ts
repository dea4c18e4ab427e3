/*
 * Regulators' guidance after the 2025 wave of broker account takeovers (and Mamori's seed 003, a
 * phishing e-mail) is that a broker's e-mails carry no links at all: customers learn that any
 * e-mail with a link is not from us. These checks are deliberately broader than what a mail
 * client would auto-link, and run on a normalised copy of the text so that full-width or
 * zero-width look-alikes ("ｗｗｗ．example．com", "exa\u200Bmple.com") are caught too.
 */

// Any scheme separator, including the backslash forms browsers repair ("https:\\evil").
const SCHEME_SEPARATOR = /:[/\\]{2}/
const WWW = /\bwww\./i
// Schemes that need no "//": mailto:x, tel:+81..., javascript:..., data:text/html...
const BARE_SCHEME = /\b(?:https?|ftp|file|mailto|tel|sms|data|javascript|intent|line)\s*:(?=\S)/i
// label(.label)*.tld with an ASCII (or punycode) TLD; labels may be any letters, since
// "例え.jp" links as well as "example.jp". The TLD must not run on into more ASCII letters,
// but Japanese text may follow directly ("example.comにアクセス").
const DOMAIN = /(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})(?![a-z0-9-])/iu
// A dotted IPv4 address followed by a port or a path.
const IP_WITH_PATH = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d|\/)/
const LINK_PATTERNS: readonly RegExp[] = [SCHEME_SEPARATOR, WWW, BARE_SCHEME, DOMAIN, IP_WITH_PATH]

// Characters that render as nothing and would split a pattern without changing what is shown.
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/gu
// An ideographic full stop between ASCII letters or digits separates domain labels in IDNA.
const IDEOGRAPHIC_DOT = /(?<=[A-Za-z0-9])\u3002(?=[A-Za-z0-9])/g

function normalise(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(IDEOGRAPHIC_DOT, '.')
}

/** The first link-like fragment of `text`, or undefined when it has none. */
export function findLink(text: string): string | undefined {
  const normalised = normalise(text)
  for (const pattern of LINK_PATTERNS) {
    const match = pattern.exec(normalised)
    if (match !== null) return match[0]
  }
  return undefined
}

/**
 * Throws TypeError when `text` contains anything link-like: a scheme (`https://`, `mailto:`,
 * any `://`), `www.`, a bare domain such as `example.com/login`, or an IP address with a path.
 * Every e-mail Mamori sends passes through this.
 */
export function assertNoLinks(text: string): void {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  const link = findLink(text)
  if (link !== undefined) throw new TypeError(`mail text must not contain links (found ${JSON.stringify(link)})`)
}

/**
 * Makes a value that came from outside (a device label, a browser's user agent) safe to quote in
 * a notice: it is NFKC-normalised (full-width look-alikes become ASCII), control characters and
 * line breaks become spaces, anything link-like becomes `*`, and the result is cut to
 * `maxLength` characters. Without this an attacker could name a device
 * `evil.example/login` and either smuggle a link into our e-mail or, because sending refuses
 * links, suppress the very notice that warns the customer.
 */
export function quoteUntrusted(value: string, maxLength = 60): string {
  let out = normalise(String(value))
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  for (let round = 0; round < 8 && findLink(out) !== undefined; round++) {
    for (const pattern of LINK_PATTERNS) out = out.replace(new RegExp(pattern.source, `${pattern.flags}g`), '*')
  }
  const chars = Array.from(out)
  if (chars.length > maxLength) out = `${chars.slice(0, Math.max(0, maxLength - 1)).join('')}…`
  // Cutting can itself make a link ("ab.cd5" → "ab.cd…"); never hand back anything that fails.
  return findLink(out) === undefined ? out : '*'
}
