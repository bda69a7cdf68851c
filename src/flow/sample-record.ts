/**
 * Converts the reused FlowSample into a plain object: for tests, logs, captures and the API.
 * Allocates, so never on the hot path.
 */
import { formatAddress } from '../net/ip.js';
import { sampleSourceName, type FlowSample, type SampleRecord, type SampleSink } from './sample.js';

export function toSampleRecord(s: FlowSample): SampleRecord {
  return {
    source: sampleSourceName(s.source),
    ipVersion: s.ipVersion,
    src: formatAddress(s.srcAddr, s.ipVersion),
    dst: formatAddress(s.dstAddr, s.ipVersion),
    protocol: s.protocol,
    srcPort: s.srcPort,
    dstPort: s.dstPort,
    tcpFlags: s.tcpFlags,
    icmpType: s.icmpType,
    icmpCode: s.icmpCode,
    tos: s.tos,
    ttl: s.ttl,
    isFragment: s.isFragment,
    fragmentOffset: s.fragmentOffset,
    moreFragments: s.moreFragments,
    dontFragment: s.dontFragment,
    packets: s.packets,
    bytes: s.bytes,
    samplingRate: s.samplingRate,
    frameLength: s.frameLength,
    ipLength: s.ipLength,
    inputIf: s.inputIf,
    outputIf: s.outputIf,
    srcAs: s.srcAs,
    dstAs: s.dstAs,
    vlan: s.vlan,
    forwarding: s.forwarding,
    startMs: s.startMs,
    endMs: s.endMs,
  };
}

/** A sink that keeps a copy of every sample: for tests. */
export class CollectingSink implements SampleSink {
  readonly records: SampleRecord[] = [];
  sample(s: FlowSample): void {
    this.records.push(toSampleRecord(s));
  }
}

/** A sink that only counts: for benchmarks and fuzzing. */
export class CountingSink implements SampleSink {
  count = 0;
  packets = 0;
  sample(s: FlowSample): void {
    this.count++;
    this.packets += s.packets;
  }
}
