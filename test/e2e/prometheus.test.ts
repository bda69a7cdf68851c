/**
 * A real Prometheus (Debian `prometheus`, /usr/bin/prometheus) scrapes a real daemon's metrics.
 * The daemon listens for sFlow on an ephemeral loopback port and is fed flowgen datagrams over
 * UDP; Prometheus scrapes the daemon's own /metrics on its API port (ephemeral here), every second, with its storage in a temp dir; the test waits (bounded) until its HTTP
 * API reports the target up and the breakwater_ series with the values the daemon counted, then
 * stops it by PID.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { exampleRules } from '../../src/metrics/docs-examples.js';
import { SimulatedExporter, scenarioDescription } from '../../tools/flowgen/index.js';

const PROMETHEUS = '/usr/bin/prometheus';
const skip = existsSync(PROMETHEUS) ? false : `${PROMETHEUS} not found: install the Debian package 'prometheus'`;
const WAIT_MS = 30_000;
const ROOT = new URL('../../../', import.meta.url).pathname;

async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(port: number, q: string): Promise<Vector[]> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(5000) });
  const body = (await r.json()) as { status: string; data?: { resultType: string; result: Vector[] }; error?: string };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${q}: ${body.error ?? r.status}`);
  return body.data.result;
}

/** Polls `fn` until it returns a value (not undefined), at most WAIT_MS. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, diagnostics: () => string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e; // Prometheus not listening yet
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what} (last error: ${String(last)})\n${diagnostics()}`);
}

describe('Prometheus scrapes the daemon', { skip }, () => {
  let dir: string;
  let daemon: Daemon;
  let metricsPort: number;
  let prom: ChildProcess | null = null;
  let promPort: number;
  let promLog: string;
  let sent = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-prometheus-'));
    const config = parseConfig(`
traffic:
  networks: [192.0.2.0/24, "2001:db8::/64"]
state: { path: ${join(dir, 'state.db')} }
api: { port: 0 }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: 0 }
  log_interval_seconds: 0
`);
    daemon = new Daemon(config, { logger: silentLogger() });
    await daemon.start();
    metricsPort = daemon.api!.port;

    // A few seconds of flowgen's normal traffic, sent at once to the daemon's sFlow port.
    const [sflowPort] = daemon.listener.ports();
    const exporter = new SimulatedExporter('sflow', scenarioDescription('normal'), { startMs: Date.now() });
    const socket = dgram.createSocket('udp4');
    try {
      for (let i = 0; i < 3; i++) {
        for (const d of exporter.step(1000)) {
          await new Promise<void>((res, rej) => socket.send(d, sflowPort, '127.0.0.1', (err) => (err ? rej(err) : res())));
          sent++;
        }
      }
    } finally {
      socket.close();
    }
    assert.ok(sent > 0, 'flowgen produced datagrams');
    const deadline = Date.now() + 5000;
    while (daemon.ingest.totals.datagrams < sent && Date.now() < deadline) await sleep(10);
    assert.equal(daemon.ingest.totals.datagrams, sent, 'the daemon received every datagram');

    promPort = await freeTcpPort();
    const configFile = join(dir, 'prometheus.yml');
    // The example alerting rules of docs/metrics.md, loaded as they are.
    writeFileSync(join(dir, 'rules.yml'), exampleRules(readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8')));
    writeFileSync(
      configFile,
      `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['${join(dir, 'rules.yml')}']
scrape_configs:
  - job_name: breakwater
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:${metricsPort}']
`,
    );
    promLog = join(dir, 'prometheus.log');
    const out = openSync(promLog, 'w');
    try {
      prom = spawn(
        PROMETHEUS,
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', out, out] },
      );
    } finally {
      closeSync(out);
    }
    prom.on('error', () => {});
  });

  after(async () => {
    if (prom && prom.exitCode === null && prom.signalCode === null && prom.pid !== undefined) {
      const exited = new Promise<void>((res) => prom!.once('exit', () => res()));
      process.kill(prom.pid, 'SIGTERM');
      const ok = await Promise.race([exited.then(() => true), sleep(10_000, undefined, { ref: false }).then(() => false)]);
      if (!ok && prom.exitCode === null) {
        process.kill(prom.pid, 'SIGKILL');
        await exited;
      }
    }
    // Prometheus keeps its scrape connection open; it is gone now, but do not wait for the socket.
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const diagnostics = () => {
    const log = existsSync(promLog) ? readFileSync(promLog, 'utf8').slice(-4000) : '(no log)';
    return `prometheus exit=${prom?.exitCode} signal=${prom?.signalCode}\n--- prometheus log ---\n${log}`;
  };

  test('the target is up and the breakwater_ series carry the daemon\'s values', async () => {
    await until(
      'up{job="breakwater"} == 1',
      async () => {
        const r = await query(promPort, 'up{job="breakwater"}');
        return r.length === 1 && r[0].value[1] === '1' ? true : undefined;
      },
      diagnostics,
    );
    const total = await until(
      'breakwater_ingest_datagrams_total',
      async () => {
        const r = await query(promPort, 'sum(breakwater_ingest_datagrams_total)');
        return r.length === 1 && Number(r[0].value[1]) === sent ? Number(r[0].value[1]) : undefined;
      },
      diagnostics,
    );
    assert.equal(total, sent);
    const exp = await query(promPort, 'breakwater_exporter_datagrams_total{exporter="127.0.0.1",protocol="sflow"}');
    assert.equal(exp.length, 1);
    assert.equal(Number(exp[0].value[1]), sent);
    const listener = await query(promPort, `breakwater_listener_datagrams_total{protocol="sflow",port="${daemon.listener.ports()[0]}"}`);
    assert.equal(Number(listener[0]?.value[1]), sent);
    // Traffic rates, per direction and protocol: one series per pair, whatever the values.
    const rates = await query(promPort, 'count(breakwater_traffic_bits_per_second)');
    assert.equal(Number(rates[0]?.value[1]), 4 * 6);
    const proc = await query(promPort, 'breakwater_process_resident_memory_bytes');
    assert.ok(Number(proc[0]?.value[1]) > 0, 'process metrics are scraped');
    // What Prometheus understood of the exposition's TYPE lines.
    const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/metadata?metric=breakwater_ingest_datagrams_total`, { signal: AbortSignal.timeout(5000) });
    const meta = (await r.json()) as { data: Record<string, Array<{ type: string }>> };
    assert.equal(meta.data.breakwater_ingest_datagrams_total?.[0]?.type, 'counter');
  });
  test('the example alerting rules of docs/metrics.md evaluate without errors', async () => {
    interface Rule { name: string; health: string; lastError?: string }
    const rules = await until(
      'every rule evaluated',
      async () => {
        const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/rules`, { signal: AbortSignal.timeout(5000) });
        const body = (await r.json()) as { data: { groups: Array<{ rules: Rule[] }> } };
        const all = body.data.groups.flatMap((g) => g.rules);
        return all.length > 0 && all.every((x) => x.health !== 'unknown') ? all : undefined;
      },
      diagnostics,
    );
    assert.ok(rules.length >= 10);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
  });

  test('every query of the Grafana dashboard runs', async () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'contrib/grafana/breakwater.json'), 'utf8')) as {
      panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
      annotations: { list: Array<{ expr?: string }> };
    };
    const exprs = [...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dash.annotations.list.flatMap((a) => (a.expr ? [a.expr] : []))];
    assert.ok(exprs.length > 20);
    for (const e of exprs) {
      // Grafana's variables, as Grafana would substitute them.
      const q = e.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*');
      await assert.doesNotReject(query(promPort, q), `dashboard query: ${e}`);
    }
    const traffic = await query(promPort, 'sum by (protocol) (breakwater_traffic_bits_per_second{instance=~".*",direction="incoming"})');
    assert.equal(traffic.length, 6, 'one incoming series per protocol category');
  });
});
