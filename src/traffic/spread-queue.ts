/**
 * Pending per-second credits of NetFlow/IPFIX records spread over their duration.
 *
 * A flow record reports packets and bytes for [first switched, last switched] (RFC 3954 fields
 * 22/21, RFC 7011 IEs 150-155) and reaches us only when the flow ends or the router's active
 * timeout fires, i.e. after the traffic happened. Crediting it to the second it arrives turns a
 * 60-second download into a one-second spike of 60 times its rate, a known source of false bans
 * (FastNetMon issues #769, #635). The seconds it covered are already evaluated, so the record's
 * average rate is credited to the current second and the following ones, for as many seconds
 * as it lasted (bounded by `maxSeconds`). The detector then sees the flow's true rate, delayed by
 * the export delay that exists anyway.
 *
 * Entries are kept in flat typed arrays and swept once per tick; the queue grows by doubling up
 * to `maxEntries` and never beyond (when full, records are credited at once and counted).
 */

/** Initial capacity; the queue doubles up to its configured maximum. */
export const SPREAD_INITIAL_ENTRIES = 4096;
/** Hard bounds accepted from the config (docs/limits.md). */
export const MAX_SPREAD_SECONDS = 3600;
export const MAX_SPREAD_ENTRIES = 50_000_000;

/** meta bit layout */
export const META_CATS_MASK = 0x3f;
export const META_HOST_DIR_SHIFT = 6;
export const META_TOTALS_DIR_SHIFT = 7;
export const META_CREDIT_TOTALS = 1 << 9;
export const META_V6 = 1 << 10;

export class SpreadQueue {
  readonly maxEntries: number;
  length = 0;
  slot: Int32Array;
  generation: Uint32Array;
  net: Int32Array;
  meta: Uint16Array;
  remaining: Uint16Array;
  bytes: Float64Array;
  packets: Float32Array;
  variance: Float32Array;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
    const cap = Math.min(SPREAD_INITIAL_ENTRIES, Math.max(1, maxEntries));
    this.slot = new Int32Array(cap);
    this.generation = new Uint32Array(cap);
    this.net = new Int32Array(cap);
    this.meta = new Uint16Array(cap);
    this.remaining = new Uint16Array(cap);
    this.bytes = new Float64Array(cap);
    this.packets = new Float32Array(cap);
    this.variance = new Float32Array(cap);
  }

  get capacity(): number {
    return this.slot.length;
  }

  static bytesPerEntry(): number {
    return 4 + 4 + 4 + 2 + 2 + 8 + 4 + 4;
  }

  /**
   * Appends an entry with per-second bytes, packets and variance taken from `amounts[0..2]` (an
   * array rather than arguments, so fractional numbers are not boxed on the way); false when the
   * queue is at its maximum.
   */
  push(slot: number, generation: number, net: number, meta: number, remaining: number, amounts: Float64Array): boolean {
    if (this.length === this.slot.length && !this.grow()) return false;
    const i = this.length++;
    this.slot[i] = slot;
    this.generation[i] = generation;
    this.net[i] = net;
    this.meta[i] = meta;
    this.remaining[i] = remaining;
    this.bytes[i] = amounts[0];
    this.packets[i] = amounts[1];
    this.variance[i] = amounts[2];
    return true;
  }

  /** Moves the last entry into position i (removal during a sweep that walks i downwards). */
  removeAt(i: number): void {
    const last = --this.length;
    if (i === last) return;
    this.slot[i] = this.slot[last];
    this.generation[i] = this.generation[last];
    this.net[i] = this.net[last];
    this.meta[i] = this.meta[last];
    this.remaining[i] = this.remaining[last];
    this.bytes[i] = this.bytes[last];
    this.packets[i] = this.packets[last];
    this.variance[i] = this.variance[last];
  }

  private grow(): boolean {
    const cap = this.slot.length;
    if (cap >= this.maxEntries) return false;
    const n = Math.min(cap * 2, this.maxEntries);
    const g = <T extends Int32Array | Uint32Array | Uint16Array | Float64Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a as never);
      return b;
    };
    this.slot = g(this.slot, (k) => new Int32Array(k));
    this.generation = g(this.generation, (k) => new Uint32Array(k));
    this.net = g(this.net, (k) => new Int32Array(k));
    this.meta = g(this.meta, (k) => new Uint16Array(k));
    this.remaining = g(this.remaining, (k) => new Uint16Array(k));
    this.bytes = g(this.bytes, (k) => new Float64Array(k));
    this.packets = g(this.packets, (k) => new Float32Array(k));
    this.variance = g(this.variance, (k) => new Float32Array(k));
    return true;
  }

  allocatedBytes(): number {
    return this.slot.length * SpreadQueue.bytesPerEntry();
  }
}
