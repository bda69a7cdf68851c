/**
 * Real-exporter fixtures against tshark: every captured datagram (softflowd NetFlow v5/v9/IPFIX,
 * pmacctd sFlow; see the README.md beside each capture) is read with the pcap reader, decoded by
 * our decoders, and each emitted sample is compared field by field with what tshark decoded from
 * the same bytes (the committed *.json written by scripts/fixture-truth.py).
 *
 * The truth holds tshark's values under neutral names; `expected*()` below states how each maps
 * onto a FlowSample, citing the spec where the mapping is a rule rather than a copy.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPcapFile, readUdpDatagrams, type UdpDatagram } from '../capture/pcap-reader.js';
import { listFixtureDatagrams, repoRoot } from '../capture/fixtures.js';
import { Exporter } from './exporter.js';
import { CollectingSink } from './sample-record.js';
import { Forwarding, type SampleRecord, type SampleSink } from './sample.js';
import { SflowDecoder } from './sflow/index.js';
import { NetflowV5Decoder, NetflowV9Decoder } from './netflow/index.js';
import { IpfixDecoder } from './ipfix/index.js';
import { TemplateCache } from './templates/index.js';

type Json = Record<string, unknown>;
interface TruthDatagram extends Json {
  frame: number;
  tsMs: number;
  srcAddr: string;
  payloadLength: number;
  header: Json;
  records?: Json[];
  options?: Json[];
  samples?: Json[];
}
interface Truth {
  file: string;
  datagrams: TruthDatagram[];
}

interface Decoder {
  decode(buf: Buffer, exporter: Exporter, nowMs: number, sink: SampleSink): number;
}

const FIXTURES: Array<{ pcap: string; kind: 'v5' | 'v9' | 'ipfix' | 'sflow' }> = [
  { pcap: 'src/flow/netflow/testdata/captured/netflow-v5.pcap', kind: 'v5' },
  { pcap: 'src/flow/netflow/testdata/captured/netflow-v9.pcap', kind: 'v9' },
  { pcap: 'src/flow/netflow/testdata/captured/netflow-v9-sampled.pcap', kind: 'v9' },
  { pcap: 'src/flow/ipfix/testdata/captured/ipfix.pcap', kind: 'ipfix' },
  { pcap: 'src/flow/ipfix/testdata/captured/ipfix-sampled.pcap', kind: 'ipfix' },
  { pcap: 'src/flow/sflow/testdata/captured/sflow.pcap', kind: 'sflow' },
  { pcap: 'src/flow/sflow/testdata/captured/sflow-sampled.pcap', kind: 'sflow' },
];

/**
 * A sample with nothing decoded: every field a record does not carry must stay at this value,
 * so the comparison below is a full deep compare, not a subset.
 */
function blank(source: string): SampleRecord {
  return {
    source, ipVersion: 0, src: '', dst: '', protocol: 0, srcPort: 0, dstPort: 0, tcpFlags: 0, icmpType: 0, icmpCode: 0,
    tos: 0, ttl: 0, isFragment: false, fragmentOffset: 0, moreFragments: false, dontFragment: false, packets: 0,
    bytes: 0, samplingRate: 1, frameLength: 0, ipLength: 0, inputIf: 0, outputIf: 0, srcAs: 0, dstAs: 0, vlan: 0,
    forwarding: Forwarding.UNKNOWN, startMs: 0, endMs: 0,
  };
}

const SOURCE_NAME = { v5: 'netflow_v5', v9: 'netflow_v9', ipfix: 'ipfix', sflow: 'sflow' } as const;

/** sFlow v5 §5 "interface": format 0 value 0x3FFFFFFF = the device itself, not a port. */
const SFLOW_IF_INTERNAL = 0x3fffffff;

function num(v: unknown): number {
  assert.equal(typeof v, 'number');
  return v as number;
}

/** Expected FlowSample fields for one NetFlow/IPFIX data record, from tshark's record and context. */
function expectedFlowRecord(kind: 'v5' | 'v9' | 'ipfix', r: Json, samplingRate: number): Partial<SampleRecord> {
  const e: Partial<SampleRecord> = {
    ipVersion: num(r.ipVersion),
    src: r.src as string,
    dst: r.dst as string,
    protocol: num(r.protocol),
    tos: num(r.tos),
    packets: num(r.packets),
    bytes: num(r.bytes),
    inputIf: num(r.inputIf),
    outputIf: num(r.outputIf),
    samplingRate,
  };
  const icmp = r.protocol === 1 || r.protocol === 58;
  if (icmp) {
    // Ports mean nothing for ICMP. v5 has no ICMP field: Cisco's convention (which softflowd
    // follows) puts type*256+code in the destination port. v9/IPFIX carry it in
    // ICMP_TYPE / icmpTypeCodeIPv4 (32) and icmpTypeCodeIPv6 (139) (RFC 7012 §5.3).
    e.srcPort = 0;
    e.dstPort = 0;
    if (kind === 'v5') {
      e.icmpType = num(r.dstPort) >>> 8;
      e.icmpCode = num(r.dstPort) & 255;
    } else {
      e.icmpType = num(r.icmpType);
      e.icmpCode = num(r.icmpCode);
    }
  } else if (r.srcPort !== undefined) {
    e.srcPort = num(r.srcPort);
    e.dstPort = num(r.dstPort);
  }
  if (r.tcpFlags !== undefined) e.tcpFlags = num(r.tcpFlags);
  if (kind === 'v5') {
    e.srcAs = num(r.srcAs);
    e.dstAs = num(r.dstAs);
  }
  if (r.startMs !== null && r.startMs !== undefined) {
    e.startMs = num(r.startMs);
    e.endMs = num(r.endMs);
  }
  return e;
}

/** Expected FlowSample fields for one sFlow flow sample with an IP packet in its raw header. */
function expectedSflowSample(d: TruthDatagram, s: Json): Partial<SampleRecord> {
  const frag = s.fragmentOffset !== undefined;
  const e: Partial<SampleRecord> = {
    ipVersion: num(s.ipVersion),
    src: s.src as string,
    dst: s.dst as string,
    protocol: num(s.protocol),
    tos: num(s.tos),
    ttl: num(s.ttl),
    ipLength: num(s.ipLength),
    srcPort: s.srcPort === undefined ? 0 : num(s.srcPort),
    dstPort: s.dstPort === undefined ? 0 : num(s.dstPort),
    tcpFlags: s.tcpFlags === undefined ? 0 : num(s.tcpFlags),
    icmpType: s.icmpType === undefined ? 0 : num(s.icmpType),
    icmpCode: s.icmpCode === undefined ? 0 : num(s.icmpCode),
    fragmentOffset: frag ? num(s.fragmentOffset) : 0,
    moreFragments: s.moreFragments === true,
    isFragment: s.moreFragments === true || (frag && num(s.fragmentOffset) !== 0),
    // One sampled packet; its size is the frame length (sFlow v5 §5 sampled_header.frame_length).
    packets: 1,
    bytes: num(s.frameLength),
    frameLength: num(s.frameLength),
    samplingRate: num(s.samplingRate),
    inputIf: s.inputIf === SFLOW_IF_INTERNAL ? 0 : num(s.inputIf),
    outputIf: s.outputIf === SFLOW_IF_INTERNAL ? 0 : num(s.outputIf),
    forwarding: s.outputIfFormat === 0 && s.outputIf === SFLOW_IF_INTERNAL ? Forwarding.CONSUMED : s.outputIf === 0 ? Forwarding.UNKNOWN : Forwarding.FORWARDED,
    // The VLAN tag in the sampled frame, else the extended switch record's ingress VLAN.
    vlan: s.headerVlan !== undefined ? num(s.headerVlan) : s.switchSrcVlan !== undefined ? num(s.switchSrcVlan) : 0,
    startMs: d.tsMs,
    endMs: d.tsMs,
  };
  if (s.ipVersion === 4) e.dontFragment = s.dontFragment === true;
  return e;
}

/** The sampling rate an options record announces (RFC 3954 §6.1 field 34; RFC 5477 §8.2 305/306). */
function optionsRate(o: Json): number | null {
  if (typeof o.samplingInterval === 'number' && o.samplingInterval > 0) return o.samplingInterval;
  if (typeof o.samplingPacketInterval === 'number' && o.samplingPacketInterval > 0) {
    const space = typeof o.samplingPacketSpace === 'number' ? o.samplingPacketSpace : 0;
    return (o.samplingPacketInterval + space) / o.samplingPacketInterval;
  }
  return null;
}

interface Mismatch {
  where: string;
  field: string;
  expected: unknown;
  got: unknown;
}

/** Compares every field of `want`; v5 wall-clock times may differ by the nsecs rounding (< 1 ms). */
function compare(where: string, want: Partial<SampleRecord>, got: SampleRecord, out: Mismatch[], msTolerance: number): void {
  for (const [k, v] of Object.entries(want)) {
    const g = (got as unknown as Record<string, unknown>)[k];
    if ((k === 'startMs' || k === 'endMs') && typeof v === 'number' && typeof g === 'number') {
      if (Math.abs(v - g) <= msTolerance) continue;
    } else if (v === g) continue;
    out.push({ where, field: k, expected: v, got: g });
  }
}

function newDecoder(kind: 'v5' | 'v9' | 'ipfix' | 'sflow'): Decoder {
  switch (kind) {
    case 'v5':
      return new NetflowV5Decoder();
    case 'v9':
      return new NetflowV9Decoder(new TemplateCache());
    case 'ipfix':
      return new IpfixDecoder(new TemplateCache());
    case 'sflow':
      return new SflowDecoder();
  }
}

function loadTruth(pcap: string): Truth {
  return JSON.parse(readFileSync(join(repoRoot(), pcap.replace(/\.pcap$/, '.json')), 'utf8')) as Truth;
}

describe('captured exporter fixtures decoded and compared with tshark', () => {
  for (const f of FIXTURES) {
    test(f.pcap.split('/').pop() ?? f.pcap, () => {
      const truth = loadTruth(f.pcap);
      const datagrams: UdpDatagram[] = [...readUdpDatagrams(readPcapFile(join(repoRoot(), f.pcap)))];
      // The reader finds exactly the datagrams tshark found.
      assert.deepEqual(
        datagrams.map((d) => [d.index + 1, d.srcAddr, d.payload.length]),
        truth.datagrams.map((d) => [d.frame, d.srcAddr, d.payloadLength]),
      );

      const decoder = newDecoder(f.kind);
      const exporter = new Exporter(datagrams[0].srcAddr, 1, 0, 1);
      const mismatches: Mismatch[] = [];
      let expectedTotal = 0;
      let rate = 1;
      for (let i = 0; i < datagrams.length; i++) {
        const t = truth.datagrams[i];
        const sink = new CollectingSink();
        const n = decoder.decode(datagrams[i].payload, exporter, datagrams[i].tsMs, sink);
        assert.equal(n, sink.records.length);
        const want: Partial<SampleRecord>[] = [];
        if (f.kind === 'sflow') {
          for (const s of t.samples ?? []) {
            if (s.type === 'flow' && s.ipVersion !== undefined) want.push(expectedSflowSample(t, s));
          }
        } else {
          // Options data earlier in the same message applies to the records after it; softflowd
          // sends its options data set before the data sets.
          for (const o of t.options ?? []) rate = optionsRate(o) ?? rate;
          if (f.kind === 'v5') {
            const interval = num(t.header.samplingInterval);
            rate = interval > 0 ? interval : 1;
          }
          for (const r of t.records ?? []) want.push(expectedFlowRecord(f.kind, r, rate));
        }
        expectedTotal += want.length;
        if (want.length !== sink.records.length) {
          mismatches.push({ where: `datagram ${i} (frame ${t.frame})`, field: '(sample count)', expected: want.length, got: sink.records.length });
          continue;
        }
        for (let j = 0; j < want.length; j++) {
          const full = { ...blank(SOURCE_NAME[f.kind]), ...want[j] };
          compare(`datagram ${i} (frame ${t.frame}) sample ${j}`, full, sink.records[j], mismatches, f.kind === 'v5' ? 1 : 0);
        }
      }
      if (mismatches.length > 0) {
        const lines = mismatches.slice(0, 40).map((m) => `${m.where}: ${m.field} expected ${JSON.stringify(m.expected)} got ${JSON.stringify(m.got)}`);
        assert.fail(`${mismatches.length} mismatches with tshark:\n${lines.join('\n')}`);
      }
      assert.equal(exporter.stats.samples, expectedTotal);
      assert.ok(expectedTotal > 0);
      assert.deepEqual(Object.fromEntries(exporter.stats.errors), {}, 'clean real-exporter captures decode without errors');
      if (f.kind === 'ipfix') {
        // softflowd 1.1.0 deviates from RFC 7011 §3.1 (the sequence number counts the data
        // records sent *before* this message, so the first message must carry 0): it sends the
        // count including this message's records. A collector therefore sees gaps and resets on
        // a loss-free stream; this pins the deviation so a fixed exporter shows up here.
        const first = truth.datagrams[0];
        assert.equal(first.header.sequence, (first.records ?? []).length);
      } else {
        assert.equal(exporter.stats.sequenceGaps, 0);
        assert.equal(exporter.stats.sequenceResets, 0);
      }
      if (f.kind === 'sflow') {
        const counters = truth.datagrams.flatMap((d) => (d.samples ?? []).filter((s) => s.type === 'counters'));
        assert.equal(exporter.stats.counterSamples, counters.length);
        for (const c of counters) {
          const got = exporter.interfaces.get(num(c.ifIndex));
          assert.ok(got !== undefined, `interface ${String(c.ifIndex)} recorded`);
          assert.deepEqual(
            { speed: got.speed, inOctets: got.inOctets, inPackets: got.inPackets, outOctets: got.outOctets, outPackets: got.outPackets },
            { speed: c.ifSpeed, inOctets: c.inOctets, inPackets: c.inPackets, outOctets: c.outOctets, outPackets: c.outPackets },
          );
        }
      }
    });
  }

  test('the fixtures cover what the decoders must handle (so a re-capture cannot silently lose a case)', () => {
    const flows = FIXTURES.filter((f) => f.kind !== 'sflow').flatMap((f) => loadTruth(f.pcap).datagrams.flatMap((d) => d.records ?? []));
    for (const p of [1, 6, 17, 58]) assert.ok(flows.some((r) => r.protocol === p), `a flow record with protocol ${p}`);
    assert.ok(flows.some((r) => r.ipVersion === 6), 'an IPv6 flow record');
    const opts = FIXTURES.flatMap((f) => loadTruth(f.pcap).datagrams.flatMap((d) => d.options ?? []));
    assert.ok(opts.some((o) => o.samplingInterval === 4), 'a NetFlow v9 sampling interval of 4');
    assert.ok(opts.some((o) => o.samplingPacketSpace === 3), 'an IPFIX samplingPacketSpace of 3');
    const samples = FIXTURES.filter((f) => f.kind === 'sflow').flatMap((f) => loadTruth(f.pcap).datagrams.flatMap((d) => d.samples ?? []));
    assert.ok(samples.some((s) => s.headerVlan === 100), 'an 802.1Q-tagged sampled header');
    assert.ok(samples.some((s) => s.ipVersion === 4 && s.moreFragments === true), 'an IPv4 first fragment');
    assert.ok(samples.some((s) => s.ipVersion === 6 && num(s.fragmentOffset ?? 0) > 0), 'a later IPv6 fragment');
    assert.ok(samples.some((s) => s.icmpType === 128), 'an ICMPv6 echo request');
    assert.ok(samples.some((s) => s.samplingRate === 10), 'a 1-in-10 sampled flow sample');
    assert.ok(samples.some((s) => s.type === 'counters'), 'a counter sample');
  });

  test('listFixtureDatagrams covers every captured file and protocol', () => {
    const all = listFixtureDatagrams();
    const byProto = new Map<string, number>();
    for (const d of all) byProto.set(d.protocol, (byProto.get(d.protocol) ?? 0) + 1);
    let total = 0;
    for (const f of FIXTURES) total += loadTruth(f.pcap).datagrams.length;
    assert.equal(all.length, total);
    for (const p of ['sflow', 'netflow_v5', 'netflow_v9', 'ipfix']) assert.ok((byProto.get(p) ?? 0) > 0, p);
    assert.equal(listFixtureDatagrams('ipfix').every((d) => d.payload.readUInt16BE(0) === 10), true);
  });
});
