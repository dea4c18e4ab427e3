import { isIP } from 'node:net'

/** Longest textual address worth parsing; anything longer is not an address (same bound as networkKeyOf). */
const MAX_ADDRESS_LENGTH = 100

/** An IPv4 address as an unsigned 32-bit number, with its dotted-quad text. */
export interface ParsedIpv4 {
  readonly version: 4
  /** The address as an unsigned 32-bit integer (`1.2.3.4` is `0x01020304`). */
  readonly value: number
  /** Canonical dotted-quad text. */
  readonly text: string
}

/** An IPv6 address as four unsigned 32-bit words, most significant first, with its RFC 5952 text. */
export interface ParsedIpv6 {
  readonly version: 6
  readonly words: readonly [number, number, number, number]
  /** Canonical RFC 5952 text (lower case, longest zero run compressed, zone id dropped). */
  readonly text: string
}

/** An address parsed by `parseIpAddress`. */
export type ParsedIp = ParsedIpv4 | ParsedIpv6

/**
 * Parses an IPv4 or IPv6 address into numbers, or `undefined` for anything else (never throws).
 * IPv4-mapped IPv6 (`::ffff:203.0.113.9`, how a dual-stack socket reports an IPv4 peer) comes back
 * as the IPv4 address, so one client is one key whichever socket saw it. A zone id (`fe80::1%eth0`)
 * is dropped: it names an interface on the receiving host, not part of the address.
 */
export function parseIpAddress(input: unknown): ParsedIp | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_ADDRESS_LENGTH) return undefined
  const text = input.trim()
  const version = isIP(text)
  if (version === 4) {
    const value = ipv4Value(text)
    return { version: 4, value, text: ipv4Text(value) }
  }
  if (version !== 6) return undefined
  const groups = ipv6Groups(text)
  if (groups === undefined) return undefined
  const words = [
    ((groups[0] << 16) | groups[1]) >>> 0,
    ((groups[2] << 16) | groups[3]) >>> 0,
    ((groups[4] << 16) | groups[5]) >>> 0,
    ((groups[6] << 16) | groups[7]) >>> 0,
  ] as const
  // ::ffff:0:0/96 is an IPv4 address seen through an IPv6 socket (RFC 4291 §2.5.5.2).
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) {
    return { version: 4, value: words[3], text: ipv4Text(words[3]) }
  }
  return { version: 6, words, text: ipv6Text(groups) }
}

/** Dotted-quad text of an unsigned 32-bit IPv4 value. */
export function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`
}

/**
 * Whether an address is not on the public internet, so it has no location or network owner:
 * RFC 1918 private ranges, loopback, link-local, CGNAT shared space (RFC 6598) and the unspecified
 * "this network" block for IPv4; loopback, unspecified, link-local and unique-local (RFC 4193) for
 * IPv6. Documentation ranges (203.0.113.0/24, 2001:db8::/32) are deliberately not included: tests
 * and the simulator use them as stand-ins for public addresses.
 */
export function isPrivateAddress(ip: ParsedIp): boolean {
  if (ip.version === 4) {
    const v = ip.value
    const a = v >>> 24
    if (a === 10 || a === 127 || a === 0) return true // RFC 1918; loopback; "this network" (RFC 791)
    if ((v & 0xfff00000) >>> 0 === 0xac100000) return true // 172.16.0.0/12
    if ((v & 0xffff0000) >>> 0 === 0xc0a80000) return true // 192.168.0.0/16
    if ((v & 0xffff0000) >>> 0 === 0xa9fe0000) return true // 169.254.0.0/16 link-local
    if ((v & 0xffc00000) >>> 0 === 0x64400000) return true // 100.64.0.0/10 CGNAT (RFC 6598)
    return false
  }
  const [w0, w1, w2, w3] = ip.words
  if (w0 === 0 && w1 === 0 && w2 === 0 && (w3 === 0 || w3 === 1)) return true // :: and ::1
  if ((w0 & 0xffc00000) >>> 0 === 0xfe800000) return true // fe80::/10 link-local
  if ((w0 & 0xfe000000) >>> 0 === 0xfc000000) return true // fc00::/7 unique local
  return false
}

function ipv4Value(text: string): number {
  let value = 0
  let octet = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 46 /* . */) {
      value = value * 256 + octet
      octet = 0
    } else {
      octet = octet * 10 + (c - 48)
    }
  }
  return value * 256 + octet
}

/**
 * Eight 16-bit groups of an address already accepted by `isIP`, in one pass over the characters
 * (this runs on every access event, so no split/map/spread), or undefined if it cannot be expanded.
 */
function ipv6Groups(text: string): number[] | undefined {
  const zone = text.indexOf('%')
  const end = zone === -1 ? text.length : zone
  const groups = [0, 0, 0, 0, 0, 0, 0, 0]
  let n = 0
  let gap = -1
  let i = 0
  if (text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    gap = 0
    i = 2
  }
  while (i < end) {
    let j = i
    let value = 0
    let c = text.charCodeAt(j)
    while (j < end && c !== 58 /* : */ && c !== 46 /* . */) {
      value = value * 16 + hexDigit(c)
      c = text.charCodeAt(++j)
    }
    if (c === 46) {
      // Embedded IPv4 tail (RFC 4291 §2.2 form 3): the last 32 bits.
      if (n > 6) return undefined
      const v4 = ipv4Value(text.slice(i, end))
      groups[n++] = v4 >>> 16
      groups[n++] = v4 & 0xffff
      break
    }
    if (n > 7) return undefined
    groups[n++] = value
    if (j >= end) break
    if (text.charCodeAt(j + 1) === 58) {
      if (gap !== -1) return undefined
      gap = n
      i = j + 2
    } else {
      i = j + 1
    }
  }
  if (gap === -1) return n === 8 ? groups : undefined
  if (n > 7) return undefined
  const moved = n - gap
  for (let k = 1; k <= moved; k++) {
    groups[8 - k] = groups[n - k]!
    groups[n - k] = 0
  }
  return groups
}

function hexDigit(c: number): number {
  if (c <= 57) return c - 48 // 0-9
  if (c <= 70) return c - 55 // A-F
  return c - 87 // a-f
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run (first on a tie) of two or more zero groups as `::`. */
function ipv6Text(groups: readonly number[]): string {
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  let text = ''
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::'
      i += bestLength - 1
      continue
    }
    if (text !== '' && !text.endsWith(':')) text += ':'
    text += groups[i]!.toString(16)
  }
  return text
}
