/**
 * The detector: once per second (`tick(nowMs)`, clock injected, never read here) it closes the
 * traffic counters' second and, for every active host and direction, computes the last second's
 * rates, updates their exponential averages, checks the host group's thresholds, and starts,
 * updates and ends attacks.
 *
 * When does a threshold fire? FastNetMon compares only an exponential average with a 5 s time
 * constant, so a flood at 2× threshold needs ~4 s and at 1.25× ~9 s, while a long enough single
 * burst still fires. Here a direction fires when
 *
 * - consecutive: some threshold was exceeded in each of the last `trigger_seconds` seconds (2 by
 *   default: a flood at 2× is reported at the second tick after its telemetry starts, while a
 *   burst confined to one second never fires whatever its size), or
 * - average: a threshold is exceeded in the last second, its exponential average is above it
 *   too, and some threshold was exceeded in at least `trigger_seconds` of the last 8 seconds:
 *   on/off "pulse wave" floods that never stay up two seconds in a row.
 *
 * Sampled data is noisy: with 1-in-N sampling a count of k samples is an estimate with relative
 * standard error ~1/sqrt(k) (the variance is accumulated per host from the samples' rates, see
 * host-table.ts). Each second above a threshold gets a z-score, (rate − threshold) / standard
 * error, and a run of seconds only triggers when the z-scores combined by Stouffer's method
 * (Σz / sqrt(n), the z-score of the pooled run) reach `noise_sigmas`; the average rule needs the
 * current second alone to reach it. A host at 80 % of its threshold seen through 8 samples per
 * second otherwise crosses it twice in a row dozens of times an hour (as FastNetMon's average
 * does). Unsampled data (NetFlow without sampling) is exact: its z-score is infinite.
 *
 * An attack ends when no threshold of its direction has been exceeded (raw estimate) for
 * `end_seconds`. One attack per host and direction at a time; the host's slot is pinned (never
 * evicted or purged) while it lasts.
 */
import { randomUUID } from 'node:crypto';
import type { TickInfo, TrafficCounter, HostObserver } from '../traffic/traffic-counter.js';
import { SLOT_PINNED } from '../traffic/host-table.js';
import { BYTES_PER_MBIT, METRIC_CATEGORY, METRIC_IS_BYTES, METRIC_NAMES, METRICS, Metric, HOST_VALUES, CATEGORIES, type MetricName } from '../traffic/layout.js';
import { AttackStore, NULL_ATTACK_SINK, type Attack, type AttackRates, type AttackSink, type ThresholdHit } from './attack.js';
import { classify } from './classify.js';
import type { DetectionConfig } from './config.js';
import { buildFingerprint } from './fingerprint.js';
import { GroupTable } from './groups.js';

/** A capture ring is released this many seconds after its host was last hot (and not attacked). */
export const WATCH_LINGER_SECONDS = 10;
/** Fingerprints rebuilt per tick at most, over all active attacks (starts excepted). */
export const MAX_FINGERPRINTS_PER_TICK = 256;
/** An attack's fingerprint is rebuilt every second for its first updates, then every this many seconds. */
export const FINGERPRINT_REFRESH_SECONDS = 5;
export const FINGERPRINT_YOUNG_UPDATES = 10;
/** Averages below this (in packets/s or bytes/s) are treated as zero so idle hosts cost nothing. */
const QUIET_EPSILON = 1e-3;

const STATE_ATTACK_IN = 1;
const STATE_ATTACK_OUT = 2;
const STATE_QUIET = 4;
/** Some metric of the direction (bit << d) was at or above the watch fraction at the last tick. */
const STATE_HOT_IN = 8;

export interface DetectorDeps {
  traffic: TrafficCounter;
  sink?: AttackSink;
  /** Attack ids; default crypto.randomUUID. */
  newId?: () => string;
  /** Told when the sink throws (the detector carries on; the error is counted in stats.sinkErrors). */
  onSinkError?: (err: unknown, event: 'started' | 'updated' | 'ended', attack: Attack) => void;
}

export interface DetectorStats {
  ticks: number;
  attacksStarted: number;
  attacksEnded: number;
  /** Attacks not started because max_active_attacks were active. */
  attacksSuppressed: number;
  /** Hosts that should have been captured but the ring pool was exhausted. */
  captureExhausted: number;
  /** Exceptions thrown by the AttackSink (each one caught, so one bad consumer cannot stall detection). */
  sinkErrors: number;
}

export interface DetectorTickInfo extends TickInfo {
  attacksActive: number;
  started: number;
  ended: number;
}

export interface HostDirectionView {
  /** Last second. */
  current: { pps: number; mbps: number };
  /** Exponential averages of the averaged metrics (pps, mbps and every metric with a threshold in some group). */
  average: Partial<AttackRates>;
  attackId: string | null;
}

export interface HostView {
  host: string;
  group: string;
  incoming: HostDirectionView;
  outgoing: HostDirectionView;
}

interface Tracked {
  attack: Attack;
  slot: number;
  dir: number;
  group: number;
  belowSinceMs: number | null;
  ending: boolean;
  /** Started in the current tick: its first event is attackStarted, not attackUpdated. */
  fresh: boolean;
}

interface PendingStart {
  slot: number;
  dir: number;
  group: number;
  best: number;
  rule: 'consecutive' | 'average';
  current: Float64Array;
  average: Float64Array;
}

function popcount8(x: number): number {
  x = x - ((x >> 1) & 0x55);
  x = (x & 0x33) + ((x >> 2) & 0x33);
  return (x + (x >> 4)) & 0x0f;
}

/** Converts an internal rate (packets/s, bytes/s, flows/s) to config units. */
function toUnits(m: number, v: number): number {
  return METRIC_IS_BYTES[m] ? v / BYTES_PER_MBIT : v;
}

export class Detector implements HostObserver {
  /** Replaced as a whole by a config reload (reconfigure): read it through the detector, do not keep it. */
  groups: GroupTable;
  readonly stats: DetectorStats = { ticks: 0, attacksStarted: 0, attacksEnded: 0, attacksSuppressed: 0, captureExhausted: 0, sinkErrors: 0 };
  private readonly traffic: TrafficCounter;
  private readonly sink: AttackSink;
  private readonly newId: () => string;
  private readonly onSinkError: DetectorDeps['onSinkError'];
  private readonly store: AttackStore;
  private readonly tracked = new Map<number, Tracked>();
  private tau: number;
  private z: number;
  private maxActive: number;
  private windowSeconds: number;
  private topN: number;

  // Per host slot (sized to the host table's capacity), interleaved so that one host's state is
  // one or two cache lines rather than one line in each of a dozen arrays: the tick walks every
  // host every second and is bound by memory, not arithmetic.
  /**
   * Float record of `stride` values per slot: the exponential averages of the averaged metrics
   * (pps, mbps and every metric with a threshold in some group) at d * K + k, the last
   * second's pps and bytes/s at 2K + d * 2 (+1), and the run's summed z-score at 2K + 4 + d.
   */
  private rec: Float32Array;
  private stride: number;
  /** Byte record of 8 per slot: history bits (d), run length (2 + d), state (4), group + 1 (6, 7; little-endian). */
  private readonly b8: Uint8Array;
  /** Metric numbers that have an average, and each metric's index among them (-1: none). */
  averaged: Uint8Array;
  private emaIndex: Int8Array;
  private k: number;
  /** Some averaged metric needs more than total pps and bytes/s: compute every rate for every host. */
  private fullRates: boolean;

  private readonly x = new Float64Array(METRICS);
  private decay = 0;
  private decayPeriod = -1;
  private nowMs = 0;
  private pendingStarts: PendingStart[] = [];
  private readonly addr = new Uint8Array(16);

  constructor(config: DetectionConfig, deps: DetectorDeps) {
    this.traffic = deps.traffic;
    this.sink = deps.sink ?? NULL_ATTACK_SINK;
    this.newId = deps.newId ?? randomUUID;
    this.onSinkError = deps.onSinkError;
    this.groups = new GroupTable(config);
    this.store = new AttackStore(config.history_size);
    this.tau = config.average_seconds;
    this.z = config.noise_sigmas;
    this.maxActive = config.max_active_attacks;
    this.windowSeconds = config.fingerprint.window_seconds;
    this.topN = config.fingerprint.top;
    const cap = deps.traffic.table.capacity;
    const averaged = averagedMetrics(this.groups);
    this.averaged = averaged;
    this.k = averaged.length;
    this.fullRates = averaged.length > 2;
    this.emaIndex = new Int8Array(METRICS).fill(-1);
    averaged.forEach((m, k) => (this.emaIndex[m] = k));
    this.stride = strideFor(this.k);
    this.rec = new Float32Array(cap * this.stride);
    this.b8 = new Uint8Array(cap * 8);
    deps.traffic.setObserver(this);
  }

  /**
   * Applies a new detection config (config reload): groups, thresholds, trigger and end seconds,
   * watch fraction, averaging, noise_sigmas, max_active_attacks, fingerprint settings.
   * `history_size` is not applied (the attack store keeps its size until a restart).
   */
  reconfigure(config: DetectionConfig): void {
    this.prepareReconfigure(config)();
  }

  /**
   * The allocating half of reconfigure: builds the new group table and, when the set of averaged
   * metrics changes, the new per-slot record; may throw without changing anything. The returned
   * commit cannot fail; call it in the same synchronous turn as the prepare (no tick in between).
   *
   * Kept across the change: every host's averages of the metrics averaged before and after, its
   * last-second rates, active attacks (their group is re-resolved by name; when the group is gone,
   * the attack moves to the group its host matches now). Reset: the per-host group cache (hosts
   * are matched against the new groups at their next second), and the run history of seconds
   * above a threshold, which was measured against the old thresholds: a changed threshold fires
   * after trigger_seconds of traffic above it. A metric that newly has a threshold starts its
   * average from zero.
   */
  prepareReconfigure(config: DetectionConfig): () => void {
    const groups = new GroupTable(config);
    const averaged = averagedMetrics(groups);
    const same = averaged.length === this.averaged.length && averaged.every((m, i) => m === this.averaged[i]);
    const k2 = averaged.length;
    const stride2 = strideFor(k2);
    const rec2 = same ? this.rec : new Float32Array(this.traffic.table.capacity * stride2);
    const index = new Map(groups.groups.map((g, i) => [g.name, i]));
    return () => {
      const old = this.groups;
      const high = this.traffic.table.highWater;
      const rec = this.rec;
      const k1 = this.k;
      const stride1 = this.stride;
      if (!same) {
        for (let slot = 0; slot < high; slot++) {
          const a = slot * stride1;
          const b = slot * stride2;
          for (let d = 0; d < 2; d++) {
            for (let k = 0; k < k2; k++) {
              const from = this.emaIndex[averaged[k]];
              if (from >= 0) rec2[b + d * k2 + k] = rec[a + d * k1 + from];
            }
          }
          // Last second's pps and bytes/s per direction, then the run z-sums.
          for (let j = 0; j < 6; j++) rec2[b + 2 * k2 + j] = rec[a + 2 * k1 + j];
        }
        this.rec = rec2;
        this.stride = stride2;
        this.averaged = averaged;
        this.k = k2;
        this.fullRates = k2 > 2;
        this.emaIndex = new Int8Array(METRICS).fill(-1);
        averaged.forEach((m, k) => (this.emaIndex[m] = k));
      }
      const b8 = this.b8;
      for (let slot = 0; slot < high; slot++) {
        const bb = slot * 8;
        b8[bb] = 0;
        b8[bb + 1] = 0;
        b8[bb + 2] = 0;
        b8[bb + 3] = 0;
        b8[bb + 6] = 0;
        b8[bb + 7] = 0;
        const zb = slot * this.stride + 2 * this.k + 4;
        this.rec[zb] = 0;
        this.rec[zb + 1] = 0;
      }
      this.groups = groups;
      for (const tr of this.tracked.values()) {
        let g = index.get(old.groups[tr.group].name);
        if (g === undefined) {
          g = this.groupOf(tr.slot);
          tr.attack.group = groups.groups[g].name;
        }
        tr.group = g;
      }
      this.tau = config.average_seconds;
      this.decayPeriod = -1;
      this.z = config.noise_sigmas;
      this.maxActive = config.max_active_attacks;
      this.windowSeconds = config.fingerprint.window_seconds;
      this.topN = config.fingerprint.top;
    };
  }

  /** Typed-array bytes per host slot held by the detector (depends on the number of averaged metrics). */
  bytesPerSlot(): number {
    return this.stride * 4 + 8;
  }

  /**
   * Closes the second at `nowMs` (normally called every 1000 ms): counters become rates, attacks
   * start, update and end, and the sink hears about it before this returns.
   */
  tick(nowMs: number): DetectorTickInfo {
    this.nowMs = nowMs;
    this.stats.ticks++;
    this.pendingStarts = [];
    const info = this.traffic.tick(nowMs);
    const minTick = this.traffic.tickNo - this.windowSeconds;

    let started = 0;
    for (const p of this.pendingStarts) if (this.start(p, minTick)) started++;

    let ended = 0;
    // Fingerprints are the costly part of an update (a pass over the host's captured samples).
    // An attack's fingerprint is rebuilt every second while it is young, then every
    // FINGERPRINT_REFRESH_SECONDS (phase spread by slot), and at most MAX_FINGERPRINTS_PER_TICK
    // times per tick: with thousands of simultaneous attacks (carpet bombing) the tick would
    // otherwise take longer than the second it accounts for, and the socket would overflow.
    let budget = MAX_FINGERPRINTS_PER_TICK;
    for (const tr of [...this.tracked.values()]) {
      if (tr.ending) {
        this.end(tr, 'below_threshold');
        ended++;
      } else if (tr.fresh) {
        tr.fresh = false;
      } else {
        const u = tr.attack.updates;
        const due = u < FINGERPRINT_YOUNG_UPDATES || u % FINGERPRINT_REFRESH_SECONDS === tr.slot % FINGERPRINT_REFRESH_SECONDS;
        if (due && budget > 0) {
          this.refresh(tr, minTick);
          budget--;
        } else {
          this.reclassify(tr.attack);
        }
        this.emit('updated', tr.attack);
      }
    }
    this.releaseIdleRings();
    return { ...info, attacksActive: this.store.activeCount, started, ended };
  }

  hostSecond(slot: number, period: number, had: boolean): void {
    const b8 = this.b8;
    const bb = slot * 8;
    const st = b8[bb + 4];
    if (!had && (st & STATE_QUIET) !== 0) return;
    if (period !== this.decayPeriod) {
      this.decay = this.tau > 0 ? Math.exp(-period / this.tau) : 0;
      this.decayPeriod = period;
    }
    const decay = this.decay;
    const inv = 1 / period;
    const t = this.traffic.table;
    const pk = t.packets;
    const by = t.bytes;
    const ema = this.rec;
    const rb = slot * this.stride;
    const x = this.x;
    const g = this.groupOf(slot);
    const groups = this.groups;
    const thr = groups.thresholds;
    const wat = groups.watch;
    const enabled = groups.enabledMetrics;
    const minWatch = groups.minWatch;
    const z = this.z;
    const averaged = this.averaged;
    const emaIndex = this.emaIndex;
    const K = this.k;
    const fullRates = this.fullRates;
    let hot = false;
    let active = false;
    for (let d = 0; d < 2; d++) {
      const cb = slot * HOST_VALUES + d * CATEGORIES;
      const eb = rb + d * K;
      const tb = (g * 2 + d) * METRICS;
      const hi = slot * 2 + d;
      const P = pk[cb];
      const traffic = had && (P > 0 || by[cb] > 0);
      // Last second's rates (x, layout.ts order) and the averages of the averaged metrics.
      if (traffic) {
        // Only what the averages and thresholds read; fillRates() completes x for attacks.
        if (K === METRICS) {
          // Every metric averaged (averaged[k] === k): rates and averages in one pass.
          for (let c = 0; c < CATEGORIES; c++) {
            const mp = c === 0 ? 0 : 1 + 2 * c;
            const xp = pk[cb + c] * inv;
            const xb = by[cb + c] * inv;
            x[mp] = xp;
            x[mp + 1] = xb;
            ema[eb + mp] = xp + decay * (ema[eb + mp] - xp);
            ema[eb + mp + 1] = xb + decay * (ema[eb + mp + 1] - xb);
          }
          const xf = t.flowEstimate(slot, d) * inv;
          x[Metric.FLOWS] = xf;
          ema[eb + Metric.FLOWS] = xf + decay * (ema[eb + Metric.FLOWS] - xf);
        } else {
          x[Metric.PPS] = P * inv;
          x[Metric.BPS] = by[cb] * inv;
          if (fullRates) this.fillRates(slot, d, inv);
          for (let k = 0; k < K; k++) {
            const xm = x[averaged[k]];
            ema[eb + k] = xm + decay * (ema[eb + k] - xm);
          }
        }
        active = true;
      } else {
        for (let k = 0; k < K; k++) {
          const e = ema[eb + k] * decay;
          ema[eb + k] = e;
          if (e > QUIET_EPSILON) active = true;
        }
        if ((st & (STATE_HOT_IN << d)) === 0 && (st & (1 << d)) === 0 && b8[bb + d] === 0) {
          // No traffic, not attacked, nothing in the history, and below the watch fraction at the
          // last tick: the averages only decayed since, so no threshold can be reached. Skip.
          b8[bb + 2 + d] = 0;
          ema[rb + 2 * K + d * 2] = 0;
          ema[rb + 2 * K + d * 2 + 1] = 0;
          continue;
        }
        for (let m = 0; m < METRICS; m++) x[m] = 0; // (TypedArray#fill costs more than the loop for 13)
      }
      // Thresholds: only the metrics switched on for this group and direction.
      let dirHot = false;
      let over = 0;
      let best = -1;
      let bestRatio = 0;
      let zBest = -Infinity;
      let pulse = false;
      let F = -1;
      const mw = (g * 2 + d) * 3;
      const ePps = ema[eb + emaIndex[Metric.PPS]];
      const eBps = ema[eb + emaIndex[Metric.BPS]];
      const fi = emaIndex[Metric.FLOWS];
      const below =
        x[Metric.PPS] < minWatch[mw] &&
        ePps < minWatch[mw] &&
        x[Metric.BPS] < minWatch[mw + 1] &&
        eBps < minWatch[mw + 1] &&
        (fi < 0 || (x[Metric.FLOWS] < minWatch[mw + 2] && ema[eb + fi] < minWatch[mw + 2]));
      const eEnd = below ? 0 : enabled[g * 2 + d + 1];
      for (let i = enabled[g * 2 + d]; i < eEnd; i++) {
        const m = enabled[i];
        const xm = x[m];
        const e = ema[eb + emaIndex[m]];
        const w = wat[tb + m];
        if (xm < w && e < w) continue; // below the watch fraction, hence below the threshold too
        dirHot = true;
        const th = thr[tb + m];
        if (xm > th) {
          over = 1;
          const r = xm / th;
          if (r > bestRatio) {
            bestRatio = r;
            best = m;
          }
          // z-score of "the true rate is above the threshold": exact data (no sampling variance) is +Infinity.
          let zm = Infinity;
          if (F < 0) F = P > 0 ? t.variance[hi] / P : 0;
          if (F > 0 && m !== Metric.FLOWS) {
            const c = pk[cb + METRIC_CATEGORY[m]];
            if (c > 0) zm = (xm - th) / (xm * Math.sqrt(F / c));
          }
          if (zm > zBest) zBest = zm;
          if (e > th) pulse = true;
        }
      }
      if (dirHot) {
        hot = true;
        b8[bb + 4] |= STATE_HOT_IN << d;
      } else b8[bb + 4] &= ~(STATE_HOT_IN << d);
      const lb = rb + 2 * K + d * 2;
      ema[lb] = x[0];
      ema[lb + 1] = x[1];
      const h = ((b8[bb + d] << 1) | over) & 0xff;
      b8[bb + d] = h;
      // Evidence of the current run of seconds above a threshold, combined by Stouffer's method:
      // Σz / sqrt(n) is the z-score of the whole run, as if its samples had been pooled.
      let zs = 0;
      let run = 0;
      const zb = rb + 2 * K + 4 + d;
      if (over) {
        zs = ema[zb] + zBest;
        run = b8[bb + 2 + d] < 255 ? b8[bb + 2 + d] + 1 : 255;
      }
      ema[zb] = zs;
      b8[bb + 2 + d] = run;
      if (h !== 0) active = true;
      if ((st & (1 << d)) !== 0) {
        const tr = this.tracked.get(hi);
        if (!fullRates && traffic) this.fillRates(slot, d, inv);
        if (tr) this.update(tr, over === 1, eb);
        hot = true;
      } else if (over) {
        const trig = groups.triggerSeconds[g];
        if (!fullRates) this.fillRates(slot, d, inv);
        if (run >= trig && zs >= z * Math.sqrt(run)) this.queueStart(slot, d, g, best, 'consecutive', eb);
        else if (pulse && zBest >= z && popcount8(h) >= trig) this.queueStart(slot, d, g, best, 'average', eb);
      }
    }
    if (active || (b8[bb + 4] & (STATE_ATTACK_IN | STATE_ATTACK_OUT)) !== 0) b8[bb + 4] &= ~STATE_QUIET;
    else {
      // Idle and fully decayed: zero the averages and skip the host until it has traffic again.
      for (let i = 0; i < 2 * K; i++) ema[rb + i] = 0;
      b8[bb + 4] |= STATE_QUIET;
    }
    if (hot && !this.traffic.watch(slot)) this.stats.captureExhausted++;
  }

  hostRemoved(slot: number): void {
    for (let d = 0; d < 2; d++) {
      const tr = this.tracked.get(slot * 2 + d);
      if (tr) this.end(tr, 'host_removed');
    }
    this.rec.fill(0, slot * this.stride, (slot + 1) * this.stride);
    this.b8.fill(0, slot * 8, slot * 8 + 8);
  }

  /** Fills x with every metric's rate of the last second for (slot, d); counters must be current. */
  private fillRates(slot: number, d: number, inv: number): void {
    const t = this.traffic.table;
    const x = this.x;
    const cb = slot * HOST_VALUES + d * CATEGORIES;
    for (let c = 0; c < CATEGORIES; c++) {
      const mp = c === 0 ? 0 : 1 + 2 * c;
      x[mp] = t.packets[cb + c] * inv;
      x[mp + 1] = t.bytes[cb + c] * inv;
    }
    x[Metric.FLOWS] = t.flowEstimate(slot, d) * inv;
  }

  private groupOf(slot: number): number {
    const g1 = this.b8[slot * 8 + 6] | (this.b8[slot * 8 + 7] << 8);
    if (g1 !== 0) return g1 - 1;
    const v = this.traffic.table.addressBytes(slot, this.addr);
    const g = this.groups.groupOf(v, this.addr);
    this.b8[slot * 8 + 6] = (g + 1) & 255;
    this.b8[slot * 8 + 7] = (g + 1) >>> 8;
    return g;
  }

  private queueStart(slot: number, dir: number, group: number, best: number, rule: 'consecutive' | 'average', eb: number): void {
    if (this.store.activeCount + this.pendingStarts.length >= this.maxActive) {
      this.stats.attacksSuppressed++;
      return;
    }
    this.b8[slot * 8 + 4] |= dir === 0 ? STATE_ATTACK_IN : STATE_ATTACK_OUT;
    this.pendingStarts.push({ slot, dir, group, best, rule, current: Float64Array.from(this.x), average: Float64Array.from(this.rec.subarray(eb, eb + this.k)) });
  }

  private rates(v: ArrayLike<number>): AttackRates {
    const out = {} as AttackRates;
    for (let m = 0; m < METRICS; m++) out[METRIC_NAMES[m]] = toUnits(m, v[m]);
    return out;
  }

  /** Averages of the averaged metrics, from `k` values at `v`. */
  private averages(v: ArrayLike<number>): Partial<AttackRates> {
    const out: Partial<AttackRates> = {};
    for (let k = 0; k < this.k; k++) out[METRIC_NAMES[this.averaged[k]]] = toUnits(this.averaged[k], v[k]);
    return out;
  }

  private start(p: PendingStart, minTick: number): boolean {
    const { slot, dir, group } = p;
    const t = this.traffic.table;
    if (t.version[slot] === 0) {
      this.b8[slot * 8 + 4] &= ~(dir === 0 ? STATE_ATTACK_IN : STATE_ATTACK_OUT);
      return false;
    }
    const exceeded: ThresholdHit[] = [];
    for (let m = 0; m < METRICS; m++) {
      const th = this.groups.thresholds[(group * 2 + dir) * METRICS + m];
      if (p.current[m] > th) exceeded.push(hit(m, th, p.current[m]));
    }
    exceeded.sort((a, b) => b.ratio - a.ratio);
    const best = hit(p.best, this.groups.thresholds[(group * 2 + dir) * METRICS + p.best], p.current[p.best]);
    const version = t.addressBytes(slot, this.addr) as 4 | 6;
    const current = this.rates(p.current);
    const attack: Attack = {
      id: this.newId(),
      host: this.traffic.hostAddress(slot),
      ipVersion: version,
      group: this.groups.groups[group].name,
      direction: dir === 0 ? 'incoming' : 'outgoing',
      status: 'active',
      startedMs: this.nowMs,
      updatedMs: this.nowMs,
      endedMs: null,
      endReason: null,
      trigger: { ...best, rule: p.rule },
      exceeded,
      type: 'unknown',
      amplification: null,
      protocol: 'other',
      current,
      average: this.averages(p.average),
      peak: { pps: current.pps, mbps: current.mbps, flows: current.flows },
      allowListed: this.traffic.networks.isAllowListed(version, this.addr),
      fingerprint: null,
      updates: 0,
    };
    t.flags[slot] |= SLOT_PINNED;
    this.ensureRing(slot);
    const tr: Tracked = { attack, slot, dir, group, belowSinceMs: null, ending: false, fresh: true };
    this.tracked.set(slot * 2 + dir, tr);
    this.store.add(attack, slot, dir);
    this.refresh(tr, minTick);
    this.stats.attacksStarted++;
    this.emit('started', attack);
    return true;
  }

  private update(tr: Tracked, above: boolean, eb: number): void {
    const a = tr.attack;
    const x = this.x;
    for (let m = 0; m < METRICS; m++) a.current[METRIC_NAMES[m]] = toUnits(m, x[m]);
    for (let k = 0; k < this.k; k++) a.average[METRIC_NAMES[this.averaged[k]]] = toUnits(this.averaged[k], this.rec[eb + k]);
    if (a.current.pps > a.peak.pps) a.peak.pps = a.current.pps;
    if (a.current.mbps > a.peak.mbps) a.peak.mbps = a.current.mbps;
    if (a.current.flows > a.peak.flows) a.peak.flows = a.current.flows;
    a.updatedMs = this.nowMs;
    a.updates++;
    if (above) tr.belowSinceMs = null;
    else if (tr.belowSinceMs === null) tr.belowSinceMs = this.nowMs;
    if (tr.belowSinceMs !== null && this.nowMs - tr.belowSinceMs >= this.groups.endSeconds[tr.group] * 1000) tr.ending = true;
  }

  /** Recomputes fingerprint and classification from the capture ring and the attack's current rates. */
  private refresh(tr: Tracked, minTick: number): void {
    const a = tr.attack;
    const ring = this.traffic.ringOf(tr.slot);
    if (ring >= 0) {
      const fp = buildFingerprint(this.traffic.capture, ring, tr.dir, minTick, this.topN);
      if (fp) a.fingerprint = fp;
    }
    this.reclassify(a);
  }

  /** Classification from the attack's current rates and its (possibly older) fingerprint. */
  private reclassify(a: Attack): void {
    const c = a.current;
    const cls = classify(a.fingerprint, { total: c.pps, tcp: c.tcp_pps, syn: c.syn_pps, udp: c.udp_pps, icmp: c.icmp_pps, fragments: c.fragments_pps });
    a.type = cls.type;
    a.amplification = cls.amplification;
    a.protocol = cls.protocol;
  }

  private end(tr: Tracked, reason: 'below_threshold' | 'host_removed'): void {
    const a = tr.attack;
    a.status = 'ended';
    a.endedMs = this.nowMs;
    a.endReason = reason;
    this.tracked.delete(tr.slot * 2 + tr.dir);
    this.store.end(a);
    this.b8[tr.slot * 8 + 4] &= ~(tr.dir === 0 ? STATE_ATTACK_IN : STATE_ATTACK_OUT);
    if ((this.b8[tr.slot * 8 + 4] & (STATE_ATTACK_IN | STATE_ATTACK_OUT)) === 0) this.traffic.table.flags[tr.slot] &= ~SLOT_PINNED;
    this.stats.attacksEnded++;
    this.emit('ended', a);
  }

  private emit(event: 'started' | 'updated' | 'ended', a: Attack): void {
    try {
      if (event === 'started') this.sink.attackStarted(a);
      else if (event === 'updated') this.sink.attackUpdated(a);
      else this.sink.attackEnded(a);
    } catch (err) {
      this.stats.sinkErrors++;
      this.onSinkError?.(err, event, a);
    }
  }

  /** Gives an attacked host a capture ring, taking one from the least recently hot unattacked host if needed. */
  private ensureRing(slot: number): void {
    if (this.traffic.watch(slot)) return;
    const pool = this.traffic.capture;
    let victim = -1;
    let oldest = Infinity;
    for (let r = 0; r < pool.rings; r++) {
      const owner = pool.owner[r];
      if (owner < 0 || (this.b8[owner * 8 + 4] & (STATE_ATTACK_IN | STATE_ATTACK_OUT)) !== 0) continue;
      if (pool.lastHot[r] < oldest) {
        oldest = pool.lastHot[r];
        victim = owner;
      }
    }
    if (victim >= 0) {
      this.traffic.unwatch(victim);
      this.traffic.watch(slot);
    } else {
      this.stats.captureExhausted++;
    }
  }

  private releaseIdleRings(): void {
    const pool = this.traffic.capture;
    if (pool.inUse === 0) return;
    const now = this.traffic.tickNo;
    for (let r = 0; r < pool.rings; r++) {
      const owner = pool.owner[r];
      if (owner < 0 || (this.b8[owner * 8 + 4] & (STATE_ATTACK_IN | STATE_ATTACK_OUT)) !== 0) continue;
      if (now - pool.lastHot[r] > WATCH_LINGER_SECONDS) this.traffic.unwatch(owner);
    }
  }

  // ---- views (allocate; for the API, logs and tests) ----

  activeAttacks(): Attack[] {
    return this.store.listActive();
  }

  /** Ended attacks, oldest first, bounded by history_size. */
  attackHistory(): Attack[] {
    return this.store.listHistory();
  }

  getAttack(id: string): Attack | undefined {
    return this.store.get(id);
  }

  /** The active attack on a host (given as text) in a direction. */
  attackOn(host: string, direction: 'incoming' | 'outgoing'): Attack | undefined {
    const slot = this.traffic.findHost(host);
    if (slot < 0) return undefined;
    return this.store.onSlot(slot, direction === 'incoming' ? 0 : 1);
  }

  hostView(host: string): HostView | null {
    const slot = this.traffic.findHost(host);
    return slot < 0 ? null : this.viewOf(slot);
  }

  private viewOf(slot: number): HostView {
    const dirView = (d: number): HostDirectionView => {
      const eb = slot * this.stride + d * this.k;
      const lb = slot * this.stride + 2 * this.k + d * 2;
      return {
        current: { pps: this.rec[lb], mbps: this.rec[lb + 1] / BYTES_PER_MBIT },
        average: this.averages(this.rec.subarray(eb, eb + this.k)),
        attackId: this.store.onSlot(slot, d)?.id ?? null,
      };
    };
    return { host: this.traffic.hostAddress(slot), group: this.groups.groups[this.groupOf(slot)].name, incoming: dirView(0), outgoing: dirView(1) };
  }

  /** The `n` hosts with the highest average of `metric` in `direction` (an averaged metric; others give []). */
  topHosts(direction: 'incoming' | 'outgoing', metric: MetricName, n = 10): HostView[] {
    const m = METRIC_NAMES.indexOf(metric);
    const k = m < 0 ? -1 : this.emaIndex[m];
    if (k < 0 || n <= 0) return [];
    const d = direction === 'incoming' ? 0 : 1;
    const t = this.traffic.table;
    const best: Array<[number, number]> = [];
    for (let slot = 0; slot < t.highWater; slot++) {
      if (t.version[slot] === 0) continue;
      const v = this.rec[slot * this.stride + d * this.k + k];
      if (v <= 0) continue;
      if (best.length < n) {
        best.push([v, slot]);
        best.sort((a, b) => b[0] - a[0]);
      } else if (v > best[n - 1][0]) {
        best[n - 1] = [v, slot];
        best.sort((a, b) => b[0] - a[0]);
      }
    }
    return best.map(([, slot]) => this.viewOf(slot));
  }
}

/** Metric numbers to average: pps, mbps and every metric with a threshold in some group and direction, ascending. */
function averagedMetrics(groups: GroupTable): Uint8Array {
  const averaged: number[] = [Metric.PPS, Metric.BPS];
  for (let m = 0; m < METRICS; m++) {
    if (averaged.includes(m)) continue;
    for (let k = 0; k < groups.size * 2; k++) {
      if (groups.thresholds[k * METRICS + m] !== Infinity) {
        averaged.push(m);
        break;
      }
    }
  }
  averaged.sort((a, b) => a - b);
  return Uint8Array.from(averaged);
}

/** Floats per slot in the detector's record for k averaged metrics (even, for alignment). */
function strideFor(k: number): number {
  return (2 * k + 6 + 1) & ~1;
}

function hit(m: number, internalThreshold: number, internalValue: number): ThresholdHit {
  return {
    metric: METRIC_NAMES[m],
    threshold: toUnits(m, internalThreshold),
    value: toUnits(m, internalValue),
    ratio: Math.round((internalValue / internalThreshold) * 1000) / 1000,
  };
}
