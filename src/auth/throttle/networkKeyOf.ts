import { isIP } from 'node:net'

/** Longest textual address worth parsing (an IPv6 with zone id and embedded IPv4 is far shorter). */
const MAX_ADDRESS_LENGTH = 100
const MAX_ASN = 4_294_967_295

type Address =
  | { readonly v: 4; readonly octets: readonly number[] }
  | { readonly v: 6; readonly groups: readonly number[] }

/**
 * The network an address belongs to, for throttling (B-10) and pivots (D-4): the autonomous system
 * when known (`asn:2516`), otherwise the /24 of an IPv4 address (`net:203.0.113.0/24`) or the /48
 * of an IPv6 address (`net:2001:db8:1::/48`), the smallest block an attacker can cheaply
 * hop across. IPv4-mapped IPv6 (`::ffff:203.0.113.9`, as a dual-stack socket reports IPv4
 * peers) is treated as the IPv4 address. Anything that is not an IP address is `net:invalid`:
 * all garbage shares one bucket, so it cannot dodge the network limit.
 */
export function networkKeyOf(ip: string, asn?: number): string {
  if (asn !== undefined && Number.isSafeInteger(asn) && asn > 0 && asn <= MAX_ASN) return `asn:${asn}`
  const address = parseAddress(ip)
  if (address === undefined) return 'net:invalid'
  if (address.v === 4) return `net:${address.octets.slice(0, 3).join('.')}.0/24`
  return `net:${hex(address.groups.slice(0, 3))}::/48`
}

/**
 * The per-address throttle key: `ip:203.0.113.9` for IPv4 (and IPv4-mapped IPv6), and the /64 for
 * IPv6 (`ip:2001:db8:1:2::/64`): a single subscriber is handed at least a /64 and can use any
 * of its 2^64 addresses, so counting individual IPv6 addresses would count nothing. Garbage is
 * `ip:invalid`.
 */
export function ipKeyOf(ip: string): string {
  const address = parseAddress(ip)
  if (address === undefined) return 'ip:invalid'
  if (address.v === 4) return `ip:${address.octets.join('.')}`
  return `ip:${hex(address.groups.slice(0, 4))}::/64`
}

function hex(groups: readonly number[]): string {
  return groups.map((g) => g.toString(16)).join(':')
}

function parseAddress(input: string): Address | undefined {
  if (typeof input !== 'string' || input.length > MAX_ADDRESS_LENGTH) return undefined
  const text = input.trim()
  const version = isIP(text)
  if (version === 4) return { v: 4, octets: parseIPv4(text) }
  if (version !== 6) return undefined
  const groups = parseIPv6(text)
  if (groups === undefined) return undefined
  // ::ffff:0:0/96 is an IPv4 address seen through an IPv6 socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const hi = groups[6] ?? 0
    const lo = groups[7] ?? 0
    return { v: 4, octets: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff] }
  }
  return { v: 6, groups }
}

function parseIPv4(text: string): number[] {
  return text.split('.').map((part) => Number.parseInt(part, 10))
}

/** Eight 16-bit groups of an address already accepted by `isIP` (zone id dropped). */
function parseIPv6(text: string): number[] | undefined {
  const zone = text.indexOf('%')
  const bare = zone === -1 ? text : text.slice(0, zone)
  const halves = bare.split('::')
  if (halves.length > 2) return undefined
  const head = groupsOf(halves[0] ?? '')
  if (halves.length === 1) return head.length === 8 ? head : undefined
  const tail = groupsOf(halves[1] ?? '')
  const fill = 8 - head.length - tail.length
  if (fill < 1) return undefined
  return [...head, ...new Array<number>(fill).fill(0), ...tail]
}

function groupsOf(part: string): number[] {
  if (part === '') return []
  return part.split(':').flatMap((g) => {
    if (!g.includes('.')) return [Number.parseInt(g, 16)]
    const [a = 0, b = 0, c = 0, d = 0] = parseIPv4(g)
    return [(a << 8) | b, (c << 8) | d]
  })
}
