// Truncation sweep and property-based fuzzing of the sFlow decoder and the packet-header parser.
// Time-boxed by FUZZ_SECONDS (default 2 s for the whole file); `npm run fuzz` raises it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SflowDecoder } from './sflow-decoder.js';
import { DecodeError } from '../decode-error.js';
import { Exporter } from '../exporter.js';
import { HeaderProtocol, parsePacketHeader } from '../packet-header.js';
import { FlowSample, SampleSource, type SampleSink } from '../sample.js';
import { HANDMADE, NOW } from './testdata/handmade.js';
import { listFixtureDatagrams } from '../../capture/fixtures.js';

const FUZZ_MS = Math.max(0.1, Number(process.env.FUZZ_SECONDS ?? 2)) * 1000;
// Hand-made datagrams plus every datagram captured from pmacctd (testdata/captured/).
const FIXTURES = [...Object.values(HANDMADE), ...listFixtureDatagrams('sflow').map((d) => Buffer.from(d.payload))];

const NUMERIC_FIELDS = [
  'srcV4', 'dstV4', 'protocol', 'srcPort', 'dstPort', 'tcpFlags', 'icmpType', 'icmpCode', 'tos', 'ttl',
  'fragmentOffset', 'packets', 'bytes', 'samplingRate', 'frameLength', 'ipLength', 'inputIf', 'outputIf',
  'srcAs', 'dstAs', 'vlan', 'forwarding', 'startMs', 'endMs',
] as const;

/** Throws (with a readable message) if an emitted sample is not sane. */
function checkSample(s: FlowSample): void {
  if (s.ipVersion !== 4 && s.ipVersion !== 6) throw new Error(`ipVersion ${s.ipVersion}`);
  for (const f of NUMERIC_FIELDS) {
    const v = s[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${f} = ${v}`);
  }
  if (s.protocol > 255 || s.srcPort > 65535 || s.dstPort > 65535 || s.tcpFlags > 255 || s.tos > 255 || s.ttl > 255) {
    throw new Error('a header field is out of its range');
  }
  if (s.vlan > 4095 || s.fragmentOffset > 0x1fff || s.forwarding > 3) throw new Error('vlan/fragment/forwarding out of range');
  if (s.samplingRate < 1 || s.packets !== 1) throw new Error(`samplingRate ${s.samplingRate}, packets ${s.packets}`);
  if (s.startMs !== NOW || s.endMs !== NOW) throw new Error('timestamps');
  if (s.source !== SampleSource.SFLOW) throw new Error('source');
}

const checkingSink: SampleSink = { sample: checkSample };

/** Decodes; returns normally or throws a DecodeError. Anything else fails the test. */
function decodeChecked(decoder: SflowDecoder, buf: Buffer): void {
  const e = new Exporter('192.0.2.1', 1, 0, 1);
  let n = 0;
  try {
    n = decoder.decode(buf, e, NOW, checkingSink);
  } catch (err) {
    if (err instanceof DecodeError) return;
    throw err;
  }
  if (!Number.isInteger(n) || n < 0 || n !== e.stats.samples) throw new Error(`returned ${n}, counted ${e.stats.samples}`);
}

test('truncation sweep: every prefix of every hand-made and captured datagram returns or throws DecodeError', () => {
  const decoder = new SflowDecoder();
  const captured = listFixtureDatagrams('sflow').map((d) => [`${d.file}#${d.index}`, Buffer.from(d.payload)] as const);
  for (const [name, buf] of [...Object.entries(HANDMADE), ...captured]) {
    for (let len = 0; len <= buf.length; len++) {
      // A copy of exactly `len` bytes: the decoder must not see (or need) anything beyond it.
      const prefix = Buffer.from(buf.subarray(0, len));
      assert.doesNotThrow(() => decodeChecked(decoder, prefix), `${name} at ${len} bytes`);
    }
  }
});

/** Interesting 32-bit values for length and count fields. */
const WORDS = [0, 1, 2, 3, 4, 7, 8, 0x7f, 0xff, 0x100, 0xffff, 0x10000, 0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...WORDS), fc.nat({ max: 0xffffffff })) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(src: Buffer, muts: { kind: string; at: number; value: number }[]): Buffer {
  let b = Buffer.from(src);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'byte':
        b[at] = m.value;
        break;
      case 'word': {
        // Words sit on 4-byte boundaries in XDR: that is where lengths and counts are.
        const w = at & ~3;
        if (w + 4 <= b.length) b.writeUInt32BE(m.value >>> 0, w);
        break;
      }
      case 'cut':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.value, 0, 0, 0]), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.value)]);
        break;
    }
  }
  return b;
}

test('fuzz: mutated hand-made datagrams only ever throw DecodeError and emit sane samples', () => {
  const decoder = new SflowDecoder();
  fc.assert(
    fc.property(fc.integer({ min: 0, max: FIXTURES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (i, muts) => {
      decodeChecked(decoder, mutate(FIXTURES[i], muts));
    }),
    { numRuns: 1_000_000_000, interruptAfterTimeLimit: FUZZ_MS * 0.5 },
  );
});

test('fuzz: random bytes, bare and behind a valid datagram header, only ever throw DecodeError', () => {
  const decoder = new SflowDecoder();
  // version 5, IPv4 agent, sub-agent, sequence, uptime: the random part starts at the sample count.
  const head = Buffer.from([0, 0, 0, 5, 0, 0, 0, 1, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9]);
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 1500 }), (withHead, bytes) => {
      decodeChecked(decoder, withHead ? Buffer.concat([head, bytes]) : Buffer.from(bytes));
    }),
    { numRuns: 1_000_000_000, interruptAfterTimeLimit: FUZZ_MS * 0.25 },
  );
});

test('fuzz: the packet-header parser never throws and never reports an impossible sample', () => {
  const s = new FlowSample();
  // Valid-looking starts so the random tail reaches the deeper parsers.
  const starts = [
    Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00]),
    Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd, 0x60]),
    Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0x47]),
    Buffer.from([0x45]),
    Buffer.from([0x60, 0, 0, 0, 0, 0, 0]),
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(HeaderProtocol.ETHERNET, HeaderProtocol.IPV4, HeaderProtocol.IPV6, HeaderProtocol.MPLS, 0, 7),
      fc.integer({ min: 0, max: starts.length }),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat({ max: 300 }),
      (proto, startIdx, tail, length) => {
        const buf = startIdx === starts.length ? Buffer.from(tail) : Buffer.concat([starts[startIdx], tail]);
        s.reset(SampleSource.PCAP);
        const err = parsePacketHeader(buf, 0, length, proto, s);
        if (err !== null && typeof err !== 'string') throw new Error('bad result');
        if (s.ipVersion !== 0) {
          s.packets = 1;
          s.samplingRate = 1;
          s.source = SampleSource.SFLOW;
          s.startMs = NOW;
          s.endMs = NOW;
          checkSample(s);
        }
      },
    ),
    { numRuns: 1_000_000_000, interruptAfterTimeLimit: FUZZ_MS * 0.25 },
  );
});
