import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '../decode-error.js';
import { ANY_SAMPLER, type Exporter } from '../exporter.js';
import { CollectingSink } from '../sample-record.js';
import type { SampleRecord } from '../sample.js';
import { TemplateCache, type StoredTemplate } from '../templates/template-cache.js';
import {
  Bytes,
  checkHandMadeFixtures,
  dataSet,
  errors,
  expectRecord,
  f,
  fuzz,
  ipfixMessage,
  ipfixOptionsTemplateSet,
  ipfixTemplateSet,
  ipfixWithdrawalSet,
  newExporter,
  set,
  testdataFiles,
  truncationSweep,
  type Field,
  type Value,
} from '../templates/test-support.js';
import { IE, REVERSE_PEN } from './field-ids.js';
import { IpfixDecoder } from './ipfix-decoder.js';

const TESTDATA = fileURLToPath(new URL('../../../../src/flow/ipfix/testdata/', import.meta.url));
const NOW = 1_700_000_100_000;
const EXPORT_S = 1_700_000_000;
const EXPORT_MS = EXPORT_S * 1000;
const HDR = { exportTime: EXPORT_S, sequence: 0, domain: 42 };

function msg(...sets: Buffer[]): Buffer {
  return ipfixMessage(HDR, sets);
}

class Harness {
  readonly decoder: IpfixDecoder;
  readonly sink = new CollectingSink();
  constructor(
    readonly cache = new TemplateCache(),
    readonly exporter: Exporter = newExporter(),
  ) {
    this.decoder = new IpfixDecoder(cache);
  }
  decode(buf: Buffer, now = NOW): SampleRecord[] {
    const before = this.sink.records.length;
    const n = this.decoder.decode(buf, this.exporter, now, this.sink);
    const got = this.sink.records.slice(before);
    assert.equal(n, got.length, 'return value = samples emitted');
    return got;
  }
}

function rec(fields: Partial<SampleRecord>): SampleRecord {
  return expectRecord({ source: 'ipfix', startMs: EXPORT_MS, endMs: EXPORT_MS, ...fields });
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

/** NTP timestamp bytes (RFC 7011 §6.1.9) for a Unix time in ms. */
function ntp(ms: number): number[] {
  const sec = Math.floor(ms / 1000) + 2208988800;
  const frac = Math.round(((ms % 1000) / 1000) * 2 ** 32);
  return [...new Bytes().u32(sec).u32(frac).buffer()];
}

const FIXTURES: Buffer[] = [];
/** Fixtures with a name are also kept as files in testdata/hand-made/<name>.bin. */
const NAMED = new Map<string, Buffer>();
function fixture(b: Buffer): Buffer {
  FIXTURES.push(b);
  return b;
}
function named(name: string, b: Buffer): Buffer {
  NAMED.set(name, b);
  return fixture(b);
}

const ADDR4 = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4)];

const T_V4: Field[] = [
  ...ADDR4,
  f(IE.sourceTransportPort, 2),
  f(IE.destinationTransportPort, 2),
  f(IE.protocolIdentifier, 1),
  f(IE.tcpControlBits, 2),
  f(IE.octetDeltaCount, 8),
  f(IE.packetDeltaCount, 8),
  f(IE.ingressInterface, 4),
  f(IE.egressInterface, 4),
  f(IE.bgpSourceAsNumber, 4),
  f(IE.bgpDestinationAsNumber, 4),
  f(IE.flowStartMilliseconds, 8),
  f(IE.flowEndMilliseconds, 8),
  f(IE.ipClassOfService, 1),
  f(IE.ipTTL, 1),
  f(IE.vlanId, 2),
  f(IE.forwardingStatus, 1),
  f(IE.selectorId, 4),
];
function v4Row(selector: number, srcPort: number): Value[] {
  return ['198.51.100.1', '203.0.113.9', srcPort, 443, 6, 0x0002, 2 ** 40 + 3, 5, 11, 12, 64512, 13335, EXPORT_MS - 2500, EXPORT_MS - 250, 0x04, 57, 3001, 0x40, selector];
}

const T_V6: Field[] = [
  f(IE.sourceIPv6Address, 16),
  f(IE.destinationIPv6Address, 16),
  f(IE.udpSourcePort, 2),
  f(IE.udpDestinationPort, 2),
  f(IE.protocolIdentifier, 1),
  f(IE.octetTotalCount, 8),
  f(IE.packetTotalCount, 8),
  f(IE.flowStartSeconds, 4),
  f(IE.flowEndSeconds, 4),
  f(IE.fragmentFlags, 1),
  f(IE.fragmentIdentification, 4),
];
const V6_ROW: Value[] = ['2001:db8::53', '2001:db8:ffff::1', 53, 33000, 17, 4000, 4, EXPORT_S - 20, EXPORT_S - 19, 0, 0xabcdef];

/** PSAMP sampling options scoped by selectorId (RFC 5477 / RFC 5476 systematic count-based). */
const OPT_PSAMP = { id: 258, scopeCount: 1, fields: [f(IE.selectorId, 4), f(IE.samplingPacketInterval, 4), f(IE.samplingPacketSpace, 4)] };

const FULL_MESSAGE = named('ipfix-templates-options-data', 
  msg(
    ipfixTemplateSet([{ id: 256, fields: T_V4 }, { id: 257, fields: T_V6 }]),
    ipfixOptionsTemplateSet([OPT_PSAMP]),
    dataSet(258, OPT_PSAMP.fields, [[5, 1, 99], [6, 2, 3]]),
    dataSet(256, T_V4, [v4Row(5, 40001), v4Row(6, 40002), v4Row(7, 40003)]),
    dataSet(257, T_V6, [V6_ROW]),
  ),
);

/** softflowd's IPFIX: options scoped by meteringProcessId carrying systemInitTimeMilliseconds and PSAMP sampling. */
const OPT_SOFTFLOWD = {
  id: 259,
  scopeCount: 1,
  fields: [f(IE.meteringProcessId, 4), f(IE.systemInitTimeMilliseconds, 8), f(IE.samplingPacketInterval, 4), f(IE.samplingPacketSpace, 4), f(IE.selectorAlgorithm, 2)],
};
const T_UPTIME: Field[] = [
  ...ADDR4,
  f(IE.flowStartSysUpTime, 4),
  f(IE.flowEndSysUpTime, 4),
  f(IE.octetDeltaCount, 4),
  f(IE.packetDeltaCount, 4),
  f(IE.ingressInterface, 4),
  f(IE.egressInterface, 4),
  f(IE.sourceTransportPort, 2),
  f(IE.destinationTransportPort, 2),
  f(IE.protocolIdentifier, 1),
  f(IE.tcpControlBits, 1),
  f(IE.ipVersion, 1),
  f(IE.ipClassOfService, 1),
];
const SYS_INIT = EXPORT_MS - 3_600_000;
const UPTIME_ROW: Value[] = ['10.9.0.1', '10.9.0.2', 3_590_000, 3_599_000, 640, 8, 1, 1, 5353, 5353, 17, 0, 4, 0];

describe('IPFIX', () => {
  it('decodes templates, options and data of one message, every field', () => {
    const h = new Harness();
    const got = h.decode(FULL_MESSAGE);
    const v4 = (samplingRate: number, srcPort: number): SampleRecord => ({
      source: 'ipfix', ipVersion: 4, src: '198.51.100.1', dst: '203.0.113.9', protocol: 6, srcPort, dstPort: 443,
      tcpFlags: 0x02, icmpType: 0, icmpCode: 0, tos: 0x04, ttl: 57, isFragment: false, fragmentOffset: 0,
      moreFragments: false, dontFragment: false, packets: 5, bytes: 2 ** 40 + 3, samplingRate, frameLength: 0,
      ipLength: 0, inputIf: 11, outputIf: 12, srcAs: 64512, dstAs: 13335, vlan: 3001, forwarding: 1,
      startMs: EXPORT_MS - 2500, endMs: EXPORT_MS - 250,
    });
    assert.deepEqual(got, [
      v4(100, 40001), // selector 5: 1 sampled, 99 skipped
      v4(2.5, 40002), // selector 6: 2 sampled, 3 skipped
      v4(1, 40003), // selector 7: nothing learned, the exporter default
      {
        source: 'ipfix', ipVersion: 6, src: '2001:db8::53', dst: '2001:db8:ffff::1', protocol: 17, srcPort: 53,
        dstPort: 33000, tcpFlags: 0, icmpType: 0, icmpCode: 0, tos: 0, ttl: 0,
        // An IPv6 fragment identification only exists in a fragment header.
        isFragment: true, fragmentOffset: 0, moreFragments: false, dontFragment: false, packets: 4, bytes: 4000,
        samplingRate: 1, frameLength: 0, ipLength: 0, inputIf: 0, outputIf: 0, srcAs: 0, dstAs: 0, vlan: 0,
        forwarding: 0, startMs: EXPORT_MS - 20_000, endMs: EXPORT_MS - 19_000,
      },
    ]);
    assert.deepEqual([...h.exporter.learnedSampling.entries()], [[5, 100], [6, 2.5]]);
    assert.equal(h.cache.countFor(h.exporter.address), 3);
    assert.equal(h.exporter.stats.samples, 4);
    assert.deepEqual(errors(h.exporter), {});
  });

  it('softflowd style: systemInitTimeMilliseconds and sampling from options, sysUpTime times', () => {
    const h = new Harness();
    // Before the options data: the uptime fields have no base, the export time stands in.
    h.decode(named('ipfix-softflowd-templates', msg(ipfixTemplateSet([{ id: 1024, fields: T_UPTIME }]), ipfixOptionsTemplateSet([OPT_SOFTFLOWD]))));
    assert.deepEqual(h.decode(msg(dataSet(1024, T_UPTIME, [UPTIME_ROW]))).map((r) => [r.startMs, r.endMs]), [[EXPORT_MS, EXPORT_MS]]);
    const got = h.decode(named('ipfix-softflowd-options-data', msg(dataSet(259, OPT_SOFTFLOWD.fields, [[1, SYS_INIT, 1, 9, 2]]), dataSet(1024, T_UPTIME, [UPTIME_ROW]))));
    const expected = rec({
      src: '10.9.0.1', dst: '10.9.0.2', protocol: 17, srcPort: 5353, dstPort: 5353, packets: 8, bytes: 640,
      inputIf: 1, outputIf: 1, samplingRate: 10, startMs: EXPORT_MS - 10_000, endMs: EXPORT_MS - 1000,
    });
    assert.deepEqual(got, [expected]);
    assert.equal(h.exporter.learnedSampling.get(ANY_SAMPLER), 10);
    // The learned init time stays with the domain for later messages.
    assert.deepEqual(h.decode(msg(dataSet(1024, T_UPTIME, [UPTIME_ROW]))), [expected]);
    // ... and only that domain.
    const other = h.decode(ipfixMessage({ ...HDR, domain: 43 }, [ipfixTemplateSet([{ id: 1024, fields: T_UPTIME }]), dataSet(1024, T_UPTIME, [UPTIME_ROW])]));
    assert.deepEqual(other.map((r) => r.startMs), [EXPORT_MS]);
  });

  it('every time encoding: seconds, milliseconds, NTP micro/nanoseconds, delta microseconds, init-relative', () => {
    const pairs: [number, number, Value, Value][] = [
      [IE.flowStartSeconds, IE.flowEndSeconds, EXPORT_S - 60, EXPORT_S - 30],
      [IE.flowStartMilliseconds, IE.flowEndMilliseconds, EXPORT_MS - 60_123, EXPORT_MS - 30_456],
      [IE.flowStartMicroseconds, IE.flowEndMicroseconds, ntp(EXPORT_MS - 60_250), ntp(EXPORT_MS - 30_500)],
      [IE.flowStartNanoseconds, IE.flowEndNanoseconds, ntp(EXPORT_MS - 60_750), ntp(EXPORT_MS - 30_125)],
      [IE.flowStartDeltaMicroseconds, IE.flowEndDeltaMicroseconds, 60_000_999, 30_000_000],
    ];
    const sets: Buffer[] = [];
    const tmpls: { id: number; fields: Field[] }[] = [];
    pairs.forEach(([s, e, sv, ev], i) => {
      const len = (id: number): number => (id === 150 || id === 151 || id === 158 || id === 159 ? 4 : 8);
      const fields = [...ADDR4, f(s, len(s)), f(e, len(e))];
      tmpls.push({ id: 400 + i, fields });
      sets.push(dataSet(400 + i, fields, [['10.0.0.1', '10.0.0.2', sv, ev]]));
    });
    // flowStartSysUpTime with systemInitTimeMilliseconds in the record itself.
    const own = [...ADDR4, f(IE.systemInitTimeMilliseconds, 8), f(IE.flowStartSysUpTime, 4), f(IE.flowEndSysUpTime, 4)];
    tmpls.push({ id: 410, fields: own });
    sets.push(dataSet(410, own, [['10.0.0.1', '10.0.0.2', EXPORT_MS - 100_000, 40_000, 70_000]]));
    // Only an end time: the start is taken to be the end.
    const endOnly = [...ADDR4, f(IE.flowEndMilliseconds, 8)];
    tmpls.push({ id: 411, fields: endOnly });
    sets.push(dataSet(411, endOnly, [['10.0.0.1', '10.0.0.2', EXPORT_MS - 5]]));
    const h = new Harness();
    const got = h.decode(named('ipfix-time-encodings', msg(ipfixTemplateSet(tmpls), ...sets)));
    assert.deepEqual(got.map((r) => [r.startMs - EXPORT_MS, r.endMs - EXPORT_MS]), [
      [-60_000, -30_000],
      [-60_123, -30_456],
      [-60_250, -30_500],
      [-60_750, -30_125],
      [-60_000, -30_000], // 60 000.999 ms, whole milliseconds
      [-60_000, -30_000],
      [-5, -5],
    ]);
  });

  it('variable-length and enterprise elements are skipped safely, the fields after them decoded', () => {
    const t: Field[] = [
      f(IE.sourceIPv4Address, 4),
      f(82, 65535), // interfaceName
      f(IE.destinationIPv4Address, 4),
      f(1, 4, 9), // Cisco PEN 9, id 1: not octetDeltaCount
      f(2, 65535, 9), // enterprise and variable-length
      f(IE.octetDeltaCount, 4),
      f(94, 65535), // applicationDescription
      f(IE.protocolIdentifier, 1),
    ];
    const long = 'x'.repeat(300);
    const h = new Harness();
    const got = h.decode(
      named('ipfix-variable-enterprise', 
        msg(
          ipfixTemplateSet([{ id: 500, fields: t }]),
          dataSet(500, t, [
            ['10.0.0.1', 'eth0', '10.0.0.2', 0xffffffff, [1, 2, 3], 1500, '', 6],
            ['10.0.0.3', '', '10.0.0.4', 1, 'y'.repeat(254), 64, long, 17],
            ['10.0.0.5', 'z'.repeat(255), '10.0.0.6', 1, [], 1, 'a', 1],
          ]),
        ),
      ),
    );
    assert.deepEqual(got, [
      rec({ src: '10.0.0.1', dst: '10.0.0.2', bytes: 1500, protocol: 6 }),
      rec({ src: '10.0.0.3', dst: '10.0.0.4', bytes: 64, protocol: 17 }),
      rec({ src: '10.0.0.5', dst: '10.0.0.6', bytes: 1, protocol: 1 }),
    ]);
    assert.deepEqual(errors(h.exporter), {});
  });

  describe('biflow (RFC 5103)', () => {
    it('reverse counters become a second sample with the key swapped', () => {
      const t = [
        ...ADDR4, f(IE.sourceTransportPort, 2), f(IE.destinationTransportPort, 2), f(IE.protocolIdentifier, 1),
        f(IE.octetDeltaCount, 8), f(IE.packetDeltaCount, 8), f(IE.tcpControlBits, 1),
        f(IE.octetDeltaCount, 8, REVERSE_PEN), f(IE.packetDeltaCount, 8, REVERSE_PEN), f(IE.tcpControlBits, 1, REVERSE_PEN),
        f(IE.ingressInterface, 4), f(IE.egressInterface, 4),
      ];
      const h = new Harness();
      const got = h.decode(named('ipfix-biflow', msg(ipfixTemplateSet([{ id: 600, fields: t }]), dataSet(600, t, [['10.0.0.1', '192.0.2.80', 51000, 80, 6, 500, 6, 0x1b, 80_000, 60, 0x1a, 1, 2]]))));
      const base = { protocol: 6, srcAs: 0, dstAs: 0 };
      assert.deepEqual(got, [
        rec({ ...base, src: '10.0.0.1', dst: '192.0.2.80', srcPort: 51000, dstPort: 80, bytes: 500, packets: 6, tcpFlags: 0x1b, inputIf: 1, outputIf: 2 }),
        rec({ ...base, src: '192.0.2.80', dst: '10.0.0.1', srcPort: 80, dstPort: 51000, bytes: 80_000, packets: 60, tcpFlags: 0x1a, inputIf: 2, outputIf: 1 }),
      ]);
    });

    it('ICMP biflow carries the reverse type/code (softflowd -b)', () => {
      const t = [
        ...ADDR4, f(IE.protocolIdentifier, 1), f(IE.icmpTypeCodeIPv4, 2), f(IE.octetDeltaCount, 4), f(IE.packetDeltaCount, 4),
        f(IE.octetDeltaCount, 4, REVERSE_PEN), f(IE.packetDeltaCount, 4, REVERSE_PEN), f(IE.icmpTypeCodeIPv4, 2, REVERSE_PEN),
      ];
      const h = new Harness();
      const got = h.decode(named('ipfix-biflow-icmp', msg(ipfixTemplateSet([{ id: 601, fields: t }]), dataSet(601, t, [['10.0.0.1', '10.0.0.2', 1, 0x0800, 84, 1, 84, 1, 0x0000]]))));
      assert.deepEqual(got, [
        rec({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, icmpType: 8, bytes: 84, packets: 1 }),
        rec({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 1, icmpType: 0, bytes: 84, packets: 1 }),
      ]);
    });
  });

  it('ICMP and transport elements: 176/177, 178/179, 139, tcp ports 182/183', () => {
    const t4 = [...ADDR4, f(IE.protocolIdentifier, 1), f(IE.icmpTypeIPv4, 1), f(IE.icmpCodeIPv4, 1)];
    const t6 = [f(IE.sourceIPv6Address, 16), f(IE.destinationIPv6Address, 16), f(IE.protocolIdentifier, 1), f(IE.icmpTypeIPv6, 1), f(IE.icmpCodeIPv6, 1)];
    const t6c = [f(IE.sourceIPv6Address, 16), f(IE.destinationIPv6Address, 16), f(IE.protocolIdentifier, 1), f(IE.icmpTypeCodeIPv6, 2)];
    const tt = [...ADDR4, f(IE.protocolIdentifier, 1), f(IE.tcpSourcePort, 2), f(IE.tcpDestinationPort, 2)];
    const h = new Harness();
    const got = h.decode(
      named('ipfix-icmp-ports', 
        msg(
          ipfixTemplateSet([{ id: 700, fields: t4 }, { id: 701, fields: t6 }, { id: 702, fields: t6c }, { id: 703, fields: tt }]),
          dataSet(700, t4, [['10.0.0.1', '10.0.0.2', 1, 3, 3]]),
          dataSet(701, t6, [['2001:db8::1', '2001:db8::2', 58, 1, 4]]),
          dataSet(702, t6c, [['2001:db8::1', '2001:db8::2', 58, 0x8000]]),
          dataSet(703, tt, [['10.0.0.1', '10.0.0.2', 6, 22, 60000]]),
        ),
      ),
    );
    const v6 = { ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', protocol: 58 };
    assert.deepEqual(got, [
      rec({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, icmpType: 3, icmpCode: 3 }),
      rec({ ...v6, icmpType: 1, icmpCode: 4 }),
      rec({ ...v6, icmpType: 128, icmpCode: 0 }),
      rec({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, srcPort: 22, dstPort: 60000 }),
    ]);
  });

  it('dual-stack templates: the family whose addresses are set', () => {
    const t = [...ADDR4, f(IE.sourceIPv6Address, 16), f(IE.destinationIPv6Address, 16), f(IE.octetDeltaCount, 4)];
    const h = new Harness();
    const got = h.decode(
      fixture(
        msg(
          ipfixTemplateSet([{ id: 750, fields: t }]),
          dataSet(750, t, [
            ['10.0.0.1', '10.0.0.2', '::', '::', 1],
            ['0.0.0.0', '0.0.0.0', '2001:db8::1', '2001:db8::2', 2],
          ]),
        ),
      ),
    );
    assert.deepEqual(got, [
      rec({ src: '10.0.0.1', dst: '10.0.0.2', bytes: 1 }),
      rec({ ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', bytes: 2 }),
    ]);
  });

  it('options with samplerId / samplingInterval (deprecated IEs) and samplingSize/Population', () => {
    const o1 = { id: 800, scopeCount: 1, fields: [f(IE.samplerId, 2), f(IE.samplingInterval, 4)] };
    const o2 = { id: 801, scopeCount: 1, fields: [f(IE.selectorId, 8), f(IE.samplingSize, 4), f(IE.samplingPopulation, 4)] };
    const t = [...ADDR4, f(IE.samplerId, 1)];
    const h = new Harness();
    const got = h.decode(
      named('ipfix-sampler-options', 
        msg(
          ipfixOptionsTemplateSet([o1, o2]),
          ipfixTemplateSet([{ id: 802, fields: t }]),
          dataSet(800, o1.fields, [[3, 2000]]),
          dataSet(801, o2.fields, [[4, 1, 512], [9, 0, 10]]),
          dataSet(802, t, [['10.0.0.1', '10.0.0.2', 3], ['10.0.0.1', '10.0.0.2', 4]]),
        ),
      ),
    );
    assert.deepEqual(got.map((r) => r.samplingRate), [2000, 512]);
    assert.deepEqual([...h.exporter.learnedSampling.entries()], [[3, 2000], [4, 512]]);
  });

  it('template withdrawal: one template, all data templates, all options templates', () => {
    const h = new Harness();
    h.decode(FULL_MESSAGE);
    assert.equal(h.cache.countFor(h.exporter.address), 3);
    const data = msg(dataSet(256, T_V4, [v4Row(5, 1)]), dataSet(257, T_V6, [V6_ROW]));
    h.decode(named('ipfix-withdraw-one', msg(ipfixWithdrawalSet(2, [256]))));
    assert.deepEqual(h.decode(data).map((r) => r.ipVersion), [6]);
    assert.deepEqual(errors(h.exporter), { no_template: 1 });
    h.decode(named('ipfix-withdraw-all-data', msg(ipfixWithdrawalSet(2, [2]))));
    assert.equal(h.decode(data).length, 0);
    assert.equal(h.cache.countFor(h.exporter.address), 1); // the options template stays
    h.decode(named('ipfix-withdraw-all-options', msg(ipfixWithdrawalSet(3, [3]))));
    assert.equal(h.cache.countFor(h.exporter.address), 0);
    assert.equal(h.cache.stats.withdrawals, 3);
    // Withdrawing what is not there is not an error.
    h.decode(msg(ipfixWithdrawalSet(2, [999])));
    assert.deepEqual(errors(h.exporter), { no_template: 3 });
  });

  it('a changed template replaces the old one', () => {
    const a = [...ADDR4, f(IE.octetDeltaCount, 4)];
    const b = [...ADDR4, f(IE.packetDeltaCount, 4)];
    const h = new Harness();
    h.decode(msg(ipfixTemplateSet([{ id: 900, fields: a }])));
    assert.deepEqual(h.decode(msg(dataSet(900, a, [['10.0.0.1', '10.0.0.2', 7]]))).map((r) => [r.bytes, r.packets]), [[7, 0]]);
    h.decode(msg(ipfixTemplateSet([{ id: 900, fields: b }])));
    assert.deepEqual(h.decode(msg(dataSet(900, b, [['10.0.0.1', '10.0.0.2', 7]]))).map((r) => [r.bytes, r.packets]), [[0, 7]]);
    assert.equal(h.cache.stats.updates, 1);
  });

  it('sequence counts data records per observation domain', () => {
    const h = new Harness();
    h.decode(FULL_MESSAGE); // 2 options records + 4 data records, sequence 0
    assert.equal(h.exporter.stats.sequenceGaps, 0);
    h.decode(ipfixMessage({ ...HDR, sequence: 6 }, [dataSet(256, T_V4, [v4Row(5, 1), v4Row(5, 2)])]));
    h.decode(ipfixMessage({ ...HDR, sequence: 8 }, []));
    assert.equal(h.exporter.stats.sequenceGaps, 0);
    h.decode(ipfixMessage({ ...HDR, sequence: 20 }, []));
    assert.equal(h.exporter.stats.sequenceGaps, 1);
    assert.equal(h.exporter.stats.sequenceLost, 12);
    h.decode(ipfixMessage({ ...HDR, domain: 1, sequence: 500 }, []));
    assert.equal(h.exporter.stats.sequenceGaps, 1);
  });

  it('templates persist across a restart (enterprise and variable-length included)', () => {
    const t = [...ADDR4, f(82, 65535), f(1, 4, 9), f(IE.octetDeltaCount, 8, REVERSE_PEN), f(IE.octetDeltaCount, 8)];
    const a = new Harness();
    a.decode(msg(ipfixTemplateSet([{ id: 256, fields: T_V4 }, { id: 1000, fields: t }]), ipfixOptionsTemplateSet([OPT_PSAMP])));
    const saved = JSON.parse(JSON.stringify(a.cache.exportTemplates())) as StoredTemplate[];
    const b = new Harness();
    assert.deepEqual(b.cache.importTemplates(saved, NOW), { imported: 3, skipped: 0 });
    const data = msg(dataSet(1000, t, [['10.0.0.1', '10.0.0.2', 'ge-0/0/0', 1, 5, 6]]), dataSet(256, T_V4, [v4Row(1, 1)]));
    const got = b.decode(data);
    assert.deepEqual(got, a.decode(data));
    assert.deepEqual(got.map((r) => [r.src, r.bytes]), [['10.0.0.1', 6], ['10.0.0.2', 5], ['198.51.100.1', 2 ** 40 + 3]]);
  });

  it('templates expire after the timeout', () => {
    const h = new Harness(new TemplateCache({ templateTimeoutMs: 60_000 }));
    h.decode(FULL_MESSAGE, NOW);
    const data = msg(dataSet(257, T_V6, [V6_ROW]));
    assert.equal(h.decode(data, NOW + 60_000).length, 1);
    assert.equal(h.decode(data, NOW + 60_001).length, 0);
    assert.equal(h.cache.expire(NOW + 60_001), 2);
    assert.equal(h.cache.stats.expiries, 3);
  });

  describe('malformed', () => {
    const tmpl = ipfixTemplateSet([{ id: 256, fields: ADDR4 }]);
    const good = dataSet(256, ADDR4, [['10.0.0.1', '10.0.0.2']]);
    function run(...sets: Buffer[]): { h: Harness; got: SampleRecord[] } {
      const h = new Harness();
      const got = h.decode(fixture(msg(...sets)));
      return { h, got };
    }

    it('header shorter than 16 bytes: truncated', () => {
      assert.equal(thrown(() => new Harness().decode(FULL_MESSAGE.subarray(0, 15))), 'truncated');
    });
    it('wrong version: bad_version', () => {
      const b = Buffer.from(FULL_MESSAGE);
      b.writeUInt16BE(9, 0);
      assert.equal(thrown(() => new Harness().decode(b)), 'bad_version');
    });
    it('message length below the header: bad_length', () => {
      assert.equal(thrown(() => new Harness().decode(ipfixMessage({ ...HDR, length: 15 }, [tmpl]))), 'bad_length');
    });
    it('message length beyond the datagram: truncated', () => {
      assert.equal(thrown(() => new Harness().decode(ipfixMessage({ ...HDR, length: 1000 }, [tmpl]))), 'truncated');
    });
    it('datagram longer than the message: decoded up to the length, bad_length noted', () => {
      const h = new Harness();
      const got = h.decode(Buffer.concat([msg(tmpl, good), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])]));
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
    });
    it('set length 0: bad_length, rest of the message unframed', () => {
      const { h, got } = run(tmpl, new Bytes().u16(256).u16(0).buffer(), good);
      assert.equal(got.length, 0);
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
    });
    it('set length not covering the set header: bad_length', () => {
      const { h } = run(tmpl, new Bytes().u16(256).u16(3).buffer(), good);
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
    });
    it('set length past the message: truncated, earlier sets kept', () => {
      const { h, got } = run(tmpl, good, new Bytes().u16(256).u16(65535).zeros(8).buffer());
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { truncated: 1 });
    });
    it('reserved set ids (0, 1, 4..255): bad_set_id, next set kept', () => {
      const { h, got } = run(tmpl, set(1, Buffer.alloc(4)), set(4, Buffer.alloc(4)), set(255, Buffer.alloc(0)), good);
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { bad_set_id: 3 });
    });
    it('1..3 bytes after the last set: bad_length', () => {
      const { h, got } = run(tmpl, good, Buffer.from([0, 0]));
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
    });
    it('data before its template: no_template for that set, the others kept', () => {
      const { h, got } = run(dataSet(300, ADDR4, [['10.0.0.9', '10.0.0.9']]), tmpl, good);
      assert.deepEqual(got.map((r) => r.src), ['10.0.0.1']);
      assert.deepEqual(errors(h.exporter), { no_template: 1 });
    });
    it('template field count of 65535: count_too_large', () => {
      const { h } = run(set(2, new Bytes().u16(300).u16(65535).u16(8).u16(4).buffer()), tmpl, good);
      assert.deepEqual(errors(h.exporter), { count_too_large: 1 });
    });
    it('options template scope count larger than the field count: count_too_large', () => {
      const { h } = run(ipfixOptionsTemplateSet([{ id: 300, scopeCount: 3, fields: [f(IE.selectorId, 4), f(IE.samplingInterval, 4)] }]));
      assert.deepEqual(errors(h.exporter), { count_too_large: 1 });
      assert.equal(h.cache.size, 0);
    });
    it('options template cut before its scope count: truncated', () => {
      const { h } = run(set(3, new Bytes().u16(300).u16(1).buffer()));
      assert.deepEqual(errors(h.exporter), { truncated: 1 });
    });
    it('enterprise field specifier without its enterprise number: truncated', () => {
      // Two specifiers fit the 4-byte minimum, but the second has the E bit and no PEN.
      const { h } = run(set(2, new Bytes().u16(300).u16(2).u16(8).u16(4).u16(0x8001).u16(4).buffer()));
      assert.deepEqual(errors(h.exporter), { truncated: 1 });
    });
    it('template with only zero-length fields: template_no_fields', () => {
      const { h } = run(ipfixTemplateSet([{ id: 300, fields: [f(1, 0)] }]));
      assert.deepEqual(errors(h.exporter), { template_no_fields: 1 });
    });
    it('template records longer than the limit: template_too_large', () => {
      const { h } = run(ipfixTemplateSet([{ id: 300, fields: [...ADDR4, f(100, 60000)] }, { id: 301, fields: Array.from({ length: 300 }, () => f(100, 1)) }]));
      assert.deepEqual(errors(h.exporter), { template_too_large: 2 });
    });
    it('template id below 256 and withdrawal of one: bad_set_id', () => {
      const { h } = run(ipfixTemplateSet([{ id: 100, fields: ADDR4 }]), ipfixWithdrawalSet(2, [100]));
      assert.deepEqual(errors(h.exporter), { bad_set_id: 2 });
    });
    it('variable-length or wrong-size address: template_bad_field, field skipped', () => {
      const t = [f(IE.sourceIPv4Address, 65535), f(IE.destinationIPv4Address, 4), f(IE.sourceIPv6Address, 4)];
      const { h, got } = run(ipfixTemplateSet([{ id: 300, fields: t }]), dataSet(300, t, [[[10, 0, 0, 1], '10.0.0.2', [0, 0, 0, 0]]]));
      assert.deepEqual(got, [rec({ src: '0.0.0.0', dst: '10.0.0.2' })]);
      assert.deepEqual(errors(h.exporter), { template_bad_field: 1 });
    });
    it('variable-length field running past the set: truncated, earlier records kept', () => {
      const t = [...ADDR4, f(82, 65535)];
      const body = Buffer.concat([
        new Bytes().addr('10.0.0.1').addr('10.0.0.2').u8(2).bytes([65, 66]).buffer(),
        new Bytes().addr('10.0.0.3').addr('10.0.0.4').u8(200).bytes([65]).buffer(),
      ]);
      const { h, got } = run(ipfixTemplateSet([{ id: 300, fields: t }]), set(300, body));
      assert.deepEqual(got.map((r) => r.src), ['10.0.0.1']);
      assert.deepEqual(errors(h.exporter), { truncated: 1 });
    });
    it('three-byte variable length cut after the 255 marker: truncated', () => {
      const t = [...ADDR4, f(82, 65535)];
      // 8 bytes of addresses, the 255 marker, then only one of the two length bytes.
      const body = new Bytes().addr('10.0.0.3').addr('10.0.0.4').u8(255).u8(1).buffer();
      const { h, got } = run(ipfixTemplateSet([{ id: 300, fields: t }]), set(300, body), good);
      assert.equal(got.length, 0);
      assert.deepEqual(errors(h.exporter), { truncated: 1, no_template: 1 });
    });
    it('padding in template sets and data sets is ignored', () => {
      const body = new Bytes().u16(300).u16(2).u16(8).u16(4).u16(12).u16(4).buffer();
      const t3 = [...ADDR4, f(IE.protocolIdentifier, 1)];
      const body3 = new Bytes().u16(301).u16(3).u16(8).u16(4).u16(12).u16(4).u16(4).u16(1).buffer();
      const { h, got } = run(set(2, body, 3), set(2, body3), dataSet(301, t3, [['10.0.0.1', '10.0.0.2', 6]]), dataSet(300, ADDR4, [['10.0.0.3', '10.0.0.4']], false));
      assert.deepEqual(got.map((r) => r.src), ['10.0.0.1', '10.0.0.3']);
      assert.deepEqual(errors(h.exporter), {});
    });
    it('records without IP addresses: no_ip, not emitted', () => {
      const t = [f(IE.octetDeltaCount, 4)];
      const { h, got } = run(ipfixTemplateSet([{ id: 300, fields: t }]), dataSet(300, t, [[1], [2], [3]]));
      assert.equal(got.length, 0);
      assert.deepEqual(errors(h.exporter), { no_ip: 3 });
    });
    it('the template cache full for the exporter: template_cache_full', () => {
      const h = new Harness(new TemplateCache({ maxTemplatesPerExporter: 1 }));
      h.decode(msg(ipfixTemplateSet([{ id: 256, fields: ADDR4 }, { id: 257, fields: ADDR4 }])));
      assert.deepEqual(errors(h.exporter), { template_cache_full: 1 });
    });
  });

  it('hand-made fixtures in testdata/hand-made match the builder', () => {
    checkHandMadeFixtures(TESTDATA, NAMED);
  });

  it('truncation sweep: every prefix of every fixture, with and without templates known', () => {
    const all = [...FIXTURES, ...testdataFiles(TESTDATA).filter((b) => b.length >= 2 && b.readUInt16BE(0) === 10)];
    const cold = new IpfixDecoder(new TemplateCache());
    const warm = new IpfixDecoder(new TemplateCache());
    for (const d of all) warm.decode(d, newExporter(), NOW, new CollectingSink());
    let n = 0;
    n += truncationSweep((b, e, now, s) => cold.decode(b, e, now, s), all, NOW);
    n += truncationSweep((b, e, now, s) => warm.decode(b, e, now, s), all, NOW);
    assert.ok(n > 5000);
  });

  it('fuzz: random and mutated messages', () => {
    const d = new IpfixDecoder(new TemplateCache({ maxTemplatesTotal: 4096 }));
    for (const b of FIXTURES) d.decode(b, newExporter(), NOW, new CollectingSink());
    const seeds = [...FIXTURES, ...testdataFiles(TESTDATA).filter((b) => b.length >= 2 && b.readUInt16BE(0) === 10)];
    fuzz((b, e, now, s) => d.decode(b, e, now, s), seeds, NOW, [0, 10]);
  });
});
