/**
 * Per-second history of a few followed hosts, for the operator surface (API host page,
 * FastNetMon's /single_host_counters, the dashboard's graphs). Keeping per-protocol seconds for
 * every host would cost ~100 bytes per host per second of history; instead the API follows the
 * hosts someone looks at (and the daemon the hosts under attack), a bounded set, and the traffic
 * counter records their closed seconds here as it walks the table in its tick.
 */
import { CATEGORIES, HOST_VALUES } from './layout.js';
import type { HostTable } from './host-table.js';

/** Slot flag: the host's seconds are recorded in the HostHistory. */
export const SLOT_FOLLOWED = 2;
/** Hosts followed at once; the one whose follow ends soonest makes room (docs/limits.md). */
export const MAX_FOLLOWED_HOSTS = 256;
/** Seconds of history kept per followed host. */
export const HISTORY_SECONDS = 300;

/** Values per direction per second: pps and bit/s per category, then flows/s. */
const PER_DIR = CATEGORIES * 2 + 1;
const PER_SECOND = 2 * PER_DIR;

export interface HostSecond {
  /** Wall-clock ms of the end of the second. */
  atMs: number;
  /** [direction][category] packets/s and bits/s; flows/s per direction. */
  incoming: DirectionSecond;
  outgoing: DirectionSecond;
}

export interface DirectionSecond {
  pps: number[];
  bps: number[];
  flows: number;
}

interface Entry {
  address: string;
  slot: number;
  untilMs: number;
  /** Ring of seconds: PER_SECOND floats each. */
  values: Float64Array;
  at: Float64Array;
  /** Seconds written so far (ring position = written % HISTORY_SECONDS). */
  written: number;
}

export class HostHistory {
  private readonly bySlot = new Map<number, Entry>();
  private waiters: Array<() => void> = [];

  constructor(private readonly table: HostTable) {}

  get size(): number {
    return this.bySlot.size;
  }

  /**
   * Follows the host in `slot` (whose address is `address`) until `untilMs` (extended, never
   * shortened). Returns false if the slot is free.
   */
  follow(slot: number, address: string, untilMs: number): boolean {
    if (slot < 0 || this.table.version[slot] === 0) return false;
    let e = this.bySlot.get(slot);
    if (e && e.address !== address) {
      this.bySlot.delete(slot);
      e = undefined;
    }
    if (!e) {
      if (this.bySlot.size >= MAX_FOLLOWED_HOSTS) this.dropSoonest();
      e = { address, slot, untilMs, values: new Float64Array(HISTORY_SECONDS * PER_SECOND), at: new Float64Array(HISTORY_SECONDS), written: 0 };
      this.bySlot.set(slot, e);
    } else if (untilMs > e.untilMs) {
      e.untilMs = untilMs;
    }
    this.table.flags[slot] |= SLOT_FOLLOWED;
    return true;
  }

  /** Called by the traffic counter's tick for each followed slot, before its counters are reused. */
  record(slot: number, periodSeconds: number, hadTraffic: boolean, nowMs: number, flows0: number, flows1: number): void {
    const e = this.bySlot.get(slot);
    if (!e) {
      this.table.flags[slot] &= ~SLOT_FOLLOWED;
      return;
    }
    const t = this.table;
    const pos = e.written % HISTORY_SECONDS;
    const v = e.values;
    const base = pos * PER_SECOND;
    const inv = 1 / periodSeconds;
    for (let d = 0; d < 2; d++) {
      const cb = slot * HOST_VALUES + d * CATEGORIES;
      const ob = base + d * PER_DIR;
      for (let c = 0; c < CATEGORIES; c++) {
        v[ob + c] = hadTraffic ? t.packets[cb + c] * inv : 0;
        v[ob + CATEGORIES + c] = hadTraffic ? t.bytes[cb + c] * 8 * inv : 0;
      }
      v[ob + 2 * CATEGORIES] = hadTraffic ? (d === 0 ? flows0 : flows1) * inv : 0;
    }
    e.at[pos] = nowMs;
    e.written++;
  }

  /** End of a tick: drops expired follows and wakes those waiting for a closed second. */
  endTick(nowMs: number): void {
    for (const [slot, e] of this.bySlot) {
      if (e.untilMs < nowMs || this.table.version[slot] === 0) {
        this.bySlot.delete(slot);
        this.table.flags[slot] &= ~SLOT_FOLLOWED;
      }
    }
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves after the next tick has been recorded (or after `timeoutMs`). */
  nextTick(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The host's recorded seconds, oldest first, at most `seconds` of them. */
  get(slot: number, address: string, seconds = HISTORY_SECONDS): HostSecond[] {
    const e = this.bySlot.get(slot);
    if (!e || e.address !== address) return [];
    const n = Math.min(e.written, HISTORY_SECONDS, Math.max(0, seconds));
    const out: HostSecond[] = [];
    for (let i = e.written - n; i < e.written; i++) {
      const pos = i % HISTORY_SECONDS;
      const b = pos * PER_SECOND;
      const dir = (d: number): DirectionSecond => {
        const ob = b + d * PER_DIR;
        return {
          pps: Array.from(e.values.subarray(ob, ob + CATEGORIES)),
          bps: Array.from(e.values.subarray(ob + CATEGORIES, ob + 2 * CATEGORIES)),
          flows: e.values[ob + 2 * CATEGORIES],
        };
      };
      out.push({ atMs: e.at[pos], incoming: dir(0), outgoing: dir(1) });
    }
    return out;
  }

  private dropSoonest(): void {
    let victim: Entry | null = null;
    for (const e of this.bySlot.values()) if (!victim || e.untilMs < victim.untilMs) victim = e;
    if (victim) {
      this.bySlot.delete(victim.slot);
      this.table.flags[victim.slot] &= ~SLOT_FOLLOWED;
    }
  }
}
