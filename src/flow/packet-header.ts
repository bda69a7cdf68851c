/**
 * Sampled-packet-header parser: fills a FlowSample's IP and L4 fields from the first bytes of a
 * packet, as carried by sFlow's raw packet header record (sFlow v5 §5 "sampled_header"), a pcap
 * replay, or IPFIX dataLinkFrameSection (RFC 7133 §4.7). It knows nothing about the carrier
 * protocol: callers pass a byte range and what the range starts with.
 *
 * Sampled headers are truncated by design (128 bytes is the usual sFlow default), so the parser
 * fills what is present and stops; it never reads past `offset + length` nor past the buffer.
 * Every loop (VLAN tags, MPLS labels, IPv6 extension headers) is bounded by a named limit as
 * well as by the bytes, so a crafted header cannot make it spin.
 */
import type { DecodeErrorCode } from './decode-error.js';
import type { FlowSample } from './sample.js';

/**
 * What the byte range starts with. The numbers are sFlow's header_protocol values (sFlow v5
 * §5 "header_protocol"), which pcap and IPFIX callers map their own link types onto.
 */
export const HeaderProtocol = {
  ETHERNET: 1,
  IPV4: 11,
  IPV6: 12,
  MPLS: 13,
} as const;

/**
 * At most this many stacked 802.1Q/802.1ad tags are followed. Real networks use one or two
 * (QinQ); a few more are tolerated for provider chains, beyond that it is a crafted loop.
 */
export const MAX_VLAN_TAGS = 4;
/** At most this many MPLS labels are skipped looking for the bottom of stack (RFC 3032 §2.1). */
export const MAX_MPLS_LABELS = 8;
/** At most this many IPv6 extension headers are walked (RFC 8200 §4.1 lists at most ~6 in practice). */
export const MAX_IPV6_EXT_HEADERS = 8;

/** Codes the parser can report; a subset of DecodeErrorCode so callers count them directly. */
export type HeaderError = Extract<DecodeErrorCode, 'no_ip' | 'header_loop' | 'unsupported' | 'bad_length' | 'bad_version'>;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q
const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad service tag
const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ, still emitted by some switches
const ETHERTYPE_MPLS_UC = 0x8847;
const ETHERTYPE_MPLS_MC = 0x8848;

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const PROTO_SCTP = 132;

// IPv6 next-header values that are extension headers in the generic TLV form (RFC 8200 §4,
// RFC 6564): hop-by-hop, routing, destination options, mobility.
const IP6_HOPOPTS = 0;
const IP6_ROUTING = 43;
const IP6_FRAGMENT = 44;
const IP6_ESP = 50;
const IP6_AH = 51;
const IP6_DSTOPTS = 60;
const IP6_MOBILITY = 135;

/**
 * Parses `length` bytes at `offset` of `buf` as a packet starting with `headerProtocol` and
 * fills the IP/L4 fields (and the outer VLAN id) of `s`. The caller resets `s` first; nothing
 * outside those fields is touched.
 *
 * The sample is usable when `s.ipVersion !== 0` afterwards. The return value is the error code
 * to count, or null:
 * - `no_ip`: not IP (ARP, LLDP...) or cut before the IP addresses; ipVersion stays 0.
 * - `unsupported`: a header protocol, or an MPLS payload, this parser does not know; ipVersion 0.
 * - `bad_version` / `bad_length`: an IP header whose version nibble or IHL is impossible; ipVersion 0.
 * - `header_loop`: more VLAN tags or MPLS labels than the limits (ipVersion 0), or more IPv6
 *   extension headers than MAX_IPV6_EXT_HEADERS. In that last case the addresses are known and
 *   ipVersion is 6, with `protocol` set to the extension header where the walk stopped: the
 *   packet is still traffic towards its destination, and dropping it would let an attacker hide
 *   a flood behind a long extension chain.
 * Truncation inside L4 or inside an IPv6 extension chain is not an error: what is present is
 * filled, the rest stays 0 (protocol is then the last next-header value that could be read).
 */
export function parsePacketHeader(
  buf: Uint8Array,
  offset: number,
  length: number,
  headerProtocol: number,
  s: FlowSample,
): HeaderError | null {
  if (!(offset >= 0) || !(length > 0)) return 'no_ip';
  let end = offset + length;
  if (end > buf.length) end = buf.length;
  switch (headerProtocol) {
    case HeaderProtocol.ETHERNET:
      return parseEthernet(buf, offset, end, s);
    case HeaderProtocol.IPV4:
      return parseIPv4(buf, offset, end, s);
    case HeaderProtocol.IPV6:
      return parseIPv6(buf, offset, end, s);
    case HeaderProtocol.MPLS:
      return parseMpls(buf, offset, end, s);
    default:
      return 'unsupported';
  }
}

function parseEthernet(buf: Uint8Array, off: number, end: number, s: FlowSample): HeaderError | null {
  // Destination MAC, source MAC, EtherType (IEEE 802.3 §3.1.1).
  if (end - off < 14) return 'no_ip';
  let type = (buf[off + 12] << 8) | buf[off + 13];
  let p = off + 14;
  let tags = 0;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (tags === MAX_VLAN_TAGS) return 'header_loop';
    if (end - p < 4) return 'no_ip';
    // TCI: PCP(3) DEI(1) VID(12). The outermost tag is the one the network is switched on.
    if (tags === 0) s.vlan = ((buf[p] << 8) | buf[p + 1]) & 0x0fff;
    type = (buf[p + 2] << 8) | buf[p + 3];
    p += 4;
    tags++;
  }
  switch (type) {
    case ETHERTYPE_IPV4:
      return parseIPv4(buf, p, end, s);
    case ETHERTYPE_IPV6:
      return parseIPv6(buf, p, end, s);
    case ETHERTYPE_MPLS_UC:
    case ETHERTYPE_MPLS_MC:
      return parseMpls(buf, p, end, s);
    default:
      // ARP, LLDP, an 802.3 length field with LLC: valid frames without an IP packet.
      return 'no_ip';
  }
}

function parseMpls(buf: Uint8Array, off: number, end: number, s: FlowSample): HeaderError | null {
  let p = off;
  // Label stack entry: label(20) TC(3) S(1) TTL(8); S marks the bottom of stack (RFC 3032 §2.1).
  for (let i = 0; ; i++) {
    if (i === MAX_MPLS_LABELS) return 'header_loop';
    if (end - p < 4) return 'no_ip';
    const bottom = (buf[p + 2] & 0x01) !== 0;
    p += 4;
    if (bottom) break;
  }
  if (p >= end) return 'no_ip';
  // MPLS does not say what it carries; like every collector, guess from the IP version nibble
  // (RFC 4385 §2 keeps pseudowire control words' first nibble at 0 so they never look like IP).
  const version = buf[p] >> 4;
  if (version === 4) return parseIPv4(buf, p, end, s);
  if (version === 6) return parseIPv6(buf, p, end, s);
  return 'unsupported';
}

function parseIPv4(buf: Uint8Array, p: number, end: number, s: FlowSample): HeaderError | null {
  // The fixed header up to the destination address is 20 bytes (RFC 791 §3.1).
  if (end - p < 20) return 'no_ip';
  const vihl = buf[p];
  if (vihl >> 4 !== 4) return 'bad_version';
  const ihl = (vihl & 0x0f) << 2;
  if (ihl < 20) return 'bad_length';
  s.tos = buf[p + 1];
  s.ipLength = (buf[p + 2] << 8) | buf[p + 3];
  const frag = (buf[p + 6] << 8) | buf[p + 7];
  s.dontFragment = (frag & 0x4000) !== 0;
  s.moreFragments = (frag & 0x2000) !== 0;
  s.fragmentOffset = frag & 0x1fff;
  s.isFragment = s.moreFragments || s.fragmentOffset !== 0;
  s.ttl = buf[p + 8];
  s.protocol = buf[p + 9];
  const src = s.srcAddr;
  const dst = s.dstAddr;
  src[0] = buf[p + 12];
  src[1] = buf[p + 13];
  src[2] = buf[p + 14];
  src[3] = buf[p + 15];
  dst[0] = buf[p + 16];
  dst[1] = buf[p + 17];
  dst[2] = buf[p + 18];
  dst[3] = buf[p + 19];
  s.srcV4 = ((src[0] << 24) | (src[1] << 16) | (src[2] << 8) | src[3]) >>> 0;
  s.dstV4 = ((dst[0] << 24) | (dst[1] << 16) | (dst[2] << 8) | dst[3]) >>> 0;
  s.ipVersion = 4;
  // Only the first fragment carries the transport header (RFC 791 §2.3).
  if (s.fragmentOffset === 0) parseL4(buf, p + ihl, end, s.protocol, s);
  return null;
}

function parseIPv6(buf: Uint8Array, p: number, end: number, s: FlowSample): HeaderError | null {
  // Fixed 40-byte header (RFC 8200 §3).
  if (end - p < 40) return 'no_ip';
  if (buf[p] >> 4 !== 6) return 'bad_version';
  s.tos = ((buf[p] & 0x0f) << 4) | (buf[p + 1] >> 4);
  const payloadLength = (buf[p + 4] << 8) | buf[p + 5];
  // Payload length 0 means a jumbogram (RFC 2675 §3) whose size is in a hop-by-hop option: unknown here.
  s.ipLength = payloadLength === 0 ? 0 : payloadLength + 40;
  s.ttl = buf[p + 7];
  const src = s.srcAddr;
  const dst = s.dstAddr;
  for (let i = 0; i < 16; i++) {
    src[i] = buf[p + 8 + i];
    dst[i] = buf[p + 24 + i];
  }
  s.ipVersion = 6;
  let next = buf[p + 6];
  let q = p + 40;
  for (let depth = 0; ; depth++) {
    switch (next) {
      case IP6_HOPOPTS:
      case IP6_ROUTING:
      case IP6_DSTOPTS:
      case IP6_MOBILITY:
      case IP6_FRAGMENT:
      case IP6_AH:
        break;
      case IP6_ESP:
        // Everything after the ESP header is encrypted (RFC 4303 §2): no ports to read.
        s.protocol = next;
        return null;
      default:
        s.protocol = next;
        parseL4(buf, q, end, next, s);
        return null;
    }
    s.protocol = next;
    if (depth === MAX_IPV6_EXT_HEADERS) return 'header_loop';
    if (next === IP6_FRAGMENT) {
      // Fragment header: next(8) reserved(8) offset(13) res(2) M(1) identification(32) (RFC 8200 §4.5).
      if (end - q < 8) return null;
      const w = (buf[q + 2] << 8) | buf[q + 3];
      s.fragmentOffset = w >> 3;
      s.moreFragments = (w & 0x01) !== 0;
      s.isFragment = s.moreFragments || s.fragmentOffset !== 0;
      next = buf[q];
      q += 8;
      if (s.fragmentOffset !== 0) {
        // Not the first fragment: the upper-layer header is in fragment 0, not here.
        s.protocol = next;
        return null;
      }
      continue;
    }
    if (end - q < 2) return null;
    // AH counts its length in 4-byte units minus 2 (RFC 4302 §2.2); the others in 8-byte
    // units not counting the first 8 (RFC 8200 §4.3).
    const len = next === IP6_AH ? (buf[q + 1] + 2) << 2 : (buf[q + 1] + 1) << 3;
    next = buf[q];
    q += len;
  }
}

function parseL4(buf: Uint8Array, q: number, end: number, protocol: number, s: FlowSample): void {
  const avail = end - q;
  if (avail <= 0) return;
  switch (protocol) {
    case PROTO_TCP:
      if (avail >= 2) s.srcPort = (buf[q] << 8) | buf[q + 1];
      if (avail >= 4) s.dstPort = (buf[q + 2] << 8) | buf[q + 3];
      // Flags are the low 8 bits of the 16-bit word at offset 12 (RFC 9293 §3.1); NS is not kept.
      if (avail >= 14) s.tcpFlags = buf[q + 13];
      return;
    case PROTO_UDP:
    case PROTO_SCTP:
      // UDP (RFC 768) and SCTP (RFC 9260 §3.1) both open with source and destination port.
      if (avail >= 2) s.srcPort = (buf[q] << 8) | buf[q + 1];
      if (avail >= 4) s.dstPort = (buf[q + 2] << 8) | buf[q + 3];
      return;
    case PROTO_ICMP:
    case PROTO_ICMPV6:
      s.icmpType = buf[q];
      if (avail >= 2) s.icmpCode = buf[q + 1];
      return;
    default:
      return;
  }
}
