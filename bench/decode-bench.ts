/**
 * Decode benchmark: records (NetFlow v5/v9, IPFIX) and samples (sFlow) decoded per second on one
 * core, in process, from a pre-built array of a few hundred distinct datagrams (bench/datasets.ts)
 * looped over for a fixed time per decoder, into a CountingSink. Also checks that decoding makes
 * no per-sample garbage: bytes of heap allocated per sample in a window with no GC, and the GC
 * events seen during the timed run (V8 reports every scavenge and mark-compact as a 'gc'
 * performance entry).
 *
 *   node --expose-gc dist/bench/decode-bench.js [--seconds 1] [--repeat 5] [--only v9,ipfix,v5,sflow,v9-mtu,ingest-v9,ingest-sflow]
 *
 * Each decoder runs in `--repeat` fresh child processes (with --expose-gc) of `--seconds` each,
 * so the JIT feedback one decoder leaves behind cannot slow down or speed up the next (a daemon
 * fed by one kind of router is in the same position), and so that the process-to-process
 * spread of the JIT's choices shows. Before each child the bench waits (bounded) for the machine
 * to be quiet, and it reports the cores other processes used meanwhile. The figure reported is
 * the median child; the best and worst are printed beside it.
 *
 * Prints one line per decoder and a final `@summary {json}` line for bench/run.ts. Nothing is
 * asserted: these are figures, not tests.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, performance, constants as perfConstants } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { getHeapSpaceStatistics } from 'node:v8';
import { Exporter, ExporterRegistry } from '../src/flow/exporter.js';
import { CountingSink } from '../src/flow/sample-record.js';
import { createDecoders } from '../src/flow/decoders.js';
import { Ingest, type ListenerProtocol, type DatagramDecoder } from '../src/flow/ingest.js';
import { silentLogger } from '../src/log.js';
import { buildDataset, type Dataset } from './datasets.js';
import { cpuTimes, describeMachine, machineCpu, otherCores, speedIndex, waitForQuiet } from './machine.js';
import type { FlowgenProtocol } from '../tools/flowgen/index.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SECONDS = Number(argValue('seconds') ?? 1);
const REPEAT = Math.max(1, Math.min(20, Number(argValue('repeat') ?? 5)));
/**
 * Warm-up until the JIT has settled: V8 takes more than a second of this loop to reach its final
 * code for a decoder (measured: 3.6M → 5.0M → 8.5M sFlow samples/s over the first three 0.7 s
 * slices), so a short fixed warm-up measures half-optimised code. Warm up in 0.25 s slices
 * until two consecutive slices agree within 3%, for at least MIN and at most MAX seconds.
 */
const WARMUP_MIN_SECONDS = 1;
const WARMUP_MAX_SECONDS = 5;
const WARMUP_SLICE_SECONDS = 0.25;
/** Datagrams in the no-GC allocation window (small enough to stay inside V8's young generation). */
const ALLOC_WINDOW_DATAGRAMS = 2000;
/** Check the clock every this many datagrams (the check itself must not dominate). */
const CLOCK_EVERY = 128;
/**
 * The timed run is cut into slices: on a machine shared with other work, the best slice is the
 * closest thing to the uncontended speed, and the spread between slices shows the disturbance.
 */
const SLICE_SECONDS = 0.5;

/**
 * Bytes in V8's young generation: where every short-lived JS object (a boxed double, a closure,
 * a subarray view) is allocated first. Old-space growth from background JIT compilation would
 * otherwise blur a figure of a few bytes per sample.
 */
function youngBytes(): number {
  let n = 0;
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') n += s.space_used_size;
  }
  return n;
}

const gcForced = typeof globalThis.gc === 'function';
const gcEvents: { start: number; kind: number }[] = [];
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
    if (gcEvents.length < 1_000_000) gcEvents.push({ start: e.startTime, kind });
  }
});
obs.observe({ entryTypes: ['gc'] });

/** GC entries are delivered asynchronously: let them arrive, then count those inside [t0, t1]. */
async function gcBetween(t0: number, t1: number): Promise<{ minor: number; major: number; other: number }> {
  await tick();
  await tick();
  const out = { minor: 0, major: 0, other: 0 };
  for (const g of gcEvents) {
    if (g.start < t0 || g.start > t1) continue;
    if (g.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) out.minor++;
    else if (g.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) out.major++;
    else out.other++;
  }
  return out;
}

interface Target {
  name: string;
  label: string;
  unit: 'records' | 'samples';
  protocol: FlowgenProtocol;
  /** Build options of the dataset. */
  maxDatagramBytes?: number;
  v6Share?: number;
  /** Through Ingest.datagram (exporter lookup, per-datagram counting, dispatch) instead of the bare decoder. */
  viaIngest?: ListenerProtocol;
}

const TARGETS: Target[] = [
  { name: 'v9', label: 'NetFlow v9, 24 rec/dgram, 21-field templates, 20% IPv6', unit: 'records', protocol: 'netflow9' },
  { name: 'v9-mtu', label: 'NetFlow v9, 24 rec/dgram, IPv4 only, 1468-byte dgrams (the e2e load)', unit: 'records', protocol: 'netflow9', v6Share: 0, maxDatagramBytes: 1472 },
  { name: 'ipfix', label: 'IPFIX, 24 rec/dgram, 20-field templates, 20% IPv6', unit: 'records', protocol: 'ipfix' },
  { name: 'v5', label: 'NetFlow v5, 30 rec/dgram', unit: 'records', protocol: 'netflow5' },
  { name: 'sflow', label: 'sFlow v5, 7 samples/dgram, 128-byte headers, 20% IPv6', unit: 'samples', protocol: 'sflow' },
  { name: 'ingest-v9', label: 'Ingest.datagram + NetFlow v9 (IPv4, 1468-byte dgrams)', unit: 'records', protocol: 'netflow9', v6Share: 0, maxDatagramBytes: 1472, viaIngest: 'netflow' },
  { name: 'ingest-sflow', label: 'Ingest.datagram + sFlow v5', unit: 'samples', protocol: 'sflow', viaIngest: 'sflow' },
];

export interface DecodeResult {
  name: string;
  label: string;
  unit: string;
  datagrams: number;
  units: number;
  seconds: number;
  unitsPerSecond: number;
  datagramsPerSecond: number;
  avgDatagramBytes: number;
  /** Young-generation bytes allocated per sample/record in a window without GC (null when a GC hit the window). */
  bytesPerUnit: number | null;
  bytesPerDatagram: number | null;
  /** Best slice of SLICE_SECONDS (least disturbed by other load). */
  bestUnitsPerSecond: number;
  worstUnitsPerSecond: number;
  /** CPU time of this process over wall time during the run: < ~0.97 means it was descheduled. */
  cpuShare: number;
  gcDuringRun: { minor: number; major: number; other: number };
  heapGrowthBytes: number;
  warmupSeconds: number;
  errors: number;
  /** Filled by the parent: cores used by other processes while this child ran. */
  otherCores?: number | null;
  /** Filled by the parent: machine.speedIndex() just before the child ran. */
  speedIndex?: number;
}

/** What the parent reports per decoder: the median child, with the spread over all children. */
export interface DecodeSummaryRow extends DecodeResult {
  runs: number;
  minUnitsPerSecond: number;
  maxUnitsPerSecond: number;
  /** Largest steady-state allocation over the children (worst case of the allocation check). */
  maxBytesPerUnit: number | null;
  maxGc: { minor: number; major: number };
  maxOtherCores: number | null;
  /** Range of machine.speedIndex() over the children. */
  minSpeedIndex: number;
  maxSpeedIndex: number;
}

type DecodeFn = (buf: Buffer) => number;

function makeRunner(t: Target, ds: Dataset, sink: CountingSink): { decode: DecodeFn; errors: () => number } {
  const decoders = createDecoders({ timeout_seconds: 86400, max_per_exporter: 4096, max_total: 100_000 });
  const now = ds.nowMs;
  if (t.viaIngest !== undefined) {
    const registry = new ExporterRegistry({ allow: ['127.0.0.0/8'], samplingDefault: 1, samplingOverrides: {}, maxExporters: 10 });
    const ingest = new Ingest({ registry, decoders, sink, logger: silentLogger() });
    const listener = t.viaIngest;
    const decode: DecodeFn = (buf) => ingest.datagram(listener, buf, '127.0.0.1', now);
    return { decode, errors: () => ingest.totals.internalErrors + [...ingest.totals.errors.values()].reduce((a, b) => a + b, 0) };
  }
  const exporter = new Exporter('127.0.0.1', 1, 0, 1);
  const d: DatagramDecoder = t.protocol === 'sflow' ? decoders.sflow : t.protocol === 'netflow5' ? decoders.netflowV5 : t.protocol === 'netflow9' ? decoders.netflowV9 : decoders.ipfix;
  const decode: DecodeFn = (buf) => d.decode(buf, exporter, now, sink);
  return { decode, errors: () => exporter.stats.errorTotal() };
}

/** Loops over the datagrams until `seconds` have passed. Returns [datagrams, units, seconds]. */
function loop(decode: DecodeFn, data: readonly Buffer[], seconds: number, start = 0): [number, number, number] {
  const n = data.length;
  let i = start % n;
  let dgs = 0;
  let units = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let t = t0;
  // Bounded: the deadline is checked every CLOCK_EVERY datagrams.
  while (t < deadline) {
    for (let k = 0; k < CLOCK_EVERY; k++) {
      units += decode(data[i]!);
      i++;
      if (i === n) i = 0;
    }
    dgs += CLOCK_EVERY;
    t = performance.now();
  }
  return [dgs, units, (t - t0) / 1000];
}

/**
 * Keeps the benchmark's own loops out of the optimising compiler when the child runs with
 * --allow-natives-syntax (as main() starts it). Otherwise TurboFan OSR-compiles the loop and may
 * inline the whole decoder into it, and whether it does depends on the timing of concurrent
 * compilation: the same decoder then measured 3.2M or 5.7M records/s from one process to the
 * next. In the daemon the decoder is called from the socket's message handler, a call it is not
 * inlined into; a loop in the interpreter (about 0.1 us per call, under 3% of a datagram's
 * decode time) calling the optimised decoder is the closer model.
 */
function neverOptimize(fn: (...a: never[]) => unknown): void {
  if (!process.execArgv.includes('--allow-natives-syntax')) return;
  // V8 intrinsics exist only in source parsed at run time with the flag.
  (new Function('f', '%NeverOptimizeFunction(f)') as (f: unknown) => void)(fn);
}

function loopCount(decode: DecodeFn, data: readonly Buffer[], count: number): number {
  const n = data.length;
  let units = 0;
  for (let k = 0, i = 0; k < count; k++) {
    units += decode(data[i]!);
    i++;
    if (i === n) i = 0;
  }
  return units;
}

async function runTarget(t: Target): Promise<DecodeResult> {
  neverOptimize(loop);
  neverOptimize(loopCount);
  const ds = buildDataset(t.protocol, { v6Share: t.v6Share, maxDatagramBytes: t.maxDatagramBytes });
  const sink = new CountingSink();
  const r = makeRunner(t, ds, sink);
  for (const tp of ds.templates) r.decode(tp);
  // Sanity: every data datagram must decode to its full count, or the figures mean nothing.
  let check = 0;
  for (const d of ds.data) check += r.decode(d);
  if (check !== ds.data.length * ds.unitsPerDatagram) {
    throw new Error(`${t.name}: decoded ${check} units from ${ds.data.length} datagrams, expected ${ds.data.length * ds.unitsPerDatagram}`);
  }
  let warm = 0;
  let prev = 0;
  for (;;) {
    const [, u, sec] = loop(r.decode, ds.data, WARMUP_SLICE_SECONDS);
    warm += sec;
    const rate = u / sec;
    const settled = prev > 0 && Math.abs(rate - prev) / prev < 0.03;
    prev = rate;
    if ((settled && warm >= WARMUP_MIN_SECONDS) || warm >= WARMUP_MAX_SECONDS) break;
  }

  // Allocation probe: short windows after a full GC (which empties the young generation);
  // a window counts only when no GC ran inside it. The smallest of three windows is the
  // steady state (a late deoptimisation can make one window allocate heap numbers while the
  // interpreter runs the function again). getHeapSpaceStatistics() allocates its own result
  // (a few hundred bytes, once per window): under 0.01 B per sample here.
  let bytesPerUnit: number | null = null;
  let bytesPerDatagram: number | null = null;
  for (let w = 0; w < 3; w++) {
    if (gcForced) globalThis.gc!();
    const a0 = performance.now();
    const y0 = youngBytes();
    const probeUnits = loopCount(r.decode, ds.data, ALLOC_WINDOW_DATAGRAMS);
    const y1 = youngBytes();
    const a1 = performance.now();
    const probeGc = await gcBetween(a0, a1);
    if (probeGc.minor + probeGc.major + probeGc.other !== 0) continue;
    const bytes = Math.max(0, y1 - y0);
    if (bytesPerUnit === null || bytes / probeUnits < bytesPerUnit) {
      bytesPerUnit = bytes / probeUnits;
      bytesPerDatagram = bytes / ALLOC_WINDOW_DATAGRAMS;
    }
  }

  // Timed run, in slices.
  if (gcForced) globalThis.gc!();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let dgs = 0;
  let units = 0;
  let secs = 0;
  let best = 0;
  let worst = Infinity;
  const slices = Math.max(1, Math.round(SECONDS / SLICE_SECONDS));
  for (let k = 0; k < slices; k++) {
    const [d, u, s] = loop(r.decode, ds.data, SECONDS / slices, dgs);
    dgs += d;
    units += u;
    secs += s;
    best = Math.max(best, u / s);
    worst = Math.min(worst, u / s);
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const heapAfter = process.memoryUsage().heapUsed;
  const gc = await gcBetween(t0, t1);
  return {
    name: t.name,
    label: t.label,
    unit: t.unit,
    datagrams: dgs,
    units,
    seconds: secs,
    unitsPerSecond: units / secs,
    datagramsPerSecond: dgs / secs,
    avgDatagramBytes: Math.round(ds.avgBytes),
    bytesPerUnit,
    bytesPerDatagram,
    bestUnitsPerSecond: best,
    worstUnitsPerSecond: worst,
    cpuShare: (cpu.user + cpu.system) / 1000 / (t1 - t0),
    gcDuringRun: gc,
    heapGrowthBytes: heapAfter - heapBefore,
    warmupSeconds: warm,
    errors: r.errors(),
  };
}

function fmtM(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`;
}

function printRow(r: DecodeSummaryRow): void {
  const per = r.unit === 'records' ? 'record' : 'sample';
  const b = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
  const alloc = `${b(r.bytesPerUnit)} B/${per} (${r.bytesPerDatagram === null ? 'n/a' : r.bytesPerDatagram.toFixed(0)} B/dgram; max over runs ${b(r.maxBytesPerUnit)} B/${per})`;
  console.log(
    `  ${r.name.padEnd(13)} ${fmtM(r.unitsPerSecond).padStart(7)} ${r.unit}/s (median of ${r.runs}; ${fmtM(r.minUnitsPerSecond)}..${fmtM(r.maxUnitsPerSecond)})  ${fmtM(r.datagramsPerSecond).padStart(6)} dgrams/s  ` +
      `${r.avgDatagramBytes} B avg  alloc ${alloc}  GC per ${r.seconds.toFixed(1)} s run: <= ${r.maxGc.minor} minor, ${r.maxGc.major} major` +
      `  other load <= ${r.maxOtherCores === null ? '?' : r.maxOtherCores.toFixed(2)} cores, speed index ${r.minSpeedIndex.toFixed(0)}..${r.maxSpeedIndex.toFixed(0)}${r.errors > 0 ? `  ERRORS ${r.errors}` : ''}  - ${r.label}`,
  );
}

/** Child mode: one target, one result line. */
async function child(name: string): Promise<void> {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new Error(`unknown decode target ${name}`);
  const r = await runTarget(t);
  obs.disconnect();
  console.log(`@result ${JSON.stringify(r)}`);
}

async function runChild(self: string, t: Target): Promise<DecodeResult | null> {
  await waitForQuiet(0.2, 3);
  const speed = speedIndex();
  const c0 = cpuTimes();
  const p = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', self, '--child', t.name, '--seconds', String(SECONDS)], {
    encoding: 'utf8',
    timeout: (SECONDS + 60) * 1000,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const m = machineCpu(c0, cpuTimes());
  const line = (p.stdout ?? '').split('\n').find((l) => l.startsWith('@result '));
  if (p.status !== 0 || line === undefined) {
    console.log(`  ${t.name.padEnd(13)} FAILED (exit ${p.status ?? p.signal})`);
    return null;
  }
  const r = JSON.parse(line.slice('@result '.length)) as DecodeResult;
  // The child is busy (one core) for about its timed run plus set-up; count what is left.
  r.otherCores = otherCores(m, 1);
  r.speedIndex = speed;
  return r;
}

async function main(): Promise<void> {
  const childTarget = argValue('child');
  if (childTarget !== undefined) return child(childTarget);
  obs.disconnect();
  const only = argValue('only')?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = (only ?? []).filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown decode target(s) ${unknown.join(', ')} (${TARGETS.map((t) => t.name).join(', ')})`);
  const targets = only ? TARGETS.filter((t) => only.includes(t.name)) : TARGETS;
  console.log(`decode: one core; per decoder ${REPEAT} fresh processes x ${SECONDS} s (each after ${WARMUP_MIN_SECONDS}-${WARMUP_MAX_SECONDS} s of warm-up, until the JIT settles); ${describeMachine()}`);
  console.log('  (speed index: machine.speedIndex(), million xorshift rounds/s just before each process: how fast the VM was at that moment)');
  const self = fileURLToPath(import.meta.url);
  const rows: DecodeSummaryRow[] = [];
  for (const t of targets) {
    const runs: DecodeResult[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const r = await runChild(self, t);
      if (r) runs.push(r);
    }
    if (runs.length === 0) {
      process.exitCode = 1;
      continue;
    }
    runs.sort((a, b) => a.unitsPerSecond - b.unitsPerSecond);
    const median = runs[Math.floor((runs.length - 1) / 2)]!;
    const bpu = runs.map((r) => r.bytesPerUnit);
    const row: DecodeSummaryRow = {
      ...median,
      runs: runs.length,
      minUnitsPerSecond: runs[0]!.unitsPerSecond,
      maxUnitsPerSecond: runs[runs.length - 1]!.unitsPerSecond,
      maxBytesPerUnit: bpu.some((b) => b === null) ? null : Math.max(...(bpu as number[])),
      maxGc: { minor: Math.max(...runs.map((r) => r.gcDuringRun.minor)), major: Math.max(...runs.map((r) => r.gcDuringRun.major)) },
      maxOtherCores: runs.some((r) => r.otherCores == null) ? null : Math.max(...runs.map((r) => r.otherCores!)),
      minSpeedIndex: Math.min(...runs.map((r) => r.speedIndex ?? 0)),
      maxSpeedIndex: Math.max(...runs.map((r) => r.speedIndex ?? 0)),
    };
    rows.push(row);
    printRow(row);
  }
  console.log(`@summary ${JSON.stringify({ bench: 'decode', node: process.version, seconds: SECONDS, repeat: REPEAT, results: rows })}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
