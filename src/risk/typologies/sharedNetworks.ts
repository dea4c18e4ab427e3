import { JAPANESE_NETWORKS } from '../intel/index.js'

/**
 * The networks (`asn:N`) of Japanese mobile carriers, as listed in the intel folder. Mobile
 * subscribers sit behind carrier-grade NAT, so one public address is shared by many unrelated
 * customers at once: per-address thresholds need to be higher there.
 */
export const MOBILE_CARRIER_NETWORKS: ReadonlySet<string> = new Set(
  JAPANESE_NETWORKS.filter((n) => n.kind !== 'fixed').map((n) => `asn:${n.asn}`),
)

/**
 * Every Japanese ISP and carrier network in the shipped list. One of these ASes carries millions of
 * a broker's customers, so counting across the whole network says nothing: such a network is
 * counted per address only. It is not a trust list (a stolen password works from a home line too).
 */
export const CONSUMER_NETWORKS: ReadonlySet<string> = new Set(JAPANESE_NETWORKS.map((n) => `asn:${n.asn}`))

/** Networks that are not a network at all: every garbage address, or every address without a known AS or prefix. */
export function isPlaceholderNetwork(network: string): boolean {
  return network === 'net:invalid' || network === 'net:unknown'
}
