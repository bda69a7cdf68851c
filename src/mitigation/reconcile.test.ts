/**
 * The manager driving the real reconciler and the in-memory speaker, wired as the daemon wires
 * them: onChange → setDesired(desiredRoutes()).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MitigationManager } from './manager.js';
import { MitigationStore } from './store.js';
import { ManualClock, attack, mitigationConfig, networks } from './test-fixtures.js';
import { Reconciler } from '../bgp/reconciler.js';
import { MemorySpeaker } from '../bgp/memory/index.js';
import { routeKey } from '../bgp/route.js';
import { openStateDb } from '../state/database.js';
import { silentLogger } from '../log.js';

function wire(cfg: Record<string, unknown>, store: MitigationStore, clock: ManualClock, speaker: MemorySpeaker) {
  const mgr = new MitigationManager(mitigationConfig(cfg), { networks: networks(), store, logger: silentLogger(), now: clock.now });
  const rec = new Reconciler(speaker, { intervalMs: 0, retryInitialMs: 10 });
  mgr.onChange(() => rec.setDesired(mgr.desiredRoutes()));
  mgr.start();
  rec.setDesired(mgr.desiredRoutes());
  rec.start();
  return { mgr, rec };
}

const held = async (s: MemorySpeaker) => (await s.listAnnounced()).map(routeKey).sort();

test('SIGKILL and restart: the speaker ends with exactly the routes that should be there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-rec-'));
  const path = join(dir, 'state.db');
  const speaker = new MemorySpeaker();
  await speaker.start();
  try {
    const clock = new ManualClock();
    const cfg = { ban_time_seconds: 60, actions: { default: ['blackhole'], syn_flood: ['flowspec'] } };
    let db = openStateDb(path);
    const one = wire(cfg, new MitigationStore(db), clock, speaker);
    one.mgr.attackStarted(attack({ host: '10.0.1.5' }));
    one.mgr.attackStarted(attack({ host: '10.0.1.6', type: 'syn_flood', protocol: 'tcp' }));
    one.mgr.ban({ host: '10.0.2.1', user: 'ops', durationSeconds: 3600 });
    await one.rec.syncNow();
    assert.deepEqual(await held(speaker), ['flow4 dst 10.0.1.6/32 proto 6 tcp syn,!ack', 'unicast 10.0.1.5/32', 'unicast 10.0.2.1/32']);
    // SIGKILL: nothing is withdrawn, the speaker keeps the routes; the process state is lost.
    await one.rec.stop();
    db.close();

    // Restarted 2 minutes later: the 60 s detection bans expired meanwhile.
    clock.advance(120);
    db = openStateDb(path);
    const two = wire(cfg, new MitigationStore(db), clock, speaker);
    await two.rec.syncNow();
    assert.deepEqual(await held(speaker), ['unicast 10.0.2.1/32']);

    // The speaker restarts and forgets everything: resynced.
    speaker.simulateRestart();
    await new Promise((r) => setTimeout(r, 20));
    await two.rec.syncNow();
    assert.deepEqual(await held(speaker), ['unicast 10.0.2.1/32']);

    // Expiry by the clock withdraws.
    clock.advance(3600);
    two.mgr.tick(clock.ms);
    await two.rec.syncNow();
    assert.deepEqual(await held(speaker), []);
    await two.rec.stop();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withdraw on shutdown, restored at the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-rec-'));
  const path = join(dir, 'state.db');
  const speaker = new MemorySpeaker();
  await speaker.start();
  try {
    const clock = new ManualClock();
    let db = openStateDb(path);
    const one = wire({ withdraw_on_shutdown: true }, new MitigationStore(db), clock, speaker);
    one.mgr.ban({ host: '10.0.1.1', user: 'ops' });
    await one.rec.syncNow();
    assert.deepEqual(await held(speaker), ['unicast 10.0.1.1/32']);
    assert.equal(one.mgr.shutdown(), true);
    await one.rec.syncNow();
    assert.deepEqual(await held(speaker), []);
    await one.rec.stop();
    db.close();
    db = openStateDb(path);
    const two = wire({ withdraw_on_shutdown: true }, new MitigationStore(db), clock, speaker);
    await two.rec.syncNow();
    assert.deepEqual(await held(speaker), ['unicast 10.0.1.1/32']);
    await two.rec.stop();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
