/**
 * What the benchmarks need to know about the machine they run on: its description (for
 * docs/performance.md), and how busy it is with OTHER work. The benchmark machine is small and
 * shared, so every figure is printed with the load it was measured under, and a benchmark waits
 * (bounded) for a quiet moment before a measurement that other load would distort.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryGiB: number;
  kernel: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return { cpus: cpus().length, model, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, kernel: release(), node: process.version };
}

export function describeMachine(): string {
  const m = machineInfo();
  return `${m.cpus} x ${m.model}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
}

/** Machine-wide CPU time from the first line of /proc/stat (jiffies). */
export interface CpuTimes {
  busy: number;
  softirq: number;
  idle: number;
  steal: number;
  total: number;
}

export function cpuTimes(): CpuTimes | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (proc(5))
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    return { busy: user + nice + system + irq + softirq, softirq, idle: idle + iowait, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}

/** Shares of the whole machine's CPU time between two readings (all CPUs together = 1). */
export interface MachineCpu {
  busy: number;
  softirq: number;
  idle: number;
  steal: number;
}

export function machineCpu(a: CpuTimes | null, b: CpuTimes | null): MachineCpu | null {
  if (a === null || b === null || b.total <= a.total) return null;
  const t = b.total - a.total;
  return { busy: (b.busy - a.busy) / t, softirq: (b.softirq - a.softirq) / t, idle: (b.idle - a.idle) / t, steal: (b.steal - a.steal) / t };
}

/** CPU time (in cores) used by processes other than the ones we account for, from machine busy share. */
export function otherCores(m: MachineCpu | null, ownCores: number): number | null {
  if (m === null) return null;
  return Math.max(0, (m.busy - m.softirq) * cpus().length - ownCores);
}

/**
 * Waits until the machine is quiet (busy under `maxBusyCores` cores over a 0.5 s window), for
 * at most `maxWaitSeconds`. Returns the busy cores of the last window (null without /proc).
 */
export async function waitForQuiet(maxBusyCores = 0.2, maxWaitSeconds = 20): Promise<{ busyCores: number | null; waitedSeconds: number }> {
  const start = Date.now();
  let busy: number | null = null;
  while (Date.now() - start < maxWaitSeconds * 1000) {
    const a = cpuTimes();
    await sleep(500);
    const m = machineCpu(a, cpuTimes());
    if (m === null) return { busyCores: null, waitedSeconds: 0 };
    busy = m.busy * cpus().length;
    if (busy <= maxBusyCores) break;
  }
  return { busyCores: busy, waitedSeconds: (Date.now() - start) / 1000 };
}

/**
 * A fixed CPU workload (xorshift rounds, no memory traffic), in million rounds per second on
 * this thread. The benchmark VM's speed drifts by up to 2x over minutes with what its host runs,
 * invisibly to the guest (no steal time is reported); printing this beside a figure shows
 * whether a slow figure was a slow moment.
 */
export function speedIndex(ms = 200): number {
  let x = 1;
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 100_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
    }
    n += 100_000;
    t = performance.now();
  }
  // Use x so the loop cannot be removed.
  return x === 0.5 ? 0 : n / (t - t0) / 1000;
}
