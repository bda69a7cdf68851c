import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowSample, SampleSource, TcpFlag } from '../flow/sample.js';
import { trafficConfigSchema } from '../traffic/config.js';
import { NetworkSets } from '../traffic/networks.js';
import { fillSample, type SampleFields } from '../traffic/sample-builder.js';
import { TrafficCounter } from '../traffic/traffic-counter.js';
import { SLOT_PINNED } from '../traffic/host-table.js';
import { RecordingAttackSink } from './attack.js';
import { detectionConfigSchema } from './config.js';
import { Detector } from './detector.js';

const BASE_THRESHOLDS = {
  incoming: { pps: 1000, mbps: false },
  outgoing: { pps: 1000, mbps: false },
};

function setup(opts: { detection?: Record<string, unknown>; traffic?: Record<string, unknown> } = {}) {
  const tcfg = trafficConfigSchema.parse({ networks: ['10.0.0.0/16', '2001:db8::/32'], host_table: { max_hosts: 256 }, ...opts.traffic });
  const traffic = new TrafficCounter(tcfg, { networks: NetworkSets.fromConfig(tcfg) }, 7);
  const dcfg = detectionConfigSchema.parse({ thresholds: BASE_THRESHOLDS, ...opts.detection });
  const sink = new RecordingAttackSink();
  let n = 0;
  const det = new Detector(dcfg, { traffic, sink, newId: () => `attack-${++n}` });
  const s = new FlowSample();
  // The clock is whatever we pass: start at 0 to show nothing reads the wall clock.
  let now = 0;
  det.tick(now);
  const h = {
    traffic,
    det,
    sink,
    now: () => now,
    feed(f: SampleFields, times = 1) {
      for (let i = 0; i < times; i++) traffic.sample(fillSample(s, f));
    },
    /** `pps` packets during this second towards (or from, for outgoing) `host`, as 10 unsampled samples. */
    flood(host: string, pps: number, f: Partial<SampleFields> = {}, outgoing = false) {
      for (let i = 0; i < 10; i++) {
        const remote = host.includes(':') ? `2001:db9::${i + 1}` : `198.51.100.${i + 1}`;
        h.feed({ src: outgoing ? host : remote, dst: outgoing ? remote : host, protocol: 17, srcPort: 1024 + i, dstPort: 80, packets: pps / 10, length: 100, ...f });
      }
    },
    tick() {
      now += 1000;
      return det.tick(now);
    },
    /** Runs `seconds` seconds, calling `each(i)` to feed traffic before each tick. */
    run(seconds: number, each: (i: number) => void) {
      for (let i = 0; i < seconds; i++) {
        each(i);
        h.tick();
      }
    },
  };
  return h;
}

test('a flood at 2x the threshold is detected 2 s after its telemetry starts, with trigger, host, group and direction', () => {
  const h = setup();
  const t0 = h.now();
  h.flood('10.0.0.1', 2000);
  h.tick();
  assert.equal(h.sink.of('started').length, 0, 'not after one second');
  h.flood('10.0.0.1', 2000);
  h.tick();
  const [a] = h.sink.of('started');
  assert.ok(a, 'detected at the second tick');
  assert.equal(a.startedMs - t0, 2000);
  assert.equal(a.host, '10.0.0.1');
  assert.equal(a.ipVersion, 4);
  assert.equal(a.group, 'global');
  assert.equal(a.direction, 'incoming');
  assert.equal(a.status, 'active');
  assert.deepEqual(a.trigger, { metric: 'pps', threshold: 1000, value: 2000, ratio: 2, rule: 'consecutive' });
  assert.equal(a.current.pps, 2000);
  assert.equal(a.peak.pps, 2000);
  assert.equal(a.id, 'attack-1');
  assert.equal(a.allowListed, false);
});

test('1.25x is detected at the second tick too (FastNetMon needs ~9 s)', () => {
  const h = setup();
  h.run(2, () => h.flood('10.0.0.1', 1250));
  assert.equal(h.sink.of('started').length, 1);
});

test('a one-second burst never triggers, however large; traffic just below the threshold never triggers', () => {
  const h = setup();
  h.flood('10.0.0.1', 100_000);
  h.tick();
  h.run(30, () => h.flood('10.0.0.2', 990));
  assert.equal(h.sink.events.length, 0);
  // Two single-second bursts far apart do not add up either.
  h.flood('10.0.0.1', 100_000);
  h.run(10, () => {});
  h.flood('10.0.0.1', 100_000);
  h.run(10, () => {});
  assert.equal(h.sink.events.length, 0);
});

test('trigger_seconds 3 needs three seconds in a row', () => {
  const h = setup({ detection: { trigger_seconds: 3 } });
  h.run(2, () => h.flood('10.0.0.1', 5000));
  assert.equal(h.sink.of('started').length, 0);
  h.run(1, () => h.flood('10.0.0.1', 5000));
  assert.equal(h.sink.of('started').length, 1);
});

test('an on/off pulse flood that is never up two seconds in a row is caught by the average rule', () => {
  const h = setup();
  let at = -1;
  h.run(20, (i) => {
    if (i % 2 === 0) h.flood('10.0.0.1', 4000);
    if (at < 0 && h.sink.of('started').length) at = i;
  });
  const [a] = h.sink.of('started');
  assert.ok(a, 'pulse flood detected');
  assert.equal(a.trigger.rule, 'average');
  assert.ok(at > 0 && at <= 6, `detected after ${at} s`);
});

/** Deterministic Poisson draws (Knuth), so sampled-noise tests are reproducible. */
function poissonSource(seed: number) {
  let x = seed >>> 0;
  const uniform = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x + 0.5) / 4294967296;
  };
  return (lambda: number) => {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= uniform();
    } while (p > l);
    return k - 1;
  };
}

test('sampling noise: a host at 80 % of its threshold seen at 1:100 (8 samples/s) does not trigger for an hour; without the noise margin it does', () => {
  for (const [sigmas, expectAttacks] of [
    [2.5, false],
    [0, true],
  ] as const) {
    const h = setup({ detection: { noise_sigmas: sigmas, end_seconds: 1 } });
    const draw = poissonSource(2024);
    h.run(3600, () => {
      const k = draw(8);
      for (let i = 0; i < k; i++) h.feed({ src: `198.51.100.${i % 50}`, dst: '10.0.0.1', protocol: 6, tcpFlags: TcpFlag.ACK, packets: 1, length: 100, samplingRate: 100 });
    });
    const n = h.sink.of('started').length;
    if (expectAttacks) assert.ok(n > 10, `noise_sigmas 0: ${n} false attacks expected to be many`);
    else assert.equal(n, 0, `noise_sigmas ${sigmas}: ${n} false attacks`);
  }
});

test('sampling noise: a flood at 2x seen at 1:100 (20 samples/s) is still detected within a few seconds', () => {
  const delays: number[] = [];
  for (let seed = 1; seed <= 20; seed++) {
    const h = setup();
    const draw = poissonSource(seed * 7919);
    let detectedAt = -1;
    h.run(15, (i) => {
      const k = draw(20);
      for (let j = 0; j < k; j++) h.feed({ src: `198.51.100.${j}`, dst: '10.0.0.1', protocol: 17, packets: 1, length: 100, samplingRate: 100 });
      if (detectedAt < 0 && h.sink.of('started').length) detectedAt = i;
    });
    assert.ok(detectedAt > 0, `seed ${seed}: not detected`);
    delays.push(detectedAt);
  }
  delays.sort((a, b) => a - b);
  assert.ok(delays[10] <= 3, `median delay ${delays[10]} s (${delays.join(',')})`);
  assert.ok(delays[19] <= 8, `worst delay ${delays[19]} s`);
});

test('lifecycle: start, one update per second with current and peak, end after end_seconds below, then a new attack gets a new id', () => {
  const h = setup({ detection: { end_seconds: 5 } });
  h.run(2, () => h.flood('10.0.0.1', 3000));
  h.run(3, (i) => h.flood('10.0.0.1', [6000, 4000, 3000][i]));
  const started = h.sink.of('started');
  const updates = h.sink.of('updated');
  assert.equal(started.length, 1, 'one attack per host and direction');
  assert.equal(updates.length, 3);
  assert.deepEqual(updates.map((u) => u.current.pps), [6000, 4000, 3000]);
  assert.equal(updates[2].peak.pps, 6000);
  assert.equal(updates[2].updates, 3);
  const slot = h.traffic.findHost('10.0.0.1');
  assert.ok(h.traffic.table.flags[slot] & SLOT_PINNED, 'pinned while attacked');
  assert.equal(h.det.activeAttacks().length, 1);
  assert.equal(h.det.attackOn('10.0.0.1', 'incoming')!.id, 'attack-1');
  assert.equal(h.det.attackOn('10.0.0.1', 'outgoing'), undefined);
  // Below the threshold: still updated for end_seconds, then ended.
  h.run(5, () => h.flood('10.0.0.1', 500));
  assert.equal(h.sink.of('ended').length, 0);
  h.run(1, () => h.flood('10.0.0.1', 500));
  const [ended] = h.sink.of('ended');
  assert.ok(ended);
  assert.equal(ended.status, 'ended');
  assert.equal(ended.endReason, 'below_threshold');
  assert.equal(ended.endedMs! - ended.startedMs, 9000);
  assert.equal(h.det.activeAttacks().length, 0);
  assert.equal(h.det.attackHistory().length, 1);
  assert.equal(h.det.getAttack('attack-1')!.status, 'ended');
  assert.equal(h.traffic.table.flags[slot] & SLOT_PINNED, 0);
  // A dip below the threshold shorter than end_seconds does not end an attack.
  h.run(2, () => h.flood('10.0.0.1', 3000));
  h.run(3, () => h.flood('10.0.0.1', 100));
  h.run(2, () => h.flood('10.0.0.1', 3000));
  const started2 = h.sink.of('started');
  assert.equal(started2.length, 2);
  assert.equal(started2[1].id, 'attack-2');
  assert.equal(h.sink.of('ended').length, 1);
});

test('thresholds per protocol and direction: a SYN threshold fires on SYN, not on ACK at the same rate; outgoing has its own', () => {
  const h = setup({
    detection: {
      thresholds: {
        incoming: { pps: false, mbps: false, syn_pps: 500 },
        outgoing: { pps: 100_000, mbps: 1 },
      },
    },
  });
  h.run(3, () => h.flood('10.0.0.1', 2000, { protocol: 6, tcpFlags: TcpFlag.ACK }));
  assert.equal(h.sink.of('started').length, 0);
  h.run(2, () => h.flood('10.0.0.2', 2000, { protocol: 6, tcpFlags: TcpFlag.SYN, length: 60 }));
  const [a] = h.sink.of('started');
  assert.equal(a.trigger.metric, 'syn_pps');
  assert.equal(a.type, 'syn_flood');
  assert.equal(a.protocol, 'tcp');
  // Outgoing: 2000 pps × 100 bytes = 1.6 Mbit/s > 1 Mbit/s.
  h.run(2, () => h.flood('10.0.0.3', 2000, {}, true));
  const b = h.sink.of('started')[1];
  assert.equal(b.direction, 'outgoing');
  assert.equal(b.host, '10.0.0.3');
  assert.equal(b.trigger.metric, 'mbps');
  assert.equal(b.trigger.value, 1.6);
  assert.equal(b.trigger.threshold, 1);
});

test('flows threshold: many distinct remote endpoints per second', () => {
  const h = setup({ detection: { thresholds: { incoming: { pps: false, mbps: false, flows: 100 }, outgoing: { enabled: false } } } });
  h.run(2, () => {
    for (let i = 0; i < 400; i++) h.feed({ src: `198.51.${100 + (i >> 8)}.${i & 255}`, dst: '10.0.0.1', protocol: 6, srcPort: 40000 + i, dstPort: 443, tcpFlags: TcpFlag.SYN });
  });
  const [a] = h.sink.of('started');
  assert.ok(a);
  assert.equal(a.trigger.metric, 'flows');
  assert.ok(a.trigger.value > 250 && a.trigger.value < 550, `${a.trigger.value}`);
});

test('IPv6 floods are detected like IPv4 ones', () => {
  const h = setup();
  h.run(2, () => h.flood('2001:db8::10', 5000, { protocol: 58 }));
  const [a] = h.sink.of('started');
  assert.equal(a.host, '2001:db8::10');
  assert.equal(a.ipVersion, 6);
  assert.equal(a.type, 'icmp_flood');
});

test('host groups: most specific group wins, unset settings inherit from global, a group can switch a direction off', () => {
  const h = setup({
    detection: {
      thresholds: { incoming: { pps: 1000, mbps: 1 }, outgoing: { pps: 1000, mbps: false } },
      groups: {
        customers: { prefixes: ['10.0.1.0/24'], thresholds: { incoming: { pps: 100 } } },
        vip: { prefixes: ['10.0.1.7/32'], thresholds: { incoming: { pps: 50_000 } }, trigger_seconds: 3 },
        quiet: { prefixes: ['10.0.2.0/24'], thresholds: { incoming: { enabled: false } } },
      },
    },
  });
  const g = h.det.groups.byName('customers')!;
  assert.equal(g.incoming.pps, 100);
  assert.equal(g.incoming.mbps, 1, 'inherited');
  assert.equal(g.outgoing.pps, 1000, 'inherited');
  assert.equal(g.triggerSeconds, 2, 'inherited');
  h.run(2, () => {
    h.flood('10.0.1.5', 200, { length: 10 }); // customers: over 100 pps
    h.flood('10.0.1.7', 2000, { length: 10 }); // vip: below its own 50,000
    h.flood('10.0.2.1', 100_000); // quiet: incoming off
    h.flood('10.0.3.1', 200, { length: 10 }); // global: below 1000
  });
  const started = h.sink.of('started');
  assert.deepEqual(started.map((a) => `${a.host}/${a.group}`), ['10.0.1.5/customers']);
  // vip inherits mbps (1 Mbit/s) from global: 2000 pps × 1000 B = 16 Mbit/s, but needs 3 seconds.
  h.run(1, () => h.flood('10.0.1.7', 2000, { length: 1000 }));
  assert.equal(h.sink.of('started').length, 1);
  h.run(2, () => h.flood('10.0.1.7', 2000, { length: 1000 }));
  const vip = h.sink.of('started')[1];
  assert.equal(vip.group, 'vip');
  assert.equal(vip.trigger.metric, 'mbps');
  assert.equal(h.det.hostView('10.0.2.1')!.group, 'quiet');
});

test('allow-lists: our allow-listed host is still reported but flagged; traffic from an allow-listed remote never counts', () => {
  const h = setup({ traffic: { allow_list: { hosts: ['10.0.0.9'], remote: ['203.0.113.0/24'] } } });
  h.run(2, () => h.flood('10.0.0.9', 5000));
  const [a] = h.sink.of('started');
  assert.equal(a.allowListed, true);
  h.run(10, () => h.feed({ src: '203.0.113.10', dst: '10.0.0.1', protocol: 6, tcpFlags: TcpFlag.ACK, packets: 100_000, length: 1500 }));
  assert.equal(h.sink.of('started').length, 1);
  assert.ok(h.traffic.stats.allowListedRemote >= 10);
});

test('a long download exported as NetFlow records does not trigger when spread; the same records unspread do', () => {
  for (const spread of [true, false]) {
    const h = setup({ traffic: { spreading: { enabled: spread } } });
    // Two 60-second flows at 400 pps each (800 pps together, below 1000), exported in consecutive seconds.
    const rec = (srcPort: number) =>
      h.feed({ source: SampleSource.NETFLOW_V9, src: '198.51.100.1', dst: '10.0.0.1', protocol: 6, tcpFlags: TcpFlag.ACK | TcpFlag.PSH | TcpFlag.SYN | TcpFlag.FIN, srcPort, dstPort: 50000, packets: 24_000, length: 1500, startMs: 1, endMs: 60_001 });
    rec(443);
    h.tick();
    rec(8443);
    h.run(70, () => {});
    assert.equal(h.sink.of('started').length, spread ? 0 : 1, `spreading ${spread}`);
    if (!spread) assert.equal(h.sink.of('started')[0].trigger.value, 24_000);
  }
});

test('classification from the fingerprint: SYN, SYN-ACK, ACK, RST, UDP, ICMP, fragments, DNS and NTP amplification, unknown', () => {
  const cases: Array<[string, Partial<SampleFields>, string, string | null]> = [
    ['syn', { protocol: 6, tcpFlags: TcpFlag.SYN, length: 60 }, 'syn_flood', null],
    ['synack', { protocol: 6, tcpFlags: TcpFlag.SYN | TcpFlag.ACK, length: 60 }, 'tcp_synack_flood', null],
    ['ack', { protocol: 6, tcpFlags: TcpFlag.ACK | TcpFlag.PSH, length: 60 }, 'tcp_ack_flood', null],
    ['rst', { protocol: 6, tcpFlags: TcpFlag.RST | TcpFlag.ACK, length: 60 }, 'tcp_rst_flood', null],
    ['udp', { protocol: 17, length: 512 }, 'udp_flood', null],
    ['icmp', { protocol: 1, length: 84 }, 'icmp_flood', null],
    ['frag', { protocol: 17, isFragment: true, fragmentOffset: 185, length: 1480 }, 'ip_fragmentation_flood', null],
    ['dns', { protocol: 17, srcPort: 53, length: 1400 }, 'amplification', 'dns'],
    ['ntp', { protocol: 17, srcPort: 123, length: 468 }, 'amplification', 'ntp'],
    ['memcached', { protocol: 17, srcPort: 11211, length: 1400 }, 'amplification', 'memcached'],
  ];
  for (const [name, f, type, service] of cases) {
    const h = setup();
    h.run(2, () => h.flood('10.0.0.1', 5000, f));
    h.run(1, () => h.flood('10.0.0.1', 5000, f));
    const last = h.sink.of('updated')[0];
    assert.ok(last, name);
    assert.equal(last.type, type, name);
    assert.equal(last.amplification?.service ?? null, service, name);
    assert.equal(last.fingerprint?.direction, 'incoming', name);
  }
  // Half TCP, half UDP: nothing dominates.
  const h = setup();
  h.run(3, () => {
    h.flood('10.0.0.1', 2500, { protocol: 6, tcpFlags: TcpFlag.ACK });
    h.flood('10.0.0.1', 2500, { protocol: 17 });
  });
  assert.equal(h.sink.of('updated')[0].type, 'unknown');
});

test('classification falls back to counters when nothing was captured', () => {
  const h = setup({ traffic: { capture: { hosts: 0 } } });
  h.run(2, () => h.flood('10.0.0.1', 5000, { protocol: 6, tcpFlags: TcpFlag.SYN }));
  const [a] = h.sink.of('started');
  assert.equal(a.type, 'syn_flood');
  assert.equal(a.fingerprint, null);
  assert.ok(h.det.stats.captureExhausted > 0);
});

test('fingerprint: a DNS amplification from two /24s, what it has in common and how sure we are', () => {
  const h = setup();
  const feed = () => {
    for (let i = 0; i < 60; i++) {
      h.feed({ src: `${i % 2 ? '192.0.2' : '198.51.100'}.${i}`, dst: '10.0.0.1', protocol: 17, srcPort: 53, dstPort: 30000 + i, packets: 100, length: 1400 + (i % 3) * 20, ttl: 50 + (i % 2) });
    }
  };
  h.run(4, feed);
  const a = h.sink.of('updated').at(-1)!;
  const fp = a.fingerprint!;
  assert.equal(a.type, 'amplification');
  assert.equal(fp.samples, 240, 'all four seconds: the first from the shared recent ring, the rest captured');
  assert.equal(fp.effectiveSamples, 240);
  assert.deepEqual(fp.protocols, [{ protocol: 17, name: 'udp', share: 1 }]);
  assert.deepEqual(fp.srcPorts, [{ value: 53, share: 1 }]);
  assert.equal(fp.dstPorts.length, 5);
  assert.equal(fp.dominant.srcPort!.value, 53);
  assert.equal(fp.dominant.dstPort, undefined);
  assert.deepEqual(fp.dominant.packetLength, { min: 1400, max: 1440, share: 1 });
  assert.deepEqual(fp.dominant.fragment, { value: false, share: 1 });
  assert.equal(fp.packetLength.min, 1400);
  assert.equal(fp.packetLength.max, 1440);
  assert.equal(fp.fragmentShare, 0);
  assert.equal(fp.distinctRemotes, 60);
  assert.deepEqual(
    fp.remotePrefixes.map((p) => p.value).sort(),
    ['192.0.2.0/24', '198.51.100.0/24'],
  );
  assert.equal(fp.remotePrefixes[0].share, 0.5);
  assert.equal(fp.ttls.length, 2);
  assert.ok(fp.confidence > 0.9 && fp.confidence < 1, `${fp.confidence}`);
  assert.equal(fp.samplingRate.mean, 1);
});

test('fingerprint confidence falls with few samples and with unequal weights (mixed sampling rates)', () => {
  const h = setup();
  h.run(3, () => {
    // 4 samples a second at 1:1000: 4000 pps.
    for (let i = 0; i < 4; i++) h.feed({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, samplingRate: 1000 });
  });
  const few = h.sink.of('updated').at(-1) ?? h.sink.of('started')[0];
  assert.ok(few.fingerprint!.confidence < 0.75, `${few.fingerprint!.confidence}`);
  const h2 = setup();
  h2.run(3, () => {
    for (let i = 0; i < 50; i++) h2.feed({ src: `198.51.100.${i}`, dst: '10.0.0.1', protocol: 17, samplingRate: 100 });
    h2.feed({ src: '198.51.100.200', dst: '10.0.0.1', protocol: 17, samplingRate: 5000 });
  });
  const mixed = h2.sink.of('updated').at(-1)!.fingerprint!;
  assert.ok(mixed.effectiveSamples < mixed.samples / 2, `${mixed.effectiveSamples} of ${mixed.samples}`);
  assert.equal(mixed.samplingRate.max, 5000);
});

test('max_active_attacks bounds simultaneous attacks; the rest are counted', () => {
  const h = setup({ detection: { max_active_attacks: 2 } });
  h.run(2, () => {
    for (let i = 1; i <= 3; i++) h.flood(`10.0.0.${i}`, 5000);
  });
  assert.equal(h.det.activeAttacks().length, 2);
  assert.equal(h.det.stats.attacksSuppressed, 1);
});

test('an attacked host is never evicted from a full table; the newcomer is refused instead', () => {
  const h = setup({ traffic: { host_table: { max_hosts: 4, idle_seconds: 1000 } } });
  h.run(2, () => h.flood('10.0.0.1', 5000));
  assert.equal(h.det.activeAttacks().length, 1);
  h.run(3, (i) => {
    h.flood('10.0.0.1', 5000);
    for (let j = 0; j < 6; j++) h.feed({ src: '198.51.100.1', dst: `10.0.9.${i * 10 + j}` });
  });
  assert.ok(h.traffic.findHost('10.0.0.1') >= 0);
  assert.equal(h.sink.of('ended').length, 0);
  assert.ok(h.traffic.stats.hostsEvicted > 0);
});

test('views: hostView and topHosts report averages and the active attack', () => {
  const h = setup();
  h.run(3, () => {
    h.flood('10.0.0.1', 5000);
    h.flood('10.0.0.2', 300);
    h.flood('10.0.0.3', 600);
  });
  const v = h.det.hostView('10.0.0.1')!;
  assert.equal(v.group, 'global');
  assert.equal(v.incoming.current.pps, 5000);
  assert.ok(v.incoming.average.pps! > 2000 && v.incoming.average.pps! < 5000);
  assert.equal(v.incoming.average.udp_pps, undefined, 'no threshold on udp_pps: not averaged');
  assert.equal(v.incoming.attackId, 'attack-1');
  assert.equal(v.outgoing.attackId, null);
  assert.deepEqual(h.det.topHosts('incoming', 'pps', 2).map((x) => x.host), ['10.0.0.1', '10.0.0.3']);
  assert.equal(h.det.hostView('10.0.0.99'), null);
});

test('a sink that throws does not stall detection: errors are counted and reported', () => {
  const tcfg = trafficConfigSchema.parse({ networks: ['10.0.0.0/16'], host_table: { max_hosts: 16 } });
  const traffic = new TrafficCounter(tcfg, { networks: NetworkSets.fromConfig(tcfg) }, 7);
  const errors: string[] = [];
  const det = new Detector(detectionConfigSchema.parse({ thresholds: BASE_THRESHOLDS, end_seconds: 1 }), {
    traffic,
    sink: {
      attackStarted: () => {
        throw new Error('boom');
      },
      attackUpdated: () => {},
      attackEnded: () => {},
    },
    onSinkError: (err, event, a) => errors.push(`${event} ${a.host} ${(err as Error).message}`),
  });
  const s = new FlowSample();
  det.tick(0);
  for (let t = 1; t <= 3; t++) {
    for (const host of ['10.0.0.1', '10.0.0.2']) traffic.sample(fillSample(s, { src: '198.51.100.1', dst: host, packets: 5000 }));
    det.tick(t * 1000);
  }
  assert.deepEqual(errors, ['started 10.0.0.1 boom', 'started 10.0.0.2 boom']);
  assert.equal(det.stats.sinkErrors, 2);
  assert.equal(det.activeAttacks().length, 2);
});

test('every threshold switched on: every metric is averaged and checked', () => {
  const all = { pps: 1e6, mbps: 1e5, flows: 1e6, tcp_pps: 1e6, tcp_mbps: 1e5, syn_pps: 1e6, syn_mbps: 1e5, udp_pps: 500, udp_mbps: 1e5, icmp_pps: 1e6, icmp_mbps: 1e5, fragments_pps: 1e6, fragments_mbps: 1e5 };
  const h = setup({ detection: { thresholds: { incoming: all, outgoing: all } } });
  assert.equal(h.det.averaged.length, 13);
  h.run(2, () => h.flood('10.0.0.1', 2000, { protocol: 17 }));
  const [a] = h.sink.of('started');
  assert.equal(a.trigger.metric, 'udp_pps');
  assert.equal(a.current.udp_pps, 2000);
  assert.equal(a.current.udp_mbps, 1.6);
  assert.equal(Object.keys(a.average).length, 13);
  assert.ok(Math.abs(a.average.udp_pps! - 2000 * (1 - Math.exp(-2 / 5))) < 1, `${a.average.udp_pps}`);
  assert.equal(a.average.tcp_pps, 0);
  assert.ok(a.average.flows! > 2 && a.average.flows! < a.current.flows, `${a.average.flows}`);
});
