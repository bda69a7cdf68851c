/**
 * Capture files: reading classic pcap and pcapng files (bounded, safe on hostile input) and
 * extracting the UDP datagrams in them, writing such files, and the captured real-exporter
 * fixtures (softflowd, pmacctd) that decoder tests replay against tshark's decode. Nothing here is
 * on the ingest hot path; the daemon receives flows from its UDP listener, not from files.
 */
export {
  MAX_PCAP_FILE_BYTES,
  MAX_CAPTURED_PACKET_BYTES,
  MAX_PCAPNG_BLOCK_BYTES,
  MAX_PCAPNG_INTERFACES,
  PCAP_MAX_VLAN_TAGS,
  PCAP_MAX_IPV6_EXTENSION_HEADERS,
  LinkType,
  PCAP_ERROR_CODES,
  PcapError,
  PcapReadStats,
  detectFormat,
  readPackets,
  parseUdpPacket,
  readUdpDatagrams,
  readPcapFile,
  readUdpDatagramsFromFile,
} from './pcap-reader.js';
export type { PcapErrorCode, CapturedPacket, UdpDatagram, SkipReason, CaptureFormat } from './pcap-reader.js';
export { encodePcap, encodePcapng, ipUdpPacket, linkFrame } from './pcap-writer.js';
export type { PcapRecord, PcapWriteOptions, PcapngInterfaceSpec, PcapngPacketSpec, PcapngSectionSpec, UdpSpec } from './pcap-writer.js';
export {
  CAPTURED_FIXTURE_DIRS,
  repoRoot,
  detectProtocol,
  listFixtureFiles,
  readFixtureDatagrams,
  listFixtureDatagrams,
} from './fixtures.js';
export type { FixtureProtocol, FixtureDatagram } from './fixtures.js';
