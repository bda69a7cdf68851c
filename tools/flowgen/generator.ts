/**
 * Turns a traffic description into what a sampling exporter would produce over time: packet
 * samples (sFlow) or flow records (NetFlow/IPFIX). Time is virtual: each call advances the
 * generator's clock by dt, so tests are deterministic and load tests can run faster than real time.
 *
 * Sampling is deterministic 1-in-N: a flow with rate pps yields floor(pps·t/N + phase) samples by virtual
 * time t, computed from the elapsed total rather than accumulated per step, so fractional parts
 * carry over and rates are exact over time (never off by more than one sample per flow). The
 * per-flow phase in [0, 1) keeps the samples of many flows from falling in the same instants.
 */
import { resolveDescription, type ResolvedDescription, type ResolvedFlow, type TrafficDescription } from './traffic.js';

/** One sampled packet, as an sFlow agent would report it (sFlow v5 §5, flow_sample). */
export interface PacketSample {
  flow: ResolvedFlow;
  /** Virtual time the packet was sampled (Unix ms, may be fractional). */
  timeMs: number;
  samplingRate: number;
  /** sFlow sample_pool: packets seen so far by the data source (the flow's input interface). */
  samplePool: number;
}

/** One exported flow record, as NetFlow/IPFIX would report it: sampled counts, not multiplied. */
export interface FlowRecord {
  flow: ResolvedFlow;
  packets: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
  samplingRate: number;
}

/** Cumulative unsampled interface counters (sFlow counter samples, generic interface counters). */
export interface InterfaceCounters {
  ifIndex: number;
  inPackets: number;
  inOctets: number;
  outPackets: number;
  outOctets: number;
}

export interface GeneratorOptions {
  /** Virtual start time (Unix ms). Default Date.now(). */
  startMs?: number;
}

/** Small tolerance so 0.1·3 = 0.30000000000000004 does not lose a sample to floating point. */
const EPS = 1e-7;

/** Fractional phase in [0, 1) of flow i: frac(i·φ), well spread for any number of flows. */
function phase(i: number): number {
  const x = i * 0.6180339887498949;
  return x - Math.floor(x);
}

export class TrafficGenerator {
  readonly description: ResolvedDescription;
  readonly startMs: number;
  /** Router boot time: the zero of sysUptime in every encoder. */
  readonly bootMs: number;
  /** Virtual time elapsed since start, ms. */
  private elapsedMs = 0;
  /** Per flow: samples emitted so far. */
  private readonly emitted: Float64Array;
  /** Per flow, for active-timeout export: when the open record started, and its sampled packets. */
  private readonly openSince: Float64Array;
  private readonly pending: Float64Array;

  constructor(desc: TrafficDescription | ResolvedDescription, opts: GeneratorOptions = {}) {
    this.description = isResolved(desc) ? desc : resolveDescription(desc);
    this.startMs = opts.startMs ?? Date.now();
    this.bootMs = this.description.bootMs ?? this.startMs - 3_600_000;
    const n = this.description.flows.length;
    this.emitted = new Float64Array(n);
    this.openSince = new Float64Array(n).fill(this.startMs);
    this.pending = new Float64Array(n);
  }

  /** Current virtual time (Unix ms). */
  get nowMs(): number {
    return this.startMs + this.elapsedMs;
  }

  /**
   * Sampled packets of flow i due by virtual time elapsedMs. Each flow starts at its own phase
   * (a golden-ratio sequence over the flow index, deterministic): with one common phase, the
   * samples of many slow flows would all fall in the same instants, and per-second counts would
   * swing far more than a real agent's random sampling of an interface does.
   */
  private dueBy(f: ResolvedFlow, elapsedMs: number): number {
    return Math.floor((f.pps * elapsedMs) / 1000 / this.description.samplingRate + phase(f.index) + EPS);
  }

  /** Real (unsampled) packets a data source has seen by elapsedMs: the sFlow sample pool. */
  private poolAt(rate: number, elapsedMs: number): number {
    return Math.floor((rate * elapsedMs) / 1000 + EPS);
  }

  /**
   * Advances the clock by dtMs and returns the packets sampled in that time, in time order, each
   * with the sample pool of its data source at that moment.
   */
  packetSamples(dtMs: number): PacketSample[] {
    checkDt(dtMs);
    const d = this.description;
    const t0 = this.elapsedMs;
    const t1 = t0 + dtMs;
    const poolRate = new Map<number, number>();
    for (const f of d.flows) poolRate.set(f.inputIf, (poolRate.get(f.inputIf) ?? 0) + f.pps);
    const out: PacketSample[] = [];
    for (const f of d.flows) {
      if (f.pps <= 0) continue;
      const due = this.dueBy(f, t1);
      const from = this.emitted[f.index];
      const rate = poolRate.get(f.inputIf)!;
      for (let k = from + 1; k <= due; k++) {
        // The k-th sample of this flow happens when its (k − phase)·N-th packet passes.
        const at = Math.min(t1, Math.max(t0, ((k - phase(f.index)) * d.samplingRate * 1000) / f.pps));
        out.push({ flow: f, timeMs: this.startMs + at, samplingRate: d.samplingRate, samplePool: this.poolAt(rate, at) });
      }
      this.emitted[f.index] = Math.max(from, due);
    }
    if (d.flows.length > 1) out.sort((a, b) => a.timeMs - b.timeMs);
    this.elapsedMs = t1;
    return out;
  }

  /**
   * Advances the clock by dtMs and returns the flow records an exporter would send in that time.
   * Without an active timeout every flow with sampled packets gets one record spanning the step;
   * with one, records span activeTimeoutMs (rounded up to whole steps).
   */
  flowRecords(dtMs: number): FlowRecord[] {
    checkDt(dtMs);
    const d = this.description;
    const t1 = this.elapsedMs + dtMs;
    const stepStart = this.nowMs;
    const now = this.startMs + t1;
    const out: FlowRecord[] = [];
    for (const f of d.flows) {
      if (f.pps <= 0) continue;
      const due = this.dueBy(f, t1);
      const n = due - this.emitted[f.index];
      this.emitted[f.index] = due;
      if (d.activeTimeoutMs <= 0) {
        if (n > 0) out.push(this.record(f, n, stepStart, now));
        continue;
      }
      this.pending[f.index] += n;
      if (now - this.openSince[f.index] + EPS >= d.activeTimeoutMs) {
        if (this.pending[f.index] > 0) out.push(this.record(f, this.pending[f.index], this.openSince[f.index], now));
        this.pending[f.index] = 0;
        this.openSince[f.index] = now;
      }
    }
    this.elapsedMs = t1;
    return out;
  }

  /** Records for packets still held by the active timeout (what an exporter sends on shutdown). */
  flushRecords(): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (const f of this.description.flows) {
      if (this.pending[f.index] > 0) out.push(this.record(f, this.pending[f.index], this.openSince[f.index], this.nowMs));
      this.pending[f.index] = 0;
      this.openSince[f.index] = this.nowMs;
    }
    return out;
  }

  /** Cumulative real counters per interface up to the current virtual time. */
  interfaceCounters(): InterfaceCounters[] {
    const m = new Map<number, InterfaceCounters>();
    const get = (i: number): InterfaceCounters => {
      let c = m.get(i);
      if (c === undefined) {
        c = { ifIndex: i, inPackets: 0, inOctets: 0, outPackets: 0, outOctets: 0 };
        m.set(i, c);
      }
      return c;
    };
    for (const f of this.description.flows) {
      const pk = this.poolAt(f.pps, this.elapsedMs);
      const a = get(f.inputIf);
      a.inPackets += pk;
      a.inOctets += pk * f.packetSize;
      const b = get(f.outputIf);
      b.outPackets += pk;
      b.outOctets += pk * f.packetSize;
    }
    return [...m.values()].sort((x, y) => x.ifIndex - y.ifIndex);
  }

  private record(f: ResolvedFlow, packets: number, firstMs: number, lastMs: number): FlowRecord {
    return { flow: f, packets, bytes: packets * f.packetSize, firstMs, lastMs, samplingRate: this.description.samplingRate };
  }
}

function checkDt(dtMs: number): void {
  if (!(Number.isFinite(dtMs) && dtMs > 0)) throw new RangeError(`step must be a positive number of ms, got ${dtMs}`);
}

function isResolved(d: TrafficDescription | ResolvedDescription): d is ResolvedDescription {
  return 'agentVersion' in d;
}

/**
 * Splits records whose packet or byte count would overflow a counter of `maxValue` into several
 * records with the same times, so formats with 4-byte counters (NetFlow v5, v9 as configured
 * here) never wrap. Records that fit are passed through unchanged (same objects).
 */
export function splitOversized(records: readonly FlowRecord[], maxValue = 0xffffffff): readonly FlowRecord[] {
  if (records.every((r) => r.packets <= maxValue && r.bytes <= maxValue)) return records;
  const out: FlowRecord[] = [];
  for (const r of records) {
    if (r.packets <= maxValue && r.bytes <= maxValue) {
      out.push(r);
      continue;
    }
    const parts = Math.max(Math.ceil(r.packets / maxValue), Math.ceil(r.bytes / (Math.floor(maxValue / r.flow.packetSize) * r.flow.packetSize)));
    let left = r.packets;
    for (let i = 0; i < parts && left > 0; i++) {
      const p = Math.ceil(left / (parts - i));
      out.push({ ...r, packets: p, bytes: p * r.flow.packetSize });
      left -= p;
    }
  }
  return out;
}
