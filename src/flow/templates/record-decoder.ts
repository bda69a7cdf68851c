/**
 * Runs compiled templates over data sets: turns NetFlow v9 / IPFIX data records into FlowSamples
 * and options records into learned sampling rates and IPFIX system init times. Shared by both
 * decoders, which only differ in headers, set framing and the clock the uptime fields refer to.
 *
 * Hot path rules: one FlowSample reused for every record, per-record state in locals, integers
 * read with byte arithmetic, no allocation, no map lookup per field (the sampling rate lookup is
 * once per record and memoised per sampler id).
 */
import type { Exporter } from '../exporter.js';
import { ANY_SAMPLER } from '../exporter.js';
import { FlowSample, type SampleSink } from '../sample.js';
import { VARIABLE_LENGTH } from '../ipfix/field-ids.js';
import { IpMode, Kind, type CompiledTemplate } from './compiled-template.js';
import type { TemplateDomain } from './template-cache.js';

/** Seconds from the NTP epoch (1900) to the Unix epoch (RFC 5905 §6). */
const NTP_UNIX_OFFSET = 2208988800;
/** Unix seconds at the start of NTP era 1 (2036-02-07), RFC 4330 §3. */
const NTP_ERA1_UNIX = 4294967296 - NTP_UNIX_OFFSET;

function u16(b: Buffer, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function u32(b: Buffer, o: number): number {
  return (b[o] * 16777216) + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

/** Unsigned big-endian integer of 1..8 bytes (reduced-size encoding, RFC 7011 §6.2), as a Number. */
function uint(b: Buffer, o: number, len: number): number {
  switch (len) {
    case 1:
      return b[o];
    case 2:
      return (b[o] << 8) | b[o + 1];
    case 4:
      return u32(b, o);
    case 8:
      return u32(b, o) * 4294967296 + u32(b, o + 4);
    default: {
      let v = 0;
      for (let k = 0; k < len; k++) v = v * 256 + b[o + k];
      return v;
    }
  }
}

/**
 * dateTimeMicroseconds / dateTimeNanoseconds (RFC 7011 §6.1.9-10): NTP format, seconds since
 * 1900 plus a 2^-32 fraction. Values with the top bit clear are NTP era 1 (after 2036), per
 * RFC 4330 §3, so the conversion keeps working past the rollover.
 */
function ntpToMs(b: Buffer, o: number): number {
  const sec = u32(b, o);
  const unix = sec >= 0x80000000 ? sec - NTP_UNIX_OFFSET : sec + NTP_ERA1_UNIX;
  return unix * 1000 + Math.floor((u32(b, o + 4) * 1000) / 4294967296);
}

function copy16(b: Buffer, o: number, to: Uint8Array): void {
  for (let k = 0; k < 16; k++) to[k] = b[o + k];
}

function putV4(to: Uint8Array, v: number): void {
  to[0] = v >>> 24;
  to[1] = (v >>> 16) & 255;
  to[2] = (v >>> 8) & 255;
  to[3] = v & 255;
}

export class TemplateRecordDecoder {
  /** The one sample this decoder refills for every record. */
  readonly sample = new FlowSample();
  /** Per-record offsets of the planned fields, for templates with variable-length fields. */
  private readonly varPlanOffsets: Int32Array;
  private readonly fieldStarts: Int32Array;

  // Datagram context (set by begin()).
  private exporter: Exporter | null = null;
  private sink: SampleSink | null = null;
  private source = 0;
  private exportMs = 0;
  /** NetFlow v9 header sysUptime (ms): base of FIRST/LAST_SWITCHED. -1 for IPFIX. */
  private sysUptimeMs = -1;
  /** IPFIX systemInitTimeMilliseconds for this domain, 0 = unknown. */
  private sysInitMs = 0;
  private memoSampler = NaN;
  private memoRate = 1;
  private noIp = 0;
  /** Samples emitted since begin(). */
  emitted = 0;
  /** systemInitTimeMilliseconds found in options records since begin(), 0 = none. */
  learnedSysInitMs = 0;

  constructor(maxFields: number) {
    this.varPlanOffsets = new Int32Array(maxFields);
    this.fieldStarts = new Int32Array(maxFields);
  }

  /**
   * Starts a datagram: the clock references and where samples and errors go. Takes the header's
   * export time in seconds and the IPFIX domain rather than millisecond values: a millisecond
   * timestamp is beyond V8's small-integer range, so passing one as an argument would box it in
   * a fresh heap number on every datagram; products and loads made here go straight into this
   * object's double fields.
   */
  begin(exporter: Exporter, sink: SampleSink, source: number, exportSecs: number, sysUptimeMs: number, domain: TemplateDomain | undefined): void {
    this.exporter = exporter;
    this.sink = sink;
    this.source = source;
    this.exportMs = exportSecs * 1000;
    this.sysUptimeMs = sysUptimeMs;
    this.sysInitMs = domain === undefined ? 0 : domain.sysInitMs;
    this.memoSampler = NaN;
    this.noIp = 0;
    this.emitted = 0;
    this.learnedSysInitMs = 0;
  }

  /** Ends a datagram: flushes counters into the exporter's stats and returns the samples emitted. */
  finish(): number {
    const e = this.exporter!;
    if (this.noIp > 0) e.stats.countError('no_ip', this.noIp);
    e.stats.samples += this.emitted;
    this.exporter = null;
    this.sink = null;
    return this.emitted;
  }

  /**
   * Decodes the records of one data set (`start` just after the set header, `end` the set end).
   * Trailing bytes shorter than a record are padding (RFC 7011 §3.3.1, RFC 3954 §5.3). Returns
   * the number of records parsed (for IPFIX sequence accounting).
   */
  dataSet(buf: Buffer, start: number, end: number, t: CompiledTemplate): number {
    let records = 0;
    let p = start;
    const len = t.fixedLength;
    if (len > 0) {
      const offs = t.planOffset;
      if (t.options) {
        for (; end - p >= len; p += len, records++) this.optionsRecord(buf, p, t, offs);
      } else {
        for (; end - p >= len; p += len, records++) this.dataRecord(buf, p, t, offs);
      }
      return records;
    }
    const min = t.minLength;
    while (end - p >= min) {
      const next = this.layout(buf, p, end, t);
      if (next < 0) {
        // A variable-length field runs past the set: the rest of the set cannot be framed.
        this.exporter!.stats.countError('truncated');
        break;
      }
      if (t.options) this.optionsRecord(buf, p, t, this.varPlanOffsets);
      else this.dataRecord(buf, p, t, this.varPlanOffsets);
      p = next;
      records++;
    }
    return records;
  }

  /**
   * Finds the field offsets of one record of a template with variable-length fields (RFC 7011
   * §7: a 1-byte length, or 255 then a 2-byte length). Returns the record end, or -1 when the
   * record does not fit before `end`.
   */
  private layout(buf: Buffer, p: number, end: number, t: CompiledTemplate): number {
    const lengths = t.lengths;
    const starts = this.fieldStarts;
    let q = p;
    for (let i = 0; i < t.fieldCount; i++) {
      let l = lengths[i];
      if (l === VARIABLE_LENGTH) {
        if (q >= end) return -1;
        l = buf[q++];
        if (l === 255) {
          if (end - q < 2) return -1;
          l = u16(buf, q);
          q += 2;
        }
      }
      starts[i] = q;
      q += l;
      if (q > end) return -1;
    }
    const plan = t.planOffset;
    const out = this.varPlanOffsets;
    for (let j = 0; j < t.planSize; j++) out[j] = starts[plan[j]] - p;
    return q;
  }

  private dataRecord(buf: Buffer, base: number, t: CompiledTemplate, offs: Int32Array): void {
    const s = this.sample;
    s.reset(this.source);
    const kinds = t.planKind;
    const lens = t.planLength;
    const n = t.planSize;
    let revBytes = 0;
    let revPackets = 0;
    let revFlags = 0;
    let revIcmp = -1;
    let startMs = -1;
    let endMs = -1;
    let startUp = -1;
    let endUp = -1;
    let sysInit = 0;
    let samplerId = ANY_SAMPLER;
    let interval = 0;
    let fragFlags = -1;
    let fragId = 0;
    for (let i = 0; i < n; i++) {
      const o = base + offs[i];
      const l = lens[i];
      // Every integer element is read here, inline (no call per field): the switch below only
      // stores. Reduced-size encoding (RFC 7011 §6.2) makes any length 1..8 possible; 16-byte
      // addresses and NTP timestamps are read in their own case.
      let v: number;
      if (l === 4) v = buf[o] * 16777216 + ((buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]);
      else if (l === 2) v = (buf[o] << 8) | buf[o + 1];
      else if (l === 1) v = buf[o];
      else if (l === 8) {
        v = (buf[o] * 16777216 + ((buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3])) * 4294967296 +
          (buf[o + 4] * 16777216 + ((buf[o + 5] << 16) | (buf[o + 6] << 8) | buf[o + 7]));
      } else if (l < 8) v = uint(buf, o, l);
      else v = 0;
      switch (kinds[i]) {
        case Kind.SRC_V4:
          s.srcV4 = v;
          break;
        case Kind.DST_V4:
          s.dstV4 = v;
          break;
        case Kind.SRC_V6:
          copy16(buf, o, s.srcAddr);
          break;
        case Kind.DST_V6:
          copy16(buf, o, s.dstAddr);
          break;
        case Kind.PROTOCOL:
          s.protocol = v;
          break;
        case Kind.SRC_PORT:
          s.srcPort = v;
          break;
        case Kind.DST_PORT:
          s.dstPort = v;
          break;
        case Kind.TCP_FLAGS:
          // RFC 7125: the 2-byte form adds the header-length/reserved bits; only the 8 flags matter.
          s.tcpFlags = v & 0xff;
          break;
        case Kind.REV_TCP_FLAGS:
          revFlags = v & 0xff;
          break;
        case Kind.ICMP_TYPE_CODE: {
          // Templates may carry both the IPv4 and IPv6 element; the one that does not apply is 0.
          if (v !== 0) {
            s.icmpType = v >>> 8;
            s.icmpCode = v & 255;
          }
          break;
        }
        case Kind.REV_ICMP_TYPE_CODE:
          revIcmp = v;
          break;
        case Kind.ICMP_TYPE:
          if (v !== 0) s.icmpType = v;
          break;
        case Kind.ICMP_CODE:
          if (v !== 0) s.icmpCode = v;
          break;
        case Kind.BYTES:
          s.bytes = v;
          break;
        case Kind.PACKETS:
          s.packets = v;
          break;
        case Kind.REV_BYTES:
          revBytes = v;
          break;
        case Kind.REV_PACKETS:
          revPackets = v;
          break;
        case Kind.START_UPTIME:
          startUp = v;
          break;
        case Kind.END_UPTIME:
          endUp = v;
          break;
        case Kind.START_SEC:
          startMs = v * 1000;
          break;
        case Kind.END_SEC:
          endMs = v * 1000;
          break;
        case Kind.START_MS:
          startMs = v;
          break;
        case Kind.END_MS:
          endMs = v;
          break;
        case Kind.START_NTP:
          startMs = ntpToMs(buf, o);
          break;
        case Kind.END_NTP:
          endMs = ntpToMs(buf, o);
          break;
        case Kind.START_DELTA_US:
          // RFC 5102 §5.9: microseconds before the export time of the message.
          startMs = this.exportMs - Math.floor(v / 1000);
          break;
        case Kind.END_DELTA_US:
          endMs = this.exportMs - Math.floor(v / 1000);
          break;
        case Kind.SYS_INIT_MS:
          sysInit = v;
          break;
        case Kind.IN_IF:
          s.inputIf = v;
          break;
        case Kind.OUT_IF:
          s.outputIf = v;
          break;
        case Kind.SRC_AS:
          s.srcAs = v;
          break;
        case Kind.DST_AS:
          s.dstAs = v;
          break;
        case Kind.FORWARDING:
          // RFC 7270 §4.12: status in the top 2 bits of the (reduced-size) 1-byte value.
          s.forwarding = (v >>> 6) & 3;
          break;
        case Kind.FRAG_FLAGS:
          fragFlags = v;
          break;
        case Kind.FRAG_OFFSET:
          s.fragmentOffset = v & 0x1fff;
          break;
        case Kind.FRAG_ID:
          fragId = v;
          break;
        case Kind.TOS:
          s.tos = v;
          break;
        case Kind.TTL:
          s.ttl = v;
          break;
        case Kind.VLAN:
          s.vlan = v & 0xfff;
          break;
        case Kind.SAMPLER_ID:
          samplerId = v;
          break;
        case Kind.SAMPLING_INTERVAL:
          interval = v;
          break;
        default:
          break;
      }
    }

    // Address family. Templates with both families zero-fill the one that does not apply.
    let v = t.ipMode;
    if (v === IpMode.BOTH) v = s.srcV4 !== 0 || s.dstV4 !== 0 ? IpMode.V4 : IpMode.V6;
    if (v === IpMode.NONE) {
      this.noIp++;
      return;
    }
    if (v === IpMode.V4) {
      putV4(s.srcAddr, s.srcV4);
      putV4(s.dstAddr, s.dstV4);
    } else {
      s.srcV4 = 0;
      s.dstV4 = 0;
      if (!t.hasSrcV6) s.srcAddr.fill(0);
      if (!t.hasDstV6) s.dstAddr.fill(0);
    }
    s.ipVersion = v;

    // ICMP: Cisco-style exporters put type*256+code in the destination port (and some leave the
    // ICMP element 0); ports have no meaning for ICMP, so they are cleared either way.
    if (s.protocol === 1 || s.protocol === 58) {
      if (s.icmpType === 0 && s.icmpCode === 0 && s.dstPort !== 0) {
        s.icmpType = s.dstPort >>> 8;
        s.icmpCode = s.dstPort & 255;
      }
      s.srcPort = 0;
      s.dstPort = 0;
    }

    // Fragments: RFC 5102 fragmentFlags bit 1 = DF (0x40), bit 2 = MF (0x20). An IPv4
    // identification is present in every packet, so only in IPv6 (fragment header) does a
    // non-zero fragmentIdentification alone mean "fragment".
    if (fragFlags >= 0) {
      s.dontFragment = (fragFlags & 0x40) !== 0;
      s.moreFragments = (fragFlags & 0x20) !== 0;
    }
    s.isFragment = s.moreFragments || s.fragmentOffset !== 0 || (v === IpMode.V6 && fragId !== 0);

    // Times. Uptime-relative values: v9 against the header (RFC 3954 §5.1: sysUpTime at export,
    // unix_secs), IPFIX against systemInitTimeMilliseconds (RFC 5102 §5.9). The signed 32-bit
    // difference absorbs uptime wrap-around and records stamped slightly after the header.
    if (startUp >= 0 || endUp >= 0) {
      if (this.sysUptimeMs >= 0) {
        if (startUp >= 0) startMs = this.exportMs - ((this.sysUptimeMs - startUp) | 0);
        if (endUp >= 0) endMs = this.exportMs - ((this.sysUptimeMs - endUp) | 0);
      } else {
        const init = sysInit > 0 ? sysInit : this.sysInitMs;
        if (init > 0) {
          if (startUp >= 0) startMs = init + startUp;
          if (endUp >= 0) endMs = init + endUp;
        }
      }
    }
    if (startMs < 0) startMs = endMs >= 0 ? endMs : this.exportMs;
    if (endMs < 0) endMs = startMs;
    s.startMs = startMs;
    s.endMs = endMs;

    // Sampling: a configured override wins, then an interval carried in the record itself
    // (MikroTik), then what options data taught us for this sampler.
    const e = this.exporter!;
    if (interval > 0 && e.samplingOverride <= 0) {
      s.samplingRate = interval;
    } else if (samplerId === this.memoSampler) {
      s.samplingRate = this.memoRate;
    } else {
      const r = e.samplingFor(samplerId);
      this.memoSampler = samplerId;
      this.memoRate = r;
      s.samplingRate = r;
    }

    const sink = this.sink!;
    sink.sample(s);
    this.emitted++;

    if (t.hasReverse && (revBytes > 0 || revPackets > 0)) this.emitReverse(s, sink, revBytes, revPackets, revFlags, revIcmp);
  }

  /**
   * The reverse direction of a biflow record (RFC 5103 §6 / NSEL responder counters): the same
   * flow key with source and destination swapped, and the reverse counters.
   */
  private emitReverse(s: FlowSample, sink: SampleSink, bytes: number, packets: number, flags: number, icmp: number): void {
    let x = s.srcV4;
    s.srcV4 = s.dstV4;
    s.dstV4 = x;
    const a = s.srcAddr;
    const b = s.dstAddr;
    for (let k = 0; k < 16; k++) {
      x = a[k];
      a[k] = b[k];
      b[k] = x;
    }
    x = s.srcPort;
    s.srcPort = s.dstPort;
    s.dstPort = x;
    x = s.inputIf;
    s.inputIf = s.outputIf;
    s.outputIf = x;
    x = s.srcAs;
    s.srcAs = s.dstAs;
    s.dstAs = x;
    s.bytes = bytes;
    s.packets = packets;
    s.tcpFlags = flags;
    if (icmp >= 0) {
      s.icmpType = icmp >>> 8;
      s.icmpCode = icmp & 255;
    }
    sink.sample(s);
    this.emitted++;
  }

  private optionsRecord(buf: Buffer, base: number, t: CompiledTemplate, offs: Int32Array): void {
    const kinds = t.planKind;
    const lens = t.planLength;
    let samplerId = ANY_SAMPLER;
    let interval = 0;
    let pktInterval = 0;
    let pktSpace = 0;
    let size = 0;
    let population = 0;
    let sysInit = 0;
    for (let i = 0; i < t.planSize; i++) {
      const o = base + offs[i];
      switch (kinds[i]) {
        case Kind.SAMPLER_ID:
          samplerId = uint(buf, o, lens[i]);
          break;
        case Kind.SAMPLING_INTERVAL:
          interval = uint(buf, o, lens[i]);
          break;
        case Kind.PACKET_INTERVAL:
          pktInterval = uint(buf, o, lens[i]);
          break;
        case Kind.PACKET_SPACE:
          pktSpace = uint(buf, o, lens[i]);
          break;
        case Kind.SAMPLING_SIZE:
          size = uint(buf, o, lens[i]);
          break;
        case Kind.SAMPLING_POPULATION:
          population = uint(buf, o, lens[i]);
          break;
        case Kind.SYS_INIT_MS:
          sysInit = uint(buf, o, 8);
          break;
        default:
          break;
      }
    }
    // RFC 3954 §8 SAMPLING_INTERVAL / FLOW_SAMPLER_RANDOM_INTERVAL are "1 out of N". PSAMP
    // systematic count-based sampling (RFC 5476 §6.5.2.1) selects `interval` packets then skips
    // `space`; random n-out-of-N (RFC 5476 §6.5.2.3) selects `size` of `population`.
    let rate = 0;
    if (interval > 0) rate = interval;
    else if (pktInterval > 0) rate = (pktInterval + pktSpace) / pktInterval;
    else if (size > 0 && population >= size) rate = population / size;
    if (rate >= 1 && this.exporter!.learnSampling(samplerId, rate)) this.memoSampler = NaN;
    if (sysInit > 0) {
      this.learnedSysInitMs = sysInit;
      this.sysInitMs = sysInit;
    }
  }
}
