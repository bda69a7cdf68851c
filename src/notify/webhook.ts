/**
 * JSON webhooks: each event is POSTed to each configured URL, in order, one request in flight per
 * URL. Network errors, timeouts, 408, 429 and 5xx are retried with capped exponential backoff
 * (honouring a Retry-After in seconds, within the cap); other 4xx are the receiver refusing the
 * payload and are not retried. Each URL has a bounded queue; overflow is dropped and counted.
 */
import type { Logger } from '../log.js';
import type { WebhookConfig } from './config.js';

export interface WebhookStats {
  url: string;
  delivered: number;
  failed: number;
  retries: number;
  dropped: number;
  queued: number;
  lastError: string | null;
}

export class WebhookSender {
  private readonly queue: string[] = [];
  private busy = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly counts = { delivered: 0, failed: 0, retries: 0, dropped: 0 };
  private lastError: string | null = null;

  constructor(
    readonly cfg: WebhookConfig,
    private readonly logger: Logger,
  ) {}

  wants(event: string): boolean {
    return (this.cfg.events as string[]).includes(event);
  }

  /** Queues one JSON body. Returns false when the queue is full (dropped, counted). */
  send(body: unknown): boolean {
    if (this.stopped) return false;
    if (this.queue.length >= this.cfg.queue_size) {
      this.counts.dropped++;
      this.logger.error({ url: this.redactedUrl(), dropped: this.counts.dropped }, 'webhook queue full: event dropped');
      return false;
    }
    this.queue.push(JSON.stringify(body));
    if (!this.busy) void this.loop();
    return true;
  }

  stats(): WebhookStats {
    return { url: this.redactedUrl(), ...this.counts, queued: this.queue.length, lastError: this.lastError };
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying and drops what is queued (shutdown). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }

  private redactedUrl(): string {
    try {
      const u = new URL(this.cfg.url);
      u.username = '';
      u.password = '';
      u.search = '';
      return u.toString();
    } catch {
      return '(invalid url)';
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }

  private async loop(): Promise<void> {
    this.busy = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const body = this.queue[0];
        await this.deliver(body);
        this.queue.shift();
      }
    } finally {
      this.busy = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async deliver(body: string): Promise<void> {
    let delay = this.cfg.backoff_initial_ms;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return;
      let retryAfterMs: number | null = null;
      let error: string;
      try {
        const res = await fetch(this.cfg.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'breakwater', ...this.cfg.headers },
          body,
          signal: AbortSignal.timeout(this.cfg.timeout_seconds * 1000),
        });
        // Drain the body so the connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.counts.delivered++;
          return;
        }
        error = `HTTP ${res.status}`;
        const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
        if (!retryable) {
          this.fail(error, attempt, false);
          return;
        }
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      } catch (e) {
        error = (e as Error).name === 'TimeoutError' ? `timeout after ${this.cfg.timeout_seconds} s` : ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      }
      if (attempt >= this.cfg.retries) {
        this.fail(error, attempt, true);
        return;
      }
      this.counts.retries++;
      this.lastError = error;
      const wait = Math.min(this.cfg.backoff_max_ms, retryAfterMs ?? delay);
      this.logger.warn({ url: this.redactedUrl(), error, attempt: attempt + 1, retryInMs: wait }, 'webhook delivery failed, retrying');
      await this.sleep(wait);
      delay = Math.min(this.cfg.backoff_max_ms, delay * 2);
    }
  }

  private fail(error: string, attempt: number, exhausted: boolean): void {
    this.counts.failed++;
    this.lastError = error;
    this.logger.error({ url: this.redactedUrl(), error, attempts: attempt + 1 }, exhausted ? 'webhook delivery failed, giving up' : 'webhook refused the event, not retried');
  }
}
