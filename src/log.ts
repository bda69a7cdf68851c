/**
 * Structured logging (pino, JSON lines on stdout) and a rate limiter for messages that hostile
 * input could otherwise turn into a log flood (decode errors, refused exporters).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'breakwater' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that writes nothing: for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Lets one message per key through per interval and counts the rest, which are reported as
 * `suppressed` on the next message for that key. Bounded: past maxKeys, new keys share one slot.
 */
export class LogRateLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly intervalMs = 60_000,
    private readonly maxKeys = 1000,
  ) {}

  /** Returns the number of suppressed messages to report (>= 0) when this one may be logged, or -1. */
  allow(key: string, nowMs: number): number {
    let k = key;
    if (!this.last.has(k) && this.last.size >= this.maxKeys) k = '*';
    const st = this.last.get(k);
    if (st === undefined) {
      this.last.set(k, { at: nowMs, suppressed: 0 });
      return 0;
    }
    if (nowMs - st.at >= this.intervalMs) {
      const s = st.suppressed;
      st.at = nowMs;
      st.suppressed = 0;
      return s;
    }
    st.suppressed++;
    return -1;
  }
}
