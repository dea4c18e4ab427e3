/** Why a network is on the hosting list; the risk engine may weigh them differently. */
export type HostingKind =
  /** A public cloud: anyone can rent a machine there by the minute. */
  | 'cloud'
  /** A VPS, dedicated-server or colocation host. */
  | 'hosting'
  /** A network whose address space is mostly commercial VPN exit servers. */
  | 'vpn'
  /**
   * A privacy relay or edge network that real customers' browsers also use (Cloudflare WARP,
   * iCloud Private Relay egress on Akamai and Fastly): a weaker signal than the others.
   */
  | 'relay'

/** One autonomous system on the hosting list. */
export interface HostingNetwork {
  readonly asn: number
  /** The operator, as registered for the AS. */
  readonly name: string
  readonly kind: HostingKind
  /** Why a customer login from here is unusual. */
  readonly reason: string
}

/**
 * Autonomous systems whose addresses are data centres, clouds, VPN exits or privacy relays rather
 * than customers' homes and phones. A retail brokerage customer logs in from a residential ISP or
 * a mobile carrier; credential-stuffing runs (seed 003), phishing kits relaying stolen passwords
 * and the SBI-2020 withdrawals (seeds 000/001) come from rented servers and VPNs, which is why
 * `IpInfo.hosting` feeds the risk score. It is a signal, never a block on its own: office VPNs,
 * corporate proxies and the relays below carry real customers too.
 *
 * Source: the AS numbers the operators publish for their own networks (their peering records and
 * IP-range documentation), each checked against the AS name registered in the shipped
 * `@ip-location-db/asn` database; the kind and reason are Mamori's judgement. A whole AS is listed
 * only when it is essentially all hosting; mixed carriers (IIJ, NTT, KDDI, transit providers) are not.
 *
 * The list is deliberately short and static. Brokers extend it through configuration (the
 * `extraHostingAsns` option of `MaxmindIpIntel.open`) with their own observations and commercial
 * VPN/proxy feeds, rather than by editing this file.
 */
const networks: HostingNetwork[] = [
  // Public clouds
  {
    asn: 16509,
    name: 'Amazon.com, Inc. (AWS)',
    kind: 'cloud',
    reason: 'AWS EC2 and other AWS services worldwide',
  },
  { asn: 14618, name: 'Amazon.com, Inc. (AWS)', kind: 'cloud', reason: 'AWS us-east-1 EC2 address space' },
  { asn: 8987, name: 'Amazon Data Services Ireland Ltd', kind: 'cloud', reason: 'AWS EU address space' },
  {
    asn: 38895,
    name: 'Amazon.com Tech Telecom',
    kind: 'cloud',
    reason: 'AWS Asia-Pacific address space, including Tokyo',
  },
  {
    asn: 15169,
    name: 'Google LLC',
    kind: 'cloud',
    reason: "Google's own network: crawlers, Apps Script, Google-operated proxies",
  },
  {
    asn: 396982,
    name: 'Google LLC (Google Cloud)',
    kind: 'cloud',
    reason: 'Google Cloud Platform customer VMs',
  },
  { asn: 19527, name: 'Google LLC', kind: 'cloud', reason: 'Google infrastructure' },
  { asn: 8075, name: 'Microsoft Corporation', kind: 'cloud', reason: 'Microsoft and Azure customer VMs' },
  { asn: 8068, name: 'Microsoft Corporation', kind: 'cloud', reason: 'Microsoft data centres' },
  { asn: 12076, name: 'Microsoft Corporation', kind: 'cloud', reason: 'Azure ExpressRoute' },
  {
    asn: 31898,
    name: 'Oracle Corporation',
    kind: 'cloud',
    reason: 'Oracle Cloud Infrastructure (free-tier VMs are common attack hosts)',
  },
  { asn: 36351, name: 'IBM Cloud', kind: 'cloud', reason: 'IBM Cloud (ex-SoftLayer)' },
  {
    asn: 45102,
    name: 'Alibaba (US) Technology Co., Ltd.',
    kind: 'cloud',
    reason: 'Alibaba Cloud international regions, including Tokyo',
  },
  {
    asn: 37963,
    name: 'Hangzhou Alibaba Advertising Co.,Ltd.',
    kind: 'cloud',
    reason: 'Alibaba Cloud (Aliyun) mainland China',
  },
  {
    asn: 134963,
    name: 'Alibaba Cloud (Singapore) Private Limited',
    kind: 'cloud',
    reason: 'Alibaba Cloud Asia-Pacific',
  },
  {
    asn: 132203,
    name: 'Shenzhen Tencent Computer Systems Company Limited',
    kind: 'cloud',
    reason: 'Tencent Cloud international regions',
  },
  {
    asn: 45090,
    name: 'Shenzhen Tencent Computer Systems Company Limited',
    kind: 'cloud',
    reason: 'Tencent Cloud mainland China',
  },
  { asn: 136907, name: 'HUAWEI INTERNATIONAL PTE. LTD.', kind: 'cloud', reason: 'Huawei Cloud' },
  // VPS and dedicated-server hosts
  { asn: 14061, name: 'DigitalOcean, LLC', kind: 'hosting', reason: 'VPS host' },
  {
    asn: 63949,
    name: 'Akamai Technologies (Linode)',
    kind: 'hosting',
    reason: 'Linode VPS, now Akamai Connected Cloud',
  },
  { asn: 16276, name: 'OVH SAS', kind: 'hosting', reason: 'VPS and dedicated servers' },
  { asn: 24940, name: 'Hetzner Online GmbH', kind: 'hosting', reason: 'Dedicated servers and VPS' },
  { asn: 213230, name: 'Hetzner Online GmbH', kind: 'hosting', reason: 'Hetzner Cloud' },
  { asn: 212317, name: 'Hetzner Online GmbH', kind: 'hosting', reason: 'Hetzner US' },
  {
    asn: 20473,
    name: 'The Constant Company (Vultr/Choopa)',
    kind: 'hosting',
    reason: 'Vultr VPS, including Tokyo and Osaka',
  },
  { asn: 51167, name: 'Contabo GmbH', kind: 'hosting', reason: 'Low-cost VPS' },
  { asn: 40021, name: 'Contabo Inc.', kind: 'hosting', reason: 'Low-cost VPS (US)' },
  {
    asn: 141995,
    name: 'Contabo Asia Private Limited',
    kind: 'hosting',
    reason: 'Low-cost VPS (Asia, including Tokyo)',
  },
  { asn: 12876, name: 'Scaleway SAS', kind: 'hosting', reason: 'VPS and bare metal' },
  {
    asn: 60781,
    name: 'LeaseWeb Netherlands B.V.',
    kind: 'hosting',
    reason: 'Dedicated servers, common VPN exit host',
  },
  {
    asn: 30633,
    name: 'Leaseweb USA, Inc.',
    kind: 'hosting',
    reason: 'Dedicated servers, common VPN exit host',
  },
  { asn: 28753, name: 'Leaseweb Deutschland GmbH', kind: 'hosting', reason: 'Dedicated servers' },
  { asn: 133752, name: 'LEASEWEB HONG KONG LIMITED', kind: 'hosting', reason: 'Dedicated servers (Asia)' },
  { asn: 21859, name: 'Zenlayer Inc', kind: 'hosting', reason: 'Edge servers in Asia, common VPN exit host' },
  { asn: 40676, name: 'Psychz Networks', kind: 'hosting', reason: 'Dedicated servers, common proxy host' },
  {
    asn: 8100,
    name: 'QuadraNet Enterprises LLC',
    kind: 'hosting',
    reason: 'Dedicated servers, common proxy host',
  },
  { asn: 36007, name: 'Kamatera, Inc.', kind: 'hosting', reason: 'Cloud VPS host' },
  { asn: 396356, name: 'Latitude.sh', kind: 'hosting', reason: 'Bare metal' },
  { asn: 54825, name: 'Packet Host, Inc. (Equinix Metal)', kind: 'hosting', reason: 'Bare metal' },
  {
    asn: 62240,
    name: 'Clouvider Limited',
    kind: 'hosting',
    reason: 'Dedicated servers, common VPN exit host',
  },
  { asn: 3258, name: 'xTom Japan Corporation', kind: 'hosting', reason: 'VPS and colocation in Japan' },
  {
    asn: 9370,
    name: 'SAKURA Internet Inc.',
    kind: 'hosting',
    reason: 'Japanese VPS and cloud (Sakura VPS / Sakura Cloud)',
  },
  {
    asn: 7684,
    name: 'SAKURA Internet Inc.',
    kind: 'hosting',
    reason: 'Japanese VPS and cloud (Sakura VPS / Sakura Cloud)',
  },
  { asn: 9371, name: 'SAKURA Internet Inc.', kind: 'hosting', reason: 'Japanese data centres' },
  {
    asn: 7506,
    name: 'GMO Internet Group, Inc.',
    kind: 'hosting',
    reason: 'ConoHa VPS and GMO hosting in Japan',
  },
  { asn: 4694, name: 'IDC Frontier Inc.', kind: 'hosting', reason: 'Japanese cloud and data centres' },
  { asn: 24282, name: 'KAGOYA JAPAN Inc.', kind: 'hosting', reason: 'Japanese VPS' },
  {
    asn: 9597,
    name: 'KDDI Web Communications Inc.',
    kind: 'hosting',
    reason: 'CPI / Shared hosting in Japan (not the KDDI ISP, AS2516)',
  },
  // VPN exit networks
  {
    asn: 9009,
    name: 'M247 Europe SRL',
    kind: 'vpn',
    reason: 'Hosts exit servers of most large consumer VPNs',
  },
  {
    asn: 60068,
    name: 'Datacamp Limited (CDN77)',
    kind: 'vpn',
    reason: 'Hosts exit servers of large consumer VPNs',
  },
  { asn: 212238, name: 'Datacamp Limited', kind: 'vpn', reason: 'Hosts exit servers of large consumer VPNs' },
  { asn: 136787, name: 'PacketHub S.A.', kind: 'vpn', reason: 'VPN exit servers' },
  {
    asn: 51852,
    name: 'Private Layer INC',
    kind: 'hosting',
    reason: 'Offshore hosting, common VPN exit host',
  },
  {
    asn: 202425,
    name: 'IP Volume inc',
    kind: 'hosting',
    reason: 'Hosting network frequently seen as a scanning and proxy source',
  },
  // Relays also used by ordinary customers
  {
    asn: 13335,
    name: 'Cloudflare, Inc.',
    kind: 'relay',
    reason: 'Cloudflare WARP (1.1.1.1 app) and Workers egress; also iCloud Private Relay',
  },
  { asn: 36183, name: 'Akamai Technologies, Inc.', kind: 'relay', reason: 'iCloud Private Relay egress' },
  { asn: 54113, name: 'Fastly, Inc.', kind: 'relay', reason: 'iCloud Private Relay egress and edge compute' },
]

export const HOSTING_NETWORKS: readonly HostingNetwork[] = Object.freeze(
  networks.map((n) => Object.freeze(n)),
)

/**
 * The set of hosting AS numbers: the shipped list plus the broker's own additions. Additions that
 * are not valid AS numbers are a TypeError (a configuration mistake, caught at start-up).
 */
export function hostingAsnSet(extra: readonly number[] = []): ReadonlySet<number> {
  for (const asn of extra) {
    if (!Number.isSafeInteger(asn) || asn <= 0 || asn > 4_294_967_295) {
      throw new TypeError(`extra hosting ASN ${String(asn)} is not an AS number`)
    }
  }
  return new Set([...HOSTING_NETWORKS.map((n) => n.asn), ...extra])
}
