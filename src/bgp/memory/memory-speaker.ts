/**
 * A speaker that keeps routes in a Map: for unit tests of everything above the drivers and for
 * dry-run, where mitigations are decided and recorded but nothing reaches BGP. Tests can make it
 * fail, forget its routes (as a restarted ExaBGP or gobgpd does) and flap its session.
 */
import { normalizeRoute, routeKey, type Route } from '../route.js';
import { HealthTracker, SpeakerError, type Speaker, type SpeakerHealth, type SpeakerStateChange } from '../speaker.js';

export interface MemorySpeakerOptions {
  name?: string;
  now?: () => number;
}

export class MemorySpeaker implements Speaker {
  readonly name: string;
  readonly capabilities = { readsState: true, acknowledged: true };
  private readonly routes = new Map<string, Route>();
  private readonly tracker: HealthTracker;
  /** Operation log, for tests: "announce <key>" / "withdraw <key>". */
  readonly log: string[] = [];
  /** When > 0, the next N operations (announce, withdraw, list) fail with a retryable error. */
  failNext = 0;

  constructor(opts: MemorySpeakerOptions = {}) {
    this.name = opts.name ?? 'memory';
    this.tracker = new HealthTracker(opts.now);
  }

  async start(): Promise<void> {
    this.tracker.update(true, [{ address: 'memory', state: 'up' }]);
  }

  async stop(): Promise<void> {
    this.tracker.update(false, [{ address: 'memory', state: 'down' }]);
  }

  private check(op: string): void {
    if (!this.tracker.get().up) throw new SpeakerError(`${this.name}: not started`, true);
    if (this.failNext > 0) {
      this.failNext--;
      this.tracker.error(`injected failure in ${op}`);
      throw new SpeakerError(`${this.name}: injected failure in ${op}`, true);
    }
  }

  async announce(route: Route): Promise<void> {
    this.check('announce');
    const r = normalizeRoute(route);
    const k = routeKey(r);
    this.routes.set(k, r);
    this.log.push(`announce ${k}`);
  }

  async withdraw(route: Route): Promise<void> {
    this.check('withdraw');
    const k = routeKey(route);
    this.routes.delete(k);
    this.log.push(`withdraw ${k}`);
  }

  async listAnnounced(): Promise<Route[]> {
    this.check('list');
    return [...this.routes.values()].map((r) => structuredClone(r));
  }

  health(): SpeakerHealth {
    return this.tracker.get();
  }

  onStateChange(cb: (c: SpeakerStateChange) => void): () => void {
    return this.tracker.subscribe(cb);
  }

  /** Simulates a speaker restart: every route is forgotten, then the speaker reports it is back. */
  simulateRestart(): void {
    this.routes.clear();
    this.tracker.update(false, [{ address: 'memory', state: 'down' }]);
    this.tracker.update(true, [{ address: 'memory', state: 'up' }]);
  }

  /** Puts a route in the speaker behind the driver's back (as an operator's manual command would). */
  inject(route: Route): void {
    const r = normalizeRoute(route);
    this.routes.set(routeKey(r), r);
  }
}
