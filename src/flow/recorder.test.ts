/**
 * The datagram recorder: what the listeners receive over real UDP (IPv4 and IPv6 exporters) is
 * written to pcap files that the capture reader and `replayCapture` read back with the exporter's
 * address and port, the listener port and the daemon's clock; files rotate within their size and
 * count bounds; writes are batched; failures are counted and never thrown at the receive path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readPcapFile, readUdpDatagrams } from '../capture/index.js';
import { parseConfig } from '../config/load.js';
import { Daemon } from '../daemon.js';
import { silentLogger } from '../log.js';
import { replayCapture } from '../replay/index.js';
import { CollectingSink } from './sample-record.js';
import { DatagramRecorder, RECORDER_BUFFER_BYTES } from './recorder.js';
import { SimulatedExporter, scenarioDescription } from '../../tools/flowgen/index.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function recorder(dir: string, maxFileBytes = 67_108_864, maxFiles = 10, retryMs?: number): DatagramRecorder {
  return new DatagramRecorder({ enabled: true, directory: dir, max_file_bytes: maxFileBytes, max_files: maxFiles }, { logger: silentLogger(), retryMs });
}

async function send(sock: dgram.Socket, buf: Buffer, port: number, addr: string): Promise<void> {
  await new Promise<void>((res, rej) => sock.send(buf, port, addr, (e) => (e ? rej(e) : res())));
}

test('round trip: datagrams received over UDP (IPv4 and IPv6) are recorded and replay reads them back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-rec-'));
  let clock = T0;
  const config = parseConfig(`
state: { path: ${join(dir, 'state.db')} }
api: { enabled: false }
collectors:
  listeners:
    - { protocol: sflow, address: "::", port: 0 }
    - { protocol: netflow, address: 127.0.0.1, port: 0 }
  log_interval_seconds: 0
`);
  const tap = new CollectingSink();
  const daemon = new Daemon(config, { logger: silentLogger(), now: () => clock, autoTick: false, tap });
  const rec = recorder(join(dir, 'capture'));
  daemon.listener.setDatagramTap(rec);
  const v4 = dgram.createSocket('udp4');
  const v6 = dgram.createSocket('udp6');
  const sent: Array<{ payload: Buffer; srcAddr: string; srcPort: number; dstPort: number; tsMs: number }> = [];
  let sflowPort = 0;
  let netflowPort = 0;
  try {
    await rec.start();
    await daemon.start();
    await new Promise<void>((r) => v4.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => v6.bind(0, '::1', () => r()));
    [sflowPort, netflowPort] = daemon.listener.ports();
    const sflow = new SimulatedExporter('sflow', scenarioDescription('normal'), { startMs: T0 });
    const nf9 = new SimulatedExporter('netflow9', scenarioDescription('normal', { activeTimeoutMs: 1000 }), { startMs: T0 });
    for (let step = 0; step < 30; step++) {
      clock = T0 + step * 100 + 0.25;
      for (const d of sflow.step(100)) {
        // IPv6 exporter to the dual-stack sFlow listener, and an IPv4 one (seen as ::ffff:127.0.0.1).
        const six = sent.length % 2 === 0;
        await send(six ? v6 : v4, d, sflowPort, six ? '::1' : '127.0.0.1');
        sent.push({ payload: d, srcAddr: six ? '::1' : '127.0.0.1', srcPort: (six ? v6 : v4).address().port, dstPort: sflowPort, tsMs: clock });
      }
      for (const d of nf9.step(100)) {
        await send(v4, d, netflowPort, '127.0.0.1');
        sent.push({ payload: d, srcAddr: '127.0.0.1', srcPort: v4.address().port, dstPort: netflowPort, tsMs: clock });
      }
      const deadline = Date.now() + 5000;
      while (daemon.ingest.totals.datagrams < sent.length && Date.now() < deadline) await sleep(2);
      assert.equal(daemon.ingest.totals.datagrams, sent.length);
    }
  } finally {
    v4.close();
    v6.close();
    await daemon.stop();
    await rec.stop();
  }
  try {
    assert.ok(sent.length > 20);
    const files = rec.listFiles();
    assert.equal(files.length, 1);
    assert.match(files[0], /breakwater-20261122T120000\.000Z-000001\.pcap$/);
    assert.equal(rec.stats.datagrams, sent.length);
    assert.equal(rec.stats.dropped, 0);
    assert.equal(rec.stats.errors, 0);
    assert.equal(statSync(files[0]).size, rec.stats.bytesWritten);

    // The capture reader sees each datagram with its real addresses, ports, bytes and time (µs).
    const got = [...readUdpDatagrams(readPcapFile(files[0]))];
    assert.deepEqual(
      got.map((d) => ({ payload: d.payload.toString('hex'), srcAddr: d.srcAddr, srcPort: d.srcPort, dstPort: d.dstPort, tsMs: d.tsMs })),
      sent.map((s) => ({ payload: s.payload.toString('hex'), srcAddr: s.srcAddr, srcPort: s.srcPort, dstPort: s.dstPort, tsMs: s.tsMs })),
    );
    // The IPv6 datagrams went to the "::" listener, the IPv4 ones are written as IPv4 to 0.0.0.0.
    assert.ok(got.some((d) => d.ipVersion === 6 && d.dstAddr === '::'));
    assert.ok(got.some((d) => d.ipVersion === 4 && d.dstAddr === '0.0.0.0' && d.dstPort === sflowPort));
    assert.ok(got.some((d) => d.ipVersion === 4 && d.dstAddr === '127.0.0.1' && d.dstPort === netflowPort));

    // Replay decodes exactly the samples the live daemon decoded (with the same listener ports).
    const replayTap = new CollectingSink();
    const r = await replayCapture({
      file: files[0],
      config: parseConfig(`collectors:\n  listeners:\n    - { protocol: sflow, port: ${sflowPort} }\n    - { protocol: netflow, port: ${netflowPort} }\n`),
      tap: replayTap,
    });
    assert.equal(r.datagrams, sent.length);
    assert.equal(r.decodeErrors, 0);
    assert.deepEqual(replayTap.records, tap.records);
    assert.deepEqual(r.exporters.map((e) => e.address).sort(), ['127.0.0.1', '::1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rotation: files stay below max_file_bytes, the oldest are deleted past max_files (a previous run counted)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-rec-'));
  try {
    // Two files of a previous run, and a file that is not ours (never touched).
    writeFileSync(join(dir, 'breakwater-20260101T000000.000Z-000001.pcap'), 'old');
    writeFileSync(join(dir, 'breakwater-20260101T000001.000Z-000002.pcap'), 'old');
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const rec = recorder(dir, 65_536, 3);
    await rec.start();
    const payload = Buffer.alloc(1000);
    const n = 400;
    for (let i = 0; i < n; i++) {
      payload.writeUInt32BE(i, 0);
      rec.datagram(payload, '192.0.2.1', 6000, '0.0.0.0', 2055, T0 + i * 10);
      // Between socket reads the event loop turns and the writer runs; here the test waits for
      // it every half file, so that no datagram is dropped for want of a free buffer.
      if (i % 30 === 29) await rec.drain();
    }
    await rec.stop();
    assert.equal(rec.stats.dropped, 0);
    const names = readdirSync(dir).sort();
    assert.ok(names.includes('notes.txt'));
    const ours = names.filter((x) => x.startsWith('breakwater-'));
    assert.equal(ours.length, 3);
    assert.ok(!ours.some((x) => x.startsWith('breakwater-202601')), 'the previous run\'s files went first');
    // 1000-byte payloads in 1058-byte records: 61 fit in 64 KiB after the 24-byte header.
    const perFile = Math.floor((65_536 - 24) / (16 + 14 + 20 + 8 + 1000));
    assert.equal(rec.stats.filesOpened, Math.ceil(n / perFile));
    assert.equal(rec.stats.filesDeleted, rec.stats.filesOpened - 3 + 2);
    let expect = n - (n % perFile || perFile) - 2 * perFile;
    for (const f of ours) {
      const path = join(dir, f);
      assert.ok(statSync(path).size <= 65_536, `${f}: ${statSync(path).size} bytes`);
      for (const d of readUdpDatagrams(readPcapFile(path))) {
        assert.equal(d.payload.readUInt32BE(0), expect, `${f} holds datagrams in order`);
        assert.equal(d.tsMs, T0 + expect * 10);
        expect++;
      }
    }
    assert.equal(expect, n, 'the newest files hold the newest datagrams, none missing');
    assert.deepEqual(rec.listFiles().map((p) => p.split('/').pop()), ours);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writes are batched: thousands of datagrams, a handful of write calls', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-rec-'));
  try {
    const rec = recorder(dir);
    await rec.start();
    const payload = Buffer.alloc(200);
    for (let i = 0; i < 3000; i++) rec.datagram(payload, '2001:db8::1', 6343, '::', 6343, T0 + i);
    // Nothing reaches the disk before a buffer fills or the flush timer fires.
    assert.equal(rec.stats.writes, 0);
    await rec.drain();
    const bytes = 3000 * (16 + 14 + 40 + 8 + 200);
    assert.equal(rec.stats.writes, Math.ceil(bytes / RECORDER_BUFFER_BYTES));
    await rec.stop();
    assert.equal([...readUdpDatagrams(readPcapFile(rec.listFiles()[0]))].length, 3000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('failures are counted, never thrown: bad addresses, a directory that turned into a file, recovery', async () => {
  const base = await mkdtemp(join(tmpdir(), 'bw-rec-'));
  const dir = join(base, 'cap');
  try {
    const rec = recorder(dir, 67_108_864, 10, 50);
    await rec.start();
    rec.datagram(Buffer.alloc(10), 'not-an-address', 1, '0.0.0.0', 2, T0);
    assert.equal(rec.stats.dropped, 1);
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'in the way');
    rec.datagram(Buffer.alloc(10), '192.0.2.1', 1, '0.0.0.0', 2055, T0);
    await rec.drain();
    assert.equal(rec.stats.dropped, 2);
    assert.ok(rec.stats.errors >= 1);
    // While blocked, datagrams are dropped without touching the disk.
    rec.datagram(Buffer.alloc(10), '192.0.2.1', 1, '0.0.0.0', 2055, T0);
    assert.equal(rec.stats.dropped, 3);
    rmSync(dir);
    await sleep(60);
    rec.datagram(Buffer.alloc(10), '192.0.2.1', 1, '0.0.0.0', 2055, T0 + 1);
    await rec.stop();
    assert.equal(rec.stats.dropped, 3);
    assert.equal([...readUdpDatagrams(readPcapFile(rec.listFiles().at(-1)!))].length, 1);
    // A directory that cannot be created stops the start with a message naming the setting.
    writeFileSync(join(base, 'file'), 'x');
    await assert.rejects(recorder(join(base, 'file', 'sub')).start(), /cannot record received datagrams in .*file\/sub \(collectors\.record\.directory\): /);
    assert.equal(readFileSync(join(base, 'file'), 'utf8'), 'x');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('a burst the writer cannot absorb is dropped and counted, not queued', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bw-rec-'));
  try {
    // Small files: every 61 datagrams close a buffer; with no turn of the event loop the writer
    // gets none of them written, so past RECORDER_BUFFERS buffers the rest is dropped.
    const rec = recorder(dir, 65_536, 100);
    await rec.start();
    for (let i = 0; i < 1000; i++) rec.datagram(Buffer.alloc(1000), '192.0.2.1', 6000, '0.0.0.0', 2055, T0 + i);
    await rec.stop();
    assert.ok(rec.stats.dropped > 0);
    let recorded = 0;
    for (const f of rec.listFiles()) recorded += [...readUdpDatagrams(readPcapFile(f))].length;
    assert.equal(recorded + rec.stats.dropped, 1000);
    assert.equal(recorded, rec.stats.datagrams);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
