import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficGenerator } from './generator.js';
import { IpfixEncoder } from './ipfix.js';
import { parseTemplateMessage, type WireTemplate } from './test-helpers.js';
import { FIELD } from './template-layout.js';
import { resolveDescription, type TrafficDescription } from './traffic.js';

const T0 = 1_700_000_000_250;

function desc(n4: number, n6: number): TrafficDescription {
  const flows: TrafficDescription['flows'] = [];
  for (let i = 0; i < n4; i++) flows.push({ src: `198.51.100.${i + 1}`, dst: '192.0.2.10', protocol: 'udp', srcPort: 123, dstPort: 4444 + i, packetSize: 486, pps: 5000, ttl: 49, inputIf: 11, outputIf: 12, srcAs: 65001, dstAs: 64496 });
  for (let i = 0; i < n6; i++) flows.push({ src: `2001:db8:bad::${i + 1}`, dst: '2001:db8::10', protocol: 'udp', fragment: 'middle', packetSize: 1518, pps: 5000 });
  return { samplingRate: 50, exporter: { observationDomainId: 4242 }, flows };
}

test('IPFIX: header, set ids 2/3/256+, sequence counts data records incl. options data', () => {
  const d = resolveDescription(desc(60, 20));
  const g = new TrafficGenerator(d, { startMs: T0 });
  const enc = new IpfixEncoder(d);
  const known = new Map<number, WireTemplate>();
  let expectedSeq = 0;
  let dataRecords = 0;
  const dg = enc.encode(g.flowRecords(1000), g.nowMs);
  assert.ok(dg.length >= 4);
  dg.forEach((b, i) => {
    const m = parseTemplateMessage(b, known);
    assert.equal(m.version, 10);
    assert.equal(m.uptimeOrExportTime, Math.floor((T0 + 1000) / 1000), 'export time in seconds');
    assert.equal(m.word3, expectedSeq, 'sequence = data records sent before this message');
    assert.equal(m.word4, 4242, 'observation domain');
    assert.ok(b.length <= 1472);
    if (i === 0) assert.deepEqual(m.sets.slice(0, 3).map((s) => s.id), [2, 3, 258]);
    for (const s of m.sets) {
      assert.ok(s.id === 2 || s.id === 3 || s.id >= 256);
      assert.equal(s.length % 4, 0, 'sets padded to 4');
      // RFC 7011 §3.3.1: padding shorter than the smallest record of the set.
      const minRecord = s.id >= 256 ? known.get(s.id)!.fields.reduce((a, f) => a + f.length, 0) : 4;
      assert.ok(s.padding < minRecord, `set ${s.id} padding ${s.padding}`);
      if (s.id >= 256) {
        expectedSeq += s.records.length;
        if (s.id !== 258) dataRecords += s.records.length;
      }
    }
    assert.ok(m.sets.filter((s) => s.id === 256 || s.id === 257).reduce((a, s) => a + s.records.length, 0) <= 24);
  });
  assert.equal(dataRecords, 80);
  assert.equal(enc.sequence, expectedSeq);
  assert.equal(expectedSeq, 81, 'one options data record');
});

test('IPFIX records: IEs, 8-byte counters, millisecond times, fragments; options via 305/306/304', () => {
  const d = resolveDescription(desc(1, 1));
  const g = new TrafficGenerator(d, { startMs: T0 });
  const known = new Map<number, WireTemplate>();
  const m = parseTemplateMessage(new IpfixEncoder(d).encode(g.flowRecords(200), g.nowMs)[0], known);
  const opt = known.get(258)!;
  assert.equal(opt.scopeCount, 1);
  assert.deepEqual(opt.fields, [{ id: 149, length: 4 }, { id: 305, length: 4 }, { id: 306, length: 4 }, { id: 304, length: 2 }]);
  const od = m.sets.find((s) => s.id === 258)!.records[0];
  assert.deepEqual([od.get(149), od.get(305), od.get(306), od.get(304)], [4242, 1, 49, 1]);
  assert.equal(known.get(256)!.fields.find((f) => f.id === FIELD.IN_PKTS)!.length, 8);
  assert.equal(known.get(256)!.fields.find((f) => f.id === FIELD.TCP_FLAGS)!.length, 2);
  const v4 = m.sets.find((s) => s.id === 256)!.records[0];
  assert.equal(v4.get(FIELD.IN_PKTS), 20);
  assert.equal(v4.get(FIELD.IN_BYTES), 20 * 486);
  assert.equal(v4.get(FIELD.FLOW_START_MS), T0);
  assert.equal(v4.get(FIELD.FLOW_END_MS), T0 + 200);
  assert.equal(v4.get(FIELD.L4_SRC_PORT), 123);
  assert.equal(v4.get(FIELD.IP_TTL), 49);
  assert.equal(v4.get(FIELD.INPUT_SNMP), 11);
  assert.equal(v4.get(FIELD.SRC_AS), 65001);
  assert.equal(v4.get(FIELD.FRAGMENT_FLAGS), 0);
  const v6 = m.sets.find((s) => s.id === 257)!.records[0];
  assert.equal(v6.get(FIELD.FRAGMENT_OFFSET), 185);
  assert.equal(v6.get(FIELD.FRAGMENT_FLAGS), 0x20, 'MF');
  assert.equal(v6.get(FIELD.L4_SRC_PORT), 0, 'no ports in a middle fragment');
  assert.equal(v6.get(FIELD.PROTOCOL), 17);
});

test('IPFIX sampling modes options-34, in-record-34, none; sets unpadded on request', () => {
  const d = resolveDescription(desc(1, 0));
  const recs = new TrafficGenerator(d, { startMs: T0 }).flowRecords(100);
  const k1 = new Map<number, WireTemplate>();
  const a = parseTemplateMessage(new IpfixEncoder(d, { sampling: 'options-34' }).encode(recs, T0)[0], k1);
  assert.deepEqual(k1.get(258)!.fields.map((f) => f.id), [149, 34, 35]);
  assert.equal(a.sets.find((s) => s.id === 258)!.records[0].get(34), 50);
  const k2 = new Map<number, WireTemplate>();
  const b = parseTemplateMessage(new IpfixEncoder(d, { sampling: 'in-record-34' }).encode(recs, T0)[0], k2);
  assert.deepEqual(b.sets.map((s) => s.id), [2, 256]);
  assert.equal(b.sets[1].records[0].get(34), 50);
  const c = parseTemplateMessage(new IpfixEncoder(d, { sampling: 'none', padSets: false }).encode(recs, T0)[0], new Map());
  assert.deepEqual(c.sets.map((s) => s.id), [2, 256]);
  assert.ok(c.sets.every((s) => s.padding === 0));
  assert.equal(c.word3, 0);
  const unpadded = new IpfixEncoder(d, { padSets: false });
  const k3 = new Map<number, WireTemplate>();
  const u = parseTemplateMessage(unpadded.encode(recs, T0)[0], k3);
  assert.equal(u.sets.find((s) => s.id === 3)!.length, 4 + 6 + 16, 'options template set without padding');
});
