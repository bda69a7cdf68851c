/**
 * Template-based record layouts shared by the NetFlow v9 and IPFIX encoders. Field type numbers
 * are the same in both worlds for everything used here (RFC 3954 §8 for v9; the IANA IPFIX
 * registry, RFC 7012, for IPFIX, which kept the v9 numbers 1–127). A layout knows the offset of
 * every field; the constant part of a flow's record is written once and cached, and only the
 * counters and times are patched for each record.
 */
import { IPPROTO, type ResolvedFlow } from './traffic.js';

export const FIELD = {
  IN_BYTES: 1, // octetDeltaCount
  IN_PKTS: 2, // packetDeltaCount
  PROTOCOL: 4,
  SRC_TOS: 5,
  TCP_FLAGS: 6,
  L4_SRC_PORT: 7,
  IPV4_SRC_ADDR: 8,
  INPUT_SNMP: 10,
  L4_DST_PORT: 11,
  IPV4_DST_ADDR: 12,
  OUTPUT_SNMP: 14,
  IPV4_NEXT_HOP: 15,
  SRC_AS: 16,
  DST_AS: 17,
  LAST_SWITCHED: 21, // sysUptime ms (v9)
  FIRST_SWITCHED: 22,
  IPV6_SRC_ADDR: 27,
  IPV6_DST_ADDR: 28,
  ICMP_TYPE: 32, // icmpTypeCodeIPv4: type·256 + code
  SAMPLING_INTERVAL: 34,
  SAMPLING_ALGORITHM: 35,
  FLOW_SAMPLER_ID: 48,
  FLOW_SAMPLER_MODE: 49,
  FLOW_SAMPLER_RANDOM_INTERVAL: 50,
  MIN_TTL: 52,
  IP_PROTOCOL_VERSION: 60,
  DIRECTION: 61,
  IPV6_NEXT_HOP: 62,
  FRAGMENT_OFFSET: 88,
  FORWARDING_STATUS: 89,
  ICMP_TYPE_IPV6: 139, // icmpTypeCodeIPv6
  OBSERVATION_DOMAIN_ID: 149,
  FLOW_START_MS: 152, // flowStartMilliseconds (IPFIX, Unix ms)
  FLOW_END_MS: 153,
  IP_TTL: 192,
  FRAGMENT_FLAGS: 197,
  SELECTOR_ALGORITHM: 304, // RFC 5477
  SAMPLING_PACKET_INTERVAL: 305,
  SAMPLING_PACKET_SPACE: 306,
} as const;

/** v9 options scope type "System" (RFC 3954 §6.1). */
export const V9_SCOPE_SYSTEM = 1;

export interface FieldSpec {
  id: number;
  length: number;
}

/** Values that are not taken from the flow. */
export interface LayoutContext {
  samplingRate: number;
  samplerId: number;
}

const VARIABLE = new Set<number>([FIELD.IN_BYTES, FIELD.IN_PKTS, FIELD.FIRST_SWITCHED, FIELD.LAST_SWITCHED, FIELD.FLOW_START_MS, FIELD.FLOW_END_MS]);

export function writeUint(b: Buffer, o: number, length: number, v: number): void {
  switch (length) {
    case 1: b[o] = v & 0xff; break;
    case 2: b.writeUInt16BE(v & 0xffff, o); break;
    case 3: b.writeUIntBE(v & 0xffffff, o, 3); break;
    case 4: b.writeUInt32BE(v >>> 0, o); break;
    case 8:
      b.writeUInt32BE(Math.floor(v / 0x100000000) >>> 0, o);
      b.writeUInt32BE(v % 0x100000000, o + 4);
      break;
    default: throw new RangeError(`unsupported unsigned field length ${length}`);
  }
}

export class TemplateLayout {
  readonly recordLength: number;
  private readonly offsets = new Map<number, number>();
  /** Record images by flow index; the flow is kept beside it so a flow of another description is never confused with it. */
  private readonly images: (Buffer | undefined)[] = [];
  private readonly imageFlows: (ResolvedFlow | undefined)[] = [];
  private readonly pktsAt: number;
  private readonly pktsLen: number;
  private readonly bytesAt: number;
  private readonly bytesLen: number;
  private readonly firstAt: number;
  private readonly lastAt: number;
  private readonly timeLen: number;

  constructor(readonly templateId: number, readonly fields: readonly FieldSpec[], private readonly ctx: LayoutContext) {
    let o = 0;
    for (const f of fields) {
      this.offsets.set(f.id, o);
      o += f.length;
    }
    this.recordLength = o;
    const len = (id: number): number => fields.find((f) => f.id === id)?.length ?? 0;
    this.pktsAt = this.offsets.get(FIELD.IN_PKTS) ?? -1;
    this.pktsLen = len(FIELD.IN_PKTS);
    this.bytesAt = this.offsets.get(FIELD.IN_BYTES) ?? -1;
    this.bytesLen = len(FIELD.IN_BYTES);
    this.firstAt = this.offsets.get(FIELD.FIRST_SWITCHED) ?? this.offsets.get(FIELD.FLOW_START_MS) ?? -1;
    this.lastAt = this.offsets.get(FIELD.LAST_SWITCHED) ?? this.offsets.get(FIELD.FLOW_END_MS) ?? -1;
    this.timeLen = len(FIELD.FIRST_SWITCHED) || len(FIELD.FLOW_START_MS);
  }

  /** Template record body: (id, length) pairs. */
  writeFieldList(b: Buffer, o: number): number {
    for (const f of this.fields) {
      b.writeUInt16BE(f.id, o);
      b.writeUInt16BE(f.length, o + 2);
      o += 4;
    }
    return o;
  }

  /** Largest packets/bytes value the layout's counters hold. */
  get counterMax(): number {
    const l = Math.min(this.pktsLen || 8, this.bytesLen || 8);
    return l >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * l) - 1;
  }

  /**
   * Writes one record at o: the flow's cached constant image, then the counters and times
   * (`first`/`last` already in the layout's unit: sysUptime ms for v9, Unix ms for IPFIX).
   */
  writeRecord(b: Buffer, o: number, flow: ResolvedFlow, packets: number, bytes: number, first: number, last: number): number {
    let img = this.images[flow.index];
    if (img === undefined || this.imageFlows[flow.index] !== flow) {
      img = this.buildImage(flow);
      this.images[flow.index] = img;
      this.imageFlows[flow.index] = flow;
    }
    img.copy(b, o);
    if (this.pktsAt >= 0) writeUint(b, o + this.pktsAt, this.pktsLen, packets);
    if (this.bytesAt >= 0) writeUint(b, o + this.bytesAt, this.bytesLen, bytes);
    if (this.firstAt >= 0) writeUint(b, o + this.firstAt, this.timeLen, first);
    if (this.lastAt >= 0) writeUint(b, o + this.lastAt, this.timeLen, last);
    return o + this.recordLength;
  }

  private buildImage(flow: ResolvedFlow): Buffer {
    const b = Buffer.alloc(this.recordLength);
    for (const f of this.fields) {
      if (VARIABLE.has(f.id)) continue;
      writeConstant(b, this.offsets.get(f.id)!, f, flow, this.ctx);
    }
    return b;
  }
}

function writeConstant(b: Buffer, o: number, f: FieldSpec, flow: ResolvedFlow, ctx: LayoutContext): void {
  const isIcmp = (flow.protocol === IPPROTO.ICMP || flow.protocol === IPPROTO.ICMPV6) && flow.hasL4;
  switch (f.id) {
    case FIELD.IPV4_SRC_ADDR:
    case FIELD.IPV6_SRC_ADDR:
      b.set(flow.src, o);
      return;
    case FIELD.IPV4_DST_ADDR:
    case FIELD.IPV6_DST_ADDR:
      b.set(flow.dst, o);
      return;
    case FIELD.IPV4_NEXT_HOP:
    case FIELD.IPV6_NEXT_HOP:
      b.set(flow.nextHop, o);
      return;
    // Routers report no ports for fragments that carry no L4 header.
    case FIELD.L4_SRC_PORT: return writeUint(b, o, f.length, flow.hasL4 ? flow.srcPort : 0);
    case FIELD.L4_DST_PORT: return writeUint(b, o, f.length, flow.hasL4 ? flow.dstPort : 0);
    case FIELD.PROTOCOL: return writeUint(b, o, f.length, flow.protocol);
    case FIELD.SRC_TOS: return writeUint(b, o, f.length, flow.tos);
    case FIELD.TCP_FLAGS: return writeUint(b, o, f.length, flow.tcpFlags);
    case FIELD.MIN_TTL:
    case FIELD.IP_TTL:
      return writeUint(b, o, f.length, flow.ttl);
    case FIELD.ICMP_TYPE:
    case FIELD.ICMP_TYPE_IPV6:
      return writeUint(b, o, f.length, isIcmp ? (flow.icmpType << 8) | flow.icmpCode : 0);
    case FIELD.FRAGMENT_OFFSET: return writeUint(b, o, f.length, flow.fragmentOffset);
    // IANA fragmentFlags: bit 1 (0x40) DF, bit 2 (0x20) MF, numbered from the most significant bit.
    case FIELD.FRAGMENT_FLAGS: return writeUint(b, o, f.length, flow.moreFragments ? 0x20 : 0);
    case FIELD.INPUT_SNMP: return writeUint(b, o, f.length, flow.inputIf);
    case FIELD.OUTPUT_SNMP: return writeUint(b, o, f.length, flow.outputIf);
    case FIELD.SRC_AS: return writeUint(b, o, f.length, flow.srcAs);
    case FIELD.DST_AS: return writeUint(b, o, f.length, flow.dstAs);
    // RFC 7270 §4.12: status in the top two bits, 01 = forwarded (reason 0, unknown).
    case FIELD.FORWARDING_STATUS: return writeUint(b, o, f.length, 0x40);
    case FIELD.DIRECTION: return writeUint(b, o, f.length, 0);
    case FIELD.IP_PROTOCOL_VERSION: return writeUint(b, o, f.length, flow.ipVersion);
    case FIELD.FLOW_SAMPLER_ID: return writeUint(b, o, f.length, ctx.samplerId);
    case FIELD.SAMPLING_INTERVAL: return writeUint(b, o, f.length, ctx.samplingRate);
    case FIELD.SAMPLING_ALGORITHM: return writeUint(b, o, f.length, 1);
    default: throw new RangeError(`template field ${f.id} has no writer`);
  }
}
