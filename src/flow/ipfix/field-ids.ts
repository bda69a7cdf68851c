/**
 * Information Element ids used by the decoders. IPFIX ids come from the IANA "IPFIX Information
 * Elements" registry (RFC 7012 §4, element semantics in RFC 5102, RFC 5477 for PSAMP, RFC 7270
 * for the Cisco-contributed ones). NetFlow v9 field types 1..127 (RFC 3954 §8) are the same
 * numbers: the IANA registry was seeded from them, so one table serves both protocols. Where a
 * number means something different in v9 (23/24 OUT_BYTES/OUT_PKTS vs postOctetDeltaCount/
 * postPacketDeltaCount) the template compiler handles the difference.
 */

/** Enterprise bit of an IPFIX field specifier (RFC 7011 §3.2). */
export const ENTERPRISE_BIT = 0x8000;
/** Field length that announces a variable-length element (RFC 7011 §7). */
export const VARIABLE_LENGTH = 65535;
/** Private enterprise number of the RFC 5103 reverse (biflow) elements. */
export const REVERSE_PEN = 29305;

export const IE = {
  octetDeltaCount: 1, // v9 IN_BYTES
  packetDeltaCount: 2, // v9 IN_PKTS
  protocolIdentifier: 4,
  ipClassOfService: 5, // v9 SRC_TOS
  tcpControlBits: 6,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  ingressInterface: 10, // v9 INPUT_SNMP
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  egressInterface: 14, // v9 OUTPUT_SNMP
  bgpSourceAsNumber: 16,
  bgpDestinationAsNumber: 17,
  flowEndSysUpTime: 21, // v9 LAST_SWITCHED
  flowStartSysUpTime: 22, // v9 FIRST_SWITCHED
  postOctetDeltaCount: 23, // v9 OUT_BYTES
  postPacketDeltaCount: 24, // v9 OUT_PKTS
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  icmpTypeCodeIPv4: 32, // v9 ICMP_TYPE (type * 256 + code)
  samplingInterval: 34, // v9 SAMPLING_INTERVAL
  samplingAlgorithm: 35,
  samplerId: 48, // v9 FLOW_SAMPLER_ID
  samplerMode: 49,
  samplerRandomInterval: 50, // v9 FLOW_SAMPLER_RANDOM_INTERVAL
  minimumTTL: 52,
  fragmentIdentification: 54,
  vlanId: 58, // v9 SRC_VLAN
  ipVersion: 60,
  octetTotalCount: 85,
  packetTotalCount: 86,
  fragmentOffset: 88,
  forwardingStatus: 89,
  icmpTypeCodeIPv6: 139,
  meteringProcessId: 143,
  flowStartSeconds: 150,
  flowEndSeconds: 151,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  flowStartMicroseconds: 154,
  flowEndMicroseconds: 155,
  flowStartNanoseconds: 156,
  flowEndNanoseconds: 157,
  flowStartDeltaMicroseconds: 158,
  flowEndDeltaMicroseconds: 159,
  systemInitTimeMilliseconds: 160,
  icmpTypeIPv4: 176,
  icmpCodeIPv4: 177,
  icmpTypeIPv6: 178,
  icmpCodeIPv6: 179,
  udpSourcePort: 180,
  udpDestinationPort: 181,
  tcpSourcePort: 182,
  tcpDestinationPort: 183,
  ipTTL: 192,
  fragmentFlags: 197,
  initiatorOctets: 231, // NSEL NF_F_FWD_FLOW_DELTA_BYTES
  responderOctets: 232, // NSEL NF_F_REV_FLOW_DELTA_BYTES
  dot1qVlanId: 243,
  initiatorPackets: 298,
  responderPackets: 299,
  selectorId: 302,
  selectorAlgorithm: 304,
  samplingPacketInterval: 305,
  samplingPacketSpace: 306,
  samplingSize: 309,
  samplingPopulation: 310,
} as const;

/** NetFlow v9 options scope field types (RFC 3954 §6.1): a separate number space from IE ids. */
export const V9_SCOPE = {
  system: 1,
  interface: 2,
  lineCard: 3,
  cache: 4,
  template: 5,
} as const;
