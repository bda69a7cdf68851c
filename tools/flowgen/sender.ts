/**
 * Rate-controlled UDP sender for generated datagrams. Always bounded: it stops by itself after
 * maxCount datagrams or maxSeconds, whichever comes first, and refuses any destination that is not
 * loopback unless the caller explicitly allows it — flowgen is a test tool and must never spray a
 * real network by accident.
 *
 * Pacing is a token bucket refilled from a monotonic clock; each event-loop turn sends a batch,
 * so one process reaches 100k+ datagrams/s without a timer per datagram.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface SendOptions {
  host: string;
  port: number;
  /** Datagrams to send in order: an array or any iterable (e.g. SimulatedExporter.stream()). */
  datagrams?: Iterable<Buffer>;
  /**
   * Alternatively, polled on every tick with the ms elapsed since the start; what it returns is
   * queued and sent (e.g. SimulatedExporter.realtime()). Exactly one of datagrams/generator.
   */
  generator?: (elapsedMs: number) => Iterable<Buffer>;
  /** Datagrams per second. Required with `datagrams`; an optional cap with `generator`. */
  rate?: number;
  /** Hard bounds: the sender stops at whichever comes first. Both required. */
  maxCount: number;
  maxSeconds: number;
  /** Most datagrams sent in one event-loop turn. Default 512. */
  batchSize?: number;
  /** Most sends awaiting their callback. Default 4096. */
  maxInFlight?: number;
  /** Most datagrams queued from a generator before further ones are dropped. Default 100 000. */
  maxQueue?: number;
  /** Allow a destination outside 127.0.0.0/8 and ::1. Tests never set this. */
  allowNonLoopback?: boolean;
  signal?: AbortSignal;
}

export type StopReason = 'count' | 'time' | 'exhausted' | 'aborted';

export interface SendReport {
  /** Datagrams handed to the socket whose send completed without error. */
  sent: number;
  /**
   * Failed sends plus socket errors (e.g. ENOBUFS; ECONNREFUSED from the ICMP port unreachable of
   * an earlier datagram when nothing listens), so sent + errors may exceed the datagrams issued.
   */
  errors: number;
  firstError?: string;
  /** Generator output dropped because the queue was full (generator mode only). */
  dropped: number;
  elapsedMs: number;
  /** sent / elapsed seconds. */
  achievedRate: number;
  stoppedBy: StopReason;
}

export const DEFAULT_BATCH_SIZE = 512;
export const DEFAULT_MAX_IN_FLIGHT = 4096;
export const DEFAULT_MAX_QUEUE = 100_000;
/** How long to wait for outstanding send callbacks after stopping. */
const DRAIN_MS = 2000;

/** True for 127.0.0.0/8, ::1, IPv4-mapped loopback and 'localhost'. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (h.startsWith('::ffff:') && h.includes('.')) return h.slice(7).startsWith('127.');
    const parts = h.split('::');
    // ::1 in any spelling: all zero hextets then a final 1.
    const words = h === '::1' ? ['1'] : parts.length === 2 ? [...parts[0].split(':'), ...parts[1].split(':')].filter((x) => x !== '') : h.split(':');
    return words.length > 0 && words.slice(0, -1).every((w) => /^0+$/.test(w)) && /^0*1$/.test(words[words.length - 1]);
  }
  return false;
}

export class SendRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendRefusedError';
  }
}

function validate(o: SendOptions): void {
  if (typeof o.host !== 'string' || o.host === '') throw new RangeError('host is required');
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new RangeError(`port must be 1..65535, got ${o.port}`);
  if ((o.datagrams === undefined) === (o.generator === undefined)) throw new RangeError('give exactly one of datagrams or generator');
  if (o.datagrams !== undefined && o.rate === undefined) throw new RangeError('rate is required with datagrams');
  if (o.rate !== undefined && !(Number.isFinite(o.rate) && o.rate > 0)) throw new RangeError(`rate must be a positive number, got ${o.rate}`);
  if (!(Number.isInteger(o.maxCount) && o.maxCount >= 0)) throw new RangeError(`maxCount must be a non-negative integer, got ${o.maxCount}`);
  if (!(Number.isFinite(o.maxSeconds) && o.maxSeconds > 0)) throw new RangeError(`maxSeconds must be a positive finite number, got ${o.maxSeconds}`);
  if (!o.allowNonLoopback && !isLoopbackHost(o.host)) {
    throw new SendRefusedError(`refusing to send to ${o.host}: not a loopback address (127.0.0.0/8, ::1); set allowNonLoopback to override`);
  }
}

/** Sends datagrams to host:port at a bounded rate; resolves with a report once stopped and drained. */
export async function sendDatagrams(opts: SendOptions): Promise<SendReport> {
  validate(opts);
  const h = opts.host.replace(/^\[|\]$/g, '');
  const host = h.toLowerCase() === 'localhost' ? '127.0.0.1' : h;
  const socket: Socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  const batch = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const maxQueue = opts.maxQueue ?? DEFAULT_MAX_QUEUE;
  const rate = opts.rate ?? Infinity;
  // Token bucket: refilled at `rate`, holding at most ~50 ms (or one batch) so a stall is not
  // followed by an unbounded burst.
  const burst = Math.max(batch, Number.isFinite(rate) ? rate * 0.05 : batch);
  const iter = opts.datagrams?.[Symbol.iterator]();
  const queue: Buffer[] = [];
  let queueHead = 0;

  return new Promise<SendReport>((resolve) => {
    const report: SendReport = { sent: 0, errors: 0, dropped: 0, elapsedMs: 0, achievedRate: 0, stoppedBy: 'count' };
    let issued = 0;
    let inFlight = 0;
    let stopped = false;
    let exhausted = false;
    let tokens = Math.min(burst, 1);
    let start = 0;
    let last = 0;
    let timer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const onSent = (err: Error | null): void => {
      inFlight--;
      if (err) {
        report.errors++;
        report.firstError ??= err.message;
      } else {
        report.sent++;
      }
      if (stopped && inFlight === 0) close();
    };

    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      if (drainTimer) clearTimeout(drainTimer);
      report.elapsedMs = performance.now() - start;
      report.achievedRate = report.elapsedMs > 0 ? (report.sent * 1000) / report.elapsedMs : 0;
      try {
        socket.close();
      } catch {
        // already closed after an error
      }
      resolve(report);
    };

    const stop = (why: StopReason): void => {
      if (stopped) return;
      stopped = true;
      report.stoppedBy = why;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (inFlight === 0) close();
      else drainTimer = setTimeout(close, DRAIN_MS);
    };
    const onAbort = (): void => stop('aborted');

    const next = (): Buffer | undefined => {
      if (iter) {
        const r = iter.next();
        if (r.done) {
          exhausted = true;
          return undefined;
        }
        return r.value;
      }
      if (queueHead < queue.length) {
        const d = queue[queueHead++];
        if (queueHead > 4096 && queueHead * 2 > queue.length) {
          queue.splice(0, queueHead);
          queueHead = 0;
        }
        return d;
      }
      return undefined;
    };

    const tick = (): void => {
      timer = undefined;
      if (stopped) return;
      const now = performance.now();
      const elapsed = now - start;
      if (opts.signal?.aborted) return stop('aborted');
      if (issued >= opts.maxCount) return stop('count');
      if (elapsed >= opts.maxSeconds * 1000) return stop('time');
      if (Number.isFinite(rate)) tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
      last = now;
      if (opts.generator) {
        for (const d of opts.generator(elapsed)) {
          if (queue.length - queueHead < maxQueue) queue.push(d);
          else report.dropped++;
        }
      }
      let n = Math.min(batch, opts.maxCount - issued, maxInFlight - inFlight);
      if (Number.isFinite(rate)) n = Math.min(n, Math.floor(tokens));
      let sentNow = 0;
      for (; sentNow < n; sentNow++) {
        const d = next();
        if (d === undefined) break;
        issued++;
        inFlight++;
        try {
          socket.send(d, onSent);
        } catch (e) {
          onSent(e as Error);
        }
      }
      if (Number.isFinite(rate)) tokens -= sentNow;
      if (exhausted) return stop('exhausted');
      if (issued >= opts.maxCount) return stop('count');
      // Full batch and still allowed: go again on the next turn; otherwise sleep until a token is due.
      const remaining = opts.maxSeconds * 1000 - elapsed;
      let wait: number;
      if (sentNow === n && n === batch && (!Number.isFinite(rate) || tokens >= 1)) wait = 0;
      else if (inFlight >= maxInFlight) wait = 1;
      else if (Number.isFinite(rate) && tokens < 1) wait = Math.max(1, ((1 - tokens) * 1000) / rate);
      else wait = opts.generator ? 5 : 0;
      wait = Math.min(wait, Math.max(0, remaining));
      if (wait === 0) setImmediate(tick);
      else timer = setTimeout(tick, wait);
    };

    // A connected UDP socket reports an ICMP error from an earlier datagram (ECONNREFUSED when
    // nothing listens) as a socket error: counted, not fatal; the bounds still stop the sender.
    socket.on('error', (err) => {
      report.errors++;
      report.firstError ??= err.message;
    });
    if (opts.signal?.aborted) {
      report.stoppedBy = 'aborted';
      stopped = true;
      start = performance.now();
      close();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // A connected socket skips the per-send address lookup and reports ICMP port unreachable
    // as ECONNREFUSED on later sends, which shows up in `errors`.
    socket.connect(opts.port, host, () => {
      start = performance.now();
      last = start;
      tick();
    });
  });
}
