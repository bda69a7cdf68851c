/**
 * The dashboard validates manual FlowSpec rules with the API's own schemas: web/src/flowspec-schema.ts
 * re-exports src/api/flowspec-schema.ts (zod only, bundled for the browser), the module the API's
 * route validates with. These tests pin that and the wording of the problems the form shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../../src/api/flowspec-schema.js';
import { flowspecBodyProblems, flowspecBodySchema } from '../../web/src/flowspec-schema.js';
import * as web from '../../web/src/flowspec-schema.js';

test("the dashboard's FlowSpec schemas are the API's own objects", () => {
  assert.equal(web.flowspecMatchSchema, api.flowspecMatchSchema);
  assert.equal(web.flowspecActionSchema, api.flowspecActionSchema);
  assert.equal(web.flowspecBodySchema, api.flowspecBodySchema);
});

test('request bodies: problems in the daemon\'s wording, the body-level fields as the route defines them', () => {
  assert.deepEqual(flowspecBodyProblems({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' } }), []);
  assert.deepEqual(flowspecBodyProblems({ match: { destination: '192.0.2.30/32', destinationPorts: [70000] }, action: { type: 'discard' } }), ['body.match.destinationPorts.0: Too big: expected number to be <=65535']);
  assert.match(flowspecBodyProblems({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' }, duration_seconds: -1 })[0], /^body\.duration_seconds: /);
  assert.match(flowspecBodyProblems({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' }, durationSeconds: 5 })[0], /^body: Unrecognized key/);
  assert.ok(flowspecBodySchema.safeParse({ match: { destination: '192.0.2.30/32' }, action: { type: 'discard' }, duration_seconds: null, communities: ['65000:1'], reason: 'x' }).success);
});
