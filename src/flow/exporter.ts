/**
 * Exporters: one per router address that sends us telemetry. Owns per-exporter statistics
 * (datagrams, bytes, samples, errors by code, sequence gaps), learned sampling rates per sampler,
 * the latest sFlow interface counters, and the exporter allow-list. The registry is bounded:
 * with no allow-list, spoofed source addresses could otherwise create exporters without end.
 */
import type { DecodeErrorCode } from './decode-error.js';
import { parseAddress, parsePrefix, prefixContains, type Prefix } from '../net/ip.js';

/** Key for the exporter-wide sampling rate (no sampler id in the record). */
export const ANY_SAMPLER = -1;

export interface InterfaceCounters {
  ifIndex: number;
  speed: number;
  inOctets: number;
  inPackets: number;
  inErrors: number;
  inDiscards: number;
  outOctets: number;
  outPackets: number;
  outErrors: number;
  outDiscards: number;
  updatedMs: number;
}

/** Per-stream sequence tracking (stream = sFlow sub-agent, v9 source id, IPFIX domain). */
interface SequenceState {
  next: number;
}

export class ExporterStats {
  datagrams = 0;
  bytes = 0;
  samples = 0;
  /** sFlow counter samples seen (kept, not turned into traffic). */
  counterSamples = 0;
  /** Records dropped because no sampling rate... etc: every unusable thing, by code. */
  readonly errors = new Map<DecodeErrorCode, number>();
  /** Number of times the sequence number jumped forward. */
  sequenceGaps = 0;
  /** Estimated units lost in those jumps (datagrams for sFlow/v9, flows for v5, records for IPFIX). */
  sequenceLost = 0;
  /** Number of times the sequence went backwards (exporter restart or reordering). */
  sequenceResets = 0;
  firstSeenMs = 0;
  lastSeenMs = 0;
  /** Datagrams per protocol name (sflow, netflow_v5, ...). */
  readonly byProtocol = new Map<string, number>();

  countError(code: DecodeErrorCode, n = 1): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + n);
  }

  errorTotal(): number {
    let t = 0;
    for (const v of this.errors.values()) t += v;
    return t;
  }
}

/** Sequence streams (sFlow sub-agents, v9 source ids, IPFIX domains) tracked per exporter. */
export const MAX_SEQUENCE_STREAMS = 1024;
/** sFlow interface counter entries kept per exporter. */
export const MAX_INTERFACES = 4096;
/** Learned sampler rates kept per exporter. */
export const MAX_SAMPLERS = 4096;

export class Exporter {
  readonly stats = new ExporterStats();
  /** Sampling rates learned from options data: sampler id (or ANY_SAMPLER) → rate. */
  readonly learnedSampling = new Map<number, number>();
  /** Latest sFlow generic interface counters by ifIndex. */
  readonly interfaces = new Map<number, InterfaceCounters>();
  /**
   * Sequence state by protocol (a SampleSource value), then by stream id within that protocol.
   * Two levels rather than one combined key: the stream ids are 32-bit (v9 source id, IPFIX
   * observation domain, sFlow sub-agent), so any single number combining protocol and id lies
   * beyond V8's small-integer range and is boxed on every datagram.
   */
  private readonly sequences = new Map<number, Map<number, SequenceState>>();
  /** Streams tracked over all protocols (bounded by MAX_SEQUENCE_STREAMS). */
  private sequenceStreams = 0;

  constructor(
    /** Address as text (the key: what the socket reported, IPv4-mapped IPv6 unwrapped). */
    readonly address: string,
    /** Small integer id: template cache and persistence key. */
    readonly id: number,
    /** Configured override for this exporter (0 = none): wins over anything learned. */
    public samplingOverride: number,
    /** Configured default when nothing was learned. */
    public samplingDefault: number,
  ) {}

  /**
   * The 1-in-N rate for a record of this exporter: the configured override, else the rate
   * learned for its sampler, else the exporter-wide learned rate, else the default.
   */
  samplingFor(samplerId: number): number {
    if (this.samplingOverride > 0) return this.samplingOverride;
    if (this.learnedSampling.size > 0) {
      const r = this.learnedSampling.get(samplerId) ?? this.learnedSampling.get(ANY_SAMPLER);
      if (r !== undefined) return r;
    }
    return this.samplingDefault;
  }

  /** Records a sampling rate learned from options data. Returns true when it changed. */
  learnSampling(samplerId: number, rate: number): boolean {
    if (!(rate >= 1) || !Number.isFinite(rate)) return false;
    const old = this.learnedSampling.get(samplerId);
    if (old === rate) return false;
    if (old === undefined && this.learnedSampling.size >= MAX_SAMPLERS) return false;
    this.learnedSampling.set(samplerId, rate);
    return true;
  }

  /**
   * Tracks a sequence number for one stream of one protocol (`protocol` is the decoder's
   * SampleSource, so the same id under two protocols is two streams). `increment` is how far the
   * sequence should move for what was just received (1 datagram, or the number of records).
   * Forward jumps count as gaps with the number of units lost; backward jumps (restart,
   * reordering) as resets.
   */
  trackSequence(protocol: number, stream: number, seq: number, increment: number): void {
    let streams = this.sequences.get(protocol);
    if (streams === undefined) {
      if (this.sequenceStreams >= MAX_SEQUENCE_STREAMS) return;
      streams = new Map<number, SequenceState>();
      this.sequences.set(protocol, streams);
    }
    const st = streams.get(stream);
    if (st === undefined) {
      if (this.sequenceStreams < MAX_SEQUENCE_STREAMS) {
        streams.set(stream, { next: (seq + increment) >>> 0 });
        this.sequenceStreams++;
      }
      return;
    }
    const delta = (seq - st.next) >>> 0;
    if (delta !== 0) {
      if (delta < 0x80000000) {
        this.stats.sequenceGaps++;
        this.stats.sequenceLost += delta;
      } else {
        this.stats.sequenceResets++;
      }
    }
    st.next = (seq + increment) >>> 0;
  }

  recordInterface(c: InterfaceCounters): void {
    if (!this.interfaces.has(c.ifIndex) && this.interfaces.size >= MAX_INTERFACES) return;
    this.interfaces.set(c.ifIndex, c);
  }
}

export interface ExporterRegistryOptions {
  /** CIDRs allowed to send; empty = everyone. */
  allow: string[];
  /** Default 1-in-N sampling when nothing is learned. */
  samplingDefault: number;
  /** Per-exporter address → sampling override. */
  samplingOverrides: Record<string, number>;
  /** Bound on the number of distinct exporters kept. */
  maxExporters: number;
}

export class ExporterRegistry {
  private readonly byAddress = new Map<string, Exporter>();
  private readonly allow: Prefix[];
  private nextId = 1;
  /** Datagrams from addresses outside the allow-list. */
  notAllowed = 0;
  /** Datagrams refused because the registry is full. */
  overflow = 0;
  private readonly refused = new Set<string>();

  constructor(private readonly opts: ExporterRegistryOptions) {
    this.allow = opts.allow.map((s) => {
      const p = parsePrefix(s);
      if ('error' in p) throw new Error(`exporter allow-list: ${p.error}`);
      return p;
    });
  }

  /**
   * The exporter for a datagram's source address, or null when it must be dropped (not on the
   * allow-list, or the registry is full). Allowed addresses are cached in the map, so the
   * prefix walk happens once per exporter, not per datagram.
   */
  lookup(address: string): Exporter | null {
    const e = this.byAddress.get(address);
    if (e !== undefined) return e;
    return this.admit(address);
  }

  /** True when the allow-list admits this address (an empty allow-list admits everyone). */
  allows(address: string): boolean {
    if (this.allow.length === 0) return true;
    const a = parseAddress(address);
    return a !== null && this.allow.some((p) => prefixContains(p, a.version, a.bytes));
  }

  private admit(address: string): Exporter | null {
    if (this.refused.has(address)) {
      this.notAllowed++;
      return null;
    }
    if (!this.allows(address)) {
      if (this.refused.size < 10000) this.refused.add(address);
      this.notAllowed++;
      return null;
    }
    if (this.byAddress.size >= this.opts.maxExporters) {
      this.overflow++;
      return null;
    }
    return this.create(address);
  }

  /** Creates (or returns) an exporter without the allow-list check: for restoring state and tests. */
  create(address: string, id?: number): Exporter {
    const existing = this.byAddress.get(address);
    if (existing) return existing;
    const useId = id ?? this.nextId;
    this.nextId = Math.max(this.nextId, useId + 1);
    const e = new Exporter(address, useId, this.opts.samplingOverrides[address] ?? 0, this.opts.samplingDefault);
    this.byAddress.set(address, e);
    return e;
  }

  get(address: string): Exporter | undefined {
    return this.byAddress.get(address);
  }

  all(): Exporter[] {
    return [...this.byAddress.values()];
  }
}

/** Node reports IPv4 senders on a dual-stack socket as "::ffff:a.b.c.d"; exporters are keyed by the plain form. */
export function normaliseSenderAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
