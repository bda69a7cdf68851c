/**
 * The composition root: builds every component from the config, in dependency order, and stops
 * them in reverse. Every arrow of the data flow in docs/architecture.md is a constructor argument
 * here, so the architecture can be read in this one file. No component reaches for another one
 * by itself.
 */
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { ExporterRegistry, type Exporter } from './flow/exporter.js';
import { Ingest, type WireProtocol } from './flow/ingest.js';
import { FlowListener } from './flow/listener.js';
import { DatagramRecorder } from './flow/recorder.js';
import { PacketCaptureSet } from './capture-live/index.js';
import { createDecoders, type FlowDecoders } from './flow/decoders.js';
import { FlowStateStore } from './flow/flow-state.js';
import { openStateDb, type StateDb } from './state/database.js';
import { ExporterReporter } from './flow/exporter-report.js';
import type { FlowSample, SampleSink } from './flow/sample.js';
import { NetworkSets, TrafficCounter } from './traffic/index.js';
import { Detector, type AttackSink } from './detection/index.js';
import { AttackLog } from './detection/attack-log.js';
import { MitigationManager, MitigationStore } from './mitigation/index.js';
import { Notifier } from './notify/index.js';
import { SpeakerSet } from './bgp/index.js';
import { EventHub, NotifierFanout } from './api/events.js';
import { ApiServer } from './api/server.js';
import { TotalsHistory } from './api/totals-history.js';
import type { ApiContext, ReloadOutcome } from './api/context.js';
import type { Attack } from './detection/attack.js';
import { VERSION } from './version.js';
import { Metrics, metricsSourcesOf } from './metrics/index.js';
import { logReload, reloadFromFile, reloadSummary } from './reload.js';

export interface DaemonOptions {
  logger: Logger;
  /** Wall clock in ms; injected so tests can drive time. */
  now?: () => number;
  /** A second consumer of every decoded sample besides traffic accounting (tests, captures). */
  tap?: SampleSink;
  /** Replaces traffic accounting as the consumer of samples: for ingest-only benchmarks. */
  sink?: SampleSink;
  /** Also told of every attack event, after the mitigation layer (tests, tools). */
  attackSink?: AttackSink;
  /**
   * When false, the detector is not ticked by a timer: the caller calls `tick(nowMs)` itself
   * (scenario tests drive time). Default true.
   */
  autoTick?: boolean;
  /** The config file, for reloads (SIGHUP, POST /api/v1/reload); none: reload is refused. */
  configPath?: string;
}

/** Hosts under attack are followed by the per-second host history for this long after each update. */
const FOLLOW_ATTACKED_MS = 30 * 60_000;

/** Tells every attack event to each sink in turn. */
class AttackFanout implements AttackSink {
  constructor(private readonly sinks: AttackSink[]) {}
  attackStarted(a: Parameters<AttackSink['attackStarted']>[0]): void {
    for (const s of this.sinks) s.attackStarted(a);
  }
  attackUpdated(a: Parameters<AttackSink['attackUpdated']>[0]): void {
    for (const s of this.sinks) s.attackUpdated(a);
  }
  attackEnded(a: Parameters<AttackSink['attackEnded']>[0]): void {
    for (const s of this.sinks) s.attackEnded(a);
  }
}

/** Sends each sample to two sinks: only used when a tap is attached. */
class TeeSink implements SampleSink {
  constructor(
    private readonly a: SampleSink,
    private readonly b: SampleSink,
  ) {}
  sample(s: FlowSample): void {
    this.a.sample(s);
    this.b.sample(s);
  }
}

export class Daemon {
  readonly registry: ExporterRegistry;
  readonly decoders: FlowDecoders;
  readonly ingest: Ingest;
  readonly listener: FlowListener;
  /** Live packet capture on interfaces (collectors.packet_capture); empty when none is configured. */
  readonly packetCapture: PacketCaptureSet;
  /** Writes received datagrams to rotating pcap files (collectors.record); null when disabled. */
  readonly recorder: DatagramRecorder | null;
  readonly traffic: TrafficCounter;
  readonly detector: Detector;
  readonly notifier: Notifier;
  readonly mitigation: MitigationManager;
  readonly speakers: SpeakerSet;
  /** Attack, mitigation and per-second totals events for the API's stream and the dashboard. */
  readonly events: EventHub;
  /** Prometheus metrics, served by the API on /metrics (read on scrape; nothing on the hot path). */
  readonly metrics: Metrics;
  /** The last minutes of per-second totals (dashboard graphs). */
  readonly totalsHistory = new TotalsHistory();
  /** The operator API; null when api.enabled is false. */
  readonly api: ApiServer | null;
  readonly startedMs: number;
  private readonly autoTick: boolean;
  private db: StateDb | null = null;
  private flowState: FlowStateStore<ReturnType<FlowDecoders['templates']['exportTemplates']>[number]> | null = null;
  private readonly reporter: ExporterReporter;
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(
    /** Replaced by a reload (its live sections; the rest keeps the running values). */
    public config: Config,
    opts: DaemonOptions,
  ) {
    this.log = opts.logger;
    this.now = opts.now ?? Date.now;
    const c = config.collectors;
    this.registry = new ExporterRegistry({
      allow: c.allow_exporters,
      samplingDefault: c.sampling.default,
      samplingOverrides: c.sampling.exporters,
      maxExporters: c.max_exporters,
    });
    this.decoders = createDecoders(c.templates);
    // Throws NetworkConfigError (listing every bad line) when a networks/allow-list file is bad.
    const networks = NetworkSets.fromConfig(config.traffic);
    this.traffic = new TrafficCounter(config.traffic, { networks });
    this.notifier = new Notifier(config.notify, this.log);
    this.events = new EventHub(this.now);
    this.startedMs = this.now();
    // The store is attached in start(), once the state database is open.
    this.mitigation = new MitigationManager(config.mitigation, {
      networks,
      store: null,
      logger: this.log,
      now: this.now,
      notifier: new NotifierFanout([this.notifier, this.events]),
      updateIntervalMs: config.notify.update_interval_seconds * 1000,
    });
    this.speakers = SpeakerSet.fromConfig(config.bgp, { logger: this.log, now: this.now });
    // Hosts under attack get a per-second history (host page, /single_host_counters).
    const follow = (a: Attack) => {
      if (a.status === 'active') this.traffic.history.follow(this.traffic.findHost(a.host), a.host, this.now() + FOLLOW_ATTACKED_MS);
    };
    const attackSinks: AttackSink[] = [this.mitigation, this.events, { attackStarted: follow, attackUpdated: follow, attackEnded: () => {} }];
    if (opts.attackSink) attackSinks.push(opts.attackSink);
    this.detector = new Detector(config.detection, {
      traffic: this.traffic,
      sink: new AttackLog(this.log, new AttackFanout(attackSinks)),
      onSinkError: (err, event, attack) => this.log.error({ err, event, attackId: attack.id }, 'attack event handler failed'),
    });
    this.autoTick = opts.autoTick ?? true;
    const counted: SampleSink = opts.sink ?? this.traffic;
    const sink: SampleSink = opts.tap ? new TeeSink(counted, opts.tap) : counted;
    this.reporter = new ExporterReporter(this.log, this.decoders.templates);
    this.ingest = new Ingest({
      registry: this.registry,
      decoders: this.decoders,
      sink,
      logger: this.log,
      onNewExporter: (e: Exporter, p: WireProtocol) => this.reporter.newExporter(e, p),
    });
    this.listener = new FlowListener(c.listeners, c.receive_buffer, { ingest: this.ingest, logger: this.log, now: this.now });
    this.recorder = c.record.enabled ? new DatagramRecorder(c.record, { logger: this.log }) : null;
    // Mirror-port packets become samples for the same consumer as decoded flow telemetry.
    this.packetCapture = new PacketCaptureSet(c.packet_capture, { sink, logger: this.log, now: this.now });
    if (this.recorder) this.listener.setDatagramTap(this.recorder);
    this.configPath = opts.configPath ?? null;
    this.metrics = new Metrics(metricsSourcesOf(this));
    this.api = config.api.enabled ? new ApiServer(this.apiContext(), config.api, this.log) : null;
  }

  private readonly configPath: string | null;
  private speakersStarted = false;

  /** The monitored networks and allow-lists in force (a reload replaces them: read them here, do not keep them). */
  get networks(): NetworkSets {
    return this.traffic.networks;
  }

  /** What the API may see and do (src/api/context.ts). */
  private apiContext(): ApiContext {
    return {
      version: VERSION,
      startedMs: this.startedMs,
      now: this.now,
      config: () => this.config,
      detector: this.detector,
      traffic: this.traffic,
      mitigation: this.mitigation,
      speakers: this.speakers,
      registry: this.registry,
      templates: this.decoders.templates,
      listener: this.listener,
      packetCapture: this.packetCapture,
      ingest: this.ingest,
      events: this.events,
      totalsHistory: this.totalsHistory,
      reload: this.configPath ? () => this.reload() : null,
      metrics: this.metrics,
    };
  }

  /** Re-reads the config file and applies what can change live (src/reload.ts, docs/configuration.md "Reloading"). */
  reload(): ReloadOutcome {
    if (this.configPath === null) {
      this.log.warn('reload requested but the daemon was started without a config file: nothing to reload');
      return { ok: false, changed: [], needsRestart: [], problems: ['the daemon was started without a config file'] };
    }
    // Synchronous to the return: no tick or sample runs in between, so the swap is all-or-nothing.
    const r = reloadFromFile({ traffic: this.traffic, detector: this.detector, mitigation: this.mitigation, logger: this.log }, this.config, this.configPath);
    if (r.ok) this.config = r.config;
    logReload(this.log, r, this.configPath);
    // Without r.config: it holds the API's passwords and tokens.
    return reloadSummary(r);
  }

  async start(): Promise<void> {
    const cfg = this.config;
    this.db = openStateDb(cfg.state.path);
    this.flowState = new FlowStateStore(this.db, this.decoders.templates, this.registry);
    const restored = this.flowState.restore(this.now(), (a) => this.registry.allows(a));
    this.log.info({ path: cfg.state.path, ...restored }, 'state restored: templates and learned sampling rates');
    // Desired routes first, so the speakers converge to the restored state as soon as they are up.
    this.mitigation.onChange(() => this.speakers.setDesired(this.mitigation.desiredRoutes()));
    // Logs what it restored, expired and refused itself.
    this.mitigation.start(new MitigationStore(this.db));
    this.speakers.setDesired(this.mitigation.desiredRoutes());
    if (cfg.mitigation.dry_run) {
      // Shadow mode: a speaker's reconciler withdraws every route it did not decide, so connecting
      // to a speaker another system also uses (FastNetMon's gobgpd, say) would remove its routes.
      if (cfg.bgp.speakers.length > 0) this.log.warn({ speakers: cfg.bgp.speakers.map((s) => s.name) }, 'dry-run (shadow mode): BGP speakers are not connected; nothing is announced or withdrawn');
    } else {
      await this.speakers.start();
      this.speakersStarted = true;
    }
    if (cfg.bgp.speakers.length === 0 && cfg.mitigation.enabled && !cfg.mitigation.dry_run) {
      this.log.warn('no BGP speakers configured (bgp.speakers): mitigations are decided and recorded but announced nowhere');
    }
    if (this.recorder) await this.recorder.start();
    await this.listener.start();
    await this.packetCapture.start();
    if (this.networks.networkCount === 0) {
      this.log.warn('no monitored networks (traffic.networks / traffic.networks_file): traffic is counted in totals only and no attack can be detected');
    }
    if (this.api) await this.api.start();
    if (this.autoTick) this.every(1, () => this.tick(this.now()));
    this.every(cfg.state.save_interval_seconds, () => this.saveState());
    this.every(60, () => this.decoders.templates.expire(this.now()));
    if (cfg.collectors.log_interval_seconds > 0) {
      this.every(cfg.collectors.log_interval_seconds, () => this.reporter.report(this.registry.all(), this.listener.status(), this.ingest.totals));
    }
    this.log.info({ listeners: this.listener.status().map((l) => `${l.protocol}:${l.address}:${l.port}`) }, 'breakwater started');
  }

  /** One detection second: rates, averages, thresholds, attack events. */
  tick(nowMs: number): void {
    const t0 = performance.now();
    let info!: ReturnType<Detector['tick']>;
    const run = () => {
      info = this.detector.tick(nowMs);
      this.mitigation.tick(nowMs);
    };
    // One SQLite transaction per tick: attack records, mitigations and audit entries of a tick
    // are committed together (thousands of statements when many attacks start at once cost one
    // commit instead of one each).
    if (this.db) this.db.transaction(run)();
    else run();
    this.recordTotals(nowMs, info.attacksActive);
    const ms = performance.now() - t0;
    this.metrics.observeTick(ms / 1000);
    if (ms > 500) this.log.warn({ ms: Math.round(ms), hosts: info.hosts }, 'detection tick took longer than half a second');
  }

  /** Each second's totals: kept for the graphs (GET /api/v1/traffic/history) and streamed as a 'totals' event. */
  private recordTotals(nowMs: number, attacksActive: number): void {
    const t = this.traffic.totals();
    const point = {
      at: new Date(nowMs).toISOString(),
      atMs: nowMs,
      hosts: this.traffic.table.count,
      attacksActive,
      mitigationsActive: this.mitigation.stats().active,
      incoming: t.incoming,
      outgoing: t.outgoing,
    };
    this.totalsHistory.record(point);
    this.events.publish('totals', point);
  }

  private every(seconds: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.log.error({ err }, 'periodic task failed');
      }
    }, seconds * 1000);
    t.unref();
    this.timers.push(t);
  }

  private saveState(): void {
    if (!this.flowState) return;
    this.flowState.save(this.now());
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.api) await this.api.stop().catch((err: unknown) => this.log.warn({ err }, 'api did not close cleanly'));
    this.listener.stop();
    await this.packetCapture.stop();
    if (this.recorder) await this.recorder.stop();
    if (this.db) {
      // withdraw_on_shutdown: the manager empties the desired set; the speakers withdraw route by route.
      const withdraw = this.mitigation.shutdown();
      if (this.speakersStarted) await this.speakers.stop({ withdraw });
      await this.notifier.stop(5000);
    }
    if (this.db) {
      try {
        const saved = this.flowState!.save(this.now());
        this.log.info(saved, 'state saved');
      } finally {
        this.db.close();
        this.db = null;
      }
    }
    this.log.info('breakwater stopped');
  }
}
