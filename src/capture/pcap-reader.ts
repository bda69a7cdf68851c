/**
 * Reads classic pcap and pcapng files and pulls the UDP datagrams out of them: for replaying
 * captured exporter traffic (fixtures, bug reports, `tcpdump -w` files from operators) through the
 * flow decoders without a network.
 *
 * Files are untrusted input: every length is checked against the bytes that are really there and
 * against a named limit before it is used, every loop advances by at least one header, and a
 * problem with the file's framing throws a PcapError with a code and the byte offset. A packet
 * that frames correctly but is not a usable UDP datagram (other protocol, IP fragment, cut by the
 * snap length, malformed IP/UDP header) is skipped and counted by reason, never thrown.
 *
 * Formats: classic pcap (draft-ietf-opsawg-pcap: both byte orders, microsecond and nanosecond
 * magic) and pcapng (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB, the obsolete Packet Block;
 * several sections and interfaces; both byte orders; if_tsresol and if_tsoffset).
 * Link types (tcpdump.org LINKTYPE_ values): NULL/loopback 0, Ethernet 1 (with 802.1Q/802.1ad
 * tags), RAW 101, Linux cooked SLL 113 and SLL2 276, IPv4 228, IPv6 229.
 *
 * Not on the hot path: this allocates a small object per packet and formats addresses as text.
 */
import { readFileSync, statSync } from 'node:fs';
import { formatIPv4, formatIPv6 } from '../net/ip.js';

/** Largest file readPcapFile loads into memory. */
export const MAX_PCAP_FILE_BYTES = 512 * 1024 * 1024;
/** Largest captured packet accepted (Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD). */
export const MAX_CAPTURED_PACKET_BYTES = 262_144;
/** Largest pcapng block accepted: a maximal packet plus generous room for options. */
export const MAX_PCAPNG_BLOCK_BYTES = 16 * 1024 * 1024;
/** Interfaces (IDBs) accepted per pcapng section. */
export const MAX_PCAPNG_INTERFACES = 4096;
/** VLAN tags followed in an Ethernet or cooked header before giving up (stacked 802.1Q/802.1ad). */
export const PCAP_MAX_VLAN_TAGS = 8;
/** IPv6 extension headers followed before giving up (RFC 8200 §4.1 allows each once, bar one). */
export const PCAP_MAX_IPV6_EXTENSION_HEADERS = 8;

/** LINKTYPE_ values (https://www.tcpdump.org/linktypes.html) that the reader understands. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const PCAP_ERROR_CODES = [
  /** Neither a classic pcap magic nor a pcapng Section Header Block. */
  'bad_magic',
  /** A format variant or version this reader does not handle. */
  'unsupported_format',
  /** The file ends inside a header, record or block. */
  'truncated',
  /** A pcapng block length that is too small, not a multiple of 4, or differs from its trailing copy. */
  'bad_block_length',
  /** A length above its named limit (packet, block, file). */
  'too_large',
  /** A packet block naming an interface that no IDB of its section described. */
  'bad_interface',
  /** More IDBs in one section than MAX_PCAPNG_INTERFACES. */
  'too_many_interfaces',
  /** A pcapng option that overruns its block, or a timestamp resolution that cannot be represented. */
  'bad_option',
] as const;
export type PcapErrorCode = (typeof PCAP_ERROR_CODES)[number];

export class PcapError extends Error {
  readonly code: PcapErrorCode;
  /** Byte offset in the file of the header, record or block at fault. */
  readonly offset: number;
  constructor(code: PcapErrorCode, offset: number, message: string) {
    super(`${message} (at byte ${offset})`);
    this.name = 'PcapError';
    this.code = code;
    this.offset = offset;
  }
}

/** One packet as stored in the file. `data` is a view into the file's buffer, not a copy. */
export interface CapturedPacket {
  /** 0-based position among the file's packets (records or packet blocks). */
  index: number;
  /**
   * Capture time as Unix milliseconds (fractional). Simple Packet Blocks carry no time
   * (pcapng §4.4): they get the time of the packet before them, or 0.
   */
  tsMs: number;
  linkType: number;
  /** pcapng interface id within its section; 0 for classic pcap. */
  interfaceId: number;
  /** Length of the packet on the wire; data.length may be smaller (snap length). */
  origLen: number;
  data: Buffer;
}

/** A UDP datagram found in a capture. `payload` is a view into the file's buffer. */
export interface UdpDatagram {
  /** CapturedPacket.index of the packet that carried it. */
  index: number;
  tsMs: number;
  ipVersion: 4 | 6;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  payload: Buffer;
}

/** Why a correctly framed packet yielded no datagram. */
export type SkipReason =
  /** Link type not in LinkType. */
  | 'link_type'
  /** Not IPv4/IPv6 (ARP, LLDP, an unknown loopback family, ...). */
  | 'not_ip'
  /** IP, but not UDP (or UDP behind ESP, which cannot be parsed). */
  | 'not_udp'
  /** An IPv4 fragment (MF or offset set) or an IPv6 packet with a non-atomic Fragment header. */
  | 'fragment'
  /** Cut by the snap length before the end of the IP packet. */
  | 'truncated'
  /** An IP or UDP header that contradicts itself or its enclosing lengths. */
  | 'malformed'
  /** More VLAN tags or IPv6 extension headers than the named limits. */
  | 'header_loop';

export class PcapReadStats {
  /** Packets read (records or packet blocks). */
  packets = 0;
  /** UDP datagrams yielded. */
  udp = 0;
  readonly skipped = new Map<SkipReason, number>();
  skip(reason: SkipReason): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }
}

export type CaptureFormat = 'pcap' | 'pcapng';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetzov's "modified" pcap: records have 8 extra bytes; libpcap reads it, we do not. */
const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;
const PCAP_FILE_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_IDB = 0x00000001;
const PCAPNG_OPB = 0x00000002;
const PCAPNG_SPB = 0x00000003;
const PCAPNG_EPB = 0x00000006;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Type + length + trailing length. */
const PCAPNG_MIN_BLOCK_BYTES = 12;
const PCAPNG_SHB_MIN_BYTES = 28;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Which format the buffer holds, judged from its first bytes; null if neither. */
export function detectFormat(buf: Buffer): CaptureFormat | null {
  if (buf.length < 4) return null;
  const le = buf.readUInt32LE(0);
  const be = buf.readUInt32BE(0);
  if (be === PCAPNG_SHB) return 'pcapng';
  for (const m of [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_MODIFIED]) {
    if (le === m || be === m) return 'pcap';
  }
  return null;
}

/** Every packet of a classic pcap or pcapng file, in file order. Throws PcapError on bad framing. */
export function* readPackets(buf: Buffer): Generator<CapturedPacket> {
  const format = detectFormat(buf);
  if (format === 'pcap') yield* readClassic(buf);
  else if (format === 'pcapng') yield* readPcapng(buf);
  else if (buf.length < 4) throw new PcapError('truncated', 0, `file of ${buf.length} bytes is too short for any capture format`);
  else throw new PcapError('bad_magic', 0, `not a pcap or pcapng file (first word 0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')})`);
}

function* readClassic(buf: Buffer): Generator<CapturedPacket> {
  if (buf.length < PCAP_FILE_HEADER_BYTES) {
    throw new PcapError('truncated', 0, `pcap file header needs ${PCAP_FILE_HEADER_BYTES} bytes, file has ${buf.length}`);
  }
  // The magic is written in the writer's byte order; reading it both ways tells us which.
  const le = buf.readUInt32LE(0) === PCAP_MAGIC_US || buf.readUInt32LE(0) === PCAP_MAGIC_NS || buf.readUInt32LE(0) === PCAP_MAGIC_MODIFIED;
  const u32 = le ? (o: number) => buf.readUInt32LE(o) : (o: number) => buf.readUInt32BE(o);
  const u16 = le ? (o: number) => buf.readUInt16LE(o) : (o: number) => buf.readUInt16BE(o);
  const magic = u32(0);
  if (magic === PCAP_MAGIC_MODIFIED) {
    throw new PcapError('unsupported_format', 0, 'modified (Kuznetzov) pcap is not supported; convert it with editcap -F pcap');
  }
  const nanos = magic === PCAP_MAGIC_NS;
  const major = u16(4);
  if (major !== 2) throw new PcapError('unsupported_format', 4, `pcap version ${major}.${u16(6)} (only 2.x exists)`);
  // The link type is the low 16 bits; the upper bits may carry FCS information (pcap draft §4),
  // which does not matter here because UDP payloads are cut by the IP/UDP lengths, not the frame end.
  const linkType = u32(20) & 0xffff;
  let off = PCAP_FILE_HEADER_BYTES;
  let index = 0;
  while (off < buf.length) {
    if (buf.length - off < PCAP_RECORD_HEADER_BYTES) {
      throw new PcapError('truncated', off, `file ends inside a record header (${buf.length - off} of ${PCAP_RECORD_HEADER_BYTES} bytes)`);
    }
    const sec = u32(off);
    const frac = u32(off + 4);
    const inclLen = u32(off + 8);
    const origLen = u32(off + 12);
    if (inclLen > MAX_CAPTURED_PACKET_BYTES) {
      throw new PcapError('too_large', off, `record length ${inclLen} exceeds MAX_CAPTURED_PACKET_BYTES (${MAX_CAPTURED_PACKET_BYTES})`);
    }
    const start = off + PCAP_RECORD_HEADER_BYTES;
    if (inclLen > buf.length - start) {
      throw new PcapError('truncated', off, `file ends inside a packet (${buf.length - start} of ${inclLen} bytes)`);
    }
    yield {
      index: index++,
      tsMs: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3),
      linkType,
      interfaceId: 0,
      origLen,
      data: buf.subarray(start, start + inclLen),
    };
    off = start + inclLen;
  }
}

interface Interface {
  linkType: number;
  snapLen: number;
  /** Timestamp units per second (if_tsresol; default 10^6). */
  unitsPerSecond: bigint;
  /** if_tsoffset in seconds. */
  offsetSeconds: bigint;
}

function* readPcapng(buf: Buffer): Generator<CapturedPacket> {
  let off = 0;
  let le = true;
  let interfaces: Interface[] = [];
  let index = 0;
  let lastTsMs = 0;
  let sawSection = false;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));

  while (off < buf.length) {
    if (buf.length - off < PCAPNG_MIN_BLOCK_BYTES) {
      throw new PcapError('truncated', off, `file ends inside a block header (${buf.length - off} bytes left)`);
    }
    // The SHB's type reads the same in both byte orders, and its byte-order magic decides how
    // everything after it in the section, including its own length, is read (pcapng §4.1).
    const isShb = buf.readUInt32BE(off) === PCAPNG_SHB;
    if (isShb) {
      if (buf.length - off < 12) throw new PcapError('truncated', off, 'file ends inside a Section Header Block');
      const bom = buf.readUInt32LE(off + 8);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
      else if (buf.readUInt32BE(off + 8) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
      else throw new PcapError('bad_magic', off + 8, 'Section Header Block without a valid byte-order magic');
      sawSection = true;
      interfaces = [];
    } else if (!sawSection) {
      throw new PcapError('bad_magic', off, 'pcapng file does not start with a Section Header Block');
    }
    const type = u32(off);
    const total = u32(off + 4);
    if (total < PCAPNG_MIN_BLOCK_BYTES || total % 4 !== 0) {
      throw new PcapError('bad_block_length', off, `block length ${total} is below ${PCAPNG_MIN_BLOCK_BYTES} or not a multiple of 4`);
    }
    if (total > MAX_PCAPNG_BLOCK_BYTES) {
      throw new PcapError('too_large', off, `block length ${total} exceeds MAX_PCAPNG_BLOCK_BYTES (${MAX_PCAPNG_BLOCK_BYTES})`);
    }
    if (total > buf.length - off) {
      throw new PcapError('truncated', off, `file ends inside a block (${buf.length - off} of ${total} bytes)`);
    }
    if (u32(off + total - 4) !== total) {
      throw new PcapError('bad_block_length', off, `block length ${total} differs from its trailing copy ${u32(off + total - 4)}`);
    }
    const body = off + 8;
    const bodyLen = total - PCAPNG_MIN_BLOCK_BYTES;

    if (isShb) {
      if (total < PCAPNG_SHB_MIN_BYTES) {
        throw new PcapError('bad_block_length', off, `Section Header Block of ${total} bytes (minimum ${PCAPNG_SHB_MIN_BYTES})`);
      }
      const major = u16(body + 4);
      if (major !== 1) throw new PcapError('unsupported_format', off, `pcapng major version ${major} (only 1 exists)`);
    } else if (type === PCAPNG_IDB) {
      if (bodyLen < 8) throw new PcapError('bad_block_length', off, `Interface Description Block body of ${bodyLen} bytes (minimum 8)`);
      if (interfaces.length >= MAX_PCAPNG_INTERFACES) {
        throw new PcapError('too_many_interfaces', off, `more than MAX_PCAPNG_INTERFACES (${MAX_PCAPNG_INTERFACES}) interfaces in one section`);
      }
      const itf: Interface = { linkType: u16(body), snapLen: u32(body + 4), unitsPerSecond: 1_000_000n, offsetSeconds: 0n };
      readIdbOptions(buf, body + 8, body + bodyLen, le, itf, off);
      interfaces.push(itf);
    } else if (type === PCAPNG_EPB || type === PCAPNG_OPB) {
      if (bodyLen < 20) throw new PcapError('bad_block_length', off, `packet block body of ${bodyLen} bytes (minimum 20)`);
      const ifId = type === PCAPNG_EPB ? u32(body) : u16(body);
      const itf = interfaces[ifId];
      if (itf === undefined) {
        throw new PcapError('bad_interface', off, `packet block names interface ${ifId}, section has ${interfaces.length}`);
      }
      const capLen = u32(body + 12);
      const origLen = u32(body + 16);
      if (capLen > MAX_CAPTURED_PACKET_BYTES) {
        throw new PcapError('too_large', off, `captured length ${capLen} exceeds MAX_CAPTURED_PACKET_BYTES (${MAX_CAPTURED_PACKET_BYTES})`);
      }
      if (capLen > bodyLen - 20) {
        throw new PcapError('bad_block_length', off, `captured length ${capLen} does not fit in the block (${bodyLen - 20} bytes)`);
      }
      lastTsMs = timestampMs(itf, u32(body + 4), u32(body + 8));
      yield {
        index: index++,
        tsMs: lastTsMs,
        linkType: itf.linkType,
        interfaceId: ifId,
        origLen,
        data: buf.subarray(body + 20, body + 20 + capLen),
      };
    } else if (type === PCAPNG_SPB) {
      if (bodyLen < 4) throw new PcapError('bad_block_length', off, `Simple Packet Block body of ${bodyLen} bytes (minimum 4)`);
      const itf = interfaces[0];
      if (itf === undefined) throw new PcapError('bad_interface', off, 'Simple Packet Block before any Interface Description Block');
      const origLen = u32(body);
      // pcapng §4.4: the captured length is the smaller of the original length, the interface's
      // snap length (0 = none) and what the block holds.
      let capLen = Math.min(origLen, bodyLen - 4);
      if (itf.snapLen > 0) capLen = Math.min(capLen, itf.snapLen);
      if (capLen > MAX_CAPTURED_PACKET_BYTES) {
        throw new PcapError('too_large', off, `captured length ${capLen} exceeds MAX_CAPTURED_PACKET_BYTES (${MAX_CAPTURED_PACKET_BYTES})`);
      }
      yield {
        index: index++,
        tsMs: lastTsMs,
        linkType: itf.linkType,
        interfaceId: 0,
        origLen,
        data: buf.subarray(body + 4, body + 4 + capLen),
      };
    }
    // Every other block type (name resolution, statistics, decryption secrets, custom) carries
    // nothing we need and is skipped by its length, which was checked above.
    off += total;
  }
}

function readIdbOptions(buf: Buffer, start: number, end: number, le: boolean, itf: Interface, blockOff: number): void {
  let p = start;
  while (end - p >= 4) {
    const code = le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
    const len = le ? buf.readUInt16LE(p + 2) : buf.readUInt16BE(p + 2);
    if (code === 0) return; // opt_endofopt
    const padded = (len + 3) & ~3;
    if (padded > end - p - 4) throw new PcapError('bad_option', blockOff, `option ${code} of ${len} bytes overruns its block`);
    const v = p + 4;
    if (code === OPT_IF_TSRESOL && len >= 1) {
      // pcapng §4.2: MSB clear = negative power of 10, set = negative power of 2.
      const r = buf[v];
      const exp = r & 0x7f;
      if (r & 0x80) {
        if (exp > 63) throw new PcapError('bad_option', blockOff, `if_tsresol 2^-${exp} is finer than 64-bit timestamps can hold`);
        itf.unitsPerSecond = 1n << BigInt(exp);
      } else {
        if (exp > 19) throw new PcapError('bad_option', blockOff, `if_tsresol 10^-${exp} is finer than 64-bit timestamps can hold`);
        itf.unitsPerSecond = 10n ** BigInt(exp);
      }
      if (itf.unitsPerSecond === 0n) itf.unitsPerSecond = 1n;
    } else if (code === OPT_IF_TSOFFSET && len >= 8) {
      itf.offsetSeconds = le ? buf.readBigInt64LE(v) : buf.readBigInt64BE(v);
    }
    p = v + padded;
  }
}

/**
 * 64-bit timestamp in the interface's units → Unix ms. BigInt because nanosecond timestamps
 * (~1.7e18) exceed 2^53; the result keeps microseconds exactly and nanoseconds to within 0.25 µs.
 */
function timestampMs(itf: Interface, high: number, low: number): number {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const sec = units / itf.unitsPerSecond + itf.offsetSeconds;
  const rem = units % itf.unitsPerSecond;
  return Number(sec) * 1000 + (Number(rem) * 1000) / Number(itf.unitsPerSecond);
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
const IPPROTO_UDP = 17;
/** BSD/Linux/FreeBSD/macOS AF_INET6 values seen in LINKTYPE_NULL headers. */
const NULL_AF_INET = 2;
const NULL_AF_INET6 = new Set([10, 24, 28, 30]);

/**
 * The UDP datagram carried by one packet, or why there is none. Handles only unfragmented
 * datagrams: flow exporters send datagrams well below the path MTU, and reassembly would need
 * state across packets.
 */
export function parseUdpPacket(pkt: CapturedPacket): UdpDatagram | SkipReason {
  const d = pkt.data;
  let off: number;
  let etherType: number;
  switch (pkt.linkType) {
    case LinkType.ETHERNET:
      if (d.length < 14) return 'truncated';
      off = 14;
      etherType = d.readUInt16BE(12);
      break;
    case LinkType.LINUX_SLL:
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2)
      if (d.length < 16) return 'truncated';
      off = 16;
      etherType = d.readUInt16BE(14);
      break;
    case LinkType.LINUX_SLL2:
      // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8)
      if (d.length < 20) return 'truncated';
      off = 20;
      etherType = d.readUInt16BE(0);
      break;
    case LinkType.RAW:
      if (d.length < 1) return 'truncated';
      off = 0;
      etherType = d[0] >> 4 === 4 ? ETHERTYPE_IPV4 : d[0] >> 4 === 6 ? ETHERTYPE_IPV6 : 0;
      break;
    case LinkType.IPV4:
      off = 0;
      etherType = ETHERTYPE_IPV4;
      break;
    case LinkType.IPV6:
      off = 0;
      etherType = ETHERTYPE_IPV6;
      break;
    case LinkType.NULL: {
      // The address family is in the capturing host's byte order, which the file does not
      // record; the family values are small, so whichever reading is small is the right one.
      if (d.length < 4) return 'truncated';
      const l = d.readUInt32LE(0);
      const b = d.readUInt32BE(0);
      const family = l < 256 ? l : b < 256 ? b : -1;
      off = 4;
      etherType = family === NULL_AF_INET ? ETHERTYPE_IPV4 : NULL_AF_INET6.has(family) ? ETHERTYPE_IPV6 : 0;
      break;
    }
    default:
      return 'link_type';
  }
  if (pkt.linkType === LinkType.ETHERNET || pkt.linkType === LinkType.LINUX_SLL || pkt.linkType === LinkType.LINUX_SLL2) {
    let tags = 0;
    while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD) {
      if (++tags > PCAP_MAX_VLAN_TAGS) return 'header_loop';
      if (d.length - off < 4) return 'truncated';
      etherType = d.readUInt16BE(off + 2);
      off += 4;
    }
  }
  if (etherType === ETHERTYPE_IPV4) return parseIPv4(pkt, off);
  if (etherType === ETHERTYPE_IPV6) return parseIPv6(pkt, off);
  return 'not_ip';
}

function parseIPv4(pkt: CapturedPacket, off: number): UdpDatagram | SkipReason {
  const d = pkt.data;
  if (d.length - off < 1) return 'truncated';
  if (d[off] >> 4 !== 4) return 'malformed';
  if (d.length - off < 20) return 'truncated';
  const ihl = (d[off] & 0x0f) * 4;
  if (ihl < 20) return 'malformed';
  const totalLen = d.readUInt16BE(off + 2);
  if (totalLen < ihl) return 'malformed';
  if (totalLen > d.length - off) return 'truncated';
  const frag = d.readUInt16BE(off + 6);
  if ((frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0) return 'fragment';
  if (d[off + 9] !== IPPROTO_UDP) return 'not_udp';
  const src = formatIPv4(d.readUInt32BE(off + 12));
  const dst = formatIPv4(d.readUInt32BE(off + 16));
  return parseUdp(pkt, 4, src, dst, off + ihl, off + totalLen);
}

function parseIPv6(pkt: CapturedPacket, off: number): UdpDatagram | SkipReason {
  const d = pkt.data;
  if (d.length - off < 1) return 'truncated';
  if (d[off] >> 4 !== 6) return 'malformed';
  if (d.length - off < 40) return 'truncated';
  const payloadLen = d.readUInt16BE(off + 4);
  // Payload length 0 means a Jumbo Payload option (RFC 2675): never a flow export datagram.
  if (payloadLen === 0) return 'malformed';
  const end = off + 40 + payloadLen;
  if (end > d.length) return 'truncated';
  let next = d[off + 6];
  let p = off + 40;
  for (let n = 0; ; n++) {
    if (next === IPPROTO_UDP) break;
    if (n >= PCAP_MAX_IPV6_EXTENSION_HEADERS) return 'header_loop';
    let len: number;
    if (next === 0 || next === 43 || next === 60) {
      // Hop-by-Hop, Routing, Destination Options: length in 8-octet units, not counting the first 8.
      if (end - p < 2) return 'malformed';
      len = (d[p + 1] + 1) * 8;
    } else if (next === 44) {
      // Fragment header (RFC 8200 §4.5); an "atomic fragment" (offset 0, M clear, RFC 6946)
      // is a whole packet.
      if (end - p < 8) return 'malformed';
      const fo = d.readUInt16BE(p + 2);
      if ((fo & 0xfff8) !== 0 || (fo & 1) !== 0) return 'fragment';
      len = 8;
    } else if (next === 51) {
      // Authentication Header (RFC 4302 §2.2): length in 4-octet units, minus 2.
      if (end - p < 2) return 'malformed';
      len = (d[p + 1] + 2) * 4;
    } else {
      return 'not_udp'; // TCP, ICMPv6, ESP (opaque), No Next Header, ...
    }
    if (len > end - p) return 'malformed';
    next = d[p];
    p += len;
  }
  const src = formatIPv6(d, off + 8);
  const dst = formatIPv6(d, off + 24);
  return parseUdp(pkt, 6, src, dst, p, end);
}

function parseUdp(pkt: CapturedPacket, ipVersion: 4 | 6, srcAddr: string, dstAddr: string, off: number, end: number): UdpDatagram | SkipReason {
  const d = pkt.data;
  if (end - off < 8) return 'malformed';
  const udpLen = d.readUInt16BE(off + 4);
  if (udpLen < 8 || udpLen > end - off) return 'malformed';
  return {
    index: pkt.index,
    tsMs: pkt.tsMs,
    ipVersion,
    srcAddr,
    srcPort: d.readUInt16BE(off),
    dstAddr,
    dstPort: d.readUInt16BE(off + 2),
    payload: d.subarray(off + 8, off + udpLen),
  };
}

/** Every unfragmented UDP datagram in a capture, in file order. Skipped packets go into `stats`. */
export function* readUdpDatagrams(buf: Buffer, stats?: PcapReadStats): Generator<UdpDatagram> {
  for (const pkt of readPackets(buf)) {
    if (stats) stats.packets++;
    const r = parseUdpPacket(pkt);
    if (typeof r === 'string') {
      stats?.skip(r);
      continue;
    }
    if (stats) stats.udp++;
    yield r;
  }
}

/** Loads a capture file after checking its size against MAX_PCAP_FILE_BYTES. */
export function readPcapFile(path: string): Buffer {
  const size = statSync(path).size;
  if (size > MAX_PCAP_FILE_BYTES) {
    throw new PcapError('too_large', 0, `${path}: ${size} bytes exceeds MAX_PCAP_FILE_BYTES (${MAX_PCAP_FILE_BYTES})`);
  }
  return readFileSync(path);
}

/** All UDP datagrams of a capture file (loaded whole; see MAX_PCAP_FILE_BYTES). */
export function readUdpDatagramsFromFile(path: string, stats?: PcapReadStats): UdpDatagram[] {
  return [...readUdpDatagrams(readPcapFile(path), stats)];
}
