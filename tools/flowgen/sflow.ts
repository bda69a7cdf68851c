/**
 * sFlow v5 encoder (sFlow.org "sFlow Version 5", July 2004). Packs packet samples into datagrams
 * the way an agent does: a flow sample per sampled packet carrying a raw packet header record
 * (header_protocol 1, Ethernet) and, when the flow has routing information, an extended gateway
 * record; optional counter samples with generic interface counters. All of it is XDR: big-endian
 * 32-bit words, opaque data padded to a multiple of 4.
 *
 * Speed: the body of a flow sample only changes in its sequence number and sample pool, so it is
 * built once per flow and copied; a datagram is one allocation.
 */
import { buildPacketHeader, DEFAULT_HEADER_BYTES, FCS_BYTES, type PacketOptions } from './packet.js';
import type { InterfaceCounters, PacketSample } from './generator.js';
import type { ResolvedDescription, ResolvedFlow } from './traffic.js';

export const SFLOW_VERSION = 5;
/** Formats (enterprise 0) from the sFlow v5 spec. */
export const SFLOW_FLOW_SAMPLE = 1;
export const SFLOW_COUNTER_SAMPLE = 2;
export const SFLOW_FLOW_SAMPLE_EXPANDED = 3;
export const SFLOW_COUNTER_SAMPLE_EXPANDED = 4;
export const SFLOW_RAW_HEADER = 1;
export const SFLOW_EXTENDED_GATEWAY = 1003;
export const SFLOW_GENERIC_IF_COUNTERS = 1;
export const SFLOW_HEADER_PROTOCOL_ETHERNET = 1;

/** Agents put ~7 flow samples in a 1500-byte datagram with 128-byte headers. */
export const DEFAULT_SAMPLES_PER_DATAGRAM = 7;
/** Largest number of samples per datagram this encoder accepts (keeps a datagram under 64 KiB). */
export const MAX_SAMPLES_PER_DATAGRAM = 256;
/** AS of the simulated router in extended gateway records (RFC 5398 documentation AS). */
export const ROUTER_AS = 64496;

export interface SflowEncoderOptions {
  /** Router boot time (Unix ms) for the datagram uptime field. */
  bootMs: number;
  /** Samples (flow + counter) per datagram. Default 7. */
  samplesPerDatagram?: number;
  /** Extended gateway record: 'auto' (default) adds it to flows with srcAs, dstAs or nextHop. */
  extendedGateway?: boolean | 'auto';
  /** Use expanded flow/counter samples (formats 3/4) instead of the compact ones (1/2). */
  expanded?: boolean;
  /** Bytes of each frame copied into the raw header record. Default 128. */
  maxHeaderBytes?: number;
  /** Ethernet addresses in the sampled headers. */
  packet?: Omit<PacketOptions, 'maxHeaderBytes'>;
  /** First datagram sequence number. Default 1. */
  firstSequence?: number;
}

interface CachedBody {
  rate: number;
  /** The flow sample without its 8-byte format/length tag. */
  body: Buffer;
  /** Offsets of sequence_number and sample_pool inside body. */
  seqAt: number;
  poolAt: number;
}

export class SflowEncoder {
  /** Sequence number the next datagram will carry. */
  datagramSequence: number;
  private readonly agent: Uint8Array;
  private readonly agentVersion: 4 | 6;
  private readonly subAgentId: number;
  private readonly bootMs: number;
  private readonly perDatagram: number;
  private readonly gateway: boolean | 'auto';
  private readonly expanded: boolean;
  private readonly maxHeader: number;
  private readonly packetOpts: PacketOptions;
  private readonly cache = new Map<ResolvedFlow, CachedBody>();
  /** Per data source (source_id): flow sample and counter sample sequence numbers (sFlow v5 §5). */
  private readonly flowSeq = new Map<number, number>();
  private readonly counterSeq = new Map<number, number>();

  constructor(desc: Pick<ResolvedDescription, 'agent' | 'agentVersion' | 'subAgentId'>, opts: SflowEncoderOptions) {
    this.agent = desc.agent;
    this.agentVersion = desc.agentVersion;
    this.subAgentId = desc.subAgentId;
    this.bootMs = opts.bootMs;
    this.perDatagram = opts.samplesPerDatagram ?? DEFAULT_SAMPLES_PER_DATAGRAM;
    if (!Number.isInteger(this.perDatagram) || this.perDatagram < 1 || this.perDatagram > MAX_SAMPLES_PER_DATAGRAM) {
      throw new RangeError(`samplesPerDatagram must be 1..${MAX_SAMPLES_PER_DATAGRAM}`);
    }
    this.gateway = opts.extendedGateway ?? 'auto';
    this.expanded = opts.expanded ?? false;
    this.maxHeader = opts.maxHeaderBytes ?? DEFAULT_HEADER_BYTES;
    this.packetOpts = { ...opts.packet, maxHeaderBytes: this.maxHeader };
    this.datagramSequence = (opts.firstSequence ?? 1) >>> 0;
  }

  private headerLength(): number {
    return 4 + 4 + (this.agentVersion === 4 ? 4 : 16) + 4 + 4 + 4 + 4;
  }

  /**
   * Encodes samples (and optional counter samples, which go first) into datagrams of at most
   * samplesPerDatagram samples each. `nowMs` sets the uptime field. Every call flushes: the last
   * datagram may hold fewer samples.
   */
  encode(samples: readonly PacketSample[], nowMs: number, counters: readonly InterfaceCounters[] = []): Buffer[] {
    const out: Buffer[] = [];
    const total = counters.length + samples.length;
    for (let start = 0; start < total; start += this.perDatagram) {
      const end = Math.min(total, start + this.perDatagram);
      let len = this.headerLength();
      for (let i = start; i < end; i++) {
        len += 8 + (i < counters.length ? this.counterBodyLength() : this.bodyFor(samples[i - counters.length]).body.length);
      }
      const b = Buffer.allocUnsafe(len);
      let o = this.writeHeader(b, nowMs, end - start);
      for (let i = start; i < end; i++) {
        if (i < counters.length) o = this.writeCounterSample(b, o, counters[i]);
        else o = this.writeFlowSample(b, o, samples[i - counters.length]);
      }
      if (o !== len) throw new Error(`sflow encoder: wrote ${o} of ${len} bytes`);
      out.push(b);
    }
    return out;
  }

  private writeHeader(b: Buffer, nowMs: number, count: number): number {
    b.writeUInt32BE(SFLOW_VERSION, 0);
    b.writeUInt32BE(this.agentVersion === 4 ? 1 : 2, 4);
    b.set(this.agent, 8);
    let o = 8 + this.agent.length;
    b.writeUInt32BE(this.subAgentId, o);
    b.writeUInt32BE(this.datagramSequence, o + 4);
    b.writeUInt32BE(uptime(nowMs, this.bootMs), o + 8);
    b.writeUInt32BE(count, o + 12);
    this.datagramSequence = (this.datagramSequence + 1) >>> 0;
    o += 16;
    return o;
  }

  private writeFlowSample(b: Buffer, o: number, s: PacketSample): number {
    const c = this.bodyFor(s);
    b.writeUInt32BE(this.expanded ? SFLOW_FLOW_SAMPLE_EXPANDED : SFLOW_FLOW_SAMPLE, o);
    b.writeUInt32BE(c.body.length, o + 4);
    c.body.copy(b, o + 8);
    const key = s.flow.inputIf;
    const seq = ((this.flowSeq.get(key) ?? 0) + 1) >>> 0;
    this.flowSeq.set(key, seq);
    b.writeUInt32BE(seq, o + 8 + c.seqAt);
    b.writeUInt32BE(s.samplePool >>> 0, o + 8 + c.poolAt);
    return o + 8 + c.body.length;
  }

  private bodyFor(s: PacketSample): CachedBody {
    const c = this.cache.get(s.flow);
    if (c !== undefined && c.rate === s.samplingRate) return c;
    const made = this.buildBody(s.flow, s.samplingRate);
    this.cache.set(s.flow, made);
    return made;
  }

  private wantsGateway(f: ResolvedFlow): boolean {
    if (this.gateway === 'auto') return f.srcAs !== 0 || f.dstAs !== 0 || f.nextHop.some((x) => x !== 0);
    return this.gateway;
  }

  private buildBody(f: ResolvedFlow, rate: number): CachedBody {
    const header = buildPacketHeader(f, this.packetOpts);
    const headerPadded = (header.length + 3) & ~3;
    const rawLen = 16 + headerPadded;
    const gw = this.wantsGateway(f);
    const nhLen = f.ipVersion === 4 ? 4 : 16;
    const pathWords = f.dstAs !== 0 ? 1 : 0;
    // next_hop (type + address), as, src_as, src_peer_as, dst_as_path<>, communities<>, localpref.
    const gwLen = 4 + nhLen + 12 + 4 + (pathWords ? 8 + 4 * pathWords : 0) + 4 + 4;
    const fixed = this.expanded ? 44 : 32;
    const len = fixed + 8 + rawLen + (gw ? 8 + gwLen : 0);
    const b = Buffer.alloc(len);
    const sourceIndex = f.inputIf;
    let o = 0;
    b.writeUInt32BE(0, o); // sequence_number: patched per sample
    const seqAt = 0;
    let poolAt: number;
    if (this.expanded) {
      b.writeUInt32BE(0, 4); // source_id_type 0 = ifIndex
      b.writeUInt32BE(sourceIndex, 8);
      b.writeUInt32BE(rate >>> 0, 12);
      poolAt = 16;
      b.writeUInt32BE(0, 20); // drops
      b.writeUInt32BE(0, 24); // input format 0
      b.writeUInt32BE(f.inputIf, 28);
      b.writeUInt32BE(0, 32); // output format 0 = single interface
      b.writeUInt32BE(f.outputIf, 36);
      b.writeUInt32BE(gw ? 2 : 1, 40);
      o = 44;
    } else {
      b.writeUInt32BE(sourceIndex & 0xffffff, 4); // type 0 in the top byte
      b.writeUInt32BE(rate >>> 0, 8);
      poolAt = 12;
      b.writeUInt32BE(0, 16); // drops
      b.writeUInt32BE(f.inputIf & 0x3fffffff, 20);
      b.writeUInt32BE(f.outputIf & 0x3fffffff, 24);
      b.writeUInt32BE(gw ? 2 : 1, 28);
      o = 32;
    }
    b.writeUInt32BE(SFLOW_RAW_HEADER, o);
    b.writeUInt32BE(rawLen, o + 4);
    b.writeUInt32BE(SFLOW_HEADER_PROTOCOL_ETHERNET, o + 8);
    b.writeUInt32BE(f.packetSize, o + 12); // frame_length: original length incl. FCS
    b.writeUInt32BE(FCS_BYTES, o + 16); // stripped
    b.writeUInt32BE(header.length, o + 20);
    header.copy(b, o + 24);
    o += 8 + rawLen;
    if (gw) {
      b.writeUInt32BE(SFLOW_EXTENDED_GATEWAY, o);
      b.writeUInt32BE(gwLen, o + 4);
      o += 8;
      b.writeUInt32BE(f.ipVersion === 4 ? 1 : 2, o);
      b.set(f.nextHop, o + 4);
      o += 4 + nhLen;
      b.writeUInt32BE(ROUTER_AS, o);
      b.writeUInt32BE(f.srcAs, o + 4);
      b.writeUInt32BE(f.srcAs, o + 8); // src_peer_as: the source is taken to be a direct peer
      o += 12;
      b.writeUInt32BE(pathWords ? 1 : 0, o);
      o += 4;
      if (pathWords) {
        b.writeUInt32BE(2, o); // AS_SEQUENCE
        b.writeUInt32BE(1, o + 4);
        b.writeUInt32BE(f.dstAs, o + 8);
        o += 12;
      }
      b.writeUInt32BE(0, o); // communities<>
      b.writeUInt32BE(100, o + 4); // localpref
      o += 8;
    }
    if (o !== len) throw new Error(`sflow encoder: flow sample body ${o} != ${len}`);
    return { rate, body: b, seqAt, poolAt };
  }

  private counterBodyLength(): number {
    // sequence, source (1 or 2 words), record count, then one generic interface record (88 bytes).
    return (this.expanded ? 16 : 12) + 8 + 88;
  }

  private writeCounterSample(b: Buffer, o: number, c: InterfaceCounters): number {
    const bodyLen = this.counterBodyLength();
    b.writeUInt32BE(this.expanded ? SFLOW_COUNTER_SAMPLE_EXPANDED : SFLOW_COUNTER_SAMPLE, o);
    b.writeUInt32BE(bodyLen, o + 4);
    o += 8;
    const seq = ((this.counterSeq.get(c.ifIndex) ?? 0) + 1) >>> 0;
    this.counterSeq.set(c.ifIndex, seq);
    b.writeUInt32BE(seq, o);
    if (this.expanded) {
      b.writeUInt32BE(0, o + 4);
      b.writeUInt32BE(c.ifIndex, o + 8);
      o += 12;
    } else {
      b.writeUInt32BE(c.ifIndex & 0xffffff, o + 4);
      o += 8;
    }
    b.writeUInt32BE(1, o);
    b.writeUInt32BE(SFLOW_GENERIC_IF_COUNTERS, o + 4);
    b.writeUInt32BE(88, o + 8);
    o += 12;
    // if_counters (sFlow v5 §5 "Generic Interface Counters").
    b.writeUInt32BE(c.ifIndex, o);
    b.writeUInt32BE(6, o + 4); // ifType ethernetCsmacd
    writeU64(b, o + 8, 10_000_000_000); // ifSpeed
    b.writeUInt32BE(1, o + 16); // ifDirection full-duplex
    b.writeUInt32BE(3, o + 20); // ifStatus admin up, oper up
    writeU64(b, o + 24, c.inOctets);
    b.writeUInt32BE(c.inPackets >>> 0, o + 32); // ifInUcastPkts
    b.writeUInt32BE(0, o + 36);
    b.writeUInt32BE(0, o + 40);
    b.writeUInt32BE(0, o + 44);
    b.writeUInt32BE(0, o + 48);
    b.writeUInt32BE(0, o + 52);
    writeU64(b, o + 56, c.outOctets);
    b.writeUInt32BE(c.outPackets >>> 0, o + 64);
    b.writeUInt32BE(0, o + 68);
    b.writeUInt32BE(0, o + 72);
    b.writeUInt32BE(0, o + 76);
    b.writeUInt32BE(0, o + 80);
    b.writeUInt32BE(0, o + 84); // ifPromiscuousMode
    return o + 88;
  }
}

/** sysUptime in ms as an unsigned 32-bit value (wraps after ~49.7 days, like the MIB counter). */
export function uptime(nowMs: number, bootMs: number): number {
  return Math.max(0, Math.floor(nowMs - bootMs)) % 0x100000000;
}

/** Writes a non-negative integer below 2^53 as an unsigned 64-bit big-endian value without BigInt. */
export function writeU64(b: Buffer, o: number, v: number): void {
  const x = Math.max(0, Math.floor(v));
  b.writeUInt32BE(Math.floor(x / 0x100000000) >>> 0, o);
  b.writeUInt32BE(x % 0x100000000, o + 4);
}
