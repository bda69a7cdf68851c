/**
 * Converges one speaker to a desired set of routes by diff: read what the speaker really has,
 * announce what is missing or different, withdraw what is extra — one explicit route at a time,
 * never a bulk or empty withdraw (an empty GoBGP DeletePath withdraws everything, bgp-apis.md
 * §B.7). Runs on start, when the speaker says it may have lost state (restart, reconnect,
 * session up), when the desired set changes, and periodically. Passes never overlap; transient
 * errors are retried with capped exponential backoff; a pass does a bounded amount of work.
 */
import type { Logger } from '../log.js';
import { normalizeRoute, routeFingerprint, routeKey, describeRoute, type Route } from './route.js';
import { SpeakerError, type Speaker } from './speaker.js';

export interface RouteDiff {
  announce: Route[];
  withdraw: Route[];
  unchanged: number;
}

/**
 * Desired vs announced, by routeKey (NLRI). A desired route whose attributes differ from the
 * announced one is re-announced (BGP replaces it); it is never withdrawn first, which would open
 * a gap in the mitigation. Among desired routes with the same key the last one wins.
 */
export function diffRoutes(desired: Route[], announced: Route[]): RouteDiff {
  const want = new Map<string, { route: Route; fp: string }>();
  for (const r of desired) want.set(routeKey(r), { route: normalizeRoute(r), fp: routeFingerprint(r) });
  const have = new Map<string, { route: Route; fps: Set<string> }>();
  for (const r of announced) {
    const k = routeKey(r);
    const e = have.get(k);
    if (e) e.fps.add(routeFingerprint(r));
    else have.set(k, { route: normalizeRoute(r), fps: new Set([routeFingerprint(r)]) });
  }
  const out: RouteDiff = { announce: [], withdraw: [], unchanged: 0 };
  for (const [k, w] of want) {
    const h = have.get(k);
    // Several fingerprints for one key: peers disagree (e.g. a route changed while one was down).
    if (!h || h.fps.size !== 1 || !h.fps.has(w.fp)) out.announce.push(w.route);
    else out.unchanged++;
  }
  for (const [k, h] of have) if (!want.has(k)) out.withdraw.push(h.route);
  return out;
}

export interface ReconcilerOptions {
  /** Periodic full resync; 0 disables. */
  intervalMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Announce + withdraw operations per pass; the rest is done by an immediate next pass. */
  maxOperationsPerPass?: number;
  logger?: Logger;
  now?: () => number;
}

export const RECONCILER_DEFAULTS = {
  intervalMs: 30_000,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  maxOperationsPerPass: 10_000,
} as const;

export interface SyncResult {
  ok: boolean;
  announced: number;
  withdrawn: number;
  unchanged: number;
  /** Routes the speaker refused (non-retryable), by routeKey. */
  rejected: Record<string, string>;
  error: string | null;
}

export interface ReconcilerStatus {
  speaker: string;
  desired: number;
  passes: number;
  lastPassMs: number | null;
  lastSuccessMs: number | null;
  lastResult: SyncResult | null;
  consecutiveFailures: number;
  /** True when the last pass left the speaker equal to the desired set. */
  inSync: boolean;
}

export class Reconciler {
  private desired = new Map<string, Route>();
  private readonly opts: Required<Omit<ReconcilerOptions, 'logger'>> & { logger?: Logger };
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = true;
  private periodic: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private waiters: Array<(r: SyncResult) => void> = [];
  private st: ReconcilerStatus;

  constructor(
    private readonly speaker: Speaker,
    opts: ReconcilerOptions = {},
  ) {
    this.opts = {
      intervalMs: opts.intervalMs ?? RECONCILER_DEFAULTS.intervalMs,
      retryInitialMs: opts.retryInitialMs ?? RECONCILER_DEFAULTS.retryInitialMs,
      retryMaxMs: opts.retryMaxMs ?? RECONCILER_DEFAULTS.retryMaxMs,
      maxOperationsPerPass: opts.maxOperationsPerPass ?? RECONCILER_DEFAULTS.maxOperationsPerPass,
      now: opts.now ?? Date.now,
      logger: opts.logger,
    };
    this.st = {
      speaker: speaker.name,
      desired: 0,
      passes: 0,
      lastPassMs: null,
      lastSuccessMs: null,
      lastResult: null,
      consecutiveFailures: 0,
      inSync: false,
    };
  }

  /** Replaces the desired set (validated: throws RouteValidationError) and schedules a pass. */
  setDesired(routes: Route[]): void {
    const next = new Map<string, Route>();
    for (const r of routes) {
      const n = normalizeRoute(r);
      next.set(routeKey(n), n);
    }
    this.desired = next;
    this.st.desired = next.size;
    this.st.inSync = false;
    this.trigger('desired set changed');
  }

  desiredRoutes(): Route[] {
    return [...this.desired.values()];
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.speaker.onStateChange((c) => {
      if (c.resync && c.health.up) this.trigger('speaker state changed');
    });
    if (this.opts.intervalMs > 0) {
      this.periodic = setInterval(() => this.trigger('periodic'), this.opts.intervalMs);
      this.periodic.unref();
    }
    this.trigger('start');
  }

  /** Stops scheduling and waits for a running pass. Withdraw-on-shutdown: setDesired([]) + syncNow() first. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.periodic) clearInterval(this.periodic);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.periodic = this.retryTimer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.running) await this.running;
  }

  status(): ReconcilerStatus {
    return { ...this.st, lastResult: this.st.lastResult ? { ...this.st.lastResult } : null };
  }

  /** Runs a pass now (after any running one) and resolves with its result; works when stopped. */
  syncNow(): Promise<SyncResult> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.dirty = true;
      this.kick();
    });
  }

  private trigger(why: string): void {
    if (this.stopped) return;
    this.opts.logger?.debug({ speaker: this.speaker.name, why }, 'bgp reconcile requested');
    this.dirty = true;
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.dirty) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const waiters = this.waiters;
      this.waiters = [];
      const result = await this.pass();
      for (const w of waiters) w(result);
      if (!result.ok) {
        this.scheduleRetry();
        return;
      }
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const n = Math.min(this.st.consecutiveFailures, 20);
    const delay = Math.min(this.opts.retryMaxMs, this.opts.retryInitialMs * 2 ** Math.max(0, n - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.trigger('retry');
    }, delay);
    this.retryTimer.unref();
  }

  private async pass(): Promise<SyncResult> {
    const result: SyncResult = { ok: true, announced: 0, withdrawn: 0, unchanged: 0, rejected: {}, error: null };
    const log = this.opts.logger;
    this.st.passes++;
    this.st.lastPassMs = this.opts.now();
    try {
      const announced = await this.speaker.listAnnounced();
      const diff = diffRoutes([...this.desired.values()], announced);
      result.unchanged = diff.unchanged;
      let budget = this.opts.maxOperationsPerPass;
      for (const r of diff.announce) {
        if (budget-- <= 0) break;
        try {
          await this.speaker.announce(r);
          result.announced++;
          log?.info({ speaker: this.speaker.name, route: describeRoute(r) }, 'bgp announce');
        } catch (e) {
          if (e instanceof SpeakerError && !e.retryable) result.rejected[routeKey(r)] = e.message;
          else throw e;
        }
      }
      for (const r of diff.withdraw) {
        if (budget-- <= 0) break;
        try {
          await this.speaker.withdraw(r);
          result.withdrawn++;
          log?.info({ speaker: this.speaker.name, route: describeRoute(r) }, 'bgp withdraw');
        } catch (e) {
          if (e instanceof SpeakerError && !e.retryable) result.rejected[routeKey(r)] = e.message;
          else throw e;
        }
      }
      if (budget < 0) this.dirty = true;
      for (const [k, msg] of Object.entries(result.rejected)) {
        log?.error({ speaker: this.speaker.name, route: k, err: msg }, 'bgp speaker rejected a route');
      }
      this.st.consecutiveFailures = 0;
      this.st.lastSuccessMs = this.opts.now();
      this.st.inSync = budget >= 0 && Object.keys(result.rejected).length === 0;
    } catch (e) {
      result.ok = false;
      result.error = e instanceof Error ? e.message : String(e);
      this.st.consecutiveFailures++;
      this.st.inSync = false;
      log?.warn({ speaker: this.speaker.name, err: result.error, failures: this.st.consecutiveFailures }, 'bgp reconcile failed; will retry');
    }
    this.st.lastResult = result;
    return result;
  }
}
