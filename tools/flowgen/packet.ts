/**
 * Builds the raw Ethernet frame an sFlow agent would copy into a sampled-header record
 * (sFlow v5 §5.2 "sampled_header", header_protocol 1 = ETHERNET-ISO88023): Ethernet, optional
 * 802.1Q tag, IPv4 or IPv6 (with a fragment extension header for IPv6 fragments), then TCP, UDP,
 * ICMP or ICMPv6 for unfragmented packets and first fragments. The payload is zeros, which lets
 * every checksum be computed correctly without materialising the whole packet: zero words add
 * nothing to the one's-complement sum (RFC 1071).
 */
import { IPPROTO, l3Overhead, type ResolvedFlow } from './traffic.js';

/** Real agents copy the first 128 bytes of a frame by default (sFlow v5 §4, "header_bytes"). */
export const DEFAULT_HEADER_BYTES = 128;
/** FCS bytes counted in frame_length but never in the copied header (reported as "stripped"). */
export const FCS_BYTES = 4;

export interface PacketOptions {
  /** Bytes of the frame to keep (truncation like an agent). Default 128. */
  maxHeaderBytes?: number;
  /** 6-byte MAC addresses. Defaults are locally administered (02:…). */
  srcMac?: Uint8Array;
  dstMac?: Uint8Array;
}

const DEFAULT_SRC_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x01);
const DEFAULT_DST_MAC = Uint8Array.of(0x02, 0, 0, 0, 0, 0x02);

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const IPV6_FRAGMENT_HEADER = 44;

/** Headers never exceed 18 (Ethernet + 802.1Q) + 48 (IPv6 + fragment header) + 20 (TCP). */
const MAX_HEADERS = 96;

function sum16(b: Uint8Array, start: number, end: number, acc: number): number {
  let s = acc;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  return s;
}

function fold(s: number): number {
  let x = s;
  while (x > 0xffff) x = (x & 0xffff) + Math.floor(x / 0x10000);
  return ~x & 0xffff;
}

/**
 * The frame as it would be on the wire, without FCS, truncated to maxHeaderBytes. Its untruncated
 * length is `flow.packetSize - 4`; the sFlow record reports frame_length = packetSize, stripped = 4.
 */
export function buildPacketHeader(flow: ResolvedFlow, opts: PacketOptions = {}): Buffer {
  const maxHeader = opts.maxHeaderBytes ?? DEFAULT_HEADER_BYTES;
  if (!Number.isInteger(maxHeader) || maxHeader < 1) throw new RangeError('maxHeaderBytes must be a positive integer');
  const frameNoFcs = flow.packetSize - FCS_BYTES;
  const b = Buffer.alloc(Math.max(MAX_HEADERS, Math.min(frameNoFcs, maxHeader)));
  (opts.dstMac ?? DEFAULT_DST_MAC).forEach((v, i) => (b[i] = v));
  (opts.srcMac ?? DEFAULT_SRC_MAC).forEach((v, i) => (b[6 + i] = v));
  let o = 12;
  if (flow.vlan > 0) {
    b.writeUInt16BE(ETHERTYPE_VLAN, o);
    b.writeUInt16BE(flow.vlan & 0x0fff, o + 2);
    o += 4;
  }
  b.writeUInt16BE(flow.ipVersion === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, o);
  o += 2;
  const over = l3Overhead(flow.ipVersion, flow.vlan, flow.fragment);
  const ipTotal = frameNoFcs - over.l2;
  const l4Length = ipTotal - over.ip;
  // Fragments of one datagram share an identification; a per-flow constant is enough.
  const ident = (flow.index * 7919 + 1) & 0xffff;
  if (flow.ipVersion === 4) {
    b[o] = 0x45;
    b[o + 1] = flow.tos;
    b.writeUInt16BE(ipTotal, o + 2);
    b.writeUInt16BE(ident, o + 4);
    b.writeUInt16BE((flow.moreFragments ? 0x2000 : 0) | flow.fragmentOffset, o + 6);
    b[o + 8] = flow.ttl;
    b[o + 9] = flow.protocol;
    b.set(flow.src, o + 12);
    b.set(flow.dst, o + 16);
    b.writeUInt16BE(fold(sum16(b, o, o + 20, 0)), o + 10);
    o += 20;
  } else {
    b.writeUInt32BE(((6 << 28) | (flow.tos << 20)) >>> 0, o);
    b.writeUInt16BE(ipTotal - 40, o + 4);
    b[o + 6] = flow.fragment !== undefined ? IPV6_FRAGMENT_HEADER : flow.protocol;
    b[o + 7] = flow.ttl;
    b.set(flow.src, o + 8);
    b.set(flow.dst, o + 24);
    o += 40;
    if (flow.fragment !== undefined) {
      // RFC 8200 §4.5: next header, reserved, offset (13 bits) << 3 | M, identification.
      b[o] = flow.protocol;
      b.writeUInt16BE((flow.fragmentOffset << 3) | (flow.moreFragments ? 1 : 0), o + 2);
      b.writeUInt32BE(ident + 0x10000 * flow.index, o + 4);
      o += 8;
    }
  }
  if (flow.hasL4) {
    const l4 = o;
    // A first fragment's UDP length covers the reassembled datagram: pretend two more 1480-byte parts follow.
    const fullL4 = flow.fragment === 'first' ? Math.min(0xffff, l4Length + 2960) : l4Length;
    let pseudo = 0;
    if (flow.ipVersion === 4) {
      pseudo = sum16(flow.src, 0, 4, 0);
      pseudo = sum16(flow.dst, 0, 4, pseudo) + flow.protocol + fullL4;
    } else {
      pseudo = sum16(flow.src, 0, 16, 0);
      pseudo = sum16(flow.dst, 0, 16, pseudo) + flow.protocol + fullL4;
    }
    switch (flow.protocol) {
      case IPPROTO.TCP:
        b.writeUInt16BE(flow.srcPort, l4);
        b.writeUInt16BE(flow.dstPort, l4 + 2);
        b.writeUInt32BE(0x10000000 + flow.index, l4 + 4);
        b.writeUInt32BE(flow.tcpFlags & 0x10 ? 0x20000000 : 0, l4 + 8);
        b[l4 + 12] = 5 << 4;
        b[l4 + 13] = flow.tcpFlags;
        b.writeUInt16BE(64240, l4 + 14);
        b.writeUInt16BE(fold(sum16(b, l4, l4 + 20, pseudo)), l4 + 16);
        o += 20;
        break;
      case IPPROTO.UDP:
        b.writeUInt16BE(flow.srcPort, l4);
        b.writeUInt16BE(flow.dstPort, l4 + 2);
        b.writeUInt16BE(fullL4, l4 + 4);
        // RFC 768 allows 0 ("no checksum") over IPv4; a first fragment cannot know the full sum.
        if (flow.fragment === undefined || flow.ipVersion === 6) {
          const c = fold(sum16(b, l4, l4 + 8, pseudo));
          b.writeUInt16BE(c === 0 ? 0xffff : c, l4 + 6);
        }
        o += 8;
        break;
      case IPPROTO.ICMP:
      case IPPROTO.ICMPV6:
        b[l4] = flow.icmpType;
        b[l4 + 1] = flow.icmpCode;
        b.writeUInt16BE(flow.index & 0xffff, l4 + 4);
        b.writeUInt16BE(1, l4 + 6);
        // ICMPv4 sums the message only; ICMPv6 adds the pseudo-header (RFC 4443 §2.3).
        b.writeUInt16BE(fold(sum16(b, l4, l4 + 8, flow.protocol === IPPROTO.ICMPV6 ? pseudo : 0)), l4 + 2);
        o += 8;
        break;
      default:
        break;
    }
  }
  const keep = Math.min(frameNoFcs, maxHeader);
  return Buffer.from(b.subarray(0, keep));
}
