import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficGenerator } from './generator.js';
import { NetflowV9Encoder } from './netflow-v9.js';
import { parseTemplateMessage, type WireTemplate } from './test-helpers.js';
import { FIELD } from './template-layout.js';
import { resolveDescription, type TrafficDescription } from './traffic.js';

const T0 = 1_700_000_000_000;
const BOOT = T0 - 10_000;

function desc(n4: number, n6: number, over: Partial<TrafficDescription> = {}): TrafficDescription {
  const flows: TrafficDescription['flows'] = [];
  for (let i = 0; i < n4; i++) flows.push({ src: `198.51.100.${i + 1}`, dst: '192.0.2.10', protocol: 'tcp', srcPort: 2000 + i, dstPort: 80, tcpFlags: 0x02, packetSize: 64, pps: 1000, ttl: 50, srcAs: 64500, dstAs: 64496, inputIf: 1, outputIf: 2 });
  for (let i = 0; i < n6; i++) flows.push({ src: `2001:db8:bad::${i + 1}`, dst: '2001:db8::10', protocol: 'icmpv6', icmpType: 128, packetSize: 100, pps: 1000 });
  return { samplingRate: 10, exporter: { sourceId: 77, bootMs: BOOT }, flows, ...over };
}

test('NetFlow v9: header, template flowset first, 24 records per datagram, package sequence', () => {
  const d = resolveDescription(desc(100, 0));
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new NetflowV9Encoder(d, { bootMs: BOOT });
  const dg = enc.encode(g.flowRecords(1000), g.nowMs);
  const known = new Map<number, WireTemplate>();
  let records = 0;
  dg.forEach((b, i) => {
    const m = parseTemplateMessage(b, known);
    assert.equal(m.version, 9);
    assert.equal(m.uptimeOrExportTime, 11_000);
    assert.equal(m.word3, Math.floor((T0 + 1000) / 1000));
    assert.equal(m.word4, i, 'package sequence increments per datagram');
    assert.equal(m.sourceId, 77);
    assert.ok(b.length <= 1472);
    const count = m.sets.reduce((a, s) => a + s.templates.length + s.records.length, 0);
    assert.equal(m.countOrLength, count, 'count = template + options template + options data + data records');
    for (const s of m.sets) {
      assert.equal(s.length % 4, 0, 'flowsets padded to 4 bytes');
      assert.ok(s.padding < 4);
    }
    if (i === 0) {
      assert.deepEqual(m.sets.map((s) => s.id), [0, 1, 258, 256], 'templates, options template, options data, then data');
      assert.deepEqual(m.sets[0].templates.map((t) => t.id), [256, 257]);
    } else {
      assert.deepEqual(m.sets.map((s) => s.id), [256]);
      if (i < dg.length - 1) assert.equal(m.sets[0].records.length, 24);
    }
    records += m.sets.filter((s) => s.id === 256).reduce((a, s) => a + s.records.length, 0);
  });
  assert.equal(records, 100);
  assert.equal(enc.packageSequence, dg.length);
});

test('v9 data records carry the flow; options teach the sampler rate (fields 48/49/50)', () => {
  const d = resolveDescription(desc(1, 1));
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new NetflowV9Encoder(d, { bootMs: BOOT, samplerId: 3 });
  const known = new Map<number, WireTemplate>();
  const m = parseTemplateMessage(enc.encode(g.flowRecords(500), g.nowMs)[0], known);
  const opt = known.get(258)!;
  assert.equal(opt.scopeCount, 1);
  assert.deepEqual(opt.fields, [{ id: 1, length: 4 }, { id: 48, length: 1 }, { id: 49, length: 1 }, { id: 50, length: 4 }]);
  const od = m.sets.find((s) => s.id === 258)!.records[0];
  assert.equal(od.get(48), 3);
  assert.equal(od.get(49), 1);
  assert.equal(od.get(50), 10);
  const v4 = m.sets.find((s) => s.id === 256)!.records[0];
  assert.deepEqual([v4.get(FIELD.IPV4_SRC_ADDR), v4.get(FIELD.IPV4_DST_ADDR)], [(198 << 24 | 51 << 16 | 100 << 8 | 1) >>> 0, (192 << 24 | 2 << 8 | 10) >>> 0]);
  assert.equal(v4.get(FIELD.L4_SRC_PORT), 2000);
  assert.equal(v4.get(FIELD.L4_DST_PORT), 80);
  assert.equal(v4.get(FIELD.PROTOCOL), 6);
  assert.equal(v4.get(FIELD.TCP_FLAGS), 2);
  assert.equal(v4.get(FIELD.MIN_TTL), 50);
  assert.equal(v4.get(FIELD.IN_PKTS), 50);
  assert.equal(v4.get(FIELD.IN_BYTES), 50 * 64);
  assert.equal(v4.get(FIELD.FIRST_SWITCHED), 10_000);
  assert.equal(v4.get(FIELD.LAST_SWITCHED), 10_500);
  assert.equal(v4.get(FIELD.SRC_AS), 64500);
  assert.equal(v4.get(FIELD.FLOW_SAMPLER_ID), 3);
  assert.equal(v4.get(FIELD.FORWARDING_STATUS), 0x40);
  const v6 = m.sets.find((s) => s.id === 257)!.records[0];
  assert.deepEqual(v6.get(FIELD.IPV6_DST_ADDR), [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 0x10]);
  assert.equal(v6.get(FIELD.ICMP_TYPE_IPV6), 128 << 8);
  assert.equal(v6.get(FIELD.PROTOCOL), 58);
});

test('templates are resent every templateRefreshDatagrams and after templateRefreshMs', () => {
  const d = resolveDescription(desc(24, 0));
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new NetflowV9Encoder(d, { bootMs: BOOT, templateRefreshDatagrams: 5, templateRefreshMs: 60_000 });
  const withTemplates: number[] = [];
  for (let i = 0; i < 12; i++) {
    const dg = enc.encode(g.flowRecords(100), g.nowMs);
    dg.forEach((b) => {
      if (b.readUInt16BE(20) === 0) withTemplates.push(b.readUInt32BE(12));
    });
  }
  assert.deepEqual(withTemplates.slice(0, 3), [0, 5, 10]);
  const enc2 = new NetflowV9Encoder(d, { bootMs: BOOT, templateRefreshDatagrams: 1000, templateRefreshMs: 1000 });
  const recs = g.flowRecords(100);
  const first = enc2.encode(recs, T0)[0];
  const soon = enc2.encode(recs, T0 + 500)[0];
  const later = enc2.encode(recs, T0 + 1000)[0];
  assert.deepEqual([first, soon, later].map((b) => b.readUInt16BE(20)), [0, 256, 0]);
  assert.equal(enc2.encodeTemplates(T0 + 1100).readUInt16BE(2), 4, 'templates-only datagram: 2 templates + options template + options data');
});

test('sampling announcement modes: options-interval (34/35), in-record, none', () => {
  const known = new Map<number, WireTemplate>();
  const d = resolveDescription(desc(1, 0));
  const g = new TrafficGenerator(d, { startMs: T0 });
  const recs = g.flowRecords(100);
  const a = parseTemplateMessage(new NetflowV9Encoder(d, { bootMs: BOOT, sampling: 'options-interval' }).encode(recs, T0)[0], known);
  assert.deepEqual(known.get(258)!.fields.map((f) => f.id), [1, 34, 35]);
  assert.equal(a.sets.find((s) => s.id === 258)!.records[0].get(34), 10);
  assert.equal(a.sets.find((s) => s.id === 256)!.records[0].get(48), undefined);
  const known2 = new Map<number, WireTemplate>();
  const b = parseTemplateMessage(new NetflowV9Encoder(d, { bootMs: BOOT, sampling: 'in-record' }).encode(recs, T0)[0], known2);
  assert.deepEqual(b.sets.map((s) => s.id), [0, 256]);
  assert.equal(b.sets[1].records[0].get(34), 10);
  const c = parseTemplateMessage(new NetflowV9Encoder(d, { bootMs: BOOT, sampling: 'none' }).encode(recs, T0)[0], new Map());
  assert.deepEqual(c.sets.map((s) => s.id), [0, 256]);
  assert.equal(c.countOrLength, 3);
});

test('counts that overflow the 4-byte counters are split into several records', () => {
  const d = resolveDescription({ samplingRate: 1, flows: [{ src: '198.51.100.1', dst: '192.0.2.10', protocol: 'udp', srcPort: 1, dstPort: 2, packetSize: 1500, pps: 5_000_000 }] });
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new NetflowV9Encoder(d, { bootMs: BOOT, sampling: 'none' });
  const m = parseTemplateMessage(enc.encode(g.flowRecords(1000), g.nowMs)[0], new Map());
  const recs = m.sets[1].records;
  assert.ok(recs.length >= 2);
  assert.equal(recs.reduce((a, r) => a + (r.get(FIELD.IN_PKTS) as number), 0), 5_000_000);
  assert.equal(recs.reduce((a, r) => a + (r.get(FIELD.IN_BYTES) as number), 0), 5_000_000 * 1500);
});
