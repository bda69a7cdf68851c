/**
 * The incremental pcap reader against the file reader: the same records whatever the chunking
 * (every split point, one byte at a time, random cuts), and one test per framing rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodePcap, encodePcapng, ipUdpPacket, linkFrame, LinkType, readPackets, type PcapRecord } from '../capture/index.js';
import { PcapStreamError, PcapStreamReader, type PcapStreamErrorCode, type PcapStreamHeader } from './pcap-stream.js';

interface Rec {
  data: string;
  origLen: number;
  tsMs: number;
}

function records(n: number, sizes = [60, 1, 0, 200, 77]): PcapRecord[] {
  const out: PcapRecord[] = [];
  for (let i = 0; i < n; i++) {
    const frame = linkFrame(LinkType.ETHERNET, ipUdpPacket({ srcAddr: '198.51.100.7', dstAddr: '192.0.2.10', srcPort: 1000 + i, dstPort: 53, payload: Buffer.alloc(sizes[i % sizes.length]!, i) }));
    out.push({ tsMs: 1_763_800_000_000 + i * 1.5, data: frame, origLen: frame.length + (i % 3) * 100 });
  }
  return out;
}

/** Reads `buf` in the given chunks; returns the records (copied) and the header. */
function readChunks(chunks: Buffer[], maxRecordBytes?: number): { recs: Rec[]; header: PcapStreamHeader | null; reader: PcapStreamReader } {
  const recs: Rec[] = [];
  let header: PcapStreamHeader | null = null;
  const reader = new PcapStreamReader((d, start, cap, orig, ts) => recs.push({ data: d.subarray(start, start + cap).toString('hex'), origLen: orig, tsMs: ts }), {
    maxRecordBytes,
    onHeader: (h) => (header = h),
  });
  for (const c of chunks) reader.push(c);
  reader.end();
  return { recs, header, reader };
}

function expected(buf: Buffer): Rec[] {
  return [...readPackets(buf)].map((p) => ({ data: p.data.toString('hex'), origLen: p.origLen, tsMs: p.tsMs }));
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

function assertStreamError(fn: () => void, code: PcapStreamErrorCode, offset?: number): PcapStreamError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof PcapStreamError, `expected PcapStreamError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (offset !== undefined) assert.equal(caught.offset, offset, caught.message);
  return caught;
}

test('a stream in one chunk gives the same records as the file reader', () => {
  const buf = encodePcap(records(20), { linkType: LinkType.ETHERNET });
  const { recs, header, reader } = readChunks([buf]);
  assert.deepEqual(recs, expected(buf));
  assert.equal(recs.length, 20);
  assert.deepEqual(header, { linkType: LinkType.ETHERNET, snapLen: 262144, nanoseconds: false, littleEndian: true });
  assert.equal(reader.records, 20);
  assert.equal(reader.bytes, buf.length);
  assert.equal(reader.pendingBytes, 0);
});

test('records split at every byte boundary (two chunks) are all read, in order', () => {
  const buf = encodePcap(records(6), { linkType: LinkType.ETHERNET, snapLen: 1024 });
  const want = expected(buf);
  for (let cut = 0; cut <= buf.length; cut++) {
    const { recs, reader } = readChunks(splitAt(buf, [cut]));
    assert.deepEqual(recs, want, `cut at ${cut}`);
    assert.equal(reader.bytes, buf.length);
  }
});

test('a stream fed one byte at a time, and in random chunks, gives the same records', () => {
  const buf = encodePcap(records(12), { linkType: LinkType.ETHERNET, nanos: true, bigEndian: true });
  const want = expected(buf);
  const bytes = [...Array(buf.length).keys()].map((i) => buf.subarray(i, i + 1));
  assert.deepEqual(readChunks(bytes).recs, want);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: buf.length - 1 }), { maxLength: 40 }), (cuts) => {
      assert.deepEqual(readChunks(splitAt(buf, cuts)).recs, want);
    }),
    { numRuns: 300 },
  );
});

test('nanosecond magic and big-endian headers are read, timestamps scaled', () => {
  for (const bigEndian of [false, true]) {
    const recs: PcapRecord[] = [{ tsMs: 1_763_800_000_123.456, data: Buffer.from('00112233', 'hex') }];
    const buf = encodePcap(recs, { linkType: LinkType.RAW, nanos: true, bigEndian, snapLen: 128 });
    const r = readChunks([buf]);
    assert.deepEqual(r.header, { linkType: LinkType.RAW, snapLen: 128, nanoseconds: true, littleEndian: !bigEndian });
    assert.equal(r.recs.length, 1);
    assert.equal(r.recs[0]!.data, '00112233');
    assert.ok(Math.abs(r.recs[0]!.tsMs - 1_763_800_000_123.456) < 1e-3, String(r.recs[0]!.tsMs));
    // The same instant in microseconds loses only the nanoseconds.
    const us = readChunks([encodePcap(recs, { linkType: LinkType.RAW, bigEndian })]);
    assert.equal(us.recs[0]!.tsMs, 1_763_800_000_123.456);
  }
});

test('an empty stream and a stream with only the header are fine', () => {
  assert.deepEqual(readChunks([]).recs, []);
  const hdr = encodePcap([], { linkType: LinkType.ETHERNET });
  const r = readChunks([hdr.subarray(0, 10), hdr.subarray(10)]);
  assert.deepEqual(r.recs, []);
  assert.equal(r.header!.linkType, LinkType.ETHERNET);
});

test('a stream that ends inside the header or a record is truncated, at the right offset', () => {
  const buf = encodePcap(records(3, [40]), { linkType: LinkType.ETHERNET });
  const recLen = (buf.length - 24) / 3;
  for (const end of [1, 23, 24 + 1, 24 + 15, 24 + 16, 24 + recLen - 1, 24 + 2 * recLen + 5]) {
    const got: number[] = [];
    const reader = new PcapStreamReader((_d, _s, cap) => got.push(cap));
    reader.push(buf.subarray(0, end));
    const recordStart = end < 24 ? 0 : 24 + Math.floor((end - 24) / recLen) * recLen;
    const err = assertStreamError(() => reader.end(), 'truncated', recordStart);
    assert.match(err.message, end < 24 ? /inside the file header/ : /inside a record/);
    assert.equal(got.length, end < 24 ? 0 : Math.floor((end - 24) / recLen), `records before the cut (end ${end})`);
    // The reader stays failed.
    assert.doesNotThrow(() => reader.end());
  }
});

test('bad magic, pcapng and the modified format are refused as soon as 4 bytes arrive', () => {
  const noop = () => {};
  assertStreamError(() => new PcapStreamReader(noop).push(Buffer.from('GET / HTTP/1.1\r\n')), 'bad_magic', 0);
  const ng = encodePcapng([{ interfaces: [{ linkType: LinkType.ETHERNET }], packets: [] }]);
  assertStreamError(() => new PcapStreamReader(noop).push(ng.subarray(0, 4)), 'unsupported_format', 0);
  const mod = Buffer.from([0x34, 0xcd, 0xb2, 0xa1]);
  assertStreamError(() => new PcapStreamReader(noop).push(mod), 'unsupported_format', 0);
  // Version 3.0 is not pcap.
  const v3 = encodePcap([], { linkType: LinkType.ETHERNET });
  v3.writeUInt16LE(3, 4);
  assertStreamError(() => new PcapStreamReader(noop).push(v3), 'unsupported_format', 4);
  // After an error every push throws it again: the stream cannot be resynchronised.
  const r = new PcapStreamReader(noop);
  const first = assertStreamError(() => r.push(Buffer.from('nope')), 'bad_magic');
  assert.throws(() => r.push(encodePcap([], { linkType: 1 })), (e) => e === first);
});

test('a record longer than the header snap length or the reader limit is a framing error', () => {
  const rec = [{ tsMs: 1000, data: Buffer.alloc(300) }];
  // Header says 256: a 300-byte record cannot be right.
  const buf = encodePcap(rec, { linkType: LinkType.ETHERNET, snapLen: 256 });
  assertStreamError(() => readChunks([buf]), 'too_large', 24);
  // Split so that only the record header has arrived: refused before waiting for the data.
  const r = new PcapStreamReader(() => {});
  assertStreamError(() => r.push(buf.subarray(0, 24 + 16)), 'too_large', 24);
  // Header allows it, the reader's limit (the snap length asked of tcpdump) does not.
  const big = encodePcap(rec, { linkType: LinkType.ETHERNET, snapLen: 65535 });
  assertStreamError(() => readChunks([big], 299), 'too_large', 24);
  assert.equal(readChunks([big], 300).recs.length, 1);
  // Snap length 0 in the header: the absolute limit applies.
  const zero = encodePcap(rec, { linkType: LinkType.ETHERNET, snapLen: 0 });
  assert.equal(readChunks([zero]).recs.length, 1);
  const huge = encodePcap([{ tsMs: 1, data: Buffer.alloc(262_145) }], { linkType: LinkType.ETHERNET, snapLen: 0 });
  assertStreamError(() => readChunks([huge]), 'too_large', 24);
  assert.throws(() => new PcapStreamReader(() => {}, { maxRecordBytes: 0 }), RangeError);
  assert.throws(() => new PcapStreamReader(() => {}, { maxRecordBytes: 262_145 }), RangeError);
});

test('record headers that contradict themselves are framing errors at their offset', () => {
  const buf = encodePcap(records(3, [40]), { linkType: LinkType.ETHERNET });
  const recLen = (buf.length - 24) / 3;
  const second = 24 + recLen;
  // Captured length above the original length.
  const a = Buffer.from(buf);
  a.writeUInt32LE(a.readUInt32LE(second + 8) - 1, second + 12);
  assertStreamError(() => readChunks([a]), 'bad_record', second);
  // Microseconds field of a million or more.
  const b = Buffer.from(buf);
  b.writeUInt32LE(1_000_000, second + 4);
  assertStreamError(() => readChunks([b]), 'bad_record', second);
  // In the nanosecond format the same value is fine.
  const ns = encodePcap(records(3, [40]), { linkType: LinkType.ETHERNET, nanos: true });
  ns.writeUInt32LE(999_999_999, second + 4);
  assert.equal(readChunks([ns]).recs.length, 3);
  ns.writeUInt32LE(1_000_000_000, second + 4);
  assertStreamError(() => readChunks([ns]), 'bad_record', second);
  // The same error when the bad header is split across chunks.
  for (let cut = second; cut < second + 16; cut++) assertStreamError(() => readChunks(splitAt(b, [cut])), 'bad_record', second);
});

test('a handler that throws leaves the reader failed and the error propagates', () => {
  const buf = encodePcap(records(3), { linkType: LinkType.ETHERNET });
  const r = new PcapStreamReader(() => {
    throw new Error('sink bug');
  });
  assert.throws(() => r.push(buf), /sink bug/);
  assert.throws(() => r.push(buf), /sink bug/);
});

test('memory stays bounded: the carry buffer holds at most a header and one record', () => {
  // 10 MB of records fed in 1000-byte chunks never carries more than one record.
  const buf = encodePcap(records(50_000, [64, 100, 200]), { linkType: LinkType.ETHERNET, snapLen: 256 });
  let max = 0;
  let n = 0;
  const r = new PcapStreamReader(() => n++);
  for (let o = 0; o < buf.length; o += 1000) {
    r.push(buf.subarray(o, o + 1000));
    max = Math.max(max, r.pendingBytes);
  }
  r.end();
  assert.equal(n, 50_000);
  assert.ok(max <= 16 + 256, `carried ${max} bytes`);
});
