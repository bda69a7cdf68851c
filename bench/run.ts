/**
 * `npm run bench`: runs every benchmark, each in its own child process (so one benchmark's heap
 * and JIT state never colour the next), streams their output, and ends with a summary.
 *
 *   node dist/bench/run.js [decode] [e2e] [traffic] [detection] [options]
 *
 * With no names, all of them run (traffic and detection only when their scripts are built).
 * Options:
 *   --decode-seconds N  decode: seconds per child process (default 1)
 *   --repeat N          decode: child processes per decoder (default 5; the median is reported)
 *   --step-seconds N    e2e: seconds per rate step (default 4)
 *   --designs a,b       e2e collector designs: daemon, decode-worker, recv-only (default daemon,decode-worker)
 *   --protocols a,b     e2e protocols: netflow9, sflow (default both)
 *   --rates a,b,...     e2e rate ladder, datagrams/s (default 25k..250k)
 *   --json FILE         also write every benchmark's machine-readable summary to FILE
 *
 * Benchmarks print figures; nothing here asserts a speed. Docs: docs/performance.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describeMachine } from './machine.js';

const HERE = dirname(fileURLToPath(import.meta.url));

interface BenchDef {
  name: string;
  script: string;
  /** Built by someone else and optional: skipped (with a note) when not in dist/. */
  optional: boolean;
  /** Hard time limit for the child, seconds. */
  timeoutSeconds: number;
  args: (opts: Options) => string[];
}

interface Options {
  decodeSeconds?: string;
  repeat?: string;
  stepSeconds?: string;
  designs?: string;
  protocols?: string;
  rates?: string;
}

const BENCHES: BenchDef[] = [
  {
    name: 'decode',
    script: 'decode-bench.js',
    optional: false,
    timeoutSeconds: 300,
    args: (o) => [...(o.decodeSeconds ? ['--seconds', o.decodeSeconds] : []), ...(o.repeat ? ['--repeat', o.repeat] : [])],
  },
  {
    name: 'e2e',
    script: 'e2e-udp.js',
    optional: false,
    timeoutSeconds: 1800,
    args: (o) => [
      '--designs', o.designs ?? 'daemon,daemon-full,decode-worker',
      ...(o.stepSeconds ? ['--seconds', o.stepSeconds] : []),
      ...(o.protocols ? ['--protocols', o.protocols] : []),
      ...(o.rates ? ['--rates', o.rates] : []),
    ],
  },
  { name: 'traffic', script: 'traffic-bench.js', optional: true, timeoutSeconds: 900, args: () => [] },
  { name: 'detection', script: 'detection-bench.js', optional: true, timeoutSeconds: 900, args: () => [] },
  { name: 'mitigation-latency', script: 'mitigation-latency.js', optional: true, timeoutSeconds: 600, args: () => [] },
  { name: 'replay', script: 'replay-bench.js', optional: true, timeoutSeconds: 900, args: () => [] },
  { name: 'packet-capture', script: 'packet-capture-bench.js', optional: true, timeoutSeconds: 900, args: () => [] },
];

/** The comparison bar from issue 2: FastNetMon (C++), 8 MiB buffer, this same 2-core machine. */
const FASTNETMON_BAR: Record<string, { datagrams: number; perDatagram: number; unit: string }> = {
  netflow9: { datagrams: 100_000, perDatagram: 24, unit: 'records' },
  sflow: { datagrams: 200_000, perDatagram: 7, unit: 'samples' },
};

interface RunOutcome {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
  summary: unknown;
}

function parseArgs(argv: string[]): { names: string[]; opts: Options; json?: string } {
  const names: string[] = [];
  const opts: Options = {};
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--decode-seconds') opts.decodeSeconds = next();
    else if (a === '--repeat') opts.repeat = next();
    else if (a === '--step-seconds') opts.stepSeconds = next();
    else if (a === '--designs') opts.designs = next();
    else if (a === '--protocols') opts.protocols = next();
    else if (a === '--rates') opts.rates = next();
    else if (a === '--json') json = next();
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else if (BENCHES.some((b) => b.name === a)) names.push(a);
    else throw new Error(`unknown benchmark '${a}' (${BENCHES.map((b) => b.name).join(', ')})`);
  }
  return { names, opts, json };
}

function runChild(b: BenchDef, opts: Options): Promise<RunOutcome> {
  const script = join(HERE, b.script);
  if (!existsSync(script)) {
    return Promise.resolve({ name: b.name, status: b.optional ? 'skipped' : 'failed', detail: `${script} not built`, summary: null });
  }
  const args = ['--expose-gc', script, ...b.args(opts)];
  console.log(`\n=== ${b.name}: node ${args.map((a) => (a.startsWith('/') ? a.replace(`${dirname(dirname(HERE))}/`, '') : a)).join(' ')}`);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let summary: unknown = null;
    const rl = createInterface({ input: p.stdout });
    rl.on('line', (line) => {
      if (line.startsWith('@summary ')) {
        try {
          summary = JSON.parse(line.slice('@summary '.length));
        } catch {
          console.log('(unreadable summary line)');
        }
      } else {
        console.log(line);
      }
    });
    const t0 = Date.now();
    const killer = setTimeout(() => {
      console.log(`(${b.name} exceeded ${b.timeoutSeconds} s: stopping it)`);
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 5000).unref();
    }, b.timeoutSeconds * 1000);
    p.on('exit', (code, signal) => {
      clearTimeout(killer);
      const secs = ((Date.now() - t0) / 1000).toFixed(0);
      resolve({ name: b.name, status: code === 0 ? 'ok' : 'failed', detail: code === 0 ? `${secs} s` : `exit ${code ?? signal} after ${secs} s`, summary });
    });
  });
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(Math.round(n));
}

interface DecodeSummary {
  results: {
    name: string;
    unit: string;
    runs: number;
    unitsPerSecond: number;
    minUnitsPerSecond: number;
    maxUnitsPerSecond: number;
    bytesPerUnit: number | null;
    maxBytesPerUnit: number | null;
    bytesPerDatagram: number | null;
    maxGc: { minor: number; major: number };
  }[];
}

interface E2eSummary {
  best: { design: string; protocol: string; bestRate: number | null }[];
}

function printSummary(outcomes: RunOutcome[]): void {
  console.log('\n=== summary');
  console.log(`machine: ${describeMachine()}`);
  for (const o of outcomes) {
    console.log(`${o.name}: ${o.status} (${o.detail})`);
    if (o.name === 'decode' && o.summary) {
      for (const r of (o.summary as DecodeSummary).results) {
        const per = r.unit === 'records' ? 'record' : 'sample';
        const b = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
        const alloc = `${b(r.bytesPerUnit)} B/${per} (${r.bytesPerDatagram === null ? 'n/a' : r.bytesPerDatagram.toFixed(0)} B/datagram; max over runs ${b(r.maxBytesPerUnit)})`;
        console.log(
          `  ${r.name.padEnd(13)} ${fmt(r.unitsPerSecond).padStart(7)} ${r.unit}/s (median of ${r.runs} processes, ${fmt(r.minUnitsPerSecond)}..${fmt(r.maxUnitsPerSecond)})  allocated ${alloc}, GC per run <= ${r.maxGc.minor} minor / ${r.maxGc.major} major`,
        );
      }
      const get = (n: string) => (o.summary as DecodeSummary).results.find((r) => r.name === n);
      const v9 = get('v9');
      const ipfix = get('ipfix');
      const sflow = get('sflow');
      if (v9 && ipfix && sflow) {
        console.log(`  targets: >= 5M v9/IPFIX records/s: v9 ${fmt(v9.unitsPerSecond)}, IPFIX ${fmt(ipfix.unitsPerSecond)}; >= 2M sFlow samples/s: ${fmt(sflow.unitsPerSecond)}`);
      }
    }
    if (o.name === 'e2e' && o.summary) {
      for (const b of (o.summary as E2eSummary).best) {
        const bar = FASTNETMON_BAR[b.protocol];
        const mine = b.bestRate === null ? 'none lossless' : `${fmt(b.bestRate)} datagrams/s (${fmt(b.bestRate * (bar?.perDatagram ?? 1))} ${bar?.unit ?? 'units'}/s)`;
        console.log(`  ${b.design.padEnd(13)} ${b.protocol.padEnd(9)} highest rate with < 0.1% loss: ${mine}; FastNetMon bar ${bar ? `${fmt(bar.datagrams)} datagrams/s` : '?'}`);
      }
    }
  }
}

async function main(): Promise<void> {
  const { names, opts, json } = parseArgs(process.argv.slice(2));
  const selected = names.length === 0 ? BENCHES : BENCHES.filter((b) => names.includes(b.name));
  console.log(`breakwater benchmarks: ${selected.map((b) => b.name).join(', ')}`);
  console.log(`machine: ${describeMachine()}`);
  const outcomes: RunOutcome[] = [];
  for (const b of selected) outcomes.push(await runChild(b, opts));
  printSummary(outcomes);
  if (json) {
    writeFileSync(json, JSON.stringify({ machine: describeMachine(), at: new Date().toISOString(), outcomes }, null, 2));
    console.log(`summaries written to ${json}`);
  }
  if (outcomes.some((o) => o.status === 'failed')) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
