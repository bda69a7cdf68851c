import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  normalizeRoute,
  routeKey,
  routeFingerprint,
  routeProblems,
  validateRoute,
  RouteValidationError,
  canonRate,
  parseCommunity,
  type FlowspecRoute,
  type UnicastRoute,
} from './route.js';

const rtbh: UnicastRoute = { kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['no-export', '65535:666'] };

test('unicast normalisation: communities numeric and sorted, IPv6 canonical', () => {
  assert.deepEqual(normalizeRoute(rtbh), { kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['65535:666', '65535:65281'] });
  const v6 = normalizeRoute({ kind: 'unicast', prefix: '2001:DB8:0:0::5/128', nextHop: '2001:db8:0::1', communities: ['blackhole', 'blackhole'] });
  assert.deepEqual(v6, { kind: 'unicast', prefix: '2001:db8::5/128', nextHop: '2001:db8::1', communities: ['65535:666'] });
});

test('routeKey is the NLRI; fingerprint adds attributes', () => {
  const other = { ...rtbh, communities: ['blackhole'], nextHop: '192.0.2.2' };
  assert.equal(routeKey(rtbh), routeKey(other));
  assert.notEqual(routeFingerprint(rtbh), routeFingerprint(other));
  assert.equal(routeFingerprint(rtbh), routeFingerprint({ ...rtbh, communities: ['blackhole', 'no-export'] }));
});

test('flowspec keys ignore list order and duplicates', () => {
  const a: FlowspecRoute = {
    kind: 'flowspec', family: 4,
    match: { destination: '198.51.100.5/32', protocols: [17, 6], sourcePorts: [123, 53, { min: 1000, max: 2000 }], fragment: ['last-fragment', 'is-fragment'] },
    action: { type: 'rate-limit', bytesPerSecond: 12500 },
  };
  const b: FlowspecRoute = {
    kind: 'flowspec', family: 4,
    match: { fragment: ['is-fragment', 'last-fragment'], sourcePorts: [{ min: 1000, max: 2000 }, 53, 123, 53], protocols: [6, 17], destination: '198.51.100.5/32' },
    action: { type: 'rate-limit', bytesPerSecond: 12500 },
  };
  assert.equal(routeFingerprint(a), routeFingerprint(b));
  assert.equal(routeKey(a), 'flow4 dst 198.51.100.5/32 proto 6,17 sport 53,123,1000..2000 frag is-fragment,last-fragment');
  assert.notEqual(routeFingerprint(a), routeFingerprint({ ...a, action: { type: 'discard' } }));
  assert.equal(routeKey(a), routeKey({ ...a, action: { type: 'discard' } }));
});

test('rates are canonical float32 values (what comes back from the wire)', () => {
  assert.equal(canonRate(12500), 12500);
  assert.equal(canonRate(123456789), 123456792);
  const r = normalizeRoute({ kind: 'flowspec', family: 4, match: { destination: '10.0.0.1/32' }, action: { type: 'rate-limit', bytesPerSecond: 123456789 } }) as FlowspecRoute;
  assert.deepEqual(r.action, { type: 'rate-limit', bytesPerSecond: 123456792 });
});

test('validation lists every problem in plain words', () => {
  const p = routeProblems({
    kind: 'flowspec', family: 6,
    match: { destination: '10.0.0.1/8', sourcePorts: [70000, { min: 5, max: 1 }], fragment: ['dont-fragment'], protocols: [300] },
    action: { type: 'rate-limit', bytesPerSecond: -1 },
    communities: ['65536:1'],
  });
  assert.ok(p.some((x) => x.includes('host bits')), p.join('\n'));
  assert.ok(p.some((x) => x.includes('70000 is out of range')));
  assert.ok(p.some((x) => x.includes('min 5 > max 1')));
  assert.ok(p.some((x) => x.includes('dont-fragment does not exist for IPv6')));
  assert.ok(p.some((x) => x.includes('300 is out of range')));
  assert.ok(p.some((x) => x.includes('bytesPerSecond')));
  assert.ok(p.some((x) => x.includes("'65536:1' is not a community")));
  assert.throws(() => validateRoute({ kind: 'unicast', prefix: '198.51.100.5', nextHop: '192.0.2.1', communities: [] }), RouteValidationError);
  assert.throws(() => validateRoute({ kind: 'unicast', prefix: '2001:db8::5/128', nextHop: '192.0.2.1', communities: [] }), /IPv4 next hop for an IPv6 prefix/);
  assert.throws(() => validateRoute({ kind: 'flowspec', family: 6, match: { destination: '2001:db8::/64' }, action: { type: 'redirect', routeTarget: '65000:666' } }), /redirect is not supported for IPv6/);
  assert.throws(() => validateRoute({ kind: 'flowspec', family: 4, match: { destination: '10.0.0.1/32' }, action: { type: 'rate-limit', bytesPerSecond: 0 } }), /means discard/);
  assert.throws(() => validateRoute({ kind: 'flowspec', family: 4, match: { destination: '10.0.0.1/32' }, action: { type: 'mark', dscp: 64 } }), /dscp/);
  assert.throws(() => validateRoute({ kind: 'flowspec', family: 4, match: { destination: '10.0.0.1/32', tcpFlags: {} }, action: { type: 'discard' } }), /at least one flag/);
});

test('communities: names, ASN:VAL, decimal', () => {
  assert.equal(parseCommunity('blackhole'), 0xffff029a);
  assert.equal(parseCommunity('65535:666'), 0xffff029a);
  assert.equal(parseCommunity('4294902426'), 0xffff029a);
  assert.equal(parseCommunity('no-export'), 0xffffff01);
  assert.equal(parseCommunity('1:65536'), null);
  assert.equal(parseCommunity('x'), null);
});
