import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Notifier } from './notifier.js';
import { notifyConfigSchema } from './config.js';
import { expandArgs, scriptValues } from './report.js';
import { ScriptRunner } from './script-runner.js';
import type { MitigationEvent } from '../mitigation/manager.js';
import { MitigationManager } from '../mitigation/manager.js';
import { ManualClock, attack, fingerprint, mitigationConfig, networks } from '../mitigation/test-fixtures.js';
import { silentLogger } from '../log.js';

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-notify-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function script(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

/** A manager wired to a notifier, the way the daemon does it. */
function wired(notify: Record<string, unknown>, mitigation: Record<string, unknown> = {}) {
  const cfg = notifyConfigSchema.parse(notify);
  const notifier = new Notifier(cfg, silentLogger());
  const clock = new ManualClock();
  const mgr = new MitigationManager(mitigationConfig(mitigation), {
    networks: networks(),
    store: null,
    logger: silentLogger(),
    now: clock.now,
    notifier,
    updateIntervalMs: cfg.update_interval_seconds * 1000,
  });
  mgr.start();
  return { mgr, notifier, clock };
}

test('FastNetMon contract: <script> <ip> <direction> <pps> ban with the report on stdin, then unban', async () => {
  const t = tempDir();
  try {
    const out = join(t.dir, 'calls');
    const p = script(t.dir, 'notify.sh', `echo "$@" >> ${out}\nif [ "$4" = ban ]; then cat > ${out}.stdin; fi\necho done`);
    const { mgr, notifier } = wired({ script: { path: p } }, { ban_time_seconds: 60, unban_only_if_attack_finished: false });
    const a = attack({ host: '10.0.1.5', pps: 123456.7, mbps: 800, type: 'amplification', amplification: { service: 'dns', port: 53 }, fingerprint: fingerprint({ srcPort: { value: 53, share: 1 } }) });
    mgr.attackStarted(a);
    await notifier.idle();
    mgr.tick(Date.UTC(2026, 0, 1) + 61_000);
    await notifier.idle();
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), ['10.0.1.5 incoming 123457 ban', '10.0.1.5 incoming 123457 unban']);
    const report = readFileSync(`${out}.stdin`, 'utf8');
    assert.match(report, /^IP: 10\.0\.1\.5\n/);
    assert.match(report, /Attack type: amplification \(dns, source port 53\)/);
    assert.match(report, /Attack direction: incoming/);
    assert.match(report, /blackhole unicast 10\.0\.1\.5\/32/);
    assert.equal(notifier.recent.length, 2);
    assert.equal(notifier.recent[0].exitCode, 0);
    assert.equal(notifier.recent[0].stdout, 'done\n');
    assert.deepEqual(notifier.stats().scripts, { started: 2, succeeded: 2, failed: 0, timedOut: 0, dropped: 0, running: 0, queued: 0 });
  } finally {
    t.done();
  }
});

test('environment variables and an argument template for <script> <ip> <attack_type> <mbps> scripts', async () => {
  const t = tempDir();
  try {
    const out = join(t.dir, 'env');
    const p = script(t.dir, 'env.sh', `echo "args=$1|$2|$3 ip=$ATTACK_TARGET_IP type=$ATTACK_TYPE power=$ATTACK_POWER dir=$ATTACK_DIRECTION id=$ATTACK_ID" > ${out}`);
    const { mgr, notifier } = wired({ script: { path: p, args: '{ip} {attack_type} {mbps}', stdin: 'none' } });
    const a = attack({ host: '10.0.1.6', type: 'syn_flood', mbps: 1234.4 });
    mgr.attackStarted(a);
    await notifier.idle();
    assert.equal(readFileSync(out, 'utf8').trim(), `args=10.0.1.6|syn_flood|1234 ip=10.0.1.6 type=syn_flood power=1234 dir=incoming id=${a.id}`);
  } finally {
    t.done();
  }
});

test('JSON on stdin and a separate unban script; manual bans pass "other 0"', async () => {
  const t = tempDir();
  try {
    const ban = script(t.dir, 'ban.sh', `cat > ${join(t.dir, 'ban.json')}; echo "$@" > ${join(t.dir, 'ban.args')}`);
    const unban = script(t.dir, 'unban.sh', `cat > ${join(t.dir, 'unban.json')}; echo "$@" > ${join(t.dir, 'unban.args')}`);
    const { mgr, notifier } = wired({ script: { path: ban, unban_path: unban, unban_args: 'unban {ip}', stdin: 'json' } });
    mgr.ban({ host: '10.0.1.7', user: 'alice', reason: 'ticket 7' });
    await notifier.idle();
    mgr.unban('10.0.1.7', { user: 'alice' });
    await notifier.idle();
    assert.equal(readFileSync(join(t.dir, 'ban.args'), 'utf8'), '10.0.1.7 other 0 ban\n');
    assert.equal(readFileSync(join(t.dir, 'unban.args'), 'utf8'), 'unban 10.0.1.7\n');
    const j = JSON.parse(readFileSync(join(t.dir, 'ban.json'), 'utf8'));
    assert.equal(j.event, 'ban');
    assert.equal(j.actor, 'manual:alice');
    assert.equal(j.reason, 'ticket 7');
    assert.equal(j.mitigations[0].kind, 'blackhole');
    assert.equal(JSON.parse(readFileSync(join(t.dir, 'unban.json'), 'utf8')).event, 'unban');
  } finally {
    t.done();
  }
});

test('a hanging script is killed (SIGTERM, then SIGKILL when it ignores it), children included', async () => {
  const t = tempDir();
  try {
    const marker = join(t.dir, 'child-finished');
    // Ignores SIGTERM and leaves a child that would write the marker after 3 s.
    const p = script(t.dir, 'hang.sh', `trap '' TERM\n(sleep 3; touch ${marker}) &\necho started\nwhile true; do sleep 0.1; done`);
    const runner = new ScriptRunner({ timeoutMs: 300, killGraceMs: 300, maxConcurrent: 2, queueSize: 10, maxOutputBytes: 100, logger: silentLogger() });
    const r = (await runner.run({ path: p, args: [], stdin: '', env: {}, label: 'hang' }))!;
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(r.exitCode, null);
    assert.equal(r.stdout, 'started\n');
    assert.ok(r.durationMs >= 550 && r.durationMs < 3000, `killed after ${r.durationMs} ms`);
    assert.equal(runner.stats().timedOut, 1);
    // A script that exits on SIGTERM needs no SIGKILL.
    const q = script(t.dir, 'sleepy.sh', 'sleep 30');
    const r2 = (await runner.run({ path: q, args: [], stdin: '', env: {}, label: 'sleepy' }))!;
    assert.equal(r2.timedOut, true);
    assert.equal(r2.signal, 'SIGTERM');
    await new Promise((res) => setTimeout(res, 3300));
    assert.equal(existsSync(marker), false, 'the script child was killed with the script');
  } finally {
    t.done();
  }
});

test('bounded: concurrency, queue overflow counted, output truncated, exit codes and missing scripts reported', async () => {
  const t = tempDir();
  try {
    const slow = script(t.dir, 'slow.sh', 'sleep 0.3; head -c 5000 /dev/zero | tr "\\0" x; exit 3');
    const runner = new ScriptRunner({ timeoutMs: 5000, killGraceMs: 100, maxConcurrent: 1, queueSize: 1, maxOutputBytes: 100, logger: silentLogger() });
    const job = { path: slow, args: [], stdin: 'ignored by the script', env: {}, label: 'slow' };
    const runs = [runner.run(job), runner.run(job), runner.run(job)];
    assert.equal(runner.stats().running, 1);
    assert.equal(runner.stats().queued, 1);
    const results = await Promise.all(runs);
    assert.equal(results[2], null);
    assert.equal(runner.stats().dropped, 1);
    assert.equal(results[0]!.exitCode, 3);
    assert.equal(results[0]!.stdout.length, 100);
    assert.equal(results[0]!.truncated, true);
    assert.equal(runner.stats().failed, 2);
    const missing = (await runner.run({ path: join(t.dir, 'nope.sh'), args: [], stdin: '', env: {}, label: 'x' }))!;
    assert.match(missing.error!, /ENOENT/);
  } finally {
    t.done();
  }
});

test('argument templates substitute per argument, never re-split', () => {
  const e: MitigationEvent = { type: 'ban', atMs: 0, host: '10.0.0.1', direction: null, attack: null, mitigations: [], actor: 'manual:x', reason: 'r', dryRun: false };
  assert.deepEqual(expandArgs('{ip} {direction} {pps} {action}', scriptValues(e)), ['10.0.0.1', 'other', '0', 'ban']);
  assert.deepEqual(expandArgs('--target={ip} {attack_type}', scriptValues(e)), ['--target=10.0.0.1', 'manual']);
  assert.throws(() => notifyConfigSchema.parse({ script: { args: '{ip} {nope}' } }));
});

test('dry-run: scripts not run unless asked, webhooks carry dry_run', async () => {
  const t = tempDir();
  const received: unknown[] = [];
  const server = createServer((req, res) => body(req).then((b) => (received.push(JSON.parse(b)), res.end('ok'))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const out = join(t.dir, 'ran');
    const p = script(t.dir, 'n.sh', `touch ${out}`);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const { mgr, notifier } = wired({ script: { path: p }, webhooks: [{ url }] }, { dry_run: true });
    mgr.attackStarted(attack());
    await notifier.idle();
    assert.equal(existsSync(out), false);
    assert.equal((received[0] as { dry_run: boolean }).dry_run, true);
  } finally {
    server.close();
    t.done();
  }
});

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

test('webhooks: JSON POST for ban, update and unban, retried with backoff after 503 and a dropped connection', async () => {
  const received: Array<{ path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
  let calls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    calls++;
    body(req).then((b) => {
      if (calls === 1) {
        res.statusCode = 503;
        res.end('busy');
        return;
      }
      if (calls === 2) {
        req.socket.destroy();
        return;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(b) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const { mgr, notifier, clock } = wired(
      { webhooks: [{ url, headers: { authorization: 'Bearer x' }, backoff_initial_ms: 20, backoff_max_ms: 50, retries: 3 }] },
      { ban_time_seconds: 5, unban_only_if_attack_finished: false },
    );
    const a = attack({ host: '10.0.1.9', type: 'udp_flood' });
    mgr.attackStarted(a);
    clock.advance(1);
    mgr.attackUpdated(a);
    clock.advance(5);
    mgr.tick(clock.ms);
    await notifier.idle();
    assert.deepEqual(received.map((r) => r.body.event), ['ban', 'update', 'unban']);
    assert.equal(received[0].path, '/hook');
    assert.equal(received[0].headers['content-type'], 'application/json');
    assert.equal(received[0].headers.authorization, 'Bearer x');
    const ban = received[0].body as { host: string; attack: { id: string; type: string }; mitigations: Array<{ route_text: string }> };
    assert.equal(ban.host, '10.0.1.9');
    assert.equal(ban.attack.id, a.id);
    assert.equal(ban.attack.type, 'udp_flood');
    assert.equal(ban.mitigations[0].route_text, 'unicast 10.0.1.9/32 nh 192.0.2.1 comm 65535:666,65535:65281');
    const st = notifier.stats().webhooks[0];
    assert.equal(st.delivered, 3);
    assert.equal(st.retries, 2);
  } finally {
    server.close();
  }
});

test('webhooks: a 4xx is not retried; retries give up; the queue is bounded', async () => {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    body(req).then(() => {
      res.statusCode = req.url === '/bad' ? 400 : 500;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cfg = notifyConfigSchema.parse({
      webhooks: [
        { url: `${base}/bad`, backoff_initial_ms: 10 },
        { url: `${base}/down`, retries: 2, backoff_initial_ms: 10, backoff_max_ms: 10, queue_size: 1 },
      ],
    });
    const n = new Notifier(cfg, silentLogger());
    const e: MitigationEvent = { type: 'ban', atMs: 0, host: '10.0.0.1', direction: null, attack: null, mitigations: [], actor: 'manual:x', reason: 'r', dryRun: false };
    n.notify(e);
    n.notify(e);
    await n.idle();
    const [bad, down] = n.stats().webhooks;
    assert.equal(bad.failed, 2);
    assert.equal(bad.retries, 0);
    assert.equal(bad.lastError, 'HTTP 400');
    assert.equal(down.failed, 1);
    assert.equal(down.retries, 2);
    assert.equal(down.dropped, 1);
    assert.equal(calls, 2 + 3);
  } finally {
    server.close();
  }
});

test('webhooks: a receiver that hangs hits the timeout', async () => {
  const server = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const n = new Notifier(notifyConfigSchema.parse({ webhooks: [{ url, timeout_seconds: 0.2, retries: 0 }] }), silentLogger());
    n.notify({ type: 'unban', atMs: 0, host: '10.0.0.1', direction: 'incoming', attack: null, mitigations: [], actor: 'expiry', reason: 'r', dryRun: false });
    await n.idle();
    assert.match(n.stats().webhooks[0].lastError!, /timeout/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
