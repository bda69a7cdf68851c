import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRoutes, Reconciler } from './reconciler.js';
import { MemorySpeaker } from './memory/index.js';
import { routeFingerprint, routeKey, type Route } from './route.js';
import { SpeakerError } from './speaker.js';

const host = (n: number, comms = ['blackhole', 'no-export']): Route => ({ kind: 'unicast', prefix: `198.51.100.${n}/32`, nextHop: '192.0.2.1', communities: comms });
const flow = (n: number, rate?: number): Route => ({
  kind: 'flowspec', family: 4, match: { destination: `198.51.100.${n}/32`, protocols: [17] },
  action: rate ? { type: 'rate-limit', bytesPerSecond: rate } : { type: 'discard' },
});
const fps = (rs: Route[]) => rs.map(routeFingerprint).sort();

test('diff: missing announced, extra withdrawn, changed attributes re-announced (never withdrawn first)', () => {
  const d = diffRoutes([host(1), host(2), flow(3, 1000)], [host(2), host(4), flow(3)]);
  assert.deepEqual(fps(d.announce), fps([host(1), flow(3, 1000)]));
  assert.deepEqual(fps(d.withdraw), fps([host(4)]));
  assert.equal(d.unchanged, 1);
});

test('diff: equal sets need nothing; empty desired withdraws each route explicitly', () => {
  assert.deepEqual(diffRoutes([host(1), flow(2)], [flow(2), host(1)]), { announce: [], withdraw: [], unchanged: 2 });
  const d = diffRoutes([], [host(1), flow(2)]);
  assert.equal(d.withdraw.length, 2);
  assert.deepEqual(d.announce, []);
});

test('diff: peers disagreeing on one key are re-announced', () => {
  const d = diffRoutes([host(1)], [host(1), host(1, ['blackhole'])]);
  assert.equal(d.announce.length, 1);
});

test('reconciler converges, restores after a speaker restart, withdraws extras', async () => {
  const sp = new MemorySpeaker();
  await sp.start();
  sp.inject(host(9));
  const rc = new Reconciler(sp, { intervalMs: 0, retryInitialMs: 5 });
  rc.setDesired([host(1), flow(2)]);
  const r = await rc.syncNow();
  assert.equal(r.ok, true);
  assert.equal(r.announced, 2);
  assert.equal(r.withdrawn, 1);
  assert.deepEqual(fps(await sp.listAnnounced()), fps([host(1), flow(2)]));
  rc.start();
  sp.simulateRestart();
  await waitFor(async () => (await sp.listAnnounced()).length === 2);
  assert.deepEqual(fps(await sp.listAnnounced()), fps([host(1), flow(2)]));
  rc.setDesired([flow(2)]);
  await waitFor(async () => (await sp.listAnnounced()).length === 1);
  assert.equal(sp.log.at(-1), `withdraw ${routeKey(host(1))}`);
  await rc.stop();
});

test('reconciler retries transient errors with backoff', async () => {
  const sp = new MemorySpeaker();
  await sp.start();
  sp.failNext = 3;
  const rc = new Reconciler(sp, { intervalMs: 0, retryInitialMs: 5, retryMaxMs: 20 });
  rc.setDesired([host(1)]);
  rc.start();
  await waitFor(async () => rc.status().inSync);
  assert.ok(rc.status().passes >= 4);
  assert.deepEqual(fps(await sp.listAnnounced()), fps([host(1)]));
  await rc.stop();
});

test('a route the speaker rejects is reported and does not block the others', async () => {
  const sp = new MemorySpeaker();
  await sp.start();
  const orig = sp.announce.bind(sp);
  sp.announce = async (r: Route) => {
    if (routeKey(r) === routeKey(host(1))) throw new SpeakerError('error from speaker', false);
    return orig(r);
  };
  const rc = new Reconciler(sp, { intervalMs: 0 });
  rc.setDesired([host(1), host(2)]);
  const res = await rc.syncNow();
  assert.equal(res.ok, true);
  assert.deepEqual(Object.keys(res.rejected), [routeKey(host(1))]);
  assert.equal(rc.status().inSync, false);
  assert.deepEqual(fps(await sp.listAnnounced()), fps([host(2)]));
});

test('work per pass is bounded; the rest follows in the next pass', async () => {
  const sp = new MemorySpeaker();
  await sp.start();
  const rc = new Reconciler(sp, { intervalMs: 0, maxOperationsPerPass: 3 });
  rc.setDesired(Array.from({ length: 10 }, (_, i) => host(i + 1)));
  rc.start();
  await waitFor(async () => rc.status().inSync);
  assert.equal((await sp.listAnnounced()).length, 10);
  assert.ok(rc.status().passes >= 4);
  await rc.stop();
});

test('invalid desired routes are refused before anything is sent', () => {
  const rc = new Reconciler(new MemorySpeaker(), { intervalMs: 0 });
  assert.throws(() => rc.setDesired([{ kind: 'unicast', prefix: '0.0.0.0/0', nextHop: 'x', communities: [] }]), /nextHop/);
});

async function waitFor(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('condition not met in time');
}
