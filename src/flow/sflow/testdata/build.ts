/**
 * Test-only builders for hand-made sFlow v5 datagrams and the packets inside them. Every field
 * can be overridden (lengths and counts included) so malformed-input tests can lie on purpose.
 * Not used by the daemon; flowgen has its own encoder.
 */
import { parseAddress } from '../../../net/ip.js';

function addr(text: string): Uint8Array {
  const a = parseAddress(text);
  if (a === null) throw new Error(`bad address ${text}`);
  return a.bytes;
}

/** Big-endian 32-bit words and raw bytes, concatenated. */
export class Xdr {
  private readonly parts: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  u64(v: number): this {
    return this.u32(Math.floor(v / 4294967296)).u32(v % 4294967296);
  }
  bytes(b: Uint8Array): this {
    this.parts.push(Buffer.from(b));
    return this;
  }
  /** XDR address: type then the bytes. */
  address(text: string): this {
    const b = addr(text);
    return this.u32(b.length === 4 ? 1 : 2).bytes(b);
  }
  /** XDR opaque<>: length, bytes, zero padding to 4. */
  opaque(b: Uint8Array, lengthOverride?: number): this {
    this.u32(lengthOverride ?? b.length).bytes(b);
    const pad = (4 - (b.length % 4)) % 4;
    if (pad > 0) this.parts.push(Buffer.alloc(pad));
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A data_format + length framed item (sample or record). */
export function framed(format: number, body: Buffer, lengthOverride?: number): Buffer {
  return new Xdr().u32(format).u32(lengthOverride ?? body.length).bytes(body).build();
}

export interface DatagramOptions {
  version?: number;
  agent?: string;
  agentType?: number;
  subAgent?: number;
  sequence?: number;
  uptime?: number;
  numSamples?: number;
}

export function datagram(samples: Buffer[], o: DatagramOptions = {}): Buffer {
  const x = new Xdr().u32(o.version ?? 5);
  if (o.agentType !== undefined) x.u32(o.agentType).bytes(o.agentType === 2 ? new Uint8Array(16) : o.agentType === 1 ? new Uint8Array(4) : new Uint8Array(0));
  else x.address(o.agent ?? '192.0.2.1');
  x.u32(o.subAgent ?? 0).u32(o.sequence ?? 1).u32(o.uptime ?? 1000).u32(o.numSamples ?? samples.length);
  for (const s of samples) x.bytes(s);
  return x.build();
}

export interface FlowSampleOptions {
  sequence?: number;
  sourceType?: number;
  sourceIndex?: number;
  rate?: number;
  pool?: number;
  drops?: number;
  /** Compact: format(2) value(30); expanded: separate words. */
  inFormat?: number;
  input?: number;
  outFormat?: number;
  output?: number;
  numRecords?: number;
  lengthOverride?: number;
}

/** flow_sample (format 1), compact encoding. */
export function flowSample(records: Buffer[], o: FlowSampleOptions = {}): Buffer {
  const x = new Xdr()
    .u32(o.sequence ?? 1)
    .u32(((o.sourceType ?? 0) << 24) | (o.sourceIndex ?? 1))
    .u32(o.rate ?? 1000)
    .u32(o.pool ?? 1000)
    .u32(o.drops ?? 0)
    .u32((((o.inFormat ?? 0) << 30) | (o.input ?? 1)) >>> 0)
    .u32((((o.outFormat ?? 0) << 30) | (o.output ?? 2)) >>> 0)
    .u32(o.numRecords ?? records.length);
  for (const r of records) x.bytes(r);
  return framed(1, x.build(), o.lengthOverride);
}

/** flow_sample_expanded (format 3). */
export function expandedFlowSample(records: Buffer[], o: FlowSampleOptions = {}): Buffer {
  const x = new Xdr()
    .u32(o.sequence ?? 1)
    .u32(o.sourceType ?? 0)
    .u32(o.sourceIndex ?? 1)
    .u32(o.rate ?? 1000)
    .u32(o.pool ?? 1000)
    .u32(o.drops ?? 0)
    .u32(o.inFormat ?? 0)
    .u32(o.input ?? 1)
    .u32(o.outFormat ?? 0)
    .u32(o.output ?? 2)
    .u32(o.numRecords ?? records.length);
  for (const r of records) x.bytes(r);
  return framed(3, x.build(), o.lengthOverride);
}

export interface CounterSampleOptions {
  expanded?: boolean;
  numRecords?: number;
  lengthOverride?: number;
}

export function counterSample(records: Buffer[], o: CounterSampleOptions = {}): Buffer {
  const x = new Xdr().u32(1);
  if (o.expanded) x.u32(0).u32(3);
  else x.u32(3);
  x.u32(o.numRecords ?? records.length);
  for (const r of records) x.bytes(r);
  return framed(o.expanded ? 4 : 2, x.build(), o.lengthOverride);
}

export interface IfCounters {
  ifIndex: number;
  speed?: number;
  inOctets?: number;
  inUcast?: number;
  inMcast?: number;
  inBcast?: number;
  inDiscards?: number;
  inErrors?: number;
  outOctets?: number;
  outUcast?: number;
  outMcast?: number;
  outBcast?: number;
  outDiscards?: number;
  outErrors?: number;
}

/** Counter record 1, generic interface counters (88 bytes). */
export function ifCountersRecord(c: IfCounters, lengthOverride?: number): Buffer {
  const x = new Xdr()
    .u32(c.ifIndex)
    .u32(6)
    .u64(c.speed ?? 10_000_000_000)
    .u32(1)
    .u32(3)
    .u64(c.inOctets ?? 0)
    .u32(c.inUcast ?? 0)
    .u32(c.inMcast ?? 0)
    .u32(c.inBcast ?? 0)
    .u32(c.inDiscards ?? 0)
    .u32(c.inErrors ?? 0)
    .u32(0)
    .u64(c.outOctets ?? 0)
    .u32(c.outUcast ?? 0)
    .u32(c.outMcast ?? 0)
    .u32(c.outBcast ?? 0)
    .u32(c.outDiscards ?? 0)
    .u32(c.outErrors ?? 0)
    .u32(0);
  return framed(1, x.build(), lengthOverride);
}

/** Flow record 1, sampled_header. */
export function sampledHeader(
  packet: Uint8Array,
  o: { protocol?: number; frameLength?: number; stripped?: number; headerLength?: number; lengthOverride?: number } = {},
): Buffer {
  const x = new Xdr()
    .u32(o.protocol ?? 1)
    .u32(o.frameLength ?? packet.length + 4)
    .u32(o.stripped ?? 4)
    .opaque(packet, o.headerLength);
  return framed(1, x.build(), o.lengthOverride);
}

export interface SampledIp {
  length: number;
  protocol: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  tos: number;
}

/** Flow record 3 (sampled_ipv4) or 4 (sampled_ipv6), by the address family of src. */
export function sampledIp(r: SampledIp, lengthOverride?: number): Buffer {
  const src = addr(r.src);
  const x = new Xdr().u32(r.length).u32(r.protocol).bytes(src).bytes(addr(r.dst));
  x.u32(r.srcPort).u32(r.dstPort).u32(r.tcpFlags).u32(r.tos);
  return framed(src.length === 4 ? 3 : 4, x.build(), lengthOverride);
}

/** Flow record 1001, extended_switch. */
export function extendedSwitch(srcVlan: number, dstVlan: number, lengthOverride?: number): Buffer {
  return framed(1001, new Xdr().u32(srcVlan).u32(0).u32(dstVlan).u32(0).build(), lengthOverride);
}

export interface Gateway {
  nexthop?: string;
  nexthopType?: number;
  as: number;
  srcAs: number;
  srcPeerAs: number;
  path: { type: 1 | 2; asns: number[]; countOverride?: number }[];
  segmentsOverride?: number;
  communities?: number[];
  localPref?: number;
}

/** Flow record 1003, extended_gateway. */
export function extendedGateway(g: Gateway, lengthOverride?: number): Buffer {
  const x = new Xdr();
  if (g.nexthopType !== undefined) x.u32(g.nexthopType).bytes(new Uint8Array(4));
  else x.address(g.nexthop ?? '192.0.2.254');
  x.u32(g.as).u32(g.srcAs).u32(g.srcPeerAs).u32(g.segmentsOverride ?? g.path.length);
  for (const seg of g.path) {
    x.u32(seg.type).u32(seg.countOverride ?? seg.asns.length);
    for (const a of seg.asns) x.u32(a);
  }
  const communities = g.communities ?? [];
  x.u32(communities.length);
  for (const c of communities) x.u32(c);
  x.u32(g.localPref ?? 100);
  return framed(1003, x.build(), lengthOverride);
}

// ---- packets ----

export function ethernet(etherType: number, payload: Uint8Array, tags: { tpid: number; vid: number }[] = []): Buffer {
  const head = Buffer.alloc(12);
  head.set([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]);
  const parts: Buffer[] = [head];
  for (const t of tags) {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(t.tpid, 0);
    b.writeUInt16BE(t.vid, 2);
    parts.push(b);
  }
  const et = Buffer.alloc(2);
  et.writeUInt16BE(etherType);
  parts.push(et, Buffer.from(payload));
  return Buffer.concat(parts);
}

/** MPLS label stack; the last label gets the bottom-of-stack bit unless noBottom. */
export function mpls(labels: number[], payload: Uint8Array, noBottom = false): Buffer {
  const parts: Buffer[] = [];
  labels.forEach((l, i) => {
    const b = Buffer.alloc(4);
    const bos = i === labels.length - 1 && !noBottom ? 1 : 0;
    b.writeUInt32BE(((l << 12) | (bos << 8) | 64) >>> 0);
    parts.push(b);
  });
  parts.push(Buffer.from(payload));
  return Buffer.concat(parts);
}

export interface Ipv4Options {
  src: string;
  dst: string;
  protocol: number;
  tos?: number;
  ttl?: number;
  df?: boolean;
  mf?: boolean;
  fragmentOffset?: number;
  ihl?: number;
  totalLength?: number;
  version?: number;
  /** Options bytes (ihl is derived when not given). */
  options?: Uint8Array;
}

export function ipv4(o: Ipv4Options, payload: Uint8Array): Buffer {
  const opts = o.options ?? new Uint8Array(0);
  const h = Buffer.alloc(20 + opts.length);
  const ihl = o.ihl ?? (20 + opts.length) / 4;
  h[0] = ((o.version ?? 4) << 4) | ihl;
  h[1] = o.tos ?? 0;
  h.writeUInt16BE(o.totalLength ?? h.length + payload.length, 2);
  h.writeUInt16BE(0x1234, 4);
  h.writeUInt16BE((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | (o.fragmentOffset ?? 0), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.protocol;
  h.set(addr(o.src), 12);
  h.set(addr(o.dst), 16);
  h.set(opts, 20);
  return Buffer.concat([h, Buffer.from(payload)]);
}

export interface Ipv6Options {
  src: string;
  dst: string;
  next: number;
  trafficClass?: number;
  hopLimit?: number;
  payloadLength?: number;
}

export function ipv6(o: Ipv6Options, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(40);
  const tc = o.trafficClass ?? 0;
  h.writeUInt32BE(((6 << 28) | (tc << 20) | 0x12345) >>> 0, 0);
  h.writeUInt16BE(o.payloadLength ?? payload.length, 4);
  h[6] = o.next;
  h[7] = o.hopLimit ?? 64;
  h.set(addr(o.src), 8);
  h.set(addr(o.dst), 24);
  return Buffer.concat([h, Buffer.from(payload)]);
}

/** Generic IPv6 extension header (hop-by-hop, routing, destination options): 8 bytes per unit. */
export function ext6(next: number, payload: Uint8Array, units = 0): Buffer {
  const h = Buffer.alloc(8 + units * 8);
  h[0] = next;
  h[1] = units;
  return Buffer.concat([h, Buffer.from(payload)]);
}

/** IPv6 fragment header (RFC 8200 §4.5). */
export function frag6(next: number, offset: number, more: boolean, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h[0] = next;
  h.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
  h.writeUInt32BE(0xabcdef01, 4);
  return Buffer.concat([h, Buffer.from(payload)]);
}

/** IPv6 authentication header (RFC 4302): length in 4-byte units minus 2. */
export function ah6(next: number, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(24);
  h[0] = next;
  h[1] = 24 / 4 - 2;
  return Buffer.concat([h, Buffer.from(payload)]);
}

export function tcp(srcPort: number, dstPort: number, flags: number, payloadLength = 0): Buffer {
  const h = Buffer.alloc(20 + payloadLength);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(1000, 4);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return h;
}

export function udp(srcPort: number, dstPort: number, payloadLength = 0): Buffer {
  const h = Buffer.alloc(8 + payloadLength);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt16BE(8 + payloadLength, 4);
  return h;
}

/** SCTP common header (RFC 9260 §3.1). */
export function sctp(srcPort: number, dstPort: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  return h;
}

export function icmp(type: number, code: number, payloadLength = 4): Buffer {
  const h = Buffer.alloc(4 + payloadLength);
  h[0] = type;
  h[1] = code;
  return h;
}
