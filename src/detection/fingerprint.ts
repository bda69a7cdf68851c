/**
 * Attack fingerprints: what the captured samples of an attacked host (one direction, recent
 * window) have in common, expressed in the terms a FlowSpec rule (RFC 8955 §4.2.2) can match:
 * protocol, source and destination ports, TCP flags, packet length, fragment bits, and source
 * prefixes.
 *
 * Every share is the fraction of the attack's packets that has the property, each sample weighted
 * by the packets it stands for (packets × sampling rate), so a NetFlow record of a million
 * packets counts a million times and a 1-in-1000 sFlow sample a thousand times.
 *
 * Confidence: shares are estimated from a few hundred samples at most. With unequal weights the
 * information is that of n_eff = (Σw)² / Σw² equally weighted samples (Kish's effective sample
 * size): this is how the sampling rate enters (mixed rates, or one huge flow record among small
 * ones, lower it). The worst-case 95 % margin of error of any share is 1.96 · sqrt(0.25 / n_eff);
 * confidence = 1 − that margin, clamped to [0, 1]. 100 effective samples give ±9.8 %, 0.90.
 */
import { formatPrefix } from '../net/ip.js';
import { FRAG_IS_FRAGMENT, FRAG_NON_FIRST, type SampleRingPool } from '../traffic/sample-ring.js';

export interface ValueShare<T> {
  value: T;
  share: number;
}

export interface Fingerprint {
  direction: 'incoming' | 'outgoing';
  /** Captured samples used. */
  samples: number;
  /** Kish effective sample size. */
  effectiveSamples: number;
  /** Packets the samples stand for. */
  packets: number;
  samplingRate: { min: number; max: number; mean: number };
  /** Seconds between the oldest and newest sample used, inclusive. */
  spanSeconds: number;
  /** 0..1, see the module comment. */
  confidence: number;
  /** ± on every share, 95 %. */
  marginOfError: number;
  protocols: Array<{ protocol: number; name: string; share: number }>;
  /** Share of packets that carry ports (TCP/UDP, not a non-first fragment). */
  withPortsShare: number;
  srcPorts: ValueShare<number>[];
  dstPorts: ValueShare<number>[];
  /** Exact TCP flag combinations (share of all packets). */
  tcpFlags: Array<{ flags: number; names: string; share: number }>;
  packetLength: {
    min: number;
    max: number;
    mean: number;
    p10: number;
    p50: number;
    p90: number;
    top: ValueShare<number>[];
    /** Fixed buckets, inclusive bounds. */
    buckets: Array<{ from: number; to: number; share: number }>;
  };
  fragmentShare: number;
  nonFirstFragmentShare: number;
  ttls: ValueShare<number>[];
  /** Distinct remote addresses among the samples (sources for an incoming attack, destinations for outgoing). */
  distinctRemotes: number;
  /** Top remote /24 (IPv4) or /48 (IPv6) prefixes. */
  remotePrefixes: ValueShare<string>[];
  /**
   * The single values that cover at least DOMINANT_SHARE of the packets, for rule building:
   * absent keys have no dominant value.
   */
  dominant: {
    protocol?: ValueShare<number>;
    srcPort?: ValueShare<number>;
    dstPort?: ValueShare<number>;
    tcpFlags?: ValueShare<number>;
    /** Narrowest length range covering DOMINANT_SHARE of packets, when narrower than 1500 bytes wide. */
    packetLength?: { min: number; max: number; share: number };
    fragment?: ValueShare<boolean>;
    remotePrefix?: ValueShare<string>;
  };
}

/** A value is "dominant" when it covers at least this share of the packets. */
export const DOMINANT_SHARE = 0.8;

const LENGTH_BUCKETS: Array<[number, number]> = [
  [0, 63],
  [64, 127],
  [128, 255],
  [256, 511],
  [512, 1023],
  [1024, 1499],
  [1500, 65535],
];

const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'icmpv6', 132: 'sctp' };

export function protocolName(p: number): string {
  return PROTOCOL_NAMES[p] ?? `ip-${p}`;
}

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];
export function tcpFlagNames(f: number): string {
  const out: string[] = [];
  for (let i = 0; i < 8; i++) if (f & (1 << i)) out.push(FLAG_NAMES[i]);
  return out.length ? out.join('|') : 'none';
}

function top<K>(m: Map<K, number>, total: number, n: number): ValueShare<K>[] {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([value, w]) => ({ value, share: round(w / total) }));
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

function add<K>(m: Map<K, number>, k: K, w: number): void {
  m.set(k, (m.get(k) ?? 0) + w);
}

/**
 * Builds the fingerprint of ring `ring` for host direction `dir`, from samples captured at tick
 * `minTick` or later. Returns null when there is no such sample.
 */
export function buildFingerprint(pool: SampleRingPool, ring: number, dir: number, minTick: number, topN: number): Fingerprint | null {
  const count = pool.filled[ring];
  const idx: number[] = [];
  for (let k = 0; k < count; k++) {
    const e = pool.entry(ring, k);
    if (pool.dir(e) === dir && pool.tick(e) >= minTick) idx.push(e);
  }
  if (idx.length === 0) return null;

  let total = 0;
  let sumSq = 0;
  let rateMin = Infinity;
  let rateMax = 0;
  let rateSum = 0;
  let tickMin = Infinity;
  let tickMax = 0;
  let withPorts = 0;
  let frag = 0;
  let nonFirst = 0;
  let lenSum = 0;
  const protocols = new Map<number, number>();
  const src = new Map<number, number>();
  const dst = new Map<number, number>();
  const flags = new Map<number, number>();
  const lengths = new Map<number, number>();
  const ttls = new Map<number, number>();
  const remotes = new Set<string>();
  const prefixes = new Map<string, number>();
  const buckets = new Array<number>(LENGTH_BUCKETS.length).fill(0);
  const bytes = new Uint8Array(16);

  for (const e of idx) {
    const w = pool.weight(e);
    total += w;
    sumSq += w * w;
    const rate = pool.samplingRate(e);
    rateMin = Math.min(rateMin, rate);
    rateMax = Math.max(rateMax, rate);
    rateSum += rate;
    tickMin = Math.min(tickMin, pool.tick(e));
    tickMax = Math.max(tickMax, pool.tick(e));
    const proto = pool.protocol(e);
    add(protocols, proto, w);
    const fr = pool.frag(e);
    if (fr & FRAG_IS_FRAGMENT) frag += w;
    if (fr & FRAG_NON_FIRST) nonFirst += w;
    if ((proto === 6 || proto === 17) && (fr & FRAG_NON_FIRST) === 0) {
      withPorts += w;
      add(src, pool.srcPort(e), w);
      add(dst, pool.dstPort(e), w);
    }
    if (proto === 6 && (fr & FRAG_NON_FIRST) === 0) add(flags, pool.tcpFlags(e), w);
    const len = pool.length(e);
    lenSum += len * w;
    add(lengths, len, w);
    for (let b = 0; b < LENGTH_BUCKETS.length; b++) {
      if (len <= LENGTH_BUCKETS[b][1]) {
        buckets[b] += w;
        break;
      }
    }
    add(ttls, pool.ttl(e), w);
    const v = pool.ipVersion(e);
    const words = v === 4 ? 1 : 4;
    const r0 = pool.remoteWord(e, 0);
    for (let i = 0; i < words; i++) {
      const x = pool.remoteWord(e, i);
      bytes[i * 4] = x >>> 24;
      bytes[i * 4 + 1] = (x >>> 16) & 255;
      bytes[i * 4 + 2] = (x >>> 8) & 255;
      bytes[i * 4 + 3] = x & 255;
    }
    remotes.add(v === 4 ? `${r0}` : `${r0}:${pool.remoteWord(e, 1)}:${pool.remoteWord(e, 2)}:${pool.remoteWord(e, 3)}`);
    // /24 for IPv4, /48 for IPv6: the usual granularity of a source network in filters.
    const plen = v === 4 ? 24 : 48;
    const pb = new Uint8Array(v === 4 ? 4 : 16);
    pb.set(bytes.subarray(0, plen / 8));
    add(prefixes, formatPrefix({ version: v as 4 | 6, bytes: pb, length: plen }), w);
  }

  const nEff = sumSq > 0 ? (total * total) / sumSq : 0;
  const margin = nEff > 0 ? Math.min(1, 1.96 * Math.sqrt(0.25 / nEff)) : 1;

  // Length percentiles by weight.
  const sortedLengths = [...lengths.entries()].sort((a, b) => a[0] - b[0]);
  const pct = (q: number): number => {
    let acc = 0;
    for (const [len, w] of sortedLengths) {
      acc += w;
      if (acc >= q * total) return len;
    }
    return sortedLengths[sortedLengths.length - 1][0];
  };
  const lengthRange = narrowestRange(sortedLengths, total * DOMINANT_SHARE);

  const protoList = [...protocols.entries()].sort((a, b) => b[1] - a[1]);
  const fp: Fingerprint = {
    direction: dir === 0 ? 'incoming' : 'outgoing',
    samples: idx.length,
    effectiveSamples: round(nEff),
    packets: total,
    samplingRate: { min: rateMin, max: rateMax, mean: round(rateSum / idx.length) },
    spanSeconds: tickMax - tickMin + 1,
    confidence: round(Math.max(0, 1 - margin)),
    marginOfError: round(margin),
    protocols: protoList.slice(0, topN).map(([protocol, w]) => ({ protocol, name: protocolName(protocol), share: round(w / total) })),
    withPortsShare: round(withPorts / total),
    srcPorts: top(src, total, topN),
    dstPorts: top(dst, total, topN),
    tcpFlags: [...flags.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([f, w]) => ({ flags: f, names: tcpFlagNames(f), share: round(w / total) })),
    packetLength: {
      min: sortedLengths[0][0],
      max: sortedLengths[sortedLengths.length - 1][0],
      mean: Math.round(lenSum / total),
      p10: pct(0.1),
      p50: pct(0.5),
      p90: pct(0.9),
      top: top(lengths, total, topN),
      buckets: LENGTH_BUCKETS.map(([from, to], i) => ({ from, to, share: round(buckets[i] / total) })).filter((b) => b.share > 0),
    },
    fragmentShare: round(frag / total),
    nonFirstFragmentShare: round(nonFirst / total),
    ttls: top(ttls, total, topN),
    distinctRemotes: remotes.size,
    remotePrefixes: top(prefixes, total, topN),
    dominant: {},
  };
  const d = fp.dominant;
  const pick = <T>(list: ValueShare<T>[]): ValueShare<T> | undefined => (list.length && list[0].share >= DOMINANT_SHARE ? list[0] : undefined);
  if (protoList.length && protoList[0][1] / total >= DOMINANT_SHARE) d.protocol = { value: protoList[0][0], share: round(protoList[0][1] / total) };
  const sp = pick(fp.srcPorts);
  if (sp) d.srcPort = sp;
  const dp = pick(fp.dstPorts);
  if (dp) d.dstPort = dp;
  if (fp.tcpFlags.length && fp.tcpFlags[0].share >= DOMINANT_SHARE) d.tcpFlags = { value: fp.tcpFlags[0].flags, share: fp.tcpFlags[0].share };
  if (lengthRange && lengthRange.max - lengthRange.min < 1500) d.packetLength = { min: lengthRange.min, max: lengthRange.max, share: round(lengthRange.weight / total) };
  if (fp.fragmentShare >= DOMINANT_SHARE) d.fragment = { value: true, share: fp.fragmentShare };
  else if (1 - fp.fragmentShare >= DOMINANT_SHARE) d.fragment = { value: false, share: round(1 - frag / total) };
  const rp = pick(fp.remotePrefixes);
  if (rp) d.remotePrefix = rp;
  return fp;
}

/** Narrowest [min, max] of lengths whose weight reaches `need` (two-pointer over sorted lengths). */
function narrowestRange(sorted: Array<[number, number]>, need: number): { min: number; max: number; weight: number } | null {
  let best: { min: number; max: number; weight: number } | null = null;
  let acc = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    acc += sorted[hi][1];
    while (lo < hi && acc - sorted[lo][1] >= need) {
      acc -= sorted[lo][1];
      lo++;
    }
    if (acc >= need) {
      const width = sorted[hi][0] - sorted[lo][0];
      if (!best || width < best.max - best.min) best = { min: sorted[lo][0], max: sorted[hi][0], weight: acc };
    }
  }
  return best;
}
