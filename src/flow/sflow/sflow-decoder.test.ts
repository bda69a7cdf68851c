import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SflowDecoder } from './sflow-decoder.js';
import { Exporter } from '../exporter.js';
import { CollectingSink } from '../sample-record.js';
import { Forwarding, TcpFlag, type SampleRecord } from '../sample.js';
import { HANDMADE, NOW, V4, V6, SYN_PACKET } from './testdata/handmade.js';
import {
  counterSample,
  datagram,
  ethernet,
  expandedFlowSample,
  extendedGateway,
  extendedSwitch,
  flowSample,
  ifCountersRecord,
  ipv4,
  sampledHeader,
  sampledIp,
  tcp,
  udp,
} from './testdata/build.js';

/** Every field of a sample from the hand-made datagrams; tests override what differs. */
const BASE: SampleRecord = {
  source: 'sflow',
  ipVersion: 4,
  src: V4.src,
  dst: V4.dst,
  protocol: 0,
  srcPort: 0,
  dstPort: 0,
  tcpFlags: 0,
  icmpType: 0,
  icmpCode: 0,
  tos: 0,
  ttl: 64,
  isFragment: false,
  fragmentOffset: 0,
  moreFragments: false,
  dontFragment: false,
  packets: 1,
  bytes: 0,
  samplingRate: 1000,
  frameLength: 0,
  ipLength: 0,
  inputIf: 1,
  outputIf: 2,
  srcAs: 0,
  dstAs: 0,
  vlan: 0,
  forwarding: Forwarding.FORWARDED,
  startMs: NOW,
  endMs: NOW,
};

function exporter(): Exporter {
  return new Exporter('192.0.2.1', 1, 0, 1);
}

function run(buf: Buffer, e = exporter(), decoder = new SflowDecoder()): { n: number; records: SampleRecord[]; e: Exporter } {
  const sink = new CollectingSink();
  const n = decoder.decode(buf, e, NOW, sink);
  assert.equal(n, sink.records.length);
  assert.equal(e.stats.samples, n);
  return { n, records: sink.records, e };
}

function errors(e: Exporter): Record<string, number> {
  return Object.fromEntries(e.stats.errors);
}

/** Expected sample of each hand-made datagram, in full (BASE + overrides). */
const EXPECTED: Record<string, Partial<SampleRecord>[]> = {
  ipv4TcpSyn: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40 }],
  ipv4Udp: [{ protocol: 17, srcPort: 53, dstPort: 33000, bytes: 146, frameLength: 146, ipLength: 128, tos: 0x28 }],
  ipv4Icmp: [{ protocol: 1, icmpType: 8, icmpCode: 0, bytes: 102, frameLength: 102, ipLength: 84 }],
  ipv4FirstFragment: [{ protocol: 17, srcPort: 1000, dstPort: 2000, isFragment: true, moreFragments: true, bytes: 1518, frameLength: 1518, ipLength: 1500 }],
  ipv4LaterFragment: [{ protocol: 17, isFragment: true, fragmentOffset: 185, bytes: 538, frameLength: 538, ipLength: 520 }],
  ipv6Tcp: [{ ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 6, srcPort: 443, dstPort: 51000, tcpFlags: 0x12, tos: 0xb8, ttl: 33, bytes: 78, frameLength: 78, ipLength: 60 }],
  ipv6HopByHopFragment: [{ ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, srcPort: 4000, dstPort: 53, isFragment: true, moreFragments: true, bytes: 1400, frameLength: 1400, ipLength: 1382 }],
  icmpv6: [{ ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 58, icmpType: 128, ttl: 255, bytes: 66, frameLength: 66, ipLength: 48 }],
  vlan8021q: [{ protocol: 17, srcPort: 1, dstPort: 2, vlan: 100, bytes: 50, frameLength: 50, ipLength: 28 }],
  qinq: [{ protocol: 17, srcPort: 1, dstPort: 2, vlan: 200, bytes: 54, frameLength: 54, ipLength: 28 }],
  mpls: [{ protocol: 6, srcPort: 1234, dstPort: 22, tcpFlags: TcpFlag.SYN, bytes: 70, frameLength: 70, ipLength: 40 }],
  ipv6Agent: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, samplingRate: 2048, inputIf: 7, outputIf: 9 }],
  expanded: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, inputIf: 0x40000001, outputIf: 0x50000002, samplingRate: 512 }],
  sampledIpv4: [{ protocol: 17, srcPort: 123, dstPort: 45678, tos: 0x10, ttl: 0, bytes: 468, ipLength: 468 }],
  sampledIpv6: [{ ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 6, srcPort: 22, dstPort: 60000, tcpFlags: 0x18, tos: 0, ttl: 0, bytes: 1280, ipLength: 1280 }],
  headerBeatsSampledIp: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40 }],
  gatewayAndSwitch: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, srcAs: 64500, dstAs: 15169, vlan: 42 }],
  gatewayEmptyPath: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, srcAs: 64501, dstAs: 65000 }],
  discarded: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, outputIf: 0, forwarding: Forwarding.DROPPED }],
  toDevice: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, outputIf: 0, forwarding: Forwarding.CONSUMED }],
  multipleOutputs: [{ protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, outputIf: 0, forwarding: Forwarding.FORWARDED }],
  counters: [],
  mixed: [
    { protocol: 17, srcPort: 53, dstPort: 33000, bytes: 146, frameLength: 146, ipLength: 128, tos: 0x28 },
    { protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: TcpFlag.SYN, dontFragment: true, bytes: 58, frameLength: 58, ipLength: 40, samplingRate: 10 },
  ],
};

test('every hand-made datagram decodes to its expected samples, in full', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), Object.keys(HANDMADE).sort());
  for (const [name, buf] of Object.entries(HANDMADE)) {
    const { records, e } = run(buf);
    const want = EXPECTED[name].map((o) => ({ ...BASE, ...o }));
    assert.deepEqual(records, want, name);
    assert.deepEqual(errors(e), {}, `${name}: no errors`);
  }
});

test('counter samples update the interface table and never produce traffic', () => {
  const { n, e } = run(HANDMADE.counters);
  assert.equal(n, 0);
  assert.equal(e.stats.counterSamples, 2);
  assert.deepEqual(e.interfaces.get(5), {
    ifIndex: 5,
    speed: 10_000_000_000,
    inOctets: 2 ** 40 + 5,
    inPackets: 1000 + 20 + 3,
    inDiscards: 4,
    inErrors: 1,
    outOctets: 777,
    // 0xFFFFFFFF is "unknown" and counts as 0.
    outPackets: 500,
    outDiscards: 0,
    outErrors: 2,
    updatedMs: NOW,
  });
  assert.equal(e.interfaces.get(6)?.ifIndex, 6);
});

test('IPv6 agent address is skipped correctly, sequence tracked per sub-agent', () => {
  const d = new SflowDecoder();
  const e = exporter();
  const sink = new CollectingSink();
  const mk = (seq: number, subAgent: number): Buffer => datagram([flowSample([sampledHeader(SYN_PACKET)])], { agent: '2001:db8::a', sequence: seq, subAgent });
  d.decode(mk(10, 1), e, NOW, sink);
  d.decode(mk(11, 1), e, NOW, sink);
  d.decode(mk(500, 2), e, NOW, sink);
  d.decode(mk(15, 1), e, NOW, sink);
  assert.equal(sink.records.length, 4);
  assert.equal(e.stats.sequenceGaps, 1);
  assert.equal(e.stats.sequenceLost, 3);
  d.decode(mk(3, 1), e, NOW, sink);
  assert.equal(e.stats.sequenceResets, 1);
});

test('agent address type 0 (unknown) carries no address bytes', () => {
  const { records } = run(datagram([flowSample([sampledHeader(SYN_PACKET)])], { agentType: 0 }));
  assert.equal(records.length, 1);
  assert.equal(records[0].srcPort, 40000);
});

test('sampling rate: the sample rate is used; 0 falls back to the exporter config; an override wins', () => {
  const zero = datagram([flowSample([sampledHeader(SYN_PACKET)], { rate: 0 })]);
  const withDefault = new Exporter('192.0.2.1', 1, 0, 64);
  assert.equal(run(zero, withDefault).records[0].samplingRate, 64);
  const learned = new Exporter('192.0.2.1', 1, 0, 64);
  learned.learnSampling(-1, 128);
  assert.equal(run(zero, learned).records[0].samplingRate, 128);
  const overridden = new Exporter('192.0.2.1', 1, 4096, 64);
  assert.equal(run(HANDMADE.ipv4TcpSyn, overridden).records[0].samplingRate, 4096);
});

test('agent drops: cumulative per data source, increases summed per exporter', () => {
  const d = new SflowDecoder();
  const e = exporter();
  const sink = new CollectingSink();
  const mk = (drops: number, sourceIndex: number): Buffer => datagram([flowSample([sampledHeader(SYN_PACKET)], { drops, sourceIndex })]);
  d.decode(mk(0, 1), e, NOW, sink);
  assert.equal(d.agentDrops(e), 0);
  d.decode(mk(10, 1), e, NOW, sink);
  d.decode(mk(15, 1), e, NOW, sink);
  d.decode(mk(15, 1), e, NOW, sink);
  d.decode(mk(7, 2), e, NOW, sink);
  assert.equal(d.agentDrops(e), 22);
  // Agent restarted: the counter went down, the new value is what was lost since.
  d.decode(mk(3, 1), e, NOW, sink);
  assert.equal(d.agentDrops(e), 25);
  assert.equal(d.agentDrops(exporter()), 0);
  assert.equal(sink.records.length, 6);
});

test('extended_switch VLAN fills only untagged samples; the frame tag wins', () => {
  const tagged = ethernet(0x0800, ipv4({ ...V4, protocol: 17 }, udp(1, 2)), [{ tpid: 0x8100, vid: 300 }]);
  assert.equal(run(datagram([flowSample([extendedSwitch(42, 43), sampledHeader(tagged)])])).records[0].vlan, 300);
  // A VLAN id above 4095 is not a VLAN: ignored.
  assert.equal(run(datagram([flowSample([sampledHeader(SYN_PACKET), extendedSwitch(5000, 1)])])).records[0].vlan, 0);
});

test('extended_gateway: the destination AS is the last AS of the last segment, AS_SET included', () => {
  const gw = extendedGateway({ as: 65000, srcAs: 1, srcPeerAs: 2, path: [{ type: 2, asns: [3356, 174] }, { type: 1, asns: [64512, 64513] }], communities: [1, 2, 3] });
  const { records } = run(datagram([flowSample([sampledHeader(SYN_PACKET), gw])]));
  assert.equal(records[0].srcAs, 1);
  assert.equal(records[0].dstAs, 64513);
  // An empty last segment leaves the previous segment's last AS.
  const gw2 = extendedGateway({ nexthop: '2001:db8::ff', as: 65000, srcAs: 1, srcPeerAs: 2, path: [{ type: 2, asns: [3356, 174] }, { type: 2, asns: [] }] });
  assert.equal(run(datagram([flowSample([gw2, sampledHeader(SYN_PACKET)])])).records[0].dstAs, 174);
});

test('unknown flow records, vendor records and second headers are skipped; the first header wins', () => {
  const vendor = Buffer.concat([Buffer.from([0, 0, 0x9c, 0x40 | 0x0, 0, 0, 0, 4]), Buffer.alloc(4)]); // enterprise 9, format 1024
  const router = Buffer.concat([Buffer.from([0, 0, 0x03, 0xea, 0, 0, 0, 16]), Buffer.alloc(16)]); // 1002 extended_router
  const other = ethernet(0x0800, ipv4({ ...V4, protocol: 17 }, udp(9, 9)));
  const { records, e } = run(datagram([flowSample([vendor, router, sampledHeader(SYN_PACKET), sampledHeader(other)])]));
  assert.equal(records.length, 1);
  assert.equal(records[0].srcPort, 40000);
  assert.deepEqual(errors(e), {});
});

test('a non-IP raw header falls back to the sampled_ipv4 record of the same sample', () => {
  const arp = ethernet(0x0806, Buffer.alloc(28));
  const ip = sampledIp({ length: 100, protocol: 17, src: V4.src, dst: V4.dst, srcPort: 1, dstPort: 2, tcpFlags: 0, tos: 0 });
  const { records, e } = run(datagram([flowSample([sampledHeader(arp), ip])]));
  assert.equal(records.length, 1);
  assert.equal(records[0].bytes, 100);
  assert.equal(records[0].frameLength, 0);
  assert.deepEqual(errors(e), {});
});

test('a non-IP sample alone is counted no_ip and not emitted', () => {
  const arp = ethernet(0x0806, Buffer.alloc(28));
  const { n, e } = run(datagram([flowSample([sampledHeader(arp)]), flowSample([extendedSwitch(1, 1)])]));
  assert.equal(n, 0);
  assert.deepEqual(errors(e), { no_ip: 2 });
});

test('samples from several samples of one datagram are each emitted; counters in between do not disturb', () => {
  const buf = datagram([
    flowSample([sampledHeader(SYN_PACKET)], { rate: 100 }),
    counterSample([ifCountersRecord({ ifIndex: 1 })]),
    expandedFlowSample([sampledHeader(ethernet(0x0800, ipv4({ ...V4, protocol: 6 }, tcp(5, 6, TcpFlag.RST))))], { rate: 200 }),
  ]);
  const { records, e } = run(buf);
  assert.deepEqual(records.map((r) => [r.samplingRate, r.srcPort]), [[100, 40000], [200, 5]]);
  assert.equal(e.stats.counterSamples, 1);
});

test('the decoder reuses one sample object and the sink sees it fully refilled', () => {
  const seen: unknown[] = [];
  const d = new SflowDecoder();
  const e = exporter();
  const buf = datagram([
    flowSample([sampledHeader(ethernet(0x0800, ipv4({ ...V4, protocol: 6 }, tcp(1, 2, 2))), { frameLength: 1000 }), extendedSwitch(9, 9)]),
    flowSample([sampledIp({ length: 60, protocol: 17, src: V4.src, dst: V4.dst, srcPort: 7, dstPort: 8, tcpFlags: 0, tos: 0 })]),
  ]);
  d.decode(buf, e, NOW, { sample: (s) => seen.push(s) });
  assert.equal(seen.length, 2);
  assert.equal(seen[0], seen[1]);
  const sink = new CollectingSink();
  d.decode(buf, e, NOW, sink);
  // The second sample must not inherit the first one's VLAN, flags or frame length.
  assert.equal(sink.records[1].vlan, 0);
  assert.equal(sink.records[1].tcpFlags, 0);
  assert.equal(sink.records[1].frameLength, 0);
});
