/**
 * The normalised flow sample: the only shape that later stages (traffic counting, detection,
 * fingerprinting) ever see, whatever protocol it came from.
 *
 * Decoders own ONE FlowSample each and refill it for every sample/record they decode, then hand
 * it to the sink synchronously. Nothing is allocated per sample: the addresses live in
 * preallocated byte arrays and every other field is a number. A sink that needs to keep anything
 * must copy it before returning. A sample is only handed to the sink once it is completely
 * decoded — never half filled.
 */

/** Where a sample came from. Numbers, so the hot path compares integers. */
export const SampleSource = {
  SFLOW: 1,
  NETFLOW_V5: 5,
  NETFLOW_V9: 9,
  IPFIX: 10,
  PCAP: 20,
} as const;
export type SampleSource = (typeof SampleSource)[keyof typeof SampleSource];

export function sampleSourceName(s: number): string {
  switch (s) {
    case SampleSource.SFLOW: return 'sflow';
    case SampleSource.NETFLOW_V5: return 'netflow_v5';
    case SampleSource.NETFLOW_V9: return 'netflow_v9';
    case SampleSource.IPFIX: return 'ipfix';
    case SampleSource.PCAP: return 'pcap';
    default: return 'unknown';
  }
}

/** TCP flag bits as on the wire (RFC 9293 plus ECE/CWR). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/**
 * Forwarding status, reduced to what detection needs. NetFlow v9/IPFIX field 89 carries the
 * status in its top two bits (RFC 7270 §4.12: 0 unknown, 1 forwarded, 2 dropped, 3 consumed);
 * sFlow marks a discarded packet with output interface format 1 (sFlow v5 §5 "output").
 */
export const Forwarding = {
  UNKNOWN: 0,
  FORWARDED: 1,
  DROPPED: 2,
  CONSUMED: 3,
} as const;

export class FlowSample {
  /** SampleSource of the decoder that filled this sample. */
  source: number = 0;

  /** 4 or 6; 0 when the record carried no IP addresses (such records are not emitted). */
  ipVersion: number = 0;
  /** IPv4 addresses as unsigned 32-bit integers (valid when ipVersion === 4). */
  srcV4 = 0;
  dstV4 = 0;
  /** Network-order address bytes: 4 used for IPv4, 16 for IPv6. */
  readonly srcAddr = new Uint8Array(16);
  readonly dstAddr = new Uint8Array(16);

  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...). */
  protocol = 0;
  srcPort = 0;
  dstPort = 0;
  /** Union of TCP flags (for a flow record: all flags seen during the flow). */
  tcpFlags = 0;
  icmpType = 0;
  icmpCode = 0;
  /** IPv4 TOS / IPv6 traffic class. */
  tos = 0;
  ttl = 0;

  /** True when the packet (or every packet of the flow, as far as the exporter says) is a fragment. */
  isFragment = false;
  /** Fragment offset in 8-byte units; non-zero means L4 fields are absent (ports stay 0). */
  fragmentOffset = 0;
  moreFragments = false;
  dontFragment = false;

  /** Packets and bytes as exported, NOT multiplied by the sampling rate. */
  packets = 0;
  bytes = 0;
  /** 1-in-N sampling rate that applies to this sample (1 = unsampled). */
  samplingRate = 1;

  /** sFlow: frame length of the sampled packet before any truncation; 0 for flow records. */
  frameLength = 0;
  /** Length from the IP header of the sampled packet; 0 when unknown. */
  ipLength = 0;

  inputIf = 0;
  outputIf = 0;
  srcAs = 0;
  dstAs = 0;
  /** Outer VLAN id, 0 when untagged or unknown. */
  vlan = 0;
  /** Forwarding value from Forwarding. */
  forwarding: number = Forwarding.UNKNOWN;

  /**
   * Flow start and end as Unix milliseconds. For packet samples (sFlow) both are the receive
   * time; for NetFlow/IPFIX they are the router's first/last switched times converted to wall
   * clock, which the counting stage uses to spread long flows over their duration.
   */
  startMs = 0;
  endMs = 0;

  /** Resets every field to its empty value before a decoder fills the next sample. */
  reset(source: number): void {
    this.source = source;
    this.ipVersion = 0;
    this.srcV4 = 0;
    this.dstV4 = 0;
    this.protocol = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.tos = 0;
    this.ttl = 0;
    this.isFragment = false;
    this.fragmentOffset = 0;
    this.moreFragments = false;
    this.dontFragment = false;
    this.packets = 0;
    this.bytes = 0;
    this.samplingRate = 1;
    this.frameLength = 0;
    this.ipLength = 0;
    this.inputIf = 0;
    this.outputIf = 0;
    this.srcAs = 0;
    this.dstAs = 0;
    this.vlan = 0;
    this.forwarding = Forwarding.UNKNOWN;
    this.startMs = 0;
    this.endMs = 0;
  }
}

/** Receives decoded samples. Called synchronously; the sample is reused after the call returns. */
export interface SampleSink {
  sample(s: FlowSample): void;
}

/** A plain-object copy of a sample, for tests, logs and the API (never on the hot path). */
export interface SampleRecord {
  source: string;
  ipVersion: number;
  src: string;
  dst: string;
  protocol: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  tos: number;
  ttl: number;
  isFragment: boolean;
  fragmentOffset: number;
  moreFragments: boolean;
  dontFragment: boolean;
  packets: number;
  bytes: number;
  samplingRate: number;
  frameLength: number;
  ipLength: number;
  inputIf: number;
  outputIf: number;
  srcAs: number;
  dstAs: number;
  vlan: number;
  forwarding: number;
  startMs: number;
  endMs: number;
}
