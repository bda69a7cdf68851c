/**
 * The whole pipeline with gobgpd as the speaker: flowgen sFlow over UDP → Breakwater (decoders,
 * accounting, detection, mitigation) → gobgpd 3.x over its gRPC API (Unix socket in the lab dir)
 * → FRR 8.4. The same assertions as pipeline.test.ts's: FlowSpec rules and blackholes for a SYN
 * flood (escalated to its /24) and an NTP amplification, withdrawn when the ban time is over, and
 * the /128 blackhole of an IPv6 flood.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { Lab, skipUnlessLab, waitFor, gobgpdToml, GOBGP, GOBGP_AS, NEXT_HOP_V6 } from './lab.js';
import { BASE_CONFIG, runScenario } from '../scenarios/harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import { frrView, expectedView } from './routes.js';
import type { Daemon } from '../../src/daemon.js';

const skip = skipUnlessLab(['gobgpd']);
const CONVERGE_MS = 30_000;

describe('flowgen → Breakwater → GoBGP → FRR', { skip }, () => {
  let lab: Lab;

  before(async () => {
    lab = new Lab('pipegobgp');
    await lab.startFrr([{ address: GOBGP, asn: GOBGP_AS }]);
    writeFileSync(lab.path('gobgpd.toml'), gobgpdToml());
    rmSync(lab.path('gobgp.sock'), { force: true });
    lab.spawn('gobgpd', ['gobgpd', '-f', lab.path('gobgpd.toml'), '-p', '--pprof-disable', '--api-hosts', `unix://${lab.path('gobgp.sock')}`]);
    await waitFor(() => existsSync(lab.path('gobgp.sock')), 10_000, 'gobgpd API socket');
    await waitFor(() => lab.sessionUp(GOBGP), CONVERGE_MS, 'BGP session FRR–gobgpd');
  });

  after(async () => {
    if (process.env.BW_KEEP_LAB) console.log(`lab kept in ${lab.dir}`);
    await lab?.close();
  });

  const config = () => `${BASE_CONFIG}
mitigation:
  ban_time_seconds: 15
  unban_only_if_attack_finished: false
  actions:
    default: [blackhole]
    syn_flood: [blackhole, flowspec]
    amplification: [flowspec]
  blackhole:
    next_hop: { ipv4: 192.0.2.1, ipv6: "${NEXT_HOP_V6}" }
  escalation:
    enabled: true
    thresholds: { incoming: { pps: 250000 } }
    prefix_length: { ipv4: 24, ipv6: 64 }
    next_hop: { ipv4: 192.0.2.1, ipv6: "${NEXT_HOP_V6}" }
bgp:
  speakers:
    - { type: gobgp, name: gobgp, address: "unix://${lab.path('gobgp.sock')}", poll_interval_ms: 500, timeout_ms: 3000, resync_interval_seconds: 5, retry_initial_ms: 200 }
`;

  /** Waits until FRR shows exactly the daemon's desired routes, and returns that view. */
  async function frrConverged(d: Daemon): Promise<string[]> {
    const want = expectedView(d.mitigation.desiredRoutes());
    await waitFor(() => JSON.stringify(frrView(lab, GOBGP)) === JSON.stringify(want), CONVERGE_MS, () => `FRR to show ${JSON.stringify(want)} (has ${JSON.stringify(frrView(lab, GOBGP))})`);
    return want;
  }

  test('SYN flood and NTP amplification: FlowSpec rules, blackhole, escalated /24; all withdrawn after the ban time', async () => {
    const views: Record<number, string[]> = {};
    const details: Record<string, string[]> = {};
    const r = await runScenario(
      [
        { protocol: 'sflow', description: scenarioDescription('syn-flood', { background: true }), activeSeconds: [0, 6] },
        { protocol: 'sflow', description: { ...scenarioDescription('ntp-amplification', { victim: '192.0.2.11' }), exporter: { subAgentId: 1 } }, activeSeconds: [0, 6] },
      ],
      24,
      config(),
      {
        afterTick: async (sec, d) => {
          if (sec === 4 || sec === 24) views[sec] = await frrConverged(d);
          if (sec === 4) for (const e of lab.flowspec(4)) details[e.destination] = e.lines;
        },
      },
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.started.map((s) => `${s.attack.host} ${s.attack.type}`).sort(), ['192.0.2.10 syn_flood', '192.0.2.11 amplification']);
    const v = views[4];
    assert.ok(v.includes('unicast 192.0.2.10/32 nh 192.0.2.1 blackhole,no-export'), JSON.stringify(v));
    assert.ok(v.includes('unicast 192.0.2.0/24 nh 192.0.2.1 blackhole,no-export'), `escalation: ${JSON.stringify(v)}`);
    assert.ok(v.includes('flow4 192.0.2.10/32 FS:rate 0.000000'), `SYN discard: ${JSON.stringify(v)}`);
    assert.ok(v.includes('flow4 192.0.2.11/32 FS:rate 0.000000'), `NTP discard: ${JSON.stringify(v)}`);
    const syn = details['192.0.2.10/32'];
    assert.ok(syn.some((l) => /tcp/i.test(l) || l.includes('= 6')), JSON.stringify(syn));
    const ntp = details['192.0.2.11/32'];
    assert.ok(ntp.some((l) => l.includes('123')), `NTP rule matches source port 123: ${JSON.stringify(ntp)}`);
    assert.deepEqual(views[24], [], 'everything withdrawn after the ban time');
  });

  test('IPv6 flood: /128 blackhole with community blackhole at FRR', async () => {
    const views: Record<number, string[]> = {};
    await runScenario([{ protocol: 'sflow', description: scenarioDescription('ipv6-flood') }], 4, config(), {
      afterTick: async (sec, d) => {
        if (sec === 4) views[sec] = await frrConverged(d);
      },
    });
    assert.ok(views[4].includes(`unicast 2001:db8::10/128 nh ${NEXT_HOP_V6} blackhole,no-export`), JSON.stringify(views[4]));
  });
});
