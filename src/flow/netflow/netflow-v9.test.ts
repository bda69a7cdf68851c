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
  newExporter,
  set,
  testdataFiles,
  truncationSweep,
  v9Datagram,
  v9OptionsTemplateFlowset,
  v9TemplateFlowset,
  type Field,
  type Value,
} from '../templates/test-support.js';
import { IE, V9_SCOPE } from '../ipfix/field-ids.js';
import { NetflowV9Decoder } from './netflow-v9.js';

const TESTDATA = fileURLToPath(new URL('../../../../src/flow/netflow/testdata/', import.meta.url));
const NOW = 1_700_000_100_000;
const HDR = { sysUptime: 100_000, unixSecs: 1_700_000_000, sequence: 1, sourceId: 7 };
const EXPORT_MS = 1_700_000_000_000;

/** Cisco-style IPv4 template, with field widths chosen to exercise 1/2/4/8-byte reads. */
const T_V4: Field[] = [
  f(IE.sourceIPv4Address, 4),
  f(IE.destinationIPv4Address, 4),
  f(15, 4), // IPV4_NEXT_HOP: not decoded
  f(IE.ingressInterface, 2),
  f(IE.egressInterface, 4),
  f(IE.packetDeltaCount, 4),
  f(IE.octetDeltaCount, 8),
  f(IE.flowStartSysUpTime, 4),
  f(IE.flowEndSysUpTime, 4),
  f(IE.sourceTransportPort, 2),
  f(IE.destinationTransportPort, 2),
  f(IE.tcpControlBits, 1),
  f(IE.protocolIdentifier, 1),
  f(IE.ipClassOfService, 1),
  f(IE.bgpSourceAsNumber, 4),
  f(IE.bgpDestinationAsNumber, 2),
  f(IE.vlanId, 2),
  f(IE.forwardingStatus, 1),
  f(IE.ipTTL, 1),
  f(IE.samplerId, 1),
];
function v4Row(samplerId: number, srcPort: number): Value[] {
  return ['10.1.0.1', '192.0.2.20', '10.1.0.254', 3, 70000, 12, 8589934593, 95_000, 99_000, srcPort, 80, 0x12, 6, 0x28, 4200000000, 64501, 100, 0x40, 64, samplerId];
}

const T_V6: Field[] = [
  f(IE.sourceIPv6Address, 16),
  f(IE.destinationIPv6Address, 16),
  f(IE.octetDeltaCount, 4),
  f(IE.packetDeltaCount, 4),
  f(IE.sourceTransportPort, 2),
  f(IE.destinationTransportPort, 2),
  f(IE.protocolIdentifier, 1),
  f(IE.tcpControlBits, 2),
  f(IE.flowStartSysUpTime, 4),
  f(IE.flowEndSysUpTime, 4),
  f(IE.fragmentOffset, 2),
  f(IE.fragmentFlags, 1),
  f(IE.fragmentIdentification, 4),
  f(IE.minimumTTL, 1),
  f(IE.ingressInterface, 4),
  f(IE.egressInterface, 4),
];
const V6_ROW: Value[] = ['2001:db8::1', '2001:db8:1::2', 1400, 1, 443, 50000, 6, 0x0112, 99_900, 99_950, 16, 0x20, 0x12345, 60, 5, 6];

/** Cisco sampler options: scope system, FLOW_SAMPLER_ID, mode, FLOW_SAMPLER_RANDOM_INTERVAL. */
const OPT_SAMPLER = { id: 300, scope: [f(V9_SCOPE.system, 4)], fields: [f(IE.samplerId, 1), f(IE.samplerMode, 1), f(IE.samplerRandomInterval, 4)] };
/** softflowd-style options: scope interface, SAMPLING_INTERVAL, SAMPLING_ALGORITHM. */
const OPT_INTERVAL = { id: 301, scope: [f(V9_SCOPE.interface, 4)], fields: [f(IE.samplingInterval, 4), f(IE.samplingAlgorithm, 1)] };

function hdr(over: Partial<typeof HDR> = {}): typeof HDR {
  return { ...HDR, ...over };
}

function v9(...flowsets: Buffer[]): Buffer {
  return v9Datagram(HDR, flowsets);
}

class Harness {
  readonly cache: TemplateCache;
  readonly decoder: NetflowV9Decoder;
  readonly exporter: Exporter;
  readonly sink = new CollectingSink();
  constructor(cache = new TemplateCache(), exporter = newExporter()) {
    this.cache = cache;
    this.decoder = new NetflowV9Decoder(cache);
    this.exporter = exporter;
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
  return expectRecord({ source: 'netflow_v9', ...fields });
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

const SAMPLING_DATAGRAM = named('v9-templates-options-data', 
  v9(
    v9TemplateFlowset([{ id: 256, fields: T_V4 }, { id: 257, fields: T_V6 }]),
    v9OptionsTemplateFlowset([OPT_SAMPLER, OPT_INTERVAL]),
    dataSet(300, [...OPT_SAMPLER.scope, ...OPT_SAMPLER.fields], [[0, 1, 2, 1000], [0, 2, 2, 50]]),
    dataSet(301, [...OPT_INTERVAL.scope, ...OPT_INTERVAL.fields], [[3, 64, 1]]),
    dataSet(256, T_V4, [v4Row(1, 51000), v4Row(3, 51001), v4Row(2, 51002)]),
    dataSet(257, T_V6, [V6_ROW]),
  ),
);

describe('NetFlow v9', () => {
  it('decodes templates, options and data of one datagram, every field', () => {
    const h = new Harness();
    const got = h.decode(SAMPLING_DATAGRAM);
    const v4 = (samplingRate: number, srcPort: number): SampleRecord => ({
      source: 'netflow_v9', ipVersion: 4, src: '10.1.0.1', dst: '192.0.2.20', protocol: 6, srcPort, dstPort: 80,
      tcpFlags: 0x12, icmpType: 0, icmpCode: 0, tos: 0x28, ttl: 64, isFragment: false, fragmentOffset: 0,
      moreFragments: false, dontFragment: false, packets: 12, bytes: 8589934593, samplingRate, frameLength: 0,
      ipLength: 0, inputIf: 3, outputIf: 70000, srcAs: 4200000000, dstAs: 64501, vlan: 100, forwarding: 1,
      startMs: EXPORT_MS - 5000, endMs: EXPORT_MS - 1000,
    });
    assert.deepEqual(got, [
      v4(1000, 51000), // sampler 1: FLOW_SAMPLER_RANDOM_INTERVAL 1000
      v4(64, 51001), // sampler 3 unknown: the exporter-wide SAMPLING_INTERVAL
      v4(50, 51002), // sampler 2
      {
        source: 'netflow_v9', ipVersion: 6, src: '2001:db8::1', dst: '2001:db8:1::2', protocol: 6, srcPort: 443,
        dstPort: 50000, tcpFlags: 0x12, icmpType: 0, icmpCode: 0, tos: 0, ttl: 60, isFragment: true,
        fragmentOffset: 16, moreFragments: true, dontFragment: false, packets: 1, bytes: 1400, samplingRate: 64,
        frameLength: 0, ipLength: 0, inputIf: 5, outputIf: 6, srcAs: 0, dstAs: 0, vlan: 0, forwarding: 0,
        startMs: EXPORT_MS - 100, endMs: EXPORT_MS - 50,
      },
    ]);
    assert.deepEqual([...h.exporter.learnedSampling.entries()].sort((a, b) => a[0] - b[0]), [[ANY_SAMPLER, 64], [1, 1000], [2, 50]]);
    assert.equal(h.cache.countFor(h.exporter.address), 4);
    assert.equal(h.exporter.stats.samples, 4);
    assert.deepEqual(errors(h.exporter), {});
  });

  it('data before its template: that flowset counted no_template, the others kept', () => {
    const h = new Harness();
    const got = h.decode(
      named('v9-data-before-template', 
        v9(
          dataSet(256, T_V4, [v4Row(0, 1)]),
          v9TemplateFlowset([{ id: 257, fields: T_V6 }]),
          dataSet(257, T_V6, [V6_ROW]),
        ),
      ),
    );
    assert.deepEqual(got.map((r) => r.src), ['2001:db8::1']);
    assert.deepEqual(errors(h.exporter), { no_template: 1 });
    // The template arrives later: the same data now decodes.
    h.decode(v9(v9TemplateFlowset([{ id: 256, fields: T_V4 }])));
    assert.deepEqual(h.decode(v9(dataSet(256, T_V4, [v4Row(0, 1)]))).map((r) => r.srcPort), [1]);
  });

  it('MikroTik: SAMPLING_INTERVAL inside data records sets the rate (the override still wins)', () => {
    const t = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.octetDeltaCount, 4), f(IE.samplingInterval, 4)];
    const dg = named('v9-mikrotik-sampling-interval', v9(v9TemplateFlowset([{ id: 258, fields: t }]), dataSet(258, t, [['10.0.0.1', '10.0.0.2', 100, 256], ['10.0.0.1', '10.0.0.2', 100, 0]])));
    const h = new Harness(new TemplateCache(), newExporter('192.0.2.1', 4));
    assert.deepEqual(h.decode(dg).map((r) => r.samplingRate), [256, 4]);
    const o = new Harness(new TemplateCache(), newExporter('192.0.2.1', 4, 10));
    assert.deepEqual(o.decode(dg).map((r) => r.samplingRate), [10, 10]);
  });

  it('counters of 1, 2, 3, 4 and 8 bytes', () => {
    const t1 = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.octetDeltaCount, 1), f(IE.packetDeltaCount, 2)];
    const t2 = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.octetDeltaCount, 8), f(IE.packetDeltaCount, 3)];
    const t3 = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.octetDeltaCount, 4), f(IE.packetDeltaCount, 8)];
    const h = new Harness();
    const got = h.decode(
      named('v9-counter-widths', 
        v9(
          v9TemplateFlowset([{ id: 260, fields: t1 }, { id: 261, fields: t2 }, { id: 262, fields: t3 }]),
          dataSet(260, t1, [['10.0.0.1', '10.0.0.2', 200, 60000]]),
          dataSet(261, t2, [['10.0.0.1', '10.0.0.2', 2 ** 44 + 1, 0x010203]]),
          dataSet(262, t3, [['10.0.0.1', '10.0.0.2', 4_000_000_000, 2 ** 32 + 7]]),
        ),
      ),
    );
    assert.deepEqual(got.map((r) => [r.bytes, r.packets]), [[200, 60000], [2 ** 44 + 1, 66051], [4_000_000_000, 2 ** 32 + 7]]);
  });

  describe('bidirectional records', () => {
    const key = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.sourceTransportPort, 2), f(IE.destinationTransportPort, 2), f(IE.protocolIdentifier, 1)];
    const ends = [f(IE.ingressInterface, 2), f(IE.egressInterface, 2), f(IE.bgpSourceAsNumber, 2), f(IE.bgpDestinationAsNumber, 2)];
    const common = { protocol: 6, startMs: EXPORT_MS, endMs: EXPORT_MS };
    const forward = rec({ ...common, src: '10.0.0.1', dst: '203.0.113.5', srcPort: 40000, dstPort: 443, inputIf: 1, outputIf: 2, srcAs: 65001, dstAs: 65002 });
    const reverse = rec({ ...common, src: '203.0.113.5', dst: '10.0.0.1', srcPort: 443, dstPort: 40000, inputIf: 2, outputIf: 1, srcAs: 65002, dstAs: 65001 });
    const row: Value[] = ['10.0.0.1', '203.0.113.5', 40000, 443, 6];
    const endsRow: Value[] = [1, 2, 65001, 65002];

    it('IN_BYTES/IN_PKTS with OUT_BYTES/OUT_PKTS: a second, swapped sample for the reverse counts', () => {
      const t = [...key, f(IE.octetDeltaCount, 4), f(IE.packetDeltaCount, 4), f(IE.postOctetDeltaCount, 4), f(IE.postPacketDeltaCount, 4), ...ends];
      const h = new Harness();
      const got = h.decode(named('v9-bidir-out-bytes', v9(v9TemplateFlowset([{ id: 270, fields: t }]), dataSet(270, t, [[...row, 1000, 10, 50000, 40, ...endsRow], [...row, 1000, 10, 0, 0, ...endsRow]]))));
      assert.deepEqual(got, [
        { ...forward, bytes: 1000, packets: 10 },
        { ...reverse, bytes: 50000, packets: 40 },
        // No reverse traffic: no reverse sample.
        { ...forward, bytes: 1000, packets: 10 },
      ]);
    });

    it('NSEL initiator/responder counters (231/232/298/299)', () => {
      const t = [...key, f(IE.initiatorOctets, 8), f(IE.responderOctets, 8), f(IE.initiatorPackets, 4), f(IE.responderPackets, 4), ...ends];
      const h = new Harness();
      const got = h.decode(named('v9-nsel-initiator-responder', v9(v9TemplateFlowset([{ id: 271, fields: t }]), dataSet(271, t, [[...row, 700, 9000, 7, 9, ...endsRow]]))));
      assert.deepEqual(got, [
        { ...forward, bytes: 700, packets: 7 },
        { ...reverse, bytes: 9000, packets: 9 },
      ]);
    });

    it('OUT_BYTES/OUT_PKTS alone are the forward counts of an egress record', () => {
      const t = [...key, f(IE.postOctetDeltaCount, 4), f(IE.postPacketDeltaCount, 4), ...ends];
      const h = new Harness();
      const got = h.decode(named('v9-egress-out-bytes', v9(v9TemplateFlowset([{ id: 272, fields: t }]), dataSet(272, t, [[...row, 3000, 3, ...endsRow]]))));
      assert.deepEqual(got, [{ ...forward, bytes: 3000, packets: 3 }]);
    });
  });

  it('ICMP from ICMP_TYPE, or from the destination port', () => {
    const t1 = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.protocolIdentifier, 1), f(IE.icmpTypeCodeIPv4, 2), f(IE.destinationTransportPort, 2)];
    const t2 = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.protocolIdentifier, 1), f(IE.sourceTransportPort, 2), f(IE.destinationTransportPort, 2)];
    const h = new Harness();
    const got = h.decode(
      named('v9-icmp', 
        v9(
          v9TemplateFlowset([{ id: 280, fields: t1 }, { id: 281, fields: t2 }]),
          dataSet(280, t1, [['10.0.0.1', '10.0.0.2', 1, 0x0b01, 0]]),
          dataSet(281, t2, [['10.0.0.1', '10.0.0.2', 1, 0, 0x0800], ['10.0.0.1', '10.0.0.2', 17, 53, 0x0800]]),
        ),
      ),
    );
    const base = { src: '10.0.0.1', dst: '10.0.0.2', startMs: EXPORT_MS, endMs: EXPORT_MS };
    assert.deepEqual(got, [
      rec({ ...base, protocol: 1, icmpType: 11, icmpCode: 1 }),
      rec({ ...base, protocol: 1, icmpType: 8, icmpCode: 0 }),
      rec({ ...base, protocol: 17, srcPort: 53, dstPort: 0x0800 }),
    ]);
  });

  it('forwarding status, fragments, TOS, TTL, VLAN', () => {
    const t = [
      f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.forwardingStatus, 4), f(IE.fragmentOffset, 2),
      f(IE.fragmentFlags, 1), f(IE.fragmentIdentification, 4), f(IE.ipClassOfService, 1), f(IE.ipTTL, 1), f(IE.vlanId, 2),
    ];
    const h = new Harness();
    const got = h.decode(
      named('v9-forwarding-fragments', 
        v9(
          v9TemplateFlowset([{ id: 290, fields: t }]),
          dataSet(290, t, [
            ['10.0.0.1', '10.0.0.2', 0x80 | 5, 0, 0x40, 777, 0xb8, 250, 4000],
            ['10.0.0.1', '10.0.0.2', 0xc0, 185, 0, 777, 0, 1, 0],
            ['10.0.0.1', '10.0.0.2', 0, 0, 0x20, 777, 0, 1, 0],
          ]),
        ),
      ),
    );
    const base = { src: '10.0.0.1', dst: '10.0.0.2', startMs: EXPORT_MS, endMs: EXPORT_MS };
    assert.deepEqual(got, [
      // Dropped (reason 5), DF set, an IPv4 identification alone is not a fragment.
      rec({ ...base, forwarding: 2, dontFragment: true, tos: 0xb8, ttl: 250, vlan: 4000 }),
      rec({ ...base, forwarding: 3, isFragment: true, fragmentOffset: 185, ttl: 1 }),
      rec({ ...base, isFragment: true, moreFragments: true, ttl: 1 }),
    ]);
  });

  it('records without IP addresses are not emitted (no_ip)', () => {
    const t = [f(IE.octetDeltaCount, 4), f(IE.packetDeltaCount, 4)];
    const h = new Harness();
    assert.deepEqual(h.decode(named('v9-no-ip', v9(v9TemplateFlowset([{ id: 295, fields: t }]), dataSet(295, t, [[1, 1], [2, 2]])))), []);
    assert.deepEqual(errors(h.exporter), { no_ip: 2 });
  });

  it('a changed template replaces the old one; the same one only refreshes', () => {
    const a = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.octetDeltaCount, 4)];
    const b = [f(IE.destinationIPv4Address, 4), f(IE.sourceIPv4Address, 4), f(IE.packetDeltaCount, 2)];
    const h = new Harness();
    h.decode(fixture(v9(v9TemplateFlowset([{ id: 300, fields: a }]))));
    h.decode(v9(v9TemplateFlowset([{ id: 300, fields: a }])));
    assert.deepEqual(h.decode(v9(dataSet(300, a, [['10.0.0.1', '10.0.0.2', 5]]))).map((r) => [r.src, r.bytes]), [['10.0.0.1', 5]]);
    h.decode(fixture(v9(v9TemplateFlowset([{ id: 300, fields: b }]))));
    const got = h.decode(v9(dataSet(300, b, [['10.0.0.1', '10.0.0.2', 5]])));
    assert.deepEqual(got.map((r) => [r.src, r.dst, r.bytes, r.packets]), [['10.0.0.2', '10.0.0.1', 0, 5]]);
    assert.equal(h.cache.stats.updates, 1);
    assert.equal(h.cache.stats.refreshed, 1);
    assert.equal(h.cache.countFor(h.exporter.address), 1);
  });

  it('templates are per source id', () => {
    const h = new Harness();
    h.decode(v9Datagram(hdr({ sourceId: 1 }), [v9TemplateFlowset([{ id: 256, fields: T_V4 }])]));
    assert.equal(h.decode(v9Datagram(hdr({ sourceId: 2 }), [dataSet(256, T_V4, [v4Row(0, 1)])])).length, 0);
    assert.equal(h.decode(v9Datagram(hdr({ sourceId: 1 }), [dataSet(256, T_V4, [v4Row(0, 1)])])).length, 1);
    assert.deepEqual(errors(h.exporter), { no_template: 1 });
  });

  it('tracks the sequence per source id, one per export packet', () => {
    const h = new Harness();
    const empty = (seq: number, sourceId = 7): Buffer => v9Datagram(hdr({ sequence: seq, sourceId }), []);
    h.decode(empty(1));
    h.decode(empty(2));
    h.decode(empty(1, 8));
    assert.equal(h.exporter.stats.sequenceGaps, 0);
    h.decode(empty(5));
    assert.equal(h.exporter.stats.sequenceGaps, 1);
    assert.equal(h.exporter.stats.sequenceLost, 2);
    h.decode(empty(3));
    assert.equal(h.exporter.stats.sequenceResets, 1);
  });

  it('padding after templates, options templates and data records is ignored', () => {
    const t = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4), f(IE.protocolIdentifier, 1)];
    const tmpl = new Bytes().u16(310).u16(3);
    for (const x of t) tmpl.u16(x.type).u16(x.length);
    const h = new Harness();
    const got = h.decode(
      named('v9-padding', 
        v9(
          set(0, tmpl.buffer(), 4), // 4 zero bytes after the template
          v9OptionsTemplateFlowset([OPT_INTERVAL]), // 18 bytes of template + 2 of padding
          dataSet(310, t, [['10.0.0.1', '10.0.0.2', 6], ['10.0.0.3', '10.0.0.4', 17]]), // 18 bytes + 2 of padding
        ),
      ),
    );
    assert.deepEqual(got.map((r) => r.src), ['10.0.0.1', '10.0.0.3']);
    assert.deepEqual(errors(h.exporter), {});
    assert.equal(h.cache.countFor(h.exporter.address), 2);
  });

  it('templates persist: exported, restored into a new cache, used for data', () => {
    const a = new Harness();
    a.decode(v9(v9TemplateFlowset([{ id: 256, fields: T_V4 }, { id: 257, fields: T_V6 }]), v9OptionsTemplateFlowset([OPT_SAMPLER])));
    const saved = JSON.parse(JSON.stringify(a.cache.exportTemplates())) as StoredTemplate[];
    assert.equal(saved.length, 3);
    const b = new Harness();
    assert.deepEqual(b.cache.importTemplates(saved, NOW), { imported: 3, skipped: 0 });
    const data = v9(dataSet(256, T_V4, [v4Row(0, 1)]), dataSet(257, T_V6, [V6_ROW]));
    assert.deepEqual(b.decode(data), a.decode(data));
    assert.equal(b.decode(data).length, 2);
  });

  it('templates expire after the timeout, lazily and with expire()', () => {
    const h = new Harness(new TemplateCache({ templateTimeoutMs: 1_800_000 }));
    h.decode(v9(v9TemplateFlowset([{ id: 256, fields: T_V4 }, { id: 257, fields: T_V6 }])), NOW);
    const data = v9(dataSet(256, T_V4, [v4Row(0, 1)]));
    assert.equal(h.decode(data, NOW + 1_800_000).length, 1);
    assert.equal(h.decode(data, NOW + 1_800_001).length, 0);
    assert.deepEqual(errors(h.exporter), { no_template: 1 });
    assert.equal(h.cache.expire(NOW + 1_800_001), 1);
    assert.equal(h.cache.stats.expiries, 2);
    assert.equal(h.cache.countFor(h.exporter.address), 0);
  });

  describe('malformed', () => {
    const tv = [f(IE.sourceIPv4Address, 4), f(IE.destinationIPv4Address, 4)];
    const good = dataSet(320, tv, [['10.0.0.1', '10.0.0.2']]);
    const tmpl = v9TemplateFlowset([{ id: 320, fields: tv }]);
    function run(...flowsets: Buffer[]): { h: Harness; got: SampleRecord[] } {
      const h = new Harness();
      const got = h.decode(fixture(v9(...flowsets)));
      return { h, got };
    }

    it('header shorter than 20 bytes: truncated', () => {
      assert.equal(thrown(() => new Harness().decode(SAMPLING_DATAGRAM.subarray(0, 19))), 'truncated');
    });
    it('wrong version: bad_version', () => {
      const b = Buffer.from(SAMPLING_DATAGRAM);
      b.writeUInt16BE(10, 0);
      assert.equal(thrown(() => new Harness().decode(b)), 'bad_version');
    });
    it('flowset length 0: bad_length, the rest of the datagram is unframed', () => {
      const { h, got } = run(tmpl, new Bytes().u16(320).u16(0).buffer(), good);
      assert.equal(got.length, 0);
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
      assert.equal(h.cache.countFor(h.exporter.address), 1);
    });
    it('flowset length not covering its header: bad_length', () => {
      const { h } = run(tmpl, new Bytes().u16(320).u16(2).buffer(), good);
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
    });
    it('flowset length past the end: truncated, earlier flowsets kept', () => {
      const { h, got } = run(tmpl, good, new Bytes().u16(320).u16(4000).zeros(8).buffer());
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { truncated: 1 });
    });
    it('reserved flowset id: bad_set_id, next flowset kept', () => {
      const { h, got } = run(tmpl, set(2, Buffer.alloc(8)), good);
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { bad_set_id: 1 });
    });
    it('template field count of 65535: count_too_large, nothing allocated', () => {
      const { h } = run(set(0, new Bytes().u16(330).u16(65535).u16(8).u16(4).buffer()), tmpl, good);
      assert.deepEqual(errors(h.exporter), { count_too_large: 1 });
    });
    it('template with no fields: template_no_fields, next template in the flowset kept', () => {
      const body = new Bytes().u16(331).u16(0).u16(320).u16(2).u16(8).u16(4).u16(12).u16(4).buffer();
      const { h, got } = run(set(0, body), good);
      assert.equal(got.length, 1);
      assert.deepEqual(errors(h.exporter), { template_no_fields: 1 });
    });
    it('template with only zero-length fields: template_no_fields', () => {
      const { h } = run(v9TemplateFlowset([{ id: 332, fields: [f(1, 0), f(2, 0)] }]));
      assert.deepEqual(errors(h.exporter), { template_no_fields: 1 });
    });
    it('template longer than the record limit, or with too many fields: template_too_large', () => {
      const { h } = run(v9TemplateFlowset([
        { id: 333, fields: [...tv, f(100, 9000)] },
        { id: 334, fields: Array.from({ length: 257 }, () => f(100, 1)) },
      ]));
      assert.deepEqual(errors(h.exporter), { template_too_large: 2 });
      assert.equal(h.cache.countFor(h.exporter.address), 0);
    });
    it('template id below 256: bad_set_id', () => {
      const { h } = run(v9TemplateFlowset([{ id: 255, fields: tv }]));
      assert.deepEqual(errors(h.exporter), { bad_set_id: 1 });
    });
    it('field with a length its type cannot have: template_bad_field, the field is skipped', () => {
      const t = [f(IE.sourceIPv4Address, 3), f(IE.destinationIPv4Address, 4), f(IE.octetDeltaCount, 4)];
      const { h, got } = run(v9TemplateFlowset([{ id: 335, fields: t }]), dataSet(335, t, [[[1, 2, 3], '10.0.0.2', 99]]));
      assert.deepEqual(got, [rec({ src: '0.0.0.0', dst: '10.0.0.2', bytes: 99, startMs: EXPORT_MS, endMs: EXPORT_MS })]);
      assert.deepEqual(errors(h.exporter), { template_bad_field: 1 });
      // A refresh of the same template is not counted again.
      h.decode(v9(v9TemplateFlowset([{ id: 335, fields: t }])));
      assert.deepEqual(errors(h.exporter), { template_bad_field: 1 });
    });
    it('options template lengths not a multiple of 4: bad_length', () => {
      const { h } = run(set(1, new Bytes().u16(340).u16(3).u16(4).zeros(8).buffer()));
      assert.deepEqual(errors(h.exporter), { bad_length: 1 });
    });
    it('options template lengths past the flowset: count_too_large', () => {
      const { h } = run(set(1, new Bytes().u16(340).u16(4).u16(65532).zeros(8).buffer()));
      assert.deepEqual(errors(h.exporter), { count_too_large: 1 });
    });
    it('options template with no fields: template_no_fields', () => {
      const { h } = run(set(1, new Bytes().u16(340).u16(0).u16(0).u16(341).u16(4).u16(4).u16(1).u16(4).u16(34).u16(4).buffer()));
      assert.deepEqual(errors(h.exporter), { template_no_fields: 1 });
      assert.equal(h.cache.countFor(h.exporter.address), 1);
    });
    it('the template cache full for the exporter: template_cache_full', () => {
      const h = new Harness(new TemplateCache({ maxTemplatesPerExporter: 1 }));
      h.decode(v9(v9TemplateFlowset([{ id: 256, fields: tv }, { id: 257, fields: tv }])));
      assert.deepEqual(errors(h.exporter), { template_cache_full: 1 });
    });
  });

  it('hand-made fixtures in testdata/hand-made match the builder', () => {
    checkHandMadeFixtures(TESTDATA, NAMED);
  });

  it('truncation sweep: every prefix of every fixture, with and without templates known', () => {
    const all = [...FIXTURES, ...testdataFiles(TESTDATA).filter((b) => b.length >= 2 && b.readUInt16BE(0) === 9)];
    const fresh = (): NetflowV9Decoder => new NetflowV9Decoder(new TemplateCache());
    const cold = fresh();
    const warm = fresh();
    for (const d of all) warm.decode(d, newExporter(), NOW, new CollectingSink());
    let n = 0;
    n += truncationSweep((b, e, now, s) => cold.decode(b, e, now, s), all, NOW);
    n += truncationSweep((b, e, now, s) => warm.decode(b, e, now, s), all, NOW);
    assert.ok(n > 5000);
  });

  it('fuzz: random and mutated datagrams', () => {
    const d = new NetflowV9Decoder(new TemplateCache({ maxTemplatesTotal: 4096 }));
    for (const b of FIXTURES) d.decode(b, newExporter(), NOW, new CollectingSink());
    const seeds = [...FIXTURES, ...testdataFiles(TESTDATA).filter((b) => b.length >= 2 && b.readUInt16BE(0) === 9)];
    fuzz((b, e, now, s) => d.decode(b, e, now, s), seeds, NOW, [0, 9]);
  });
});
