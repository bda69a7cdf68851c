// Property tests over random valid routes: normalisation is idempotent, GoBGP encode/decode and
// ExaBGP render are stable under it, and applying a diff converges any announced set to the
// desired one. Time-boxed by FUZZ_SECONDS (default 2 s, split between the properties).
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { normalizeRoute, routeFingerprint, routeKey, type Route } from './route.js';
import { routeArbitrary } from './route-arbitrary.js';
import { pathToRoute, routeToPath } from './gobgp/encode.js';
import { renderAnnounce, renderWithdraw } from './exabgp/commands.js';
import { diffRoutes } from './reconciler.js';

const FUZZ_MS = Math.max(0.1, Number(process.env.FUZZ_SECONDS ?? 2)) * 1000;
const budget = () => ({ numRuns: 1_000_000, interruptAfterTimeLimit: Math.max(50, FUZZ_MS / 3) });

const route = routeArbitrary();

test('normalisation is idempotent and keeps the key; renderers accept every valid route', () => {
  fc.assert(
    fc.property(route, (r) => {
      const n = normalizeRoute(r);
      assert.deepEqual(normalizeRoute(n), n);
      assert.equal(routeKey(n), routeKey(r));
      assert.equal(routeFingerprint(n), routeFingerprint(r));
      const a = renderAnnounce(r);
      const w = renderWithdraw(r);
      assert.ok(!a.includes('\n') && !w.includes('\n'));
    }),
    budget(),
  );
});

test('GoBGP: decode(encode(route)) has the same fingerprint', () => {
  fc.assert(fc.property(route, (r) => assert.equal(routeFingerprint(pathToRoute(routeToPath(r))), routeFingerprint(r))), budget());
});

test('applying the diff turns any announced set into exactly the desired set', () => {
  fc.assert(
    fc.property(fc.array(route, { maxLength: 8 }), fc.array(route, { maxLength: 8 }), (desired, announced) => {
      const have = new Map<string, Route>();
      for (const r of announced) have.set(routeKey(r), r);
      const d = diffRoutes(desired, announced);
      for (const r of d.announce) have.set(routeKey(r), r);
      for (const r of d.withdraw) have.delete(routeKey(r));
      const want = new Map<string, string>();
      for (const r of desired) want.set(routeKey(r), routeFingerprint(r));
      assert.deepEqual([...have.values()].map(routeFingerprint).sort(), [...want.values()].sort());
      // Nothing desired is ever withdrawn.
      for (const r of d.withdraw) assert.ok(!want.has(routeKey(r)));
    }),
    budget(),
  );
});
