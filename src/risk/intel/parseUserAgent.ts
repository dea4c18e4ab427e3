import UAParser from 'ua-parser-js'

/** Longest user-agent string kept and parsed; real browsers send 100-300 characters. */
export const MAX_USER_AGENT_LENGTH = 512

/** A user agent reduced to the features the login risk model compares (C-2). */
export interface ParsedUserAgent {
  /** The header as received, cut to 512 characters ('' when absent). */
  readonly raw: string
  /** Browser name and major version, e.g. `Chrome 124`, `Mobile Safari 17`; null when not recognised. */
  readonly browser: string | null
  /** OS name and version to two components, e.g. `Windows 10`, `iOS 17.4`, `Android 14`; null when not recognised. */
  readonly os: string | null
  /** `other` covers consoles, TVs, wearables and everything unrecognised (scripts, bots, junk). */
  readonly deviceType: 'desktop' | 'mobile' | 'tablet' | 'other'
  /** Whether a browser or an operating system was recognised; false for empty, junk and most scripts. */
  readonly known: boolean
}

/** Operating systems whose browsers report no device type because they are desktops and laptops. */
const DESKTOP_OS = new Set([
  'Windows',
  'Mac OS',
  'macOS',
  'Linux',
  'Ubuntu',
  'Debian',
  'Fedora',
  'Chromium OS',
  'Chrome OS',
  'FreeBSD',
  'OpenBSD',
  'NetBSD',
  'Mint',
  'Arch',
  'CentOS',
  'RedHat',
  'SUSE',
  'Gentoo',
  'Solaris',
])

/**
 * Parses a User-Agent header with ua-parser-js into the features of Freeman et al.'s login risk
 * model (browser, OS, device type; the raw string is the fourth). Never throws: an absent,
 * empty or junk header comes back with `known: false` for the engine to score as such. The
 * input is cut to 512 characters before parsing, which also bounds the regex work an attacker
 * can cause with a huge header.
 */
export function parseUserAgent(ua: string): ParsedUserAgent {
  const raw = truncate(typeof ua === 'string' ? ua : '')
  if (raw.trim() === '') return { raw, browser: null, os: null, deviceType: 'other', known: false }
  const result = UAParser(raw)
  const browser = label(result.browser.name, result.browser.major)
  const osName = nonEmpty(result.os.name)
  const os = label(osName, twoComponents(result.os.version))
  return {
    raw,
    browser,
    os,
    deviceType: deviceTypeOf(result.device.type, osName),
    known: browser !== null || os !== null,
  }
}

function deviceTypeOf(type: string | undefined, osName: string | null): ParsedUserAgent['deviceType'] {
  if (type === 'mobile') return 'mobile'
  if (type === 'tablet') return 'tablet'
  if (type === undefined && osName !== null && DESKTOP_OS.has(osName)) return 'desktop'
  return 'other'
}

function label(name: string | null | undefined, version: string | null | undefined): string | null {
  const n = nonEmpty(name)
  if (n === null) return null
  const v = nonEmpty(version)
  return v === null ? n : `${n} ${v}`
}

function nonEmpty(value: string | null | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null
}

function twoComponents(version: string | undefined): string | undefined {
  return version?.split('.').slice(0, 2).join('.')
}

/** Cuts at the limit without leaving half of a surrogate pair at the end. */
function truncate(value: string): string {
  if (value.length <= MAX_USER_AGENT_LENGTH) return value
  const cut = value.slice(0, MAX_USER_AGENT_LENGTH)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}
