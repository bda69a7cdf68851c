/**
 * The host table: one slot per monitored address that has had traffic recently, with its
 * per-second counters. Everything lives in typed arrays indexed by slot (structure of arrays), so
 * a million hosts are a few hundred megabytes of flat memory rather than a million objects for
 * the garbage collector to walk.
 *
 * - Lookup: open addressing with linear probing in an index of 2^k entries (at most half full),
 *   keyed by a seeded hash so that an attacker choosing destination addresses in our networks
 *   cannot line them up on one probe chain. Deletion shifts later entries back (no tombstones).
 *   The index grows with the host count (doubling, up to twice the capacity) rather than being
 *   allocated at its largest: every sample reads a random entry of it, and a few thousand hosts
 *   spread over the 8 MB index of the default million-host capacity touch a different page for
 *   almost every sample (4 KB pages: a TLB miss each), where a right-sized index stays in cache.
 * - Bounded: `capacity` slots. When full, a new host evicts the least recently seen of a few
 *   randomly probed slots (an approximate LRU that costs O(1)); pinned slots (hosts under attack)
 *   are never evicted. Evictions are counted.
 * - Idle purge: the traffic counter's tick frees slots that saw no traffic for a while.
 * - Flows: a 32-register HyperLogLog per host and direction (4-bit registers, 16 bytes) with its
 *   harmonic sum kept incrementally, so the per-second distinct-remote estimate costs O(1) at tick
 *   time. Standard error 1.04/sqrt(32) ≈ 18 %.
 *
 * Per-slot memory is listed by `bytesPerSlot()`; docs/limits.md quotes it.
 */
import { HOST_DIRECTIONS, HOST_VALUES } from './layout.js';

/** Slot flag: never evict or purge (host under attack). */
export const SLOT_PINNED = 1;

/** Index entries allocated up front (16 KB); the index doubles as hosts arrive. */
export const INITIAL_INDEX_SIZE = 4096;

/** Slots probed when the table is full and a new host needs room. */
export const EVICTION_PROBES = 8;

/** HyperLogLog registers per host and direction. */
export const HLL_REGISTERS = 32;
const HLL_WORDS = 4; // 32 registers × 4 bits / 32 bits
const HLL_ALPHA = 0.697; // Flajolet et al. 2007, alpha_32
const POW2_NEG = new Float64Array(16).map((_, i) => 2 ** -i);
/** Linear counting m·ln(m/zeros) for each possible number of empty registers (no log per host per tick). */
const LINEAR_COUNT = new Float64Array(HLL_REGISTERS + 1).map((_, z) => (z === 0 ? 0 : HLL_REGISTERS * Math.log(HLL_REGISTERS / z)));

function putWord(b: Uint8Array, at: number, w: number): void {
  b[at] = w >>> 24;
  b[at + 1] = (w >>> 16) & 255;
  b[at + 2] = (w >>> 8) & 255;
  b[at + 3] = w & 255;
}

/** HyperLogLog rank of a 32-bit hash: position of the first 1 bit after the 5 register bits, capped at 15. */
export function hllRank(hash: number): number {
  const rest = (hash << 5) >>> 0;
  const rank = rest === 0 ? 28 : Math.clz32(rest) + 1;
  return rank > 15 ? 15 : rank;
}

/** 32-bit finaliser of MurmurHash3: a bijection with full avalanche. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class HostTable {
  readonly capacity: number;
  /** 0 free, 4 or 6. */
  readonly version: Uint8Array;
  readonly flags: Uint8Array;
  /** Address as four 32-bit words (IPv4: word 0 only). */
  readonly key: Uint32Array;
  /** Bumped every time a slot is freed, so stale references (spread credits) can tell. */
  readonly generation: Uint32Array;
  /** Tick number of the last traffic credited to the slot: the counters hold that second (older: stale, treat as zero). */
  readonly lastSeen: Uint32Array;
  /** Fingerprint capture ring id + 1 (0: not captured). */
  readonly ring: Uint16Array;
  /** Bytes per category: slot * 12 + direction * 6 + category. Float64: sums reach 10^10 per second. */
  readonly bytes: Float64Array;
  /** Packets per category, same layout. Float32 is exact to 2^24 and its rounding beyond is unbiased. */
  readonly packets: Float32Array;
  /**
   * Sampling variance of the packet estimate per direction (slot * 2 + direction): Σ p·N·(N−1)
   * over samples of p packets at 1-in-N. Each packet is picked with probability 1/N and counted N
   * times, so its estimate has variance N−1 (Horvitz–Thompson). 0 for unsampled data.
   */
  readonly variance: Float32Array;
  readonly hll: Uint32Array;
  readonly hllSum: Float32Array;
  readonly hllZeros: Uint8Array;

  private index: Int32Array;
  private mask: number;
  /** Size the index grows to: the smallest power of two >= 2 × capacity (so it is at most half full). */
  private readonly maxIndexSize: number;
  private readonly freeList: Int32Array;
  private freeTop = 0;
  /** Slots below this have been used at least once; iteration stops here. */
  highWater = 0;
  count = 0;
  evictions = 0;
  /** New hosts not admitted because every probed slot was pinned. */
  rejected = 0;
  private readonly seed: number;
  private rand: number;

  /** Called with the slot just before it is freed by eviction (the tick handles purges itself). */
  onEvict: ((slot: number) => void) | null = null;

  constructor(capacity: number, seed = (Math.random() * 0x100000000) >>> 0) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 26) throw new RangeError(`host table capacity must be 1..${1 << 26}`);
    this.capacity = capacity;
    this.version = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.key = new Uint32Array(capacity * 4);
    this.generation = new Uint32Array(capacity);
    this.lastSeen = new Uint32Array(capacity);
    this.ring = new Uint16Array(capacity);
    this.bytes = new Float64Array(capacity * HOST_VALUES);
    this.packets = new Float32Array(capacity * HOST_VALUES);
    this.variance = new Float32Array(capacity * HOST_DIRECTIONS);
    this.hll = new Uint32Array(capacity * HOST_DIRECTIONS * HLL_WORDS);
    this.hllSum = new Float32Array(capacity * HOST_DIRECTIONS);
    this.hllZeros = new Uint8Array(capacity * HOST_DIRECTIONS);
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.maxIndexSize = size;
    const initial = Math.min(size, INITIAL_INDEX_SIZE);
    this.index = new Int32Array(initial);
    this.mask = initial - 1;
    this.freeList = new Int32Array(capacity);
    this.seed = seed >>> 0;
    this.rand = (seed | 1) >>> 0;
  }

  /** Bytes of typed-array memory per slot, index and free list included. */
  bytesPerSlot(): number {
    return this.allocatedBytes() / this.capacity;
  }

  /**
   * Total bytes of typed arrays allocated (virtual: pages are only touched when used), the index
   * counted at the size it reaches with a full table: a bound, like the other arrays.
   */
  allocatedBytes(): number {
    return (
      this.version.byteLength + this.flags.byteLength + this.key.byteLength + this.generation.byteLength + this.lastSeen.byteLength +
      this.ring.byteLength + this.bytes.byteLength + this.packets.byteLength + this.variance.byteLength + this.hll.byteLength +
      this.hllSum.byteLength + this.hllZeros.byteLength + this.maxIndexSize * Int32Array.BYTES_PER_ELEMENT + this.freeList.byteLength
    );
  }

  hashV4(addr: number): number {
    return mix32((addr ^ this.seed) >>> 0);
  }

  hashV6(w0: number, w1: number, w2: number, w3: number): number {
    return mix32((Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f) ^ this.seed) >>> 0);
  }

  findV4(addr: number): number {
    return this.findV4Parts(addr >>> 16, addr & 0xffff);
  }

  /**
   * Lookup by the address's 16-bit halves. Hot-path entry points take small integers (or byte
   * arrays) only: a 32-bit value above 2^30 passed to a call V8 does not inline is boxed, an
   * allocation per sample.
   */
  findV4Parts(hi: number, lo: number): number {
    const addr = ((hi << 16) | lo) >>> 0;
    const key = this.key;
    const ver = this.version;
    let i = this.hashV4(addr) & this.mask;
    for (;;) {
      const e = this.index[i];
      if (e === 0) return -1;
      const slot = e - 1;
      if (key[slot * 4] === addr && ver[slot] === 4) return slot;
      i = (i + 1) & this.mask;
    }
  }

  findV6(w0: number, w1: number, w2: number, w3: number): number {
    const b = this.scratch16;
    putWord(b, 0, w0);
    putWord(b, 4, w1);
    putWord(b, 8, w2);
    putWord(b, 12, w3);
    return this.findV6Bytes(b, 0);
  }

  private readonly scratch16 = new Uint8Array(16);

  /** Lookup by 16 network-order bytes at `off`. */
  findV6Bytes(a: Uint8Array, off: number): number {
    const w0 = ((a[off] << 24) | (a[off + 1] << 16) | (a[off + 2] << 8) | a[off + 3]) >>> 0;
    const w1 = ((a[off + 4] << 24) | (a[off + 5] << 16) | (a[off + 6] << 8) | a[off + 7]) >>> 0;
    const w2 = ((a[off + 8] << 24) | (a[off + 9] << 16) | (a[off + 10] << 8) | a[off + 11]) >>> 0;
    const w3 = ((a[off + 12] << 24) | (a[off + 13] << 16) | (a[off + 14] << 8) | a[off + 15]) >>> 0;
    const key = this.key;
    const ver = this.version;
    let i = this.hashV6(w0, w1, w2, w3) & this.mask;
    for (;;) {
      const e = this.index[i];
      if (e === 0) return -1;
      const slot = e - 1;
      const k = slot * 4;
      if (key[k] === w0 && key[k + 1] === w1 && key[k + 2] === w2 && key[k + 3] === w3 && ver[slot] === 6) return slot;
      i = (i + 1) & this.mask;
    }
  }

  /** Finds or inserts an IPv4 host; -1 when the table is full of pinned hosts. */
  acquireV4(addr: number, tick: number): number {
    return this.acquireV4Parts(addr >>> 16, addr & 0xffff, tick);
  }

  acquireV4Parts(hi: number, lo: number, tick: number): number {
    const found = this.findV4Parts(hi, lo);
    if (found >= 0) return found;
    const addr = ((hi << 16) | lo) >>> 0;
    return this.insert(4, addr, 0, 0, 0, this.hashV4(addr), tick);
  }

  acquireV6(w0: number, w1: number, w2: number, w3: number, tick: number): number {
    const found = this.findV6(w0, w1, w2, w3);
    if (found >= 0) return found;
    return this.insert(6, w0, w1, w2, w3, this.hashV6(w0, w1, w2, w3), tick);
  }

  /** Finds or inserts an IPv6 host given as 16 network-order bytes at `off`. */
  acquireV6Bytes(a: Uint8Array, off: number, tick: number): number {
    const found = this.findV6Bytes(a, off);
    if (found >= 0) return found;
    const w0 = ((a[off] << 24) | (a[off + 1] << 16) | (a[off + 2] << 8) | a[off + 3]) >>> 0;
    const w1 = ((a[off + 4] << 24) | (a[off + 5] << 16) | (a[off + 6] << 8) | a[off + 7]) >>> 0;
    const w2 = ((a[off + 8] << 24) | (a[off + 9] << 16) | (a[off + 10] << 8) | a[off + 11]) >>> 0;
    const w3 = ((a[off + 12] << 24) | (a[off + 13] << 16) | (a[off + 14] << 8) | a[off + 15]) >>> 0;
    return this.insert(6, w0, w1, w2, w3, this.hashV6(w0, w1, w2, w3), tick);
  }

  private insert(version: number, w0: number, w1: number, w2: number, w3: number, hash: number, tick: number): number {
    let slot: number;
    if (this.freeTop > 0) {
      slot = this.freeList[--this.freeTop];
    } else if (this.highWater < this.capacity) {
      slot = this.highWater++;
    } else {
      slot = this.pickVictim();
      if (slot < 0) {
        this.rejected++;
        return -1;
      }
      this.onEvict?.(slot);
      this.remove(slot);
      this.evictions++;
      slot = this.freeList[--this.freeTop];
    }
    this.version[slot] = version;
    this.flags[slot] = 0;
    const k = slot * 4;
    this.key[k] = w0;
    this.key[k + 1] = w1;
    this.key[k + 2] = w2;
    this.key[k + 3] = w3;
    this.lastSeen[slot] = tick;
    this.ring[slot] = 0;
    this.clearCounters(slot);
    if ((this.count + 1) * 2 > this.index.length && this.index.length < this.maxIndexSize) this.growIndex();
    let i = hash & this.mask;
    while (this.index[i] !== 0) i = (i + 1) & this.mask;
    this.index[i] = slot + 1;
    this.count++;
    return slot;
  }

  /**
   * Doubles the index and re-places every entry: O(entries), at most log2(capacity / 2048) times
   * over the table's life, amortised O(1) per insert. The last doubling of a million-host table
   * (at 524,289 hosts) took 41 ms here, a one-off pause the socket buffer absorbs.
   */
  private growIndex(): void {
    const old = this.index;
    const size = old.length * 2;
    const index = new Int32Array(size);
    const mask = size - 1;
    const key = this.key;
    for (let j = 0; j < old.length; j++) {
      const e = old[j];
      if (e === 0) continue;
      const s = e - 1;
      const k = s * 4;
      let i = (this.version[s] === 4 ? this.hashV4(key[k]) : this.hashV6(key[k], key[k + 1], key[k + 2], key[k + 3])) & mask;
      while (index[i] !== 0) i = (i + 1) & mask;
      index[i] = e;
    }
    this.index = index;
    this.mask = mask;
  }

  /** Current number of index entries (grows with the host count). */
  get indexSize(): number {
    return this.index.length;
  }

  /** Least recently seen of EVICTION_PROBES random occupied slots, skipping pinned ones. */
  private pickVictim(): number {
    let best = -1;
    let bestSeen = Infinity;
    for (let p = 0; p < EVICTION_PROBES; p++) {
      let x = this.rand;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.rand = x >>> 0;
      const slot = this.rand % this.highWater;
      if (this.version[slot] === 0 || (this.flags[slot] & SLOT_PINNED) !== 0) continue;
      if (this.lastSeen[slot] < bestSeen) {
        bestSeen = this.lastSeen[slot];
        best = slot;
      }
    }
    if (best >= 0) return best;
    // Every probe hit a pinned slot: fall back to a bounded linear scan from a random point.
    const start = this.rand % this.highWater;
    const limit = Math.min(this.highWater, 4096);
    for (let n = 0; n < limit; n++) {
      const slot = (start + n) % this.highWater;
      if (this.version[slot] !== 0 && (this.flags[slot] & SLOT_PINNED) === 0) return slot;
    }
    return -1;
  }

  /** Frees a slot: removes it from the index (backward-shift deletion) and bumps its generation. */
  remove(slot: number): void {
    if (this.version[slot] === 0) return;
    const k = slot * 4;
    const h = this.version[slot] === 4 ? this.hashV4(this.key[k]) : this.hashV6(this.key[k], this.key[k + 1], this.key[k + 2], this.key[k + 3]);
    let i = h & this.mask;
    while (this.index[i] !== slot + 1) i = (i + 1) & this.mask;
    // Knuth 6.4 Algorithm R: pull later entries of the cluster back over the hole when their home
    // position does not lie cyclically within (hole, current].
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const e = this.index[j];
      if (e === 0) break;
      const s = e - 1;
      const sk = s * 4;
      const home = (this.version[s] === 4 ? this.hashV4(this.key[sk]) : this.hashV6(this.key[sk], this.key[sk + 1], this.key[sk + 2], this.key[sk + 3])) & this.mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        this.index[hole] = e;
        hole = j;
      }
    }
    this.index[hole] = 0;
    this.version[slot] = 0;
    this.flags[slot] = 0;
    this.ring[slot] = 0;
    this.generation[slot] = (this.generation[slot] + 1) >>> 0;
    this.freeList[this.freeTop++] = slot;
    this.count--;
  }

  /** Zeroes the per-second counters and the flow sketch of a slot. */
  clearCounters(slot: number): void {
    const b = slot * HOST_VALUES;
    for (let i = 0; i < HOST_VALUES; i++) {
      this.bytes[b + i] = 0;
      this.packets[b + i] = 0;
    }
    const d = slot * HOST_DIRECTIONS;
    this.variance[d] = 0;
    this.variance[d + 1] = 0;
    this.hllSum[d] = HLL_REGISTERS;
    this.hllSum[d + 1] = HLL_REGISTERS;
    this.hllZeros[d] = HLL_REGISTERS;
    this.hllZeros[d + 1] = HLL_REGISTERS;
    const h = slot * HOST_DIRECTIONS * HLL_WORDS;
    for (let i = 0; i < HOST_DIRECTIONS * HLL_WORDS; i++) this.hll[h + i] = 0;
  }

  /** Adds one remote endpoint (given as a 32-bit hash) to the slot's distinct counter for `dir`. */
  addFlow(slot: number, dir: number, hash: number): void {
    this.addFlowRank(slot, dir, hash >>> 27, hllRank(hash));
  }

  /** The same with the hash already split into register (top 5 bits) and rank (see hllRank). */
  addFlowRank(slot: number, dir: number, reg: number, rank: number): void {
    const sd = slot * HOST_DIRECTIONS + dir;
    const w = sd * HLL_WORDS + (reg >>> 3);
    const shift = (reg & 7) * 4;
    const word = this.hll[w];
    const cur = (word >>> shift) & 15;
    if (rank <= cur) return;
    this.hll[w] = ((word & ~(15 << shift)) | (rank << shift)) >>> 0;
    this.hllSum[sd] += POW2_NEG[rank] - POW2_NEG[cur];
    if (cur === 0) this.hllZeros[sd]--;
  }

  /** Distinct remotes seen this second for `dir` (HyperLogLog with linear counting for small sets). */
  flowEstimate(slot: number, dir: number): number {
    const sd = slot * HOST_DIRECTIONS + dir;
    const zeros = this.hllZeros[sd];
    if (zeros === HLL_REGISTERS) return 0;
    const raw = (HLL_ALPHA * HLL_REGISTERS * HLL_REGISTERS) / this.hllSum[sd];
    if (raw <= 2.5 * HLL_REGISTERS && zeros > 0) return LINEAR_COUNT[zeros];
    return raw;
  }

  /** Writes the slot's address as network-order bytes (4 or 16) into `out`; returns the version. */
  addressBytes(slot: number, out: Uint8Array): number {
    const v = this.version[slot];
    const k = slot * 4;
    const words = v === 4 ? 1 : 4;
    for (let i = 0; i < words; i++) {
      const w = this.key[k + i];
      out[i * 4] = w >>> 24;
      out[i * 4 + 1] = (w >>> 16) & 255;
      out[i * 4 + 2] = (w >>> 8) & 255;
      out[i * 4 + 3] = w & 255;
    }
    return v;
  }
}
