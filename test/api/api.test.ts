/**
 * The operator API against a running daemon fed over UDP by flowgen (test/scenarios/harness.ts):
 * every native and FastNetMon-compatible endpoint, authentication (bcrypt, scrypt and clear
 * passwords, bearer tokens, roles, the slow-down after failures), malformed input (4xx with a
 * JSON error, nothing changed), the event stream, and a Python client written the way FastNetMon
 * Advanced users write theirs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { BASE_CONFIG, runScenario } from '../scenarios/harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import { hashPassword } from '../../src/api/auth.js';
import type { Daemon } from '../../src/daemon.js';

const run = promisify(execFile);
const TOKEN = 'tok-0123456789abcdef-read';
const ADMIN_TOKEN = 'tok-0123456789abcdef-admin';
const VICTIM = '192.0.2.10';

async function config(): Promise<string> {
  const admin = bcrypt.hashSync('s3cret', 4);
  const viewer = await hashPassword('look');
  return `${BASE_CONFIG}
mitigation:
  ban_time_seconds: 600
  actions:
    default: [blackhole]
bgp:
  speakers:
    - { type: memory, name: lab, resync_interval_seconds: 1 }
api:
  port: 0
  auth_failures_before_delay: 3
  users:
    - { name: admin, password: '${admin}' }
    - { name: viewer, password: '${viewer}', role: read }
    - { name: lab, password: clear-text-pw }
  tokens:
    - { name: grafana, token: ${TOKEN} }
    - { name: automation, token: ${ADMIN_TOKEN}, role: admin }
`;
}

type Auth = [string, string] | { bearer: string } | null;
interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
  ms: number;
}

function client(d: Daemon) {
  const base = `http://127.0.0.1:${d.api!.port}`;
  return async (method: string, path: string, opts: { auth?: Auth; body?: unknown; raw?: string; contentType?: string } = {}): Promise<Res> => {
    const headers: Record<string, string> = {};
    const auth = opts.auth === undefined ? (['admin', 's3cret'] as [string, string]) : opts.auth;
    if (Array.isArray(auth)) headers.authorization = `Basic ${Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64')}`;
    else if (auth) headers.authorization = `Bearer ${auth.bearer}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const t0 = performance.now();
    const r = await fetch(base + path, { method, headers, body });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON (metrics) */
    }
    return { status: r.status, body: parsed, headers: r.headers, ms: performance.now() - t0 };
  };
}

test('operator API: native and FastNetMon-compatible endpoints, auth, bad input, events, a FastNetMon-style Python client', async () => {
  const checks: string[] = [];
  const events: string[] = [];
  let stream: AbortController | null = null;
  await runScenario([{ protocol: 'sflow', description: scenarioDescription('udp-flood', { background: true }) }], 7, await config(), {
    afterTick: async (sec, d) => {
      const call = client(d);
      if (sec === 1) {
        // The event stream, read in the background for the rest of the run.
        stream = new AbortController();
        const r = await fetch(`http://127.0.0.1:${d.api!.port}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: stream.signal });
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
        void (async () => {
          const dec = new TextDecoder();
          try {
            for await (const chunk of r.body!) events.push(dec.decode(chunk as Uint8Array));
          } catch {
            /* aborted */
          }
        })();
        // Follow the victim so that its seconds are recorded from now on.
        const h = await call('GET', `/api/v1/hosts/${VICTIM}?wait=false`);
        assert.equal(h.status, 200, JSON.stringify(h.body));
        checks.push('events+follow');
      }
      if (sec !== 5) return;

      // ---- health, auth
      assert.equal((await call('GET', '/api/v1/health', { auth: null })).status, 200);
      const anon = await call('GET', '/api/v1/status', { auth: null });
      assert.equal(anon.status, 401);
      assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm="breakwater"/);
      assert.equal(anon.body.error.code, 'unauthorized');
      assert.equal((await call('GET', '/api/v1/status', { auth: ['admin', 'wrong'] })).status, 401);
      assert.equal((await call('GET', '/api/v1/status', { auth: ['nobody', 'x'] })).status, 401);
      assert.equal((await call('GET', '/api/v1/status', { auth: { bearer: 'not-a-token-at-all' } })).status, 401);
      assert.equal((await call('GET', '/blackhole', { auth: null })).body.success, false);
      // Three failures from 127.0.0.1 so far past the limit of 3: the next answer is held back.
      const slowed = await call('GET', '/api/v1/status', { auth: ['admin', 'wrong-again'] });
      assert.equal(slowed.status, 401);
      assert.ok(slowed.ms >= 200, `a client past the failure limit must be slowed down (answered in ${slowed.ms} ms)`);
      // A correct login clears the client's failures.
      assert.equal((await call('GET', '/api/v1/status', { auth: ['lab', 'clear-text-pw'] })).status, 200);
      assert.equal((await call('GET', '/api/v1/status', { auth: ['viewer', 'look'] })).status, 200);
      const ro = await call('POST', '/api/v1/mitigations/blackhole', { auth: ['viewer', 'look'], body: { host: '192.0.2.99' } });
      assert.equal(ro.status, 403);
      assert.equal((await call('PUT', '/blackhole/192.0.2.99', { auth: { bearer: TOKEN } })).status, 403);
      checks.push('auth');

      // ---- status, traffic, hosts
      const st = await call('GET', '/api/v1/status', { auth: { bearer: TOKEN } });
      assert.equal(st.status, 200);
      assert.equal(st.body.attacks.active.length, 1);
      assert.equal(st.body.attacks.active[0].host, VICTIM);
      assert.equal(st.body.attacks.active[0].type, 'udp_flood');
      assert.equal(st.body.speakers[0].name, 'lab');
      assert.ok(st.body.exporters.length >= 1);
      assert.ok(st.body.traffic.totals.incoming.total.pps > 0);
      const totals = await call('GET', '/api/v1/traffic/totals?version=4');
      assert.ok(totals.body.totals.incoming.udp.pps > 0);
      assert.equal((await call('GET', '/api/v1/traffic/totals?version=5')).status, 400);
      const th = await call('GET', '/api/v1/traffic/history?seconds=3');
      assert.equal(th.body.points.length, 3, 'the last 3 seconds of totals');
      assert.ok(th.body.points[2].atMs > th.body.points[0].atMs);
      assert.ok(th.body.points[2].incoming.udp.pps > 40000);
      assert.equal((await call('GET', '/api/v1/traffic/history')).body.points.length, 5, 'every second so far (5 ticks)');
      assert.equal((await call('GET', '/api/v1/traffic/history?seconds=601')).status, 400);
      const nets = await call('GET', '/api/v1/traffic/networks');
      assert.equal(nets.body.networks[0].network, '192.0.2.0/24');
      const top = await call('GET', '/api/v1/traffic/top?direction=incoming&metric=pps&limit=3');
      assert.equal(top.status, 200);
      assert.equal(top.body.hosts[0].host, VICTIM);
      assert.ok(top.body.hosts[0].attackId);
      const badTop = await call('GET', '/api/v1/traffic/top?metric=bananas');
      assert.equal(badTop.status, 400);
      assert.equal(badTop.body.error.code, 'invalid_request');
      assert.match(badTop.body.error.problems[0], /querystring\.metric/);
      assert.equal((await call('GET', '/api/v1/traffic/top?limit=0')).status, 400);
      const host = await call('GET', `/api/v1/hosts/${VICTIM}`);
      assert.equal(host.status, 200);
      assert.equal(host.body.network, '192.0.2.0/24');
      assert.equal(host.body.group, 'global');
      assert.equal(host.body.thresholds.incoming.pps, 40000);
      assert.ok(host.body.lastSecond.incoming.udp.pps > 40000, JSON.stringify(host.body.lastSecond));
      assert.equal(host.body.attacks.active.length, 1);
      assert.equal(host.body.mitigations.length, 1);
      const hist = await call('GET', `/api/v1/hosts/${VICTIM}/history?seconds=10`);
      assert.ok(hist.body.seconds.length >= 3, `history of a followed host: ${hist.body.seconds.length} seconds`);
      assert.equal((await call('GET', '/api/v1/hosts/not-an-ip')).status, 400);
      assert.equal((await call('GET', '/api/v1/hosts/192.0.2.200?wait=false')).body.known, false);
      checks.push('traffic+hosts');

      // ---- attacks
      const attacks = await call('GET', '/api/v1/attacks?status=active');
      const attackId = attacks.body.active[0].id;
      const one = await call('GET', `/api/v1/attacks/${attackId}`);
      assert.equal(one.status, 200);
      assert.ok(one.body.attack.fingerprint, 'attack detail carries the fingerprint');
      assert.equal(one.body.mitigations.length, 1);
      assert.ok(one.body.audit.some((e: { action: string }) => e.action === 'announce'));
      assert.equal((await call('GET', '/api/v1/attacks/00000000-0000-0000-0000-000000000000')).status, 404);
      assert.equal((await call('GET', '/api/v1/attacks?status=maybe')).status, 400);
      checks.push('attacks');

      // ---- mitigations: manual ban, extend, withdraw, flowspec, bad input changes nothing
      const before = (await call('GET', '/api/v1/mitigations')).body.mitigations.length;
      for (const [body, raw, code] of [
        [{ host: 'x' }, undefined, 400],
        [{ host: '192.0.2.20', durationSeconds: 5 }, undefined, 400],
        [{ host: '192.0.2.20', duration_seconds: -1 }, undefined, 400],
        [{ host: '192.0.2.20', group: 'nope' }, undefined, 400],
        [undefined, '{"host": ', 400],
        [{ host: '198.51.100.1' }, undefined, 409],
      ] as const) {
        const r = await call('POST', '/api/v1/mitigations/blackhole', raw !== undefined ? { raw } : { body });
        assert.equal(r.status, code, `${JSON.stringify(body ?? raw)} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(typeof r.body.error.message, 'string');
      }
      const fsBad = await call('POST', '/api/v1/mitigations/flowspec', { body: { match: { destination: '192.0.2.30/32', protocols: ['udp'], destinationPorts: [70000] }, action: { type: 'discard' } } });
      assert.equal(fsBad.status, 400);
      assert.equal((await call('POST', '/api/v1/mitigations/flowspec', { body: { match: { destination: '192.0.2.30/32' }, action: { type: 'teleport' } } })).status, 400);
      assert.equal((await call('GET', '/api/v1/mitigations')).body.mitigations.length, before, 'bad requests change nothing');
      const ban = await call('POST', '/api/v1/mitigations/blackhole', { body: { host: '192.0.2.20', duration_seconds: 120, reason: 'test' } });
      assert.equal(ban.status, 201, JSON.stringify(ban.body));
      assert.equal(ban.body.mitigation.route.prefix, '192.0.2.20/32');
      assert.equal(ban.body.mitigation.user, 'admin');
      const ext = await call('POST', `/api/v1/mitigations/${ban.body.mitigation.id}/extend`, { body: { seconds: null } });
      assert.equal(ext.body.mitigation.expiresAt, null);
      const fsOk = await call('POST', '/api/v1/mitigations/flowspec', { body: { match: { destination: '192.0.2.30/32', protocols: ['udp'], sourcePorts: [123] }, action: { type: 'rate-limit', mbps: 10 }, duration_seconds: 60 } });
      assert.equal(fsOk.status, 201, JSON.stringify(fsOk.body));
      await d.speakers.syncNow();
      const routes = await d.speakers.speakers[0].listAnnounced();
      assert.ok(routes.some((r) => r.kind === 'unicast' && r.prefix === '192.0.2.20/32'), 'manual ban reaches the speaker');
      assert.ok(routes.some((r) => r.kind === 'flowspec' && r.match.destination === '192.0.2.30/32'));
      const del = await call('DELETE', `/api/v1/mitigations/${fsOk.body.mitigation.id}`);
      assert.equal(del.status, 200, JSON.stringify(del.body));
      assert.equal((await call('DELETE', `/api/v1/mitigations/${fsOk.body.mitigation.id}`)).status, 404);
      assert.equal((await call('DELETE', '/api/v1/hosts/192.0.2.20/mitigations')).status, 200);
      assert.equal((await call('DELETE', '/api/v1/hosts/192.0.2.20/mitigations')).status, 404);
      const audit = await call('GET', '/api/v1/audit?limit=50');
      assert.ok(audit.body.entries.some((e: { actor: string; action: string }) => e.actor === 'manual:admin' && e.action === 'withdraw'));
      checks.push('mitigations');

      // ---- speakers, exporters, config, openapi, metrics stub
      assert.equal((await call('GET', '/api/v1/speakers')).body.speakers[0].health.up, true);
      const ex = await call('GET', '/api/v1/exporters');
      assert.equal(ex.body.exporters[0].address, '127.0.0.1');
      assert.ok(ex.body.exporters[0].samples > 0);
      assert.equal((await call('GET', '/api/v1/exporters/127.0.0.1')).status, 200);
      assert.equal((await call('GET', '/api/v1/exporters/10.9.9.9')).status, 404);
      const cfg = await call('GET', '/api/v1/config');
      const users = cfg.body.config.api.users as Array<{ name: string; password: string }>;
      assert.ok(users.every((u) => u.password === '<redacted>'));
      assert.ok(cfg.body.config.api.tokens.every((t: { token: string }) => t.token === '<redacted>'));
      assert.ok(!JSON.stringify(cfg.body).includes('clear-text-pw'));
      const spec = await call('GET', '/api/v1/openapi.json');
      assert.equal(spec.body.openapi, '3.0.3');
      for (const p of ['/api/v1/mitigations/blackhole', '/api/v1/hosts/{ip}', '/blackhole/{ip}', '/single_host_counters/{ip}']) assert.ok(spec.body.paths[p], `OpenAPI documents ${p}`);
      assert.equal((await call('POST', '/api/v1/reload')).status, 409, 'started without a config file: nothing to reload');
      assert.equal((await call('GET', '/api/v1/nothing-here')).status, 404);
      const metrics = await call('GET', '/metrics', { auth: null });
      assert.equal(metrics.status, 200, 'Prometheus scrapes /metrics without credentials by default');
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain; version=0\.0\.4/);
      assert.match(metrics.body, /^breakwater_attacks_active\{type="udp_flood",direction="incoming"\} 1$/m);
      assert.match(metrics.body, /^breakwater_tick_duration_seconds_count \d+$/m);
      checks.push('daemon');

      // ---- FastNetMon-compatible
      const bh = await call('GET', '/blackhole');
      assert.deepEqual(Object.keys(bh.body).sort(), ['success', 'values']);
      assert.equal(bh.body.values.length, 1);
      assert.equal(bh.body.values[0].ip, `${VICTIM}/32`);
      const shc = await call('GET', `/single_host_counters/${VICTIM}`);
      assert.equal(shc.body.success, true);
      const o = shc.body.object;
      for (const k of ['in_bytes', 'out_bytes', 'in_packets', 'out_packets', 'in_flows', 'out_flows', 'udp_in_packets', 'tcp_syn_in_bytes', 'fragmented_out_packets', 'icmp_in_bytes', 'dropped_in_packets']) {
        assert.ok(Number.isInteger(o[k]), `${k} is an integer: ${o[k]}`);
      }
      assert.ok(o.udp_in_packets > 40000 && o.in_packets >= o.udp_in_packets, JSON.stringify(o));
      assert.ok(o.in_bytes > 0);
      const hc = await call('GET', '/host_counters/packets/incoming');
      assert.equal(hc.body.values[0].host, VICTIM);
      assert.ok(Number.isInteger(hc.body.values[0].incoming_packets) && hc.body.values[0].incoming_packets > 0);
      assert.ok('incoming_bytes' in hc.body.values[0] && 'incoming_flows' in hc.body.values[0]);
      assert.equal((await call('GET', '/host_counters/bytes/outgoing')).body.success, true);
      const bad = await call('GET', '/host_counters/kilos/incoming');
      assert.equal(bad.status, 400);
      assert.deepEqual(Object.keys(bad.body).sort(), ['error_text', 'success']);
      const nc = await call('GET', '/network_counters');
      assert.deepEqual(Object.keys(nc.body.values[0]).sort(), ['incoming_bytes', 'incoming_packets', 'network_name', 'outgoing_bytes', 'outgoing_packets']);
      const tt = await call('GET', '/total_traffic_counters');
      const inPps = tt.body.values.find((v: { counter_name: string; unit: string }) => v.counter_name === 'incoming traffic' && v.unit === 'pps');
      assert.ok(inPps.value > 40000);
      const badBan = await call('PUT', '/blackhole/999.1.1.1');
      assert.equal(badBan.status, 400);
      assert.equal(badBan.body.success, false);
      assert.match(badBan.body.error_text, /not an IPv4 or IPv6 address/);
      const rule = { destination_prefix: '192.0.2.40/32', protocols: ['udp'], source_ports: [53], action_type: 'rate-limit', action: { rate: 100 } };
      const put = await call('PUT', '/flowspec', { body: rule });
      assert.equal(put.body.success, true, JSON.stringify(put.body));
      const fl = await call('GET', '/flowspec');
      const mine = fl.body.values.find((v: { announce: { destination_prefix: string } }) => v.announce.destination_prefix === '192.0.2.40/32');
      assert.deepEqual(mine.announce, rule);
      assert.equal((await call('PUT', '/flowspec', { body: { ...rule, vlans: [10] } })).status, 400);
      assert.equal((await call('PUT', '/flowspec', { body: { protocols: ['udp'] } })).body.error_text.includes('destination_prefix'), true);
      assert.equal((await call('DELETE', `/flowspec/${mine.uuid}`)).body.success, true);
      assert.equal((await call('DELETE', `/flowspec/${mine.uuid}`)).status, 404);
      checks.push('fastnetmon');

      // ---- a FastNetMon-style Python client, unchanged
      const script = fileURLToPath(new URL('../../../test/api/fnm_client.py', import.meta.url));
      const { stdout } = await run('python3', [script, `http://127.0.0.1:${d.api!.port}`, 'admin', 's3cret', '192.0.2.66'], { timeout: 30_000 });
      const seen = JSON.parse(stdout);
      assert.equal(seen.blackholed.length, 1);
      assert.equal(seen.blackholed[0].ip, VICTIM);
      assert.ok(seen.blackholed[0].udp_in_packets > 40000);
      assert.ok(seen.blackholed[0].incoming_mbits > 0);
      assert.equal(seen.ban.success, true);
      assert.equal(seen.listed_after_ban, 1);
      assert.equal(seen.unban.success, true);
      assert.equal(seen.listed_after_unban, 0);
      assert.equal(seen.bad_password_status, 401);
      checks.push('python-client');
    },
  });
  (stream as AbortController | null)?.abort();
  assert.deepEqual(checks, ['events+follow', 'auth', 'traffic+hosts', 'attacks', 'mitigations', 'daemon', 'fastnetmon', 'python-client']);
  const text = events.join('');
  assert.match(text, /event: totals\ndata: \{"seq":\d+/);
  assert.match(text, /event: attack\ndata: .*"event":"started".*"host":"192\.0\.2\.10"/);
  assert.match(text, /event: mitigation\ndata: .*"event":"ban"/);
});

test('shadow mode (mitigation.dry_run): the API shows what would have been announced; the speakers are not touched', async () => {
  interface Seen {
    mitigations: Array<{ dryRun: boolean; host: string; kind: string }>;
    passes: number;
    up: boolean;
    audit: Array<{ dryRun: boolean; action: string }>;
  }
  const seen: Seen[] = [];
  const yaml = `${BASE_CONFIG}
mitigation:
  dry_run: true
  actions: { default: [blackhole] }
bgp:
  speakers:
    - { type: memory, name: lab, resync_interval_seconds: 1 }
`;
  await runScenario([{ protocol: 'sflow', description: scenarioDescription('udp-flood') }], 4, yaml, {
    afterTick: async (sec, d) => {
      if (sec !== 4) return;
      const call = client(d);
      const m = await call('GET', '/api/v1/mitigations', { auth: null });
      const audit = await call('GET', `/api/v1/audit?host=${VICTIM}`, { auth: null });
      const sp = (await call('GET', '/api/v1/speakers', { auth: null })).body.speakers[0];
      seen.push({ mitigations: m.body.mitigations, passes: sp.reconcile.passes, up: sp.health.up, audit: audit.body.entries });
    },
  });
  assert.equal(seen.length, 1);
  const s = seen[0];
  assert.equal(s.mitigations.length, 1);
  assert.equal(s.mitigations[0].host, VICTIM);
  assert.equal(s.mitigations[0].dryRun, true);
  // Not even connected: a reconciler would withdraw routes another system announced on the same speaker.
  assert.equal(s.up, false);
  assert.equal(s.passes, 0, 'no reconciliation in shadow mode');
  assert.ok(s.audit.some((e) => e.action === 'announce' && e.dryRun));
});
