/**
 * `breakwater demo` for real: the daemon, flowgen's NetFlow v9 and sFlow over loopback, and — when
 * the BGP lab can run (root, exabgp, frr; in CI it must) — ExaBGP and FRR in a namespace of their
 * own. Asserts what the demo promises a newcomer: the flood is detected, the mitigation announced
 * and seen by FRR, withdrawn after the ban time, and the timeline says so, with the dashboard
 * address. While it runs, the API named in the timeline is asked for the active mitigations, so
 * the printed address is the daemon's. A dry-run test covers machines without the lab.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { silentLogger } from '../../src/log.js';
import { skipUnlessLab } from '../../src/lab/lab.js';
import { runDemo, type DemoResult } from '../../src/demo/index.js';

const skipLab = skipUnlessLab(['exabgp']);

interface Run {
  result: DemoResult;
  lines: string[];
  /** GET /api/v1/mitigations answered while the attack was mitigated. */
  apiMitigations: Array<{ kind: string; host: string; dryRun: boolean }> | null;
}

/** Runs the demo, collecting its timeline; once the attack is detected, asks the printed API for the active mitigations. */
async function run(opts: Parameters<typeof runDemo>[0]): Promise<Run> {
  const lines: string[] = [];
  let apiUrl: string | null = null;
  let apiCheck: Promise<Run['apiMitigations']> | null = null;
  const result = await runDemo({
    ...opts,
    logger: silentLogger(),
    out: (line) => {
      lines.push(line);
      const m = /API: +(http:\/\/127\.0\.0\.1:\d+\/api\/v1\/)/.exec(line);
      if (m) apiUrl = m[1];
      if (line.includes('mitigation: blackhole') && apiUrl !== null && apiCheck === null) {
        apiCheck = fetch(`${apiUrl}mitigations`)
          .then((r) => r.json() as Promise<{ mitigations: Array<{ kind: string; host: string; dryRun: boolean }> }>)
          .then((j) => j.mitigations);
      }
    },
  });
  return { result, lines, apiMitigations: apiCheck === null ? null : await apiCheck };
}

function has(lines: string[], text: string | RegExp): boolean {
  return lines.some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l)));
}

function assertTimeline(lines: string[], r: DemoResult): void {
  const all = lines.join('\n');
  assert.match(r.dashboardUrl, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);
  assert.ok(has(lines, `dashboard:  ${r.dashboardUrl}`), all);
  assert.ok(has(lines, `API:        ${r.apiUrl}`), all);
  assert.ok(has(lines, 'breakwater status'), all);
  for (const t of ['normal traffic:', 'flood starts: udp-flood', 'flood over', 'attack ended: udp_flood on 192.0.2.10', 'summary: attack detected']) assert.ok(has(lines, t), `timeline lacks '${t}':\n${all}`);
  assert.ok(has(lines, /attack detected: udp_flood on 192\.0\.2\.10 \(incoming, [\d.]+k pps, \d+ Mbit\/s\)/), all);
  assert.ok(has(lines, 'mitigation: blackhole 192.0.2.10/32 next hop 192.0.2.1 community 65535:666 no-export'), all);
  assert.ok(has(lines, 'mitigation: flowspec 192.0.2.10/32 protocol udp'), all);
  // Every line but the first carries its offset from the start, in order.
  const offsets = lines.slice(1).map((l) => Number(/^\[\s*([\d.]+)s\]/.exec(l)?.[1]));
  assert.ok(offsets.every((x) => Number.isFinite(x)), all);
  assert.ok(offsets.every((x, i) => i === 0 || x >= offsets[i - 1]), `offsets not in order:\n${all}`);
  // Order of the story: flood, detection, mitigation, end, removal.
  const at = (t: string) => lines.findIndex((l) => l.includes(t));
  const order = ['flood starts', 'attack detected', 'mitigation: blackhole', 'flood over', 'attack ended', 'mitigation removed'];
  for (let i = 1; i < order.length; i++) assert.ok(at(order[i - 1]) < at(order[i]), `'${order[i - 1]}' should come before '${order[i]}':\n${all}`);
}

function namespaces(): string {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

test('demo with the BGP lab: detected, announced through ExaBGP, seen by FRR, withdrawn after the ban time', { skip: skipLab, timeout: 90_000 }, async () => {
  const { result: r, lines, apiMitigations } = await run({ apiPort: 0, normalSeconds: 3, floodSeconds: 12, exitAtEnd: true });
  const all = lines.join('\n');
  assert.equal(r.mode, 'lab', all);
  assert.equal(r.dryRunReason, null);
  assert.equal(r.interrupted, false);
  assert.equal(r.attackType, 'udp_flood');
  assert.ok(r.attackDetectedAfterSeconds !== null && r.attackDetectedAfterSeconds > 0, all);
  assert.ok(r.mitigatedAfterSeconds !== null && r.mitigatedAfterSeconds >= r.attackDetectedAfterSeconds!, all);
  assert.equal(r.frrSawRoute, true, all);
  assert.equal(r.attackEnded, true, all);
  assert.equal(r.withdrawn, true, all);
  assertTimeline(lines, r);
  assert.ok(has(lines, "announced via exabgp: 2 routes in ExaBGP's adj-rib-out"), all);
  assert.ok(has(lines, 'FRR received 192.0.2.10/32 from 127.0.0.3 community 65535:666 no-export, next hop 192.0.2.1'), all);
  assert.ok(has(lines, /FRR received a FlowSpec rule for 192\.0\.2\.10\/32 from 127\.0\.0\.3: .*FS:rate 10000\.000000/), all);
  assert.ok(has(lines, 'withdrawn; FRR no longer has the routes (192.0.2.10/32, flowspec 192.0.2.10/32)'), all);
  assert.ok(!has(lines, 'dry-run'), all);
  // The printed API is the running daemon's, and the mitigations it lists are real ones.
  assert.deepEqual(
    apiMitigations?.map((m) => `${m.kind} ${m.host} ${m.dryRun}`).sort(),
    ['blackhole 192.0.2.10 false', 'flowspec 192.0.2.10 false'],
  );
  // Everything the demo started is gone: its namespace (and with it FRR and ExaBGP).
  assert.doesNotMatch(namespaces(), new RegExp(`bw-demo-${process.pid}\\b`));
});

test('demo without BGP (--no-bgp): dry-run, decided and removed, nothing announced', { timeout: 60_000 }, async () => {
  const { result: r, lines, apiMitigations } = await run({ apiPort: 0, bgp: 'off', normalSeconds: 1, floodSeconds: 6, banSeconds: 5, exitAtEnd: true });
  const all = lines.join('\n');
  assert.equal(r.mode, 'dry-run');
  assert.equal(r.dryRunReason, 'BGP switched off (--no-bgp)');
  assert.equal(r.frrSawRoute, null);
  assert.equal(r.attackType, 'udp_flood');
  assert.ok(r.attackDetectedAfterSeconds !== null, all);
  assert.ok(r.mitigatedAfterSeconds !== null, all);
  assert.equal(r.attackEnded, true, all);
  assert.equal(r.withdrawn, true, all);
  assertTimeline(lines, r);
  assert.ok(has(lines, 'dry-run: BGP switched off (--no-bgp)'), all);
  assert.ok(has(lines, 'mitigation: blackhole 192.0.2.10/32 next hop 192.0.2.1 community 65535:666 no-export  (dry-run: nothing announced)'), all);
  assert.ok(has(lines, '(dry-run: nothing to withdraw)'), all);
  assert.ok(!has(lines, 'announced via exabgp') && !has(lines, 'FRR received'), all);
  assert.deepEqual(
    apiMitigations?.map((m) => `${m.kind} ${m.host} ${m.dryRun}`).sort(),
    ['blackhole 192.0.2.10 true', 'flowspec 192.0.2.10 true'],
  );
});
