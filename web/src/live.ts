/**
 * The dashboard's live state, shared by every page: the last minutes of per-second traffic totals
 * from the event stream (GET /api/v1/events, `totals` events), the daemon's status (refreshed
 * every few seconds and at once when an attack or mitigation event arrives), and the stream's
 * connection state. Pages subscribe with useLive() and refresh their own data on `tick`.
 *
 * Times shown as "ago" or "left" are computed against the daemon's clock, not the browser's:
 * `serverNow()` follows the daemon's ticks, so a skewed laptop clock does not make exporters look
 * silent.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, apiUrl, type AttackSummary, type RateSet, type Status } from './api';

/** Seconds of totals kept for the overview graphs (10 minutes). */
export const TOTALS_KEPT = 600;
const STATUS_REFRESH_MS = 5000;

export interface TotalsPoint {
  atMs: number;
  hosts: number;
  attacksActive: number;
  mitigationsActive: number;
  incoming: RateSet;
  outgoing: RateSet;
}

export type StreamState = 'connecting' | 'open' | 'error';

class Live {
  totals: TotalsPoint[] = [];
  status: Status | null = null;
  statusError: string | null = null;
  stream: StreamState = 'connecting';
  /** Increases with every totals event (once per daemon second) and after every change. */
  tick = 0;
  /** Increases on every attack or mitigation event and after the dashboard changed something. */
  changes = 0;
  /** Daemon clock minus browser clock, ms. */
  private offsetMs = 0;
  private listeners = new Set<() => void>();
  private source: EventSource | null = null;
  private statusTimer: ReturnType<typeof setTimeout> | null = null;
  private statusInFlight = false;
  private statusAgain = false;

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of [...this.listeners]) fn();
  }

  serverNow(): number {
    return Date.now() + this.offsetMs;
  }

  /** Starts the event stream and the status refresh (once). */
  async start(): Promise<void> {
    // One request first: once it is answered the browser holds the API's credentials for
    // /api/v1/, so the stream and the pages' parallel requests do not each get a 401 first.
    await this.refreshStatus();
    await this.loadHistory();
    this.connect();
  }

  /** The daemon's last minutes of totals, so the graphs open full rather than empty. */
  private async loadHistory(): Promise<void> {
    try {
      const h = await api<{ points: TotalsPoint[] }>(`traffic/history?seconds=${TOTALS_KEPT}`);
      if (this.totals.length === 0 && h.points.length > 0) {
        this.totals = h.points.map((t) => ({ atMs: t.atMs, hosts: t.hosts, attacksActive: t.attacksActive, mitigationsActive: t.mitigationsActive, incoming: t.incoming, outgoing: t.outgoing }));
        this.offsetMs = this.totals[this.totals.length - 1].atMs - Date.now();
        this.tick++;
        this.emit();
      }
    } catch {
      // Older daemon or a transient error: the graphs fill from the stream instead.
    }
  }

  private connect(): void {
    const es = new EventSource(apiUrl('events'));
    this.source = es;
    es.onopen = () => {
      this.stream = 'open';
      this.emit();
    };
    es.onerror = () => {
      // EventSource reconnects by itself (the server asks for retry: 2000).
      this.stream = es.readyState === EventSource.CLOSED ? 'error' : 'connecting';
      this.emit();
      if (es.readyState === EventSource.CLOSED) setTimeout(() => this.connect(), 5000);
    };
    es.addEventListener('totals', (ev) => {
      const t = JSON.parse((ev as MessageEvent<string>).data) as TotalsPoint;
      this.offsetMs = t.atMs - Date.now();
      const last = this.totals[this.totals.length - 1];
      // Already loaded with the history (the stream opened during the same second): skip it.
      if (last && t.atMs === last.atMs) return;
      // A restarted daemon or a clock step backwards: start the graphs again.
      if (last && t.atMs < last.atMs) this.totals = [];
      this.totals.push({ atMs: t.atMs, hosts: t.hosts, attacksActive: t.attacksActive, mitigationsActive: t.mitigationsActive, incoming: t.incoming, outgoing: t.outgoing });
      if (this.totals.length > TOTALS_KEPT) this.totals.splice(0, this.totals.length - TOTALS_KEPT);
      this.tick++;
      this.emit();
    });
    es.addEventListener('attack', (ev) => {
      const e = JSON.parse((ev as MessageEvent<string>).data) as { event: string; attack: AttackSummary };
      if (this.status) {
        const active = this.status.attacks.active.filter((a) => a.id !== e.attack.id);
        if (e.event !== 'ended') active.push(e.attack);
        this.status = { ...this.status, attacks: { ...this.status.attacks, active } };
      }
      this.changed();
    });
    es.addEventListener('mitigation', () => this.changed());
  }

  /** Something changed (an event, or an action from this dashboard): refresh what is shown. */
  changed(): void {
    this.changes++;
    this.tick++;
    this.emit();
    void this.refreshStatus();
  }

  async refreshStatus(): Promise<void> {
    if (this.statusInFlight) {
      this.statusAgain = true;
      return;
    }
    this.statusInFlight = true;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    try {
      const asked = Date.now();
      const s = await api<Status>('status');
      // The status's uptime is rounded to the second; ticks (totals events) refine the offset.
      if (this.totals.length === 0) this.offsetMs = Date.parse(s.daemon.startedAt) + s.daemon.uptimeSeconds * 1000 - (asked + Date.now()) / 2;
      this.status = s;
      this.statusError = null;
    } catch (e) {
      this.statusError = (e as Error).message;
    } finally {
      this.statusInFlight = false;
      this.statusTimer = setTimeout(() => void this.refreshStatus(), STATUS_REFRESH_MS);
      this.emit();
    }
    if (this.statusAgain) {
      this.statusAgain = false;
      await this.refreshStatus();
    }
  }
}

export const live = new Live();

/** Re-renders the calling component whenever the live state changes. */
export function useLive(): Live {
  const [, setN] = useState(0);
  useEffect(() => live.subscribe(() => setN((n) => n + 1)), []);
  return live;
}
