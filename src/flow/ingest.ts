/**
 * Ingest: the per-datagram path shared by the live UDP listeners and capture replay. Finds the
 * exporter (allow-list), counts the datagram, picks the decoder (a NetFlow port carries v5, v9
 * and IPFIX, told apart by the version field), and turns decode failures into counts and
 * rate-limited logs. Nothing thrown by a decoder ever escapes: hostile input must not take the
 * collector down.
 */
import { DecodeError, type DecodeErrorCode } from './decode-error.js';
import { normaliseSenderAddress, type Exporter, type ExporterRegistry } from './exporter.js';
import type { SampleSink } from './sample.js';
import { LogRateLimiter, type Logger } from '../log.js';

export interface DatagramDecoder {
  decode(buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): number;
}

export interface IngestDecoders {
  sflow: DatagramDecoder;
  netflowV5: DatagramDecoder;
  netflowV9: DatagramDecoder;
  ipfix: DatagramDecoder;
}

export type ListenerProtocol = 'sflow' | 'netflow' | 'ipfix';
export type WireProtocol = 'sflow' | 'netflow_v5' | 'netflow_v9' | 'ipfix' | 'unknown';

export interface IngestDeps {
  registry: ExporterRegistry;
  decoders: IngestDecoders;
  sink: SampleSink;
  logger: Logger;
  /** Called once when an exporter sends its first datagram. */
  onNewExporter?: (e: Exporter, protocol: WireProtocol) => void;
}

/** Totals across exporters, by wire protocol (the metric labels later issues export). */
export class IngestTotals {
  datagrams = 0;
  bytes = 0;
  samples = 0;
  notAllowed = 0;
  readonly datagramsByProtocol = new Map<WireProtocol, number>();
  /** "protocol|code" → count, for datagrams that failed as a whole and records skipped. */
  readonly errors = new Map<string, number>();
  /** Exceptions that were not DecodeErrors: decoder bugs. Should stay 0. */
  internalErrors = 0;
}

function wireName(listener: ListenerProtocol, buf: Buffer): WireProtocol {
  if (listener === 'sflow') return 'sflow';
  if (buf.length < 2) return 'unknown';
  const v = buf.readUInt16BE(0);
  if (v === 10) return 'ipfix';
  if (listener === 'ipfix') return 'unknown';
  if (v === 9) return 'netflow_v9';
  if (v === 5) return 'netflow_v5';
  return 'unknown';
}

export class Ingest {
  readonly totals = new IngestTotals();
  private readonly limiter = new LogRateLimiter(60_000);

  constructor(private readonly deps: IngestDeps) {}

  /**
   * Handles one datagram from `sender` (as the socket reported it). Returns the number of
   * samples decoded.
   */
  datagram(listener: ListenerProtocol, buf: Buffer, sender: string, nowMs: number): number {
    const t = this.totals;
    const address = normaliseSenderAddress(sender);
    const exporter = this.deps.registry.lookup(address);
    if (exporter === null) {
      t.notAllowed++;
      const s = this.limiter.allow(`deny:${address}`, nowMs);
      if (s >= 0) this.deps.logger.warn({ exporter: address, suppressed: s }, 'datagram from an exporter not on the allow-list (or too many exporters): dropped');
      return 0;
    }
    const st = exporter.stats;
    if (st.datagrams === 0) {
      st.firstSeenMs = nowMs;
      this.deps.onNewExporter?.(exporter, wireName(listener, buf));
    }
    st.datagrams++;
    st.bytes += buf.length;
    st.lastSeenMs = nowMs;
    t.datagrams++;
    t.bytes += buf.length;

    const proto = wireName(listener, buf);
    t.datagramsByProtocol.set(proto, (t.datagramsByProtocol.get(proto) ?? 0) + 1);
    st.byProtocol.set(proto, (st.byProtocol.get(proto) ?? 0) + 1);
    const errorsBefore = st.errors.size === 0 ? 0 : st.errorTotal();
    let n = 0;
    try {
      const d = this.decoderFor(proto);
      if (d === null) throw new DecodeError('bad_version', `${listener} listener: unknown version ${buf.length >= 2 ? buf.readUInt16BE(0) : 'none'}`);
      n = d.decode(buf, exporter, nowMs, this.deps.sink);
    } catch (e) {
      const code: DecodeErrorCode = e instanceof DecodeError ? e.code : 'unsupported';
      if (!(e instanceof DecodeError)) {
        t.internalErrors++;
        this.deps.logger.error({ exporter: address, protocol: proto, err: e }, 'decoder failed unexpectedly (bug): datagram skipped');
      }
      st.countError(code);
      const s = this.limiter.allow(`${address}:${proto}:${code}`, nowMs);
      if (s >= 0) {
        this.deps.logger.warn({ exporter: address, protocol: proto, code, suppressed: s, msg2: (e as Error).message }, 'datagram could not be decoded: skipped');
      }
    }
    // Record-level problems are counted by the decoders on the exporter; mirror them in the
    // totals by protocol and code. Only datagrams that had a problem pay for this.
    if (st.errors.size > 0 && st.errorTotal() !== errorsBefore) this.mirrorErrors(exporter, proto);
    t.samples += n;
    return n;
  }

  private readonly mirrored = new WeakMap<Exporter, Map<DecodeErrorCode, number>>();

  private mirrorErrors(exporter: Exporter, proto: WireProtocol): void {
    let seen = this.mirrored.get(exporter);
    if (seen === undefined) {
      seen = new Map();
      this.mirrored.set(exporter, seen);
    }
    for (const [code, n] of exporter.stats.errors) {
      const d = n - (seen.get(code) ?? 0);
      if (d > 0) {
        const key = `${proto}|${code}`;
        this.totals.errors.set(key, (this.totals.errors.get(key) ?? 0) + d);
        seen.set(code, n);
      }
    }
  }

  private decoderFor(p: WireProtocol): DatagramDecoder | null {
    const d = this.deps.decoders;
    switch (p) {
      case 'sflow': return d.sflow;
      case 'netflow_v5': return d.netflowV5;
      case 'netflow_v9': return d.netflowV9;
      case 'ipfix': return d.ipfix;
      default: return null;
    }
  }
}
