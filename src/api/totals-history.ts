/**
 * The last minutes of per-second traffic totals, so the dashboard's graphs (and anyone calling
 * GET /api/v1/traffic/history) start full instead of empty when a page opens. One small record
 * per tick, bounded.
 */
import type { RateSet } from '../traffic/traffic-counter.js';

/** Seconds of totals kept (10 minutes). */
export const TOTALS_HISTORY_SECONDS = 600;

export interface TotalsPoint {
  at: string;
  atMs: number;
  hosts: number;
  attacksActive: number;
  mitigationsActive: number;
  incoming: RateSet;
  outgoing: RateSet;
}

export class TotalsHistory {
  private readonly ring: Array<TotalsPoint | undefined> = new Array(TOTALS_HISTORY_SECONDS);
  private written = 0;

  record(p: TotalsPoint): void {
    const last = this.ring[(this.written - 1 + TOTALS_HISTORY_SECONDS) % TOTALS_HISTORY_SECONDS];
    // A clock that went backwards (or a replayed tick) would make the series non-monotonic.
    if (this.written > 0 && last && p.atMs <= last.atMs) this.written = 0;
    this.ring[this.written % TOTALS_HISTORY_SECONDS] = p;
    this.written++;
  }

  /** The last `seconds` points, oldest first. */
  last(seconds = TOTALS_HISTORY_SECONDS): TotalsPoint[] {
    const n = Math.min(this.written, TOTALS_HISTORY_SECONDS, Math.max(0, seconds));
    const out: TotalsPoint[] = [];
    for (let i = this.written - n; i < this.written; i++) out.push(this.ring[i % TOTALS_HISTORY_SECONDS]!);
    return out;
  }
}
