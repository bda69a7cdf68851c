/**
 * Longest-prefix match over IPv4 and IPv6 prefixes, each prefix carrying a small integer value
 * (a network index, a host-group index, 0 for "member of an allow-list"). Used on the per-sample
 * hot path (direction, allow-lists) and once per new host (host groups), so lookups allocate
 * nothing and have a small fixed worst case:
 *
 * - IPv4: a binary trie in typed arrays, plus a 65,536-entry table indexed by the top 16 bits of
 *   the address that holds the trie node at depth 16 and the best value above it. A lookup is one
 *   table read and at most 16 trie steps.
 * - IPv6: a binary trie walked bit by bit; the walk stops at the first missing child, so its cost
 *   is the depth of the deepest prefix on the path (at most 128 steps; /48 to /64 in practice).
 *
 * Values are non-negative integers; a lookup returns -1 when no prefix contains the address.
 * Adding the same prefix twice keeps the last value (callers that care check `get` first).
 */
import { formatPrefix, type Prefix } from './ip.js';

const NONE = -1;

/** One address family's binary trie: node 0 is the root; child index 0 means "no child". */
class BinaryTrie {
  children: Int32Array;
  values: Int32Array;
  nodes = 1;

  constructor(initial = 64) {
    this.children = new Int32Array(initial * 2);
    this.values = new Int32Array(initial).fill(NONE);
  }

  private grow(): void {
    const cap = this.values.length * 2;
    const c = new Int32Array(cap * 2);
    c.set(this.children);
    const v = new Int32Array(cap).fill(NONE);
    v.set(this.values);
    this.children = c;
    this.values = v;
  }

  /** Returns the node for the prefix, creating the path. */
  node(bytes: Uint8Array, length: number): number {
    let n = 0;
    for (let i = 0; i < length; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      let next = this.children[n * 2 + bit];
      if (next === 0) {
        if (this.nodes === this.values.length) this.grow();
        next = this.nodes++;
        this.children[n * 2 + bit] = next;
      }
      n = next;
    }
    return n;
  }

  /** The node for the prefix if it exists, else -1. */
  find(bytes: Uint8Array, length: number): number {
    let n = 0;
    for (let i = 0; i < length; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      n = this.children[n * 2 + bit];
      if (n === 0) return NONE;
    }
    return n;
  }
}

export interface PrefixEntry {
  prefix: Prefix;
  value: number;
}

export class PrefixSet {
  private readonly v4 = new BinaryTrie();
  private readonly v6 = new BinaryTrie();
  private readonly list: PrefixEntry[] = [];
  private v4Count = 0;
  private v6Count = 0;
  /** Top-16-bits table for IPv4: node at depth 16 (0 = none) and best value at depth <= 16. */
  private v4Top: Int32Array | null = null;
  private v4TopValue: Int32Array | null = null;
  private v4Dirty = false;

  get size(): number {
    return this.list.length;
  }

  get hasV4(): boolean {
    return this.v4Count > 0;
  }

  get hasV6(): boolean {
    return this.v6Count > 0;
  }

  /** Adds (or re-values) a prefix. Host bits beyond the length are ignored (parsePrefix refuses them). */
  add(prefix: Prefix, value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`prefix value must be a non-negative int32, got ${value}`);
    const trie = prefix.version === 4 ? this.v4 : this.v6;
    const n = trie.node(prefix.bytes, prefix.length);
    if (trie.values[n] === NONE) {
      this.list.push({ prefix: { version: prefix.version, bytes: new Uint8Array(prefix.bytes), length: prefix.length }, value });
      if (prefix.version === 4) this.v4Count++;
      else this.v6Count++;
    } else {
      const e = this.list.find((x) => x.prefix.version === prefix.version && x.prefix.length === prefix.length && sameBits(x.prefix.bytes, prefix.bytes, prefix.length));
      if (e) e.value = value;
    }
    trie.values[n] = value;
    if (prefix.version === 4) this.v4Dirty = true;
  }

  /** Exact-match value of a prefix, or -1. */
  get(prefix: Prefix): number {
    const trie = prefix.version === 4 ? this.v4 : this.v6;
    const n = trie.find(prefix.bytes, prefix.length);
    return n < 0 ? NONE : trie.values[n];
  }

  entries(): readonly PrefixEntry[] {
    return this.list;
  }

  /** Longest-prefix match for an IPv4 address held as an unsigned 32-bit integer. */
  lookupV4(addr: number): number {
    return this.lookupV4Parts(addr >>> 16, addr & 0xffff);
  }

  /**
   * The same with the address as its two 16-bit halves. For the hot path: both halves are small
   * integers, whereas an address above 64.0.0.0 passed whole to a call V8 does not inline is
   * boxed as a heap number, an allocation per lookup.
   */
  lookupV4Parts(hi: number, lo: number): number {
    if (this.v4Count === 0) return NONE;
    if (this.v4Dirty) this.buildV4Top();
    let n = this.v4Top![hi];
    let best = this.v4TopValue![hi];
    if (n === 0) return best;
    const children = this.v4.children;
    const values = this.v4.values;
    for (let i = 15; i >= 0; i--) {
      n = children[n * 2 + ((lo >>> i) & 1)];
      if (n === 0) break;
      const v = values[n];
      if (v !== NONE) best = v;
    }
    return best;
  }

  /** Longest-prefix match for an IPv6 address given as 16 network-order bytes at `offset`. */
  lookupV6(bytes: Uint8Array, offset = 0): number {
    if (this.v6Count === 0) return NONE;
    const children = this.v6.children;
    const values = this.v6.values;
    let best = values[0];
    let n = 0;
    for (let i = 0; i < 128; i++) {
      n = children[n * 2 + ((bytes[offset + (i >> 3)] >> (7 - (i & 7))) & 1)];
      if (n === 0) break;
      const v = values[n];
      if (v !== NONE) best = v;
    }
    return best;
  }

  /** Longest-prefix match for an address of either family (IPv4: the first 4 bytes). */
  lookup(version: number, bytes: Uint8Array): number {
    if (version === 4) return this.lookupV4(((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0);
    if (version === 6) return this.lookupV6(bytes, 0);
    return NONE;
  }

  /** Approximate memory held by the tries, in bytes (for docs/limits and the API). */
  memoryBytes(): number {
    let b = this.v4.children.byteLength + this.v4.values.byteLength + this.v6.children.byteLength + this.v6.values.byteLength;
    if (this.v4Top) b += this.v4Top.byteLength + this.v4TopValue!.byteLength;
    return b;
  }

  describe(): string[] {
    return this.list.map((e) => `${formatPrefix(e.prefix)}=${e.value}`);
  }

  /**
   * Rebuilds the top-16 table: for every 16-bit head, walk the trie from the root and remember
   * the node reached at depth 16 and the best value seen on the way. Runs after additions (at
   * config time), never per sample.
   */
  private buildV4Top(): void {
    if (!this.v4Top) {
      this.v4Top = new Int32Array(65536);
      this.v4TopValue = new Int32Array(65536);
    }
    const top = this.v4Top;
    const topValue = this.v4TopValue!;
    const children = this.v4.children;
    const values = this.v4.values;
    for (let h = 0; h < 65536; h++) {
      let n = 0;
      let best = values[0];
      for (let i = 15; i >= 0; i--) {
        n = children[n * 2 + ((h >>> i) & 1)];
        if (n === 0) break;
        if (values[n] !== NONE) best = values[n];
      }
      top[h] = n;
      topValue[h] = best;
    }
    this.v4Dirty = false;
  }
}

function sameBits(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) {
    if (((a[i >> 3] ^ b[i >> 3]) >> (7 - (i & 7))) & 1) return false;
  }
  return true;
}
