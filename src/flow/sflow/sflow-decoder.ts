/**
 * sFlow version 5 decoder (https://sflow.org/sflow_version_5.txt, referred to as "sFlow v5").
 *
 * One datagram in, zero or more FlowSamples out through the sink, synchronously, with one
 * reused FlowSample and no allocation per flow sample. Every length and count read from the
 * wire is checked against the bytes that enclose it before it is used; counts are also checked
 * against named limits before any loop runs.
 *
 * Error policy (see DESIGN.md "Bad input"):
 * - The datagram header (version, agent address, sample count) failing throws DecodeError.
 * - A sample whose length runs past the datagram ends the datagram ('truncated', counted):
 *   nothing after it can be framed. Samples already emitted stay emitted.
 * - A sample too short for its fixed fields ('bad_length'), with a record count the bytes
 *   cannot hold ('count_too_large'), or with a record running past the sample ('truncated')
 *   is skipped whole; decoding continues with the next sample, whose framing is intact.
 * - A record too short for its fixed fields is skipped ('bad_length'), the sample is kept.
 *
 * Leniency, on purpose:
 * - XDR pads every opaque to 4 bytes (RFC 4506 §4.10), so sample and record lengths are
 *   multiples of 4 on the wire. We frame by the declared length as-is and do not require the
 *   padding: every read is bounds-checked, so an unpadded length cannot make us read outside
 *   the datagram, and refusing it would only lose samples from a sloppy agent. Likewise the
 *   padding after the sampled header bytes need not be inside the record.
 * - Bytes after the last announced sample are ignored.
 * - Agent address type 0 ("UNKNOWN", sFlow v5 §"address") is legal and carries no address.
 * - Unknown flow and counter record types are skipped silently by their length: agents send
 *   many (extended_router, ethernet counters, host counters...) and they are not errors.
 *   'unsupported' counts samples of an unknown type/enterprise and packet headers of a
 *   header_protocol the packet-header parser does not know.
 *
 * Mapping decisions:
 * - One FlowSample per flow sample: packets 1, bytes = frame_length of the raw header record,
 *   else the sampled_ipv4/ipv6 length; the raw header wins when both are present, and the
 *   sampled_ipv4/ipv6 record is the fallback when the header carries no IP (e.g. cut short).
 * - samplingRate: the exporter's configured override if any, else the sample's sampling_rate;
 *   a rate of 0 (meaningless) falls back to `exporter.samplingFor(ANY_SAMPLER)` (learned or
 *   configured default). Not counted as an error: the sample itself is fine.
 * - forwarding: output format 1 → DROPPED (value is a reason code, outputIf 0); format 0 with
 *   the "internal" value → CONSUMED (destined to the device); format 0 with an ifIndex →
 *   FORWARDED; format 2 (several outputs) → FORWARDED with outputIf 0; 0 → UNKNOWN.
 * - vlan: the outer 802.1Q tag of the raw header; when untagged, extended_switch src_vlan.
 * - drops: summed per exporter in this decoder (`agentDrops`), not on ExporterStats.
 */
import { DecodeError } from '../decode-error.js';
import { ANY_SAMPLER, type Exporter } from '../exporter.js';
import { parsePacketHeader, type HeaderError } from '../packet-header.js';
import { FlowSample, Forwarding, SampleSource, type SampleSink } from '../sample.js';

export const SFLOW_VERSION = 5;
/** Samples per datagram. Each takes at least 8 bytes, so a 64 KiB datagram cannot hold more than 8191 anyway. */
export const MAX_SFLOW_SAMPLES_PER_DATAGRAM = 4096;
/** Flow/counter records per sample. Real agents send fewer than 10. */
export const MAX_SFLOW_RECORDS_PER_SAMPLE = 1024;
/** AS path segments in an extended_gateway record (a BGP AS_PATH rarely has more than a handful). */
export const MAX_SFLOW_AS_PATH_SEGMENTS = 128;
/** Data sources per exporter whose cumulative drop counter is remembered (see `agentDrops`). */
export const MAX_SFLOW_DROP_SOURCES = 1024;

// sample data_format values, enterprise 0 (sFlow v5 §"sample_record").
const SAMPLE_FLOW = 1;
const SAMPLE_COUNTERS = 2;
const SAMPLE_FLOW_EXPANDED = 3;
const SAMPLE_COUNTERS_EXPANDED = 4;

// flow_record data_format values, enterprise 0.
const FLOW_SAMPLED_HEADER = 1;
const FLOW_SAMPLED_IPV4 = 3;
const FLOW_SAMPLED_IPV6 = 4;
const FLOW_EXTENDED_SWITCH = 1001;
const FLOW_EXTENDED_GATEWAY = 1003;

// counter_record data_format values, enterprise 0.
const COUNTERS_GENERIC_INTERFACE = 1;

// Fixed part sizes (bytes) of the structures, as laid out in sFlow v5.
const FLOW_SAMPLE_FIXED = 32; // seq, source_id, rate, pool, drops, input, output, record count
const FLOW_SAMPLE_EXPANDED_FIXED = 44; // seq, source type+index, rate, pool, drops, input fmt+val, output fmt+val, count
const COUNTER_SAMPLE_FIXED = 12; // seq, source_id, record count
const COUNTER_SAMPLE_EXPANDED_FIXED = 16; // seq, source type+index, record count
const SAMPLED_HEADER_FIXED = 16; // protocol, frame_length, stripped, header length
const SAMPLED_IPV4_SIZE = 32;
const SAMPLED_IPV6_SIZE = 56;
const EXTENDED_SWITCH_SIZE = 16;
const IF_COUNTERS_SIZE = 88;

/** Compact interface: the top 2 bits are the format, the low 30 the value (sFlow v5 §"interface"). */
const IF_VALUE_MASK = 0x3fffffff;
const IF_FORMAT_SINGLE = 0;
const IF_FORMAT_DISCARDED = 1;
const IF_FORMAT_MULTIPLE = 2;
/** "No interface": traffic originating in or destined to the device itself (compact encoding). */
const IF_INTERNAL_COMPACT = 0x3fffffff;
/** Same meaning in the expanded encoding (sFlow v5 erratum on interface_expanded). */
const IF_INTERNAL_EXPANDED = 0xffffffff;

const ALL_ONES = 0xffffffff;

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** XDR unsigned hyper as a number: exact up to 2^53, which counters reach only after decades. */
function u64(b: Uint8Array, o: number): number {
  return u32(b, o) * 4294967296 + u32(b, o + 4);
}

/** 32-bit counters report "unknown" as all ones (sFlow v5 §"Counter Data"); count them as 0. */
function counter32(b: Uint8Array, o: number): number {
  const v = u32(b, o);
  return v === ALL_ONES ? 0 : v;
}

interface DropState {
  /** Sum of the increases of every data source's drop counter. */
  total: number;
  /** Last cumulative drop counter per data source key. */
  readonly last: Map<number, number>;
}

export class SflowDecoder {
  private readonly s = new FlowSample();
  private readonly drops = new WeakMap<Exporter, DropState>();

  // Offsets of the records of the flow sample being decoded (-1 = absent). Instance fields
  // rather than an object per sample, so the hot path allocates nothing.
  private hdrOff = -1;
  private hdrLen = 0;
  private hdrProtocol = 0;
  private frameLength = 0;
  private ip4Off = -1;
  private ip6Off = -1;
  private switchOff = -1;
  private haveGateway = false;
  private gwSrcAs = 0;
  private gwDstAs = 0;

  /**
   * Decodes one sFlow v5 datagram and returns the number of samples emitted. Throws
   * DecodeError when the datagram header is unusable; record-level problems are counted on
   * `exporter.stats` and skipped.
   */
  decode(buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): number {
    const end = buf.length;
    if (end < 8) throw new DecodeError('truncated', `sFlow datagram of ${end} bytes is shorter than its header`);
    const version = u32(buf, 0);
    if (version !== SFLOW_VERSION) throw new DecodeError('bad_version', `sFlow version ${version} is not 5`);
    const addressType = u32(buf, 4);
    let off = 8;
    // agent address: address_type then 0, 4 or 16 bytes (sFlow v5 §"address").
    if (addressType === 1) off += 4;
    else if (addressType === 2) off += 16;
    else if (addressType !== 0) throw new DecodeError('bad_address_type', `sFlow agent address type ${addressType}`);
    // sub_agent_id, sequence_number, uptime, samples<> count.
    if (end - off < 16) throw new DecodeError('truncated', 'sFlow datagram header is truncated');
    const subAgent = u32(buf, off);
    const sequence = u32(buf, off + 4);
    const numSamples = u32(buf, off + 12);
    off += 16;
    // Each sample is at least data_format + length (8 bytes).
    if (numSamples > MAX_SFLOW_SAMPLES_PER_DATAGRAM || numSamples * 8 > end - off) {
      throw new DecodeError('count_too_large', `sFlow datagram announces ${numSamples} samples in ${end - off} bytes`);
    }
    // The datagram sequence number is per sub-agent and grows by one per datagram (sFlow v5 §"sample_datagram_v5").
    exporter.trackSequence(SampleSource.SFLOW, subAgent, sequence, 1);

    const stats = exporter.stats;
    let emitted = 0;
    for (let i = 0; i < numSamples; i++) {
      if (end - off < 8) {
        stats.countError('truncated');
        break;
      }
      const format = u32(buf, off);
      const length = u32(buf, off + 4);
      const body = off + 8;
      if (length > end - body) {
        // The sample claims more bytes than are left: nothing after it can be framed.
        stats.countError('truncated');
        break;
      }
      const next = body + length;
      // data_format: enterprise in the top 20 bits, format in the low 12 (sFlow v5 §"data_format").
      if (format >>> 12 !== 0) {
        stats.countError('unsupported');
      } else {
        switch (format) {
          case SAMPLE_FLOW:
            emitted += this.flowSample(buf, body, next, false, exporter, subAgent, nowMs, sink);
            break;
          case SAMPLE_FLOW_EXPANDED:
            emitted += this.flowSample(buf, body, next, true, exporter, subAgent, nowMs, sink);
            break;
          case SAMPLE_COUNTERS:
            this.counterSample(buf, body, next, false, exporter, nowMs);
            break;
          case SAMPLE_COUNTERS_EXPANDED:
            this.counterSample(buf, body, next, true, exporter, nowMs);
            break;
          default:
            stats.countError('unsupported');
        }
      }
      off = next;
    }
    return emitted;
  }

  /**
   * Cumulative number of packets this exporter's agents reported they could not sample for
   * lack of resources (the flow sample "drops" field, sFlow v5 §"flow_sample"), summed over
   * data sources. Sampled traffic under-represents real traffic by that much.
   */
  agentDrops(exporter: Exporter): number {
    return this.drops.get(exporter)?.total ?? 0;
  }

  private flowSample(
    buf: Buffer,
    off: number,
    end: number,
    expanded: boolean,
    exporter: Exporter,
    subAgent: number,
    nowMs: number,
    sink: SampleSink,
  ): number {
    const stats = exporter.stats;
    const fixed = expanded ? FLOW_SAMPLE_EXPANDED_FIXED : FLOW_SAMPLE_FIXED;
    if (end - off < fixed) {
      stats.countError('bad_length');
      return 0;
    }
    let sourceType: number;
    let sourceIndex: number;
    let rate: number;
    let dropCount: number;
    let inFormat: number;
    let inValue: number;
    let outFormat: number;
    let outValue: number;
    let internalValue: number;
    if (expanded) {
      // flow_sample_expanded: source type and index, interfaces as (format, value) pairs.
      sourceType = u32(buf, off + 4);
      sourceIndex = u32(buf, off + 8);
      rate = u32(buf, off + 12);
      dropCount = u32(buf, off + 20);
      inFormat = u32(buf, off + 24);
      inValue = u32(buf, off + 28);
      outFormat = u32(buf, off + 32);
      outValue = u32(buf, off + 36);
      internalValue = IF_INTERNAL_EXPANDED;
    } else {
      // flow_sample: source_id is type(8) index(24); interfaces are format(2) value(30).
      const sourceId = u32(buf, off + 4);
      sourceType = sourceId >>> 24;
      sourceIndex = sourceId & 0xffffff;
      rate = u32(buf, off + 8);
      dropCount = u32(buf, off + 16);
      const input = u32(buf, off + 20);
      const output = u32(buf, off + 24);
      inFormat = input >>> 30;
      inValue = input & IF_VALUE_MASK;
      outFormat = output >>> 30;
      outValue = output & IF_VALUE_MASK;
      internalValue = IF_INTERNAL_COMPACT;
    }
    const numRecords = u32(buf, off + fixed - 4);
    let p = off + fixed;
    if (numRecords > MAX_SFLOW_RECORDS_PER_SAMPLE || numRecords * 8 > end - p) {
      stats.countError('count_too_large');
      return 0;
    }
    if (dropCount !== 0) this.trackDrops(exporter, subAgent, sourceType, sourceIndex, dropCount);

    this.hdrOff = -1;
    this.ip4Off = -1;
    this.ip6Off = -1;
    this.switchOff = -1;
    this.haveGateway = false;
    let recordErrors = false;
    for (let r = 0; r < numRecords; r++) {
      if (end - p < 8) {
        stats.countError('truncated');
        return 0;
      }
      const format = u32(buf, p);
      const length = u32(buf, p + 4);
      const body = p + 8;
      if (length > end - body) {
        stats.countError('truncated');
        return 0;
      }
      p = body + length;
      if (format >>> 12 !== 0) continue; // vendor records: skipped by length
      switch (format) {
        case FLOW_SAMPLED_HEADER: {
          if (length < SAMPLED_HEADER_FIXED) {
            stats.countError('bad_length');
            recordErrors = true;
            break;
          }
          if (this.hdrOff >= 0) break; // one packet per sample: the first header wins
          // header<>: the byte count, then the bytes (padding not required, see top of file).
          const headerLength = u32(buf, body + 12);
          if (headerLength > length - SAMPLED_HEADER_FIXED) {
            stats.countError('truncated');
            recordErrors = true;
            break;
          }
          this.hdrProtocol = u32(buf, body);
          this.frameLength = u32(buf, body + 4);
          this.hdrOff = body + SAMPLED_HEADER_FIXED;
          this.hdrLen = headerLength;
          break;
        }
        case FLOW_SAMPLED_IPV4:
          if (length < SAMPLED_IPV4_SIZE) {
            stats.countError('bad_length');
            recordErrors = true;
          } else if (this.ip4Off < 0) this.ip4Off = body;
          break;
        case FLOW_SAMPLED_IPV6:
          if (length < SAMPLED_IPV6_SIZE) {
            stats.countError('bad_length');
            recordErrors = true;
          } else if (this.ip6Off < 0) this.ip6Off = body;
          break;
        case FLOW_EXTENDED_SWITCH:
          if (length < EXTENDED_SWITCH_SIZE) {
            stats.countError('bad_length');
            recordErrors = true;
          } else this.switchOff = body;
          break;
        case FLOW_EXTENDED_GATEWAY:
          if (!this.gateway(buf, body, body + length, exporter)) recordErrors = true;
          break;
        default:
          break;
      }
    }

    // Fill the one sample of this flow sample: the raw header is the packet itself, so it wins
    // over the agent's own sampled_ipv4/ipv6 summary, which is the fallback.
    const s = this.s;
    s.reset(SampleSource.SFLOW);
    let bytes = 0;
    let headerError: HeaderError | null = null;
    if (this.hdrOff >= 0) {
      const err = parsePacketHeader(buf, this.hdrOff, this.hdrLen, this.hdrProtocol, s);
      if (err !== null && err !== 'no_ip') stats.countError(err);
      headerError = err;
      bytes = this.frameLength;
      s.frameLength = this.frameLength;
    }
    if (s.ipVersion === 0 && (this.ip4Off >= 0 || this.ip6Off >= 0)) {
      s.reset(SampleSource.SFLOW);
      bytes = this.ip4Off >= 0 ? this.sampledIPv4(buf, this.ip4Off) : this.sampledIPv6(buf, this.ip6Off);
    }
    if (s.ipVersion === 0) {
      // Counted once per sample, and not when another code already explains the loss.
      if (headerError === 'no_ip' || (headerError === null && !recordErrors)) stats.countError('no_ip');
      return 0;
    }

    s.packets = 1;
    s.bytes = bytes;
    // The override is the operator's correction for an agent that reports a wrong rate; a rate
    // of 0 is impossible (1-in-0) and falls back to what the exporter config says.
    s.samplingRate = exporter.samplingOverride > 0 ? exporter.samplingOverride : rate > 0 ? rate : exporter.samplingFor(ANY_SAMPLER);
    if (inFormat === IF_FORMAT_SINGLE && inValue !== internalValue) s.inputIf = inValue;
    if (outFormat === IF_FORMAT_SINGLE) {
      if (outValue === internalValue) s.forwarding = Forwarding.CONSUMED;
      else if (outValue !== 0) {
        s.outputIf = outValue;
        s.forwarding = Forwarding.FORWARDED;
      }
    } else if (outFormat === IF_FORMAT_DISCARDED) {
      // Output format 1: the packet was dropped, the value is a reason code (sFlow v5 §"interface").
      s.forwarding = Forwarding.DROPPED;
    } else if (outFormat === IF_FORMAT_MULTIPLE) {
      s.forwarding = Forwarding.FORWARDED;
    }
    if (s.vlan === 0 && this.switchOff >= 0) {
      // extended_switch src_vlan: the ingress VLAN, also for untagged frames on an access port.
      const vlan = u32(buf, this.switchOff);
      if (vlan <= 4095) s.vlan = vlan;
    }
    if (this.haveGateway) {
      s.srcAs = this.gwSrcAs;
      s.dstAs = this.gwDstAs;
    }
    s.startMs = nowMs;
    s.endMs = nowMs;
    stats.samples++;
    sink.sample(s);
    return 1;
  }

  /** sampled_ipv4: length, protocol, src, dst, src_port, dst_port, tcp_flags, tos. Returns the length. */
  private sampledIPv4(buf: Buffer, o: number): number {
    const s = this.s;
    const length = u32(buf, o);
    s.protocol = u32(buf, o + 4) & 0xff;
    const src = s.srcAddr;
    const dst = s.dstAddr;
    for (let i = 0; i < 4; i++) {
      src[i] = buf[o + 8 + i];
      dst[i] = buf[o + 12 + i];
    }
    s.srcV4 = u32(buf, o + 8);
    s.dstV4 = u32(buf, o + 12);
    s.srcPort = u32(buf, o + 16) & 0xffff;
    s.dstPort = u32(buf, o + 20) & 0xffff;
    s.tcpFlags = u32(buf, o + 24) & 0xff;
    s.tos = u32(buf, o + 28) & 0xff;
    s.ipLength = length;
    s.ipVersion = 4;
    return length;
  }

  /** sampled_ipv6: length, protocol, src, dst, src_port, dst_port, tcp_flags, priority. Returns the length. */
  private sampledIPv6(buf: Buffer, o: number): number {
    const s = this.s;
    const length = u32(buf, o);
    s.protocol = u32(buf, o + 4) & 0xff;
    const src = s.srcAddr;
    const dst = s.dstAddr;
    for (let i = 0; i < 16; i++) {
      src[i] = buf[o + 8 + i];
      dst[i] = buf[o + 24 + i];
    }
    s.srcPort = u32(buf, o + 40) & 0xffff;
    s.dstPort = u32(buf, o + 44) & 0xffff;
    s.tcpFlags = u32(buf, o + 48) & 0xff;
    s.tos = u32(buf, o + 52) & 0xff;
    s.ipLength = length;
    s.ipVersion = 6;
    return length;
  }

  /**
   * extended_gateway (sFlow v5 §"extended_gateway"): nexthop address, as, src_as, src_peer_as,
   * dst_as_path<> of segments (type, as<>), communities<>, localpref. The destination AS is
   * the last AS of the path (the origin); an empty path means the destination is in the
   * router's own AS, so it is `as`. When the last segment is an AS_SET its last member is
   * taken: the set is unordered, any member is as good a guess. Communities and localpref are
   * not used and not checked. Returns false (after counting) when the record is malformed.
   */
  private gateway(buf: Buffer, o: number, end: number, exporter: Exporter): boolean {
    const stats = exporter.stats;
    if (end - o < 4) {
      stats.countError('bad_length');
      return false;
    }
    const addressType = u32(buf, o);
    let p = o + 4;
    if (addressType === 1) p += 4;
    else if (addressType === 2) p += 16;
    else if (addressType !== 0) {
      stats.countError('bad_address_type');
      return false;
    }
    // as, src_as, src_peer_as, segment count.
    if (end - p < 16) {
      stats.countError('bad_length');
      return false;
    }
    const routerAs = u32(buf, p);
    const srcAs = u32(buf, p + 4);
    const segments = u32(buf, p + 12);
    p += 16;
    // Each segment is at least type + count (8 bytes).
    if (segments > MAX_SFLOW_AS_PATH_SEGMENTS || segments * 8 > end - p) {
      stats.countError('count_too_large');
      return false;
    }
    let dstAs = routerAs;
    for (let i = 0; i < segments; i++) {
      if (end - p < 8) {
        stats.countError('truncated');
        return false;
      }
      const count = u32(buf, p + 4);
      p += 8;
      if (count * 4 > end - p) {
        stats.countError('count_too_large');
        return false;
      }
      if (count > 0) dstAs = u32(buf, p + (count - 1) * 4);
      p += count * 4;
    }
    this.haveGateway = true;
    this.gwSrcAs = srcAs;
    this.gwDstAs = dstAs;
    return true;
  }

  private counterSample(buf: Buffer, off: number, end: number, expanded: boolean, exporter: Exporter, nowMs: number): void {
    const stats = exporter.stats;
    const fixed = expanded ? COUNTER_SAMPLE_EXPANDED_FIXED : COUNTER_SAMPLE_FIXED;
    if (end - off < fixed) {
      stats.countError('bad_length');
      return;
    }
    stats.counterSamples++;
    const numRecords = u32(buf, off + fixed - 4);
    let p = off + fixed;
    if (numRecords > MAX_SFLOW_RECORDS_PER_SAMPLE || numRecords * 8 > end - p) {
      stats.countError('count_too_large');
      return;
    }
    for (let r = 0; r < numRecords; r++) {
      if (end - p < 8) {
        stats.countError('truncated');
        return;
      }
      const format = u32(buf, p);
      const length = u32(buf, p + 4);
      const body = p + 8;
      if (length > end - body) {
        stats.countError('truncated');
        return;
      }
      p = body + length;
      if (format !== COUNTERS_GENERIC_INTERFACE) continue;
      if (length < IF_COUNTERS_SIZE) {
        stats.countError('bad_length');
        continue;
      }
      // if_counters (sFlow v5 §"Generic Interface Counters"): counters are only read here,
      // at the polling interval, so allocating the record object is fine.
      exporter.recordInterface({
        ifIndex: u32(buf, body),
        speed: u64(buf, body + 8),
        inOctets: u64(buf, body + 24),
        inPackets: counter32(buf, body + 32) + counter32(buf, body + 36) + counter32(buf, body + 40),
        inDiscards: counter32(buf, body + 44),
        inErrors: counter32(buf, body + 48),
        outOctets: u64(buf, body + 56),
        outPackets: counter32(buf, body + 64) + counter32(buf, body + 68) + counter32(buf, body + 72),
        outDiscards: counter32(buf, body + 76),
        outErrors: counter32(buf, body + 80),
        updatedMs: nowMs,
      });
    }
  }

  /**
   * "drops" is cumulative per data source since the agent's reset (sFlow v5 §"flow_sample"),
   * so the per-exporter total adds increases. Only called when drops is non-zero, keeping the
   * common path free of map lookups; the first non-zero value of a source counts in full
   * (it is what the agent lost since its reset), a decrease is a reset and counts the new value.
   */
  private trackDrops(exporter: Exporter, subAgent: number, sourceType: number, sourceIndex: number, drops: number): void {
    let st = this.drops.get(exporter);
    if (st === undefined) {
      st = { total: 0, last: new Map() };
      this.drops.set(exporter, st);
    }
    // Key: 12 bits of sub-agent, 8 of source type, 32 of index = 52 bits, exact in a double.
    const key = (subAgent & 0xfff) * 2 ** 40 + (sourceType & 0xff) * 2 ** 32 + sourceIndex;
    const last = st.last.get(key);
    if (last === undefined) {
      // A full table ignores new sources: adding their cumulative value on every sample would overcount.
      if (st.last.size >= MAX_SFLOW_DROP_SOURCES) return;
      st.total += drops;
    } else if (drops >= last) {
      st.total += drops - last;
    } else {
      st.total += drops;
    }
    st.last.set(key, drops);
  }
}
