// One test per malformed-input rule of the sFlow decoder, asserting the error code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SFLOW_AS_PATH_SEGMENTS, MAX_SFLOW_RECORDS_PER_SAMPLE, MAX_SFLOW_SAMPLES_PER_DATAGRAM, SflowDecoder } from './sflow-decoder.js';
import { DecodeError, type DecodeErrorCode } from '../decode-error.js';
import { Exporter } from '../exporter.js';
import { CollectingSink } from '../sample-record.js';
import type { SampleRecord } from '../sample.js';
import { NOW, SYN_PACKET, V4, V6 } from './testdata/handmade.js';
import {
  counterSample,
  datagram,
  ethernet,
  ext6,
  extendedGateway,
  extendedSwitch,
  flowSample,
  framed,
  ifCountersRecord,
  ipv4,
  ipv6,
  mpls,
  sampledHeader,
  sampledIp,
  udp,
  Xdr,
} from './testdata/build.js';

function run(buf: Buffer): { records: SampleRecord[]; errors: Record<string, number>; e: Exporter } {
  const e = new Exporter('192.0.2.1', 1, 0, 1);
  const sink = new CollectingSink();
  const n = new SflowDecoder().decode(buf, e, NOW, sink);
  assert.equal(n, sink.records.length);
  return { records: sink.records, errors: Object.fromEntries(e.stats.errors), e };
}

function throwsCode(buf: Buffer, code: DecodeErrorCode): void {
  const e = new Exporter('192.0.2.1', 1, 0, 1);
  assert.throws(
    () => new SflowDecoder().decode(buf, e, NOW, new CollectingSink()),
    (err: unknown) => err instanceof DecodeError && err.code === code,
  );
  assert.equal(e.stats.samples, 0);
}

const GOOD = flowSample([sampledHeader(SYN_PACKET)]);
/** A good sample after the bad one proves decoding went on. */
function withGood(bad: Buffer): Buffer {
  return datagram([bad, GOOD]);
}
function assertOnlyGood(r: { records: SampleRecord[] }): void {
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].srcPort, 40000);
}

// ---- datagram header: throws ----

test('datagram shorter than version + address type: truncated', () => {
  throwsCode(Buffer.alloc(0), 'truncated');
  throwsCode(Buffer.from([0, 0, 0, 5, 0, 0, 0]), 'truncated');
});

test('version other than 5: bad_version', () => {
  for (const v of [0, 2, 4, 6, 0xffffffff]) throwsCode(datagram([GOOD], { version: v }), 'bad_version');
});

test('agent address type other than 0, 1, 2: bad_address_type', () => {
  throwsCode(datagram([GOOD], { agentType: 3 }), 'bad_address_type');
  throwsCode(datagram([GOOD], { agentType: 0xffffffff }), 'bad_address_type');
});

test('header cut after the agent address: truncated', () => {
  const full = datagram([], { agent: '2001:db8::1' });
  for (let len = 8; len < full.length; len++) throwsCode(full.subarray(0, len), 'truncated');
});

test('a sample count of a billion is rejected at once: count_too_large', () => {
  const e = new Exporter('192.0.2.1', 1, 0, 1);
  const buf = datagram([GOOD], { numSamples: 1_000_000_000 });
  const t = process.hrtime.bigint();
  assert.throws(() => new SflowDecoder().decode(buf, e, NOW, new CollectingSink()), (err: unknown) => err instanceof DecodeError && err.code === 'count_too_large');
  assert.ok(process.hrtime.bigint() - t < 50_000_000n, 'no loop over the count');
  // Nothing was tracked for a datagram that was refused.
  assert.equal(e.stats.sequenceGaps + e.stats.sequenceResets, 0);
});

test(`a sample count above MAX_SFLOW_SAMPLES_PER_DATAGRAM (${MAX_SFLOW_SAMPLES_PER_DATAGRAM}) is count_too_large even if the bytes could hold it`, () => {
  const empty = framed(99, Buffer.alloc(0));
  const many = Array.from({ length: MAX_SFLOW_SAMPLES_PER_DATAGRAM + 1 }, () => empty);
  throwsCode(datagram(many), 'count_too_large');
  assert.deepEqual(run(datagram(many.slice(1))).errors, { unsupported: MAX_SFLOW_SAMPLES_PER_DATAGRAM });
});

// ---- sample framing ----

test('fewer samples than announced: the rest is truncated, earlier samples kept', () => {
  const buf = Buffer.concat([datagram([GOOD], { numSamples: 2 }), Buffer.alloc(4)]);
  const r = run(buf);
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { truncated: 1 });
});

test('a sample length past the end of the datagram: truncated, earlier samples kept', () => {
  const bad = flowSample([sampledHeader(SYN_PACKET)], { lengthOverride: 10_000 });
  const r = run(datagram([GOOD, bad]));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { truncated: 1 });
  // The largest length the field can hold.
  assert.deepEqual(run(datagram([flowSample([], { lengthOverride: 0xffffffff })])).errors, { truncated: 1 });
});

test('a zero-length flow sample: bad_length, the next sample is decoded', () => {
  const r = run(withGood(framed(1, Buffer.alloc(0))));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { bad_length: 1 });
  const x = run(withGood(framed(3, Buffer.alloc(40))));
  assertOnlyGood(x);
  assert.deepEqual(x.errors, { bad_length: 1 });
});

test('sample types other than 1-4, and vendor samples: unsupported', () => {
  const r = run(datagram([framed(5, Buffer.alloc(8)), framed((4300 << 12) | 1, Buffer.alloc(8)), GOOD]));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { unsupported: 2 });
});

test('bytes after the last announced sample are ignored', () => {
  const r = run(Buffer.concat([datagram([GOOD]), Buffer.alloc(13, 0xff)]));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, {});
});

// ---- flow record framing ----

test('a record count of a billion: count_too_large before any loop, sample skipped, next decoded', () => {
  const r = run(withGood(flowSample([sampledHeader(SYN_PACKET)], { numRecords: 1_000_000_000 })));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { count_too_large: 1 });
});

test(`a record count above MAX_SFLOW_RECORDS_PER_SAMPLE (${MAX_SFLOW_RECORDS_PER_SAMPLE}): count_too_large`, () => {
  const filler = framed(2000, Buffer.alloc(0));
  const many = Array.from({ length: MAX_SFLOW_RECORDS_PER_SAMPLE + 1 }, () => filler);
  assert.deepEqual(run(withGood(flowSample(many))).errors, { count_too_large: 1 });
  assert.deepEqual(run(withGood(flowSample([...many.slice(1), sampledHeader(SYN_PACKET)]))).errors, { count_too_large: 1 });
  assert.equal(run(withGood(flowSample([...many.slice(2), sampledHeader(SYN_PACKET)]))).records.length, 2);
});

test('more records announced than present: truncated, sample skipped', () => {
  const r = run(withGood(flowSample([sampledHeader(SYN_PACKET), Buffer.alloc(4)], { numRecords: 2 })));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { truncated: 1 });
});

test('a record length past the end of its sample: truncated, sample skipped, next decoded', () => {
  const r = run(withGood(flowSample([sampledHeader(SYN_PACKET, { lengthOverride: 500 })])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { truncated: 1 });
  assert.deepEqual(run(withGood(flowSample([sampledHeader(SYN_PACKET, { lengthOverride: 0xffffffff })]))).errors, { truncated: 1 });
});

test('a zero-length sampled_header record: bad_length, not also no_ip', () => {
  const r = run(withGood(flowSample([framed(1, Buffer.alloc(0))])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { bad_length: 1 });
});

test('a sampled header length past its record: truncated', () => {
  const r = run(withGood(flowSample([sampledHeader(SYN_PACKET, { headerLength: 200 })])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { truncated: 1 });
  assert.deepEqual(run(flowSampleDatagram(sampledHeader(SYN_PACKET, { headerLength: 0xffffffff }))).errors, { truncated: 1 });
});

function flowSampleDatagram(...records: Buffer[]): Buffer {
  return datagram([flowSample(records)]);
}

test('an unpadded header record (length not a multiple of 4) is accepted: framing follows the declared length', () => {
  const pkt = SYN_PACKET.subarray(0, 53); // 53 bytes: XDR would pad to 56
  const body = new Xdr().u32(1).u32(58).u32(4).u32(53).bytes(pkt).build();
  const r = run(withGood(flowSample([framed(1, body), extendedSwitch(5, 5)])));
  assert.equal(r.records.length, 2);
  assert.equal(r.records[0].vlan, 5);
  assert.deepEqual(r.errors, {});
});

test('sampled_ipv4, sampled_ipv6 and extended_switch records shorter than their structure: bad_length', () => {
  const ip4 = sampledIp({ length: 1, protocol: 6, src: V4.src, dst: V4.dst, srcPort: 1, dstPort: 2, tcpFlags: 0, tos: 0 });
  const ip6 = sampledIp({ length: 1, protocol: 6, src: V6.src, dst: V6.dst, srcPort: 1, dstPort: 2, tcpFlags: 0, tos: 0 });
  for (const rec of [framed(3, ip4.subarray(8, 8 + 28)), framed(4, ip6.subarray(8, 8 + 52)), framed(1001, Buffer.alloc(12))]) {
    const r = run(withGood(flowSample([rec])));
    assertOnlyGood(r);
    assert.deepEqual(r.errors, { bad_length: 1 });
  }
  // With a good header in the same sample the bad record is skipped and the sample kept.
  const r = run(flowSampleDatagram(framed(1001, Buffer.alloc(12)), sampledHeader(SYN_PACKET)));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { bad_length: 1 });
});

// ---- extended_gateway ----

const GW = { as: 65000, srcAs: 1, srcPeerAs: 2, path: [{ type: 2 as const, asns: [3356, 174] }] };

test('extended_gateway with a bad next-hop address type: bad_address_type, sample kept without AS', () => {
  const r = run(flowSampleDatagram(sampledHeader(SYN_PACKET), extendedGateway({ ...GW, nexthopType: 7 })));
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].dstAs, 0);
  assert.deepEqual(r.errors, { bad_address_type: 1 });
});

test('extended_gateway with a segment count of a billion or above the limit: count_too_large', () => {
  for (const segmentsOverride of [1_000_000_000, MAX_SFLOW_AS_PATH_SEGMENTS + 1]) {
    const r = run(flowSampleDatagram(sampledHeader(SYN_PACKET), extendedGateway({ ...GW, segmentsOverride })));
    assert.equal(r.records[0].dstAs, 0);
    assert.deepEqual(r.errors, { count_too_large: 1 });
  }
});

test('extended_gateway with an AS count past the record: count_too_large', () => {
  const r = run(flowSampleDatagram(sampledHeader(SYN_PACKET), extendedGateway({ ...GW, path: [{ type: 2, asns: [1], countOverride: 1_000_000_000 }] })));
  assert.equal(r.records[0].dstAs, 0);
  assert.deepEqual(r.errors, { count_too_large: 1 });
});

test('extended_gateway with fewer segments than announced: truncated', () => {
  const full = extendedGateway({ ...GW, segmentsOverride: 2 });
  // Cut the record body right after the path (drop communities and localpref) so the missing segment is at the end.
  const body = full.subarray(8, full.length - 8);
  const r = run(flowSampleDatagram(sampledHeader(SYN_PACKET), framed(1003, Buffer.concat([body, Buffer.alloc(4)]))));
  assert.deepEqual(r.errors, { truncated: 1 });
});

test('extended_gateway shorter than its fixed fields: bad_length', () => {
  for (const len of [0, 3, 8, 20]) {
    const full = extendedGateway(GW);
    const r = run(flowSampleDatagram(sampledHeader(SYN_PACKET), framed(1003, full.subarray(8, 8 + len))));
    assert.equal(r.records.length, 1);
    assert.deepEqual(r.errors, { bad_length: 1 }, `length ${len}`);
  }
});

// ---- counter samples ----

test('counter sample shorter than its fixed fields: bad_length', () => {
  const r = run(withGood(framed(2, Buffer.alloc(8))));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { bad_length: 1 });
  assert.equal(r.e.stats.counterSamples, 0);
});

test('counter sample with a record count of a billion: count_too_large', () => {
  const r = run(withGood(counterSample([ifCountersRecord({ ifIndex: 1 })], { numRecords: 1_000_000_000 })));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { count_too_large: 1 });
  assert.equal(r.e.interfaces.size, 0);
});

test('counter record length past the sample: truncated; if_counters too short: bad_length', () => {
  const a = run(withGood(counterSample([ifCountersRecord({ ifIndex: 1 }, 1000)])));
  assert.deepEqual(a.errors, { truncated: 1 });
  const short = ifCountersRecord({ ifIndex: 1 }).subarray(8, 8 + 84);
  const b = run(withGood(counterSample([framed(1, short), ifCountersRecord({ ifIndex: 2 })], { expanded: true })));
  assert.deepEqual(b.errors, { bad_length: 1 });
  assert.deepEqual([...b.e.interfaces.keys()], [2]);
});

// ---- packet headers ----

test('unknown header protocol: unsupported, not emitted', () => {
  const r = run(withGood(flowSample([sampledHeader(SYN_PACKET, { protocol: 15 })])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { unsupported: 1 });
});

test('nested VLAN tags beyond the limit: header_loop, not emitted', () => {
  const tags = Array.from({ length: 20 }, () => ({ tpid: 0x8100, vid: 1 }));
  const r = run(withGood(flowSample([sampledHeader(ethernet(0x0800, ipv4({ ...V4, protocol: 17 }, udp(1, 2)), tags))])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { header_loop: 1 });
});

test('MPLS label stack beyond the limit: header_loop, not emitted', () => {
  const labels = Array.from({ length: 20 }, (_, i) => i + 16);
  const r = run(withGood(flowSample([sampledHeader(ethernet(0x8847, mpls(labels, ipv4({ ...V4, protocol: 17 }, udp(1, 2)))))])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { header_loop: 1 });
});

test('IPv6 extension header chain beyond the limit: header_loop, emitted with protocol = the extension header', () => {
  let chain: Buffer = udp(1, 2);
  for (let i = 0; i < 10; i++) chain = ext6(i === 0 ? 17 : 60, chain);
  const r = run(flowSampleDatagram(sampledHeader(ethernet(0x86dd, ipv6({ ...V6, next: 60 }, chain)))));
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0].protocol, 60);
  assert.equal(r.records[0].srcPort, 0);
  assert.deepEqual(r.errors, { header_loop: 1 });
});

test('IPv4 header with IHL < 5: bad_length, not emitted', () => {
  const r = run(withGood(flowSample([sampledHeader(ethernet(0x0800, ipv4({ ...V4, protocol: 17, ihl: 2 }, udp(1, 2))))])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { bad_length: 1 });
});

test('a raw header cut before the IP addresses: no_ip, not emitted', () => {
  const r = run(withGood(flowSample([sampledHeader(SYN_PACKET.subarray(0, 30))])));
  assertOnlyGood(r);
  assert.deepEqual(r.errors, { no_ip: 1 });
});
