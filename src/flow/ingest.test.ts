import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from './decode-error.js';
import { ExporterRegistry, type Exporter } from './exporter.js';
import { Ingest, type DatagramDecoder } from './ingest.js';
import { FlowSample, SampleSource, type SampleSink } from './sample.js';
import { silentLogger } from '../log.js';

/** Unit-test decoder: behaviour chosen by the first payload byte after the version. */
class ScriptedDecoder implements DatagramDecoder {
  calls = 0;
  private readonly s = new FlowSample();
  decode(buf: Buffer, exporter: Exporter, _now: number, sink: SampleSink): number {
    this.calls++;
    const mode = buf[2];
    if (mode === 1) throw new DecodeError('truncated', 'scripted truncation');
    if (mode === 2) throw new TypeError('scripted bug');
    if (mode === 3) exporter.stats.countError('no_template', 2);
    this.s.reset(SampleSource.NETFLOW_V9);
    this.s.ipVersion = 4;
    sink.sample(this.s);
    exporter.stats.samples++;
    return 1;
  }
}

function setup(allow: string[] = []) {
  const registry = new ExporterRegistry({ allow, samplingDefault: 1, samplingOverrides: {}, maxExporters: 2 });
  const d = { sflow: new ScriptedDecoder(), netflowV5: new ScriptedDecoder(), netflowV9: new ScriptedDecoder(), ipfix: new ScriptedDecoder() };
  let samples = 0;
  const ingest = new Ingest({ registry, decoders: d, sink: { sample: () => samples++ }, logger: silentLogger() });
  return { registry, d, ingest, samples: () => samples };
}

const dg = (version: number, mode = 0) => Buffer.from([version >> 8, version & 255, mode, 0]);

test('a NetFlow port dispatches by version; an IPFIX port takes only version 10', () => {
  const { d, ingest } = setup();
  ingest.datagram('netflow', dg(5), '192.0.2.1', 1);
  ingest.datagram('netflow', dg(9), '192.0.2.1', 1);
  ingest.datagram('netflow', dg(10), '192.0.2.1', 1);
  ingest.datagram('ipfix', dg(9), '192.0.2.1', 1);
  ingest.datagram('netflow', dg(7), '192.0.2.1', 1);
  assert.deepEqual([d.netflowV5.calls, d.netflowV9.calls, d.ipfix.calls], [1, 1, 1]);
  assert.equal(ingest.totals.errors.get('unknown|bad_version'), 2);
});

test('decode errors and decoder bugs are counted per exporter and per protocol, never thrown', () => {
  const { registry, ingest } = setup();
  assert.equal(ingest.datagram('netflow', dg(9, 1), '::ffff:192.0.2.1', 1), 0);
  assert.equal(ingest.datagram('netflow', dg(9, 2), '192.0.2.1', 1), 0);
  assert.equal(ingest.datagram('netflow', dg(9, 3), '192.0.2.1', 1), 1);
  const e = registry.get('192.0.2.1')!;
  assert.equal(e.stats.datagrams, 3);
  assert.equal(e.stats.errors.get('truncated'), 1);
  assert.equal(e.stats.errors.get('unsupported'), 1);
  assert.equal(e.stats.errors.get('no_template'), 2);
  assert.equal(ingest.totals.internalErrors, 1);
  assert.equal(ingest.totals.errors.get('netflow_v9|no_template'), 2);
  assert.equal(ingest.totals.errors.get('netflow_v9|truncated'), 1);
});

test('exporters outside the allow-list, or past the registry bound, are dropped and counted', () => {
  const { ingest, samples } = setup(['192.0.2.0/24', '2001:db8::/32']);
  ingest.datagram('sflow', dg(5), '192.0.2.7', 1);
  ingest.datagram('sflow', dg(5), '2001:db8::1', 1);
  ingest.datagram('sflow', dg(5), '198.51.100.1', 1);
  ingest.datagram('sflow', dg(5), '198.51.100.1', 1);
  ingest.datagram('sflow', dg(5), '192.0.2.8', 1); // third exporter: registry bound is 2
  assert.equal(samples(), 2);
  assert.equal(ingest.totals.notAllowed, 3);
});
