/**
 * Detection benchmark: time of one detector tick (closing the second for every host: rates,
 * averages, thresholds, history, clearing counters) with 100,000 and 1,000,000 active hosts
 * (every host had traffic in the second, the worst case), and with the same hosts idle; plus
 * process memory per active host with traffic accounting and detection together.
 *
 *   node dist/bench/detection-bench.js [--ticks 5] [--sizes 100000,1000000]
 *
 * Not a test: nothing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FlowSample, SampleSource } from '../src/flow/sample.js';
import { detectionConfigSchema } from '../src/detection/config.js';
import { Detector } from '../src/detection/detector.js';
import { trafficConfigSchema } from '../src/traffic/config.js';
import { NetworkSets } from '../src/traffic/networks.js';
import { TrafficCounter } from '../src/traffic/traffic-counter.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

const TICKS = Number(arg('ticks', '5'));
const SIZES = arg('sizes', '100000,1000000').split(',').map(Number);

function mb(b: number): string {
  return `${(b / 1048576).toFixed(1)} MiB`;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function run(hosts: number, allThresholds: boolean): void {
  gc();
  const before = process.memoryUsage();
  const tcfg = trafficConfigSchema.parse({ networks: ['10.0.0.0/8'], host_table: { max_hosts: hosts } });
  const traffic = new TrafficCounter(tcfg, { networks: NetworkSets.fromConfig(tcfg) }, 1);
  // Either the default thresholds (pps and mbps per direction) or all 13 metrics switched on, so
  // every comparison is made; none is reached.
  const all = { pps: 1e9, mbps: 1e6, flows: 1e9, tcp_pps: 1e9, tcp_mbps: 1e6, syn_pps: 1e9, syn_mbps: 1e6, udp_pps: 1e9, udp_mbps: 1e6, icmp_pps: 1e9, icmp_mbps: 1e6, fragments_pps: 1e9, fragments_mbps: 1e6 };
  const on = allThresholds ? all : { pps: 1e9, mbps: 1e6 };
  const det = new Detector(detectionConfigSchema.parse({ thresholds: { incoming: on, outgoing: on }, groups: { g1: { prefixes: ['10.1.0.0/16'] }, g2: { prefixes: ['10.2.0.0/16'] } } }), { traffic });
  const s = new FlowSample();
  s.reset(SampleSource.SFLOW);
  s.ipVersion = 4;
  s.protocol = 17;
  s.packets = 1;
  s.bytes = 500;
  s.samplingRate = 1000;
  // Every host has traffic in both directions every second: the worst case for the tick.
  const feed = () => {
    for (let h = 0; h < hosts; h++) {
      const local = (0x0a000000 | h) >>> 0;
      const remote = 0xc6336401 + (h & 255);
      s.srcV4 = remote;
      s.dstV4 = local;
      s.srcPort = h & 0xffff;
      traffic.sample(s);
      s.srcV4 = local;
      s.dstV4 = remote;
      traffic.sample(s);
    }
  };
  let now = 0;
  det.tick(now);
  const busy: number[] = [];
  for (let i = 0; i < TICKS + 1; i++) {
    feed();
    const t0 = process.hrtime.bigint();
    det.tick((now += 1000));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) busy.push(ms); // the first tick also assigns every host its group
  }
  gc();
  const mem = process.memoryUsage();
  const idle: number[] = [];
  for (let i = 0; i < TICKS; i++) {
    const t0 = process.hrtime.bigint();
    det.tick((now += 1000));
    idle.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const rss = mem.rss - before.rss;
  console.log(
    `detection.tick ${hosts} active hosts, ${allThresholds ? 'all 13' : 'default (pps, mbps)'} thresholds per direction: median ${median(busy).toFixed(1)} ms, max ${Math.max(...busy).toFixed(1)} ms; same hosts idle: median ${median(idle).toFixed(1)} ms`,
  );
  console.log(
    `detection.memory ${hosts} hosts: RSS +${mb(rss)} = ${(rss / hosts).toFixed(0)} B/host (typed arrays: traffic ${traffic.table.bytesPerSlot().toFixed(0)} + detector ${det.bytesPerSlot()} B/slot, ${det.averaged.length} averaged metrics); process RSS ${mb(mem.rss)}, heapUsed ${mb(mem.heapUsed)}, arrayBuffers ${mb(mem.arrayBuffers)}`,
  );
}

const child = process.argv.indexOf('--child');
if (child >= 0) {
  run(Number(process.argv[child + 1]), process.argv.includes('--all-thresholds'));
} else {
  console.log(`node ${process.version}, ${process.arch}`);
  // One fresh process per size, so memory figures are not flattered by pages freed earlier.
  for (const n of SIZES) {
    for (const all of [false, true]) {
      const args = ['--expose-gc', fileURLToPath(import.meta.url), '--child', String(n), '--ticks', String(TICKS), ...(all ? ['--all-thresholds'] : [])];
      const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
      if (r.status !== 0) process.exitCode = 1;
    }
  }
}
