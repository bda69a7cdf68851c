/**
 * Captured packets of ordinary traffic (a mirror/SPAN port, `tcpdump -w` on a router) turned
 * into flow samples, as an sFlow agent would: each packet is selected with probability 1/N, and
 * a selected packet becomes one sample of one packet standing for N (samplingRate N). The
 * headers are parsed by the same parser as sFlow's raw packet header records
 * (src/flow/packet-header.ts), so a SPAN capture and an sFlow export of the same traffic give
 * the same samples.
 *
 * One reused FlowSample, nothing allocated per packet: a capture can hold hundreds of millions.
 */
import { LinkType, type CapturedPacket } from '../capture/index.js';
import { HeaderProtocol, parsePacketHeader } from '../flow/packet-header.js';
import { FlowSample, SampleSource, type SampleSink } from '../flow/sample.js';

/** Largest 1-in-N rate accepted for raw packets (as for configured sampling rates). */
export const MAX_RAW_SAMPLING = 1 << 30;

/** Why a selected packet gave no sample (counted by the replay). */
export type RawSkipReason = 'link_type' | 'not_ip' | 'malformed';

export class RawPacketStats {
  /** Packets seen (selected or not). */
  packets = 0;
  /** Packets selected by the 1-in-N sampler. */
  selected = 0;
  /** Samples handed to the sink. */
  samples = 0;
  readonly skipped = new Map<RawSkipReason, number>();
  skip(r: RawSkipReason): void {
    this.skipped.set(r, (this.skipped.get(r) ?? 0) + 1);
  }
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const NULL_AF_INET = 2;
/** AF_INET6 on Linux, the BSDs and macOS as written in LINKTYPE_NULL headers. */
const NULL_AF_INET6 = new Set([10, 24, 28, 30]);
/**
 * Linux SLL2 puts the EtherType first and the link address last (20 bytes): the headers after it
 * are copied behind a fake 14-byte Ethernet header so the Ethernet parser (VLAN tags, MPLS)
 * reads them. Headers only: a packet's first bytes hold everything the parser reads.
 */
const SLL2_SCRATCH_BYTES = 14 + 512;

export class RawPacketSampler {
  readonly stats = new RawPacketStats();
  private readonly s = new FlowSample();
  private readonly threshold: number;
  private state: number;
  private readonly scratch = new Uint8Array(SLL2_SCRATCH_BYTES);

  /**
   * `samplingRate` N: each packet is kept with probability 1/N (an xorshift generator seeded with
   * `seed`, so a replay gives the same result every time); 1 keeps every packet.
   */
  constructor(
    private readonly sink: SampleSink,
    readonly samplingRate = 1,
    seed = 0x9e3779b9,
  ) {
    if (!Number.isInteger(samplingRate) || samplingRate < 1 || samplingRate > MAX_RAW_SAMPLING) {
      throw new RangeError(`sampling rate must be an integer from 1 to ${MAX_RAW_SAMPLING}, got ${samplingRate}`);
    }
    // Random rather than every N-th packet: periodic traffic would alias with a fixed stride.
    this.threshold = Math.floor(0x100000000 / samplingRate);
    this.state = seed >>> 0 || 1;
  }

  /** Samples one captured packet; `tsMs` is the replay clock for it. */
  packet(p: CapturedPacket, tsMs: number): void {
    const st = this.stats;
    st.packets++;
    if (this.samplingRate > 1) {
      let x = this.state;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.state = x >>> 0;
      if (this.state >= this.threshold) return;
    }
    st.selected++;
    const s = this.s;
    s.reset(SampleSource.PCAP);
    const d = p.data;
    let err: string | null;
    switch (p.linkType) {
      case LinkType.ETHERNET:
        err = parsePacketHeader(d, 0, d.length, HeaderProtocol.ETHERNET, s);
        break;
      case LinkType.LINUX_SLL:
        // 16 bytes ending in the EtherType: from byte 2 on it reads like a 14-byte Ethernet header.
        err = d.length < 16 ? 'no_ip' : parsePacketHeader(d, 2, d.length - 2, HeaderProtocol.ETHERNET, s);
        break;
      case LinkType.LINUX_SLL2: {
        if (d.length < 20) {
          err = 'no_ip';
          break;
        }
        const n = Math.min(d.length - 20, SLL2_SCRATCH_BYTES - 14);
        const sc = this.scratch;
        sc[12] = d[0];
        sc[13] = d[1];
        sc.set(d.subarray(20, 20 + n), 14);
        err = parsePacketHeader(sc, 0, 14 + n, HeaderProtocol.ETHERNET, s);
        break;
      }
      case LinkType.RAW: {
        const v = d.length > 0 ? d[0] >> 4 : 0;
        err = v === 4 ? parsePacketHeader(d, 0, d.length, HeaderProtocol.IPV4, s) : v === 6 ? parsePacketHeader(d, 0, d.length, HeaderProtocol.IPV6, s) : 'no_ip';
        break;
      }
      case LinkType.IPV4:
        err = parsePacketHeader(d, 0, d.length, HeaderProtocol.IPV4, s);
        break;
      case LinkType.IPV6:
        err = parsePacketHeader(d, 0, d.length, HeaderProtocol.IPV6, s);
        break;
      case LinkType.NULL: {
        if (d.length < 4) {
          err = 'no_ip';
          break;
        }
        // The family is in the capturing host's byte order: whichever reading is small is right.
        const l = d.readUInt32LE(0);
        const b = d.readUInt32BE(0);
        const family = l < 256 ? l : b < 256 ? b : -1;
        const proto = family === NULL_AF_INET ? ETHERTYPE_IPV4 : NULL_AF_INET6.has(family) ? ETHERTYPE_IPV6 : 0;
        err = proto === 0 ? 'no_ip' : parsePacketHeader(d, 4, d.length - 4, proto === ETHERTYPE_IPV4 ? HeaderProtocol.IPV4 : HeaderProtocol.IPV6, s);
        break;
      }
      default:
        st.skip('link_type');
        return;
    }
    if (s.ipVersion === 0) {
      st.skip(err === 'no_ip' || err === null ? 'not_ip' : 'malformed');
      return;
    }
    // One packet standing for N; its size on the wire as captured (origLen: the frame without
    // FCS on Ethernet, the IP packet on raw-IP link types), as sFlow reports frame_length.
    s.packets = 1;
    s.bytes = p.origLen;
    s.frameLength = p.origLen;
    s.samplingRate = this.samplingRate;
    s.startMs = tsMs;
    s.endMs = tsMs;
    st.samples++;
    this.sink.sample(s);
  }
}
