/**
 * What detection tells the rest of the daemon: the Attack record, the narrow AttackSink the
 * mitigation layer implements, and the bounded in-memory store of active and recent attacks.
 */
import type { HostDirectionName, MetricName } from '../traffic/layout.js';
import type { Fingerprint } from './fingerprint.js';

export type AttackType =
  | 'syn_flood'
  | 'tcp_synack_flood'
  | 'tcp_ack_flood'
  | 'tcp_rst_flood'
  | 'udp_flood'
  | 'icmp_flood'
  | 'ip_fragmentation_flood'
  | 'amplification'
  | 'unknown';

/** Rates in config units: packets/s, Mbit/s (10^6 bit/s), distinct remotes/s. */
export type AttackRates = Record<MetricName, number>;

export interface ThresholdHit {
  metric: MetricName;
  /** The configured threshold (config units). */
  threshold: number;
  /** The rate of the last second that exceeded it. */
  value: number;
  /** value / threshold. */
  ratio: number;
}

export interface AttackTrigger extends ThresholdHit {
  /**
   * consecutive: above the threshold for trigger_seconds seconds in a row.
   * average: above in the last second, the exponential average above too, and above in at least
   * trigger_seconds of the last 8 seconds (catches on/off "pulse" floods).
   */
  rule: 'consecutive' | 'average';
}

export interface Attack {
  /** Random UUID. */
  id: string;
  host: string;
  ipVersion: 4 | 6;
  group: string;
  direction: HostDirectionName;
  status: 'active' | 'ended';
  startedMs: number;
  updatedMs: number;
  endedMs: number | null;
  endReason: 'below_threshold' | 'host_removed' | null;
  /** The threshold that fired (the one exceeded by the largest ratio) and all exceeded at start. */
  trigger: AttackTrigger;
  exceeded: ThresholdHit[];
  type: AttackType;
  /** For type 'amplification': the reflected service and its UDP source port. */
  amplification: { service: string; port: number } | null;
  /** Dominant IP protocol by packets: 'tcp', 'udp', 'icmp' or 'other'. */
  protocol: 'tcp' | 'udp' | 'icmp' | 'other';
  /** Last second's rates of the host in this direction. */
  current: AttackRates;
  /** Exponential averages of the averaged metrics (pps, mbps and every metric with a threshold in some group). */
  average: Partial<AttackRates>;
  peak: { pps: number; mbps: number; flows: number };
  /** The host is on the allow-list: mitigation must not act on it. */
  allowListed: boolean;
  /** From the host's captured samples; null until any were captured. */
  fingerprint: Fingerprint | null;
  /** Seconds the attack has been updated. */
  updates: number;
}

/**
 * Where attack events go (the mitigation layer, logs, notifications). Called synchronously from
 * the detector's tick, after the host pass, with the live Attack object: it keeps being updated
 * in place while the attack lasts, so copy what must not change.
 */
export interface AttackSink {
  attackStarted(a: Attack): void;
  attackUpdated(a: Attack): void;
  attackEnded(a: Attack): void;
}

/** A sink that does nothing (the detector used alone). */
export const NULL_ATTACK_SINK: AttackSink = {
  attackStarted: () => {},
  attackUpdated: () => {},
  attackEnded: () => {},
};

/** A sink that records events, for tests. */
export class RecordingAttackSink implements AttackSink {
  readonly events: Array<{ kind: 'started' | 'updated' | 'ended'; attack: Attack; snapshot: Attack }> = [];
  attackStarted(a: Attack): void {
    this.events.push({ kind: 'started', attack: a, snapshot: structuredClone(a) });
  }
  attackUpdated(a: Attack): void {
    this.events.push({ kind: 'updated', attack: a, snapshot: structuredClone(a) });
  }
  attackEnded(a: Attack): void {
    this.events.push({ kind: 'ended', attack: a, snapshot: structuredClone(a) });
  }
  of(kind: 'started' | 'updated' | 'ended'): Attack[] {
    return this.events.filter((e) => e.kind === kind).map((e) => e.snapshot);
  }
}

/** Active attacks by id and by host slot + direction, plus a bounded history of ended ones. */
export class AttackStore {
  private readonly active = new Map<string, Attack>();
  private readonly bySlot = new Map<number, Attack>();
  private readonly slotOf = new Map<string, number>();
  private history: Attack[] = [];

  constructor(private readonly historySize: number) {}

  get activeCount(): number {
    return this.active.size;
  }

  add(a: Attack, slot: number, dir: number): void {
    this.active.set(a.id, a);
    this.bySlot.set(slot * 2 + dir, a);
    this.slotOf.set(a.id, slot * 2 + dir);
  }

  onSlot(slot: number, dir: number): Attack | undefined {
    return this.bySlot.get(slot * 2 + dir);
  }

  /** Moves an attack from active to history. */
  end(a: Attack): void {
    const key = this.slotOf.get(a.id);
    if (key !== undefined) {
      this.bySlot.delete(key);
      this.slotOf.delete(a.id);
    }
    this.active.delete(a.id);
    if (this.historySize === 0) return;
    this.history.push(a);
    if (this.history.length > this.historySize * 2) this.history = this.history.slice(-this.historySize);
  }

  /** Slot * 2 + direction of an active attack. */
  keyOf(id: string): number | undefined {
    return this.slotOf.get(id);
  }

  get(id: string): Attack | undefined {
    return this.active.get(id) ?? this.history.find((a) => a.id === id);
  }

  listActive(): Attack[] {
    return [...this.active.values()];
  }

  /** Ended attacks, newest last, at most historySize. */
  listHistory(): Attack[] {
    return this.history.slice(-this.historySize);
  }
}
