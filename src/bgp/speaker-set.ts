/**
 * All configured speakers with one reconciler each: the one object the mitigation layer talks to.
 * Every speaker gets the same desired set; each converges on its own, so one speaker being down
 * never delays another.
 */
import type { Logger } from '../log.js';
import type { Route } from './route.js';
import type { Speaker, SpeakerHealth } from './speaker.js';
import { Reconciler, type ReconcilerOptions, type ReconcilerStatus } from './reconciler.js';
import { createSpeaker, reconcilerOptionsFor, type BgpConfig, type SpeakerDeps } from './config.js';

export interface SpeakerStatus {
  name: string;
  health: SpeakerHealth;
  reconcile: ReconcilerStatus;
  /** false for the named-pipe driver: what it reports is what it wrote, not what ExaBGP holds. */
  readsState: boolean;
}

export class SpeakerSet {
  private readonly entries: Array<{ speaker: Speaker; reconciler: Reconciler }>;

  constructor(entries: Array<{ speaker: Speaker; options?: ReconcilerOptions }>) {
    this.entries = entries.map((e) => ({ speaker: e.speaker, reconciler: new Reconciler(e.speaker, e.options) }));
  }

  static fromConfig(cfg: BgpConfig, deps: SpeakerDeps & { logger?: Logger } = {}): SpeakerSet {
    return new SpeakerSet(cfg.speakers.map((c) => ({ speaker: createSpeaker(c, deps), options: reconcilerOptionsFor(c, deps.logger) })));
  }

  get speakers(): Speaker[] {
    return this.entries.map((e) => e.speaker);
  }

  /** Starts every speaker (a speaker that fails to start is retried by its reconciler, not fatal). */
  async start(): Promise<void> {
    for (const e of this.entries) {
      try {
        await e.speaker.start();
      } catch {
        /* health shows it; reconciler retries */
      }
      e.reconciler.start();
    }
  }

  /** Replaces the desired set on every speaker (throws RouteValidationError before changing anything). */
  setDesired(routes: Route[]): void {
    for (const e of this.entries) e.reconciler.setDesired(routes);
  }

  /** Converges every speaker now; resolves when each finished one pass. */
  async syncNow(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.reconciler.syncNow()));
  }

  /** withdraw: withdraw everything (route by route) before stopping — the withdraw-on-shutdown setting. */
  async stop(opts: { withdraw?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (opts.withdraw) {
      const t = opts.timeoutMs ?? 10_000;
      await Promise.all(
        this.entries.map((e) => {
          e.reconciler.setDesired([]);
          return Promise.race([e.reconciler.syncNow(), new Promise((r) => setTimeout(r, t).unref())]);
        }),
      );
    }
    for (const e of this.entries) {
      await e.reconciler.stop();
      await e.speaker.stop();
    }
  }

  status(): SpeakerStatus[] {
    return this.entries.map((e) => ({
      name: e.speaker.name,
      health: e.speaker.health(),
      reconcile: e.reconciler.status(),
      readsState: e.speaker.capabilities.readsState,
    }));
  }
}
