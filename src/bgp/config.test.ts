import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bgpConfigSchema, createSpeaker } from './config.js';
import { ExabgpSpeaker, ExabgpPipeSpeaker } from './exabgp/index.js';
import { GobgpSpeaker } from './gobgp/index.js';
import { MemorySpeaker } from './memory/index.js';

test('defaults for each speaker type', () => {
  const c = bgpConfigSchema.parse({ speakers: [{ type: 'exabgp' }, { type: 'gobgp' }, { type: 'exabgp-pipe' }, { type: 'memory' }] });
  assert.equal(c.speakers[0].type === 'exabgp' && c.speakers[0].socket, '/run/breakwater/exabgp.sock');
  assert.equal(c.speakers[1].type === 'gobgp' && c.speakers[1].address, '127.0.0.1:50051');
  assert.equal(c.speakers[2].type === 'exabgp-pipe' && c.speakers[2].pipe, '/var/run/exabgp.cmd');
  assert.equal(c.speakers[0].resync_interval_seconds, 30);
  assert.ok(createSpeaker(c.speakers[0]) instanceof ExabgpSpeaker);
  assert.ok(createSpeaker(c.speakers[1]) instanceof GobgpSpeaker);
  assert.ok(createSpeaker(c.speakers[2]) instanceof ExabgpPipeSpeaker);
  assert.ok(createSpeaker(c.speakers[3]) instanceof MemorySpeaker);
});

test('supervised ExaBGP needs its BGP identity; typos and duplicates are errors with paths', () => {
  const ok = bgpConfigSchema.safeParse({
    speakers: [{ type: 'exabgp', supervise: { router_id: '192.0.2.10', local_as: 65001, local_address: '192.0.2.10', neighbors: [{ address: '192.0.2.254', peer_as: 65000 }] } }],
  });
  assert.equal(ok.success, true);
  const bad = bgpConfigSchema.safeParse({
    speakers: [
      { type: 'exabgp', socket_path: '/x', supervise: { router_id: '2001:db8::1', local_as: 0, local_address: 'x', neighbors: [] } },
      { type: 'exabgp' },
      { type: 'bird' },
    ],
  });
  assert.equal(bad.success, false);
  const paths = bad.error!.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('speakers.0'), paths.join(' ')); // unrecognized key socket_path
  assert.ok(paths.includes('speakers.0.supervise.router_id'));
  assert.ok(paths.includes('speakers.0.supervise.local_as'));
  assert.ok(paths.includes('speakers.0.supervise.neighbors'));
  assert.ok(paths.includes('speakers.2.type'));
  const dup = bgpConfigSchema.safeParse({ speakers: [{ type: 'memory' }, { type: 'memory' }] });
  assert.equal(dup.success, false);
  assert.deepEqual(dup.error!.issues[0].path, ['speakers', 1, 'name']);
});
