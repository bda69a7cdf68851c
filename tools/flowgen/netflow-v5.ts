/**
 * NetFlow v5 encoder (Cisco "NetFlow Export Datagram Format", version 5): a 24-byte header and up
 * to 30 fixed 48-byte IPv4 records. v5 has no IPv6, no fragment fields and 16-bit interface and AS
 * numbers; what it cannot carry is handled as a router does (IPv6 flows are not exported, 4-byte
 * ASNs become AS_TRANS 23456 per RFC 6793, interfaces above 65535 are clamped).
 */
import { splitOversized, type FlowRecord } from './generator.js';
import { uptime } from './sflow.js';
import { IPPROTO, type ResolvedDescription, type ResolvedFlow } from './traffic.js';

export const NETFLOW_V5_VERSION = 5;
export const NETFLOW_V5_HEADER_BYTES = 24;
export const NETFLOW_V5_RECORD_BYTES = 48;
/** Cisco's maximum records per v5 datagram. */
export const NETFLOW_V5_MAX_RECORDS = 30;
/** sampling_interval holds the interval in its low 14 bits. */
export const NETFLOW_V5_MAX_SAMPLING = 0x3fff;
export const AS_TRANS = 23456;

export interface NetflowV5Options {
  bootMs: number;
  /** Records per datagram, 1..30. Default 30. */
  recordsPerDatagram?: number;
  /** Sampling mode in the top two bits of sampling_interval: 1 deterministic (default), 2 random. */
  samplingMode?: 0 | 1 | 2;
  /** First flow_sequence value. Default 0. */
  firstSequence?: number;
}

export class NetflowV5Encoder {
  /** flow_sequence of the next datagram: total flows exported before it. */
  flowSequence: number;
  /** IPv6 records dropped because v5 cannot carry them. */
  skippedIpv6 = 0;
  private readonly bootMs: number;
  private readonly perDatagram: number;
  private readonly samplingField: number;
  private readonly engineType: number;
  private readonly engineId: number;
  private readonly images: (Buffer | undefined)[] = [];
  private readonly imageFlows: (ResolvedFlow | undefined)[] = [];

  constructor(desc: Pick<ResolvedDescription, 'samplingRate' | 'engineType' | 'engineId'>, opts: NetflowV5Options) {
    this.bootMs = opts.bootMs;
    this.perDatagram = opts.recordsPerDatagram ?? NETFLOW_V5_MAX_RECORDS;
    if (!Number.isInteger(this.perDatagram) || this.perDatagram < 1 || this.perDatagram > NETFLOW_V5_MAX_RECORDS) {
      throw new RangeError(`recordsPerDatagram must be 1..${NETFLOW_V5_MAX_RECORDS}`);
    }
    if (desc.samplingRate > NETFLOW_V5_MAX_SAMPLING) {
      throw new RangeError(`NetFlow v5 cannot announce a sampling rate above ${NETFLOW_V5_MAX_SAMPLING} (14 bits), got ${desc.samplingRate}`);
    }
    const mode = opts.samplingMode ?? 1;
    this.samplingField = desc.samplingRate > 1 ? ((mode << 14) | desc.samplingRate) : 0;
    this.engineType = desc.engineType;
    this.engineId = desc.engineId;
    this.flowSequence = (opts.firstSequence ?? 0) >>> 0;
  }

  encode(records: readonly FlowRecord[], nowMs: number): Buffer[] {
    const v4: FlowRecord[] = [];
    // dPkts/dOctets are 32-bit: a record that would overflow is exported as several.
    for (const r of splitOversized(records)) {
      if (r.flow.ipVersion === 4) v4.push(r);
      else this.skippedIpv6++;
    }
    const out: Buffer[] = [];
    const up = uptime(nowMs, this.bootMs);
    const secs = Math.floor(nowMs / 1000);
    const nsecs = Math.floor((nowMs - secs * 1000) * 1e6);
    for (let start = 0; start < v4.length; start += this.perDatagram) {
      const end = Math.min(v4.length, start + this.perDatagram);
      const n = end - start;
      const b = Buffer.allocUnsafe(NETFLOW_V5_HEADER_BYTES + n * NETFLOW_V5_RECORD_BYTES);
      b.writeUInt16BE(NETFLOW_V5_VERSION, 0);
      b.writeUInt16BE(n, 2);
      b.writeUInt32BE(up, 4);
      b.writeUInt32BE(secs >>> 0, 8);
      b.writeUInt32BE(nsecs, 12);
      b.writeUInt32BE(this.flowSequence, 16);
      b[20] = this.engineType;
      b[21] = this.engineId;
      b.writeUInt16BE(this.samplingField, 22);
      let o = NETFLOW_V5_HEADER_BYTES;
      for (let i = start; i < end; i++) {
        const r = v4[i];
        this.imageFor(r.flow).copy(b, o);
        b.writeUInt32BE(r.packets, o + 16);
        b.writeUInt32BE(r.bytes, o + 20);
        b.writeUInt32BE(uptime(r.firstMs, this.bootMs), o + 24);
        b.writeUInt32BE(uptime(r.lastMs, this.bootMs), o + 28);
        o += NETFLOW_V5_RECORD_BYTES;
      }
      this.flowSequence = (this.flowSequence + n) >>> 0;
      out.push(b);
    }
    return out;
  }

  /** The constant part of a flow's record; counters and times are patched per record. */
  private imageFor(f: ResolvedFlow): Buffer {
    const c = this.images[f.index];
    if (c !== undefined && this.imageFlows[f.index] === f) return c;
    const b = Buffer.alloc(NETFLOW_V5_RECORD_BYTES);
    b.writeUInt32BE(f.srcV4, 0);
    b.writeUInt32BE(f.dstV4, 4);
    b.set(f.nextHop, 8);
    b.writeUInt16BE(Math.min(f.inputIf, 0xffff), 12);
    b.writeUInt16BE(Math.min(f.outputIf, 0xffff), 14);
    const icmp = f.protocol === IPPROTO.ICMP && f.hasL4;
    // Cisco puts ICMP type and code in the destination port (type·256 + code); fragments without an
    // L4 header have no ports.
    b.writeUInt16BE(f.hasL4 ? f.srcPort : 0, 32);
    b.writeUInt16BE(icmp ? (f.icmpType << 8) | f.icmpCode : f.hasL4 ? f.dstPort : 0, 34);
    b[36] = 0;
    b[37] = f.tcpFlags;
    b[38] = f.protocol;
    b[39] = f.tos;
    b.writeUInt16BE(f.srcAs > 0xffff ? AS_TRANS : f.srcAs, 40);
    b.writeUInt16BE(f.dstAs > 0xffff ? AS_TRANS : f.dstAs, 42);
    b[44] = 0; // src_mask
    b[45] = 0; // dst_mask
    b.writeUInt16BE(0, 46);
    this.images[f.index] = b;
    this.imageFlows[f.index] = f;
    return b;
  }
}
