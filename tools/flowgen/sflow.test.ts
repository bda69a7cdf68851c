import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficGenerator } from './generator.js';
import { SflowEncoder, ROUTER_AS } from './sflow.js';
import { datagramsFor } from './simulate.js';
import { resolveDescription, type TrafficDescription } from './traffic.js';

const T0 = 1_700_000_000_000;

const DESC: TrafficDescription = {
  samplingRate: 100,
  exporter: { agent: '192.0.2.254', subAgentId: 3, bootMs: T0 - 60_000 },
  flows: [
    { src: '198.51.100.7', dst: '192.0.2.10', protocol: 'udp', srcPort: 123, dstPort: 4444, packetSize: 486, pps: 50_000, inputIf: 5, outputIf: 6 },
    { src: '2001:db8:bad::1', dst: '2001:db8::10', protocol: 'tcp', srcPort: 1000, dstPort: 80, tcpFlags: 2, packetSize: 78, pps: 20_000, inputIf: 5, srcAs: 64500, dstAs: 4_200_000_000, nextHop: '2001:db8::1' },
    { src: '198.51.100.8', dst: '192.0.2.11', protocol: 'icmp', packetSize: 64, pps: 3_000, inputIf: 7 },
  ],
};

interface ParsedSample {
  format: number;
  seq: number;
  sourceIndex: number;
  rate: number;
  pool: number;
  input: number;
  output: number;
  records: { format: number; body: Buffer }[];
}

/** A strict reader: every length must be consistent and every opaque padded with zeros. */
function parse(b: Buffer) {
  assert.equal(b.length % 4, 0, 'datagram is a whole number of XDR words');
  let o = 0;
  const u32 = () => {
    assert.ok(o + 4 <= b.length, 'read past the end');
    const v = b.readUInt32BE(o);
    o += 4;
    return v;
  };
  const version = u32();
  const at = u32();
  const agent = b.subarray(o, o + (at === 1 ? 4 : 16));
  o += agent.length;
  const subAgent = u32();
  const seq = u32();
  const uptime = u32();
  const n = u32();
  const samples: ParsedSample[] = [];
  const counters: { format: number; seq: number; ifIndex: number; body: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const format = u32();
    const len = u32();
    assert.equal(len % 4, 0, 'sample length is a multiple of 4');
    const end = o + len;
    assert.ok(end <= b.length);
    if (format === 1 || format === 3) {
      const s: ParsedSample = { format, seq: u32(), sourceIndex: 0, rate: 0, pool: 0, input: 0, output: 0, records: [] };
      if (format === 1) s.sourceIndex = u32() & 0xffffff;
      else {
        assert.equal(u32(), 0);
        s.sourceIndex = u32();
      }
      s.rate = u32();
      s.pool = u32();
      assert.equal(u32(), 0, 'drops');
      if (format === 1) {
        s.input = u32();
        s.output = u32();
      } else {
        assert.equal(u32(), 0);
        s.input = u32();
        assert.equal(u32(), 0);
        s.output = u32();
      }
      const nr = u32();
      for (let r = 0; r < nr; r++) {
        const rf = u32();
        const rl = u32();
        assert.equal(rl % 4, 0);
        s.records.push({ format: rf, body: b.subarray(o, o + rl) });
        o += rl;
      }
      samples.push(s);
    } else if (format === 2 || format === 4) {
      const seqN = u32();
      const ifIndex = format === 2 ? u32() & 0xffffff : (u32(), u32());
      assert.equal(u32(), 1);
      assert.equal(u32(), 1, 'generic interface counters');
      assert.equal(u32(), 88);
      counters.push({ format, seq: seqN, ifIndex, body: b.subarray(o, o + 88) });
      o += 88;
    } else {
      assert.fail(`unexpected sample format ${format}`);
    }
    assert.equal(o, end, 'sample length matches its content');
  }
  assert.equal(o, b.length, 'no trailing bytes');
  return { version, at, agent, subAgent, seq, uptime, samples, counters };
}

function rawHeader(body: Buffer) {
  const headerLen = body.readUInt32BE(12);
  const padded = (headerLen + 3) & ~3;
  assert.equal(body.length, 16 + padded);
  assert.ok(body.subarray(16 + headerLen).every((x) => x === 0), 'opaque padding is zero');
  return { protocol: body.readUInt32BE(0), frameLength: body.readUInt32BE(4), stripped: body.readUInt32BE(8), header: body.subarray(16, 16 + headerLen) };
}

test('sFlow v5 datagrams: header, 7 samples each, sequence numbers, raw header records', () => {
  const d = resolveDescription(DESC);
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new SflowEncoder(d, { bootMs: T0 - 60_000 });
  const samples = g.packetSamples(1000);
  assert.equal(samples.length, 500 + 200 + 30);
  const dgrams = enc.encode(samples, g.nowMs);
  assert.equal(dgrams.length, Math.ceil(730 / 7));
  const seqBySource = new Map<number, number>();
  const byFlow = new Map<string, number>();
  dgrams.forEach((b, i) => {
    const p = parse(b);
    assert.equal(p.version, 5);
    assert.equal(p.at, 1);
    assert.deepEqual([...p.agent], [192, 0, 2, 254]);
    assert.equal(p.subAgent, 3);
    assert.equal(p.seq, i + 1, 'datagram sequence starts at 1 and increments');
    assert.equal(p.uptime, 61_000);
    assert.equal(p.samples.length, i < dgrams.length - 1 ? 7 : 730 % 7);
    for (const s of p.samples) {
      assert.equal(s.rate, 100);
      const prev = seqBySource.get(s.sourceIndex) ?? 0;
      assert.equal(s.seq, prev + 1, 'flow sample sequence per data source');
      seqBySource.set(s.sourceIndex, s.seq);
      const raw = rawHeader(s.records[0].body);
      assert.equal(s.records[0].format, 1);
      assert.equal(raw.protocol, 1, 'Ethernet');
      assert.equal(raw.stripped, 4);
      assert.equal(raw.header.length, Math.min(128, raw.frameLength - 4));
      const et = raw.header.readUInt16BE(12);
      const key = et === 0x0800 ? `${raw.header[23]}:${raw.header.subarray(26, 30).join('.')}` : `${raw.header[20]}:v6`;
      byFlow.set(key, (byFlow.get(key) ?? 0) + 1);
      if (et === 0x86dd) {
        assert.equal(s.records.length, 2, 'flow with AS numbers carries an extended gateway');
        assert.equal(s.records[1].format, 1003);
        const gw = s.records[1].body;
        assert.equal(gw.readUInt32BE(0), 2, 'IPv6 next hop');
        assert.equal(gw.readUInt32BE(20), ROUTER_AS);
        assert.equal(gw.readUInt32BE(24), 64500, 'src_as');
        assert.equal(gw.readUInt32BE(32), 1, 'one AS path segment');
        assert.equal(gw.readUInt32BE(44), 4_200_000_000, 'dst_as is the last AS of the path');
        assert.equal(s.input, 5);
      } else {
        assert.equal(s.records.length, 1);
      }
    }
  });
  assert.deepEqual(Object.fromEntries(byFlow), { '17:198.51.100.7': 500, '6:v6': 200, '1:198.51.100.8': 30 });
  assert.deepEqual(Object.fromEntries(seqBySource), { 5: 700, 7: 30 });
  assert.equal(enc.datagramSequence, dgrams.length + 1);
});

test('frame_length is packetSize and the pool equals the real packets of the data source', () => {
  const dgrams = datagramsFor('sflow', { ...DESC, flows: [DESC.flows[0]] }, 2, { startMs: T0 });
  const all = dgrams.flatMap((b) => parse(b).samples);
  assert.equal(all.length, 1000);
  for (const s of all) assert.equal(rawHeader(s.records[0].body).frameLength, 486);
  assert.equal(all[all.length - 1].pool, 100_000);
  assert.equal(all[0].pool, 100, 'first sample after N packets');
});

test('IPv6 agent, expanded samples, samples per datagram and counter samples', () => {
  const d = resolveDescription({ ...DESC, exporter: { agent: '2001:db8::ff' } });
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new SflowEncoder(d, { bootMs: T0, expanded: true, samplesPerDatagram: 3, extendedGateway: false });
  const samples = g.packetSamples(100);
  const dgrams = enc.encode(samples, g.nowMs, g.interfaceCounters());
  const parsed = dgrams.map(parse);
  assert.equal(parsed[0].at, 2);
  assert.equal(parsed[0].agent.length, 16);
  assert.ok(parsed.every((p) => p.samples.length + p.counters.length <= 3));
  const counters = parsed.flatMap((p) => p.counters);
  assert.deepEqual(counters.map((c) => [c.format, c.ifIndex, c.seq]), [[4, 2, 1], [4, 5, 1], [4, 6, 1], [4, 7, 1]]);
  const if5 = counters[1].body;
  assert.equal(if5.readUInt32BE(0), 5);
  assert.equal(if5.readUInt32BE(24), 0, 'high word of ifInOctets');
  assert.equal(if5.readUInt32BE(28), 5000 * 486 + 2000 * 78);
  assert.equal(if5.readUInt32BE(32), 7000, 'ifInUcastPkts');
  const flows = parsed.flatMap((p) => p.samples);
  assert.equal(flows.length, 73);
  assert.ok(flows.every((s) => s.format === 3 && s.records.length === 1), 'expanded samples, no gateway when disabled');
});

test('encoder options are validated', () => {
  const d = resolveDescription(DESC);
  assert.throws(() => new SflowEncoder(d, { bootMs: 0, samplesPerDatagram: 0 }), RangeError);
  assert.throws(() => new SflowEncoder(d, { bootMs: 0, samplesPerDatagram: 1000 }), RangeError);
  assert.deepEqual(new SflowEncoder(d, { bootMs: 0 }).encode([], T0), []);
});
