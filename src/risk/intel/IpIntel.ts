/** What Mamori knows about an address at the moment of an access (C-1). */
export interface IpInfo {
  /**
   * The canonical address: dotted quad for IPv4 (also when it arrived IPv4-mapped, `::ffff:a.b.c.d`),
   * RFC 5952 text for IPv6. For an invalid input, the input cut to 100 characters ('' if not a string).
   */
  readonly ip: string
  /** Whether the input is an IPv4 or IPv6 address at all. */
  readonly valid: boolean
  readonly version: 4 | 6 | null
  /** RFC 1918, loopback, link-local, IPv6 unique-local, CGNAT 100.64.0.0/10, unspecified: no location, no AS. */
  readonly private: boolean
  /** ISO 3166-1 alpha-2 country code, or null when unknown. */
  readonly country: string | null
  readonly city: string | null
  /**
   * Coordinates of the city, or of the country's centroid when the city is unknown (the GeoLite2
   * convention, e.g. 37.751,-97.822 for the United States): impossible-travel checks should treat
   * coordinates with `city: null` as coarse.
   */
  readonly latitude: number | null
  readonly longitude: number | null
  readonly asn: number | null
  /** The AS operator's registered name. */
  readonly asnName: string | null
  /** The AS is on the hosting/VPN/relay list (shipped list plus the broker's additions). */
  readonly hosting: boolean
  /** `asn:N` when the AS is known, else the /24 (IPv4) or /48 (IPv6) as `net:…`, `net:invalid` for garbage; see networkKeyOf. */
  readonly network: string
}

/**
 * IP intelligence for the risk engine. `lookup` is synchronous and never throws on bad input: the
 * engine calls it for every access event, and garbage from a client is an answer (`valid: false`),
 * not an error.
 */
export interface IpIntel {
  lookup(ip: string): IpInfo
}
