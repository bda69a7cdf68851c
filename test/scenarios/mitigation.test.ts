/**
 * Detection to mitigation end to end: flowgen over UDP → daemon → mitigation manager → the
 * desired routes a BGP speaker converges to (the in-memory speaker here; test/e2e runs ExaBGP,
 * GoBGP and FRR). Checks the routes built for a SYN flood and an amplification, ban-time expiry,
 * allow-listed hosts never announced, and restore after a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_CONFIG, DEFAULT_T0, runScenario } from './harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import type { Route } from '../../src/bgp/index.js';
import type { Daemon } from '../../src/daemon.js';

const CONFIG = `${BASE_CONFIG}
mitigation:
  ban_time_seconds: 20
  unban_only_if_attack_finished: false
  actions:
    default: [blackhole]
    syn_flood: [blackhole, flowspec]
    amplification: [flowspec]
bgp:
  speakers:
    - { type: memory, name: lab, resync_interval_seconds: 1 }
`;

async function announced(d: Daemon): Promise<Route[]> {
  await d.speakers.syncNow();
  return d.speakers.speakers[0].listAnnounced();
}

test('a SYN flood gets a blackhole /32 and a FlowSpec discard of SYNs to port 80; both go at the end of the ban time', async () => {
  const seen: Record<number, Route[]> = {};
  await runScenario([{ protocol: 'sflow', description: scenarioDescription('syn-flood', { background: true }), activeSeconds: [0, 5] }], 30, CONFIG, {
    afterTick: async (sec, d) => {
      if (sec === 3 || sec === 29) seen[sec] = await announced(d);
    },
  });
  const at3 = seen[3];
  const bh = at3.find((r) => r.kind === 'unicast');
  assert.ok(bh && bh.kind === 'unicast');
  assert.equal(bh.prefix, '192.0.2.10/32');
  // no-export is kept in its numeric form (RFC 1997: 65535:65281) by the route model.
  assert.deepEqual([...bh.communities].sort(), ['65535:65281', '65535:666']);
  const fs = at3.find((r) => r.kind === 'flowspec');
  assert.ok(fs && fs.kind === 'flowspec', JSON.stringify(at3));
  assert.equal(fs.match.destination, '192.0.2.10/32');
  assert.deepEqual(fs.match.protocols, [6]);
  assert.equal(fs.action.type, 'discard');
  assert.equal(at3.length, 2);
  // Banned at second 2 for 20 s: gone by second 29.
  assert.deepEqual(seen[29], []);
});

test('an NTP amplification gets a FlowSpec rule matching UDP from source port 123', async () => {
  let routes: Route[] = [];
  await runScenario([{ protocol: 'sflow', description: scenarioDescription('ntp-amplification', { background: true }) }], 4, CONFIG, {
    afterTick: async (sec, d) => {
      if (sec === 4) routes = await announced(d);
    },
  });
  assert.equal(routes.length, 1, JSON.stringify(routes));
  const r = routes[0];
  assert.ok(r.kind === 'flowspec');
  assert.equal(r.match.destination, '192.0.2.10/32');
  assert.deepEqual(r.match.protocols, [17]);
  assert.equal(JSON.stringify(r.match.sourcePorts), JSON.stringify([123]));
});

test('an attack on an allow-listed host is detected but never announced', async () => {
  const config = CONFIG.replace('traffic:\n  networks: [192.0.2.0/24, "2001:db8::/64"]\n', 'traffic:\n  networks: [192.0.2.0/24, "2001:db8::/64"]\n  allow_list: { hosts: [192.0.2.10/32] }\n');
  let routes: Route[] = [];
  const r = await runScenario([{ protocol: 'sflow', description: scenarioDescription('udp-flood') }], 4, config, {
    afterTick: async (sec, d) => {
      if (sec === 4) routes = await announced(d);
    },
  });
  assert.equal(r.started.length, 1);
  assert.equal(r.started[0].attack.allowListed, true);
  assert.deepEqual(routes, []);
});

test('active mitigations come back after a restart; expired ones do not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-restart-'));
  try {
    await runScenario([{ protocol: 'sflow', description: scenarioDescription('udp-flood') }], 4, CONFIG, { stateDir: dir });
    // Restarted 5 s later: the ban (20 s from second 2) is still active.
    let routes: Route[] = [];
    await runScenario([], 1, CONFIG, { stateDir: dir, t0: DEFAULT_T0 + 9_000, afterTick: async (_s, d) => { routes = await announced(d); } });
    assert.deepEqual(routes.map((r) => (r.kind === 'unicast' ? r.prefix : r.kind)), ['192.0.2.10/32']);
    // Restarted 60 s later: expired while down, not restored.
    await runScenario([], 1, CONFIG, { stateDir: dir, t0: DEFAULT_T0 + 60_000, afterTick: async (_s, d) => { routes = await announced(d); } });
    assert.deepEqual(routes, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
