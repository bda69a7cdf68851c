/**
 * ExaBGP 4.2 (bridge mode and supervised mode) announcing to a real FRR 8.4, converged by the
 * reconciler; FRR's view is asserted after announce, withdraw and ExaBGP restarts.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Lab, Proc, skipUnlessLab, waitFor, EXABGP, EXABGP_AS, ROUTER, ROUTER_AS } from './lab.js';
import { ExabgpSpeaker, renderExabgpConfig } from '../../src/bgp/exabgp/index.js';
import { Reconciler } from '../../src/bgp/reconciler.js';
import fc from 'fast-check';
import { routeKey, type Route } from '../../src/bgp/route.js';
import { routeArbitrary } from '../../src/bgp/route-arbitrary.js';
import {
  rtbh4, rtbh6, flowDiscard4, flowRate4, flowRedirect4, flowMark4, flowDiscard6, flowRate6, flowMark6,
  frrView, expectedView, assertFlowDetails,
} from './routes.js';

const skip = skipUnlessLab(['exabgp']);
const CONVERGE_MS = 30_000;

describe('ExaBGP → FRR', { skip }, () => {
  let lab: Lab;
  let speaker: ExabgpSpeaker;
  let rc: Reconciler;
  let exabgp: Proc;

  const exabgpConf = () => renderExabgpConfig({
    socketPath: lab.path('exabgp.sock'),
    workDir: lab.dir,
    routerId: EXABGP,
    localAs: EXABGP_AS,
    localAddress: EXABGP,
    neighbors: [{ address: ROUTER, peerAs: ROUTER_AS, holdTime: 9 }],
  });
  const startExabgp = () => {
    writeFileSync(lab.path('exabgp.conf'), exabgpConf());
    return lab.spawn('exabgp', ['exabgp', '--env', '/dev/null', lab.path('exabgp.conf')], {
      exabgp_daemon_user: 'root', exabgp_daemon_daemonize: 'false', exabgp_api_cli: 'false', exabgp_log_destination: 'stdout',
    });
  };
  const converged = async (want: Route[]) => {
    const exp = expectedView(want);
    await waitFor(() => JSON.stringify(frrView(lab, EXABGP)) === JSON.stringify(exp), CONVERGE_MS, () => `FRR to show exactly ${JSON.stringify(exp)} (has ${JSON.stringify(safeView())})`);
  };
  const safeView = () => {
    try {
      return frrView(lab, EXABGP);
    } catch (e) {
      return String(e);
    }
  };

  before(async () => {
    lab = new Lab('exa');
    await lab.startFrr([{ address: EXABGP, asn: EXABGP_AS }]);
    speaker = new ExabgpSpeaker({ name: 'exabgp-e2e', socketPath: lab.path('exabgp.sock'), commandTimeoutMs: 5000 });
    await speaker.start();
    exabgp = startExabgp();
    rc = new Reconciler(speaker, { intervalMs: 0, retryInitialMs: 200, retryMaxMs: 1000 });
    rc.start();
    await waitFor(() => lab.sessionUp(EXABGP), CONVERGE_MS, 'BGP session FRR–ExaBGP');
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
    const u4 = lab.unicastFrom(EXABGP, 4).get('198.51.100.5/32')!;
    assert.deepEqual(u4.communities, ['blackhole', 'no-export']);
    assert.equal(u4.valid, true);
    const j = lab.vtyshJson<{ paths: Array<{ community: { list: string[] } }> }>('show bgp ipv4 unicast 198.51.100.5/32 json');
    assert.deepEqual(j.paths[0].community.list, ['blackhole', 'noExport']);
    assertFlowDetails(lab, flowDiscard4, ['IP Protocol = 6', 'Destination Port = 80 , = 443', 'TCP Flags = 2,&= ! 16', 'FS:rate 0.000000']);
    assertFlowDetails(lab, flowRate4, ['IP Protocol = 17', 'Source Port = 53 , = 123 , = 389', 'Packet Length >= 1000 , <= 1500', 'Packet Fragment ∋ 2', 'FS:rate 125000.000000']);
    assertFlowDetails(lab, flowRedirect4, ['Source Address 203.0.113.0/24', 'FS:redirect VRF RT:65000:666']);
    assertFlowDetails(lab, flowMark4, ['ICMP Type = 8', 'ICMP Code = 0', 'FS:marking 10']);
    assertFlowDetails(lab, flowDiscard6, ['IP Protocol = 17', 'Source Port = 53', 'FS:rate 0.000000']);
    assertFlowDetails(lab, flowRate6, ['Destination Port >= 1024', 'FS:rate 12500.000000']);
    // What ExaBGP reports maps back to exactly the desired routes: a pass changes nothing.
    const again = await rc.syncNow();
    assert.deepEqual({ ok: again.ok, announced: again.announced, withdrawn: again.withdrawn, unchanged: again.unchanged }, { ok: true, announced: 0, withdrawn: 0, unchanged: all.length });
  });

  test('60 random routes: what ExaBGP reports back maps to exactly the desired routes', async () => {
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

  test('ExaBGP restart: the reconciler restores exactly the desired routes', async () => {
    const want = [rtbh4(7), rtbh6(5), flowDiscard4, flowRate6];
    await exabgp.stop();
    await waitFor(() => !lab.sessionUp(EXABGP), 15_000, 'session down');
    rc.setDesired(want); // changed while ExaBGP is away
    exabgp = startExabgp();
    await converged(want);
    await waitFor(() => speaker.health().sessionState === 'established', 10_000, 'speaker to report the session established');
  });

  test('daemon restart: a new Breakwater finds what ExaBGP holds and converges it (stale routes withdrawn)', async () => {
    // As after a SIGKILL: the old driver goes away without withdrawing anything.
    await rc.stop();
    await speaker.stop();
    speaker = new ExabgpSpeaker({ name: 'exabgp-e2e-2', socketPath: lab.path('exabgp.sock'), commandTimeoutMs: 5000 });
    await speaker.start();
    const want = [rtbh4(7), flowMark4];
    rc = new Reconciler(speaker, { intervalMs: 0, retryInitialMs: 200, retryMaxMs: 1000 });
    rc.setDesired(want);
    rc.start();
    await converged(want);
  });

  test('supervised mode: Breakwater starts ExaBGP itself and restores routes after SIGKILL', async () => {
    await rc.stop();
    await speaker.stop();
    await exabgp.stop();
    await waitFor(() => !lab.sessionUp(EXABGP), 15_000, 'session down');
    const sup = new ExabgpSpeaker({
      name: 'exabgp-supervised',
      socketPath: lab.path('sup.sock'),
      commandTimeoutMs: 5000,
      supervise: {
        workDir: lab.path('supervised'),
        routerId: EXABGP,
        localAs: EXABGP_AS,
        localAddress: EXABGP,
        neighbors: [{ address: ROUTER, peerAs: ROUTER_AS, holdTime: 9 }],
        commandPrefix: ['ip', 'netns', 'exec', lab.ns],
        restartDelayMs: 200,
      },
    });
    const rc2 = new Reconciler(sup, { intervalMs: 0, retryInitialMs: 200, retryMaxMs: 1000 });
    try {
      await sup.start();
      const want = [rtbh4(9), flowRedirect4, flowDiscard6];
      rc2.setDesired(want);
      rc2.start();
      await converged(want);
      const pid = sup.exabgpPid()!;
      const sessions = lab.sessionsEstablished(EXABGP);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => sup.exabgpPid() !== null && sup.exabgpPid() !== pid, 15_000, 'supervisor to restart ExaBGP');
      // Only a new session proves FRR dropped the old routes and learnt them again.
      await waitFor(() => lab.sessionsEstablished(EXABGP) > sessions, CONVERGE_MS, 'a new FRR–ExaBGP session');
      await converged(want);
      rc2.setDesired([]);
      await converged([]);
    } finally {
      await rc2.stop();
      await sup.stop();
    }
  });
});
