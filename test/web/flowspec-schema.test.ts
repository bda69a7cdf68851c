/**
 * The dashboard validates manual FlowSpec rules with a copy of the API's schemas
 * (web/src/flowspec-schema.ts; the browser bundle cannot import the server module). This test
 * fails when the copy drifts from src/api/routes-native.ts: the schemas must describe the same
 * JSON Schema, and give the same verdicts and messages on a set of bodies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { flowspecActionSchema as apiAction, flowspecMatchSchema as apiMatch } from '../../src/api/routes-native.js';
import { flowspecActionSchema, flowspecBodyProblems, flowspecBodySchema, flowspecMatchSchema } from '../../web/src/flowspec-schema.js';

test('the dashboard\'s FlowSpec schemas are the API\'s', () => {
  assert.deepEqual(z.toJSONSchema(flowspecMatchSchema), z.toJSONSchema(apiMatch));
  assert.deepEqual(z.toJSONSchema(flowspecActionSchema), z.toJSONSchema(apiAction));
  const matches: unknown[] = [
    { destination: '192.0.2.30/32' },
    { destination: '' },
    { destination: '192.0.2.30/32', protocols: ['udp', 6, 'bananas'] },
    { destination: '192.0.2.30/32', destinationPorts: [53, { min: 1024, max: 65535 }, 70000, { min: -1 }] },
    { destination: '192.0.2.30/32', tcpFlags: { syn: true, ack: false, xmas: true } },
    { destination: '192.0.2.30/32', fragment: ['is-fragment', 'maybe'] },
    { destination: '192.0.2.30/32', icmpType: 256, icmpCode: 1.5 },
    { destination: '192.0.2.30/32', vlan: 10 },
  ];
  for (const m of matches) {
    const a = apiMatch.safeParse(m);
    const b = flowspecMatchSchema.safeParse(m);
    assert.equal(b.success, a.success, JSON.stringify(m));
    assert.deepEqual(b.error?.issues.map((i) => i.message), a.error?.issues.map((i) => i.message), JSON.stringify(m));
  }
  const actions: unknown[] = [{ type: 'discard' }, { type: 'rate-limit', mbps: 0 }, { type: 'rate-limit', mbps: 10 }, { type: 'redirect', routeTarget: '65000' }, { type: 'mark', dscp: 64 }, { type: 'teleport' }];
  for (const x of actions) {
    assert.equal(flowspecActionSchema.safeParse(x).success, apiAction.safeParse(x).success, JSON.stringify(x));
  }
});

test('request bodies: problems in the daemon\'s wording, the body-level fields as the route defines them', () => {
  assert.deepEqual(flowspecBodyProblems({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' } }), []);
  assert.deepEqual(flowspecBodyProblems({ match: { destination: '192.0.2.30/32', destinationPorts: [70000] }, action: { type: 'discard' } }), ['body.match.destinationPorts.0: Too big: expected number to be <=65535']);
  assert.match(flowspecBodyProblems({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' }, duration_seconds: -1 })[0], /^body\.duration_seconds: /);
  assert.match(flowspecBodyProblems({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' }, durationSeconds: 5 })[0], /^body: Unrecognized key/);
  assert.ok(flowspecBodySchema.safeParse({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' }, duration_seconds: null, communities: ['65000:1'], reason: 'x' }).success);
});
