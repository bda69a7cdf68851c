/**
 * Detection scenarios end to end over UDP: flowgen → daemon (listeners, decoders, accounting,
 * detector). Each attack must be detected within 2 seconds of its telemetry with the right type,
 * direction and fingerprint; benign traffic must not trigger anything.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CONFIG, runScenario, type ScenarioResult } from './harness.js';
import { scenarioDescription, type FlowgenProtocol, type TrafficDescription } from '../../tools/flowgen/index.js';
import type { Attack } from '../../src/detection/index.js';

function only(r: ScenarioResult): { second: number; attack: Attack } {
  assert.deepEqual(r.errors, [], 'no decode errors');
  assert.equal(r.started.length, 1, `one attack expected, got ${r.started.map((s) => `${s.attack.host} ${s.attack.direction} ${s.attack.type}`).join(', ') || 'none'}`);
  return r.started[0];
}

interface AttackCase {
  scenario: string;
  protocol: FlowgenProtocol;
  host: string;
  direction: 'incoming' | 'outgoing';
  type: Attack['type'];
  check?: (a: Attack) => void;
}

const CASES: AttackCase[] = [
  { scenario: 'udp-flood', protocol: 'sflow', host: '192.0.2.10', direction: 'incoming', type: 'udp_flood', check: (a) => assert.equal(a.fingerprint!.dominant.protocol!.value, 17) },
  { scenario: 'syn-flood', protocol: 'sflow', host: '192.0.2.10', direction: 'incoming', type: 'syn_flood', check: (a) => {
    assert.equal(a.fingerprint!.dominant.tcpFlags!.value, 0x02);
    assert.equal(a.fingerprint!.dominant.dstPort!.value, 80);
  } },
  { scenario: 'icmp-flood', protocol: 'sflow', host: '192.0.2.10', direction: 'incoming', type: 'icmp_flood', check: (a) => assert.equal(a.fingerprint!.dominant.protocol!.value, 1) },
  { scenario: 'fragment-flood', protocol: 'sflow', host: '192.0.2.10', direction: 'incoming', type: 'ip_fragmentation_flood', check: (a) => assert.ok(a.fingerprint!.fragmentShare > 0.9) },
  { scenario: 'dns-amplification', protocol: 'sflow', host: '192.0.2.10', direction: 'incoming', type: 'amplification', check: (a) => {
    assert.equal(a.amplification?.service, 'dns');
    assert.equal(a.fingerprint!.srcPorts[0].value, 53);
  } },
  { scenario: 'ntp-amplification', protocol: 'sflow', host: '192.0.2.10', direction: 'incoming', type: 'amplification', check: (a) => {
    assert.equal(a.amplification?.service, 'ntp');
    assert.equal(a.fingerprint!.dominant.srcPort!.value, 123);
    assert.ok(a.fingerprint!.dominant.packetLength!.min >= 400);
  } },
  { scenario: 'outgoing-attack', protocol: 'sflow', host: '192.0.2.50', direction: 'outgoing', type: 'udp_flood', check: (a) => assert.equal(a.fingerprint!.dominant.dstPort!.value, 80) },
  { scenario: 'ipv6-flood', protocol: 'sflow', host: '2001:db8::10', direction: 'incoming', type: 'udp_flood', check: (a) => assert.equal(a.ipVersion, 6) },
  // The same detection from NetFlow v9 and IPFIX records (1 s active timeout, as a router tuned for DDoS detection exports).
  { scenario: 'syn-flood', protocol: 'netflow9', host: '192.0.2.10', direction: 'incoming', type: 'syn_flood' },
  { scenario: 'ntp-amplification', protocol: 'ipfix', host: '192.0.2.10', direction: 'incoming', type: 'amplification' },
  { scenario: 'udp-flood', protocol: 'netflow5', host: '192.0.2.10', direction: 'incoming', type: 'udp_flood' },
];

describe('attacks are detected within 2 s with type, direction and fingerprint', () => {
  for (const c of CASES) {
    test(`${c.scenario} over ${c.protocol}`, async () => {
      const description = scenarioDescription(c.scenario, { background: true, activeTimeoutMs: c.protocol === 'sflow' ? undefined : 1000 });
      const r = await runScenario([{ protocol: c.protocol, description }], 5);
      const { second, attack } = only(r);
      assert.ok(second <= 2, `detected at second ${second}`);
      assert.equal(attack.host, c.host);
      assert.equal(attack.direction, c.direction);
      assert.equal(attack.type, c.type);
      assert.ok(attack.fingerprint, 'a fingerprint at start');
      assert.ok(attack.fingerprint.confidence > 0.5, `confidence ${attack.fingerprint.confidence}`);
      c.check?.(attack);
    });
  }
});

/** One UDP flow from many sources to one host at `pps` in total. */
function flood(pps: number, samplingRate: number, dst = '192.0.2.77'): TrafficDescription {
  return {
    samplingRate,
    flows: Array.from({ length: 20 }, (_, i) => ({ src: `198.51.100.${i + 1}`, dst, protocol: 'udp' as const, srcPort: 40000 + i, dstPort: 9999, packetSize: 200, pps: pps / 20 })),
  };
}

test('a flood at twice the threshold is detected within 2 s (sFlow 1:1000 and NetFlow v9 1:1000)', async () => {
  for (const protocol of ['sflow', 'netflow9'] as const) {
    const r = await runScenario([{ protocol, description: { ...flood(80_000, 1000), activeTimeoutMs: 1000 } }], 4);
    const { second, attack } = only(r);
    assert.ok(second <= 2, `${protocol}: detected at second ${second}`);
    assert.equal(attack.trigger.metric, 'pps');
  }
});

test('benign: a long TCP download exported as one NetFlow record does not look like a spike', async () => {
  // 8k pps for 60 s, exported once at the end (60 s active timeout): 480k packets in one record.
  // Credited in the second it arrives (as FastNetMon does) this is 12× the threshold.
  const description: TrafficDescription = {
    samplingRate: 1,
    activeTimeoutMs: 60_000,
    flows: [{ src: '198.51.100.80', dst: '192.0.2.30', protocol: 'tcp', srcPort: 443, dstPort: 50123, tcpFlags: 0x18, packetSize: 1500, pps: 8000 }],
  };
  const r = await runScenario([{ protocol: 'netflow9', description }], 66);
  assert.deepEqual(r.errors, []);
  assert.ok(r.daemon.traffic.stats.samples >= 1, 'the record arrived');
  assert.deepEqual(r.started.map((s) => s.attack.host), []);
});

test('benign: a one-second speed-test burst at 3× the threshold does not trigger', async () => {
  const burst: TrafficDescription = {
    samplingRate: 100,
    flows: [{ src: '198.51.100.90', dst: '192.0.2.40', protocol: 'tcp', srcPort: 8080, dstPort: 51000, tcpFlags: 0x18, packetSize: 1500, pps: 120_000 }],
  };
  const r = await runScenario([
    { protocol: 'sflow', description: scenarioDescription('normal', { samplingRate: 100 }) },
    { protocol: 'sflow', description: { ...burst, exporter: { subAgentId: 1 } }, activeSeconds: [3, 4] },
  ], 8);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.started.map((s) => s.attack.host), []);
});

test('benign: a flash crowd of 2000 clients just below the threshold does not trigger', async () => {
  const description: TrafficDescription = {
    samplingRate: 1000,
    flows: Array.from({ length: 2000 }, (_, i) => ({
      src: `${i % 2 ? '198.51.100' : '203.0.113'}.${1 + (i % 250)}`,
      dst: '192.0.2.60',
      protocol: 'tcp' as const,
      srcPort: 10000 + i,
      dstPort: 443,
      tcpFlags: 0x10,
      packetSize: 400,
      pps: (0.8 * 40000) / 2000,
    })),
  };
  const r = await runScenario([{ protocol: 'sflow', description }], 30);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.started.map((s) => s.attack.host), []);
});

test('benign: heavy traffic from an allow-listed remote source is not counted towards detection', async () => {
  const description: TrafficDescription = {
    samplingRate: 100,
    flows: [{ src: '203.0.113.200', dst: '192.0.2.70', protocol: 'udp', srcPort: 5201, dstPort: 5201, packetSize: 1400, pps: 120_000 }],
  };
  const config = `${BASE_CONFIG}  allow_list:\n    remote: [203.0.113.200/32]\n`.replace('traffic:\n  networks: [192.0.2.0/24, "2001:db8::/64"]\n', 'traffic:\n  networks: [192.0.2.0/24, "2001:db8::/64"]\n  allow_list: { remote: [203.0.113.200/32] }\n').replace('  allow_list:\n    remote: [203.0.113.200/32]\n', '');
  const r = await runScenario([{ protocol: 'sflow', description }], 6, config);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.started.map((s) => s.attack.host), []);
  // The same traffic without the allow-list is an attack: the test would catch a broken allow-list.
  const r2 = await runScenario([{ protocol: 'sflow', description }], 6);
  assert.equal(r2.started.length, 1);
});
