/**
 * What the metrics read, and how the daemon's components provide it. `MetricsSources` is a set of
 * read-only functions returning plain data; they are called only when Prometheus scrapes, never
 * on the datagram path. `metricsSourcesOf` builds them from anything shaped like the daemon (its
 * component fields, typed structurally), so the composition root wires metrics in one line and
 * the unit tests can hand in small fakes.
 */
import type { ListenerStatus } from '../flow/listener.js';
import type { RecorderStats } from '../flow/recorder.js';
import type { InterfaceCaptureStatus } from '../capture-live/index.js';
import type { TemplateCacheStats } from '../flow/templates/template-cache.js';
import type { TrafficStats, RateSet } from '../traffic/traffic-counter.js';
import type { DirectionName } from '../traffic/layout.js';
import type { DetectorStats } from '../detection/detector.js';
import type { Attack } from '../detection/attack.js';
import type { MitigationStats } from '../mitigation/manager.js';
import type { SpeakerStatus } from '../bgp/speaker-set.js';
import type { Route } from '../bgp/route.js';
import type { SessionState } from '../bgp/speaker.js';
import type { ScriptRunnerStats } from '../notify/script-runner.js';
import type { WebhookStats } from '../notify/webhook.js';
import { ANY_SAMPLER } from '../flow/exporter.js';
import { readUdpRcvbufErrors } from '../flow/socket-drops.js';

/** One exporter (router): its address is the only address that is ever a label value. */
export interface ExporterMetrics {
  address: string;
  /** Datagrams by wire protocol (sflow, netflow_v5, netflow_v9, ipfix, unknown). */
  datagramsByProtocol: Iterable<readonly [string, number]>;
  bytes: number;
  samples: number;
  counterSamples: number;
  /** Decode errors by code (DECODE_ERROR_CODES). */
  errors: Iterable<readonly [string, number]>;
  sequenceGaps: number;
  sequenceLost: number;
  sequenceResets: number;
  /** Wall-clock ms of the last datagram; 0 when none yet. */
  lastSeenMs: number;
  /** NetFlow v9 / IPFIX templates held for this exporter. */
  templates: number;
  sampling: { origin: 'override' | 'learned' | 'default'; rate: number };
}

export interface IngestMetrics {
  datagramsByProtocol: Iterable<readonly [string, number]>;
  bytes: number;
  samples: number;
  /** [wire protocol, decode error code, count]. */
  errors: Iterable<readonly [string, string, number]>;
  internalErrors: number;
  /** Datagrams dropped: sender outside collectors.allow_exporters. */
  notAllowed: number;
  /** Datagrams dropped: the exporter registry was full (collectors.max_exporters). */
  tooManyExporters: number;
}

export interface TemplateMetrics {
  /** Templates held, all exporters. */
  held: number;
  events: TemplateCacheStats;
}

export type RateSets = Record<DirectionName, RateSet>;

export interface TrafficMetrics {
  /** Rates of the last closed second per direction and category (bits and packets per second). */
  rates: RateSets;
  counters: TrafficStats;
  hosts: number;
  hostCapacity: number;
}

export interface DetectionMetrics {
  stats: DetectorStats;
  activeAttacks: Iterable<Pick<Attack, 'type' | 'direction'>>;
}

export type RouteKind = Route['kind'];

export interface SpeakerMetrics {
  name: string;
  up: boolean;
  sessionState: SessionState;
  peers: ReadonlyArray<{ state: 'up' | 'down' | 'unknown' }>;
  /** Routes the speaker's reconciler is told to hold. */
  desired: number;
  /**
   * The same routes by route kind, or null when unknown (the breakdown comes from the mitigation
   * layer's desired set, which is given to every speaker; null when the counts disagree).
   */
  desiredByKind: Record<RouteKind, number> | null;
  inSync: boolean;
  passes: number;
  consecutiveFailures: number;
  lastSuccessMs: number | null;
  /** Routes the speaker refused in its last reconcile pass. */
  rejected: number;
}

export interface NotifyMetrics {
  scripts: ScriptRunnerStats;
  /** In notify.webhooks order: the label is the index (URLs may carry secrets). */
  webhooks: ReadonlyArray<Pick<WebhookStats, 'delivered' | 'failed' | 'retries' | 'dropped' | 'queued'>>;
}

/** Read-only views the metrics take at scrape time. Each is called at most once per scrape. */
export interface MetricsSources {
  exporters(): Iterable<ExporterMetrics>;
  listeners(): Iterable<ListenerStatus>;
  ingest(): IngestMetrics;
  templates(): TemplateMetrics;
  traffic(): TrafficMetrics;
  detection(): DetectionMetrics;
  mitigation(): MitigationStats;
  speakers(): Iterable<SpeakerMetrics>;
  notify(): NotifyMetrics;
  /** Host-wide UDP receive buffer errors (/proc/net/snmp), null when unknown. Optional. */
  udpReceiveBufferErrors?(): number | null;
  /** The telemetry recorder (collectors.record); null when recording is off. Optional. */
  recorder?(): RecorderStats | null;
  /** Live packet captures (collectors.packet_capture). Optional. */
  packetCaptures?(): readonly InterfaceCaptureStatus[];
}

// ---- what metricsSourcesOf needs from the daemon (structural: the Daemon class fits as is) ----

interface ExporterLike {
  readonly address: string;
  readonly stats: {
    readonly datagrams: number;
    readonly bytes: number;
    readonly samples: number;
    readonly counterSamples: number;
    readonly errors: ReadonlyMap<string, number>;
    readonly sequenceGaps: number;
    readonly sequenceLost: number;
    readonly sequenceResets: number;
    readonly lastSeenMs: number;
    readonly byProtocol: ReadonlyMap<string, number>;
  };
  readonly learnedSampling: ReadonlyMap<number, number>;
  readonly samplingOverride: number;
  readonly samplingDefault: number;
}

export interface MetricsComponents {
  registry: { all(): readonly ExporterLike[]; readonly notAllowed: number; readonly overflow: number };
  decoders: { templates: { countFor(exporter: string): number; readonly size: number; readonly stats: TemplateCacheStats } };
  listener: { status(): ListenerStatus[] };
  ingest: {
    readonly totals: {
      readonly datagramsByProtocol: ReadonlyMap<string, number>;
      readonly bytes: number;
      readonly samples: number;
      readonly errors: ReadonlyMap<string, number>;
      readonly internalErrors: number;
    };
  };
  traffic: { totals(): RateSets; readonly stats: TrafficStats; readonly table: { readonly count: number; readonly capacity: number } };
  detector: { readonly stats: DetectorStats; activeAttacks(): ReadonlyArray<Pick<Attack, 'type' | 'direction'>> };
  mitigation: { stats(): MitigationStats; desiredRoutes(): ReadonlyArray<Pick<Route, 'kind'>> };
  speakers: { status(): SpeakerStatus[] };
  notifier: { stats(): { scripts: ScriptRunnerStats; webhooks: WebhookStats[] } };
  recorder?: { readonly stats: RecorderStats } | null;
  packetCapture?: { status(): InterfaceCaptureStatus[] } | null;
}

/** The exporter-wide sampling rate and where it comes from (per-sampler rates: the largest). */
export function exporterSampling(e: Pick<ExporterLike, 'learnedSampling' | 'samplingOverride' | 'samplingDefault'>): ExporterMetrics['sampling'] {
  if (e.samplingOverride > 0) return { origin: 'override', rate: e.samplingOverride };
  if (e.learnedSampling.size > 0) {
    const wide = e.learnedSampling.get(ANY_SAMPLER);
    if (wide !== undefined) return { origin: 'learned', rate: wide };
    let max = 0;
    for (const r of e.learnedSampling.values()) if (r > max) max = r;
    return { origin: 'learned', rate: max };
  }
  return { origin: 'default', rate: e.samplingDefault };
}

/**
 * The sources of a daemon. Fields are read when a scrape happens, not now, so this may be called
 * anywhere in the daemon's constructor.
 */
export function metricsSourcesOf(d: MetricsComponents): MetricsSources {
  return {
    *exporters() {
      const templates = d.decoders.templates;
      for (const e of d.registry.all()) {
        const s = e.stats;
        yield {
          address: e.address,
          datagramsByProtocol: s.byProtocol,
          bytes: s.bytes,
          samples: s.samples,
          counterSamples: s.counterSamples,
          errors: s.errors,
          sequenceGaps: s.sequenceGaps,
          sequenceLost: s.sequenceLost,
          sequenceResets: s.sequenceResets,
          lastSeenMs: s.lastSeenMs,
          templates: templates.countFor(e.address),
          sampling: exporterSampling(e),
        };
      }
    },
    listeners: () => d.listener.status(),
    ingest() {
      const t = d.ingest.totals;
      const errors: Array<[string, string, number]> = [];
      for (const [key, n] of t.errors) {
        const bar = key.indexOf('|');
        errors.push(bar < 0 ? ['unknown', key, n] : [key.slice(0, bar), key.slice(bar + 1), n]);
      }
      return {
        datagramsByProtocol: t.datagramsByProtocol,
        bytes: t.bytes,
        samples: t.samples,
        errors,
        internalErrors: t.internalErrors,
        notAllowed: d.registry.notAllowed,
        tooManyExporters: d.registry.overflow,
      };
    },
    templates: () => ({ held: d.decoders.templates.size, events: d.decoders.templates.stats }),
    traffic: () => ({ rates: d.traffic.totals(), counters: d.traffic.stats, hosts: d.traffic.table.count, hostCapacity: d.traffic.table.capacity }),
    detection: () => ({ stats: d.detector.stats, activeAttacks: d.detector.activeAttacks() }),
    mitigation: () => d.mitigation.stats(),
    speakers() {
      const status = d.speakers.status();
      if (status.length === 0) return [];
      // Every speaker is given the mitigation layer's desired set (SpeakerSet.setDesired), so its
      // breakdown by route kind is the speakers' too — when the counts agree.
      const byKind: Record<RouteKind, number> = { unicast: 0, flowspec: 0 };
      for (const r of d.mitigation.desiredRoutes()) byKind[r.kind]++;
      const total = byKind.unicast + byKind.flowspec;
      return status.map((s) => ({
        name: s.name,
        up: s.health.up,
        sessionState: s.health.sessionState,
        peers: s.health.peers,
        desired: s.reconcile.desired,
        desiredByKind: s.reconcile.desired === total ? { ...byKind } : null,
        inSync: s.reconcile.inSync,
        passes: s.reconcile.passes,
        consecutiveFailures: s.reconcile.consecutiveFailures,
        lastSuccessMs: s.reconcile.lastSuccessMs,
        rejected: s.reconcile.lastResult ? Object.keys(s.reconcile.lastResult.rejected).length : 0,
      }));
    },
    notify() {
      const n = d.notifier.stats();
      return { scripts: n.scripts, webhooks: n.webhooks };
    },
    udpReceiveBufferErrors: readUdpRcvbufErrors,
    recorder: () => d.recorder?.stats ?? null,
    packetCaptures: () => d.packetCapture?.status() ?? [],
  };
}
