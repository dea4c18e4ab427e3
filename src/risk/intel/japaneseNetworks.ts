import type { AsnDatabase } from './AsnDatabase.js'
import { ipv4Text } from './parseIpAddress.js'

/** How a Japanese network reaches its customers. */
export type JapaneseNetworkKind = 'fixed' | 'mobile' | 'fixed-and-mobile'

/** A Japanese residential ISP or mobile carrier, where legitimate customers log in from. */
export interface JapaneseNetwork {
  readonly asn: number
  /** The operator, as registered for the AS. */
  readonly name: string
  readonly kind: JapaneseNetworkKind
  /** Consumer brands served from this AS. */
  readonly brands: readonly string[]
}

const networks: JapaneseNetwork[] = [
  // The four mobile network operators (their MVNO and sub-brands ride the same AS).
  { asn: 9605, name: 'NTT DOCOMO, INC.', kind: 'mobile', brands: ['docomo', 'ahamo'] },
  {
    asn: 2516,
    name: 'KDDI CORPORATION',
    kind: 'fixed-and-mobile',
    brands: ['au', 'UQ mobile', 'povo', 'au Hikari'],
  },
  {
    asn: 17676,
    name: 'SoftBank Corp.',
    kind: 'fixed-and-mobile',
    brands: ['SoftBank', 'Y!mobile', 'LINEMO', 'SoftBank Hikari', 'SoftBank Air'],
  },
  { asn: 138384, name: 'Rakuten Mobile, Inc.', kind: 'mobile', brands: ['Rakuten Mobile'] },
  // Fixed-line ISPs.
  { asn: 4713, name: 'NTT Communications Corporation', kind: 'fixed', brands: ['OCN', 'docomo Hikari'] },
  { asn: 4725, name: 'SoftBank Corp.', kind: 'fixed', brands: ['ODN'] },
  { asn: 2527, name: 'Sony Network Communications Inc.', kind: 'fixed', brands: ['So-net', 'NURO Hikari'] },
  { asn: 2518, name: 'BIGLOBE Inc.', kind: 'fixed', brands: ['BIGLOBE'] },
  { asn: 2497, name: 'Internet Initiative Japan Inc.', kind: 'fixed-and-mobile', brands: ['IIJmio'] },
  { asn: 2514, name: 'NTT PC Communications, Inc.', kind: 'fixed', brands: ['InfoSphere'] },
  { asn: 4685, name: 'Asahi Net', kind: 'fixed', brands: ['Asahi Net'] },
  { asn: 9824, name: 'JCOM Co., Ltd.', kind: 'fixed', brands: ['J:COM'] },
  { asn: 17511, name: 'OPTAGE Inc.', kind: 'fixed', brands: ['eo Hikari'] },
  { asn: 17506, name: 'ARTERIA Networks Corporation', kind: 'fixed', brands: ['UCOM Hikari', 'e-mansion'] },
  { asn: 18126, name: 'Chubu Telecommunications Company, Inc.', kind: 'fixed', brands: ['commufa Hikari'] },
  { asn: 7522, name: 'STNet, Incorporated', kind: 'fixed', brands: ['Pikara Hikari'] },
  { asn: 7679, name: 'QTnet,Inc.', kind: 'fixed', brands: ['BBIQ'] },
  { asn: 10010, name: 'TOKAI Communications Corporation', kind: 'fixed', brands: ['@T COM', 'TNC'] },
]

/**
 * Japanese residential ISPs and mobile carriers by AS number, with the AS names registered in the
 * shipped `@ip-location-db/asn` database. Used by the simulator (F-1) to give legitimate
 * customers realistic home and phone networks. It is not a trust list: a stolen password works
 * from a Japanese home line too.
 */
export const JAPANESE_NETWORKS: readonly JapaneseNetwork[] = Object.freeze(
  networks.map((n) => Object.freeze({ ...n, brands: Object.freeze([...n.brands]) })),
)

/** An IPv4 CIDR block. */
export interface Ipv4Prefix {
  /** `a.b.c.d/n`. */
  readonly cidr: string
  /** First address as an unsigned 32-bit number. */
  readonly first: number
  readonly prefixLength: number
  /** Number of addresses, 2^(32 - prefixLength). */
  readonly size: number
}

/** Options for `sampleIpv4Prefixes`. */
export interface SampleIpv4PrefixesOptions {
  /** How many prefixes at most; default 8. */
  readonly count?: number
  /** Keeps only the prefixes this accepts, e.g. those the city database places in Japan. */
  readonly accept?: (prefix: Ipv4Prefix) => boolean
}

/**
 * A deterministic sample of the IPv4 blocks routed to `asn`, spread evenly over its address space
 * (so a simulated population is not all in one /24). Empty when the AS announces no IPv4 space.
 * Carriers also announce some space abroad (KDDI America, for one); pass `accept` to keep only
 * blocks located in Japan.
 */
export function sampleIpv4Prefixes(
  db: AsnDatabase,
  asn: number,
  options: SampleIpv4PrefixesOptions = {},
): Ipv4Prefix[] {
  const count = options.count ?? 8
  if (!Number.isSafeInteger(count) || count < 0) throw new TypeError('count must be a non-negative integer')
  const accept = options.accept ?? ((): boolean => true)
  const all = db
    .ipv4RangesOf(asn)
    .flatMap((r) => cidrsOf(r.first, r.last))
    .filter(accept)
  if (all.length <= count) return all
  return Array.from({ length: count }, (_, i) => all[Math.floor((i * all.length) / count)]!)
}

/** The fewest CIDR blocks exactly covering the inclusive range first..last. */
export function cidrsOf(first: number, last: number): Ipv4Prefix[] {
  const blocks: Ipv4Prefix[] = []
  let start = first
  while (start <= last) {
    let size = start === 0 ? 2 ** 32 : (start & -start) >>> 0
    while (size > last - start + 1) size /= 2
    const prefixLength = 32 - Math.log2(size)
    blocks.push({ cidr: `${ipv4Text(start)}/${prefixLength}`, first: start, prefixLength, size })
    start += size
  }
  return blocks
}
