import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '../decode-error.js';
import { ANY_SAMPLER } from '../exporter.js';
import { CollectingSink } from '../sample-record.js';
import { SampleSource } from '../sample.js';
import {
  checkHandMadeFixtures,
  errors,
  expectRecord,
  fuzz,
  newExporter,
  testdataFiles,
  truncationSweep,
  v5Datagram,
  type V5Record,
} from '../templates/test-support.js';
import { NETFLOW_V5_MAX_RECORDS, NetflowV5Decoder, decodeNetflowV5 } from './netflow-v5.js';

const TESTDATA = fileURLToPath(new URL('../../../../src/flow/netflow/testdata/', import.meta.url));
const NOW = 1_700_000_100_000;
const HEADER = { sysUptime: 100_000, unixSecs: 1_700_000_000, unixNsecs: 500_000_000, sequence: 1000, engineType: 1, engineId: 2 };
const EXPORT_MS = 1_700_000_000_500;

const TCP: V5Record = {
  src: '10.0.0.1', dst: '192.0.2.10', nextHop: '10.0.0.254', input: 3, output: 4, packets: 10, bytes: 1500,
  first: 90_000, last: 99_000, srcPort: 40000, dstPort: 443, tcpFlags: 0x1b, protocol: 6, tos: 0x10,
  srcAs: 65000, dstAs: 64500, srcMask: 24, dstMask: 24,
};
// Cisco puts ICMP type 3 code 1 into the destination port as 0x0301.
const ICMP: V5Record = { src: '10.0.0.2', dst: '192.0.2.11', packets: 1, bytes: 56, first: 99_500, last: 99_500, dstPort: 0x0301, protocol: 1 };

function decode(buf: Buffer, e = newExporter()): { records: ReturnType<typeof expectRecord>[]; n: number } {
  const sink = new CollectingSink();
  const n = new NetflowV5Decoder().decode(buf, e, NOW, sink);
  return { records: sink.records, n };
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a DecodeError');
}

const NAMED = new Map<string, Buffer>([
  ['v5-tcp-icmp-sampled', v5Datagram({ ...HEADER, sampling: 0x4000 | 100 }, [TCP, ICMP])],
  ['v5-empty', v5Datagram(HEADER, [])],
  ['v5-uptime-wrap', v5Datagram({ ...HEADER, sysUptime: 1000 }, [{ ...TCP, first: 4294966296, last: 500 }])],
  ['v5-30-records', v5Datagram(HEADER, Array.from({ length: 30 }, (_, i) => ({ ...TCP, srcPort: i })))],
]);
const V5_FIXTURES = [...NAMED.values()];

describe('NetFlow v5', () => {
  it('decodes every field of TCP and ICMP records', () => {
    const e = newExporter();
    const { records, n } = decode(V5_FIXTURES[0], e);
    assert.equal(n, 2);
    assert.deepEqual(records, [
      {
        source: 'netflow_v5', ipVersion: 4, src: '10.0.0.1', dst: '192.0.2.10', protocol: 6, srcPort: 40000, dstPort: 443,
        tcpFlags: 0x1b, icmpType: 0, icmpCode: 0, tos: 0x10, ttl: 0, isFragment: false, fragmentOffset: 0,
        moreFragments: false, dontFragment: false, packets: 10, bytes: 1500, samplingRate: 100, frameLength: 0,
        ipLength: 0, inputIf: 3, outputIf: 4, srcAs: 65000, dstAs: 64500, vlan: 0, forwarding: 0,
        startMs: EXPORT_MS - 10_000, endMs: EXPORT_MS - 1000,
      },
      {
        source: 'netflow_v5', ipVersion: 4, src: '10.0.0.2', dst: '192.0.2.11', protocol: 1, srcPort: 0, dstPort: 0,
        tcpFlags: 0, icmpType: 3, icmpCode: 1, tos: 0, ttl: 0, isFragment: false, fragmentOffset: 0,
        moreFragments: false, dontFragment: false, packets: 1, bytes: 56, samplingRate: 100, frameLength: 0,
        ipLength: 0, inputIf: 0, outputIf: 0, srcAs: 0, dstAs: 0, vlan: 0, forwarding: 0,
        startMs: EXPORT_MS - 500, endMs: EXPORT_MS - 500,
      },
    ]);
    assert.equal(e.stats.samples, 2);
    assert.deepEqual(errors(e), {});
  });

  it('uses the exporter sampling when the header carries none, and the override over the header', () => {
    const learned = newExporter('192.0.2.1', 1);
    learned.learnSampling(ANY_SAMPLER, 512);
    assert.equal(decode(v5Datagram(HEADER, [TCP]), learned).records[0].samplingRate, 512);
    assert.equal(decode(v5Datagram(HEADER, [TCP]), newExporter('192.0.2.1', 64)).records[0].samplingRate, 64);
    assert.equal(decode(v5Datagram({ ...HEADER, sampling: 0x8000 | 100 }, [TCP]), newExporter('192.0.2.1', 1, 2000)).records[0].samplingRate, 2000);
    // Mode bits alone (interval 0) do not set a rate.
    assert.equal(decode(v5Datagram({ ...HEADER, sampling: 0xc000 }, [TCP]), newExporter('192.0.2.1', 8)).records[0].samplingRate, 8);
  });

  it('converts first/last switched across an uptime wrap', () => {
    const { records } = decode(V5_FIXTURES[2]);
    assert.deepEqual(records[0], expectRecord({
      source: 'netflow_v5', src: '10.0.0.1', dst: '192.0.2.10', protocol: 6, srcPort: 40000, dstPort: 443, tcpFlags: 0x1b,
      tos: 0x10, packets: 10, bytes: 1500, inputIf: 3, outputIf: 4, srcAs: 65000, dstAs: 64500,
      // sysUptime 1000, first = 2^32 - 1000 (2 s earlier, before the wrap), last 500 ms of uptime.
      startMs: EXPORT_MS - 2000, endMs: EXPORT_MS - 500,
    }));
  });

  it('tracks flow_sequence per engine, moving by the record count', () => {
    const e = newExporter();
    const d = new NetflowV5Decoder();
    const sink = new CollectingSink();
    d.decode(v5Datagram({ ...HEADER, sequence: 1000 }, [TCP, TCP]), e, NOW, sink);
    d.decode(v5Datagram({ ...HEADER, sequence: 1002 }, [TCP]), e, NOW, sink);
    assert.equal(e.stats.sequenceGaps, 0);
    d.decode(v5Datagram({ ...HEADER, sequence: 1010 }, [TCP]), e, NOW, sink);
    assert.equal(e.stats.sequenceGaps, 1);
    assert.equal(e.stats.sequenceLost, 7);
    // Another engine is another stream.
    d.decode(v5Datagram({ ...HEADER, engineId: 9, sequence: 5 }, [TCP]), e, NOW, sink);
    assert.equal(e.stats.sequenceGaps, 1);
    assert.equal(e.stats.sequenceResets, 0);
    // The same id under another protocol is another stream as well (engine 1/2 is stream 258).
    e.trackSequence(SampleSource.NETFLOW_V9, 258, 5, 1);
    e.trackSequence(SampleSource.IPFIX, 258, 3, 1);
    e.trackSequence(SampleSource.SFLOW, 258, 1, 1);
    assert.equal(e.stats.sequenceGaps, 1);
    assert.equal(e.stats.sequenceResets, 0);
    d.decode(v5Datagram({ ...HEADER, sequence: 1011 }, [TCP]), e, NOW, sink);
    assert.equal(e.stats.sequenceGaps, 1);
    assert.equal(e.stats.sequenceResets, 0);
  });

  it('function form decodes the same', () => {
    const sink = new CollectingSink();
    assert.equal(decodeNetflowV5(V5_FIXTURES[3], newExporter(), NOW, sink), 30);
    assert.equal(sink.records[29].srcPort, 29);
  });

  describe('malformed', () => {
    it('header shorter than 24 bytes: truncated', () => {
      assert.equal(thrown(() => decode(V5_FIXTURES[0].subarray(0, 23))), 'truncated');
    });
    it('wrong version: bad_version', () => {
      const b = Buffer.from(V5_FIXTURES[0]);
      b.writeUInt16BE(7, 0);
      assert.equal(thrown(() => decode(b)), 'bad_version');
    });
    it('count of 65535: count_too_large before touching records', () => {
      assert.equal(thrown(() => decode(v5Datagram({ ...HEADER, count: 65535 }, [TCP]))), 'count_too_large');
      assert.equal(NETFLOW_V5_MAX_RECORDS, 1364);
    });
    it('count larger than the records present: truncated', () => {
      assert.equal(thrown(() => decode(v5Datagram({ ...HEADER, count: 3 }, [TCP, TCP]))), 'truncated');
    });
    it('a whole record beyond the count: decoded as counted, bad_length noted', () => {
      const e = newExporter();
      assert.equal(decode(v5Datagram({ ...HEADER, count: 1 }, [TCP, TCP]), e).n, 1);
      assert.deepEqual(errors(e), { bad_length: 1 });
      // Short trailing padding is not worth a note.
      const e2 = newExporter();
      assert.equal(decode(Buffer.concat([v5Datagram(HEADER, [TCP]), Buffer.alloc(4)]), e2).n, 1);
      assert.deepEqual(errors(e2), {});
    });
  });

  it('hand-made fixtures in testdata/hand-made match the builder', () => {
    checkHandMadeFixtures(TESTDATA, NAMED);
  });

  it('truncation sweep: every prefix of every fixture throws only DecodeError', () => {
    const all = [...V5_FIXTURES, ...testdataFiles(TESTDATA).filter((b) => b.length >= 2 && b.readUInt16BE(0) === 5)];
    const d = new NetflowV5Decoder();
    assert.ok(truncationSweep((b, e, now, s) => d.decode(b, e, now, s), all, NOW) > 1000);
  });

  it('fuzz: random and mutated datagrams', () => {
    const d = new NetflowV5Decoder();
    const seeds = [...V5_FIXTURES, ...testdataFiles(TESTDATA).filter((b) => b.length >= 2 && b.readUInt16BE(0) === 5)];
    fuzz((b, e, now, s) => d.decode(b, e, now, s), seeds, NOW, [0, 5]);
  });
});
