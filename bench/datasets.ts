/**
 * The datagrams the ingest benchmarks feed the decoders and the daemon: built once by flowgen's
 * SimulatedExporter from a deterministic traffic description of a few thousand flows with
 * varied addresses, ports and protocols, so a few hundred distinct datagrams defeat any
 * single-datagram caching while staying in the CPU cache as real bursts from one router would.
 *
 * NetFlow v9 / IPFIX: 24 data records per datagram, templates sent once in a separate datagram
 * (`templates`) and never refreshed inside `data`, so a benchmark primes the template cache and
 * then measures data decoding only. sFlow: 7 flow samples per datagram with 128-byte raw
 * Ethernet headers (sFlow v5 §5.2 "sampled_header"), the way agents fill a 1500-byte datagram.
 */
import {
  SimulatedExporter,
  type FlowSpec,
  type FlowgenProtocol,
  type IpfixEncoder,
  type NetflowV9Encoder,
  type TrafficDescription,
} from '../tools/flowgen/index.js';
import { TcpFlag } from '../src/flow/sample.js';

export const BENCH_START_MS = 1_700_000_000_000;
export const BENCH_SAMPLING_RATE = 1000;
export const RECORDS_PER_DATAGRAM = 24;
export const SFLOW_SAMPLES_PER_DATAGRAM = 7;
export const NETFLOW_V5_RECORDS_PER_DATAGRAM = 30;

export interface Dataset {
  protocol: FlowgenProtocol;
  /** Template (and sampling options) datagrams to decode first; empty for sFlow and v5. */
  templates: Buffer[];
  /** Data datagrams, each with exactly `unitsPerDatagram` records/samples. */
  data: Buffer[];
  unitsPerDatagram: number;
  /** Average datagram size in bytes (UDP payload). */
  avgBytes: number;
  /** Virtual "now" for decode calls (inside the template lifetime). */
  nowMs: number;
}

/** xorshift32: the same dataset every run. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export interface MixOptions {
  flows: number;
  /** Share of IPv6 flows, 0..1. */
  v6Share: number;
  /** Include a few ICMP flows (NetFlow/IPFIX mixes); sFlow mixes are TCP/UDP only. */
  icmp: boolean;
  seed?: number;
}

/**
 * A mix of flows, each sampled exactly once per 100 ms step: pps = samplingRate × 10. About 60%
 * TCP, 40% UDP (a few ICMP when asked), random hosts in 10.0.0.0/8 and 2001:db8::/32 talking to
 * 100.64.0.0/10 and 2001:db8:ffff::/48, AS numbers on half of them.
 */
export function flowMix(o: MixOptions): TrafficDescription {
  const r = rng(o.seed ?? 7);
  const flows: FlowSpec[] = [];
  const pps = BENCH_SAMPLING_RATE * 10;
  for (let i = 0; i < o.flows; i++) {
    const v6 = r() % 1000 < o.v6Share * 1000;
    const kind = r() % 100;
    const incoming = r() % 3 !== 0;
    let local: string;
    let remote: string;
    if (v6) {
      local = `2001:db8:${(r() & 0xffff).toString(16)}::${(r() & 0xffff).toString(16)}`;
      remote = `2001:db8:ffff:${(r() & 0xffff).toString(16)}::${(r() & 0xffff).toString(16)}`;
    } else {
      local = `10.${r() & 255}.${r() & 255}.${1 + (r() % 254)}`;
      remote = `100.${64 + (r() & 63)}.${r() & 255}.${1 + (r() % 254)}`;
    }
    const src = incoming ? remote : local;
    const dst = incoming ? local : remote;
    const asn = r() % 2 === 0 ? { srcAs: 64500 + (r() % 500), dstAs: 64496 } : {};
    const ifs = incoming ? { inputIf: 1, outputIf: 2 + (r() % 8) } : { inputIf: 2 + (r() % 8), outputIf: 1 };
    if (o.icmp && kind < 4) {
      flows.push({ src, dst, protocol: v6 ? 'icmpv6' : 'icmp', packetSize: 98, pps, ...ifs, ...asn });
    } else if (kind < 60) {
      const flags = [TcpFlag.ACK, TcpFlag.ACK | TcpFlag.PSH, TcpFlag.SYN, TcpFlag.ACK | TcpFlag.FIN][r() % 4];
      flows.push({ src, dst, protocol: 'tcp', srcPort: 1024 + (r() % 60000), dstPort: [80, 443, 22, 25, 8080][r() % 5], tcpFlags: flags, packetSize: 90 + (r() % 1429), pps, ...ifs, ...asn });
    } else {
      flows.push({ src, dst, protocol: 'udp', srcPort: 1024 + (r() % 60000), dstPort: [53, 123, 443, 4500, 27015][r() % 5], packetSize: 90 + (r() % 1429), pps, ...ifs, ...asn });
    }
  }
  return { flows, samplingRate: BENCH_SAMPLING_RATE, exporter: { agent: '127.0.0.1', sourceId: 1, observationDomainId: 1 } };
}

export interface DatasetOptions {
  /** Number of data datagrams wanted. Default 300. */
  datagrams?: number;
  /** Share of IPv6 flows. Default 0.2. */
  v6Share?: number;
  /**
   * Upper bound on a NetFlow v9 / IPFIX datagram. Default 8192, so that 24 records always fit
   * even with IPv6 and IPFIX's 8-byte counters; 1472 (a 1500-byte MTU) holds 24 IPv4 v9 records
   * and no more.
   */
  maxDatagramBytes?: number;
}

const NEVER = 1e15;

/** Builds `datagrams` data datagrams (each full) for a protocol. */
export function buildDataset(protocol: FlowgenProtocol, opts: DatasetOptions = {}): Dataset {
  const want = opts.datagrams ?? 300;
  const unitsPerDatagram = protocol === 'sflow' ? SFLOW_SAMPLES_PER_DATAGRAM : protocol === 'netflow5' ? NETFLOW_V5_RECORDS_PER_DATAGRAM : RECORDS_PER_DATAGRAM;
  const v6Share = protocol === 'netflow5' ? 0 : (opts.v6Share ?? 0.2);
  // A multiple of the datagram size, so each step's last datagram is full too.
  const flowsPerStep = unitsPerDatagram * 100;
  const desc = flowMix({ flows: flowsPerStep, v6Share, icmp: protocol !== 'sflow' });
  const tpl = { recordsPerDatagram: RECORDS_PER_DATAGRAM, maxDatagramBytes: opts.maxDatagramBytes ?? 8192, templateRefreshDatagrams: 1e9, templateRefreshMs: NEVER };
  const sim = new SimulatedExporter(protocol, desc, {
    startMs: BENCH_START_MS,
    sflow: { samplesPerDatagram: SFLOW_SAMPLES_PER_DATAGRAM, maxHeaderBytes: 128 },
    netflow5: { recordsPerDatagram: NETFLOW_V5_RECORDS_PER_DATAGRAM },
    netflow9: tpl,
    ipfix: tpl,
  });
  const templates: Buffer[] = [];
  if (protocol === 'netflow9' || protocol === 'ipfix') {
    templates.push((sim.encoder as NetflowV9Encoder | IpfixEncoder).encodeTemplates(sim.nowMs));
  }
  const data: Buffer[] = [];
  for (let step = 0; data.length < want && step < 1000; step++) {
    for (const d of sim.step(100)) if (data.length < want) data.push(d);
  }
  let bytes = 0;
  for (const d of data) bytes += d.length;
  return { protocol, templates, data, unitsPerDatagram, avgBytes: bytes / data.length, nowMs: sim.nowMs };
}

/** The file format of bench/udp-blast.c: each datagram prefixed by its 2-byte big-endian length. */
export function lengthPrefixed(datagrams: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const d of datagrams) {
    if (d.length > 0xffff) throw new RangeError('datagram longer than 65535 bytes');
    const h = Buffer.alloc(2);
    h.writeUInt16BE(d.length, 0);
    parts.push(h, d);
  }
  return Buffer.concat(parts);
}
