/**
 * NetFlow v5: a 24-byte header and `count` fixed 48-byte IPv4 flow records (Cisco "NetFlow
 * Export Datagram Format", version 5). No templates; everything is at fixed offsets.
 */
import { DecodeError } from '../decode-error.js';
import { ANY_SAMPLER, type Exporter } from '../exporter.js';
import { FlowSample, SampleSource, type SampleSink } from '../sample.js';

export const NETFLOW_V5_HEADER_LENGTH = 24;
export const NETFLOW_V5_RECORD_LENGTH = 48;
/**
 * Largest record count accepted: what a maximal UDP payload can hold. Cisco documents at most
 * 30 records per datagram, but a larger count whose records are all present is harmless and the
 * bytes check below is what protects the loop, so only the physical maximum is enforced.
 */
export const NETFLOW_V5_MAX_RECORDS = Math.floor((65535 - NETFLOW_V5_HEADER_LENGTH) / NETFLOW_V5_RECORD_LENGTH);

// Bounds are checked once per datagram (count vs length), so records are read with plain byte
// arithmetic rather than Buffer's per-call checked readers.
function u16(b: Buffer, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function u32(b: Buffer, o: number): number {
  return b[o] * 16777216 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
}

export class NetflowV5Decoder {
  /** The one sample refilled for every record. */
  readonly sample = new FlowSample();

  decode(buf: Buffer, exporter: Exporter, _nowMs: number, sink: SampleSink): number {
    if (buf.length < NETFLOW_V5_HEADER_LENGTH) {
      throw new DecodeError('truncated', `NetFlow v5 datagram of ${buf.length} bytes is shorter than its ${NETFLOW_V5_HEADER_LENGTH}-byte header`);
    }
    const version = buf.readUInt16BE(0);
    if (version !== 5) throw new DecodeError('bad_version', `NetFlow version ${version} is not 5`);
    const count = buf.readUInt16BE(2);
    if (count > NETFLOW_V5_MAX_RECORDS) {
      throw new DecodeError('count_too_large', `NetFlow v5 record count ${count} exceeds ${NETFLOW_V5_MAX_RECORDS}`);
    }
    const need = NETFLOW_V5_HEADER_LENGTH + count * NETFLOW_V5_RECORD_LENGTH;
    if (need > buf.length) {
      throw new DecodeError('truncated', `NetFlow v5 count ${count} needs ${need} bytes, datagram has ${buf.length}`);
    }
    // Trailing bytes cannot be a record the header admits to; decode what the count says, note the rest.
    if (buf.length - need >= NETFLOW_V5_RECORD_LENGTH) exporter.stats.countError('bad_length');

    const sysUptime = buf.readUInt32BE(4);
    const unixSecs = buf.readUInt32BE(8);
    const unixNsecs = buf.readUInt32BE(12);
    const flowSequence = buf.readUInt32BE(16);
    const engine = buf.readUInt16BE(20); // engine_type << 8 | engine_id
    const samplingField = buf.readUInt16BE(22);
    // Top 2 bits: sampling mode; low 14 bits: the 1-in-N interval (0 = not carried here).
    const interval = samplingField & 0x3fff;
    const rate = interval > 0 && exporter.samplingOverride <= 0 ? interval : exporter.samplingFor(ANY_SAMPLER);
    const exportMs = unixSecs * 1000 + Math.floor(unixNsecs / 1e6);

    const s = this.sample;
    let emitted = 0;
    for (let i = 0, o = NETFLOW_V5_HEADER_LENGTH; i < count; i++, o += NETFLOW_V5_RECORD_LENGTH) {
      s.reset(SampleSource.NETFLOW_V5);
      s.ipVersion = 4;
      const src = u32(buf, o);
      const dst = u32(buf, o + 4);
      s.srcV4 = src;
      s.dstV4 = dst;
      const sa = s.srcAddr;
      sa[0] = buf[o];
      sa[1] = buf[o + 1];
      sa[2] = buf[o + 2];
      sa[3] = buf[o + 3];
      const da = s.dstAddr;
      da[0] = buf[o + 4];
      da[1] = buf[o + 5];
      da[2] = buf[o + 6];
      da[3] = buf[o + 7];
      // o + 8: next hop, not used.
      s.inputIf = u16(buf, o + 12);
      s.outputIf = u16(buf, o + 14);
      s.packets = u32(buf, o + 16);
      s.bytes = u32(buf, o + 20);
      // First/Last are sysUptime at the first/last packet; the signed difference handles uptime wrap.
      s.startMs = exportMs - ((sysUptime - u32(buf, o + 24)) | 0);
      s.endMs = exportMs - ((sysUptime - u32(buf, o + 28)) | 0);
      const srcPort = u16(buf, o + 32);
      const dstPort = u16(buf, o + 34);
      s.tcpFlags = buf[o + 37];
      const proto = buf[o + 38];
      s.protocol = proto;
      s.tos = buf[o + 39];
      s.srcAs = u16(buf, o + 40);
      s.dstAs = u16(buf, o + 42);
      if (proto === 1) {
        // Cisco exports ICMP type and code as type*256+code in the destination port.
        s.icmpType = dstPort >>> 8;
        s.icmpCode = dstPort & 255;
      } else {
        s.srcPort = srcPort;
        s.dstPort = dstPort;
      }
      s.samplingRate = rate;
      sink.sample(s);
      emitted++;
    }
    // flow_sequence counts flows seen before this datagram, so it moves by `count` per datagram.
    // One stream per engine (engine_type << 8 | engine_id), apart from the exporter's other protocols.
    exporter.trackSequence(SampleSource.NETFLOW_V5, engine, flowSequence, count);
    exporter.stats.samples += emitted;
    return emitted;
  }
}

const shared = new NetflowV5Decoder();

/** Function form of NetflowV5Decoder.decode using a module-level decoder (v5 has no state). */
export function decodeNetflowV5(buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): number {
  return shared.decode(buf, exporter, nowMs, sink);
}
