/**
 * Live config reload against the real daemon (UDP listener on loopback, SQLite state file in a
 * temp dir, mitigation manager with its store), samples fed to its traffic counter and time
 * driven by the test; and SIGHUP on the real daemon process.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { Daemon } from './daemon.js';
import { silentLogger } from './log.js';
import { RecordingAttackSink } from './detection/attack.js';
import { FlowSample, SampleSource } from './flow/sample.js';
import { fillSample, type SampleFields } from './traffic/sample-builder.js';
import { NetworkSets } from './traffic/networks.js';
import { TrafficCounter } from './traffic/traffic-counter.js';
import { trafficConfigSchema } from './traffic/config.js';
import { applyReload, changedKeys, planReload, reloadFromFile, reloadFromText, reloadSummary, RELOAD_LOG, type ReloadResult } from './reload.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

interface Sections {
  traffic?: string;
  detection?: string;
  mitigation?: string;
  collectors?: string;
  extra?: string;
}

/** A config with 2-second triggers and unsampled data (exact, so no noise hold-back). */
function yaml(dir: string, s: Sections = {}): string {
  return `
state: { path: ${join(dir, 'state.db')} }
logging: { level: warn }
api: { enabled: false }
collectors:
${s.collectors ?? '  listeners: [{ protocol: sflow, address: 127.0.0.1, port: 0 }]'}
  log_interval_seconds: 0
traffic:
${s.traffic ?? '  networks: [192.0.2.0/24]'}
detection:
  trigger_seconds: 2
  end_seconds: 30
${s.detection ?? '  thresholds: { incoming: { pps: 1000, mbps: 10000 }, outgoing: { enabled: false } }'}
mitigation:
  ban_time_seconds: 3600
${s.mitigation ?? ''}
${s.extra ?? ''}
`;
}

class Rig {
  readonly dir = mkdtempSync(join(tmpdir(), 'bw-reload-'));
  readonly file = join(this.dir, 'breakwater.yaml');
  readonly attacks = new RecordingAttackSink();
  clock = T0;
  config!: Config;
  daemon!: Daemon;
  private readonly s = new FlowSample();

  async start(sections: Sections = {}, files: Record<string, string> = {}): Promise<this> {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
    this.config = parseConfig(yaml(this.dir, sections));
    this.daemon = new Daemon(this.config, { logger: silentLogger(), now: () => this.clock, autoTick: false, attackSink: this.attacks });
    await this.daemon.start();
    return this;
  }

  /** One second: each flow as one unsampled sample of `pps` packets (100 bytes each), then the tick. */
  second(flows: Array<{ dst: string; pps: number; src?: string } & Partial<SampleFields>>): void {
    for (const f of flows) {
      this.daemon.traffic.sample(fillSample(this.s, { src: '203.0.113.5', srcPort: 53, dstPort: 4444, ...f, packets: f.pps, length: 100 }));
    }
    this.clock += 1000;
    this.daemon.tick(this.clock);
  }

  /** Writes the file and reloads it as Daemon.reload does (SIGHUP). */
  reload(sections: Sections, files: Record<string, string> = {}): ReloadResult {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
    writeFileSync(this.file, yaml(this.dir, sections));
    return this.reloadFile();
  }

  reloadFile(): ReloadResult {
    const d = this.daemon;
    const r = reloadFromFile({ traffic: d.traffic, detector: d.detector, mitigation: d.mitigation }, this.config, this.file);
    if (r.ok) this.config = r.config;
    return r;
  }

  avg(host: string, metric: 'pps' | 'mbps' | 'udp_pps' = 'pps'): number | undefined {
    return this.daemon.detector.hostView(host)?.incoming.average[metric];
  }

  /** Everything a rejected reload must leave exactly as it was. */
  snapshot() {
    const d = this.daemon;
    return {
      networks: d.traffic.networks,
      groups: d.detector.groups,
      mitigationConfig: d.mitigation.config,
      attacks: d.detector.activeAttacks().map((a) => `${a.id} ${a.host} ${a.group} ${a.status}`),
      mitigations: d.mitigation.list().map((m) => `${m.id} ${m.routeKey}`),
      views: ['192.0.2.10', '192.0.2.20'].map((h) => JSON.stringify(d.detector.hostView(h))),
      config: structuredClone(this.config),
    };
  }

  async stop(): Promise<void> {
    await this.daemon.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Floods 192.0.2.10 until its attack starts and it is blackholed. */
function attackOn10(rig: Rig): string {
  for (let i = 0; i < 3; i++) rig.second([{ dst: '192.0.2.10', pps: 5000 }]);
  const a = rig.daemon.detector.attackOn('192.0.2.10', 'incoming');
  assert.ok(a, 'the flood on 192.0.2.10 started an attack');
  assert.equal(rig.daemon.mitigation.forHost('192.0.2.10').length, 1, 'and a blackhole');
  return a.id;
}

describe('config reload on a running daemon', () => {
  test('a new network: its hosts get counters; host counters, averages, attacks and mitigations are kept', async () => {
    const rig = await new Rig().start();
    try {
      const d = rig.daemon;
      const id = attackOn10(rig);
      rig.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '198.51.100.7', pps: 300 }]);
      assert.equal(d.traffic.findHost('198.51.100.7'), -1, 'not monitored yet: no host counters');
      const avgBefore = rig.avg('192.0.2.10');
      const netBefore = d.traffic.networkRates()[0];
      const mitigations = d.mitigation.list();

      const r = rig.reload({ traffic: '  networks: [198.51.100.0/24, 192.0.2.0/24]' });
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.deepEqual(r.changed, ['traffic.networks']);
      assert.deepEqual(r.needsRestart, []);
      assert.deepEqual(r.config.traffic.networks, ['198.51.100.0/24', '192.0.2.0/24']);

      // Nothing reset by the swap itself.
      assert.equal(rig.avg('192.0.2.10'), avgBefore);
      const rates = d.traffic.networkRates();
      assert.deepEqual(rates.map((n) => n.network), ['198.51.100.0/24', '192.0.2.0/24']);
      assert.deepEqual(rates[1], netBefore, 'per-network rates follow their prefix to its new index');
      assert.equal(d.detector.attackOn('192.0.2.10', 'incoming')?.id, id);
      assert.deepEqual(d.mitigation.list(), mitigations);

      rig.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '198.51.100.7', pps: 300 }]);
      assert.ok(d.traffic.findHost('198.51.100.7') >= 0, 'the new network is counted per host');
      assert.equal(d.detector.hostView('198.51.100.7')?.incoming.current.pps, 300);
      assert.equal(d.traffic.networkRates()[0].incoming.total.pps, 300);
      assert.equal(d.detector.attackOn('192.0.2.10', 'incoming')?.id, id, 'the attack goes on');
      assert.equal(d.detector.activeAttacks().length, 1);
      assert.ok(rig.avg('192.0.2.10')! > avgBefore!, 'and its average keeps growing from where it was');
    } finally {
      await rig.stop();
    }
  });

  test('a lowered threshold starts an attack on existing traffic after trigger_seconds; averages survive a change of averaged metrics', async () => {
    const rig = await new Rig().start();
    try {
      const d = rig.daemon;
      const id = attackOn10(rig);
      for (let i = 0; i < 5; i++) rig.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '192.0.2.20', pps: 600 }]);
      assert.equal(d.detector.attackOn('192.0.2.20', 'incoming'), undefined, '600 pps is below 1000');
      const avg = rig.avg('192.0.2.20')!;
      assert.ok(avg > 300, `average built up: ${avg}`);
      assert.equal(rig.avg('192.0.2.20', 'udp_pps'), undefined, 'udp_pps has no threshold: not averaged');

      // A group for .20 with a lower threshold, and a udp_pps threshold: one more averaged metric,
      // so the detector's per-host record is reallocated with a new stride.
      const r = rig.reload({
        detection: `  thresholds: { incoming: { pps: 1000, mbps: 10000, udp_pps: 100000 }, outgoing: { enabled: false } }
  groups:
    web: { prefixes: [192.0.2.16/28], thresholds: { incoming: { pps: 500 } } }`,
        mitigation: '  groups: { web: { ban_time_seconds: 60 } }',
      });
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.deepEqual(r.changed, ['detection.thresholds.incoming.udp_pps', 'detection.groups.web', 'mitigation.groups.web']);
      assert.equal(rig.avg('192.0.2.20'), avg, 'the pps average is copied into the new record');
      assert.equal(rig.avg('192.0.2.20', 'udp_pps'), 0, 'the newly averaged metric starts from zero');
      assert.equal(d.detector.hostView('192.0.2.20')?.group, 'web');

      rig.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '192.0.2.20', pps: 600 }]);
      assert.equal(d.detector.attackOn('192.0.2.20', 'incoming'), undefined, 'one second above the new threshold is not enough');
      rig.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '192.0.2.20', pps: 600 }]);
      const a = d.detector.attackOn('192.0.2.20', 'incoming');
      assert.ok(a, 'two seconds above 500 pps: attack');
      assert.equal(a.group, 'web');
      assert.equal(a.trigger.threshold, 500);
      assert.ok(a.average.pps! > avg, 'its average continues the one from before the reload');
      const m = d.mitigation.forHost('192.0.2.20');
      assert.equal(m.length, 1);
      assert.equal(m[0].expiresMs, rig.clock + 60_000, "the web group's new ban time");
      assert.equal(d.detector.attackOn('192.0.2.10', 'incoming')?.id, id, 'the attack from before goes on');
      assert.equal(d.detector.attackOn('192.0.2.10', 'incoming')?.group, 'global');
    } finally {
      await rig.stop();
    }
  });

  test('an attack whose group disappears goes on in the group its host matches now', async () => {
    const rig = await new Rig().start({
      detection: `  thresholds: { incoming: { pps: 1000, mbps: 10000 }, outgoing: { enabled: false } }
  groups:
    hot: { prefixes: [192.0.2.8/29], thresholds: { incoming: { pps: 2000 } } }`,
    });
    try {
      const d = rig.daemon;
      const id = attackOn10(rig);
      assert.equal(d.detector.attackOn('192.0.2.10', 'incoming')?.group, 'hot');
      const r = rig.reload({});
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.deepEqual(r.changed, ['detection.groups.hot']);
      const a = d.detector.attackOn('192.0.2.10', 'incoming');
      assert.equal(a?.id, id);
      assert.equal(a?.group, 'global');
      for (let i = 0; i < 3; i++) rig.second([{ dst: '192.0.2.10', pps: 5000 }]);
      assert.equal(d.detector.attackOn('192.0.2.10', 'incoming')?.id, id, 'updated, not ended and restarted');
      assert.equal(rig.attacks.of('ended').length, 0);
      assert.equal(rig.attacks.of('started').length, 1);
    } finally {
      await rig.stop();
    }
  });

  test('allow-lists: a new remote entry stops counting its traffic; a new host entry protects new attacks, not active mitigations', async () => {
    const rig = await new Rig().start();
    try {
      const d = rig.daemon;
      attackOn10(rig);
      const blackhole = d.mitigation.forHost('192.0.2.10')[0];
      rig.second([{ dst: '192.0.2.30', pps: 200, src: '198.18.0.9' }]);
      assert.equal(d.detector.hostView('192.0.2.30')?.incoming.current.pps, 200);
      const skipped = d.traffic.stats.allowListedRemote;

      const r = rig.reload({ traffic: '  networks: [192.0.2.0/24]\n  allow_list: { remote: [198.18.0.0/15], hosts: [192.0.2.10, 192.0.2.40] }' });
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.deepEqual(r.changed, ['traffic.allow_list.hosts', 'traffic.allow_list.remote']);

      rig.second([{ dst: '192.0.2.30', pps: 200, src: '198.18.0.9' }, { dst: '192.0.2.40', pps: 5000 }, { dst: '192.0.2.10', pps: 5000 }]);
      assert.equal(d.traffic.stats.allowListedRemote, skipped + 1, 'the allow-listed remote is not credited to the host');
      assert.equal(d.detector.hostView('192.0.2.30')?.incoming.current.pps, 0);
      assert.equal(d.traffic.totals(4).incoming.total.pps, 10200, 'still in the totals');
      rig.second([{ dst: '192.0.2.40', pps: 5000 }, { dst: '192.0.2.10', pps: 5000 }]);
      const a = d.detector.attackOn('192.0.2.40', 'incoming');
      assert.ok(a, 'attacks on allow-listed hosts are still detected');
      assert.equal(a.allowListed, true);
      assert.deepEqual(d.mitigation.forHost('192.0.2.40'), [], 'but not mitigated');
      assert.equal(d.mitigation.stats().refused.allow_listed, 1);
      assert.deepEqual(d.mitigation.forHost('192.0.2.10'), [blackhole], 'the active mitigation is not re-evaluated');
    } finally {
      await rig.stop();
    }
  });

  test('an invalid new config is rejected and nothing changes: bad YAML, bad value, bad networks file line, unknown group', async () => {
    const nets = join(mkdtempSync(join(tmpdir(), 'bw-reload-nets-')), 'networks.txt');
    writeFileSync(nets, '192.0.2.0/24\n');
    const r2 = await new Rig().start({ traffic: `  networks_file: ${nets}` });
    try {
      const d = r2.daemon;
      attackOn10(r2);
      for (let i = 0; i < 2; i++) r2.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '192.0.2.20', pps: 600 }]);
      const before = r2.snapshot();
      const check = (r: ReloadResult, expect: RegExp) => {
        assert.equal(r.ok, false);
        assert.deepEqual(r.changed, []);
        assert.ok(r.problems!.some((p) => expect.test(p)), `${expect} in ${JSON.stringify(r.problems)}`);
        assert.deepEqual(r2.snapshot(), before);
        assert.equal(d.traffic.networks, before.networks, 'same NetworkSets object');
        assert.equal(d.detector.groups, before.groups, 'same group table');
        assert.equal(d.mitigation.config, before.mitigationConfig, 'same mitigation config');
      };

      writeFileSync(r2.file, 'detection: { thresholds: [\n');
      check(r2.reloadFile(), /^YAML: /);

      check(r2.reload({ traffic: `  networks_file: ${nets}`, detection: '  thresholds: { incoming: { pps: -5 } }' }), /^detection\.thresholds\.incoming\.pps: /);

      // The thresholds are fine and would be applied, but a networks file line is bad: nothing is.
      writeFileSync(nets, '192.0.2.0/24\n198.51.100.0/33\n');
      check(
        r2.reload({ traffic: `  networks_file: ${nets}`, detection: '  thresholds: { incoming: { pps: 100, mbps: 10000 }, outgoing: { enabled: false } }' }),
        /networks\.txt:2: /,
      );

      check(r2.reload({ traffic: `  networks_file: ${nets}-missing` }), /^traffic\.networks_file: cannot read /);
      check(r2.reload({ traffic: `  networks_file: ${nets}`, mitigation: '  groups: { nosuch: { ban_time_seconds: 5 } }' }), /^mitigation\.groups\.nosuch: no detection group/);
      check(reloadFromText({ traffic: d.traffic, detector: d.detector, mitigation: d.mitigation }, r2.config, 'traffic: { networks: [10.0.0.1/8] }'), /host bits/);

      // Detection goes on exactly as before.
      r2.second([{ dst: '192.0.2.10', pps: 5000 }, { dst: '192.0.2.20', pps: 600 }]);
      assert.equal(d.detector.attackOn('192.0.2.20', 'incoming'), undefined, 'the rejected 100 pps threshold is not in force');
      assert.equal(d.detector.activeAttacks().length, 1);

      // Fixing the file and reloading again applies the change to the file's contents.
      writeFileSync(nets, '192.0.2.0/24\n198.51.100.0/24\n');
      const ok = r2.reload({ traffic: `  networks_file: ${nets}` });
      assert.equal(ok.ok, true, JSON.stringify(ok.problems));
      assert.deepEqual(ok.changed, ['traffic.networks_file'], 'same path, new contents');
      assert.deepEqual(d.traffic.networks.describe().networks, ['192.0.2.0/24', '198.51.100.0/24']);
    } finally {
      await r2.stop();
      rmSync(join(nets, '..'), { recursive: true, force: true });
    }
  });

  test('listeners, the state path and table sizes are reported as needing a restart and not applied; live keys in the same file are', async () => {
    const rig = await new Rig().start();
    try {
      const d = rig.daemon;
      const ports = d.listener.ports();
      const oldListeners = structuredClone(rig.config.collectors.listeners);
      const oldState = rig.config.state.path;
      const r = rig.reload({
        collectors: '  listeners: [{ protocol: netflow, address: 127.0.0.1, port: 0 }]',
        traffic: '  networks: [192.0.2.0/24]\n  host_table: { max_hosts: 5000 }',
        detection: '  thresholds: { incoming: { pps: 700, mbps: 10000 }, outgoing: { enabled: false } }',
        extra: `bgp: { speakers: [{ name: mem, type: memory }] }`,
      });
      assert.equal(r.ok, true, JSON.stringify(r.problems));
      assert.deepEqual(r.changed, ['detection.thresholds.incoming.pps']);
      assert.deepEqual(r.needsRestart, ['collectors.listeners', 'traffic.host_table.max_hosts', 'bgp.speakers']);
      assert.deepEqual(r.config.collectors.listeners, oldListeners, 'the effective config keeps the running listeners');
      assert.equal(r.config.traffic.host_table.max_hosts, 1_000_000);
      assert.deepEqual(r.config.bgp.speakers, []);
      assert.equal(r.config.state.path, oldState);
      assert.equal(r.config.detection.thresholds.incoming.pps, 700);
      assert.deepEqual(d.listener.ports(), ports, 'still listening where it was');
      assert.equal(d.detector.groups.threshold(0, 0, 0), 700);

      const again = rig.reloadFile();
      assert.equal(again.ok, true);
      assert.deepEqual(again.changed, [], 'live keys already applied');
      assert.deepEqual(again.needsRestart, ['collectors.listeners', 'traffic.host_table.max_hosts', 'bgp.speakers'], 'still pending a restart');
    } finally {
      await rig.stop();
    }
  });
});

describe('reload pieces', () => {
  test('changedKeys lists differing leaves; arrays compare whole', () => {
    assert.deepEqual(changedKeys({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { b: 2, c: [1, 2] }, d: 1, e: 3 }), ['a.b', 'e']);
    assert.deepEqual(changedKeys({ a: [1, 2] }, { a: [2, 1] }), ['a']);
    assert.deepEqual(changedKeys({ a: 1 }, { a: 1 }), []);
  });

  test('planReload: log level is live only with a logger; the effective config mixes new live keys and running others', () => {
    const a = parseConfig('logging: { level: info }\nstate: { path: /tmp/a.db }\ndetection: { history_size: 10 }');
    const b = parseConfig('logging: { level: debug }\nstate: { path: /tmp/b.db }\ndetection: { history_size: 20, noise_sigmas: 1 }');
    const p = planReload(a, b);
    assert.deepEqual(p.changed, ['detection.noise_sigmas']);
    assert.deepEqual(p.needsRestart, ['logging.level', 'state.path', 'detection.history_size']);
    assert.equal(p.effective.logging.level, 'info');
    assert.equal(p.effective.detection.history_size, 10);
    assert.equal(p.effective.detection.noise_sigmas, 1);
    assert.equal(p.detection, true);
    assert.equal(p.mitigation, false);
    const q = planReload(a, b, { liveLogging: true });
    assert.deepEqual(q.changed, ['logging.level', 'detection.noise_sigmas']);
    assert.equal(q.effective.logging.level, 'debug');
    assert.equal(a.logging.level, 'info', 'the running config object is not modified');
  });

  test('reloadSummary leaves out the effective config (it holds API secrets)', () => {
    const c = parseConfig('api: { tokens: [{ name: t, token: abcdefghijklmnopqrstuvwxyz }] }');
    const s = reloadSummary({ ok: true, changed: ['x'], needsRestart: [], config: c });
    assert.deepEqual(s, { ok: true, changed: ['x'], needsRestart: [] });
  });

  test('applyReload sets the log level when given the logger', async () => {
    const rig = await new Rig().start();
    try {
      const d = rig.daemon;
      const logger = { level: 'warn' };
      const next = parseConfig(yaml(rig.dir).replace('level: warn', 'level: debug'));
      const r = applyReload({ traffic: d.traffic, detector: d.detector, mitigation: d.mitigation, logger }, rig.config, next);
      assert.deepEqual(r.changed, ['logging.level']);
      assert.equal(logger.level, 'debug');
    } finally {
      await rig.stop();
    }
  });

  test('TrafficCounter.setNetworks: pending spread credits and per-network counters follow their prefix', () => {
    const cfg = trafficConfigSchema.parse({ networks: ['192.0.2.0/24', '198.51.100.0/24'], host_table: { max_hosts: 64 }, capture: { hosts: 0 } });
    const tc = new TrafficCounter(cfg, { networks: NetworkSets.fromConfig(cfg) }, 1);
    const s = new FlowSample();
    // A 4-second NetFlow record to 192.0.2.10: 1000 packets credited 250 per second.
    tc.sample(fillSample(s, { src: '203.0.113.1', dst: '192.0.2.10', packets: 1000, source: SampleSource.NETFLOW_V9, startMs: T0, endMs: T0 + 3500 }));
    tc.sample(fillSample(s, { src: '203.0.113.1', dst: '198.51.100.1', packets: 10, source: SampleSource.NETFLOW_V9 }));
    tc.tick(T0 + 1000);
    assert.equal(tc.networkRates()[0].incoming.total.pps, 250);
    assert.equal(tc.spread.length, 1);
    // 192.0.2.0/24 moves from index 0 to 1; 198.51.100.0/24 is removed.
    tc.setNetworks(NetworkSets.fromConfig(trafficConfigSchema.parse({ networks: ['10.0.0.0/8', '192.0.2.0/24'] })));
    assert.deepEqual(tc.networkRates().map((n) => [n.network, n.incoming.total.pps]), [['10.0.0.0/8', 0], ['192.0.2.0/24', 250]]);
    tc.tick(T0 + 2000);
    assert.deepEqual(tc.networkRates().map((n) => n.incoming.total.pps), [0, 250], 'the spread credit goes to the prefix, not the old index');
    const slot = tc.findHost('192.0.2.10');
    assert.ok(slot >= 0);
    tc.sample(fillSample(s, { src: '203.0.113.1', dst: '198.51.100.1', packets: 10, source: SampleSource.NETFLOW_V9 }));
    tc.tick(T0 + 3000);
    assert.equal(tc.totals(4).other.total.pps, 10, 'the removed network is now outside');
    assert.equal(tc.totals(4).incoming.total.pps, 250);
  });
});

/** Waits for a JSON log line matching `pred` on the process's stdout (bounded). */
function waitLog(lines: Array<Record<string, unknown>>, pred: (l: Record<string, unknown>) => boolean, exited: () => string | null, ms = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + ms;
    const poll = () => {
      const hit = lines.find(pred);
      if (hit) return resolve(hit);
      const ex = exited();
      if (ex !== null) return reject(new Error(`daemon exited (${ex}) before the expected log line; last lines: ${JSON.stringify(lines.slice(-3))}`));
      if (Date.now() > end) return reject(new Error(`no such log line within ${ms} ms; last lines: ${JSON.stringify(lines.slice(-3))}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

describe('SIGHUP on the daemon process', () => {
  const main = new URL('./main.js', import.meta.url).pathname;
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-sighup-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reloads the config file: applied keys logged at info, restart-only keys at warn, an invalid file rejected and the daemon keeps running', async () => {
    const file = join(dir, 'breakwater.yaml');
    const conf = (networks: string, listenerAddress = '127.0.0.1') => `
logging: { level: info }
state: { path: ${join(dir, 'state.db')} }
api: { enabled: false }
collectors:
  listeners: [{ protocol: sflow, address: ${listenerAddress}, port: 0 }]
  log_interval_seconds: 0
traffic: { networks: [${networks}] }
`;
    writeFileSync(file, conf('192.0.2.0/24'));
    const child = spawn(process.execPath, [main, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    let exit: string | null = null;
    child.on('exit', (code, signal) => (exit = `code ${code}, signal ${signal}`));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        lines.push({ raw: l });
      }
    });
    const msg = (m: string) => (l: Record<string, unknown>) => l.msg === m;
    try {
      await waitLog(lines, msg('breakwater started'), () => exit);

      writeFileSync(file, conf('192.0.2.0/24, 198.51.100.0/24', '127.0.0.2'));
      child.kill('SIGHUP');
      const applied = await waitLog(lines, msg(RELOAD_LOG.applied), () => (exit?.includes('SIGHUP') ? `${exit}: src/main.ts has no SIGHUP handler yet` : exit));
      assert.equal(applied.level, 30, 'info');
      assert.deepEqual(applied.changed, ['traffic.networks']);
      const restart = await waitLog(lines, msg(RELOAD_LOG.restart), () => exit);
      assert.equal(restart.level, 40, 'warn');
      assert.deepEqual(restart.needsRestart, ['collectors.listeners']);

      writeFileSync(file, 'traffic: { networks: [not-a-prefix] }\n');
      child.kill('SIGHUP');
      const rejected = await waitLog(lines, msg(RELOAD_LOG.rejected), () => exit);
      assert.equal(rejected.level, 50, 'error');
      assert.match(JSON.stringify(rejected.problems), /traffic\.networks\[0\]/);
      assert.equal(exit, null, 'still running after a rejected reload');
    } finally {
      if (exit === null) {
        child.kill('SIGTERM');
        const end = Date.now() + 10_000;
        while (exit === null && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
        if (exit === null) child.kill('SIGKILL');
      }
    }
    assert.equal(exit, 'code 0, signal null', `clean stop (stderr: ${stderr.slice(0, 500)})`);
  });
});
