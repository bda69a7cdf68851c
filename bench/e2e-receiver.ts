/**
 * The receiving side of the end-to-end ingest benchmark, started by bench/e2e-udp.ts as a child
 * process so that nothing the orchestrator does (spawning the sender, waiting, printing) ever
 * runs on the collector's event loop. It talks to its parent over the IPC channel only:
 *
 *   child → parent  { type: 'ready', ports: { sflow, netflow }, receiveBuffer }
 *   parent → child  { type: 'stats' }   child → parent  { type: 'stats', ...ReceiverStats }
 *   parent → child  { type: 'stop' }    (the child stops its collector and exits)
 *
 * Designs:
 * - `daemon`: the real Daemon (src/daemon.ts): config, state DB in a temp dir, listeners,
 *   Ingest, decoders, a CountingSink as the sample sink. One event loop does everything.
 * - `daemon-full`: the same Daemon with its real sample consumer: traffic accounting for the
 *   dataset's networks (10.0.0.0/8, 2001:db8::/32) and the detector ticking every second, with
 *   thresholds out of reach (steady state, no attacks). What a production collector does per
 *   datagram in peacetime.
 * - `daemon-storm`: `daemon-full` with the default thresholds: the replayed load makes thousands
 *   of hosts attacks at once (carpet bombing), with their fingerprints, mitigation decisions
 *   (no BGP speaker: decided and recorded) and SQLite writes on the same event loop.
 * - `decode-worker`: the prototype in bench/worker-ingest.ts: the main thread receives and
 *   copies into a shared ring, a worker thread decodes.
 * - `recv-only`: a bare dgram socket that only counts datagrams: the ceiling of what Node's
 *   receive path delivers on this machine, whatever the collector does with the datagrams.
 *
 *   node dist/bench/e2e-receiver.js --design daemon|decode-worker|recv-only --receive-buffer 33554432
 */
import dgram from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../src/config/schema.js';
import { Daemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { CountingSink } from '../src/flow/sample-record.js';
import { readSocketDrops } from '../src/flow/socket-drops.js';
import { DecodeWorkerCollector } from './worker-ingest.js';

export type ReceiverDesign = 'daemon' | 'daemon-full' | 'daemon-storm' | 'decode-worker' | 'recv-only';
export const RECEIVER_DESIGNS: readonly ReceiverDesign[] = ['daemon', 'daemon-full', 'daemon-storm', 'decode-worker', 'recv-only'];

export interface ReceiverStats {
  /** Datagrams the collector took off its sockets. */
  received: number;
  /** Datagrams that went through Ingest (allow-list, counting, decoding). */
  datagrams: number;
  samples: number;
  errors: number;
  internalErrors: number;
  /** Datagrams dropped inside the process (decode-worker ring full); 0 for the daemon. */
  internalDrops: number;
  /** Kernel drops of the collector's sockets since they were opened (/proc/net/udp). */
  kernelDrops: number | null;
  /** CPU seconds (user + system, all threads) of the receiver process so far. */
  cpuSeconds: number;
  /** CPU seconds of the main thread, and of the busiest other thread (a worker), from /proc/self/task. */
  mainThreadCpuSeconds: number | null;
  busiestOtherThreadCpuSeconds: number | null;
}

interface Receiver {
  ports(): { sflow: number; netflow: number };
  receiveBuffer(): number;
  stats(): ReceiverStats;
  stop(): Promise<void>;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

function cpuSeconds(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Per-thread CPU from /proc/self/task/<tid>/stat (utime + stime, fields 14 and 15). */
function threadCpu(): { main: number | null; other: number | null } {
  try {
    let main: number | null = null;
    let other: number | null = null;
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const secs = (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
      if (Number(tid) === process.pid) main = secs;
      else other = Math.max(other ?? 0, secs);
    }
    return { main, other };
  } catch {
    return { main: null, other: null };
  }
}

function withCpu(s: Omit<ReceiverStats, 'cpuSeconds' | 'mainThreadCpuSeconds' | 'busiestOtherThreadCpuSeconds'>): ReceiverStats {
  const t = threadCpu();
  return { ...s, cpuSeconds: cpuSeconds(), mainThreadCpuSeconds: t.main, busiestOtherThreadCpuSeconds: t.other };
}

async function startDaemon(receiveBuffer: number, mode: 'ingest' | 'full' | 'storm' = 'ingest'): Promise<Receiver> {
  const full = mode !== 'ingest';
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-'));
  const config = configSchema.parse({
    logging: { level: 'warn' },
    state: { path: join(dir, 'state.db'), save_interval_seconds: 3600 },
    api: { enabled: false },
    collectors: {
      listeners: [
        { protocol: 'sflow', address: '127.0.0.1', port: 0 },
        { protocol: 'netflow', address: '127.0.0.1', port: 0 },
      ],
      receive_buffer: receiveBuffer,
      allow_exporters: ['127.0.0.0/8'],
      log_interval_seconds: 0,
    },
    // The load replays a few hundred datagrams thousands of times a second, so every host would
    // look like a flood: thresholds out of reach keep this a measure of steady-state counting
    // (accounting + the 1 s detection tick), not of an attack storm.
    ...(full
      ? {
          traffic: { networks: ['10.0.0.0/8', '2001:db8::/32'] },
          ...(mode === 'full' ? { detection: { thresholds: { incoming: { pps: 1e12, mbps: 1e12 }, outgoing: { pps: 1e12, mbps: 1e12 } } } } : {}),
        }
      : {}),
  });
  const sink = full ? undefined : new CountingSink();
  // Errors only: the daemon's start-up notes (no monitored networks, no BGP speakers) are noise
  // here, and the one warning that matters, a receive buffer capped by net.core.rmem_max, is
  // reported by the orchestrator from the granted size this process sends back.
  const d = new Daemon(config, { logger: createLogger('error'), sink });
  await d.start();
  const [sflow, netflow] = d.listener.ports();
  return {
    ports: () => ({ sflow: sflow!, netflow: netflow! }),
    receiveBuffer: () => Math.min(...d.listener.status().map((s) => s.actualReceiveBuffer)),
    stats: () => {
      const t = d.ingest.totals;
      const st = d.listener.status();
      let kd: number | null = 0;
      for (const s of st) kd = s.kernelDrops === null || kd === null ? null : kd + s.kernelDrops;
      let errors = 0;
      for (const v of t.errors.values()) errors += v;
      return withCpu({
        received: st.reduce((a, s) => a + s.datagrams, 0),
        datagrams: t.datagrams,
        samples: t.samples,
        errors,
        internalErrors: t.internalErrors,
        internalDrops: 0,
        kernelDrops: kd,
      });
    },
    stop: async () => {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startDecodeWorker(receiveBuffer: number): Promise<Receiver> {
  const c = new DecodeWorkerCollector(
    [
      { protocol: 'sflow', address: '127.0.0.1', port: 0 },
      { protocol: 'netflow', address: '127.0.0.1', port: 0 },
    ],
    receiveBuffer,
  );
  const [sflow, netflow] = await c.start();
  return {
    ports: () => ({ sflow: sflow!, netflow: netflow! }),
    receiveBuffer: () => c.actualReceiveBuffer,
    stats: () => {
      const s = c.stats();
      return withCpu({ received: s.received, datagrams: s.datagrams, samples: s.samples, errors: s.errors, internalErrors: s.internalErrors, internalDrops: s.ringDrops, kernelDrops: s.kernelDrops });
    },
    stop: () => c.stop(),
  };
}

/** Samples per datagram of the bench datasets, so recv-only can report "samples" comparably. */
const UNITS = { sflow: 7, netflow: 24 };

async function startRecvOnly(receiveBuffer: number): Promise<Receiver> {
  const socks: { s: dgram.Socket; port: number; n: number; drops0: number; units: number }[] = [];
  for (const proto of ['sflow', 'netflow'] as const) {
    const s = dgram.createSocket('udp4');
    const entry = { s, port: 0, n: 0, drops0: 0, units: UNITS[proto] };
    s.on('message', () => {
      entry.n++;
    });
    await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
    s.setRecvBufferSize(receiveBuffer);
    entry.port = s.address().port;
    entry.drops0 = readSocketDrops([{ port: entry.port, family: 4 }])[0] ?? 0;
    socks.push(entry);
  }
  return {
    ports: () => ({ sflow: socks[0]!.port, netflow: socks[1]!.port }),
    receiveBuffer: () => Math.floor(socks[0]!.s.getRecvBufferSize() / 2),
    stats: () => {
      const drops = readSocketDrops(socks.map((x) => ({ port: x.port, family: 4 as const })));
      let kd: number | null = 0;
      drops.forEach((d, i) => {
        kd = d === null || kd === null ? null : kd + d - socks[i]!.drops0;
      });
      const n = socks.reduce((a, x) => a + x.n, 0);
      return withCpu({ received: n, datagrams: n, samples: socks.reduce((a, x) => a + x.n * x.units, 0), errors: 0, internalErrors: 0, internalDrops: 0, kernelDrops: kd });
    },
    stop: async () => {
      for (const x of socks) x.s.close();
    },
  };
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('e2e-receiver runs as a child of bench/e2e-udp.js (IPC channel needed)');
  const design = arg('design', 'daemon') as ReceiverDesign;
  if (!RECEIVER_DESIGNS.includes(design)) throw new Error(`unknown design ${design} (${RECEIVER_DESIGNS.join(', ')})`);
  const receiveBuffer = Number(arg('receive-buffer', String(32 * 1024 * 1024)));
  const r = design === 'daemon' ? await startDaemon(receiveBuffer) : design === 'daemon-full' ? await startDaemon(receiveBuffer, 'full') : design === 'daemon-storm' ? await startDaemon(receiveBuffer, 'storm') : design === 'decode-worker' ? await startDecodeWorker(receiveBuffer) : await startRecvOnly(receiveBuffer);
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'stats') {
      process.send!({ type: 'stats', ...r.stats() });
    } else if (m.type === 'stop') {
      void r.stop().finally(() => process.disconnect());
    }
  });
  // If the parent dies, do not linger.
  process.on('disconnect', () => {
    void r.stop().finally(() => process.exit(0));
  });
  process.send({ type: 'ready', ports: r.ports(), receiveBuffer: r.receiveBuffer() });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
