/**
 * Host groups compiled for the detector: group membership by longest-prefix match (the most
 * specific group prefix containing the host wins, whether or not that prefix is also a line of
 * the networks list), and each group's effective settings: whatever the group does not set is
 * inherited from the global defaults. FastNetMon starts groups from all-off and matches group
 * prefixes exactly against networks_list lines, the root of many "hostgroup not working" reports
 * (its issues #503, #698, #716); neither happens here.
 *
 * Thresholds are flattened into one Float64Array in the detector's internal units (packets/s,
 * bytes/s, flows/s) with +Infinity for "off", so the per-host check is a plain comparison.
 */
import { parsePrefix, type Prefix } from '../net/ip.js';
import { PrefixSet } from '../net/prefix-set.js';
import { BYTES_PER_MBIT, METRIC_IS_BYTES, METRIC_NAMES, METRICS, type MetricName } from '../traffic/layout.js';
import type { DetectionConfig, DirectionThresholds, PartialDirectionThresholds } from './config.js';

export const GLOBAL_GROUP = 'global';

export interface EffectiveGroup {
  name: string;
  description: string | null;
  prefixes: string[];
  incoming: DirectionThresholds;
  outgoing: DirectionThresholds;
  triggerSeconds: number;
  endSeconds: number;
}

export class GroupTable {
  /** Index 0 is the global defaults ("global"); groups follow in config order. */
  readonly groups: EffectiveGroup[] = [];
  readonly prefixes = new PrefixSet();
  /** group * 26 + direction * 13 + metric: threshold in internal units, +Infinity when off. */
  readonly thresholds: Float64Array;
  /** The same multiplied by the watch fraction. */
  readonly watch: Float64Array;
  readonly triggerSeconds: Uint8Array;
  readonly endSeconds: Float64Array;
  /**
   * Metrics switched on, per group and direction: entries [k] and [k + 1] (k = group * 2 +
   * direction) delimit the metric numbers of that pair in the same array, after the index.
   */
  readonly enabledMetrics: Uint16Array;
  /**
   * Per group and direction ((g * 2 + d) * 3): the lowest watch threshold among the packet-rate
   * metrics, among the byte-rate metrics, and the flows watch threshold. Every per-protocol rate
   * is at most the total rate (and so is its average), so a host whose total pps, bytes/s and
   * flows are below these is below every threshold and watch fraction.
   */
  readonly minWatch: Float64Array;

  constructor(cfg: Pick<DetectionConfig, 'thresholds' | 'groups' | 'trigger_seconds' | 'end_seconds' | 'watch_fraction'>) {
    const global: EffectiveGroup = {
      name: GLOBAL_GROUP,
      description: null,
      prefixes: [],
      incoming: { ...cfg.thresholds.incoming },
      outgoing: { ...cfg.thresholds.outgoing },
      triggerSeconds: cfg.trigger_seconds,
      endSeconds: cfg.end_seconds,
    };
    this.groups.push(global);
    for (const [name, g] of Object.entries(cfg.groups)) {
      const index = this.groups.length;
      this.groups.push({
        name,
        description: g.description ?? null,
        prefixes: [...g.prefixes],
        incoming: inherit(global.incoming, g.thresholds?.incoming),
        outgoing: inherit(global.outgoing, g.thresholds?.outgoing),
        triggerSeconds: g.trigger_seconds ?? global.triggerSeconds,
        endSeconds: g.end_seconds ?? global.endSeconds,
      });
      for (const text of g.prefixes) {
        const p = parsePrefix(text) as Prefix;
        if ('error' in p) throw new Error(`groups.${name}: ${(p as { error: string }).error}`);
        this.prefixes.add(p, index);
      }
    }
    const n = this.groups.length;
    this.thresholds = new Float64Array(n * 2 * METRICS);
    this.watch = new Float64Array(n * 2 * METRICS);
    this.triggerSeconds = new Uint8Array(n);
    this.endSeconds = new Float64Array(n);
    this.groups.forEach((g, gi) => {
      [g.incoming, g.outgoing].forEach((t, d) => {
        for (let m = 0; m < METRICS; m++) {
          const v = t[METRIC_NAMES[m]];
          const internal = !t.enabled || v === false ? Infinity : METRIC_IS_BYTES[m] ? v * BYTES_PER_MBIT : v;
          this.thresholds[(gi * 2 + d) * METRICS + m] = internal;
          this.watch[(gi * 2 + d) * METRICS + m] = internal * cfg.watch_fraction;
        }
      });
      this.triggerSeconds[gi] = g.triggerSeconds;
      this.endSeconds[gi] = g.endSeconds;
    });
    const lists: number[][] = [];
    for (let k = 0; k < n * 2; k++) {
      const list: number[] = [];
      for (let m = 0; m < METRICS; m++) if (this.thresholds[k * METRICS + m] !== Infinity) list.push(m);
      lists.push(list);
    }
    const index = n * 2 + 1;
    this.enabledMetrics = new Uint16Array(index + lists.reduce((a, l) => a + l.length, 0));
    let at = index;
    lists.forEach((list, k) => {
      this.enabledMetrics[k] = at;
      for (const m of list) this.enabledMetrics[at++] = m;
    });
    this.enabledMetrics[n * 2] = at;
    this.minWatch = new Float64Array(n * 2 * 3).fill(Infinity);
    for (let k = 0; k < n * 2; k++) {
      for (let m = 0; m < METRICS; m++) {
        const w = this.watch[k * METRICS + m];
        const slot = m === 2 ? 2 : METRIC_IS_BYTES[m] ? 1 : 0;
        if (w < this.minWatch[k * 3 + slot]) this.minWatch[k * 3 + slot] = w;
      }
    }
  }

  get size(): number {
    return this.groups.length;
  }

  /** Group index of an address (0 = global). */
  groupOf(version: number, bytes: Uint8Array): number {
    const g = this.prefixes.lookup(version, bytes);
    return g < 0 ? 0 : g;
  }

  /** Threshold in config units (pps, Mbit/s, flows), or null when off. */
  threshold(group: number, direction: number, metric: number): number | null {
    const v = this.thresholds[(group * 2 + direction) * METRICS + metric];
    if (v === Infinity) return null;
    return METRIC_IS_BYTES[metric] ? v / BYTES_PER_MBIT : v;
  }

  byName(name: string): EffectiveGroup | undefined {
    return this.groups.find((g) => g.name === name);
  }
}

function inherit(base: DirectionThresholds, over: PartialDirectionThresholds | undefined): DirectionThresholds {
  const out = { ...base };
  if (!over) return out;
  if (over.enabled !== undefined) out.enabled = over.enabled;
  for (const m of METRIC_NAMES as readonly MetricName[]) {
    const v = over[m];
    if (v !== undefined) out[m] = v;
  }
  return out;
}
