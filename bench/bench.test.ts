/**
 * Keeps the benchmarks honest without timing anything: the datasets they feed the decoders are
 * what they claim (full datagrams that decode completely, within the stated sizes), the file
 * format udp-blast reads is right, and the decode-in-a-worker prototype delivers every datagram
 * it receives to the real decoders. No speed is asserted here or anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { Exporter } from '../src/flow/exporter.js';
import { CountingSink } from '../src/flow/sample-record.js';
import { createDecoders } from '../src/flow/decoders.js';
import { buildDataset, lengthPrefixed, RECORDS_PER_DATAGRAM, SFLOW_SAMPLES_PER_DATAGRAM } from './datasets.js';
import { DecodeWorkerCollector } from './worker-ingest.js';
import { cpuTimes, machineCpu, machineInfo, speedIndex } from './machine.js';
import { bestLossless, prepareRmemMax, restoreRmemMax, type StepResult } from './e2e-udp.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TEMPLATES = { timeout_seconds: 86400, max_per_exporter: 4096, max_total: 100_000 };

for (const protocol of ['netflow9', 'ipfix', 'netflow5', 'sflow'] as const) {
  test(`${protocol} dataset: every datagram is full and decodes completely`, () => {
    const ds = buildDataset(protocol, { datagrams: 120 });
    assert.equal(ds.data.length, 120);
    const d = createDecoders(TEMPLATES);
    const dec = protocol === 'sflow' ? d.sflow : protocol === 'netflow5' ? d.netflowV5 : protocol === 'netflow9' ? d.netflowV9 : d.ipfix;
    const ex = new Exporter('127.0.0.1', 1, 0, 1);
    const sink = new CountingSink();
    for (const t of ds.templates) dec.decode(t, ex, ds.nowMs, sink);
    assert.equal(sink.count, 0, 'template datagrams carry no data records');
    for (const dg of ds.data) assert.equal(dec.decode(dg, ex, ds.nowMs, sink), ds.unitsPerDatagram);
    assert.equal(ex.stats.errorTotal(), 0);
    const expected = protocol === 'sflow' ? SFLOW_SAMPLES_PER_DATAGRAM : protocol === 'netflow5' ? 30 : RECORDS_PER_DATAGRAM;
    assert.equal(ds.unitsPerDatagram, expected);
  });
}

test('the end-to-end NetFlow v9 dataset fits a 1500-byte MTU with 24 records per datagram', () => {
  const ds = buildDataset('netflow9', { datagrams: 50, v6Share: 0, maxDatagramBytes: 1472 });
  assert.ok(ds.data.every((d) => d.length <= 1472));
  assert.ok(ds.avgBytes > 1400);
});

test('lengthPrefixed: 2-byte big-endian length before each datagram', () => {
  const f = lengthPrefixed([Buffer.from([1, 2, 3]), Buffer.alloc(300, 7)]);
  assert.equal(f.length, 2 + 3 + 2 + 300);
  assert.equal(f.readUInt16BE(0), 3);
  assert.deepEqual([...f.subarray(2, 5)], [1, 2, 3]);
  assert.equal(f.readUInt16BE(5), 300);
  assert.throws(() => lengthPrefixed([Buffer.alloc(70_000)]), RangeError);
});

test('machine helpers report plausible values', () => {
  const m = machineInfo();
  assert.ok(m.cpus >= 1);
  assert.match(m.node, /^v\d+/);
  assert.ok(speedIndex(20) > 0);
  const a = cpuTimes();
  const b = cpuTimes();
  if (a !== null && b !== null) assert.ok(machineCpu(a, b) === null || machineCpu(a, b)!.busy >= 0);
});

test('decode-worker prototype: every datagram received is decoded by the worker', async () => {
  const c = new DecodeWorkerCollector([{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], 4 * 1024 * 1024);
  const [port] = await c.start();
  const s = dgram.createSocket('udp4');
  try {
    const ds = buildDataset('netflow9', { datagrams: 200, v6Share: 0, maxDatagramBytes: 1472 });
    const send = (b: Buffer) => new Promise<void>((res, rej) => s.send(b, port!, '127.0.0.1', (e) => (e ? rej(e) : res())));
    for (const t of ds.templates) await send(t);
    // Let the template arrive first, as a router's would.
    const t0 = Date.now();
    while (c.stats().datagrams < ds.templates.length && Date.now() - t0 < 5000) await sleep(10);
    for (const d of ds.data) await send(d);
    const total = ds.templates.length + ds.data.length;
    const end = Date.now() + 10_000;
    while (c.stats().datagrams + c.stats().ringDrops < total && Date.now() < end) await sleep(20);
    const st = c.stats();
    assert.equal(st.received, total);
    assert.equal(st.ringDrops, 0);
    assert.equal(st.datagrams, total);
    assert.equal(st.samples, ds.data.length * RECORDS_PER_DATAGRAM);
    assert.equal(st.errors, 0);
    assert.equal(st.internalErrors, 0);
  } finally {
    s.close();
    await c.stop();
  }
});

test('rmem_max: left alone when large enough; raised and restored when root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-rmem-'));
  const log = console.log;
  console.log = () => {};
  try {
    const f = join(dir, 'rmem_max');
    writeFileSync(f, '67108864\n');
    const a = prepareRmemMax(33554432, f);
    assert.equal(a.raised, false);
    assert.equal(readFileSync(f, 'utf8').trim(), '67108864');
    writeFileSync(f, '212992\n');
    const b = prepareRmemMax(67108864, f);
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    assert.equal(b.raised, root);
    assert.equal(readFileSync(f, 'utf8').trim(), root ? '67108864' : '212992');
    restoreRmemMax(b);
    assert.equal(readFileSync(f, 'utf8').trim(), '212992');
    assert.equal(prepareRmemMax(1, join(dir, 'missing')).before, null);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bestLossless: highest rate under 0.1% loss at which the sender kept up', () => {
  const step = (rate: number, loss: number, achieved = rate): StepResult => ({ rate, loss, achievedRate: achieved }) as StepResult;
  assert.equal(bestLossless([step(50_000, 0), step(75_000, 0.0005), step(100_000, 0.02)])?.rate, 75_000);
  assert.equal(bestLossless([step(50_000, 0), step(125_000, 0, 100_000)])?.rate, 50_000);
  assert.equal(bestLossless([step(50_000, 0.5)]), null);
});
