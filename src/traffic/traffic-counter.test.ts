import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowSample, SampleSource, TcpFlag } from '../flow/sample.js';
import { trafficConfigSchema } from './config.js';
import { Category, CATEGORIES, HOST_VALUES } from './layout.js';
import { NetworkSets } from './networks.js';
import { fillSample, type SampleFields } from './sample-builder.js';
import { TrafficCounter, type HostObserver } from './traffic-counter.js';

function setup(extra: Record<string, unknown> = {}) {
  const cfg = trafficConfigSchema.parse({ networks: ['10.0.0.0/16', '10.0.5.0/24', '2001:db8::/32'], host_table: { max_hosts: 64, idle_seconds: 5 }, ...extra });
  const tc = new TrafficCounter(cfg, { networks: NetworkSets.fromConfig(cfg) }, 99);
  const s = new FlowSample();
  const seen = new Map<string, { packets: number[]; bytes: number[]; flows: number[] }>();
  const removed: string[] = [];
  const obs: HostObserver = {
    hostSecond(slot, period, had) {
      const b = slot * HOST_VALUES;
      const k = had ? 1 / period : 0; // without traffic this second the counters are stale
      seen.set(tc.hostAddress(slot), {
        packets: [...tc.table.packets.subarray(b, b + HOST_VALUES)].map((v) => v * k),
        bytes: [...tc.table.bytes.subarray(b, b + HOST_VALUES)].map((v) => v * k),
        flows: had ? [tc.table.flowEstimate(slot, 0), tc.table.flowEstimate(slot, 1)] : [0, 0],
      });
    },
    hostRemoved(slot) {
      removed.push(tc.hostAddress(slot));
    },
  };
  tc.setObserver(obs);
  let now = 1_000_000;
  tc.tick(now);
  return {
    tc,
    seen,
    removed,
    feed: (f: SampleFields, times = 1) => {
      for (let i = 0; i < times; i++) tc.sample(fillSample(s, f));
    },
    tick: () => {
      seen.clear();
      now += 1000;
      return tc.tick(now);
    },
  };
}

const inc = (v: number[], cat: number) => v[0 * CATEGORIES + cat];
const out = (v: number[], cat: number) => v[1 * CATEGORIES + cat];

test('direction by longest-prefix match: incoming, outgoing, internal (both hosts) and other (totals only)', () => {
  const h = setup();
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1', packets: 1, length: 100 }); // incoming
  h.feed({ src: '10.0.0.2', dst: '198.51.100.1', packets: 2, length: 100 }); // outgoing
  h.feed({ src: '10.0.0.3', dst: '10.0.5.4', packets: 3, length: 100 }); // internal
  h.feed({ src: '198.51.100.1', dst: '203.0.113.1', packets: 4, length: 100 }); // other
  h.tick();
  assert.equal(inc(h.seen.get('10.0.0.1')!.packets, Category.TOTAL), 1);
  assert.equal(out(h.seen.get('10.0.0.2')!.packets, Category.TOTAL), 2);
  assert.equal(out(h.seen.get('10.0.0.3')!.packets, Category.TOTAL), 3);
  assert.equal(inc(h.seen.get('10.0.5.4')!.packets, Category.TOTAL), 3);
  assert.equal(h.seen.size, 4);
  const t = h.tc.totals(4);
  assert.equal(t.incoming.total.pps, 1);
  assert.equal(t.outgoing.total.pps, 2);
  assert.equal(t.internal.total.pps, 3);
  assert.equal(t.other.total.pps, 4);
  assert.equal(t.other.total.bps, 400 * 8);
  assert.equal(h.tc.totals(6).incoming.total.pps, 0);
  // Per network: the /24 is more specific than the /16 and gets 10.0.5.4's traffic.
  const nets = Object.fromEntries(h.tc.networkRates().map((n) => [n.network, n]));
  assert.equal(nets['10.0.0.0/16'].incoming.total.pps, 1);
  assert.equal(nets['10.0.0.0/16'].outgoing.total.pps, 2 + 3);
  assert.equal(nets['10.0.5.0/24'].incoming.total.pps, 3);
});

test('internal traffic can be kept out of the host table', () => {
  const h = setup({ internal_per_host: false });
  h.feed({ src: '10.0.0.3', dst: '10.0.5.4', packets: 3 });
  h.tick();
  assert.equal(h.seen.size, 0);
  assert.equal(h.tc.totals(4).internal.total.pps, 3);
});

test('packets and bytes are multiplied by the sampling rate; per-protocol categories; SYN means SYN without ACK', () => {
  const h = setup();
  const dst = '10.0.0.1';
  h.feed({ src: '198.51.100.1', dst, protocol: 6, tcpFlags: TcpFlag.SYN, packets: 1, length: 60, samplingRate: 1000 });
  h.feed({ src: '198.51.100.1', dst, protocol: 6, tcpFlags: TcpFlag.SYN | TcpFlag.ACK, packets: 1, length: 60, samplingRate: 1000 });
  h.feed({ src: '198.51.100.1', dst, protocol: 6, tcpFlags: TcpFlag.ACK, packets: 1, length: 1500, samplingRate: 1000 });
  h.feed({ src: '198.51.100.1', dst, protocol: 17, packets: 1, length: 500, samplingRate: 1000 });
  h.feed({ src: '198.51.100.1', dst, protocol: 17, packets: 1, length: 1500, samplingRate: 1000, isFragment: true });
  h.feed({ src: '198.51.100.1', dst, protocol: 1, packets: 1, length: 84, samplingRate: 1000 });
  h.feed({ src: '2001:db9::1', dst: '2001:db8::1', protocol: 58, packets: 2, length: 100, samplingRate: 10 });
  h.tick();
  const p = h.seen.get(dst)!.packets;
  const b = h.seen.get(dst)!.bytes;
  assert.equal(inc(p, Category.TOTAL), 6000);
  assert.equal(inc(p, Category.TCP), 3000);
  assert.equal(inc(p, Category.SYN), 1000);
  assert.equal(inc(p, Category.UDP), 2000);
  assert.equal(inc(p, Category.ICMP), 1000);
  assert.equal(inc(p, Category.FRAGMENT), 1000);
  assert.equal(inc(b, Category.TOTAL), (60 + 60 + 1500 + 500 + 1500 + 84) * 1000);
  assert.equal(inc(b, Category.SYN), 60_000);
  const v6 = h.seen.get('2001:db8::1')!.packets;
  assert.equal(inc(v6, Category.ICMP), 20);
  assert.equal(h.tc.totals(6).incoming.icmp.pps, 20);
});

test('the sampling variance of the packet estimate is accumulated: packets × N × (N − 1) per sample', () => {
  const h = setup();
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1', packets: 2, samplingRate: 1000 }, 3);
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1', packets: 5, samplingRate: 1 });
  const slot = h.tc.findHost('10.0.0.1');
  assert.equal(h.tc.table.variance[slot * 2], 3 * 2 * 1000 * 999);
  assert.equal(h.tc.table.variance[slot * 2 + 1], 0);
});

test('a sampling rate of 0 or garbage counts as 1; samples without addresses are ignored', () => {
  const h = setup();
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1', packets: 5, samplingRate: 0 });
  const s = new FlowSample();
  s.reset(SampleSource.SFLOW);
  h.tc.sample(s);
  h.tick();
  assert.equal(inc(h.seen.get('10.0.0.1')!.packets, 0), 5);
  assert.equal(h.tc.stats.ignored, 1);
});

test('flows: distinct remote endpoints per second per host and direction', () => {
  const h = setup();
  for (let i = 0; i < 20; i++) h.feed({ src: `198.51.100.${i}`, dst: '10.0.0.1', srcPort: 1000, dstPort: 80, protocol: 6 }, 3);
  h.feed({ src: '10.0.0.1', dst: '198.51.100.1', srcPort: 80, dstPort: 1000, protocol: 6 }, 5);
  h.tick();
  const f = h.seen.get('10.0.0.1')!.flows;
  assert.ok(Math.abs(f[0] - 20) <= 3, `${f[0]}`);
  assert.ok(Math.abs(f[1] - 1) < 0.5, `${f[1]}`);
  h.tick();
  assert.equal(h.seen.get('10.0.0.1')!.flows[0], 0);
});

test('allow-listed remotes are not counted for the host but still in totals', () => {
  const h = setup({ allow_list: { remote: ['203.0.113.0/24', '2001:db8:ffff::/48'] } });
  h.feed({ src: '203.0.113.5', dst: '10.0.0.1', packets: 100 });
  h.feed({ src: '198.51.100.5', dst: '10.0.0.1', packets: 1 });
  h.feed({ src: '10.0.0.2', dst: '203.0.113.5', packets: 100 });
  h.tick();
  assert.equal(inc(h.seen.get('10.0.0.1')!.packets, 0), 1);
  assert.equal(h.seen.has('10.0.0.2'), false);
  assert.equal(h.tc.totals(4).incoming.total.pps, 101);
  assert.equal(h.tc.stats.allowListedRemote, 2);
});

test('NetFlow/IPFIX records are spread over their duration; sFlow is not; spreading can be switched off', () => {
  const h = setup();
  // A 10-second record of 10,000 packets: 1,000 per second for 10 seconds.
  h.feed({ source: SampleSource.NETFLOW_V9, src: '198.51.100.1', dst: '10.0.0.1', protocol: 6, tcpFlags: TcpFlag.ACK, packets: 10_000, length: 1000, startMs: 5_000, endMs: 15_000 });
  // sFlow with bogus timestamps is never spread.
  h.feed({ source: SampleSource.SFLOW, src: '198.51.100.1', dst: '10.0.0.2', packets: 7, startMs: 5_000, endMs: 15_000 });
  const seenPps: number[] = [];
  for (let i = 0; i < 12; i++) {
    h.tick();
    seenPps.push(inc(h.seen.get('10.0.0.1')?.packets ?? [0], 0));
    if (i === 0) assert.equal(inc(h.seen.get('10.0.0.2')!.packets, 0), 7);
    if (i === 1) assert.equal(inc(h.seen.get('10.0.0.2')!.packets, 0), 0);
  }
  assert.deepEqual(seenPps, [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0]);
  assert.equal(h.tc.spread.length, 0);
  assert.equal(h.tc.stats.spreadRecords, 1);

  const off = setup({ spreading: { enabled: false } });
  off.feed({ source: SampleSource.IPFIX, src: '198.51.100.1', dst: '10.0.0.1', packets: 10_000, startMs: 5_000, endMs: 15_000 });
  off.tick();
  assert.equal(inc(off.seen.get('10.0.0.1')!.packets, 0), 10_000);
});

test('a record longer than max_seconds is credited at its average rate for max_seconds; totals and networks follow the spread', () => {
  const h = setup({ spreading: { max_seconds: 5 } });
  // 100 s at 100 pps: the last 5 s are credited at 100 pps, the older 95 % is dropped and counted.
  h.feed({ source: SampleSource.IPFIX, src: '198.51.100.1', dst: '10.0.0.1', packets: 10_000, length: 100, startMs: 1_000, endMs: 101_000 });
  const got: number[] = [];
  const tot: number[] = [];
  for (let i = 0; i < 7; i++) {
    h.tick();
    got.push(inc(h.seen.get('10.0.0.1')?.packets ?? [0], 0));
    tot.push(h.tc.totals(4).incoming.total.pps);
  }
  assert.deepEqual(got, [100, 100, 100, 100, 100, 0, 0]);
  assert.deepEqual(tot, [100, 100, 100, 100, 100, 0, 0]);
  assert.equal(h.tc.stats.spreadTruncatedBytes, 950_000);
});

test('a record with an implausible duration (broken timestamps) keeps its volume, spread over max_seconds', () => {
  const h = setup({ spreading: { max_seconds: 4 } });
  h.feed({ source: SampleSource.NETFLOW_V5, src: '198.51.100.1', dst: '10.0.0.1', packets: 400, startMs: 1, endMs: 3 * 86_400_000 });
  const got: number[] = [];
  for (let i = 0; i < 5; i++) {
    h.tick();
    got.push(inc(h.seen.get('10.0.0.1')?.packets ?? [0], 0));
  }
  assert.deepEqual(got, [100, 100, 100, 100, 0]);
  assert.equal(h.tc.stats.spreadImplausible, 1);
});

test('when the spread queue is full, the rest of a record is credited at once and counted', () => {
  const h = setup({ spreading: { max_pending: 1 } });
  h.feed({ source: SampleSource.IPFIX, src: '198.51.100.1', dst: '10.0.0.1', packets: 100, startMs: 1_000, endMs: 11_000 });
  h.feed({ source: SampleSource.IPFIX, src: '198.51.100.1', dst: '10.0.0.2', packets: 100, startMs: 1_000, endMs: 11_000 });
  h.tick();
  assert.equal(inc(h.seen.get('10.0.0.1')!.packets, 0), 10);
  assert.equal(inc(h.seen.get('10.0.0.2')!.packets, 0), 100);
  assert.equal(h.tc.stats.spreadOverflow, 1);
});

test('rates use the measured tick period', () => {
  const h = setup();
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1', packets: 1000 });
  const now = h.tc.lastTickMs!;
  h.tc.tick(now + 2000);
  assert.equal(h.tc.totals(4).incoming.total.pps, 500);
});

test('idle hosts are purged after idle_seconds; the observer hears about it', () => {
  const h = setup();
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1' });
  h.tick();
  assert.equal(h.tc.table.count, 1);
  for (let i = 0; i < 5; i++) h.tick();
  assert.equal(h.tc.table.count, 1);
  h.tick();
  assert.equal(h.tc.table.count, 0);
  assert.deepEqual(h.removed, ['10.0.0.1']);
  assert.equal(h.tc.stats.hostsPurged, 1);
});

test('the host table is bounded: new hosts evict idle ones and the eviction is counted', () => {
  const h = setup({ host_table: { max_hosts: 16, idle_seconds: 1000 } });
  for (let i = 0; i < 16; i++) h.feed({ src: '198.51.100.1', dst: `10.0.1.${i}` });
  h.tick();
  h.tick();
  for (let i = 0; i < 8; i++) h.feed({ src: '198.51.100.1', dst: `10.0.2.${i}` });
  assert.equal(h.tc.table.count, 16);
  assert.equal(h.tc.stats.hostsEvicted, 8);
  assert.equal(h.removed.length, 8);
  assert.ok(h.tc.findHost('10.0.2.7') >= 0);
});

test('watched hosts have their samples captured (starting with their recent history); the ring is bounded', () => {
  const h = setup({ capture: { hosts: 2, samples: 16 } });
  h.feed({ src: '198.51.100.1', dst: '10.0.0.1' });
  const slot = h.tc.findHost('10.0.0.1');
  assert.ok(h.tc.watch(slot));
  for (let i = 0; i < 40; i++) h.feed({ src: `198.51.100.${i}`, dst: '10.0.0.1', srcPort: 53, protocol: 17 });
  const ring = h.tc.ringOf(slot);
  assert.equal(h.tc.capture.written[ring], 41, 'the sample before the watch came from the shared recent ring');
  assert.equal(h.tc.stats.captured, 40);
  assert.equal(h.tc.stats.backfilled, 1);
  assert.equal(h.tc.capture.srcPort(ring * 16 + (40 % 16)), 53);
  h.tc.unwatch(slot);
  assert.equal(h.tc.ringOf(slot), -1);
  assert.equal(h.tc.capture.inUse, 0);
});

test('property: host counters add up to the totals, and spreading conserves volume', async () => {
  const fc = (await import('fast-check')).default;
  const addr = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.5.9', '198.51.100.1', '203.0.113.7');
  const sample = fc.record({
    src: addr,
    dst: addr,
    protocol: fc.constantFrom(1, 6, 17, 47),
    tcpFlags: fc.integer({ min: 0, max: 255 }),
    packets: fc.integer({ min: 1, max: 1000 }),
    length: fc.integer({ min: 20, max: 1500 }),
    samplingRate: fc.integer({ min: 1, max: 1000 }),
    isFragment: fc.boolean(),
    netflow: fc.boolean(),
    durationMs: fc.integer({ min: 0, max: 8000 }),
  });
  fc.assert(
    fc.property(fc.array(sample, { maxLength: 60 }), (list) => {
      const h = setup({ spreading: { max_seconds: 10 } });
      let expected = 0;
      for (const x of list) {
        h.feed({ ...x, source: x.netflow ? SampleSource.IPFIX : SampleSource.SFLOW, startMs: 10_000, endMs: 10_000 + x.durationMs });
        expected += x.packets * x.samplingRate;
      }
      let totalSeen = 0;
      for (let t = 0; t < 12; t++) {
        h.tick();
        const tot = h.tc.totals('all');
        const sum = (d: 'incoming' | 'outgoing' | 'internal' | 'other') => tot[d].total.pps;
        let hostIn = 0;
        let hostOut = 0;
        for (const v of h.seen.values()) {
          hostIn += inc(v.packets, 0);
          hostOut += out(v.packets, 0);
          for (let c = 1; c < CATEGORIES; c++) assert.ok(inc(v.packets, c) <= inc(v.packets, 0) * (1 + 1e-6));
        }
        assert.ok(Math.abs(hostIn - (sum('incoming') + sum('internal'))) <= 1e-3 * (1 + hostIn), `in ${hostIn}`);
        assert.ok(Math.abs(hostOut - (sum('outgoing') + sum('internal'))) <= 1e-3 * (1 + hostOut), `out ${hostOut}`);
        totalSeen += sum('incoming') + sum('outgoing') + sum('internal') + sum('other');
      }
      assert.ok(Math.abs(totalSeen - expected) <= 1e-6 * (1 + expected), `${totalSeen} vs ${expected}`);
      assert.equal(h.tc.spread.length, 0);
    }),
    { numRuns: 150 },
  );
});

test('the shared recent ring gives a newly watched host its history, and forgets hosts whose slot was reused', () => {
  const h = setup({ capture: { hosts: 4, samples: 64, recent_samples: 8 } });
  for (let i = 0; i < 5; i++) h.feed({ src: `198.51.100.${i}`, dst: '10.0.0.1', srcPort: 123 });
  for (let i = 0; i < 5; i++) h.feed({ src: `198.51.100.${i}`, dst: '10.0.0.2', srcPort: 53 });
  // The ring holds 8: the 3 newest of 10.0.0.1 and the 5 of 10.0.0.2.
  const a = h.tc.findHost('10.0.0.1');
  h.tc.watch(a);
  assert.equal(h.tc.capture.written[h.tc.ringOf(a)], 3);
  const b = h.tc.findHost('10.0.0.2');
  h.tc.table.remove(b);
  const c = h.tc.table.acquireV4(0x0a000003, h.tc.tickNo);
  assert.equal(c, b, 'slot reused');
  h.tc.watch(c);
  assert.equal(h.tc.capture.written[h.tc.ringOf(c)], 0, 'the old tenant\'s samples are not handed to the new one');
});
