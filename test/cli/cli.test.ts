/**
 * The `breakwater` command, run as a real process (`node dist/src/cli/main.js ...`):
 * - against a daemon fed over UDP by flowgen (test/scenarios/harness.ts) while a UDP flood is
 *   under way: status, host, top, attacks (list, show, --follow receiving the attack's start and its ban),
 *   mitigations (ban, extend, flowspec add, withdraw, unban, checked in the daemon and at its BGP
 *   speaker), exporters, and the error paths (wrong password, read-only token, bad input, unknown
 *   ids, reload without a config file);
 * - against `breakwater run --config FILE` as its own process (timers on, real clock): the URL
 *   taken from --config, reload applied and rejected, top refreshing twice, SIGTERM, and the
 *   message once the daemon is gone;
 * - without a daemon: check-config, the old `main.js --check`, hash-password, usage errors, and
 *   --help of every command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_CONFIG, runScenario } from '../scenarios/harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import { hashPassword, verifyPassword } from '../../src/api/auth.js';
import type { Daemon } from '../../src/daemon.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
const VICTIM = '192.0.2.10';
const READ_TOKEN = 'tok-cli-0123456789abcdef-read';
/** Longest a single CLI run may take before the test kills it. */
const RUN_TIMEOUT_MS = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without BREAKWATER_* variables of whoever runs the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BREAKWATER_')) env[k] = v;
  return { ...env, ...extra };
}

function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [script, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs the CLI to its end (bounded by RUN_TIMEOUT_MS). */
function cli(args: string[], opts: { env?: Record<string, string>; input?: string; script?: string } = {}): Promise<Run> {
  const child = start(opts.script ?? CLI, args, opts.env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin!.end(opts.input ?? '');
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function expectCode(r: Run, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}, expected ${code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('client commands against a daemon under a UDP flood', async () => {
  const admin = await hashPassword('s3cret');
  const config = `${BASE_CONFIG}
mitigation:
  ban_time_seconds: 600
  actions:
    default: [blackhole]
bgp:
  speakers:
    - { type: memory, name: lab, resync_interval_seconds: 1 }
api:
  port: 0
  users:
    - { name: admin, password: '${admin}' }
  tokens:
    - { name: grafana, token: ${READ_TOKEN} }
`;
  const checks: string[] = [];
  let follow: ChildProcess | null = null;
  let followOut = '';
  let followErr = '';
  let followExit: number | string | null | undefined;
  await runScenario([{ protocol: 'sflow', description: scenarioDescription('udp-flood', { background: true }) }], 6, config, {
    afterTick: async (sec, d: Daemon) => {
      const url = `http://127.0.0.1:${d.api!.port}`;
      const env = { BREAKWATER_URL: url, BREAKWATER_USER: 'admin', BREAKWATER_PASSWORD: 's3cret' };
      const run = (args: string[]) => cli(args, { env });
      if (sec === 1) {
        // Subscribed before the attack starts, so its first events are the start and the ban.
        follow = start(CLI, ['attacks', '--follow', '--count', '2', '--json', '--token', READ_TOKEN, '--url', url]);
        follow.stdout!.on('data', (b: Buffer) => (followOut += b.toString()));
        follow.stderr!.on('data', (b: Buffer) => (followErr += b.toString()));
        follow.stdin!.end();
        follow.on('exit', (code, signal) => (followExit = code ?? signal));
        await waitFor('the follower to subscribe to the event stream', () => d.events.subscriberCount > 0 || followExit !== undefined);
        assert.equal(followExit, undefined, `attacks --follow exited early: ${followErr}`);
        return;
      }
      if (sec !== 5) return;

      // ---- status
      const st = await run(['status']);
      expectCode(st, 0, 'status');
      assert.match(st.stdout, /^Breakwater \S+ at http:\/\/127\.0\.0\.1:\d+: up /);
      assert.match(st.stdout, /Active attacks \(1\)\n.*\n {2}\S+ +192\.0\.2\.10 +incoming +udp_flood +active/);
      assert.match(st.stdout, /BGP speakers\n.*\n {2}lab +up /);
      assert.match(st.stdout, /Exporters\n.*\n {2}127\.0\.0\.1 +sflow /);
      assert.match(st.stdout, /Active mitigations \(1\)\n.*\n {2}\S+ +blackhole +192\.0\.2\.10 /);
      const stj = await run(['status', '--json']);
      expectCode(stj, 0, 'status --json');
      const status = JSON.parse(stj.stdout);
      assert.equal(status.attacks.active[0].host, VICTIM);
      assert.equal(status.speakers[0].name, 'lab');
      checks.push('status');

      // ---- host
      const host = await run(['host', VICTIM]);
      expectCode(host, 0, 'host');
      assert.match(host.stdout, /^host 192\.0\.2\.10: network 192\.0\.2\.0\/24, group global/);
      assert.match(host.stdout, /\n {2}udp +\d/);
      assert.match(host.stdout, /Thresholds \(group global\)\n {2}incoming {2}pps 40\.0k pps/);
      assert.match(host.stdout, /Mitigations \(1\)/);
      const hj = JSON.parse((await run(['host', VICTIM, '--json'])).stdout);
      assert.ok(hj.lastSecond.incoming.udp.pps > 40000, JSON.stringify(hj.lastSecond));
      const unknown = await run(['host', '192.0.2.200']);
      expectCode(unknown, 3, 'host without traffic');
      assert.match(unknown.stdout, /192\.0\.2\.200: unknown to the daemon/);
      const notIp = await run(['host', 'not-an-ip']);
      expectCode(notIp, 2, 'host not-an-ip');
      assert.match(notIp.stderr, /'not-an-ip' is not an IPv4 or IPv6 address/);
      checks.push('host');

      // ---- top
      const top = await run(['top', '--once', '--limit', '3']);
      expectCode(top, 0, 'top --once');
      assert.match(top.stdout, /top 3 incoming hosts by average pps/);
      assert.match(top.stdout, /HOST .*\n {2}192\.0\.2\.10 +global /);
      const topj = JSON.parse((await run(['top', '--count', '1', '--json', '--metric', 'mbps'])).stdout);
      assert.equal(topj.top.hosts[0].host, VICTIM);
      const badTop = await run(['top', '--once', '--metric', 'flows']);
      expectCode(badTop, 2, 'top by a metric without average');
      assert.match(badTop.stderr, /metric 'flows' has no average/);
      checks.push('top');

      // ---- attacks
      const list = await run(['attacks', '--active']);
      expectCode(list, 0, 'attacks --active');
      assert.match(list.stdout, /Active attacks \(1\)/);
      assert.doesNotMatch(list.stdout, /Ended attacks/);
      const aj = JSON.parse((await run(['attacks', '--json', '--host', VICTIM])).stdout);
      const attackId = aj.active[0].id as string;
      const show = await run(['attacks', 'show', attackId]);
      expectCode(show, 0, 'attacks show');
      assert.match(show.stdout, new RegExp(`^attack ${attackId}: udp_flood incoming on 192\\.0\\.2\\.10`));
      assert.match(show.stdout, /trigger: pps \S+ > threshold 40\.0k/);
      assert.match(show.stdout, /Fingerprint\n {2}samples +\d+/);
      assert.match(show.stdout, /protocols +udp \d/);
      assert.match(show.stdout, /Audit trail\n.*\n.*announce/);
      const showj = JSON.parse((await run(['attacks', 'show', attackId, '--json'])).stdout);
      assert.ok(showj.attack.fingerprint.samples > 0);
      expectCode(await run(['attacks', 'show', '00000000-0000-0000-0000-000000000000']), 3, 'attacks show of an unknown id');
      expectCode(await run(['attacks', '--count', '2']), 2, '--count without --follow');
      checks.push('attacks');

      // ---- mitigations: ban, extend, flowspec add, withdraw, unban; bad input and refusals
      const ban = await run(['mitigations', 'ban', '192.0.2.20', '--duration', '120', '--reason', 'from the cli']);
      expectCode(ban, 0, 'ban');
      assert.match(ban.stdout, /^banned 192\.0\.2\.20: blackhole unicast 192\.0\.2\.20\/32 .*expires in 2m00s/);
      const banned = d.mitigation.forHost('192.0.2.20');
      assert.equal(banned.length, 1);
      assert.equal(banned[0].kind, 'blackhole');
      assert.equal(banned[0].user, 'admin');
      assert.equal(banned[0].reason, 'from the cli');
      const ext = await run(['mitigations', 'extend', banned[0].id, 'never']);
      expectCode(ext, 0, 'extend never');
      assert.equal(d.mitigation.get(banned[0].id)!.expiresMs, null);
      const badIp = await run(['mitigations', 'ban', 'not-an-ip']);
      expectCode(badIp, 2, 'ban not-an-ip');
      assert.match(badIp.stderr, /^breakwater: 'not-an-ip' is not an IPv4 or IPv6 address/);
      const outside = await run(['mitigations', 'ban', '198.51.100.1']);
      expectCode(outside, 1, 'ban outside the monitored networks');
      assert.match(outside.stderr, /refused: .*198\.51\.100\.1.*not inside a monitored network/);
      expectCode(await run(['mitigations', 'ban', '192.0.2.21', '--duration', 'soon']), 2, 'ban with a bad duration');
      const fs = await run(['mitigations', 'flowspec', 'add', '--destination', '192.0.2.30/32', '--protocol', 'udp', '--source-port', '53,123', '--packet-length', '500-1500', '--action', 'rate-limit:10', '--duration', '60', '--json']);
      expectCode(fs, 0, 'flowspec add');
      const rule = JSON.parse(fs.stdout).mitigation;
      assert.equal(rule.kind, 'flowspec');
      const syn = await run(['mitigations', 'flowspec', 'add', '--destination', '192.0.2.31/32', '--protocol', 'tcp', '--tcp-flags', 'syn,!ack', '--action', 'discard']);
      expectCode(syn, 0, 'flowspec add with tcp flags');
      const badFs = await run(['mitigations', 'flowspec', 'add', '--destination', '192.0.2.30/32', '--action', 'teleport']);
      expectCode(badFs, 2, 'flowspec add with a bad action');
      assert.match(badFs.stderr, /'teleport' is not a FlowSpec action/);
      await d.speakers.syncNow();
      const routes = await d.speakers.speakers[0].listAnnounced();
      assert.ok(routes.some((r) => r.kind === 'unicast' && r.prefix === '192.0.2.20/32'), 'the ban reaches the speaker');
      const fsRoute = routes.find((r) => r.kind === 'flowspec' && r.match.destination === '192.0.2.30/32');
      assert.ok(fsRoute && fsRoute.kind === 'flowspec');
      assert.deepEqual(fsRoute.match.protocols, [17]);
      assert.deepEqual(fsRoute.match.sourcePorts, [53, 123]);
      assert.deepEqual(fsRoute.action, { type: 'rate-limit', bytesPerSecond: 1_250_000 });
      const synRoute = routes.find((r) => r.kind === 'flowspec' && r.match.destination === '192.0.2.31/32');
      assert.ok(synRoute && synRoute.kind === 'flowspec');
      assert.deepEqual(synRoute.match.tcpFlags, { syn: true, ack: false });
      const listed = await run(['mitigations', '--kind', 'flowspec']);
      assert.match(listed.stdout, /Active mitigations \(2\)/);
      const wd = await run(['mitigations', 'withdraw', rule.id]);
      expectCode(wd, 0, 'withdraw');
      assert.equal(d.mitigation.get(rule.id) ?? null, null, 'withdrawn');
      expectCode(await run(['mitigations', 'withdraw', rule.id]), 3, 'withdraw twice');
      const unban = await run(['mitigations', 'unban', '192.0.2.20']);
      expectCode(unban, 0, 'unban');
      assert.match(unban.stdout, /^withdrawn blackhole unicast 192\.0\.2\.20\/32/);
      assert.equal(d.mitigation.forHost('192.0.2.20').length, 0);
      const again = await run(['mitigations', 'unban', '192.0.2.20']);
      expectCode(again, 3, 'unban a host without mitigation');
      assert.match(again.stderr, /host 192\.0\.2\.20 has no mitigation/);
      checks.push('mitigations');

      // ---- exporters
      const ex = await run(['exporters']);
      expectCode(ex, 0, 'exporters');
      assert.match(ex.stdout, /Exporters \(1\)\n.*\n {2}127\.0\.0\.1 +sflow +\d+ +\d+ /);
      assert.match(ex.stdout, /Listeners\n.*\n {2}sflow +127\.0\.0\.1 /);
      const exj = JSON.parse((await run(['exporters', '--json'])).stdout);
      assert.ok(exj.exporters[0].samples > 0);
      checks.push('exporters');

      // ---- errors: authentication, permission, reload without a config file
      const wrong = await cli(['status', '--url', url, '--user', 'admin', '--password', 'wrong']);
      expectCode(wrong, 1, 'wrong password');
      assert.match(wrong.stderr, new RegExp(`authentication failed at ${url.replace(/\./g, '\\.')}: invalid user name or password`));
      const anon = await cli(['status', '--url', url]);
      expectCode(anon, 1, 'no credentials');
      assert.match(anon.stderr, /requires authentication: give --user and --password/);
      const ro = await cli(['mitigations', 'ban', '192.0.2.22', '--url', url, '--token', READ_TOKEN]);
      expectCode(ro, 1, 'ban with a read-only token');
      assert.match(ro.stderr, /permission denied: .*read role/);
      const rl = await run(['reload']);
      expectCode(rl, 1, 'reload of a daemon started without a config file');
      assert.match(rl.stderr, /refused: the daemon was started without a config file/);
      checks.push('errors');
    },
  });
  assert.deepEqual(checks, ['status', 'host', 'top', 'attacks', 'mitigations', 'exporters', 'errors']);
  await waitFor('attacks --follow --count 2 to exit', () => followExit !== undefined);
  assert.equal(followExit, 0, `attacks --follow: ${followErr}`);
  // The attack's start and the ban it caused (in the order the daemon publishes them).
  const events = followOut.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, 2, followOut);
  const started = events.find((e) => e.type === 'attack');
  assert.equal(started.event, 'started');
  assert.equal(started.attack.host, VICTIM);
  assert.equal(started.attack.type, 'udp_flood');
  const ban = events.find((e) => e.type === 'mitigation');
  assert.equal(ban.event, 'ban');
  assert.equal(ban.host, VICTIM);
  assert.equal(ban.mitigations[0].kind, 'blackhole');
});

test('`breakwater run --config FILE`: URL from --config, reload applied and rejected, top refreshing, SIGTERM, then unreachable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
  const file = join(dir, 'breakwater.yaml');
  const port = await freePort();
  const conf = (networks: string) => `
logging: { level: info }
state: { path: ${join(dir, 'state.db')} }
collectors:
  listeners: [{ protocol: sflow, address: 127.0.0.1, port: 0 }]
  log_interval_seconds: 0
traffic: { networks: [${networks}] }
api:
  port: ${port}
  tokens:
    - { name: ops, token: tok-cli-0123456789abcdef-admin, role: admin }
`;
  writeFileSync(file, conf('192.0.2.0/24'));
  const env = { BREAKWATER_TOKEN: 'tok-cli-0123456789abcdef-admin' };
  const daemon = start(CLI, ['run', '--config', file]);
  daemon.stdin!.end();
  let exit: string | null = null;
  daemon.on('exit', (code, signal) => (exit = `code ${code}, signal ${signal}`));
  let stderr = '';
  daemon.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  let started = false;
  createInterface({ input: daemon.stdout! }).on('line', (l) => {
    if (l.includes('"breakwater started"')) started = true;
  });
  try {
    await waitFor('the daemon to start', () => started || exit !== null, 20_000);
    assert.equal(exit, null, `daemon exited: ${stderr}`);

    const st = await cli(['status', '--config', file], { env });
    expectCode(st, 0, 'status --config');
    assert.match(st.stdout, new RegExp(`at http://127\\.0\\.0\\.1:${port}: up`));

    writeFileSync(file, conf('192.0.2.0/24, 198.51.100.0/24'));
    const ok = await cli(['reload', '--config', file], { env });
    expectCode(ok, 0, 'reload');
    assert.match(ok.stdout, /^config reloaded; applied: traffic\.networks$/m);

    writeFileSync(file, conf('not-a-prefix'));
    const bad = await cli(['reload', '--config', file, '--json'], { env });
    expectCode(bad, 2, 'reload of an invalid file');
    const badJson = JSON.parse(bad.stdout);
    assert.equal(badJson.ok, false);
    assert.match(badJson.problems.join('\n'), /traffic\.networks\[0\]/);
    // The API section is still readable: the CLI finds the daemon while the rest of the file is invalid.
    const badText = await cli(['reload', '--url', `http://127.0.0.1:${port}`], { env });
    expectCode(badText, 2, 'reload of an invalid file (text)');
    assert.match(badText.stderr, /config reload rejected; the running config is kept:\n {2}- traffic\.networks\[0\]/);

    // A real daemon ticks every second: top waits for the next refresh and stops after --count.
    const top = await cli(['top', '--count', '2', '--interval', '1', '--config', file], { env });
    expectCode(top, 0, 'top --count 2');
    assert.equal(top.stdout.match(/^top 10 incoming hosts by average pps/gm)?.length, 2, top.stdout);

    daemon.kill('SIGTERM');
    await waitFor('the daemon to stop', () => exit !== null, 15_000);
    assert.equal(exit, 'code 0, signal null', `clean stop (stderr: ${stderr.slice(0, 500)})`);

    const gone = await cli(['status', '--url', `http://127.0.0.1:${port}`], { env });
    expectCode(gone, 1, 'status without a daemon');
    assert.match(gone.stderr, new RegExp(`cannot reach the Breakwater API at http://127\\.0\\.0\\.1:${port} \\(from --url\\)`));
    assert.match(gone.stderr, /breakwater run --config FILE/);
    assert.match(gone.stderr, /api\.address/);
  } finally {
    if (exit === null) {
      daemon.kill('SIGKILL');
      await waitFor('the daemon to be killed', () => exit !== null, 5000).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a daemon: check-config, main.js --check, hash-password, usage errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-cli-check-'));
  try {
    writeFileSync(join(dir, 'networks_list'), '192.0.2.0/24\n# ours\n10.0.0.0/33\n');
    const good = join(dir, 'good.yaml');
    writeFileSync(good, `traffic: { networks: [192.0.2.0/24] }\napi: { port: 10099 }\n`);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `traffic: { networks_file: ${join(dir, 'networks_list')} }\napi: { address: 0.0.0.0 }\n`);
    const schema = join(dir, 'schema.yaml');
    writeFileSync(schema, `traffic: { networks: [nope] }\ndetection: { bananas: 1 }\n`);

    const ok = await cli(['check-config', good]);
    expectCode(ok, 0, 'check-config of a valid file');
    assert.equal(ok.stdout, `config ${good} is valid\n`);
    const nok = await cli(['check-config', bad]);
    expectCode(nok, 2, 'check-config of an invalid file');
    assert.match(nok.stderr, new RegExp(`^invalid config ${bad.replace(/\./g, '\\.')}:\n`));
    assert.match(nok.stderr, /networks_list:3: '10\.0\.0\.0\/33'/);
    assert.match(nok.stderr, /api\.address 0\.0\.0\.0 is not a loopback address/);
    const sj = await cli(['check-config', '--json', schema]);
    expectCode(sj, 2, 'check-config --json of a schema error');
    const sr = JSON.parse(sj.stdout);
    assert.equal(sr.valid, false);
    assert.ok(sr.problems.some((p: string) => p.startsWith('traffic.networks[0]')));
    assert.ok(sr.problems.some((p: string) => p === 'detection.bananas: unknown key'));
    expectCode(await cli(['check-config']), 2, 'check-config without a file');
    expectCode(await cli(['check-config', join(dir, 'missing.yaml')]), 2, 'check-config of a missing file');

    // The historical entry point keeps working.
    const old = await cli(['--config', good, '--check'], { script: MAIN });
    expectCode(old, 0, 'main.js --check');
    assert.equal(old.stdout, `config ${good} is valid\n`);
    expectCode(await cli(['--config', bad, '--check'], { script: MAIN }), 2, 'main.js --check of an invalid file');
    const oldRun = await cli(['--config', schema], { script: MAIN });
    expectCode(oldRun, 2, 'main.js with an invalid file');
    assert.match(oldRun.stderr, /detection\.bananas: unknown key/);
    const newRun = await cli(['run', '--config', bad]);
    expectCode(newRun, 2, 'run with an invalid networks file');
    assert.match(newRun.stderr, /networks_list:3:/);

    const hp = await cli(['hash-password'], { input: 'correct horse\n' });
    expectCode(hp, 0, 'hash-password');
    const hash = hp.stdout.trim();
    assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horse\n', hash), false);
    expectCode(await cli(['hash-password', '--password-stdin'], { input: '\n' }), 2, 'hash-password of an empty password');

    expectCode(await cli(['no-such-command']), 2, 'unknown command');
    expectCode(await cli(['status', '--no-such-option']), 2, 'unknown option');
    expectCode(await cli(['top', '--limit', '0']), 2, 'out-of-range option');
    expectCode(await cli(['top', '--direction', 'sideways']), 2, 'bad choice');
    expectCode(await cli(['status', '--url', 'ftp://x']), 2, 'bad URL scheme');
    expectCode(await cli(['mitigations', 'flowspec', 'add', '--destination', '192.0.2.1/32', '--action', 'discard', '--source-port', '70000']), 2, 'port out of range');
    expectCode(await cli(['mitigations', 'flowspec', 'add', '--action', 'discard']), 2, 'flowspec add without --destination');
    const ver = await cli(['--version']);
    expectCode(ver, 0, '--version');
    assert.match(ver.stdout, /^\d+\.\d+\.\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--help of every command', async () => {
  const paths = [
    [],
    ['run'],
    ['check-config'],
    ['hash-password'],
    ['import-fastnetmon'],
    ['replay'],
    ['status'],
    ['top'],
    ['host'],
    ['attacks'],
    ['attacks', 'show'],
    ['mitigations'],
    ['mitigations', 'show'],
    ['mitigations', 'ban'],
    ['mitigations', 'unban'],
    ['mitigations', 'withdraw'],
    ['mitigations', 'extend'],
    ['mitigations', 'flowspec'],
    ['mitigations', 'flowspec', 'add'],
    ['exporters'],
    ['reload'],
  ];
  // Four at a time: each is a process start.
  for (let i = 0; i < paths.length; i += 4) {
    await Promise.all(
      paths.slice(i, i + 4).map(async (p) => {
        const r = await cli([...p, '--help']);
        expectCode(r, 0, `${p.join(' ')} --help`);
        assert.match(r.stdout, new RegExp(`^Usage: breakwater${p.length ? ` ${p.join(' ')}` : ''} `), `${p.join(' ')} --help`);
        if (['status', 'top', 'host', 'attacks', 'mitigations', 'exporters', 'reload'].includes(p[0])) assert.match(r.stdout, /Connection options:\n {2}--url <url>/, `${p.join(' ')} --help lists the connection options`);
      }),
    );
  }
  const help = await cli(['help', 'mitigations']);
  expectCode(help, 0, 'help mitigations');
  assert.match(help.stdout, /ban \[options\] <ip>/);
});
