/**
 * Writes ExaBGP commands into an existing named pipe (the /var/run/exabgp.cmd style many
 * FastNetMon-era setups feed through a helper process, or ExaBGP 4.2's own CLI FIFO
 * `exabgp.in`, bgp-apis.md §A.8). A pipe gives NO acknowledgement and NO way to read back what
 * ExaBGP holds, so this driver reports what it wrote itself: if ExaBGP restarts, the routes are
 * gone and this driver cannot know. Prefer the bridge (exabgp-speaker.ts) where possible.
 */
import { open, constants, type FileHandle } from 'node:fs/promises';
import { normalizeRoute, routeKey, type Route } from '../route.js';
import { HealthTracker, SpeakerError, type Speaker, type SpeakerHealth, type SpeakerStateChange } from '../speaker.js';
import { renderAnnounce, renderWithdraw } from './commands.js';

export interface ExabgpPipeSpeakerOptions {
  name?: string;
  /** The FIFO to write to; it must exist and have a reader (ExaBGP or its helper). */
  pipePath: string;
  now?: () => number;
}

export class ExabgpPipeSpeaker implements Speaker {
  readonly name: string;
  readonly capabilities = { readsState: false, acknowledged: false };
  private readonly tracker: HealthTracker;
  private readonly sent = new Map<string, Route>();
  private fh: FileHandle | null = null;

  constructor(private readonly opts: ExabgpPipeSpeakerOptions) {
    this.name = opts.name ?? 'exabgp-pipe';
    this.tracker = new HealthTracker(opts.now);
  }

  async start(): Promise<void> {
    try {
      await this.ensureOpen();
    } catch {
      /* health shows it; writes retry opening */
    }
  }

  async stop(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
    this.tracker.update(false, null);
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.fh) return this.fh;
    try {
      // O_NONBLOCK: opening a FIFO without a reader fails with ENXIO instead of hanging forever.
      this.fh = await open(this.opts.pipePath, constants.O_WRONLY | constants.O_NONBLOCK);
      this.tracker.error(null);
      this.tracker.update(true, null, true);
      return this.fh;
    } catch (e) {
      const msg = `${this.name}: cannot open ${this.opts.pipePath}: ${(e as Error).message}`;
      this.tracker.error(msg);
      this.tracker.update(false, null);
      throw new SpeakerError(msg, true);
    }
  }

  private async write(line: string): Promise<void> {
    const fh = await this.ensureOpen();
    try {
      await fh.write(`${line}\n`);
    } catch (e) {
      await fh.close().catch(() => undefined);
      this.fh = null;
      const msg = `${this.name}: write to ${this.opts.pipePath} failed: ${(e as Error).message}`;
      this.tracker.error(msg);
      this.tracker.update(false, null);
      throw new SpeakerError(msg, true);
    }
  }

  async announce(route: Route): Promise<void> {
    const r = normalizeRoute(route);
    await this.write(renderAnnounce(r));
    this.sent.set(routeKey(r), r);
  }

  async withdraw(route: Route): Promise<void> {
    await this.write(renderWithdraw(route));
    this.sent.delete(routeKey(route));
  }

  /** What this driver wrote (not what ExaBGP holds: a pipe cannot be asked). */
  async listAnnounced(): Promise<Route[]> {
    return [...this.sent.values()];
  }

  health(): SpeakerHealth {
    return this.tracker.get();
  }

  onStateChange(cb: (c: SpeakerStateChange) => void): () => void {
    return this.tracker.subscribe(cb);
  }
}
