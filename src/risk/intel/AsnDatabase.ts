import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { MamoriError } from '../../errors/index.js'
import { parseIpAddress } from './parseIpAddress.js'
import type { ParsedIp } from './parseIpAddress.js'

/** The autonomous system an address is routed to, and the name its operator registered. */
export interface AsnRecord {
  readonly asn: number
  readonly name: string
}

/** An inclusive range of IPv4 addresses as unsigned 32-bit numbers. */
export interface Ipv4Range {
  readonly first: number
  readonly last: number
}

const MAX_ASN = 4_294_967_295
const IPV4_FILE = 'asn-ipv4-num.csv'
const IPV6_FILE = 'asn-ipv6.csv'

/**
 * Address → autonomous system, from the `@ip-location-db/asn` CSV files (RouteViews, the five RIRs
 * and DB-IP, CC BY 4.0). That project publishes its ASN data on npm only as CSV (there is no
 * `asn-mmdb` package), so the ranges are loaded once into typed arrays, sorted by first address,
 * and searched by bisection: about 412k IPv4 and 103k IPv6 ranges, ~12 MB, no allocation per
 * lookup. IPv6 ranges are compared on all 128 bits because a few are narrower than a /64.
 */
export class AsnDatabase {
  readonly #v4First: Uint32Array
  readonly #v4Last: Uint32Array
  readonly #v4Record: Uint32Array
  /** Four words per range, most significant first. */
  readonly #v6First: Uint32Array
  readonly #v6Last: Uint32Array
  readonly #v6Record: Uint32Array
  readonly #records: readonly AsnRecord[]
  readonly #nameByAsn: ReadonlyMap<number, string>

  private constructor(v4: RangeTable, v6: RangeTable, records: readonly AsnRecord[]) {
    this.#v4First = v4.first
    this.#v4Last = v4.last
    this.#v4Record = v4.record
    this.#v6First = v6.first
    this.#v6Last = v6.last
    this.#v6Record = v6.record
    this.#records = records
    const names = new Map<number, string>()
    for (const r of records) if (!names.has(r.asn)) names.set(r.asn, r.name)
    this.#nameByAsn = names
  }

  /**
   * Builds the index from the text of `asn-ipv4-num.csv` (numeric IPv4 bounds) and `asn-ipv6.csv`
   * (textual IPv6 bounds), each line `first,last,asn,"name"`. A malformed line is a CONFIG_INVALID
   * error naming it: a silently truncated table would make every later address look unrouted.
   */
  static fromCsv(ipv4NumCsv: string, ipv6Csv: string): AsnDatabase {
    const records = new RecordInterner()
    const v4 = parseTable(ipv4NumCsv, 1, IPV4_FILE, records, (text, line) => {
      const value = Number(text)
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff || text.length === 0) {
        throw malformed(IPV4_FILE, line, 'bad IPv4 number')
      }
      return [value]
    })
    const v6 = parseTable(ipv6Csv, 4, IPV6_FILE, records, (text, line) => {
      const ip = parseIpAddress(text)
      if (ip === undefined) throw malformed(IPV6_FILE, line, 'bad IPv6 address')
      // An IPv4-mapped range would be folded to IPv4 by the parser; the IPv4 table covers it.
      if (ip.version === 4) return undefined
      return ip.words
    })
    return new AsnDatabase(v4, v6, records.list)
  }

  /**
   * Reads the CSV files from `directory`, by default the installed `@ip-location-db/asn` package.
   * Unreadable or malformed files are a CONFIG_INVALID error, at start-up rather than per request.
   */
  static async load(directory?: string): Promise<AsnDatabase> {
    const dir = directory ?? shippedAsnDirectory()
    const [v4, v6] = await Promise.all([readText(join(dir, IPV4_FILE)), readText(join(dir, IPV6_FILE))])
    return AsnDatabase.fromCsv(v4, v6)
  }

  /** Number of IPv4 and IPv6 ranges loaded. */
  get size(): { readonly ipv4: number; readonly ipv6: number } {
    return { ipv4: this.#v4First.length, ipv6: this.#v6Record.length }
  }

  /** The AS routing `ip`, or null for unrouted, private and reserved space. */
  lookup(ip: ParsedIp): AsnRecord | null {
    return ip.version === 4 ? this.#lookupV4(ip.value) : this.#lookupV6(ip.words)
  }

  /** The registered name of an AS (the first one listed if its ranges disagree), or null when unknown. */
  nameOf(asn: number): string | null {
    return this.#nameByAsn.get(asn) ?? null
  }

  /** Every IPv4 range routed to `asn`, in address order. */
  ipv4RangesOf(asn: number): Ipv4Range[] {
    const ranges: Ipv4Range[] = []
    const records = this.#records
    for (let i = 0; i < this.#v4Record.length; i++) {
      if (records[this.#v4Record[i]!]!.asn === asn)
        ranges.push({ first: this.#v4First[i]!, last: this.#v4Last[i]! })
    }
    return ranges
  }

  #lookupV4(value: number): AsnRecord | null {
    const first = this.#v4First
    let lo = 0
    let hi = first.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (first[mid]! <= value) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    if (found === -1 || this.#v4Last[found]! < value) return null
    return this.#records[this.#v4Record[found]!]!
  }

  #lookupV6(words: readonly [number, number, number, number]): AsnRecord | null {
    const first = this.#v6First
    let lo = 0
    let hi = this.#v6Record.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (compareWords(first, mid * 4, words) <= 0) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    if (found === -1 || compareWords(this.#v6Last, found * 4, words) < 0) return null
    return this.#records[this.#v6Record[found]!]!
  }
}

interface RangeTable {
  readonly first: Uint32Array
  readonly last: Uint32Array
  readonly record: Uint32Array
}

/** Dedupes (asn, name) pairs so a lookup hands out a shared frozen record instead of allocating one. */
class RecordInterner {
  readonly list: AsnRecord[] = []
  readonly #index = new Map<string, number>()

  intern(asn: number, name: string): number {
    const key = `${asn}\u0000${name}`
    let i = this.#index.get(key)
    if (i === undefined) {
      i = this.list.length
      this.list.push(Object.freeze({ asn, name }))
      this.#index.set(key, i)
    }
    return i
  }
}

/** Stored word minus `words`, lexicographically, for the range at `offset` of a four-words-per-range array. */
function compareWords(
  table: Uint32Array,
  offset: number,
  words: readonly [number, number, number, number],
): number {
  for (let k = 0; k < 4; k++) {
    const d = table[offset + k]! - words[k]
    if (d !== 0) return d
  }
  return 0
}

function parseTable(
  text: string,
  width: 1 | 4,
  file: string,
  records: RecordInterner,
  parseBound: (text: string, line: number) => readonly number[] | undefined,
): RangeTable {
  let capacity = 1
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) capacity++
  const first = new Uint32Array(capacity * width)
  const last = new Uint32Array(capacity * width)
  const record = new Uint32Array(capacity)
  let count = 0
  let line = 0
  for (let pos = 0; pos < text.length;) {
    let eol = text.indexOf('\n', pos)
    if (eol === -1) eol = text.length
    const end = eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol
    line++
    if (end > pos) {
      const c1 = text.indexOf(',', pos)
      const c2 = c1 === -1 ? -1 : text.indexOf(',', c1 + 1)
      const c3 = c2 === -1 ? -1 : text.indexOf(',', c2 + 1)
      if (c3 === -1 || c3 >= end) throw malformed(file, line, 'expected first,last,asn,name')
      const lo = parseBound(text.slice(pos, c1), line)
      const hi = parseBound(text.slice(c1 + 1, c2), line)
      const asnText = text.slice(c2 + 1, c3)
      const asn = Number(asnText)
      if (asnText.length === 0 || !Number.isInteger(asn) || asn < 0 || asn > MAX_ASN) {
        throw malformed(file, line, 'bad AS number')
      }
      if (lo !== undefined && hi !== undefined) {
        first.set(lo, count * width)
        last.set(hi, count * width)
        record[count] = records.intern(asn, unquote(text.slice(c3 + 1, end)))
        count++
      }
    }
    pos = eol + 1
  }
  return sorted(
    {
      first: first.slice(0, count * width),
      last: last.slice(0, count * width),
      record: record.slice(0, count),
    },
    width,
  )
}

/** The published files are sorted; if a future release is not, sort rather than mis-search. */
function sorted(table: RangeTable, width: 1 | 4): RangeTable {
  const n = table.record.length
  const cmp = (a: number, b: number): number => {
    for (let k = 0; k < width; k++) {
      const d = table.first[a * width + k]! - table.first[b * width + k]!
      if (d !== 0) return d
    }
    return 0
  }
  let inOrder = true
  for (let i = 1; i < n && inOrder; i++) inOrder = cmp(i - 1, i) <= 0
  if (inOrder) return table
  const order = Array.from({ length: n }, (_, i) => i).sort(cmp)
  const first = new Uint32Array(n * width)
  const last = new Uint32Array(n * width)
  const record = new Uint32Array(n)
  order.forEach((from, to) => {
    first.set(table.first.subarray(from * width, from * width + width), to * width)
    last.set(table.last.subarray(from * width, from * width + width), to * width)
    record[to] = table.record[from]!
  })
  return { first, last, record }
}

function unquote(field: string): string {
  if (field.length >= 2 && field.startsWith('"') && field.endsWith('"'))
    return field.slice(1, -1).replaceAll('""', '"')
  return field
}

function malformed(file: string, line: number, problem: string): MamoriError {
  return new MamoriError('CONFIG_INVALID', `ASN database ${file} line ${line}: ${problem}`, { file, line })
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new MamoriError(
      'CONFIG_INVALID',
      `ASN database ${path} cannot be read: ${(err as Error).message}`,
      { path },
    )
  }
}

/** Folder of the installed `@ip-location-db/asn` package. */
export function shippedAsnDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json'))
}
