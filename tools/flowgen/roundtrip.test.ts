/**
 * flowgen → the real decoders (src/flow/sflow, netflow, ipfix): what is encoded is what a
 * collector reads back, including sampling rates learned from options data, sequence numbers the
 * decoders accept without gaps, and packets × sampling rate equal to the described real rate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exporter } from '../../src/flow/exporter.js';
import { CollectingSink } from '../../src/flow/sample-record.js';
import type { SampleRecord } from '../../src/flow/sample.js';
import { SflowDecoder } from '../../src/flow/sflow/index.js';
import { NetflowV5Decoder, NetflowV9Decoder } from '../../src/flow/netflow/index.js';
import { IpfixDecoder } from '../../src/flow/ipfix/index.js';
import { TemplateCache } from '../../src/flow/templates/index.js';
import { SimulatedExporter, type FlowgenProtocol, type SimulatedExporterOptions } from './simulate.js';
import { scenarioDescription, scenarioNames } from './scenarios.js';
import type { TrafficDescription } from './traffic.js';

const T0 = 1_700_000_000_000;
const N = 100;
const SECONDS = 2;

const DESC: TrafficDescription = {
  samplingRate: N,
  exporter: { agent: '127.0.0.1', sourceId: 5, observationDomainId: 9 },
  flows: [
    { src: '198.51.100.7', dst: '192.0.2.10', protocol: 'udp', srcPort: 123, dstPort: 4444, packetSize: 486, pps: 50_000, ttl: 51, inputIf: 3, outputIf: 4, srcAs: 64500, dstAs: 64496 },
    { src: '2001:db8:bad::1', dst: '2001:db8::10', protocol: 'tcp', srcPort: 1000, dstPort: 80, tcpFlags: 0x02, packetSize: 78, pps: 20_000, inputIf: 3, outputIf: 4 },
    { src: '198.51.100.8', dst: '192.0.2.11', protocol: 'icmp', icmpType: 8, icmpCode: 0, packetSize: 98, pps: 3_050, inputIf: 3, outputIf: 4 },
    { src: '198.51.100.9', dst: '192.0.2.12', protocol: 'udp', fragment: 'middle', packetSize: 1518, pps: 10_000, inputIf: 3, outputIf: 4 },
    { src: '198.51.100.10', dst: '192.0.2.13', protocol: 'tcp', srcPort: 40000, dstPort: 443, tcpFlags: 0x18, fragment: 'first', packetSize: 1518, pps: 777.7, inputIf: 3, outputIf: 4 },
  ],
};

interface Decoded {
  records: SampleRecord[];
  exporter: Exporter;
}

function run(proto: FlowgenProtocol, desc: TrafficDescription, seconds: number, opts: SimulatedExporterOptions = {}): Decoded {
  const sim = new SimulatedExporter(proto, desc, { startMs: T0, ...opts });
  const exporter = new Exporter('127.0.0.1', 1, 0, 1);
  const sink = new CollectingSink();
  const cache = new TemplateCache();
  const decoder = proto === 'sflow' ? new SflowDecoder() : proto === 'netflow5' ? new NetflowV5Decoder() : proto === 'netflow9' ? new NetflowV9Decoder(cache) : new IpfixDecoder(cache);
  for (let i = 0; i < seconds * 10; i++) {
    for (const d of sim.step(100)) decoder.decode(d, exporter, sim.nowMs, sink);
  }
  for (const d of sim.flush()) decoder.decode(d, exporter, sim.nowMs, sink);
  return { records: sink.records, exporter };
}

function byFlow(records: SampleRecord[]): Map<string, SampleRecord[]> {
  const m = new Map<string, SampleRecord[]>();
  for (const r of records) {
    const k = `${r.src}>${r.dst}`;
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(r);
  }
  return m;
}

/** Real packets per second the collector would compute: Σ packets × samplingRate / seconds. */
function rate(list: SampleRecord[], seconds: number): number {
  return list.reduce((a, r) => a + r.packets * r.samplingRate, 0) / seconds;
}

function checkCommon(proto: FlowgenProtocol, got: Decoded): void {
  const { records, exporter } = got;
  assert.equal(exporter.stats.errorTotal(), 0, `${proto}: no decode errors ${JSON.stringify([...exporter.stats.errors])}`);
  assert.equal(exporter.stats.sequenceGaps, 0, `${proto}: sequence numbers without gaps`);
  assert.equal(exporter.stats.sequenceResets, 0, `${proto}: sequence numbers never go back`);
  const flows = byFlow(records);
  const expectV6 = proto !== 'netflow5';
  assert.equal(flows.size, expectV6 ? 5 : 4, `${proto}: flows seen ${[...flows.keys()].join(', ')}`);
  for (const f of DESC.flows) {
    const list = flows.get(`${f.src}>${f.dst}`);
    if (f.src.includes(':') && !expectV6) {
      assert.equal(list, undefined);
      continue;
    }
    assert.ok(list, `${proto}: flow ${f.src}>${f.dst}`);
    // Sampling is 1-in-N per flow with the remainder carried: within one sample of the real rate.
    assert.ok(Math.abs(rate(list, SECONDS) - f.pps) <= N / SECONDS, `${proto} ${f.src}: decoded ${rate(list, SECONDS)} pps, described ${f.pps}`);
    for (const r of list) {
      assert.equal(r.samplingRate, N, `${proto}: sampling rate reaches the collector`);
      assert.equal(r.bytes, r.packets * f.packetSize, `${proto}: bytes per packet`);
      assert.equal(r.inputIf, 3);
      assert.equal(r.outputIf, 4);
      const isL4 = f.fragment === undefined || f.fragment === 'first';
      const proto0 = f.protocol === 'udp' ? 17 : f.protocol === 'tcp' ? 6 : 1;
      assert.equal(r.protocol, proto0);
      assert.equal(r.srcPort, isL4 ? f.srcPort ?? 0 : 0);
      assert.equal(r.dstPort, isL4 ? f.dstPort ?? 0 : 0);
      if (f.protocol === 'tcp' && isL4) assert.equal(r.tcpFlags, f.tcpFlags);
      if (f.protocol === 'icmp') assert.deepEqual([r.icmpType, r.icmpCode], [8, 0]);
      if (proto !== 'netflow5') {
        assert.equal(r.isFragment, f.fragment !== undefined, `${proto} ${f.src}: isFragment`);
        assert.equal(r.fragmentOffset, f.fragment === 'middle' ? 185 : 0);
        assert.equal(r.moreFragments, f.fragment === 'first' || f.fragment === 'middle', `${proto} ${f.src}: MF`);
      }
      if (f.ttl !== undefined && proto !== 'netflow5') assert.equal(r.ttl, f.ttl);
      if (f.srcAs !== undefined && proto !== 'sflow') assert.deepEqual([r.srcAs, r.dstAs], [f.srcAs, f.dstAs]);
    }
  }
}

test('sFlow: raw headers decode to the described flows at the described rates', () => {
  const got = run('sflow', DESC, SECONDS);
  checkCommon('sflow', got);
  for (const r of got.records) {
    assert.equal(r.packets, 1);
    assert.ok(r.frameLength > 0);
  }
  const udp = got.records.find((r) => r.src === '198.51.100.7')!;
  assert.equal(udp.frameLength, 486);
  assert.equal(udp.ipLength, 486 - 18);
  assert.equal(udp.ttl, 51);
});

test('sFlow: extended gateway AS numbers and counter samples reach the decoder', () => {
  const d: TrafficDescription = { ...DESC, flows: [DESC.flows[0]] };
  const got = run('sflow', d, 1, { counterIntervalMs: 500 });
  assert.equal(got.exporter.stats.errorTotal(), 0);
  assert.ok(got.records.every((r) => r.srcAs === 64500 && r.dstAs === 64496));
  assert.ok(got.exporter.stats.counterSamples > 0);
  assert.equal(got.exporter.interfaces.get(3)?.inPackets, 50_000);
  const expanded = run('sflow', d, 1, { counterIntervalMs: 500, sflow: { expanded: true } });
  assert.equal(expanded.exporter.stats.errorTotal(), 0);
  assert.deepEqual(expanded.records, got.records, 'expanded samples decode to the same samples');
  assert.equal(expanded.exporter.interfaces.get(3)?.inPackets, 50_000);
});

test('NetFlow v5: records, sampling interval from the header, flow_sequence without gaps', () => {
  const got = run('netflow5', DESC, SECONDS);
  checkCommon('netflow5', got);
  const r = got.records.find((x) => x.src === '198.51.100.7')!;
  assert.ok(r.endMs - r.startMs >= 99 && r.endMs - r.startMs <= 101, 'first/last span the step');
});

for (const sampling of ['options-sampler', 'options-interval', 'in-record'] as const) {
  test(`NetFlow v9 (${sampling}): templates, options-learned sampling, package sequence`, () => {
    const got = run('netflow9', DESC, SECONDS, { netflow9: { sampling } });
    checkCommon('netflow9', got);
    if (sampling !== 'in-record') assert.equal(got.exporter.learnedSampling.size, 1);
  });
}

for (const sampling of ['options-305-306', 'options-34', 'in-record-34'] as const) {
  test(`IPFIX (${sampling}): IEs, options-learned sampling, record sequence`, () => {
    const got = run('ipfix', DESC, SECONDS, { ipfix: { sampling } });
    checkCommon('ipfix', got);
    const r = got.records.find((x) => x.src === '198.51.100.7')!;
    assert.equal(r.endMs - r.startMs, 100, 'millisecond flow times');
    assert.ok(r.startMs >= T0 && r.endMs <= T0 + SECONDS * 1000);
  });
}

test('active timeout: records span the timeout and rates still add up', () => {
  const got = run('ipfix', { ...DESC, activeTimeoutMs: 1000 }, SECONDS);
  checkCommon('ipfix', got);
  const list = byFlow(got.records).get('198.51.100.7>192.0.2.10')!;
  assert.deepEqual(list.map((r) => [r.startMs - T0, r.endMs - T0]), [[0, 1000], [1000, 2000]]);
});

test('every built-in scenario decodes without errors in every protocol', () => {
  for (const name of scenarioNames()) {
    for (const proto of ['sflow', 'netflow5', 'netflow9', 'ipfix'] as const) {
      const d = scenarioDescription(name, { samplingRate: 100 });
      if (proto === 'netflow5' && d.flows.every((f) => f.src.includes(':'))) continue; // v5 has no IPv6
      const got = run(proto, d, 1);
      assert.equal(got.exporter.stats.errorTotal(), 0, `${name} ${proto}: ${JSON.stringify([...got.exporter.stats.errors])}`);
      assert.equal(got.exporter.stats.sequenceGaps, 0, `${name} ${proto}`);
      assert.ok(got.records.length > 0, `${name} ${proto}`);
      const want = d.flows.filter((f) => proto !== 'netflow5' || !f.src.includes(':')).reduce((a, f) => a + f.pps, 0);
      const seen = rate(got.records, 1);
      // Per flow at most one sample (100 packets) off either way; a scenario has up to 200 flows.
      assert.ok(Math.abs(seen - want) <= d.flows.length * 100, `${name} ${proto}: ${seen} of ${want} pps`);
    }
  }
});
