/**
 * Traffic accounting benchmark: samples counted per second on one core (TrafficCounter.sample
 * with direction lookup, sampling multiplication, host table, flow sketch), for a few traffic
 * mixes; and memory per active host with the host table filled.
 *
 *   node dist/bench/traffic-bench.js [--seconds 2] [--hosts 1000000]
 *
 * Sample mixes draw local hosts at random from 100,000 (or 1,000,000) addresses; the host count
 * each run reached is printed with it.
 *
 * Prints one line per figure. Not a test: nothing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FlowSample, SampleSource, TcpFlag } from '../src/flow/sample.js';
import { trafficConfigSchema } from '../src/traffic/config.js';
import { NetworkSets } from '../src/traffic/networks.js';
import { TrafficCounter } from '../src/traffic/traffic-counter.js';
import { rng } from './datasets.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const SECONDS = arg('seconds', 2);
const HOSTS = arg('hosts', 1_000_000);


interface Mix {
  name: string;
  v6: number;
  netflow: number;
  localHosts: number;
  networks: string[];
}

/** Prebuilt samples (a decoder refills one object; here we rotate through many to defeat caching). */
function makeSamples(mix: Mix, count: number): FlowSample[] {
  const r = rng(42);
  const out: FlowSample[] = [];
  for (let i = 0; i < count; i++) {
    const s = new FlowSample();
    const v6 = r() % 1000 < mix.v6 * 1000;
    const nf = r() % 1000 < mix.netflow * 1000;
    s.reset(nf ? SampleSource.NETFLOW_V9 : SampleSource.SFLOW);
    const host = r() % mix.localHosts;
    const incoming = r() % 4 !== 0;
    if (!v6) {
      s.ipVersion = 4;
      const local = (0x0a000000 | host) >>> 0; // 10.0.0.0/8
      const remote = (0xc6000000 | (r() & 0xffffff)) >>> 0;
      s.srcV4 = incoming ? remote : local;
      s.dstV4 = incoming ? local : remote;
    } else {
      s.ipVersion = 6;
      const local = s.dstAddr;
      const remote = s.srcAddr;
      local.set([0x20, 0x01, 0x0d, 0xb8]);
      local[12] = host >>> 24;
      local[13] = (host >>> 16) & 255;
      local[14] = (host >>> 8) & 255;
      local[15] = host & 255;
      remote.set([0x2a, 0x00, 1, 2]);
      for (let b = 8; b < 16; b++) remote[b] = r() & 255;
      if (!incoming) {
        const tmp = new Uint8Array(s.srcAddr);
        s.srcAddr.set(s.dstAddr);
        s.dstAddr.set(tmp);
      }
    }
    const p = r() % 10;
    s.protocol = p < 6 ? 6 : p < 9 ? 17 : 1;
    s.tcpFlags = s.protocol === 6 ? (p === 0 ? TcpFlag.SYN : TcpFlag.ACK) : 0;
    s.srcPort = r() & 0xffff;
    s.dstPort = p < 6 ? 443 : 53;
    s.packets = nf ? 1 + (r() % 50) : 1;
    s.bytes = s.packets * (64 + (r() % 1400));
    s.samplingRate = nf ? 1 : 1000;
    s.isFragment = r() % 100 === 0;
    if (nf) {
      s.startMs = 1_000_000;
      s.endMs = 1_000_000 + (r() % 4 === 0 ? 1000 + (r() % 30_000) : r() % 1000);
    }
    out.push(s);
  }
  return out;
}

function countingRate(mix: Mix): void {
  const cfg = trafficConfigSchema.parse({ networks: mix.networks, host_table: { max_hosts: Math.max(mix.localHosts * 2, 1024) } });
  const tc = new TrafficCounter(cfg, { networks: NetworkSets.fromConfig(cfg) }, 1);
  const samples = makeSamples(mix, 65536);
  const mask = samples.length - 1;
  let now = 0;
  tc.tick(now);
  // Warm up (JIT, host table population).
  for (let i = 0; i < 2_000_000; i++) tc.sample(samples[i & mask]);
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(SECONDS * 1e9));
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 200_000; i++) tc.sample(samples[(n + i) & mask]);
    n += 200_000;
    // Close a second now and then, as the daemon does, so spread credits and purges are part of the cost.
    if ((n & 0xfffff) < 200_000) tc.tick((now += 1000));
    t = process.hrtime.bigint();
  }
  const secs = Number(t - t0) / 1e9;
  console.log(
    `traffic.count ${mix.name}: ${(n / secs / 1e6).toFixed(2)} M samples/s (${((secs * 1e9) / n).toFixed(0)} ns/sample; ${tc.table.count} hosts, ${tc.stats.spreadRecords} spread records)`,
  );
}

function mb(b: number): string {
  return `${(b / 1048576).toFixed(1)} MiB`;
}

function memoryPerHost(): void {
  const g = globalThis as { gc?: () => void };
  g.gc?.();
  const before = process.memoryUsage();
  const cfg = trafficConfigSchema.parse({ networks: ['10.0.0.0/8'], host_table: { max_hosts: HOSTS } });
  const tc = new TrafficCounter(cfg, { networks: NetworkSets.fromConfig(cfg) }, 1);
  const s = new FlowSample();
  s.reset(SampleSource.SFLOW);
  s.ipVersion = 4;
  s.protocol = 17;
  s.packets = 1;
  s.bytes = 100;
  s.samplingRate = 1000;
  s.srcV4 = 0xc6336401;
  for (let h = 0; h < HOSTS; h++) {
    s.dstV4 = (0x0a000000 | h) >>> 0;
    s.srcPort = h & 0xffff;
    tc.sample(s);
    s.srcV4 = 0x0a000000 | h;
    s.dstV4 = 0xc6336401;
    tc.sample(s);
    s.srcV4 = 0xc6336401;
  }
  tc.tick(1000);
  g.gc?.();
  const after = process.memoryUsage();
  const rss = after.rss - before.rss;
  console.log(`traffic.memory: ${tc.table.count} hosts; table typed arrays ${tc.table.bytesPerSlot().toFixed(0)} B/slot (${mb(tc.table.allocatedBytes())} allocated for ${HOSTS} slots)`);
  console.log(`traffic.memory: RSS +${mb(rss)} = ${(rss / HOSTS).toFixed(0)} B/host; process RSS ${mb(after.rss)}, heapUsed ${mb(after.heapUsed)}, arrayBuffers ${mb(after.arrayBuffers)}`);
}

if (process.argv.includes('--memory-child')) {
  memoryPerHost();
} else {
  console.log(`node ${process.version}, ${process.arch}`);
  countingRate({ name: 'sflow ipv4, 100k hosts', v6: 0, netflow: 0, localHosts: 100_000, networks: ['10.0.0.0/8'] });
  countingRate({ name: 'sflow ipv6, 100k hosts', v6: 1, netflow: 0, localHosts: 100_000, networks: ['2001:db8::/32'] });
  countingRate({ name: 'mixed v4/v6 sflow+netflow (25% spread), 100k hosts', v6: 0.3, netflow: 0.5, localHosts: 100_000, networks: ['10.0.0.0/8', '2001:db8::/32'] });
  countingRate({ name: 'sflow ipv4, 1M hosts, 1000 networks', v6: 0, netflow: 0, localHosts: 1_000_000, networks: Array.from({ length: 1000 }, (_, i) => `10.${i >> 4}.${(i & 15) << 4}.0/20`) });
  // Memory in a fresh process: RSS deltas in this one would reuse pages freed by the runs above.
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory-child', '--hosts', String(HOSTS)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
