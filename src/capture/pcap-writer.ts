/**
 * Writes classic pcap and pcapng files, and wraps UDP payloads into link-layer frames of every
 * link type the reader understands. For tests (hand-made files in both byte orders, every link
 * type, malformed variants) and tools that save datagrams for later replay or a bug report.
 * Allocates freely: never on the hot path.
 */
import { parseAddress } from '../net/ip.js';
import { LinkType } from './pcap-reader.js';

export interface PcapRecord {
  /** Unix milliseconds; the fraction is kept to the file's resolution (µs or ns). */
  tsMs: number;
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  origLen?: number;
}

export interface PcapWriteOptions {
  linkType: number;
  /** Byte order of the writer (default little-endian, as on x86). */
  bigEndian?: boolean;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  nanos?: boolean;
  snapLen?: number;
}

/** A classic pcap file (draft-ietf-opsawg-pcap). */
export function encodePcap(records: readonly PcapRecord[], opts: PcapWriteOptions): Buffer {
  const be = opts.bigEndian === true;
  const parts: Buffer[] = [];
  const hdr = Buffer.alloc(24);
  w32(hdr, 0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, be);
  w16(hdr, 4, 2, be);
  w16(hdr, 6, 4, be);
  w32(hdr, 16, opts.snapLen ?? 262144, be);
  w32(hdr, 20, opts.linkType, be);
  parts.push(hdr);
  const perSec = opts.nanos ? 1e9 : 1e6;
  for (const r of records) {
    const rh = Buffer.alloc(16);
    const sec = Math.floor(r.tsMs / 1000);
    const frac = Math.round((r.tsMs - sec * 1000) * (perSec / 1000));
    w32(rh, 0, sec, be);
    w32(rh, 4, frac, be);
    w32(rh, 8, r.data.length, be);
    w32(rh, 12, r.origLen ?? r.data.length, be);
    parts.push(rh, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

export interface PcapngInterfaceSpec {
  linkType: number;
  snapLen?: number;
  /** Raw if_tsresol option byte (pcapng §4.2); omitted = microseconds. */
  tsResol?: number;
  /** if_tsoffset option in seconds. */
  tsOffsetSeconds?: bigint;
}

export interface PcapngPacketSpec {
  /** 'epb' (default), 'spb' (no interface id, no time) or the obsolete 'opb'. */
  kind?: 'epb' | 'spb' | 'opb';
  interfaceId?: number;
  /** Timestamp in the interface's units (if_tsresol). */
  timestamp?: bigint;
  data: Uint8Array;
  origLen?: number;
}

export interface PcapngSectionSpec {
  bigEndian?: boolean;
  interfaces: readonly PcapngInterfaceSpec[];
  packets: readonly PcapngPacketSpec[];
  /** Extra raw blocks (type, body) written after the IDBs, e.g. to check that unknown ones are skipped. */
  extraBlocks?: readonly { type: number; body: Uint8Array }[];
}

/** A pcapng file (draft-ietf-opsawg-pcapng) with one or more sections. */
export function encodePcapng(sections: readonly PcapngSectionSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of sections) {
    const be = s.bigEndian === true;
    const shb = Buffer.alloc(16);
    w32(shb, 0, 0x1a2b3c4d, be);
    w16(shb, 4, 1, be);
    w16(shb, 6, 0, be);
    shb.writeInt32BE(-1, 8); // section length unknown (-1 reads the same in both orders)
    shb.writeInt32BE(-1, 12);
    parts.push(block(0x0a0d0d0a, shb, be));
    for (const itf of s.interfaces) {
      const opts: Buffer[] = [];
      if (itf.tsResol !== undefined) opts.push(option(9, Buffer.from([itf.tsResol]), be));
      if (itf.tsOffsetSeconds !== undefined) {
        const v = Buffer.alloc(8);
        if (be) v.writeBigInt64BE(itf.tsOffsetSeconds);
        else v.writeBigInt64LE(itf.tsOffsetSeconds);
        opts.push(option(14, v, be));
      }
      if (opts.length > 0) opts.push(Buffer.alloc(4)); // opt_endofopt
      const body = Buffer.alloc(8);
      w16(body, 0, itf.linkType, be);
      w32(body, 4, itf.snapLen ?? 0, be);
      parts.push(block(1, Buffer.concat([body, ...opts]), be));
    }
    for (const x of s.extraBlocks ?? []) parts.push(block(x.type, Buffer.from(x.body), be));
    for (const p of s.packets) {
      const kind = p.kind ?? 'epb';
      const data = pad4(Buffer.from(p.data));
      if (kind === 'spb') {
        const body = Buffer.alloc(4);
        w32(body, 0, p.origLen ?? p.data.length, be);
        parts.push(block(3, Buffer.concat([body, data]), be));
        continue;
      }
      const ts = p.timestamp ?? 0n;
      const body = Buffer.alloc(20);
      if (kind === 'epb') {
        w32(body, 0, p.interfaceId ?? 0, be);
      } else {
        w16(body, 0, p.interfaceId ?? 0, be);
        w16(body, 2, 0, be);
      }
      w32(body, 4, Number(ts >> 32n), be);
      w32(body, 8, Number(ts & 0xffffffffn), be);
      w32(body, 12, p.data.length, be);
      w32(body, 16, p.origLen ?? p.data.length, be);
      parts.push(block(kind === 'epb' ? 6 : 2, Buffer.concat([body, data]), be));
    }
  }
  return Buffer.concat(parts);
}

export interface UdpSpec {
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  /** 802.1Q tags to put in front of the IP header (Ethernet, SLL, SLL2 only). */
  vlans?: readonly number[];
  ttl?: number;
}

/** An IPv4 or IPv6 packet carrying one UDP datagram (checksums left 0: nothing here checks them). */
export function ipUdpPacket(u: UdpSpec): Buffer {
  const src = parseAddress(u.srcAddr);
  const dst = parseAddress(u.dstAddr);
  if (src === null || dst === null || src.version !== dst.version) throw new Error(`bad addresses ${u.srcAddr} ${u.dstAddr}`);
  const udp = Buffer.alloc(8 + u.payload.length);
  udp.writeUInt16BE(u.srcPort, 0);
  udp.writeUInt16BE(u.dstPort, 2);
  udp.writeUInt16BE(udp.length, 4);
  udp.set(u.payload, 8);
  if (src.version === 4) {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udp.length, 2);
    ip[8] = u.ttl ?? 64;
    ip[9] = 17;
    ip.set(src.bytes, 12);
    ip.set(dst.bytes, 16);
    return Buffer.concat([ip, udp]);
  }
  const ip = Buffer.alloc(40);
  ip[0] = 0x60;
  ip.writeUInt16BE(udp.length, 4);
  ip[6] = 17;
  ip[7] = u.ttl ?? 64;
  ip.set(src.bytes, 8);
  ip.set(dst.bytes, 24);
  return Buffer.concat([ip, udp]);
}

/** A link-layer frame of `linkType` around an IP packet (first nibble = IP version). */
export function linkFrame(linkType: number, ipPacket: Uint8Array, vlans: readonly number[] = []): Buffer {
  const v6 = ipPacket[0] >> 4 === 6;
  const etherType = v6 ? 0x86dd : 0x0800;
  const ip = Buffer.from(ipPacket);
  const tags = Buffer.alloc(vlans.length * 4);
  vlans.forEach((id, i) => {
    // Each tag's TPID is in the header before it; its own 2 bytes of TCI then the next type.
    tags.writeUInt16BE(id & 0x0fff, i * 4);
    tags.writeUInt16BE(i + 1 < vlans.length ? 0x8100 : etherType, i * 4 + 2);
  });
  const outerType = vlans.length > 0 ? 0x8100 : etherType;
  switch (linkType) {
    case LinkType.ETHERNET: {
      const h = Buffer.alloc(14);
      h.set([0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a]);
      h.writeUInt16BE(outerType, 12);
      return Buffer.concat([h, tags, ip]);
    }
    case LinkType.LINUX_SLL: {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(0, 0); // PACKET_HOST
      h.writeUInt16BE(1, 2); // ARPHRD_ETHER
      h.writeUInt16BE(6, 4);
      h.set([0x02, 0, 0, 0, 0, 0x0a], 6);
      h.writeUInt16BE(outerType, 14);
      return Buffer.concat([h, tags, ip]);
    }
    case LinkType.LINUX_SLL2: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(outerType, 0);
      h.writeUInt32BE(2, 4); // ifindex
      h.writeUInt16BE(1, 8); // ARPHRD_ETHER
      h[10] = 0; // PACKET_HOST
      h[11] = 6;
      h.set([0x02, 0, 0, 0, 0, 0x0a], 12);
      return Buffer.concat([h, tags, ip]);
    }
    case LinkType.NULL: {
      // Host byte order of the capturing machine: little-endian here; AF_INET6 as on Linux (10).
      const h = Buffer.alloc(4);
      h.writeUInt32LE(v6 ? 10 : 2, 0);
      return Buffer.concat([h, ip]);
    }
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return ip;
    default:
      throw new Error(`linkFrame: link type ${linkType} not supported`);
  }
}

function block(type: number, body: Buffer, be: boolean): Buffer {
  const b = pad4(body);
  const total = b.length + 12;
  const out = Buffer.alloc(total);
  w32(out, 0, type, be);
  w32(out, 4, total, be);
  b.copy(out, 8);
  w32(out, total - 4, total, be);
  return out;
}

function option(code: number, value: Buffer, be: boolean): Buffer {
  const h = Buffer.alloc(4);
  w16(h, 0, code, be);
  w16(h, 2, value.length, be);
  return Buffer.concat([h, pad4(value)]);
}

function pad4(b: Buffer): Buffer {
  const r = b.length % 4;
  return r === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - r)]);
}

function w32(b: Buffer, o: number, v: number, be: boolean): void {
  if (be) b.writeUInt32BE(v >>> 0, o);
  else b.writeUInt32LE(v >>> 0, o);
}

function w16(b: Buffer, o: number, v: number, be: boolean): void {
  if (be) b.writeUInt16BE(v, o);
  else b.writeUInt16LE(v, o);
}
