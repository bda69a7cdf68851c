import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpFlag } from '../flow/sample.js';
import { SampleRingPool } from '../traffic/sample-ring.js';
import { fillSample } from '../traffic/sample-builder.js';
import { FlowSample } from '../flow/sample.js';
import { classify, dominantProtocol } from './classify.js';
import { buildFingerprint } from './fingerprint.js';
import { detectionConfigSchema } from './config.js';
import { GroupTable } from './groups.js';

const counters = (c: Partial<{ total: number; tcp: number; syn: number; udp: number; icmp: number; fragments: number }>) => ({
  total: 0,
  tcp: 0,
  syn: 0,
  udp: 0,
  icmp: 0,
  fragments: 0,
  ...c,
});

test('classification from counters follows the 80 % dominance rule, SYN before fragments before UDP/ICMP', () => {
  assert.equal(classify(null, counters({ total: 100, tcp: 95, syn: 90 })).type, 'syn_flood');
  assert.equal(classify(null, counters({ total: 100, udp: 90, fragments: 85 })).type, 'ip_fragmentation_flood');
  assert.equal(classify(null, counters({ total: 100, udp: 85 })).type, 'udp_flood');
  assert.equal(classify(null, counters({ total: 100, icmp: 81 })).type, 'icmp_flood');
  assert.equal(classify(null, counters({ total: 100, tcp: 50, udp: 50 })).type, 'unknown');
  assert.equal(classify(null, counters({})).type, 'unknown');
  assert.equal(classify(null, counters({ total: 100, udp: 85 })).basis, 'counters');
  assert.equal(dominantProtocol(counters({ total: 100, tcp: 10, udp: 20, icmp: 5 })), 'other');
  assert.equal(dominantProtocol(counters({ total: 100, tcp: 60, udp: 20 })), 'tcp');
});

function ringWith(samples: Array<Parameters<typeof fillSample>[1]>): SampleRingPool {
  const pool = new SampleRingPool(1, 1024);
  pool.alloc(0, 1);
  const s = new FlowSample();
  for (const f of samples) pool.push(0, 5, 0, fillSample(s, f), f.samplingRate ?? 1);
  return pool;
}

test('DNS amplification with fragmented large answers is still amplification: the port share counts among packets that carry ports', () => {
  const samples = [];
  for (let i = 0; i < 60; i++) samples.push({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, srcPort: 53, dstPort: 1000 + i, length: 1500, isFragment: true, moreFragments: true });
  for (let i = 0; i < 40; i++) samples.push({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, length: 800, isFragment: true, fragmentOffset: 185 });
  const fp = buildFingerprint(ringWith(samples), 0, 0, 0, 5)!;
  assert.equal(fp.withPortsShare, 0.6);
  assert.equal(fp.fragmentShare, 1);
  assert.equal(fp.nonFirstFragmentShare, 0.4);
  const c = classify(fp, counters({ total: 100, udp: 100, fragments: 100 }));
  assert.equal(c.type, 'amplification');
  assert.deepEqual(c.amplification, { service: 'dns', port: 53 });
  assert.equal(c.basis, 'fingerprint');
});

test('an exporter that cannot tell fragments (NetFlow v5) shows tails as port 0; they do not hide the amplification', () => {
  const samples = [];
  for (let i = 0; i < 60; i++) samples.push({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, srcPort: 53, dstPort: 1000 + i, length: 1500 });
  for (let i = 0; i < 40; i++) samples.push({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, srcPort: 0, dstPort: 0, length: 800 });
  const fp = buildFingerprint(ringWith(samples), 0, 0, 0, 5)!;
  assert.equal(fp.withPortsShare, 1);
  assert.deepEqual(classify(fp, counters({ total: 100, udp: 100 })).amplification, { service: 'dns', port: 53 });
});

test('a UDP flood from random ports towards one port is a udp_flood, not amplification', () => {
  const samples = [];
  for (let i = 0; i < 50; i++) samples.push({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, srcPort: 1024 + i * 97, dstPort: 27015, length: 60 });
  const fp = buildFingerprint(ringWith(samples), 0, 0, 0, 5)!;
  assert.deepEqual(fp.dominant.dstPort, { value: 27015, share: 1 });
  assert.equal(classify(fp, counters({ total: 1, udp: 1 })).type, 'udp_flood');
});

test('TCP flag classes: the flag combination shared by most TCP packets decides', () => {
  const mk = (flags: number) => Array.from({ length: 20 }, (_, i) => ({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 6, srcPort: 2000 + i, dstPort: 443, tcpFlags: flags }));
  const type = (flags: number) => classify(buildFingerprint(ringWith(mk(flags)), 0, 0, 0, 5), counters({ total: 1, tcp: 1 })).type;
  assert.equal(type(TcpFlag.SYN), 'syn_flood');
  assert.equal(type(TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR), 'syn_flood');
  assert.equal(type(TcpFlag.SYN | TcpFlag.ACK), 'tcp_synack_flood');
  assert.equal(type(TcpFlag.ACK), 'tcp_ack_flood');
  assert.equal(type(TcpFlag.ACK | TcpFlag.PSH), 'tcp_ack_flood');
  assert.equal(type(TcpFlag.RST), 'tcp_rst_flood');
  assert.equal(type(TcpFlag.FIN | TcpFlag.ACK), 'unknown');
});

test('fingerprints filter by direction and window, and weight samples by the packets they stand for', () => {
  const pool = new SampleRingPool(1, 64);
  pool.alloc(0, 1);
  const s = new FlowSample();
  // Old sample (tick 1), outgoing sample, and two incoming ones with different weights.
  pool.push(0, 1, 0, fillSample(s, { src: '192.0.2.1', dst: '10.0.0.1', protocol: 6 }), 1);
  pool.push(0, 9, 1, fillSample(s, { src: '10.0.0.1', dst: '192.0.2.1', protocol: 1 }), 1);
  pool.push(0, 9, 0, fillSample(s, { src: '198.51.100.1', dst: '10.0.0.1', protocol: 17, packets: 3 }), 100);
  pool.push(0, 9, 0, fillSample(s, { src: '203.0.113.1', dst: '10.0.0.1', protocol: 1 }), 100);
  const fp = buildFingerprint(pool, 0, 0, 5, 5)!;
  assert.equal(fp.samples, 2);
  assert.equal(fp.packets, 400);
  assert.deepEqual(fp.protocols.map((p) => [p.name, p.share]), [['udp', 0.75], ['icmp', 0.25]]);
  assert.equal(fp.effectiveSamples, 1.6);
  assert.equal(buildFingerprint(pool, 0, 1, 5, 5)!.samples, 1);
  assert.equal(buildFingerprint(pool, 0, 0, 10, 5), null);
});

test('detection config: strict keys, group prefixes unique across groups, "global" reserved, groups inherit', () => {
  const bad = detectionConfigSchema.safeParse({
    trigger_seconds: 9,
    groups: { global: { prefixes: ['10.0.0.0/8'] }, a: { prefixes: ['10.1.0.0/16'], thresholds: { incoming: { pps: 0 } } }, b: { prefixes: ['10.1.0.0/16'], colour: 'red' } },
  });
  assert.ok(!bad.success);
  const paths = bad.error.issues.map((i) => i.path.join('.'));
  for (const p of ['trigger_seconds', 'groups.a.thresholds.incoming.pps', 'groups.b']) assert.ok(paths.includes(p), `${p} in ${paths}`);
  const cfg = detectionConfigSchema.parse({
    thresholds: { incoming: { pps: 100, udp_mbps: 5 } },
    groups: { a: { prefixes: ['10.1.0.0/16', '2001:db8::/48'], thresholds: { incoming: { udp_mbps: false }, outgoing: { pps: 7 } }, end_seconds: 9 } },
  });
  const g = new GroupTable(cfg);
  const a = g.byName('a')!;
  assert.equal(a.incoming.pps, 100);
  assert.equal(a.incoming.mbps, 1000);
  assert.equal(a.incoming.udp_mbps, false);
  assert.equal(a.outgoing.pps, 7);
  assert.equal(a.outgoing.mbps, 1000);
  assert.equal(a.endSeconds, 9);
  assert.equal(a.triggerSeconds, 2);
  assert.equal(g.threshold(0, 0, 8), 5, 'global udp_mbps in Mbit/s');
  assert.equal(g.threshold(1, 0, 8), null, 'switched off in the group');
  assert.equal(g.groupOf(6, new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])), 1);
  assert.equal(g.groupOf(4, new Uint8Array([10, 2, 0, 1])), 0);
});
