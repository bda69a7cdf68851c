import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpeakerSet } from './speaker-set.js';
import { MemorySpeaker } from './memory/index.js';
import { bgpConfigSchema } from './config.js';
import type { Route } from './route.js';

const r: Route = { kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['blackhole'] };

test('every speaker gets the desired set; one failing speaker does not hold back the other', async () => {
  const a = new MemorySpeaker({ name: 'a' });
  const b = new MemorySpeaker({ name: 'b' });
  const set = new SpeakerSet([{ speaker: a, options: { intervalMs: 0, retryInitialMs: 10 } }, { speaker: b, options: { intervalMs: 0, retryInitialMs: 10 } }]);
  await set.start();
  b.failNext = 2;
  set.setDesired([r]);
  await set.syncNow();
  assert.equal((await a.listAnnounced()).length, 1);
  for (let i = 0; i < 100 && (await b.listAnnounced().catch(() => [])).length === 0; i++) await new Promise((x) => setTimeout(x, 10));
  assert.equal((await b.listAnnounced()).length, 1);
  const st = set.status();
  assert.deepEqual(st.map((s) => [s.name, s.health.up, s.readsState]), [['a', true, true], ['b', true, true]]);
  await set.stop({ withdraw: true });
  assert.equal(a.log.at(-1), 'withdraw unicast 198.51.100.5/32');
  assert.equal(b.log.at(-1), 'withdraw unicast 198.51.100.5/32');
});

test('fromConfig builds one speaker per entry', () => {
  const set = SpeakerSet.fromConfig(bgpConfigSchema.parse({ speakers: [{ type: 'memory', name: 'dry' }] }));
  assert.deepEqual(set.speakers.map((s) => s.name), ['dry']);
});
