export type { IpInfo, IpIntel } from './IpIntel.js'
export { MaxmindIpIntel } from './MaxmindIpIntel.js'
export type { MaxmindIpIntelOptions, MaxmindIpIntelParts } from './MaxmindIpIntel.js'
export { AsnDatabase, shippedAsnDirectory } from './AsnDatabase.js'
export type { AsnRecord, Ipv4Range } from './AsnDatabase.js'
export { parseIpAddress, isPrivateAddress, ipv4Text } from './parseIpAddress.js'
export type { ParsedIp, ParsedIpv4, ParsedIpv6 } from './parseIpAddress.js'
export { HOSTING_NETWORKS, hostingAsnSet } from './hostingNetworks.js'
export type { HostingKind, HostingNetwork } from './hostingNetworks.js'
export { JAPANESE_NETWORKS, sampleIpv4Prefixes, cidrsOf } from './japaneseNetworks.js'
export type {
  JapaneseNetwork,
  JapaneseNetworkKind,
  Ipv4Prefix,
  SampleIpv4PrefixesOptions,
} from './japaneseNetworks.js'
export { parseUserAgent, MAX_USER_AGENT_LENGTH } from './parseUserAgent.js'
export type { ParsedUserAgent } from './parseUserAgent.js'
