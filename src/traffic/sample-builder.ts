/**
 * Fills a FlowSample from readable fields: for tests, benchmarks and demos of the counting and
 * detection stages without a decoder. Parses addresses on every call, so never on the hot path.
 */
import { FlowSample, SampleSource } from '../flow/sample.js';
import { ipv4ToNumber, parseAddress } from '../net/ip.js';

export interface SampleFields {
  src: string;
  dst: string;
  source?: number;
  protocol?: number;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  packets?: number;
  /** Bytes for all packets of the sample; default packets × length. */
  bytes?: number;
  /** Per-packet IP length; default 100. */
  length?: number;
  samplingRate?: number;
  isFragment?: boolean;
  fragmentOffset?: number;
  moreFragments?: boolean;
  ttl?: number;
  startMs?: number;
  endMs?: number;
}

export function fillSample(s: FlowSample, f: SampleFields): FlowSample {
  const src = parseAddress(f.src);
  const dst = parseAddress(f.dst);
  if (!src || !dst || src.version !== dst.version) throw new Error(`bad sample addresses ${f.src} -> ${f.dst}`);
  s.reset(f.source ?? SampleSource.SFLOW);
  s.ipVersion = src.version;
  s.srcAddr.fill(0);
  s.dstAddr.fill(0);
  s.srcAddr.set(src.bytes);
  s.dstAddr.set(dst.bytes);
  if (src.version === 4) {
    s.srcV4 = ipv4ToNumber(src.bytes);
    s.dstV4 = ipv4ToNumber(dst.bytes);
  }
  s.protocol = f.protocol ?? 17;
  s.srcPort = f.srcPort ?? 0;
  s.dstPort = f.dstPort ?? 0;
  s.tcpFlags = f.tcpFlags ?? 0;
  s.packets = f.packets ?? 1;
  const length = f.length ?? 100;
  s.bytes = f.bytes ?? s.packets * length;
  s.ipLength = s.source === SampleSource.SFLOW ? length : 0;
  s.frameLength = s.source === SampleSource.SFLOW ? length + 14 : 0;
  s.samplingRate = f.samplingRate ?? 1;
  s.isFragment = f.isFragment ?? false;
  s.fragmentOffset = f.fragmentOffset ?? 0;
  s.moreFragments = f.moreFragments ?? false;
  s.ttl = f.ttl ?? 64;
  s.startMs = f.startMs ?? 0;
  s.endMs = f.endMs ?? s.startMs;
  return s;
}
