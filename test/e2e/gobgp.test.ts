/**
 * gobgpd 3.x driven over gRPC (Unix socket into the lab's namespace) announcing to a real FRR 8.4,
 * converged by the reconciler; FRR's view is asserted after announce, withdraw and a gobgpd restart.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { Lab, Proc, skipUnlessLab, waitFor, gobgpdToml, GOBGP, GOBGP_AS } from './lab.js';
import { GobgpSpeaker } from '../../src/bgp/gobgp/index.js';
import { Reconciler } from '../../src/bgp/reconciler.js';
import fc from 'fast-check';
import { routeKey, type Route } from '../../src/bgp/route.js';
import { routeArbitrary } from '../../src/bgp/route-arbitrary.js';
import {
  rtbh4, rtbh6, flowDiscard4, flowRate4, flowRedirect4, flowMark4, flowDiscard6, flowRate6, flowMark6,
  frrView, expectedView, assertFlowDetails,
} from './routes.js';

const skip = skipUnlessLab(['gobgpd']);
const CONVERGE_MS = 30_000;

describe('GoBGP → FRR', { skip }, () => {
  let lab: Lab;
  let speaker: GobgpSpeaker;
  let rc: Reconciler;
  let gobgpd: Proc;

  const startGobgpd = () => {
    writeFileSync(lab.path('gobgpd.toml'), gobgpdToml());
    // gobgpd does not remove a Unix API socket left by a killed instance and then cannot listen.
    rmSync(lab.path('gobgp.sock'), { force: true });
    return lab.spawn('gobgpd', ['gobgpd', '-f', lab.path('gobgpd.toml'), '-p', '--pprof-disable', '--api-hosts', `unix://${lab.path('gobgp.sock')}`]);
  };
  const view = () => {
    try {
      return frrView(lab, GOBGP);
    } catch (e) {
      return String(e);
    }
  };
  const converged = async (want: Route[]) => {
    const exp = expectedView(want);
    await waitFor(() => JSON.stringify(frrView(lab, GOBGP)) === JSON.stringify(exp), CONVERGE_MS, () => `FRR to show exactly ${JSON.stringify(exp)} (has ${JSON.stringify(view())})`);
  };

  before(async () => {
    lab = new Lab('gobgp');
    await lab.startFrr([{ address: GOBGP, asn: GOBGP_AS }]);
    gobgpd = startGobgpd();
    speaker = new GobgpSpeaker({ name: 'gobgp-e2e', address: `unix://${lab.path('gobgp.sock')}`, pollIntervalMs: 500, timeoutMs: 3000 });
    await waitFor(() => existsSync(lab.path('gobgp.sock')), 10_000, 'gobgpd API socket');
    await speaker.start();
    rc = new Reconciler(speaker, { intervalMs: 0, retryInitialMs: 200, retryMaxMs: 1000 });
    rc.start();
    await waitFor(() => lab.sessionUp(GOBGP), CONVERGE_MS, 'BGP session FRR–gobgpd');
    await waitFor(() => speaker.health().sessionState === 'established', CONVERGE_MS, 'speaker to see the session');
  });

  after(async () => {
    await rc?.stop();
    await speaker?.stop();
    if (process.env.BW_KEEP_LAB) console.log(`lab kept in ${lab.dir}`);
    await lab?.close();
  });

  const all: Route[] = [rtbh4(5), rtbh6(5), flowDiscard4, flowRate4, flowRedirect4, flowMark4, flowDiscard6, flowRate6, flowMark6];

  test('announces RTBH /32 and /128 and FlowSpec discard/rate-limit/redirect/mark (IPv4 and IPv6)', async () => {
    rc.setDesired(all);
    await converged(all);
    const u4 = lab.unicastFrom(GOBGP, 4).get('198.51.100.5/32')!;
    assert.deepEqual(u4.communities, ['blackhole', 'no-export']);
    assertFlowDetails(lab, flowDiscard4, ['IP Protocol = 6', 'Destination Port = 80 , = 443', 'TCP Flags = 2,&= ! 16', 'FS:rate 0.000000']);
    assertFlowDetails(lab, flowRate4, ['IP Protocol = 17', 'Source Port = 53 , = 123 , = 389', 'Packet Length >= 1000 , <= 1500', 'Packet Fragment ∋ 2', 'FS:rate 125000.000000']);
    assertFlowDetails(lab, flowRedirect4, ['Source Address 203.0.113.0/24', 'FS:redirect VRF RT:65000:666']);
    assertFlowDetails(lab, flowMark4, ['ICMP Type = 8', 'ICMP Code = 0', 'FS:marking 10']);
    assertFlowDetails(lab, flowDiscard6, ['IP Protocol = 17', 'Source Port = 53', 'FS:rate 0.000000']);
    assertFlowDetails(lab, flowRate6, ['Destination Port >= 1024', 'FS:rate 12500.000000']);
    const again = await rc.syncNow();
    assert.deepEqual({ ok: again.ok, announced: again.announced, withdrawn: again.withdrawn, unchanged: again.unchanged, rejected: again.rejected }, { ok: true, announced: 0, withdrawn: 0, unchanged: all.length, rejected: {} });
  });

  test('60 random routes: what gobgpd reports back maps to exactly the desired routes', async () => {
    // Seeded, so a failure is reproducible; covers every component, range form and action.
    const random = fc.sample(routeArbitrary(), { numRuns: 60, seed: 4242 });
    rc.setDesired(random);
    const first = await rc.syncNow();
    assert.equal(first.ok, true, String(first.error));
    assert.deepEqual(first.rejected, {});
    const second = await rc.syncNow();
    const distinct = new Set(random.map(routeKey)).size;
    assert.deepEqual({ announced: second.announced, withdrawn: second.withdrawn, unchanged: second.unchanged }, { announced: 0, withdrawn: 0, unchanged: distinct });
    assert.deepEqual(speaker.lastUnparsed, []);
  });

  test('withdraws and FRR drops them', async () => {
    const keep = [rtbh6(5), flowRate4, flowMark6];
    rc.setDesired(keep);
    await converged(keep);
  });

  test('gobgpd restart: the reconciler restores exactly the desired routes', async () => {
    const want = [rtbh4(7), rtbh6(5), flowDiscard4, flowRate6];
    await gobgpd.stop();
    await waitFor(() => !lab.sessionUp(GOBGP), 15_000, 'session down');
    await waitFor(() => !speaker.health().up, 10_000, 'speaker to notice gobgpd is gone');
    rc.setDesired(want);
    gobgpd = startGobgpd();
    await converged(want);
    await waitFor(() => speaker.health().sessionState === 'established', 10_000, 'speaker to report the session established');
  });

  test('daemon restart: a new Breakwater finds what gobgpd holds and converges it (stale routes withdrawn)', async () => {
    await rc.stop();
    await speaker.stop();
    speaker = new GobgpSpeaker({ name: 'gobgp-e2e-2', address: `unix://${lab.path('gobgp.sock')}`, pollIntervalMs: 500, timeoutMs: 3000 });
    await speaker.start();
    const want = [rtbh6(5), flowRedirect4];
    rc = new Reconciler(speaker, { intervalMs: 0, retryInitialMs: 200, retryMaxMs: 1000 });
    rc.setDesired(want);
    rc.start();
    await converged(want);
  });

  test('gobgpd SIGKILL and immediate restart: routes restored, then all withdrawn one by one', async () => {
    const want = [rtbh4(8), flowMark4];
    rc.setDesired(want);
    await converged(want);
    const sessions = lab.sessionsEstablished(GOBGP);
    gobgpd.child.kill('SIGKILL');
    await gobgpd.exited;
    gobgpd = startGobgpd();
    // Only a new session proves FRR dropped the old routes and learnt them again.
    await waitFor(() => lab.sessionsEstablished(GOBGP) > sessions, CONVERGE_MS, 'a new FRR–gobgpd session');
    await converged(want);
    rc.setDesired([]);
    await converged([]);
  });
});
