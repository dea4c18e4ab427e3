import type { DecisionReason } from '../risk/engine/index.js'
import { JAPANESE_NETWORKS, type IpIntel } from '../risk/intel/index.js'

/**
 * Networks whose customers' addresses change under them in the middle of a session: a phone on a
 * carrier's CGNAT pool is handed another address as it moves, usually from the same gateway's
 * block. A fixed line keeps its address for days, so there a session bound to one address is bound
 * to that address. Three of the four carriers also sell home lines from the same AS, where a
 * residential proxy rents exits: so even there only the same /16 (IPv4) or /32 (IPv6) is a roam.
 */
const ROAMING_ASNS: ReadonlySet<number> = new Set(JAPANESE_NETWORKS.filter((n) => n.kind !== 'fixed').map((n) => n.asn))

/**
 * Whether a request on a session comes from somewhere the session was not opened from (B-12). An
 * infostealer lifts the session cookie and the device cookie together, so the device binding
 * passes and nothing about the replay looks new — except the network: the thief replays from his
 * own line (a rented server, a residential proxy). Moved when the autonomous system differs, when
 * the address differs on a fixed-line network, or when it leaves its /16 on a mobile carrier.
 * Two private addresses (a broker's own network, a test) have no network to compare.
 */
export function sessionMoved(intel: IpIntel, originIp: string | null, ip: string): boolean {
  if (originIp === null || originIp === ip) return false
  const origin = intel.lookup(originIp)
  const now = intel.lookup(ip)
  if (origin.private && now.private) return false
  if (origin.ip === now.ip) return false
  if (origin.network !== now.network) return true
  if (origin.asn === null || !ROAMING_ASNS.has(origin.asn)) return true
  return blockOf(origin.ip) !== blockOf(now.ip)
}

/** The /16 of an IPv4 address, the /32 of an IPv6 one (canonical text as IpInfo gives it). */
function blockOf(ip: string): string {
  if (ip.includes('.')) return ip.split('.').slice(0, 2).join('.')
  return ip.split(':').slice(0, 2).join(':')
}

/** The reason an analyst reads on the alert; the customer is only asked for a passkey. */
export function sessionMovedReason(originIp: string, ip: string): DecisionReason {
  return Object.freeze({
    source: 'input',
    id: 'session_moved',
    severity: 'high',
    reason: `the session opened from ${originIp} is being used from ${ip}, another network: a stolen session is replayed from the thief's own line`,
    shadow: false,
    points: 0,
  })
}
