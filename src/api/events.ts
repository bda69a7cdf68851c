/**
 * The live event stream behind GET /api/v1/events (Server-Sent Events) and the dashboard: attack
 * and mitigation events and one totals record per second. It is an AttackSink and a
 * MitigationNotifier placed beside the others by the composition root, so it sees exactly what
 * the mitigation layer and the notify scripts see.
 *
 * Events are serialised once and written to every subscriber. A subscriber that does not keep up
 * (its socket buffer grows past MAX_SUBSCRIBER_BACKLOG_BYTES) is dropped rather than buffered
 * without bound: during a carpet-bombing storm there are thousands of updates per second.
 */
import type { Attack, AttackSink } from '../detection/attack.js';
import type { MitigationEvent, MitigationNotifier } from '../mitigation/manager.js';
import { attackSummary, mitigationView } from './views.js';

export const MAX_SUBSCRIBERS = 64;
export const MAX_SUBSCRIBER_BACKLOG_BYTES = 4 * 1024 * 1024;
/** An attack's 'updated' event is sent at most this often (starts and ends always). */
export const ATTACK_UPDATE_INTERVAL_MS = 5000;

export interface HubEvent {
  /** SSE event name: attack, mitigation, totals. */
  type: 'attack' | 'mitigation' | 'totals';
  /** JSON text of the payload. */
  data: string;
}

export type Subscriber = (e: HubEvent) => void;

export class EventHub implements AttackSink, MitigationNotifier {
  private readonly subscribers = new Set<Subscriber>();
  private readonly lastUpdate = new Map<string, number>();
  private seq = 0;

  constructor(private readonly now: () => number) {}

  /** Connected event-stream clients. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Returns an unsubscribe function, or null when MAX_SUBSCRIBERS are connected. */
  subscribe(fn: Subscriber): (() => void) | null {
    if (this.subscribers.size >= MAX_SUBSCRIBERS) return null;
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  publish(type: HubEvent['type'], payload: object): void {
    if (this.subscribers.size === 0) return;
    const e: HubEvent = { type, data: JSON.stringify({ seq: ++this.seq, ...payload }) };
    for (const s of [...this.subscribers]) s(e);
  }

  attackStarted(a: Attack): void {
    this.lastUpdate.set(a.id, this.now());
    this.publish('attack', { event: 'started', attack: attackSummary(a, this.now()) });
  }

  attackUpdated(a: Attack): void {
    if (this.subscribers.size === 0) return;
    const now = this.now();
    const last = this.lastUpdate.get(a.id) ?? 0;
    if (now - last < ATTACK_UPDATE_INTERVAL_MS) return;
    this.lastUpdate.set(a.id, now);
    this.publish('attack', { event: 'updated', attack: attackSummary(a, now) });
  }

  attackEnded(a: Attack): void {
    this.lastUpdate.delete(a.id);
    this.publish('attack', { event: 'ended', attack: attackSummary(a, this.now()) });
  }

  notify(e: MitigationEvent): void {
    this.publish('mitigation', {
      event: e.type,
      at: new Date(e.atMs).toISOString(),
      host: e.host,
      direction: e.direction,
      attackId: e.attack?.id ?? null,
      actor: e.actor,
      reason: e.reason,
      dryRun: e.dryRun,
      mitigations: e.mitigations.map((m) => mitigationView(m, e.atMs)),
    });
  }
}

/** Tells one mitigation event to several notifiers (the notify scripts/webhooks and the hub). */
export class NotifierFanout implements MitigationNotifier {
  constructor(private readonly targets: MitigationNotifier[]) {}
  notify(e: MitigationEvent): void {
    for (const t of this.targets) t.notify(e);
  }
}
