/**
 * Traffic descriptions: what flowgen is asked to pretend a router saw. A description is plain data
 * (a list of flows at a REAL packet rate, a 1-in-N sampling rate and the exporter's identity), so
 * scenario tests can write it as a literal. `resolveDescription` validates it once and turns every
 * flow into a `ResolvedFlow` (address bytes, protocol number, defaults filled in) that the
 * generator and the encoders read without parsing anything again.
 */
import { parseAddress } from '../../src/net/ip.js';

export type ProtocolName = 'tcp' | 'udp' | 'icmp' | 'icmpv6';
export type FragmentKind = 'first' | 'middle' | 'last';

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, ICMPV6: 58 } as const;

/** One flow of real traffic. Everything but src, dst, protocol, packetSize and pps has a default. */
export interface FlowSpec {
  /** IPv4 or IPv6 address text; src and dst must be of the same family. */
  src: string;
  dst: string;
  protocol: ProtocolName | number;
  srcPort?: number;
  dstPort?: number;
  /** TCP flag bits as on the wire (TcpFlag from src/flow/sample.ts). Default 0x10 (ACK) for TCP. */
  tcpFlags?: number;
  /** ICMP/ICMPv6 type and code. Default echo request (8/0, or 128/0 for ICMPv6). */
  icmpType?: number;
  icmpCode?: number;
  /**
   * Bytes per packet as the exporter counts them: the sFlow frame_length (Ethernet frame including
   * the 4-byte FCS, which the raw header record reports as stripped) and the NetFlow/IPFIX octet
   * count per packet. Using one number for both keeps byte rates equal across the four protocols.
   */
  packetSize: number;
  /** Packets per second of the REAL (unsampled) traffic. May be fractional. */
  pps: number;
  /** Marks every packet of the flow as a fragment of that position. */
  fragment?: FragmentKind;
  /** IPv4 TOS / IPv6 traffic class. Default 0. */
  tos?: number;
  /** IPv4 TTL / IPv6 hop limit. Default 64. */
  ttl?: number;
  /** ifIndex the packets came in on / went out of. Defaults 1 and 2. */
  inputIf?: number;
  outputIf?: number;
  /** BGP origin AS of source and destination. Default 0 (unknown). */
  srcAs?: number;
  dstAs?: number;
  /** 802.1Q VLAN id in the sampled Ethernet header; 0 or absent = untagged. */
  vlan?: number;
  /** Next-hop address (same family); only encoded where the format carries one. */
  nextHop?: string;
}

/** Identity of the simulated exporter. */
export interface ExporterSettings {
  /** sFlow agent address (IPv4 or IPv6 text). Default 127.0.0.1. */
  agent?: string;
  /** sFlow sub-agent id. Default 0. */
  subAgentId?: number;
  /** NetFlow v9 source id. Default 0. */
  sourceId?: number;
  /** IPFIX observation domain id. Default 1. */
  observationDomainId?: number;
  /** NetFlow v5 engine type and id. Default 0 and 0. */
  engineType?: number;
  engineId?: number;
  /** Router boot time (Unix ms) from which sysUptime is counted. Default: one hour before the start. */
  bootMs?: number;
}

export interface TrafficDescription {
  flows: FlowSpec[];
  /** 1-in-N packet sampling rate the exporter applies and announces. 1 = unsampled. */
  samplingRate: number;
  exporter?: ExporterSettings;
  /**
   * NetFlow/IPFIX only: the active timeout. Records of a flow are exported once this much time has
   * passed since the flow (or its previous record) started, and first/last switched span exactly
   * that time. Default (0/absent): one record per flow per generator step, spanning the step.
   */
  activeTimeoutMs?: number;
}

/** A validated flow with everything the encoders need precomputed. Treat as read-only. */
export interface ResolvedFlow {
  /** Position in TrafficDescription.flows. */
  index: number;
  spec: FlowSpec;
  ipVersion: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  /** Unsigned 32-bit form for IPv4 (0 for IPv6). */
  srcV4: number;
  dstV4: number;
  nextHop: Uint8Array;
  protocol: number;
  /** Ports as the packet carries them (0 for ICMP). */
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  tos: number;
  ttl: number;
  fragment: FragmentKind | undefined;
  /** Fragment offset in 8-byte units as the IP header carries it (0 for first/non-fragments). */
  fragmentOffset: number;
  moreFragments: boolean;
  /** True when the packets carry an L4 header (not a middle/last fragment). */
  hasL4: boolean;
  packetSize: number;
  pps: number;
  inputIf: number;
  outputIf: number;
  srcAs: number;
  dstAs: number;
  vlan: number;
}

export interface ResolvedDescription {
  flows: ResolvedFlow[];
  samplingRate: number;
  agent: Uint8Array;
  agentVersion: 4 | 6;
  subAgentId: number;
  sourceId: number;
  observationDomainId: number;
  engineType: number;
  engineId: number;
  /** undefined = one hour before the generator's start time. */
  bootMs: number | undefined;
  activeTimeoutMs: number;
}

/** Largest packetSize accepted: an IPv6 jumbogram is out of scope, 64 KiB plus framing is not. */
export const MAX_PACKET_SIZE = 65535 + 14 + 4 + 4;

/** The offset used for 'middle' fragments (1480/8: after one full-size 1500-MTU fragment) and 'last' (2960/8). */
export const MIDDLE_FRAGMENT_OFFSET = 185;
export const LAST_FRAGMENT_OFFSET = 370;

/** Thrown for a description that cannot be generated; the message names the offending field. */
export class TrafficError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrafficError';
  }
}

export function protocolNumber(p: ProtocolName | number): number {
  if (typeof p === 'number') {
    if (!Number.isInteger(p) || p < 0 || p > 255) throw new TrafficError(`protocol ${p} is not 0..255`);
    return p;
  }
  switch (p) {
    case 'tcp': return IPPROTO.TCP;
    case 'udp': return IPPROTO.UDP;
    case 'icmp': return IPPROTO.ICMP;
    case 'icmpv6': return IPPROTO.ICMPV6;
    default: throw new TrafficError(`unknown protocol '${String(p)}' (tcp, udp, icmp, icmpv6 or a number)`);
  }
}

function intField(where: string, name: string, v: number | undefined, def: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new TrafficError(`${where}: ${name} must be an integer 0..${max}, got ${v}`);
  return v;
}

/** Bytes in front of the L4 header: Ethernet (+802.1Q) and IP (+IPv6 fragment header). */
export function l3Overhead(ipVersion: 4 | 6, vlan: number, fragment: FragmentKind | undefined): { l2: number; ip: number } {
  const l2 = 14 + (vlan > 0 ? 4 : 0);
  const ip = ipVersion === 4 ? 20 : 40 + (fragment !== undefined ? 8 : 0);
  return { l2, ip };
}

export function l4HeaderLength(protocol: number): number {
  if (protocol === IPPROTO.TCP) return 20;
  if (protocol === IPPROTO.UDP || protocol === IPPROTO.ICMP || protocol === IPPROTO.ICMPV6) return 8;
  return 0;
}

/** Smallest packetSize that holds the headers of this flow plus the 4-byte FCS. */
export function minimumPacketSize(f: Pick<ResolvedFlow, 'ipVersion' | 'vlan' | 'fragment' | 'protocol' | 'hasL4'>): number {
  const o = l3Overhead(f.ipVersion, f.vlan, f.fragment);
  return o.l2 + o.ip + (f.hasL4 ? l4HeaderLength(f.protocol) : 0) + 4;
}

export function resolveFlow(spec: FlowSpec, index: number): ResolvedFlow {
  const where = `flow ${index}`;
  const src = parseAddress(String(spec.src ?? ''));
  const dst = parseAddress(String(spec.dst ?? ''));
  if (src === null) throw new TrafficError(`${where}: src '${spec.src}' is not an IPv4 or IPv6 address`);
  if (dst === null) throw new TrafficError(`${where}: dst '${spec.dst}' is not an IPv4 or IPv6 address`);
  if (src.version !== dst.version) throw new TrafficError(`${where}: src and dst must be the same address family`);
  const protocol = protocolNumber(spec.protocol);
  if (protocol === IPPROTO.ICMP && src.version === 6) throw new TrafficError(`${where}: icmp over IPv6 — use icmpv6`);
  if (protocol === IPPROTO.ICMPV6 && src.version === 4) throw new TrafficError(`${where}: icmpv6 over IPv4 — use icmp`);
  const hasPorts = protocol === IPPROTO.TCP || protocol === IPPROTO.UDP;
  const isIcmp = protocol === IPPROTO.ICMP || protocol === IPPROTO.ICMPV6;
  if (!hasPorts && (spec.srcPort || spec.dstPort)) throw new TrafficError(`${where}: ports only apply to tcp and udp`);
  if (!(typeof spec.pps === 'number' && Number.isFinite(spec.pps) && spec.pps >= 0)) {
    throw new TrafficError(`${where}: pps must be a finite number >= 0, got ${spec.pps}`);
  }
  let nextHop: Uint8Array = new Uint8Array(src.version === 4 ? 4 : 16);
  if (spec.nextHop !== undefined) {
    const nh = parseAddress(spec.nextHop);
    if (nh === null || nh.version !== src.version) throw new TrafficError(`${where}: nextHop '${spec.nextHop}' is not an address of the flow's family`);
    nextHop = nh.bytes;
  }
  const fragment = spec.fragment;
  if (fragment !== undefined && fragment !== 'first' && fragment !== 'middle' && fragment !== 'last') {
    throw new TrafficError(`${where}: fragment must be 'first', 'middle' or 'last'`);
  }
  const hasL4 = fragment === undefined || fragment === 'first';
  const f: ResolvedFlow = {
    index,
    spec,
    ipVersion: src.version,
    src: src.bytes,
    dst: dst.bytes,
    srcV4: src.version === 4 ? ((src.bytes[0] << 24) | (src.bytes[1] << 16) | (src.bytes[2] << 8) | src.bytes[3]) >>> 0 : 0,
    dstV4: dst.version === 4 ? ((dst.bytes[0] << 24) | (dst.bytes[1] << 16) | (dst.bytes[2] << 8) | dst.bytes[3]) >>> 0 : 0,
    nextHop,
    protocol,
    srcPort: hasPorts ? intField(where, 'srcPort', spec.srcPort, 0, 65535) : 0,
    dstPort: hasPorts ? intField(where, 'dstPort', spec.dstPort, 0, 65535) : 0,
    tcpFlags: protocol === IPPROTO.TCP ? intField(where, 'tcpFlags', spec.tcpFlags, 0x10, 255) : 0,
    icmpType: isIcmp ? intField(where, 'icmpType', spec.icmpType, protocol === IPPROTO.ICMP ? 8 : 128, 255) : 0,
    icmpCode: isIcmp ? intField(where, 'icmpCode', spec.icmpCode, 0, 255) : 0,
    tos: intField(where, 'tos', spec.tos, 0, 255),
    ttl: intField(where, 'ttl', spec.ttl, 64, 255),
    fragment,
    fragmentOffset: fragment === 'middle' ? MIDDLE_FRAGMENT_OFFSET : fragment === 'last' ? LAST_FRAGMENT_OFFSET : 0,
    moreFragments: fragment === 'first' || fragment === 'middle',
    hasL4,
    packetSize: 0,
    pps: spec.pps,
    inputIf: intField(where, 'inputIf', spec.inputIf, 1, 0x3fffffff),
    outputIf: intField(where, 'outputIf', spec.outputIf, 2, 0x3fffffff),
    srcAs: intField(where, 'srcAs', spec.srcAs, 0, 0xffffffff),
    dstAs: intField(where, 'dstAs', spec.dstAs, 0, 0xffffffff),
    vlan: intField(where, 'vlan', spec.vlan, 0, 4095),
  };
  const min = minimumPacketSize(f);
  if (!Number.isInteger(spec.packetSize) || spec.packetSize < min || spec.packetSize > MAX_PACKET_SIZE) {
    throw new TrafficError(`${where}: packetSize must be an integer ${min}..${MAX_PACKET_SIZE} for this flow (headers + FCS), got ${spec.packetSize}`);
  }
  f.packetSize = spec.packetSize;
  return f;
}

export function resolveDescription(d: TrafficDescription): ResolvedDescription {
  if (d === null || typeof d !== 'object' || !Array.isArray(d.flows)) throw new TrafficError('description: flows must be an array');
  if (!Number.isInteger(d.samplingRate) || d.samplingRate < 1 || d.samplingRate > 0xffffffff) {
    throw new TrafficError(`description: samplingRate must be an integer >= 1, got ${d.samplingRate}`);
  }
  const e = d.exporter ?? {};
  const agent = parseAddress(e.agent ?? '127.0.0.1');
  if (agent === null) throw new TrafficError(`exporter: agent '${e.agent}' is not an IPv4 or IPv6 address`);
  const activeTimeoutMs = d.activeTimeoutMs ?? 0;
  if (!Number.isFinite(activeTimeoutMs) || activeTimeoutMs < 0) throw new TrafficError('description: activeTimeoutMs must be >= 0');
  if (e.bootMs !== undefined && !Number.isFinite(e.bootMs)) throw new TrafficError('exporter: bootMs must be a number');
  return {
    flows: d.flows.map((f, i) => resolveFlow(f, i)),
    samplingRate: d.samplingRate,
    agent: agent.bytes,
    agentVersion: agent.version,
    subAgentId: intField('exporter', 'subAgentId', e.subAgentId, 0, 0xffffffff),
    sourceId: intField('exporter', 'sourceId', e.sourceId, 0, 0xffffffff),
    observationDomainId: intField('exporter', 'observationDomainId', e.observationDomainId, 1, 0xffffffff),
    engineType: intField('exporter', 'engineType', e.engineType, 0, 255),
    engineId: intField('exporter', 'engineId', e.engineId, 0, 255),
    bootMs: e.bootMs,
    activeTimeoutMs,
  };
}
