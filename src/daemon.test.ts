/**
 * The daemon end to end over UDP loopback: real sockets, real decoders, a real SQLite state file,
 * flowgen as the exporter. Checks what arrives is decoded and counted per exporter, and that
 * NetFlow v9 templates and learned sampling survive a restart (data without templates decodes
 * right after the restart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from './config/load.js';
import { Daemon } from './daemon.js';
import { silentLogger } from './log.js';
import { CollectingSink } from './flow/sample-record.js';
import { SimulatedExporter, scenarioDescription, sendDatagrams } from '../tools/flowgen/index.js';
import { replayCapture } from './replay/index.js';

function config(dir: string, extra = '') {
  return parseConfig(`
state: { path: ${join(dir, 'state.db')} }
api: { port: 0 }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: 0 }
    - { protocol: netflow, address: 127.0.0.1, port: 0 }
    - { protocol: ipfix, address: "::1", port: 0 }
  receive_buffer: 1048576
  log_interval_seconds: 0
${extra}`);
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
}

test('datagrams of every protocol are received, decoded and counted per exporter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-daemon-'));
  const sink = new CollectingSink();
  const d = new Daemon(config(dir), { logger: silentLogger(), tap: sink });
  try {
    await d.start();
    const [sflowPort, netflowPort, ipfixPort] = d.listener.ports();
    const desc = scenarioDescription('udp-flood', { samplingRate: 100, scale: 1 });
    const send = async (proto: 'sflow' | 'netflow5' | 'netflow9' | 'ipfix', host: string, port: number) => {
      const ex = new SimulatedExporter(proto, desc, { startMs: Date.now() });
      const dgs = [...ex.step(1000), ...ex.flush()];
      const r = await sendDatagrams({ host, port, datagrams: dgs, rate: 10000, maxCount: dgs.length, maxSeconds: 5 });
      return r.sent;
    };
    const sent = (await send('sflow', '127.0.0.1', sflowPort)) + (await send('netflow5', '127.0.0.1', netflowPort)) +
      (await send('netflow9', '127.0.0.1', netflowPort)) + (await send('ipfix', '::1', ipfixPort));
    await until(() => d.ingest.totals.datagrams >= sent);
    assert.equal(d.ingest.totals.datagrams, sent);
    assert.equal(d.ingest.totals.internalErrors, 0);
    assert.deepEqual([...d.ingest.totals.errors], []);
    const protos = new Set(sink.records.map((r) => r.source));
    assert.deepEqual([...protos].sort(), ['ipfix', 'netflow_v5', 'netflow_v9', 'sflow']);
    assert.ok(sink.records.every((r) => r.dst === '192.0.2.10' && r.protocol === 17));
    const v4 = d.registry.get('127.0.0.1')!;
    const v6 = d.registry.get('::1')!;
    assert.equal(v4.stats.datagrams + v6.stats.datagrams, sent);
    assert.equal(v4.stats.samples + v6.stats.samples, sink.records.length);
    const status = d.listener.status();
    assert.equal(status.length, 3);
    assert.ok(status.every((s) => s.actualReceiveBuffer > 0 && (s.kernelDrops === null || s.kernelDrops === 0)));
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('NetFlow v9 templates and learned sampling survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-daemon-'));
  const daemons: Daemon[] = [];
  try {
    const desc = scenarioDescription('udp-flood', { samplingRate: 512, scale: 1 });
    // Templates and options (sampling) go out in the first datagram only (refresh far away).
    const ex = new SimulatedExporter('netflow9', desc, { startMs: Date.now(), netflow9: { templateRefreshDatagrams: 1_000_000, templateRefreshMs: 3_600_000 } });
    const first = ex.step(1000);
    const later = ex.step(1000);
    assert.ok(later.length > 0);

    const sink1 = new CollectingSink();
    const d1 = new Daemon(config(dir), { logger: silentLogger(), tap: sink1 });
    daemons.push(d1);
    await d1.start();
    let port = d1.listener.ports()[1];
    await sendDatagrams({ host: '127.0.0.1', port, datagrams: first, rate: 1000, maxCount: first.length, maxSeconds: 5 });
    await until(() => d1.ingest.totals.datagrams >= first.length);
    assert.ok(sink1.records.length > 0);
    assert.equal(sink1.records[0].samplingRate, 512);
    await d1.stop(); // saves the state
    daemons.shift();

    const sink2 = new CollectingSink();
    const d2 = new Daemon(config(dir), { logger: silentLogger(), tap: sink2 });
    daemons.push(d2);
    await d2.start();
    port = d2.listener.ports()[1];
    await sendDatagrams({ host: '127.0.0.1', port, datagrams: later, rate: 1000, maxCount: later.length, maxSeconds: 5 });
    await until(() => d2.ingest.totals.datagrams >= later.length);
    const e = d2.registry.get('127.0.0.1')!;
    assert.equal(e.stats.errors.get('no_template') ?? 0, 0, 'data decoded with the restored templates');
    assert.ok(sink2.records.length > 0);
    assert.ok(sink2.records.every((r) => r.samplingRate === 512 && r.dst === '192.0.2.10'));
  } finally {
    for (const d of daemons) await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a listener that cannot bind fails start with a message naming the port', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-daemon-'));
  const a = new Daemon(config(dir), { logger: silentLogger() });
  try {
    await a.start();
    const port = a.listener.ports()[0];
    const b = new Daemon(parseConfig(`state: { path: ${join(dir, 'b.db')} }\napi: { port: 0 }\ncollectors: { listeners: [ { protocol: sflow, address: 127.0.0.1, port: ${port} } ] }`), { logger: silentLogger() });
    await assert.rejects(b.start(), new RegExp(`cannot listen for sflow on 127.0.0.1 port ${port}`));
    await b.stop();
  } finally {
    await a.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('collectors.record: the daemon writes what it receives to a pcap file that replay reads back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-daemon-'));
  const capDir = join(dir, 'capture');
  const d = new Daemon(config(dir, `  record: { enabled: true, directory: ${capDir} }\ntraffic: { networks: [192.0.2.0/24] }`), { logger: silentLogger() });
  try {
    await d.start();
    const [sflowPort] = d.listener.ports();
    const ex = new SimulatedExporter('sflow', scenarioDescription('udp-flood', { samplingRate: 100, scale: 1 }), { startMs: Date.now() });
    const dgs = [...ex.step(2000), ...ex.flush()];
    const r = await sendDatagrams({ host: '127.0.0.1', port: sflowPort, datagrams: dgs, rate: 10000, maxCount: dgs.length, maxSeconds: 5 });
    await until(() => d.ingest.totals.datagrams >= r.sent);
    const samples = d.ingest.totals.samples;
    assert.match(await d.metrics.render(), new RegExp(`^breakwater_recorder_datagrams_total ${r.sent}$`, 'm'));
    await d.stop();
    const files = readdirSync(capDir).filter((f) => f.endsWith('.pcap'));
    assert.equal(files.length, 1, `one capture file: ${files.join(', ')}`);
    const report = await replayCapture({ file: join(capDir, files[0]), config: config(dir, 'traffic: { networks: [192.0.2.0/24] }') });
    assert.equal(report.mode, 'telemetry');
    assert.equal(report.datagrams, r.sent);
    assert.equal(report.samples, samples);
    assert.equal(report.decodeErrors, 0);
  } finally {
    await d.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});
