/**
 * Restart scenarios with the real daemon PROCESS (`node dist/src/main.js --config <file>`), fed in
 * real time by flowgen over loopback UDP, announcing through the ExaBGP bridge to FRR 8.4 in the
 * lab's namespace. What is asserted is FRR's view:
 *   (a) SIGKILL and restart: FRR ends with exactly the same routes, the FRR–ExaBGP session never
 *       flapped, and the restarted daemon says it restored them from the state database;
 *   (b) SIGKILL, kept down past the ban time, restart: ExaBGP still announces what it was told
 *       (nobody withdrew it), so it is the restarted daemon that must converge ExaBGP — the expired
 *       routes are withdrawn at FRR (docs/mitigation.md "Restart");
 *   (c) SIGTERM without withdraw_on_shutdown leaves the routes in place and a restart keeps them;
 *       SIGTERM with it leaves FRR with nothing (docs/mitigation.md "Withdraw on shutdown").
 * The daemon runs in the host namespace (its UDP listener on 127.0.0.1 is reachable from this
 * process); the ExaBGP bridge reaches it through the Unix socket in the lab dir, as in
 * pipeline.test.ts. Every process here is stopped by PID.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync, openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Lab, Proc, skipUnlessLab, waitFor, EXABGP, EXABGP_AS, NEXT_HOP_V4, NEXT_HOP_V6 } from './lab.js';
import { BASE_CONFIG } from '../scenarios/harness.js';
import { SimulatedExporter, scenarioDescription, type TrafficDescription } from '../../tools/flowgen/index.js';
import { frrView, expectedView } from './routes.js';
import type { Route } from '../../src/bgp/route.js';

const skip = skipUnlessLab(['exabgp']);
const CONVERGE_MS = 30_000;
const BAN_SECONDS = 30;
const MAIN = new URL('../../src/main.js', import.meta.url).pathname;

/** What the flood below must put at FRR (actions as configured in configYaml): one mitigation per route. */
const EXPECTED: Route[] = [
  { kind: 'unicast', prefix: '192.0.2.10/32', nextHop: NEXT_HOP_V4, communities: ['65535:666', 'no-export'] },
  { kind: 'unicast', prefix: '2001:db8::10/128', nextHop: NEXT_HOP_V6, communities: ['65535:666', 'no-export'] },
  { kind: 'flowspec', family: 4, match: { destination: '192.0.2.10/32' }, action: { type: 'discard' } },
  { kind: 'flowspec', family: 4, match: { destination: '192.0.2.11/32' }, action: { type: 'discard' } },
];

/** A UDP port free on 127.0.0.1 right now (the daemon binds it a moment later). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', res));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

/**
 * flowgen's simulated exporters in real time: every 100 ms each one produces the datagrams of the
 * elapsed wall-clock time, sent to the daemon's sFlow port. Returns the stop function.
 */
function flood(port: number, descriptions: TrafficDescription[]): () => Promise<void> {
  const socket = dgram.createSocket('udp4');
  const start = Date.now();
  const exporters = descriptions.map((d) => new SimulatedExporter('sflow', d, { startMs: start }));
  let stopped = false;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const ex of exporters) {
      const dt = now - ex.nowMs;
      if (dt <= 0) continue;
      for (const d of ex.step(dt)) socket.send(d, port, '127.0.0.1');
    }
  }, 100);
  return async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    await new Promise<void>((res) => socket.close(() => res()));
  };
}

describe('daemon process restarts: FRR ends with exactly the routes that should be there', { skip }, () => {
  let lab: Lab;
  let port: number;
  let daemon: Proc | null = null;
  let runs = 0;
  const killAll = () => {
    if (daemon?.running) daemon.child.kill('SIGKILL');
  };

  const configYaml = (withdrawOnShutdown: boolean) => `${BASE_CONFIG}
state: { path: ${lab.path('state.db')}, save_interval_seconds: 1 }
api: { port: 0 }
logging: { level: info }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: ${port} }
  log_interval_seconds: 0
mitigation:
  ban_time_seconds: ${BAN_SECONDS}
  unban_only_if_attack_finished: false
  withdraw_on_shutdown: ${withdrawOnShutdown}
  actions:
    default: [blackhole]
    syn_flood: [blackhole, flowspec]
    amplification: [flowspec]
  blackhole:
    next_hop: { ipv4: ${NEXT_HOP_V4}, ipv6: "${NEXT_HOP_V6}" }
bgp:
  speakers:
    - { type: exabgp, name: exabgp, socket: ${lab.path('exabgp.sock')}, resync_interval_seconds: 5, retry_initial_ms: 200 }
`;

  /** Starts `node dist/src/main.js` with a fresh config; its JSON log goes to <lab>/daemon-N.log. */
  async function startDaemon(withdrawOnShutdown = false): Promise<{ proc: Proc; log: () => string }> {
    assert.ok(!daemon?.running, 'one daemon at a time');
    const conf = lab.path(`breakwater-${runs}.yaml`);
    writeFileSync(conf, configYaml(withdrawOnShutdown));
    const logPath = lab.path(`daemon-${runs++}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(process.execPath, [MAIN, '--config', conf], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    daemon = new Proc('breakwater', child);
    const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
    const proc = daemon;
    await waitFor(() => {
      if (!proc.running) throw new Error(`daemon exited: ${log()}`);
      return log().includes('breakwater started');
    }, 15_000, () => `daemon to start (log: ${log()})`);
    return { proc, log };
  }

  /** The first JSON log line with this msg. */
  function logLine(log: string, msg: string): Record<string, unknown> | undefined {
    for (const l of log.split('\n')) {
      if (!l.includes(msg)) continue;
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        if (j.msg === msg) return j;
      } catch {
        /* not JSON */
      }
    }
    return undefined;
  }

  const view = () => {
    try {
      return frrView(lab, EXABGP);
    } catch (e) {
      return [String(e)];
    }
  };
  async function frrShows(want: string[], what: string): Promise<void> {
    await waitFor(() => JSON.stringify(view()) === JSON.stringify(want), CONVERGE_MS, () => `${what}: FRR to show ${JSON.stringify(want)} (has ${JSON.stringify(view())})`);
  }
  /** FRR's view stays `want` for ms (nothing withdrawn or re-announced behind our back). */
  async function frrStays(want: string[], ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      assert.deepEqual(view(), want, what);
      await sleep(1000);
    }
  }

  /** Floods 192.0.2.10 (SYN), 192.0.2.11 (NTP amplification) and 2001:db8::10 until FRR shows EXPECTED. */
  async function attack(): Promise<void> {
    const stop = flood(port, [
      scenarioDescription('syn-flood'),
      { ...scenarioDescription('ntp-amplification', { victim: '192.0.2.11' }), exporter: { subAgentId: 1 } },
      { ...scenarioDescription('ipv6-flood'), exporter: { subAgentId: 2 } },
    ]);
    try {
      await frrShows(expectedView(EXPECTED), 'attack');
    } finally {
      await stop();
    }
  }

  /** Latest expiry of the stored mitigations (the daemon is down: nothing writes the file). */
  function latestExpiry(): number {
    const db = new Database(lab.path('state.db'), { readonly: true });
    try {
      const r = db.prepare('SELECT MAX(expires_ms) AS m, COUNT(*) AS n FROM mitigations').get() as { m: number | null; n: number };
      assert.ok(r.n > 0 && r.m !== null, `stored mitigations: ${JSON.stringify(r)}`);
      return r.m;
    } finally {
      db.close();
    }
  }

  before(async () => {
    lab = new Lab('restart');
    process.on('exit', killAll);
    port = await freeUdpPort();
    await lab.startFrr([{ address: EXABGP, asn: EXABGP_AS }]);
    await lab.startExabgp();
  });

  after(async () => {
    await daemon?.stop();
    process.off('exit', killAll);
    if (process.env.BW_KEEP_LAB) console.log(`lab kept in ${lab.dir}`);
    await lab?.close();
  });

  test('(a) SIGKILL and restart: FRR keeps exactly the same routes; (b) SIGKILL past the ban time: the restarted daemon withdraws them', async () => {
    const want = expectedView(EXPECTED);
    let d = await startDaemon();
    await attack();
    const sessions = lab.sessionsEstablished(EXABGP);

    // (a)
    d.proc.child.kill('SIGKILL');
    assert.equal(await d.proc.exited, null, 'killed by the signal');
    await frrStays(want, 1000, 'ExaBGP keeps announcing while the daemon is down');
    d = await startDaemon();
    await waitFor(() => d.log().includes('ExaBGP bridge connected'), CONVERGE_MS, () => `bridge to reconnect (log: ${d.log()})`);
    const restored = logLine(d.log(), 'mitigations restored from the state database');
    assert.ok(restored, d.log());
    assert.ok(restored.restored === EXPECTED.length && restored.expired === 0, JSON.stringify(restored));
    // Past one resync interval (5 s) of the restarted daemon: nothing added, nothing withdrawn.
    await frrStays(want, 6000, 'after the restart');
    assert.equal(lab.sessionsEstablished(EXABGP), sessions, 'the FRR–ExaBGP session never flapped');

    // (b)
    d.proc.child.kill('SIGKILL');
    await d.proc.exited;
    const expiry = latestExpiry();
    const wait = expiry + 1000 - Date.now();
    assert.ok(wait < BAN_SECONDS * 1000, `expiry within the ban time: ${wait} ms`);
    await sleep(Math.max(0, wait));
    assert.deepEqual(view(), want, 'ExaBGP still announces the expired routes: nobody told it otherwise');
    d = await startDaemon();
    const r2 = logLine(d.log(), 'mitigations restored from the state database');
    assert.ok(r2 && r2.restored === 0 && r2.expired === EXPECTED.length, JSON.stringify(r2));
    await frrShows([], 'expired while down');
    await d.proc.stop();
    assert.equal(await d.proc.exited, 0);
  });

  test('(c) SIGTERM without withdraw_on_shutdown keeps the routes (and a restart keeps them); with it, FRR has nothing', async () => {
    const want = expectedView(EXPECTED);
    let d = await startDaemon(false);
    await attack();
    d.proc.child.kill('SIGTERM');
    assert.equal(await d.proc.exited, 0, 'clean stop');
    assert.ok(d.log().includes('breakwater stopped'), d.log());
    await frrStays(want, 3000, 'SIGTERM without withdraw_on_shutdown');

    d = await startDaemon(false);
    await waitFor(() => d.log().includes('ExaBGP bridge connected'), CONVERGE_MS, () => `bridge to reconnect (log: ${d.log()})`);
    const restored = logLine(d.log(), 'mitigations restored from the state database');
    assert.ok(restored && restored.restored === EXPECTED.length, JSON.stringify(restored));
    await frrStays(want, 6000, 'restart keeps them');
    d.proc.child.kill('SIGTERM');
    assert.equal(await d.proc.exited, 0);

    // withdraw_on_shutdown: the restarted daemon re-announces from the store, SIGTERM withdraws all.
    d = await startDaemon(true);
    await waitFor(() => d.log().includes('ExaBGP bridge connected'), CONVERGE_MS, () => `bridge to reconnect (log: ${d.log()})`);
    await frrStays(want, 2000, 'restored from the store');
    d.proc.child.kill('SIGTERM');
    assert.equal(await d.proc.exited, 0, `clean stop: ${d.log()}`);
    await frrShows([], 'SIGTERM with withdraw_on_shutdown');
    await frrStays([], 3000, 'nothing comes back');
  });
});
