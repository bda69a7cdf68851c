/**
 * A simulated exporter: one traffic generator plus the encoder of one protocol, stepping virtual
 * time and returning datagrams. This is the entry point scenario tests, load tests and the CLI use.
 */
import { TrafficGenerator } from './generator.js';
import { IpfixEncoder, type IpfixOptions } from './ipfix.js';
import { NetflowV5Encoder, type NetflowV5Options } from './netflow-v5.js';
import { NetflowV9Encoder, type NetflowV9Options } from './netflow-v9.js';
import { SflowEncoder, type SflowEncoderOptions } from './sflow.js';
import { resolveDescription, type TrafficDescription } from './traffic.js';

export type FlowgenProtocol = 'sflow' | 'netflow5' | 'netflow9' | 'ipfix';
export const FLOWGEN_PROTOCOLS: readonly FlowgenProtocol[] = ['sflow', 'netflow5', 'netflow9', 'ipfix'];

export interface SimulatedExporterOptions {
  /** Virtual start time (Unix ms). Default Date.now(). */
  startMs?: number;
  sflow?: Omit<SflowEncoderOptions, 'bootMs'>;
  /** sFlow: send generic interface counter samples every this many ms of virtual time (0 = never, default). */
  counterIntervalMs?: number;
  netflow5?: Omit<NetflowV5Options, 'bootMs'>;
  netflow9?: Omit<NetflowV9Options, 'bootMs'>;
  ipfix?: IpfixOptions;
}

export class SimulatedExporter {
  readonly generator: TrafficGenerator;
  readonly encoder: SflowEncoder | NetflowV5Encoder | NetflowV9Encoder | IpfixEncoder;
  /** Datagrams and samples/records produced so far. */
  datagrams = 0;
  units = 0;
  private readonly counterIntervalMs: number;
  private lastCountersMs: number;

  constructor(readonly protocol: FlowgenProtocol, description: TrafficDescription, opts: SimulatedExporterOptions = {}) {
    const d = resolveDescription(description);
    this.generator = new TrafficGenerator(d, { startMs: opts.startMs });
    const bootMs = this.generator.bootMs;
    switch (protocol) {
      case 'sflow': this.encoder = new SflowEncoder(d, { ...opts.sflow, bootMs }); break;
      case 'netflow5': this.encoder = new NetflowV5Encoder(d, { ...opts.netflow5, bootMs }); break;
      case 'netflow9': this.encoder = new NetflowV9Encoder(d, { ...opts.netflow9, bootMs }); break;
      case 'ipfix': this.encoder = new IpfixEncoder(d, opts.ipfix); break;
      default: throw new RangeError(`unknown protocol '${String(protocol)}' (sflow, netflow5, netflow9, ipfix)`);
    }
    this.counterIntervalMs = opts.counterIntervalMs ?? 0;
    this.lastCountersMs = this.generator.startMs;
  }

  get nowMs(): number {
    return this.generator.nowMs;
  }

  /** Advances virtual time by dtMs and returns the datagrams the exporter sends for it. */
  step(dtMs: number): Buffer[] {
    let out: Buffer[];
    if (this.encoder instanceof SflowEncoder) {
      const samples = this.generator.packetSamples(dtMs);
      const now = this.generator.nowMs;
      let counters: ReturnType<TrafficGenerator['interfaceCounters']> = [];
      if (this.counterIntervalMs > 0 && now - this.lastCountersMs >= this.counterIntervalMs) {
        counters = this.generator.interfaceCounters();
        this.lastCountersMs = now;
      }
      this.units += samples.length;
      out = this.encoder.encode(samples, now, counters);
    } else {
      const records = this.generator.flowRecords(dtMs);
      this.units += records.length;
      out = this.encoder.encode(records, this.generator.nowMs);
    }
    this.datagrams += out.length;
    return out;
  }

  /** Datagrams for records still held by an active timeout (NetFlow/IPFIX); [] for sFlow. */
  flush(): Buffer[] {
    if (this.encoder instanceof SflowEncoder) return [];
    const records = this.generator.flushRecords();
    this.units += records.length;
    const out = this.encoder.encode(records, this.generator.nowMs);
    this.datagrams += out.length;
    return out;
  }

  /**
   * An endless datagram stream in virtual time: steps by stepMs whenever it runs dry. Stops when
   * `maxEmptySteps` steps in a row produced nothing (a description with no traffic), so it can
   * never spin forever.
   */
  *stream(stepMs = 100, maxEmptySteps = 10_000): Generator<Buffer, void, undefined> {
    let empty = 0;
    while (empty < maxEmptySteps) {
      const batch = this.step(stepMs);
      if (batch.length === 0) {
        empty++;
        continue;
      }
      empty = 0;
      yield* batch;
    }
  }

  /**
   * A source for sendDatagrams that follows the wall clock: each call steps virtual time up to
   * `elapsedMs` since the first call (in steps of at most stepMs), so the collector sees the
   * described packet rates in real time.
   */
  realtime(stepMs = 100): (elapsedMs: number) => Buffer[] {
    let done = 0;
    return (elapsedMs: number): Buffer[] => {
      const out: Buffer[] = [];
      while (elapsedMs - done >= stepMs) {
        for (const d of this.step(stepMs)) out.push(d);
        done += stepMs;
      }
      return out;
    };
  }
}

/** All datagrams for `seconds` of virtual time in steps of stepMs (plus the flush). For tests. */
export function datagramsFor(protocol: FlowgenProtocol, description: TrafficDescription, seconds: number, opts: SimulatedExporterOptions & { stepMs?: number } = {}): Buffer[] {
  const sim = new SimulatedExporter(protocol, description, opts);
  const step = opts.stepMs ?? 100;
  const steps = Math.round((seconds * 1000) / step);
  const out: Buffer[] = [];
  for (let i = 0; i < steps; i++) for (const d of sim.step(step)) out.push(d);
  for (const d of sim.flush()) out.push(d);
  return out;
}
