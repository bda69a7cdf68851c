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
import { createDecoders, type FlowDecoders } from './flow/decoders.js';
import { FlowStateStore } from './flow/flow-state.js';
import { openStateDb, type StateDb } from './state/database.js';
import { ExporterReporter } from './flow/exporter-report.js';
import type { FlowSample, SampleSink } from './flow/sample.js';
import { NetworkSets, TrafficCounter } from './traffic/index.js';
import { Detector, type AttackSink } from './detection/index.js';
import { AttackLog } from './detection/attack-log.js';

export interface DaemonOptions {
  logger: Logger;
  /** Wall clock in ms; injected so tests can drive time. */
  now?: () => number;
  /** A second consumer of every decoded sample besides traffic accounting (tests, captures). */
  tap?: SampleSink;
  /** Replaces traffic accounting as the consumer of samples: for ingest-only benchmarks. */
  sink?: SampleSink;
  /** Where attack events go after they are logged (the mitigation layer). */
  attackSink?: AttackSink;
  /**
   * When false, the detector is not ticked by a timer: the caller calls `tick(nowMs)` itself
   * (scenario tests drive time). Default true.
   */
  autoTick?: boolean;
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
  readonly networks: NetworkSets;
  readonly traffic: TrafficCounter;
  readonly detector: Detector;
  private readonly autoTick: boolean;
  private db: StateDb | null = null;
  private flowState: FlowStateStore<ReturnType<FlowDecoders['templates']['exportTemplates']>[number]> | null = null;
  private readonly reporter: ExporterReporter;
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(
    readonly config: Config,
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
    this.networks = NetworkSets.fromConfig(config.traffic);
    this.traffic = new TrafficCounter(config.traffic, { networks: this.networks });
    this.detector = new Detector(config.detection, {
      traffic: this.traffic,
      sink: new AttackLog(this.log, opts.attackSink ?? null),
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
  }

  async start(): Promise<void> {
    const cfg = this.config;
    this.db = openStateDb(cfg.state.path);
    this.flowState = new FlowStateStore(this.db, this.decoders.templates, this.registry);
    const restored = this.flowState.restore(this.now(), (a) => this.registry.allows(a));
    this.log.info({ path: cfg.state.path, ...restored }, 'state restored: templates and learned sampling rates');
    await this.listener.start();
    if (this.networks.networkCount === 0) {
      this.log.warn('no monitored networks (traffic.networks / traffic.networks_file): traffic is counted in totals only and no attack can be detected');
    }
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
    const info = this.detector.tick(nowMs);
    const ms = performance.now() - t0;
    if (ms > 500) this.log.warn({ ms: Math.round(ms), hosts: info.hosts }, 'detection tick took longer than half a second');
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
    this.listener.stop();
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
