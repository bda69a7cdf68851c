import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitOversized, TrafficGenerator, type FlowRecord } from './generator.js';
import { resolveDescription, type TrafficDescription } from './traffic.js';

const T0 = 1_700_000_000_000;

function desc(over: Partial<TrafficDescription> = {}): TrafficDescription {
  return {
    samplingRate: 7,
    flows: [
      { src: '198.51.100.1', dst: '192.0.2.10', protocol: 'udp', srcPort: 1, dstPort: 2, packetSize: 500, pps: 1234.5 },
      { src: '198.51.100.2', dst: '192.0.2.10', protocol: 'tcp', srcPort: 3, dstPort: 80, tcpFlags: 2, packetSize: 64, pps: 333 },
      { src: '198.51.100.3', dst: '192.0.2.11', protocol: 'icmp', packetSize: 100, pps: 0 },
    ],
    ...over,
  };
}

test('packet samples: floor(pps·t/N + phase) per flow, exact over time with fractional carry', () => {
  const g = new TrafficGenerator(desc(), { startMs: T0 });
  const perFlow = [0, 0, 0];
  let lastSecond = [0, 0, 0];
  for (let step = 1; step <= 100; step++) {
    for (const s of g.packetSamples(100)) perFlow[s.flow.index]++;
    if (step % 10 === 0) {
      const sec = perFlow.map((n, i) => n - lastSecond[i]);
      // Each second: within one sample of pps/N.
      assert.ok(Math.abs(sec[0] - 1234.5 / 7) <= 1, `second ${step / 10}: ${sec[0]}`);
      assert.ok(Math.abs(sec[1] - 333 / 7) <= 1);
      lastSecond = [...perFlow];
    }
  }
  // Each flow has its own phase in [0, 1): at most one sample more than floor(pps·t/N), never fewer.
  for (const [i, pps] of [[0, 1234.5], [1, 333]]) {
    const exact = Math.floor((pps * 10) / 7);
    assert.ok(perFlow[i] === exact || perFlow[i] === exact + 1, `flow ${i}: ${perFlow[i]} vs ${exact}`);
  }
  assert.equal(perFlow[2], 0, 'a flow at 0 pps produces nothing');
  assert.equal(g.nowMs, T0 + 10_000);
});

test('packet samples are in time order with a growing sample pool per data source', () => {
  const g = new TrafficGenerator(desc({ samplingRate: 10 }), { startMs: T0 });
  let lastT = 0;
  let lastPool = 0;
  let n = 0;
  for (let step = 0; step < 20; step++) {
    for (const s of g.packetSamples(50)) {
      assert.ok(s.timeMs >= lastT && s.timeMs <= g.nowMs);
      assert.ok(s.samplePool >= lastPool, 'sample pool never goes backwards');
      assert.equal(s.samplingRate, 10);
      lastT = s.timeMs;
      lastPool = s.samplePool;
      n++;
    }
  }
  assert.ok(n > 0);
  // The pool counts every real packet of interface 1 (all three flows): (1234.5 + 333) · 1 s.
  assert.ok(Math.abs(lastPool - 1567.5) <= 11, `pool ${lastPool}`);
});

test('flow records without an active timeout: one per flow per step, spanning the step', () => {
  const g = new TrafficGenerator(desc({ samplingRate: 1 }), { startMs: T0 });
  const recs = g.flowRecords(100);
  assert.equal(recs.length, 2);
  assert.equal(recs[0].packets, 123);
  assert.equal(recs[0].bytes, 123 * 500);
  assert.equal(recs[0].firstMs, T0);
  assert.equal(recs[0].lastMs, T0 + 100);
  let total = recs[0].packets;
  for (let i = 1; i < 10; i++) total += g.flowRecords(100).filter((r) => r.flow.index === 0).reduce((a, r) => a + r.packets, 0);
  assert.equal(total, 1234, 'packets over one second = floor(pps)');
});

test('flow records with an active timeout span the timeout and carry the accumulated count', () => {
  const g = new TrafficGenerator(desc({ samplingRate: 5, activeTimeoutMs: 1000 }), { startMs: T0 });
  const seen: FlowRecord[] = [];
  for (let i = 0; i < 25; i++) seen.push(...g.flowRecords(100));
  const f0 = seen.filter((r) => r.flow.index === 0);
  assert.equal(f0.length, 2);
  assert.deepEqual(f0.map((r) => [r.firstMs - T0, r.lastMs - T0]), [[0, 1000], [1000, 2000]]);
  assert.equal(f0[0].packets, Math.floor(1234.5 / 5));
  const rest = g.flushRecords().filter((r) => r.flow.index === 0);
  assert.equal(rest.length, 1);
  assert.deepEqual([rest[0].firstMs - T0, rest[0].lastMs - T0], [2000, 2500]);
  const sum = [...f0, ...rest].reduce((a, r) => a + r.packets, 0);
  assert.equal(sum, Math.floor((1234.5 * 2.5) / 5));
  assert.equal(g.flushRecords().length, 0, 'a second flush has nothing left');
});

test('interface counters accumulate the real traffic in and out', () => {
  const g = new TrafficGenerator(desc(), { startMs: T0 });
  g.packetSamples(2000);
  const c = g.interfaceCounters();
  assert.deepEqual(c.map((x) => x.ifIndex), [1, 2]);
  assert.equal(c[0].inPackets, 2469 + 666);
  assert.equal(c[0].inOctets, 2469 * 500 + 666 * 64);
  assert.equal(c[1].outPackets, 2469 + 666);
});

test('bootMs defaults to one hour before the start; a resolved description is accepted as is', () => {
  const d = resolveDescription(desc({ exporter: { bootMs: T0 - 5000 } }));
  assert.equal(new TrafficGenerator(d, { startMs: T0 }).bootMs, T0 - 5000);
  assert.equal(new TrafficGenerator(desc(), { startMs: T0 }).bootMs, T0 - 3_600_000);
  assert.throws(() => new TrafficGenerator(desc(), { startMs: T0 }).packetSamples(0), RangeError);
});

test('splitOversized keeps totals and never exceeds the counter', () => {
  const d = resolveDescription(desc());
  const r: FlowRecord = { flow: d.flows[0], packets: 20_000_000, bytes: 20_000_000 * 500, firstMs: 0, lastMs: 1, samplingRate: 1 };
  const parts = splitOversized([r]);
  assert.ok(parts.length >= 3);
  assert.equal(parts.reduce((a, p) => a + p.packets, 0), r.packets);
  assert.equal(parts.reduce((a, p) => a + p.bytes, 0), r.bytes);
  assert.ok(parts.every((p) => p.bytes <= 0xffffffff && p.bytes === p.packets * 500));
  const small = [{ ...r, packets: 1, bytes: 500 }];
  assert.equal(splitOversized(small), small, 'nothing to split: same array');
});
