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
  /**
   * Decode straight-line templates (CompiledTemplate.straight) without the plan loop. Only
   * tests turn this off, to check that both ways give the same samples.
   */
  straightLine = true;

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
      } else if (t.straight && this.straightLine) {
        const kf = t.kindField;
        for (; end - p >= len; p += len, records++) this.straightRecord(buf, p, t, kf);
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
   * One record of a straight-line template (CompiledTemplate.straight): every kind is read from
   * its precomputed offset, in a fixed order, and every sample field is assigned exactly once
   * (the value, or what FlowSample.reset() would leave), so there is neither a loop over the
   * plan with a `switch` per field nor a reset. Each branch depends on the template only, so the
   * branch predictor learns a data set's records after the first one. Gives the same samples as
   * dataRecord(), which stays the reference (compared field by field in the tests).
   *
   * Written for what TurboFan makes of it (measured, Node 20):
   * - The integer reads are written out rather than calling u32(), uint() or ntpToMs():
   *   TurboFan inlines callees only up to a bytecode budget per function, and there are more
   *   read sites here than the budget covers. The calls past it stayed real calls, and a call
   *   that is not inlined returns a number beyond the small-integer range (a 64-bit counter, a
   *   millisecond time) boxed in a fresh heap object: garbage per record. Reduced-size
   *   encodings (RFC 7011 §6.2) are read byte by byte, like uint().
   * - All reads of the record come first, into locals, and the sample is written after; the
   *   record offset is made a 32-bit integer once (`b | 0`), where TurboFan had checked its
   *   small-integer tag again at every read.
   *
   * The caller has checked that the whole record is inside the set; `buf[]` reads are
   * bounds-checked by V8 anyway.
   */
  private straightRecord(buf: Buffer, b: number, t: CompiledTemplate, kf: Int32Array): void {
    const base = b | 0;
    let o = 0;
    let x = 0;
    let l = 0;
    let v = 0;
    // TurboFan checks an object's map where it is first used, and a check made inside a branch is
    // forgotten after the branch: as every read of `buf` below sits in its own `if`, each would
    // check again. This unconditional use checks it once for the whole function. dataSet() has
    // already checked the bound, so this cannot throw.
    if (base + t.fixedLength > buf.length) throw new RangeError(`record at ${base} runs past the ${buf.length}-byte datagram`);

    // Addresses and the family first: a record without any address is dropped before the rest.
    let src4 = 0;
    let dst4 = 0;
    o = kf[Kind.SRC_V4];
    if (o >= 0) {
      x = base + (o & 0xffff);
      src4 = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
    }
    o = kf[Kind.DST_V4];
    if (o >= 0) {
      x = base + (o & 0xffff);
      dst4 = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
    }
    let ip = t.ipMode;
    if (ip === IpMode.BOTH) ip = src4 !== 0 || dst4 !== 0 ? IpMode.V4 : IpMode.V6;
    if (ip === IpMode.NONE) {
      this.noIp++;
      return;
    }

    // Transport. Lengths are the ones compile() accepted for each kind (1..2 for ports, ...).
    o = kf[Kind.PROTOCOL];
    const protocol = o >= 0 ? buf[base + (o & 0xffff)] : 0;
    let srcPort = 0;
    let dstPort = 0;
    o = kf[Kind.SRC_PORT];
    if (o >= 0) {
      x = base + (o & 0xffff);
      srcPort = (o >>> 16) === 2 ? (buf[x] << 8) | buf[x + 1] : buf[x];
    }
    o = kf[Kind.DST_PORT];
    if (o >= 0) {
      x = base + (o & 0xffff);
      dstPort = (o >>> 16) === 2 ? (buf[x] << 8) | buf[x + 1] : buf[x];
    }
    // Only the low 8 bits of tcpControlBits are flags (RFC 7125): the field's last byte.
    o = kf[Kind.TCP_FLAGS];
    const tcpFlags = o >= 0 ? buf[base + (o & 0xffff) + (o >>> 16) - 1] : 0;
    // Type·256 + code, or the two separate elements (never both: see CompiledTemplate.straight).
    let icmpType = 0;
    let icmpCode = 0;
    o = kf[Kind.ICMP_TYPE_CODE];
    if (o >= 0) {
      x = base + (o & 0xffff);
      icmpType = buf[x];
      icmpCode = buf[x + 1];
    }
    o = kf[Kind.ICMP_TYPE];
    if (o >= 0) icmpType = buf[base + (o & 0xffff)];
    o = kf[Kind.ICMP_CODE];
    if (o >= 0) icmpCode = buf[base + (o & 0xffff)];
    o = kf[Kind.TOS];
    const tos = o >= 0 ? buf[base + (o & 0xffff)] : 0;
    o = kf[Kind.TTL];
    const ttl = o >= 0 ? buf[base + (o & 0xffff)] : 0;

    // Fragments.
    let fragmentOffset = 0;
    o = kf[Kind.FRAG_OFFSET];
    if (o >= 0) {
      x = base + (o & 0xffff);
      fragmentOffset = (o >>> 16) === 2 ? ((buf[x] << 8) | buf[x + 1]) & 0x1fff : buf[x];
    }
    o = kf[Kind.FRAG_FLAGS];
    const fragFlags = o >= 0 ? buf[base + (o & 0xffff)] : 0;
    let v6FragId = false;
    if (ip === IpMode.V6) {
      o = kf[Kind.FRAG_ID];
      if (o >= 0) {
        x = base + (o & 0xffff);
        l = (o >>> 16);
        v = 0;
        for (let k = 0; k < l; k++) v = v * 256 + buf[x + k];
        v6FragId = v !== 0;
      }
    }

    // Counters: 8 bytes (IPFIX), 4 (NetFlow v9) or another reduced size.
    let packets = 0;
    let bytes = 0;
    o = kf[Kind.PACKETS];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      if (l === 8) {
        packets = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
          (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
      } else if (l === 4) {
        packets = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
      } else {
        for (let k = 0; k < l; k++) packets = packets * 256 + buf[x + k];
      }
    }
    o = kf[Kind.BYTES];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      if (l === 8) {
        bytes = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
          (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
      } else if (l === 4) {
        bytes = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
      } else {
        for (let k = 0; k < l; k++) bytes = bytes * 256 + buf[x + k];
      }
    }

    // Interfaces and AS numbers: 4 bytes, 2, or another reduced size.
    let inputIf = 0;
    let outputIf = 0;
    let srcAs = 0;
    let dstAs = 0;
    o = kf[Kind.IN_IF];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      if (l === 4) inputIf = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
      else for (let k = 0; k < l; k++) inputIf = inputIf * 256 + buf[x + k];
    }
    o = kf[Kind.OUT_IF];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      if (l === 4) outputIf = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
      else for (let k = 0; k < l; k++) outputIf = outputIf * 256 + buf[x + k];
    }
    o = kf[Kind.SRC_AS];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      if (l === 4) srcAs = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
      else for (let k = 0; k < l; k++) srcAs = srcAs * 256 + buf[x + k];
    }
    o = kf[Kind.DST_AS];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      if (l === 4) dstAs = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
      else for (let k = 0; k < l; k++) dstAs = dstAs * 256 + buf[x + k];
    }
    let vlan = 0;
    o = kf[Kind.VLAN];
    if (o >= 0) {
      x = base + (o & 0xffff);
      vlan = (o >>> 16) === 2 ? ((buf[x] << 8) | buf[x + 1]) & 0xfff : buf[x];
    }
    // RFC 7270 §4.12: the status is bits 6-7 of the value, i.e. of its last byte.
    o = kf[Kind.FORWARDING];
    const forwarding = o >= 0 ? (buf[base + (o & 0xffff) + (o >>> 16) - 1] >>> 6) & 3 : 0;

    // Times (as dataRecord). The START and END groups plan at most one kind each.
    let startMs = -1;
    let endMs = -1;
    let startUp = -1;
    let endUp = -1;
    let tk = t.startKind;
    if (tk !== Kind.SKIP) {
      o = kf[tk];
      x = base + (o & 0xffff);
      switch (tk) {
        case Kind.START_MS:
          startMs =
            (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
            (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
          break;
        case Kind.START_UPTIME:
          l = o >>> 16;
          if (l === 4) {
            startUp = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
          } else {
            startUp = 0;
            for (let k = 0; k < l; k++) startUp = startUp * 256 + buf[x + k];
          }
          break;
        case Kind.START_SEC:
          startMs = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 1000;
          break;
        case Kind.START_NTP:
          // As ntpToMs(), written out: a call not inlined would return the time boxed.
          v = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
          startMs = (v >= 0x80000000 ? v - NTP_UNIX_OFFSET : v + NTP_ERA1_UNIX) * 1000;
          startMs += Math.floor(((((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0) * 1000) / 4294967296);
          break;
        case Kind.START_DELTA_US:
          // RFC 5102 §5.9: microseconds before the export time of the message.
          startMs = this.exportMs - Math.floor((((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) / 1000);
          break;
      }
    }
    tk = t.endKind;
    if (tk !== Kind.SKIP) {
      o = kf[tk];
      x = base + (o & 0xffff);
      switch (tk) {
        case Kind.END_MS:
          endMs =
            (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
            (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
          break;
        case Kind.END_UPTIME:
          l = o >>> 16;
          if (l === 4) {
            endUp = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
          } else {
            endUp = 0;
            for (let k = 0; k < l; k++) endUp = endUp * 256 + buf[x + k];
          }
          break;
        case Kind.END_SEC:
          endMs = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 1000;
          break;
        case Kind.END_NTP:
          // As ntpToMs(), written out: a call not inlined would return the time boxed.
          v = ((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0;
          endMs = (v >= 0x80000000 ? v - NTP_UNIX_OFFSET : v + NTP_ERA1_UNIX) * 1000;
          endMs += Math.floor(((((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0) * 1000) / 4294967296);
          break;
        case Kind.END_DELTA_US:
          endMs = this.exportMs - Math.floor((((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) / 1000);
          break;
      }
    }
    if (startUp >= 0 || endUp >= 0) {
      if (this.sysUptimeMs >= 0) {
        if (startUp >= 0) startMs = this.exportMs - ((this.sysUptimeMs - startUp) | 0);
        if (endUp >= 0) endMs = this.exportMs - ((this.sysUptimeMs - endUp) | 0);
      } else {
        o = kf[Kind.SYS_INIT_MS];
        let sysInit = 0;
        if (o >= 0) {
          x = base + (o & 0xffff);
          sysInit = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
            (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
        }
        const init = sysInit > 0 ? sysInit : this.sysInitMs;
        if (init > 0) {
          if (startUp >= 0) startMs = init + startUp;
          if (endUp >= 0) endMs = init + endUp;
        }
      }
    }
    if (startMs < 0) startMs = endMs >= 0 ? endMs : this.exportMs;
    if (endMs < 0) endMs = startMs;

    // Sampling (as dataRecord): the override, then an interval in the record, then what options
    // data taught us for the record's sampler.
    let interval = 0;
    o = kf[Kind.SAMPLING_INTERVAL];
    if (o >= 0) {
      x = base + (o & 0xffff);
      l = (o >>> 16);
      for (let k = 0; k < l; k++) interval = interval * 256 + buf[x + k];
    }
    const e = this.exporter!;
    let samplingRate = interval;
    if (interval <= 0 || e.samplingOverride > 0) {
      o = kf[Kind.SAMPLER_ID];
      let samplerId = ANY_SAMPLER;
      if (o >= 0) {
        x = base + (o & 0xffff);
        l = (o >>> 16);
        if (l === 8) {
          samplerId = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
            (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
        } else {
          samplerId = 0;
          for (let k = 0; k < l; k++) samplerId = samplerId * 256 + buf[x + k];
        }
      }
      if (samplerId === this.memoSampler) {
        samplingRate = this.memoRate;
      } else {
        samplingRate = e.samplingFor(samplerId);
        this.memoSampler = samplerId;
        this.memoRate = samplingRate;
      }
    }

    // ICMP: Cisco-style type·256 + code in the destination port; ports mean nothing for ICMP.
    if (protocol === 1 || protocol === 58) {
      if (icmpType === 0 && icmpCode === 0 && dstPort !== 0) {
        icmpType = dstPort >>> 8;
        icmpCode = dstPort & 255;
      }
      srcPort = 0;
      dstPort = 0;
    }

    // The sample, every field.
    const s = this.sample;
    const sa = s.srcAddr;
    const da = s.dstAddr;
    if (ip === IpMode.V4) {
      sa[0] = src4 >>> 24;
      sa[1] = (src4 >>> 16) & 255;
      sa[2] = (src4 >>> 8) & 255;
      sa[3] = src4 & 255;
      da[0] = dst4 >>> 24;
      da[1] = (dst4 >>> 16) & 255;
      da[2] = (dst4 >>> 8) & 255;
      da[3] = dst4 & 255;
    } else {
      src4 = 0;
      dst4 = 0;
      o = kf[Kind.SRC_V6];
      if (o >= 0) copy16(buf, base + (o & 0xffff), sa);
      else sa.fill(0);
      o = kf[Kind.DST_V6];
      if (o >= 0) copy16(buf, base + (o & 0xffff), da);
      else da.fill(0);
    }
    s.source = this.source;
    s.ipVersion = ip;
    s.srcV4 = src4;
    s.dstV4 = dst4;
    s.protocol = protocol;
    s.srcPort = srcPort;
    s.dstPort = dstPort;
    s.tcpFlags = tcpFlags;
    s.icmpType = icmpType;
    s.icmpCode = icmpCode;
    s.tos = tos;
    s.ttl = ttl;
    const more = (fragFlags & 0x20) !== 0;
    s.isFragment = more || fragmentOffset !== 0 || v6FragId;
    s.fragmentOffset = fragmentOffset;
    s.moreFragments = more;
    s.dontFragment = (fragFlags & 0x40) !== 0;
    s.packets = packets;
    s.bytes = bytes;
    s.samplingRate = samplingRate;
    s.frameLength = 0;
    s.ipLength = 0;
    s.inputIf = inputIf;
    s.outputIf = outputIf;
    s.srcAs = srcAs;
    s.dstAs = dstAs;
    s.vlan = vlan;
    s.forwarding = forwarding;
    s.startMs = startMs;
    s.endMs = endMs;

    const sink = this.sink!;
    sink.sample(s);
    this.emitted++;

    if (t.hasReverse) {
      let revBytes = 0;
      let revPackets = 0;
      o = kf[Kind.REV_BYTES];
      if (o >= 0) {
        x = base + (o & 0xffff);
        l = (o >>> 16);
        if (l === 8) revBytes = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
          (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
        else for (let k = 0; k < l; k++) revBytes = revBytes * 256 + buf[x + k];
      }
      o = kf[Kind.REV_PACKETS];
      if (o >= 0) {
        x = base + (o & 0xffff);
        l = (o >>> 16);
        if (l === 8) revPackets = (((buf[x] << 24) | (buf[x + 1] << 16) | (buf[x + 2] << 8) | buf[x + 3]) >>> 0) * 4294967296 +
          (((buf[x + 4] << 24) | (buf[x + 5] << 16) | (buf[x + 6] << 8) | buf[x + 7]) >>> 0);
        else for (let k = 0; k < l; k++) revPackets = revPackets * 256 + buf[x + k];
      }
      if (revBytes > 0 || revPackets > 0) {
        o = kf[Kind.REV_TCP_FLAGS];
        const revFlags = o >= 0 ? buf[base + (o & 0xffff) + (o >>> 16) - 1] : 0;
        o = kf[Kind.REV_ICMP_TYPE_CODE];
        const revIcmp = o >= 0 ? (buf[base + (o & 0xffff)] << 8) | buf[base + (o & 0xffff) + 1] : -1;
        this.emitReverse(s, sink, revBytes, revPackets, revFlags, revIcmp);
      }
    }
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
