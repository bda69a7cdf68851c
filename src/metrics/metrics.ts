/**
 * The Prometheus registry of one daemon. Every breakwater_ family except the tick histogram is
 * filled by a prom-client `collect()` callback when a scrape renders it: the components keep
 * their own plain counters (as they do for logs and the API), and nothing here runs on the
 * datagram path. Counters that the components keep as absolute numbers are copied into
 * prom-client Counters (reset, then inc by the absolute value), so the exposition says
 * `# TYPE … counter` and `rate()` works; they restart from zero with the process, as Prometheus
 * expects of counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CATEGORY_NAMES, DIRECTION_NAMES } from '../traffic/layout.js';
import type { InterfaceCaptureStatus } from '../capture-live/index.js';
import type { RecorderStats } from '../flow/recorder.js';
import type { AttackType } from '../detection/attack.js';
import { REFUSAL_REASONS } from '../mitigation/safety.js';
import type { MitigationKind } from '../mitigation/store.js';
import type { TrafficStats } from '../traffic/traffic-counter.js';
import type { TemplateCacheStats } from '../flow/templates/template-cache.js';
import type { DetectorStats } from '../detection/detector.js';
import type { DetectionMetrics, ExporterMetrics, IngestMetrics, MetricsSources, NotifyMetrics, SpeakerMetrics, TemplateMetrics, TrafficMetrics } from './sources.js';
import type { ListenerStatus } from '../flow/listener.js';
import type { MitigationStats } from '../mitigation/manager.js';

export const METRIC_PREFIX = 'breakwater_';

/** Detection tick duration buckets (seconds): a tick should take milliseconds; > 0.5 s is logged. */
export const TICK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

// Closed label value lists, so every series exists from the first scrape (alerts and rate() need
// a zero before the first event). A Record keyed by the union makes the compiler insist on
// every member.
const ATTACK_TYPES = Object.keys({
  syn_flood: 0,
  tcp_synack_flood: 0,
  tcp_ack_flood: 0,
  tcp_rst_flood: 0,
  udp_flood: 0,
  icmp_flood: 0,
  ip_fragmentation_flood: 0,
  amplification: 0,
  unknown: 0,
} satisfies Record<AttackType, 0>) as AttackType[];
const MITIGATION_KINDS = Object.keys({ blackhole: 0, flowspec: 0, escalation: 0 } satisfies Record<MitigationKind, 0>) as MitigationKind[];
const SESSION_STATES = ['unknown', 'down', 'partial', 'established'] as const;
const PEER_STATES = ['up', 'down', 'unknown'] as const;

type Labels = Record<string, string | number>;
type Emit = (labels: Labels, value: number) => void;

/** Sources read in one scrape, each at most once; a source that throws is counted and skipped. */
class Scrape {
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly sources: MetricsSources,
    private readonly onError: (source: string) => void,
  ) {}

  private read<T>(name: string, fn: () => T): T | null {
    if (this.cache.has(name)) return this.cache.get(name) as T | null;
    let v: T | null = null;
    try {
      v = fn();
    } catch {
      this.onError(name);
    }
    this.cache.set(name, v);
    return v;
  }

  exporters(): ExporterMetrics[] | null {
    return this.read('exporters', () => [...this.sources.exporters()]);
  }
  listeners(): ListenerStatus[] | null {
    return this.read('listeners', () => [...this.sources.listeners()]);
  }
  ingest(): IngestMetrics | null {
    return this.read('ingest', () => this.sources.ingest());
  }
  templates(): TemplateMetrics | null {
    return this.read('templates', () => this.sources.templates());
  }
  traffic(): TrafficMetrics | null {
    return this.read('traffic', () => this.sources.traffic());
  }
  detection(): DetectionMetrics | null {
    return this.read('detection', () => this.sources.detection());
  }
  mitigation(): MitigationStats | null {
    return this.read('mitigation', () => this.sources.mitigation());
  }
  speakers(): SpeakerMetrics[] | null {
    return this.read('speakers', () => [...this.sources.speakers()]);
  }
  notify(): NotifyMetrics | null {
    return this.read('notify', () => this.sources.notify());
  }
  recorder(): RecorderStats | null {
    return this.read('recorder', () => this.sources.recorder?.() ?? null);
  }
  packetCaptures(): readonly InterfaceCaptureStatus[] | null {
    return this.read('packet_capture', () => this.sources.packetCaptures?.() ?? []);
  }
  udpReceiveBufferErrors(): number | null {
    const fn = this.sources.udpReceiveBufferErrors;
    if (!fn) return null;
    return this.read('udp_receive_buffer_errors', () => fn.call(this.sources));
  }
}

type Fill = (s: Scrape, emit: Emit) => void;

export class Metrics {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly tick: Histogram;
  private readonly sourceErrors: Counter<'source'>;
  private scrape: Scrape | null = null;

  constructor(private readonly sources: MetricsSources) {
    this.contentType = this.registry.contentType;
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.tick = new Histogram({
      name: 'breakwater_tick_duration_seconds',
      help: 'Duration of one detection tick (rates, thresholds, attack events, mitigation timers).',
      buckets: TICK_BUCKETS,
      registers: [this.registry],
    });
    this.defineFlow();
    this.defineTraffic();
    this.defineDetection();
    this.defineMitigation();
    this.defineSpeakers();
    this.defineNotify();
    this.defineRecorder();
    this.definePacketCapture();
    // Registered last: families render in registration order, so this one is read after every
    // collect() of the same scrape has run and already counts that scrape's failures.
    this.sourceErrors = new Counter({
      name: 'breakwater_metrics_source_errors_total',
      help: 'Scrapes in which reading a component failed (its families were left empty), by source.',
      labelNames: ['source'],
      registers: [this.registry],
    });
  }

  /** Called by the daemon after each detection tick. */
  observeTick(seconds: number): void {
    if (seconds >= 0 && Number.isFinite(seconds)) this.tick.observe(seconds);
  }

  /** The text exposition (format 0.0.4) of every family. */
  render(): Promise<string> {
    // prom-client calls every collect() synchronously inside metrics(), before its first await:
    // the scrape installed here is what they all read, so each source is read once per scrape.
    this.scrape = new Scrape(this.sources, (s) => this.sourceErrors.inc({ source: s }));
    try {
      return this.registry.metrics();
    } finally {
      this.scrape = null;
    }
  }

  private current(): Scrape {
    return this.scrape ?? new Scrape(this.sources, (s) => this.sourceErrors.inc({ source: s }));
  }

  // ---------------------------------------------------------------- definition helpers

  private counter(name: string, help: string, labelNames: string[], fill: Fill): void {
    const current = () => this.current();
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        let emitted = false;
        fill(current(), (labels, value) => {
          // Components' counters only grow; a negative or non-finite value would be a bug upstream
          // and must not make the whole scrape fail.
          if (!Number.isFinite(value)) return;
          const v = value < 0 ? 0 : value;
          if (labelNames.length === 0) this.inc(v);
          else this.inc(labels, v);
          emitted = true;
        });
        // reset() leaves a 0 in an unlabelled family; when the source could not be read the series
        // must be absent instead, or Prometheus would see a counter reset.
        if (!emitted && labelNames.length === 0) this.remove();
      },
    });
  }

  private gauge(name: string, help: string, labelNames: string[], fill: Fill): void {
    const current = () => this.current();
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        let emitted = false;
        fill(current(), (labels, value) => {
          if (!Number.isFinite(value)) return;
          if (labelNames.length === 0) this.set(value);
          else this.set(labels, value);
          emitted = true;
        });
        if (!emitted && labelNames.length === 0) this.remove();
      },
    });
  }

  // ---------------------------------------------------------------- flow telemetry

  private defineFlow(): void {
    const ex = (fn: (e: ExporterMetrics, emit: Emit) => void): Fill => (s, emit) => {
      for (const e of s.exporters() ?? []) fn(e, emit);
    };
    this.gauge('breakwater_exporters', 'Exporters (routers) known: they sent at least one datagram that was accepted.', [], (s, emit) => {
      const e = s.exporters();
      if (e) emit({}, e.length);
    });
    this.counter('breakwater_exporter_datagrams_total', 'Datagrams received from an exporter, by wire protocol.', ['exporter', 'protocol'], ex((e, emit) => {
      for (const [protocol, n] of e.datagramsByProtocol) emit({ exporter: e.address, protocol }, n);
    }));
    this.counter('breakwater_exporter_bytes_total', 'UDP payload bytes received from an exporter.', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.bytes)));
    this.counter('breakwater_exporter_samples_total', 'Flow samples/records decoded from an exporter.', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.samples)));
    this.counter('breakwater_exporter_sflow_polling_samples_total', 'sFlow counter (polling) samples received from an exporter: interface statistics, not traffic.', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.counterSamples)));
    this.counter('breakwater_exporter_decode_errors_total', 'Datagrams or records of an exporter that could not be used, by decode error code.', ['exporter', 'code'], ex((e, emit) => {
      for (const [code, n] of e.errors) emit({ exporter: e.address, code }, n);
    }));
    this.counter('breakwater_exporter_sequence_gaps_total', 'Forward jumps of an exporter\'s sequence numbers (something was lost on the way).', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.sequenceGaps)));
    this.counter('breakwater_exporter_sequence_lost_total', 'Units lost in those jumps: datagrams (sFlow, NetFlow v9), flows (NetFlow v5) or records (IPFIX).', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.sequenceLost)));
    this.counter('breakwater_exporter_sequence_resets_total', 'Backward jumps of an exporter\'s sequence numbers (restart or reordering).', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.sequenceResets)));
    this.gauge('breakwater_exporter_templates', 'NetFlow v9 / IPFIX templates held for an exporter.', ['exporter'], ex((e, emit) => emit({ exporter: e.address }, e.templates)));
    this.gauge('breakwater_exporter_sampling_rate', 'Exporter-wide 1-in-N sampling rate applied, and where it comes from (override, learned, default).', ['exporter', 'origin'], ex((e, emit) => emit({ exporter: e.address, origin: e.sampling.origin }, e.sampling.rate)));
    this.gauge('breakwater_exporter_last_seen_timestamp_seconds', 'Unix time of the last datagram from an exporter.', ['exporter'], ex((e, emit) => {
      if (e.lastSeenMs > 0) emit({ exporter: e.address }, e.lastSeenMs / 1000);
    }));

    const ls = (fn: (l: ListenerStatus, labels: Labels, emit: Emit) => void): Fill => (s, emit) => {
      for (const l of s.listeners() ?? []) fn(l, { protocol: l.protocol, address: l.address, port: l.port }, emit);
    };
    const listenerLabels = ['protocol', 'address', 'port'];
    this.counter('breakwater_listener_datagrams_total', 'Datagrams received on a listening socket.', listenerLabels, ls((l, k, emit) => emit(k, l.datagrams)));
    this.counter('breakwater_listener_kernel_drops_total', 'Datagrams the kernel dropped for a listening socket since it was opened (receive buffer full). Absent where /proc/net/udp is unreadable.', listenerLabels, ls((l, k, emit) => {
      if (l.kernelDrops !== null) emit(k, Math.max(0, l.kernelDrops));
    }));
    this.gauge('breakwater_listener_receive_buffer_bytes', 'Receive buffer the kernel granted to a listening socket (usable size).', listenerLabels, ls((l, k, emit) => emit(k, l.actualReceiveBuffer)));
    this.gauge('breakwater_listener_receive_buffer_requested_bytes', 'Receive buffer requested for a listening socket (collectors.receive_buffer).', listenerLabels, ls((l, k, emit) => emit(k, l.requestedReceiveBuffer)));
    this.counter('breakwater_host_udp_receive_buffer_errors_total', 'UDP datagrams dropped host-wide because a socket buffer was full (Udp RcvbufErrors in /proc/net/snmp, every process of the network namespace).', [], (s, emit) => {
      const v = s.udpReceiveBufferErrors();
      if (v !== null) emit({}, v);
    });

    this.counter('breakwater_ingest_datagrams_total', 'Datagrams accepted for decoding (all exporters), by wire protocol.', ['protocol'], (s, emit) => {
      for (const [protocol, n] of s.ingest()?.datagramsByProtocol ?? []) emit({ protocol }, n);
    });
    this.counter('breakwater_ingest_bytes_total', 'UDP payload bytes accepted for decoding (all exporters).', [], (s, emit) => {
      const i = s.ingest();
      if (i) emit({}, i.bytes);
    });
    this.counter('breakwater_ingest_samples_total', 'Flow samples/records decoded (all exporters).', [], (s, emit) => {
      const i = s.ingest();
      if (i) emit({}, i.samples);
    });
    this.counter('breakwater_ingest_decode_errors_total', 'Datagrams or records that could not be used (all exporters), by wire protocol and decode error code.', ['protocol', 'code'], (s, emit) => {
      for (const [protocol, code, n] of s.ingest()?.errors ?? []) emit({ protocol, code }, n);
    });
    this.counter('breakwater_ingest_internal_errors_total', 'Datagrams on which a decoder threw something other than a decode error (a bug; should stay 0).', [], (s, emit) => {
      const i = s.ingest();
      if (i) emit({}, i.internalErrors);
    });
    this.counter('breakwater_ingest_datagrams_refused_total', 'Datagrams dropped before decoding: not_allowed (sender outside collectors.allow_exporters), too_many_exporters (collectors.max_exporters reached).', ['reason'], (s, emit) => {
      const i = s.ingest();
      if (!i) return;
      emit({ reason: 'not_allowed' }, i.notAllowed);
      emit({ reason: 'too_many_exporters' }, i.tooManyExporters);
    });

    this.gauge('breakwater_templates', 'NetFlow v9 / IPFIX templates held (all exporters).', [], (s, emit) => {
      const t = s.templates();
      if (t) emit({}, t.held);
    });
    const templateEvents: Array<[keyof TemplateCacheStats, string]> = [
      ['added', 'added'],
      ['refreshed', 'refreshed'],
      ['updates', 'updated'],
      ['withdrawals', 'withdrawn'],
      ['expiries', 'expired'],
      ['evictions', 'evicted'],
      ['refused', 'refused'],
    ];
    this.counter('breakwater_template_events_total', 'Template cache events: added, refreshed (same definition again), updated (redefined), withdrawn (IPFIX), expired, evicted (cache full), refused (per-exporter limit).', ['event'], (s, emit) => {
      const t = s.templates();
      if (t) for (const [field, event] of templateEvents) emit({ event }, t.events[field]);
    });
  }

  // ---------------------------------------------------------------- traffic

  private defineTraffic(): void {
    const rates = (pick: 'bps' | 'pps'): Fill => (s, emit) => {
      const t = s.traffic();
      if (!t) return;
      for (const direction of DIRECTION_NAMES) {
        const set = t.rates[direction];
        for (const protocol of CATEGORY_NAMES) emit({ direction, protocol }, set[protocol][pick]);
      }
    };
    this.gauge('breakwater_traffic_bits_per_second', 'Traffic of the last closed second (× sampling rate), by direction and protocol category. Categories overlap: total is everything, syn is part of tcp, fragments cut across the others.', ['direction', 'protocol'], rates('bps'));
    this.gauge('breakwater_traffic_packets_per_second', 'Packets per second of the last closed second (× sampling rate), by direction and protocol category (categories overlap, see bits_per_second).', ['direction', 'protocol'], rates('pps'));
    this.gauge('breakwater_traffic_hosts', 'Hosts of the monitored networks in the host table (seen within traffic.host_table.idle_seconds, or pinned).', [], (s, emit) => {
      const t = s.traffic();
      if (t) emit({}, t.hosts);
    });
    this.gauge('breakwater_traffic_hosts_capacity', 'Capacity of the host table (traffic.host_table.max_hosts).', [], (s, emit) => {
      const t = s.traffic();
      if (t) emit({}, t.hostCapacity);
    });
    const counters: Array<[keyof TrafficStats, string, string]> = [
      ['samples', 'breakwater_traffic_samples_total', 'Samples handed to traffic accounting.'],
      ['ignored', 'breakwater_traffic_samples_ignored_total', 'Samples without IP addresses or with impossible packet/byte counts.'],
      ['allowListedRemote', 'breakwater_traffic_allow_listed_remote_total', 'Host credits skipped because the remote end is allow-listed (totals still counted).'],
      ['hostRejected', 'breakwater_traffic_host_rejected_total', 'Host credits lost because the host table was full of pinned hosts.'],
      ['hostsPurged', 'breakwater_traffic_hosts_purged_total', 'Hosts removed from the table after being idle.'],
      ['hostsEvicted', 'breakwater_traffic_hosts_evicted_total', 'Hosts evicted because the host table was full.'],
      ['spreadRecords', 'breakwater_traffic_spread_records_total', 'NetFlow/IPFIX records spread over more than one second.'],
      ['spreadOverflow', 'breakwater_traffic_spread_overflow_total', 'Records credited at once because the spread queue was full (traffic.spreading.max_pending).'],
      ['spreadTruncatedBytes', 'breakwater_traffic_spread_truncated_bytes_total', 'Bytes (× sampling rate) of records longer than traffic.spreading.max_seconds that were not credited.'],
      ['spreadImplausible', 'breakwater_traffic_spread_implausible_total', 'Records claiming to last longer than a day (broken timestamps).'],
      ['captured', 'breakwater_traffic_captured_samples_total', 'Samples copied into per-host capture rings (for fingerprints).'],
      ['backfilled', 'breakwater_traffic_backfilled_samples_total', 'Samples copied from the shared recent ring when a host started being captured.'],
      ['clockAnomalies', 'breakwater_traffic_clock_anomalies_total', 'Ticks whose time did not advance (clock went backwards or repeated).'],
    ];
    for (const [field, name, help] of counters) {
      this.counter(name, help, [], (s, emit) => {
        const t = s.traffic();
        if (t) emit({}, t.counters[field]);
      });
    }
  }

  // ---------------------------------------------------------------- detection

  private defineDetection(): void {
    this.gauge('breakwater_attacks_active', 'Attacks in progress, by classification type and direction.', ['type', 'direction'], (s, emit) => {
      const d = s.detection();
      if (!d) return;
      const counts = new Map<string, number>();
      for (const a of d.activeAttacks) counts.set(`${a.type}|${a.direction}`, (counts.get(`${a.type}|${a.direction}`) ?? 0) + 1);
      for (const type of ATTACK_TYPES) {
        for (const direction of ['incoming', 'outgoing']) emit({ type, direction }, counts.get(`${type}|${direction}`) ?? 0);
      }
    });
    const counters: Array<[keyof DetectorStats, string, string]> = [
      ['ticks', 'breakwater_detection_ticks_total', 'Detection ticks run.'],
      ['attacksStarted', 'breakwater_attacks_started_total', 'Attacks detected.'],
      ['attacksEnded', 'breakwater_attacks_ended_total', 'Attacks that ended.'],
      ['attacksSuppressed', 'breakwater_attacks_suppressed_total', 'Attacks not started because detection.max_active_attacks were active.'],
      ['captureExhausted', 'breakwater_detection_capture_exhausted_total', 'Hosts that should have been captured for a fingerprint but the capture ring pool was exhausted.'],
      ['sinkErrors', 'breakwater_detection_sink_errors_total', 'Exceptions thrown by attack event handlers (mitigation, logs); each was caught.'],
    ];
    for (const [field, name, help] of counters) {
      this.counter(name, help, [], (s, emit) => {
        const d = s.detection();
        if (d) emit({}, d.stats[field]);
      });
    }
  }

  // ---------------------------------------------------------------- mitigation

  private defineMitigation(): void {
    this.gauge('breakwater_mitigations_active', 'Mitigations in the desired set (dry-run ones included), by kind.', ['kind'], (s, emit) => {
      const m = s.mitigation();
      if (m) for (const kind of MITIGATION_KINDS) emit({ kind }, m.byKind[kind] ?? 0);
    });
    const counters: Array<['announced' | 'withdrawn' | 'updated' | 'held', string, string]> = [
      ['announced', 'breakwater_mitigations_announced_total', 'Mitigations added to the desired set (announced by the speakers unless dry-run).'],
      ['withdrawn', 'breakwater_mitigations_withdrawn_total', 'Mitigations removed from the desired set (expired, unbanned, attack ended).'],
      ['updated', 'breakwater_mitigations_updated_total', 'Mitigations whose route was replaced (e.g. a FlowSpec rule refined).'],
      ['held', 'breakwater_mitigations_held_total', 'Mitigations kept past their ban time because the attack was still going on.'],
    ];
    for (const [field, name, help] of counters) {
      this.counter(name, help, [], (s, emit) => {
        const m = s.mitigation();
        if (m) emit({}, m[field]);
      });
    }
    this.counter('breakwater_mitigations_refused_total', 'Mitigations refused by the safety checks, by reason.', ['reason'], (s, emit) => {
      const m = s.mitigation();
      if (m) for (const reason of REFUSAL_REASONS) emit({ reason }, m.refused[reason] ?? 0);
    });
  }

  // ---------------------------------------------------------------- BGP speakers

  private defineSpeakers(): void {
    const sp = (fn: (x: SpeakerMetrics, emit: Emit) => void): Fill => (s, emit) => {
      for (const x of s.speakers() ?? []) fn(x, emit);
    };
    this.gauge('breakwater_speaker_up', '1 when the control channel to the BGP speaker works (ExaBGP bridge connected, GoBGP gRPC reachable, pipe writable).', ['speaker'], sp((x, emit) => emit({ speaker: x.name }, x.up ? 1 : 0)));
    this.gauge('breakwater_speaker_session_state', 'BGP session state of a speaker: 1 for the current state (established: every peer up; partial: some; down: none; unknown: not learnt).', ['speaker', 'state'], sp((x, emit) => {
      for (const state of SESSION_STATES) emit({ speaker: x.name, state }, x.sessionState === state ? 1 : 0);
    }));
    this.gauge('breakwater_speaker_peers', 'BGP peers of a speaker, by session state.', ['speaker', 'state'], sp((x, emit) => {
      for (const state of PEER_STATES) emit({ speaker: x.name, state }, x.peers.filter((p) => p.state === state).length);
    }));
    this.gauge('breakwater_speaker_routes_desired', 'Routes a speaker is told to hold, by route kind (unicast: blackholes and escalations; flowspec). kind="unknown" carries the count when the breakdown is not known.', ['speaker', 'kind'], sp((x, emit) => {
      if (x.desiredByKind) {
        emit({ speaker: x.name, kind: 'unicast' }, x.desiredByKind.unicast);
        emit({ speaker: x.name, kind: 'flowspec' }, x.desiredByKind.flowspec);
      } else {
        emit({ speaker: x.name, kind: 'unknown' }, x.desired);
      }
    }));
    this.gauge('breakwater_speaker_in_sync', '1 when the last reconcile pass left the speaker holding exactly the desired routes.', ['speaker'], sp((x, emit) => emit({ speaker: x.name }, x.inSync ? 1 : 0)));
    this.counter('breakwater_speaker_reconcile_passes_total', 'Reconcile passes run against a speaker.', ['speaker'], sp((x, emit) => emit({ speaker: x.name }, x.passes)));
    this.gauge('breakwater_speaker_reconcile_consecutive_failures', 'Reconcile passes that failed in a row (0 once one succeeds).', ['speaker'], sp((x, emit) => emit({ speaker: x.name }, x.consecutiveFailures)));
    this.gauge('breakwater_speaker_last_sync_timestamp_seconds', 'Unix time of the last successful reconcile pass (absent before the first).', ['speaker'], sp((x, emit) => {
      if (x.lastSuccessMs !== null) emit({ speaker: x.name }, x.lastSuccessMs / 1000);
    }));
    this.gauge('breakwater_speaker_routes_rejected', 'Routes the speaker refused (not retryable) in its last reconcile pass.', ['speaker'], sp((x, emit) => emit({ speaker: x.name }, x.rejected)));
  }

  // ---------------------------------------------------------------- notifications

  private defineRecorder(): void {
    const counters: Array<[keyof RecorderStats, string, string]> = [
      ['datagrams', 'breakwater_recorder_datagrams_total', 'Datagrams handed to the telemetry recorder (collectors.record).'],
      ['bytesWritten', 'breakwater_recorder_written_bytes_total', 'Bytes written to capture files.'],
      ['dropped', 'breakwater_recorder_dropped_total', 'Datagrams not recorded because the disk did not keep up or a file could not be written.'],
      ['errors', 'breakwater_recorder_errors_total', 'Failed file operations (open, write, delete).'],
      ['filesDeleted', 'breakwater_recorder_files_deleted_total', 'Capture files deleted to stay within collectors.record.max_files.'],
    ];
    for (const [field, name, help] of counters) {
      this.counter(name, help, [], (s, emit) => {
        const r = s.recorder();
        if (r) emit({}, r[field]);
      });
    }
  }

  private definePacketCapture(): void {
    const label = (c: InterfaceCaptureStatus) => ({ interface: c.netns ? `${c.netns}/${c.interface}` : c.interface });
    this.gauge('breakwater_packet_capture_up', 'Live packet capture (collectors.packet_capture) running: 1, else 0 (starting, restarting, stopped).', ['interface'], (s, emit) => {
      for (const c of s.packetCaptures() ?? []) emit(label(c), c.state === 'running' ? 1 : 0);
    });
    this.gauge('breakwater_packet_capture_sampling_rate', 'The 1-in-N packet sampling of a live capture.', ['interface'], (s, emit) => {
      for (const c of s.packetCaptures() ?? []) emit(label(c), c.sampling);
    });
    const counters: Array<[keyof InterfaceCaptureStatus, string, string]> = [
      ['packets', 'breakwater_packet_capture_packets_total', 'Packets read from the capture (passed the filter, not dropped by the kernel).'],
      ['bytes', 'breakwater_packet_capture_bytes_total', 'Wire bytes of those packets.'],
      ['selected', 'breakwater_packet_capture_selected_total', 'Packets selected by the 1-in-N sampling.'],
      ['samples', 'breakwater_packet_capture_samples_total', 'Flow samples made from selected packets (IP packets).'],
      ['framingErrors', 'breakwater_packet_capture_framing_errors_total', 'Capture streams whose pcap framing was lost (each restarted the capture).'],
      ['restarts', 'breakwater_packet_capture_restarts_total', 'Capture processes restarted.'],
      ['internalErrors', 'breakwater_packet_capture_internal_errors_total', 'Packets lost to an exception in accounting (a bug).'],
    ];
    for (const [field, name, help] of counters) {
      this.counter(name, help, ['interface'], (s, emit) => {
        for (const c of s.packetCaptures() ?? []) emit(label(c), c[field] as number);
      });
    }
    this.counter('breakwater_packet_capture_kernel_drops_total', 'Packets the kernel dropped because the capture buffer was full, as tcpdump reports them (absent before its first report).', ['interface'], (s, emit) => {
      for (const c of s.packetCaptures() ?? []) if (c.kernelDrops !== null) emit(label(c), c.kernelDrops);
    });
  }

  private defineNotify(): void {
    this.counter('breakwater_notify_script_runs_total', 'Notify script runs that finished, by result (failed: non-zero exit, killed, timed out or could not start).', ['result'], (s, emit) => {
      const n = s.notify();
      if (!n) return;
      emit({ result: 'succeeded' }, n.scripts.succeeded);
      emit({ result: 'failed' }, n.scripts.failed);
    });
    this.counter('breakwater_notify_script_timeouts_total', 'Notify script runs killed after notify.script.timeout_seconds (also counted as failed).', [], (s, emit) => {
      const n = s.notify();
      if (n) emit({}, n.scripts.timedOut);
    });
    this.counter('breakwater_notify_script_dropped_total', 'Notify script runs dropped because the queue was full (notify.script.queue_size).', [], (s, emit) => {
      const n = s.notify();
      if (n) emit({}, n.scripts.dropped);
    });
    this.gauge('breakwater_notify_script_running', 'Notify script runs in progress.', [], (s, emit) => {
      const n = s.notify();
      if (n) emit({}, n.scripts.running);
    });
    this.gauge('breakwater_notify_script_queued', 'Notify script runs waiting for a free slot.', [], (s, emit) => {
      const n = s.notify();
      if (n) emit({}, n.scripts.queued);
    });
    const wh = (fn: (w: NotifyMetrics['webhooks'][number], webhook: string, emit: Emit) => void): Fill => (s, emit) => {
      const n = s.notify();
      if (n) n.webhooks.forEach((w, i) => fn(w, String(i), emit));
    };
    this.counter('breakwater_webhook_deliveries_total', 'Webhook events finished, by result (delivered: 2xx; failed: refused or retries exhausted). webhook is the index in notify.webhooks.', ['webhook', 'result'], wh((w, webhook, emit) => {
      emit({ webhook, result: 'delivered' }, w.delivered);
      emit({ webhook, result: 'failed' }, w.failed);
    }));
    this.counter('breakwater_webhook_retries_total', 'Webhook delivery attempts retried (network error, timeout, 408, 429, 5xx).', ['webhook'], wh((w, webhook, emit) => emit({ webhook }, w.retries)));
    this.counter('breakwater_webhook_dropped_total', 'Webhook events dropped because the queue was full (queue_size).', ['webhook'], wh((w, webhook, emit) => emit({ webhook }, w.dropped)));
    this.gauge('breakwater_webhook_queued', 'Webhook events waiting to be delivered.', ['webhook'], wh((w, webhook, emit) => emit({ webhook }, w.queued)));
  }
}
