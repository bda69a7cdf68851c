/**
 * Bounded capture of recent samples for the few hosts detection is watching (over a fraction of
 * a threshold, or under attack): the raw material of attack fingerprints and FlowSpec rules.
 *
 * A fixed pool of rings, each holding the last `size` samples of one host (both directions,
 * tagged). An entry is one 48-byte record in a flat Uint32Array (with a Float32Array view of the
 * same memory for the weights), so capturing a sample writes one or two cache lines instead of
 * one line in each of a dozen arrays. Nothing is allocated per sample. Hosts that are not
 * watched cost nothing but their 2-byte ring id.
 *
 * The same layout serves as the "recent samples" ring of the traffic counter: every sample of an
 * unwatched host goes there, so that a host that becomes watched starts with its last few seconds
 * of samples (copied over) rather than an empty ring. That matters most for NetFlow/IPFIX, whose
 * records of long flows arrive in bursts at the router's active timeout.
 */
import type { FlowSample } from '../flow/sample.js';

/** Fragment bits kept per captured sample. */
export const FRAG_IS_FRAGMENT = 1;
/** Non-first fragment: fragment offset > 0, so no L4 header (ports read as 0). */
export const FRAG_NON_FIRST = 2;
export const FRAG_MORE = 4;
export const FRAG_DONT = 8;

/** Upper bounds accepted from the config (docs/limits.md). */
export const MAX_CAPTURE_RINGS = 65_535;
export const MAX_CAPTURE_SAMPLES = 65_536;
export const MAX_RECENT_SAMPLES = 4_194_304;

/** 32-bit words per entry. */
export const ENTRY_WORDS = 12;
// Word offsets within an entry.
const W_REMOTE = 0; // 4 words: remote address (IPv4 in word 0)
const W_PORTS = 4; // srcPort | dstPort << 16
const W_PROTO = 5; // protocol | tcpFlags << 8 | frag << 16 | ttl << 24
const W_LEN = 6; // length | dir << 16 | ipVersion << 24
const W_TICK = 7;
const W_WEIGHT = 8; // float: packets × sampling rate
const W_RATE = 9; // float: sampling rate
const W_PACKETS = 10; // float: packets as exported
/** Free for the owner of the pool (the recent ring keeps the host slot there). */
export const W_TAG = 11;

export class SampleRingPool {
  readonly rings: number;
  readonly size: number;
  /** Owner host slot per ring, -1 when free. */
  readonly owner: Int32Array;
  /** Samples ever written per ring (statistics). */
  readonly written: Float64Array;
  /** Next write position in each ring, and how many of its entries hold samples (<= size). */
  readonly cursor: Int32Array;
  readonly filled: Int32Array;
  /** Tick at which detection last found the owner hot (for release). */
  readonly lastHot: Uint32Array;
  /** The entries: ENTRY_WORDS words each, entry index = ring * size + position. */
  readonly words: Uint32Array;
  private readonly floats: Float32Array;

  private readonly free: Int32Array;
  private freeTop: number;
  inUse = 0;

  constructor(rings: number, size: number) {
    if (!Number.isInteger(rings) || rings < 0 || rings > MAX_CAPTURE_RINGS) throw new RangeError(`capture rings must be 0..${MAX_CAPTURE_RINGS}`);
    if (!Number.isInteger(size) || size < 1 || size > MAX_RECENT_SAMPLES) throw new RangeError(`capture ring size must be 1..${MAX_RECENT_SAMPLES}`);
    this.rings = rings;
    this.size = size;
    this.owner = new Int32Array(rings).fill(-1);
    this.written = new Float64Array(rings);
    this.cursor = new Int32Array(rings);
    this.filled = new Int32Array(rings);
    this.lastHot = new Uint32Array(rings);
    this.words = new Uint32Array(rings * size * ENTRY_WORDS);
    this.floats = new Float32Array(this.words.buffer);
    this.free = new Int32Array(rings);
    for (let i = 0; i < rings; i++) this.free[i] = rings - 1 - i;
    this.freeTop = rings;
  }

  allocatedBytes(): number {
    return this.owner.byteLength + this.written.byteLength + this.cursor.byteLength + this.filled.byteLength + this.lastHot.byteLength + this.words.byteLength + this.free.byteLength;
  }

  get available(): number {
    return this.freeTop;
  }

  /** Takes a free ring for `owner`; returns its id or -1 when the pool is exhausted. */
  alloc(owner: number, tick: number): number {
    if (this.freeTop === 0) return -1;
    const id = this.free[--this.freeTop];
    this.owner[id] = owner;
    this.written[id] = 0;
    this.cursor[id] = 0;
    this.filled[id] = 0;
    this.lastHot[id] = tick;
    this.inUse++;
    return id;
  }

  release(id: number): void {
    if (id < 0 || id >= this.rings || this.owner[id] < 0) return;
    this.owner[id] = -1;
    this.free[this.freeTop++] = id;
    this.inUse--;
  }

  /** Reserves the next entry of ring `id` (overwriting the oldest when full) and returns its index. */
  private advance(id: number): number {
    const i = this.cursor[id];
    this.cursor[id] = i + 1 === this.size ? 0 : i + 1;
    if (this.filled[id] < this.size) this.filled[id]++;
    this.written[id]++;
    return id * this.size + i;
  }

  /** Entry index of the k-th oldest sample held by ring `id` (0 <= k < filled[id]). */
  entry(id: number, k: number): number {
    const full = this.filled[id] === this.size;
    let i = full ? this.cursor[id] + k : k;
    if (i >= this.size) i -= this.size;
    return id * this.size + i;
  }

  /** Copies entry `e` of `src` (a pool or recent ring: the same layout) to the end of ring `id`. */
  copyFrom(src: { readonly words: Uint32Array }, e: number, id: number): void {
    const d = this.advance(id) * ENTRY_WORDS;
    const from = e * ENTRY_WORDS;
    for (let i = 0; i < ENTRY_WORDS; i++) this.words[d + i] = src.words[from + i];
  }

  /**
   * Appends a sample to ring `id` and returns its entry index. `dir` is the host's direction (0
   * incoming, 1 outgoing); the remote address is the source for incoming traffic and the
   * destination for outgoing.
   */
  push(id: number, tick: number, dir: number, s: FlowSample, rate: number): number {
    const e = this.advance(id);
    writeEntry(this.words, this.floats, e * ENTRY_WORDS, tick, dir, s, rate);
    return e;
  }

  // ---- readers (fingerprints; not on the hot path) ----

  remoteWord(e: number, i: number): number {
    return this.words[e * ENTRY_WORDS + W_REMOTE + i];
  }
  srcPort(e: number): number {
    return this.words[e * ENTRY_WORDS + W_PORTS] & 0xffff;
  }
  dstPort(e: number): number {
    return this.words[e * ENTRY_WORDS + W_PORTS] >>> 16;
  }
  protocol(e: number): number {
    return this.words[e * ENTRY_WORDS + W_PROTO] & 255;
  }
  tcpFlags(e: number): number {
    return (this.words[e * ENTRY_WORDS + W_PROTO] >>> 8) & 255;
  }
  frag(e: number): number {
    return (this.words[e * ENTRY_WORDS + W_PROTO] >>> 16) & 255;
  }
  ttl(e: number): number {
    return this.words[e * ENTRY_WORDS + W_PROTO] >>> 24;
  }
  length(e: number): number {
    return this.words[e * ENTRY_WORDS + W_LEN] & 0xffff;
  }
  dir(e: number): number {
    return (this.words[e * ENTRY_WORDS + W_LEN] >>> 16) & 255;
  }
  ipVersion(e: number): number {
    return this.words[e * ENTRY_WORDS + W_LEN] >>> 24;
  }
  tick(e: number): number {
    return this.words[e * ENTRY_WORDS + W_TICK];
  }
  weight(e: number): number {
    return this.floats[e * ENTRY_WORDS + W_WEIGHT];
  }
  samplingRate(e: number): number {
    return this.floats[e * ENTRY_WORDS + W_RATE];
  }
  rawPackets(e: number): number {
    return this.floats[e * ENTRY_WORDS + W_PACKETS];
  }
  tag(e: number): number {
    return this.words[e * ENTRY_WORDS + W_TAG];
  }
  setTag(e: number, v: number): void {
    this.words[e * ENTRY_WORDS + W_TAG] = v;
  }
}

/**
 * Writes a sample as the entry at word `b`. `dir` is the host's direction (0 incoming, 1
 * outgoing); the remote address is the source for incoming traffic and the destination for
 * outgoing.
 */
function writeEntry(w: Uint32Array, f: Float32Array, b: number, tick: number, dir: number, s: FlowSample, rate: number): void {
  const v = s.ipVersion;
  if (v === 4) {
    w[b] = dir === 0 ? s.srcV4 : s.dstV4;
    w[b + 1] = 0;
    w[b + 2] = 0;
    w[b + 3] = 0;
  } else {
    const a = dir === 0 ? s.srcAddr : s.dstAddr;
    w[b] = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
    w[b + 1] = (a[4] << 24) | (a[5] << 16) | (a[6] << 8) | a[7];
    w[b + 2] = (a[8] << 24) | (a[9] << 16) | (a[10] << 8) | a[11];
    w[b + 3] = (a[12] << 24) | (a[13] << 16) | (a[14] << 8) | a[15];
  }
  w[b + W_PORTS] = (s.srcPort & 0xffff) | ((s.dstPort & 0xffff) << 16);
  const frag =
    (s.isFragment ? FRAG_IS_FRAGMENT : 0) | (s.fragmentOffset > 0 ? FRAG_NON_FIRST : 0) | (s.moreFragments ? FRAG_MORE : 0) | (s.dontFragment ? FRAG_DONT : 0);
  w[b + W_PROTO] = (s.protocol & 255) | ((s.tcpFlags & 255) << 8) | (frag << 16) | ((s.ttl & 255) << 24);
  // RFC 8955 type 10 matches the IP total length: prefer the sampled header's own length, else
  // the average packet size of the record.
  let len = s.ipLength > 0 ? s.ipLength : s.packets > 0 ? (s.bytes / s.packets + 0.5) | 0 : 0;
  if (len > 65535) len = 65535;
  w[b + W_LEN] = len | (dir << 16) | (v << 24);
  w[b + W_TICK] = tick;
  const p = s.packets > 0 ? s.packets : 1;
  f[b + W_WEIGHT] = p * rate;
  f[b + W_RATE] = rate;
  f[b + W_PACKETS] = p;
}

/**
 * The traffic counter's shared ring of recent samples of unwatched hosts: one ring in the entry
 * layout of SampleRingPool (a capture ring copies entries straight over), written for every such
 * sample. A class of its own rather than a one-ring pool because it is on the per-sample path:
 * the cursor and counts are plain fields instead of the pool's per-ring typed arrays, and the
 * tag is written with the entry.
 */
export class RecentSampleRing {
  readonly size: number;
  /** The entries: ENTRY_WORDS words each; W_TAG holds what the owner passes to `push`. */
  readonly words: Uint32Array;
  private readonly floats: Float32Array;
  /** Next write position. */
  private cursor = 0;
  /** Entries holding samples (<= size). */
  filled = 0;
  /** Samples ever written (statistics). */
  written = 0;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_RECENT_SAMPLES) throw new RangeError(`recent sample ring size must be 1..${MAX_RECENT_SAMPLES}`);
    this.size = size;
    this.words = new Uint32Array(size * ENTRY_WORDS);
    this.floats = new Float32Array(this.words.buffer);
  }

  allocatedBytes(): number {
    return this.words.byteLength;
  }

  /** Appends a sample with its tag (overwriting the oldest when full); returns its entry index. */
  push(tick: number, dir: number, s: FlowSample, rate: number, tag: number): number {
    const i = this.cursor;
    this.cursor = i + 1 === this.size ? 0 : i + 1;
    if (this.filled < this.size) this.filled++;
    this.written++;
    const b = i * ENTRY_WORDS;
    writeEntry(this.words, this.floats, b, tick, dir, s, rate);
    this.words[b + W_TAG] = tag;
    return i;
  }

  /** Entry index of the k-th oldest sample held (0 <= k < filled). */
  entry(k: number): number {
    let i = this.filled === this.size ? this.cursor + k : k;
    if (i >= this.size) i -= this.size;
    return i;
  }

  tag(e: number): number {
    return this.words[e * ENTRY_WORDS + W_TAG];
  }
}
