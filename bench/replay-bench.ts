/**
 * Replay throughput: how fast `breakwater replay` runs a large capture through the daemon's
 * components (capture reading in windows, Ingest and decoders, traffic accounting, the detector
 * ticking every capture second, dry-run mitigation), in datagrams/s and samples/s, for an sFlow
 * capture, a NetFlow v9 capture and a capture of raw packets. And the recorder ('record'): the
 * receive-path cost per datagram and whether the writer keeps up (drops) at paced rates of
 * 1,400-byte datagrams.
 *
 *   node dist/bench/replay-bench.js [--kinds sflow,netflow9,raw,record] [--scale 1] [--keep DIR]
 *
 * Each capture is generated first with flowgen (the 'normal' scenario with a flood in the middle,
 * so detection, fingerprints and a mitigation decision are part of the run) into a temporary
 * file, then replayed once; the generation is not timed. --scale multiplies the captures' length.
 * Prints one line per capture and a `@summary` JSON line. Not a test: nothing is asserted.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipUdpPacket, linkFrame, LinkType } from '../src/capture/index.js';
import { parseConfig } from '../src/config/load.js';
import { replayCapture, type ReplayReport } from '../src/replay/index.js';
import { buildPacketHeader, FCS_BYTES, scenarioDescription, SimulatedExporter, TrafficGenerator, resolveDescription, type TrafficDescription } from '../tools/flowgen/index.js';
import { describeMachine, speedIndex, waitForQuiet } from './machine.js';
import { DatagramRecorder } from '../src/flow/recorder.js';
import { silentLogger } from '../src/log.js';
import { setTimeout as sleep } from 'node:timers/promises';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

const KINDS = arg('kinds', 'sflow,netflow9,raw,record').split(',');
const SCALE = Number(arg('scale', '1'));
const KEEP = arg('keep', '');
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

const CONFIG = parseConfig(`
traffic:
  networks: [192.0.2.0/24, "2001:db8::/64"]
detection:
  thresholds:
    incoming: { pps: 40000, mbps: 1000 }
    outgoing: { pps: 40000, mbps: 1000 }
`);

/** Streams classic pcap records to a file in 4 MiB writes. */
class PcapFileWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private len = 0;
  records = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(LinkType.ETHERNET, 20);
    writeSync(this.fd, h);
  }
  add(tsMs: number, data: Uint8Array, origLen = data.length): void {
    if (this.len + 16 + data.length > this.buf.length) this.flush();
    const sec = Math.floor(tsMs / 1000);
    this.buf.writeUInt32LE(sec, this.len);
    this.buf.writeUInt32LE(Math.min(999_999, Math.round((tsMs - sec * 1000) * 1000)), this.len + 4);
    this.buf.writeUInt32LE(data.length, this.len + 8);
    this.buf.writeUInt32LE(origLen, this.len + 12);
    this.buf.set(data, this.len + 16);
    this.len += 16 + data.length;
    this.records++;
  }
  private flush(): void {
    writeSync(this.fd, this.buf, 0, this.len);
    this.len = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Telemetry capture: 'normal' throughout, a UDP flood in the middle third, in 100 ms steps. */
function telemetryCapture(path: string, protocol: 'sflow' | 'netflow9', seconds: number, sampling: number): void {
  const w = new PcapFileWriter(path);
  const sources: Array<{ d: TrafficDescription; from: number; to: number }> = [
    { d: { ...scenarioDescription('normal'), samplingRate: sampling }, from: 0, to: seconds },
    { d: { ...scenarioDescription('udp-flood'), samplingRate: sampling }, from: Math.floor(seconds / 3), to: Math.floor((2 * seconds) / 3) },
  ];
  const ex = sources.map((s, i) => ({ s, e: new SimulatedExporter(protocol, { ...s.d, exporter: { subAgentId: i, sourceId: i } }, { startMs: T0 }), port: 40000 + i }));
  for (let sec = 0; sec < seconds; sec++) {
    for (let step = 0; step < 10; step++) {
      const ts = T0 + sec * 1000 + step * 100;
      for (const { s, e, port } of ex) {
        const dgs = e.step(100);
        if (sec < s.from || sec >= s.to) continue;
        for (const d of dgs) w.add(ts, linkFrame(LinkType.ETHERNET, ipUdpPacket({ srcAddr: '10.0.0.1', dstAddr: '10.0.0.254', srcPort: port, dstPort: protocol === 'sflow' ? 6343 : 2055, payload: d })));
      }
    }
  }
  w.close();
}

/** Raw packets as a mirror port sees them (snap length 128): 'normal' throughout, a SYN flood (1/5 scale, 60k pps) in the middle. */
function rawCapture(path: string, seconds: number): void {
  const w = new PcapFileWriter(path);
  const gens = [
    { g: new TrafficGenerator(resolveDescription({ ...scenarioDescription('normal'), samplingRate: 1 }), { startMs: T0 }), from: 0, to: seconds },
    { g: new TrafficGenerator(resolveDescription({ ...scenarioDescription('syn-flood', { scale: 0.2 }), samplingRate: 1 }), { startMs: T0 }), from: Math.floor(seconds / 3), to: Math.floor((2 * seconds) / 3) },
  ];
  const frames = new Map<string, { data: Buffer; orig: number }>();
  for (let sec = 0; sec < seconds; sec++) {
    for (let step = 0; step < 10; step++) {
      const batch: Array<{ t: number; f: { data: Buffer; orig: number } }> = [];
      gens.forEach(({ g, from, to }, gi) => {
        const samples = g.packetSamples(100);
        if (sec < from || sec >= to) return;
        for (const s of samples) {
          const key = `${gi}:${s.flow.index}`;
          let f = frames.get(key);
          if (f === undefined) {
            const orig = s.flow.spec.packetSize - FCS_BYTES;
            f = { data: buildPacketHeader(s.flow).subarray(0, Math.min(orig, 128)), orig };
            frames.set(key, f);
          }
          batch.push({ t: s.timeMs, f });
        }
      });
      batch.sort((a, b) => a.t - b.t);
      for (const b of batch) w.add(b.t, b.f.data, b.f.orig);
    }
  }
  w.close();
}

interface Result {
  kind: string;
  fileMB: number;
  packets: number;
  datagrams: number;
  samples: number;
  captureSeconds: number;
  wallSeconds: number;
  datagramsPerSecond: number;
  samplesPerSecond: number;
  packetsPerSecond: number;
  mbPerSecond: number;
  maxRssMB: number;
  attacks: string[];
  /** Cores busy with other work just before the run, and the CPU speed index then (see bench/machine.ts). */
  otherBusyCores: number | null;
  speedIndex: number;
}

async function bench(kind: string, path: string): Promise<Result> {
  // The machine is shared: wait (bounded) for a quiet moment, and say how quiet it was.
  const quiet = await waitForQuiet(0.3, 20);
  const speed = speedIndex();
  let maxRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const r: ReplayReport = await replayCapture({
    file: path,
    config: CONFIG,
    onProgress: () => {
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    },
  });
  const wall = (performance.now() - t0) / 1000;
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
  const size = statSync(path).size;
  return {
    kind,
    fileMB: Math.round(size / 1e5) / 10,
    packets: r.packets,
    datagrams: r.datagrams,
    samples: r.samples,
    captureSeconds: r.durationSeconds,
    wallSeconds: Math.round(wall * 100) / 100,
    datagramsPerSecond: Math.round(r.datagrams / wall),
    samplesPerSecond: Math.round(r.samples / wall),
    packetsPerSecond: Math.round(r.packets / wall),
    mbPerSecond: Math.round(size / 1e6 / wall),
    maxRssMB: Math.round(maxRss / 2 ** 20),
    attacks: r.attacks.map((a) => `${a.host} ${a.direction} ${a.type}`),
    otherBusyCores: quiet.busyCores === null ? null : Math.round(quiet.busyCores * 100) / 100,
    speedIndex: Math.round(speed),
  };
}

interface RecordResult {
  rate: number;
  datagrams: number;
  dropped: number;
  nsPerDatagram: number;
  mbWritten: number;
}

/** The recorder fed at `rate` datagrams/s of 1,400 bytes for `seconds` (paced by the wall clock, 1 ms turns). */
async function benchRecorder(dir: string, rate: number, seconds: number): Promise<RecordResult> {
  const rec = new DatagramRecorder({ enabled: true, directory: dir, max_file_bytes: 1 << 30, max_files: 2 }, { logger: silentLogger() });
  await rec.start();
  const payload = Buffer.alloc(1400, 7);
  const n = rate * seconds;
  const t0 = performance.now();
  let sent = 0;
  let busyMs = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate));
    const a = performance.now();
    while (sent < due) {
      rec.datagram(payload, '192.0.2.1', 50_000, '0.0.0.0', 2055, T0 + sent);
      sent++;
    }
    busyMs += performance.now() - a;
    await sleep(1);
  }
  await rec.stop();
  for (const f of rec.listFiles()) rmSync(f, { force: true });
  return { rate, datagrams: n, dropped: rec.stats.dropped, nsPerDatagram: Math.round((busyMs * 1e6) / n), mbWritten: Math.round(rec.stats.bytesWritten / 1e6) };
}

const dir = KEEP || mkdtempSync(join(tmpdir(), 'bw-replay-bench-'));
const recordResults: RecordResult[] = [];
console.log(`replay benchmark on ${describeMachine()}`);
const results: Result[] = [];
try {
  for (const kind of KINDS) {
    if (kind === 'record') {
      for (const rate of [50_000, 100_000, 200_000]) {
        await waitForQuiet(0.3, 20);
        const r = await benchRecorder(dir, rate, Math.max(1, Math.round(2 * SCALE)));
        recordResults.push(r);
        console.log(`record: ${r.rate.toLocaleString('en-US')} datagrams/s of 1,400 bytes: ${r.nsPerDatagram} ns per datagram in the receive path, ${r.dropped.toLocaleString('en-US')} of ${r.datagrams.toLocaleString('en-US')} dropped, ${r.mbWritten} MB written`);
      }
      continue;
    }
    const path = join(dir, `${kind}.pcap`);
    const g0 = performance.now();
    // Sizes: sFlow 1:10 of ~222k pps → ~3k datagrams per capture second; NetFlow v9 one record
    // per flow per 100 ms; raw: every packet of ~22k pps (+60k pps of SYN flood for a third of the time).
    if (kind === 'sflow') telemetryCapture(path, 'sflow', Math.round(60 * SCALE), 10);
    else if (kind === 'netflow9') telemetryCapture(path, 'netflow9', Math.round(600 * SCALE), 1);
    else if (kind === 'raw') rawCapture(path, Math.round(20 * SCALE));
    else throw new Error(`unknown kind '${kind}' (sflow, netflow9, raw, record)`);
    console.log(`${kind}: capture generated in ${((performance.now() - g0) / 1000).toFixed(1)} s (${(statSync(path).size / 1e6).toFixed(1)} MB)`);
    const r = await bench(kind, path);
    results.push(r);
    console.log(
      `${kind}: ${r.packets.toLocaleString('en-US')} packets, ${r.datagrams.toLocaleString('en-US')} datagrams, ${r.samples.toLocaleString('en-US')} samples, ` +
        `${r.captureSeconds} s of capture replayed in ${r.wallSeconds} s: ${r.datagramsPerSecond.toLocaleString('en-US')} datagrams/s, ` +
        `${r.samplesPerSecond.toLocaleString('en-US')} samples/s, ${r.packetsPerSecond.toLocaleString('en-US')} packets/s, ${r.mbPerSecond} MB/s; max RSS ${r.maxRssMB} MiB; attacks: ${r.attacks.join(', ') || 'none'} ` +
        `(other load before the run: ${r.otherBusyCores ?? '?'} cores busy; speed index ${r.speedIndex})`,
    );
    if (!KEEP) rmSync(path, { force: true });
  }
} finally {
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}
console.log(`@summary ${JSON.stringify({ benchmark: 'replay', machine: describeMachine(), results, record: recordResults })}`);
