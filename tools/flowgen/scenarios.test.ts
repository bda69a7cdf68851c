import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenarioDescription, scenarioNames, SCENARIO_VICTIM_V4, SCENARIO_VICTIM_V6, totalPps } from './scenarios.js';
import { datagramsFor, FLOWGEN_PROTOCOLS } from './simulate.js';
import { resolveDescription } from './traffic.js';

test('every scenario resolves and produces datagrams in every protocol', () => {
  for (const name of scenarioNames()) {
    const d = scenarioDescription(name, { background: true });
    resolveDescription(d);
    for (const proto of FLOWGEN_PROTOCOLS) {
      const dg = datagramsFor(proto, d, 1, { startMs: 1_700_000_000_000 });
      assert.ok(dg.length > 0, `${name} ${proto}`);
    }
  }
});

test('scenarios are deterministic and scale', () => {
  assert.deepEqual(scenarioDescription('udp-flood'), scenarioDescription('udp-flood'));
  assert.equal(totalPps(scenarioDescription('udp-flood'), SCENARIO_VICTIM_V4), 200_000);
  assert.equal(totalPps(scenarioDescription('syn-flood', { scale: 0.5 }), SCENARIO_VICTIM_V4), 150_000);
  assert.equal(totalPps(scenarioDescription('ipv6-flood'), SCENARIO_VICTIM_V6), 200_000);
  assert.equal(totalPps(scenarioDescription('dns-amplification', { victim: '192.0.2.99' }), '192.0.2.99'), 100_000);
  assert.equal(scenarioDescription('normal').samplingRate, 1000);
  assert.throws(() => scenarioDescription('nope'), /unknown scenario 'nope'/);
});
