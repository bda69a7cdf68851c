import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficGenerator } from './generator.js';
import { AS_TRANS, NetflowV5Encoder } from './netflow-v5.js';
import { datagramsFor } from './simulate.js';
import { resolveDescription, type TrafficDescription } from './traffic.js';

const T0 = 1_700_000_000_123;
const BOOT = T0 - 100_000;

function flows(n: number): TrafficDescription['flows'] {
  const out: TrafficDescription['flows'] = [];
  for (let i = 0; i < n; i++) out.push({ src: `198.51.100.${i + 1}`, dst: '192.0.2.10', protocol: 'udp', srcPort: 1000 + i, dstPort: 53, packetSize: 100, pps: 1000, inputIf: 3, outputIf: 70000, srcAs: 64500, dstAs: 4_200_000_000, tos: 8, nextHop: '192.0.2.1' });
  return out;
}

test('NetFlow v5: 24-byte header, 30 records of 48 bytes, flow_sequence counts flows', () => {
  const d = resolveDescription({ samplingRate: 10, exporter: { engineType: 1, engineId: 7, bootMs: BOOT }, flows: flows(70) });
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new NetflowV5Encoder(d, { bootMs: BOOT });
  const recs = g.flowRecords(100);
  assert.equal(recs.length, 70);
  const dg = enc.encode(recs, g.nowMs);
  assert.deepEqual(dg.map((b) => b.readUInt16BE(2)), [30, 30, 10]);
  let seq = 0;
  for (const b of dg) {
    const n = b.readUInt16BE(2);
    assert.equal(b.length, 24 + 48 * n);
    assert.equal(b.readUInt16BE(0), 5);
    assert.equal(b.readUInt32BE(4), 100_100, 'sys_uptime');
    assert.equal(b.readUInt32BE(8), Math.floor((T0 + 100) / 1000));
    assert.equal(b.readUInt32BE(12), 223_000_000, 'unix_nsecs');
    assert.equal(b.readUInt32BE(16), seq, 'flow_sequence = flows before this datagram');
    assert.equal(b[20], 1);
    assert.equal(b[21], 7);
    assert.equal(b.readUInt16BE(22), (1 << 14) | 10, 'deterministic mode, interval 10');
    seq += n;
  }
  assert.equal(enc.flowSequence, 70);
  const r = dg[0].subarray(24, 72);
  assert.deepEqual([...r.subarray(0, 4)], [198, 51, 100, 1]);
  assert.deepEqual([...r.subarray(4, 8)], [192, 0, 2, 10]);
  assert.deepEqual([...r.subarray(8, 12)], [192, 0, 2, 1]);
  assert.equal(r.readUInt16BE(12), 3);
  assert.equal(r.readUInt16BE(14), 65535, 'ifIndex clamped to 16 bits');
  assert.equal(r.readUInt32BE(16), 10, 'dPkts = sampled packets');
  assert.equal(r.readUInt32BE(20), 1000);
  assert.equal(r.readUInt32BE(24), 100_000, 'First');
  assert.equal(r.readUInt32BE(28), 100_100, 'Last');
  assert.equal(r.readUInt16BE(32), 1000);
  assert.equal(r.readUInt16BE(34), 53);
  assert.equal(r[38], 17);
  assert.equal(r[39], 8);
  assert.equal(r.readUInt16BE(40), 64500);
  assert.equal(r.readUInt16BE(42), AS_TRANS, '4-byte AS becomes AS_TRANS');
});

test('ICMP type/code go into the destination port; fragments without L4 have no ports; IPv6 is skipped', () => {
  const d: TrafficDescription = {
    samplingRate: 1,
    flows: [
      { src: '198.51.100.1', dst: '192.0.2.10', protocol: 'icmp', icmpType: 3, icmpCode: 4, packetSize: 100, pps: 10 },
      { src: '198.51.100.2', dst: '192.0.2.10', protocol: 'udp', fragment: 'last', packetSize: 600, pps: 10 },
      { src: '2001:db8::1', dst: '2001:db8::2', protocol: 'udp', srcPort: 1, dstPort: 2, packetSize: 100, pps: 10 },
    ],
  };
  const dg = datagramsFor('netflow5', d, 1, { startMs: T0, stepMs: 1000 });
  assert.equal(dg.length, 1);
  assert.equal(dg[0].readUInt16BE(2), 2);
  assert.equal(dg[0].readUInt16BE(22), 0, 'unsampled: no sampling interval');
  assert.equal(dg[0].readUInt16BE(24 + 34), (3 << 8) | 4);
  assert.equal(dg[0].readUInt16BE(24 + 32), 0);
  assert.equal(dg[0].readUInt16BE(72 + 32), 0);
  assert.equal(dg[0].readUInt16BE(72 + 34), 0);
});

test('v5 refuses what it cannot express', () => {
  const d = resolveDescription({ samplingRate: 20000, flows: [] });
  assert.throws(() => new NetflowV5Encoder(d, { bootMs: 0 }), /above 16383/);
  assert.throws(() => new NetflowV5Encoder(resolveDescription({ samplingRate: 1, flows: [] }), { bootMs: 0, recordsPerDatagram: 31 }), RangeError);
});
