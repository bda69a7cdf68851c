/**
 * The whole-pipeline cases shared by the ExaBGP and GoBGP end-to-end files: flowgen sFlow over
 * UDP → Breakwater (decoders, accounting, detection, mitigation) → the speaker → FRR, asserting
 * what FRR shows. Each file sets up its lab and speaker and calls `pipelineCases`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, NEXT_HOP_V6, type Lab } from './lab.js';
import { BASE_CONFIG, runScenario } from '../scenarios/harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import { frrView, expectedView } from './routes.js';
import type { Daemon } from '../../src/daemon.js';

const CONVERGE_MS = 30_000;

/** Daemon config: ban time 15 s, SYN flood → blackhole + FlowSpec, amplification → FlowSpec, escalation above 250k pps. */
export function pipelineConfig(speakerYaml: string, extraActions = ''): string {
  return `${BASE_CONFIG}
mitigation:
  ban_time_seconds: 15
  unban_only_if_attack_finished: false
  actions:
    default: [blackhole]
    syn_flood: [blackhole, flowspec]
    amplification: [flowspec]
${extraActions}  blackhole:
    next_hop: { ipv4: 192.0.2.1, ipv6: "${NEXT_HOP_V6}" }
  escalation:
    enabled: true
    thresholds: { incoming: { pps: 250000 } }
    prefix_length: { ipv4: 24, ipv6: 64 }
    next_hop: { ipv4: 192.0.2.1, ipv6: "${NEXT_HOP_V6}" }
bgp:
  speakers:
    - ${speakerYaml}
`;
}

/**
 * Defines the pipeline tests. `lab()` is read when the tests run (after the file's before hook),
 * `peer` is the speaker's address as FRR sees it, `speakerYaml` the speaker's bgp.speakers entry.
 */
export function pipelineCases(lab: () => Lab, peer: string, speakerYaml: () => string): void {
  /** Waits until FRR shows exactly the daemon's desired routes, and returns that view. */
  async function frrConverged(d: Daemon): Promise<string[]> {
    const want = expectedView(d.mitigation.desiredRoutes());
    await waitFor(() => JSON.stringify(frrView(lab(), peer)) === JSON.stringify(want), CONVERGE_MS, () => `FRR to show ${JSON.stringify(want)} (has ${JSON.stringify(frrView(lab(), peer))})`);
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
      pipelineConfig(speakerYaml()),
      {
        afterTick: async (sec, d) => {
          if (sec === 4 || sec === 24) views[sec] = await frrConverged(d);
          if (sec === 4) for (const e of lab().flowspec(4)) details[e.destination] = e.lines;
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

  test('IPv6 flood: /128 blackhole, FlowSpec rule and escalated /64 at FRR; all withdrawn after the ban time', async () => {
    const views: Record<number, string[]> = {};
    // 300k pps: above the 250k pps emergency threshold, so the covering /64 is announced too.
    const cfg = pipelineConfig(speakerYaml(), '    udp_flood: [blackhole, flowspec]\n');
    await runScenario([{ protocol: 'sflow', description: scenarioDescription('ipv6-flood', { scale: 1.5 }), activeSeconds: [0, 6] }], 24, cfg, {
      afterTick: async (sec, d) => {
        if (sec === 4 || sec === 24) views[sec] = await frrConverged(d);
      },
    });
    const v = views[4];
    assert.ok(v.includes(`unicast 2001:db8::10/128 nh ${NEXT_HOP_V6} blackhole,no-export`), JSON.stringify(v));
    assert.ok(v.includes(`unicast 2001:db8::/64 nh ${NEXT_HOP_V6} blackhole,no-export`), `escalation: ${JSON.stringify(v)}`);
    assert.ok(v.some((l) => l.startsWith('flow6 2001:db8::10/128 FS:')), `IPv6 FlowSpec rule: ${JSON.stringify(v)}`);
    assert.deepEqual(views[24], [], 'everything withdrawn after the ban time');
  });
}
