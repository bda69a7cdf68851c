import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFlowspecRule, selectTier } from './flowspec-builder.js';
import { defaultTemplates, flowspecTemplateSchema, type FlowspecTemplate } from './config.js';
import { attack, fingerprint } from './test-fixtures.js';
import { routeProblems } from '../bgp/route.js';

const T = defaultTemplates();
const build = (a: Parameters<typeof buildFlowspecRule>[0], t: FlowspecTemplate) => {
  const r = buildFlowspecRule(a, t, 0.8);
  if ('error' in r) throw new Error(r.error);
  assert.deepEqual(routeProblems(r.route), []);
  return r;
};

test('udp flood: protocol, dominant destination port, rate-limit by tier', () => {
  const a = attack({ type: 'udp_flood', mbps: 2000, fingerprint: fingerprint({ protocol: { value: 17, share: 1 }, dstPort: { value: 80, share: 0.9 }, fragment: { value: false, share: 1 } }) });
  const r = build(a, T.udp_flood!);
  assert.deepEqual(r.route, {
    kind: 'flowspec',
    family: 4,
    match: { destination: '10.0.1.5/32', protocols: [17], destinationPorts: [80] },
    action: { type: 'rate-limit', bytesPerSecond: 100_000 },
  });
  assert.equal(r.tier, 1);
  assert.equal(r.usedFingerprint, true);
});

test('tiers: above 10 Gbit/s discard, above 1 Gbit/s rate-limit 100000, else 10000', () => {
  const tiers = T.udp_flood!.tiers;
  assert.equal(selectTier(tiers, 12_000, 0), 0);
  assert.equal(selectTier(tiers, 1_001, 0), 1);
  assert.equal(selectTier(tiers, 1_000, 0), 2);
  assert.equal(selectTier(tiers, 1, 0), 2);
  assert.deepEqual(build(attack({ mbps: 20_000 }), T.udp_flood!).route.action, { type: 'discard' });
  assert.deepEqual(build(attack({ mbps: 50 }), T.udp_flood!).route.action, { type: 'rate-limit', bytesPerSecond: 10_000 });
  // pps tiers and a template without a catch-all tier
  const t = flowspecTemplateSchema.parse({ tiers: [{ above_pps: 1_000_000, action: { type: 'discard' } }] });
  assert.equal(selectTier(t.tiers, 0, 2_000_000), 0);
  assert.deepEqual(buildFlowspecRule(attack({ pps: 10 }), t, 0.8), { error: 'no_tier' });
});

test('syn flood: discard, tcp, syn set and ack clear, even without a fingerprint', () => {
  const r = build(attack({ type: 'syn_flood', protocol: 'tcp' }), T.syn_flood!);
  assert.deepEqual(r.route.match, { destination: '10.0.1.5/32', protocols: [6], tcpFlags: { syn: true, ack: false } });
  assert.deepEqual(r.route.action, { type: 'discard' });
  assert.equal(r.usedFingerprint, false);
});

test('icmp flood: icmp for IPv4, icmpv6 for IPv6, rate-limit', () => {
  assert.deepEqual(build(attack({ type: 'icmp_flood' }), T.icmp_flood!).route.match, { destination: '10.0.1.5/32', protocols: [1] });
  const r6 = build(attack({ type: 'icmp_flood', host: '2001:db8::5' }), T.icmp_flood!);
  assert.equal(r6.route.family, 6);
  assert.deepEqual(r6.route.match, { destination: '2001:db8::5/128', protocols: [58] });
  assert.equal(r6.route.action.type, 'rate-limit');
});

test('amplification: discard udp from the reflector source port', () => {
  const a = attack({ type: 'amplification', amplification: { service: 'ntp', port: 123 }, fingerprint: fingerprint({ protocol: { value: 17, share: 1 }, srcPort: { value: 123, share: 0.99 }, packetLength: { min: 468, max: 490, share: 0.9 } }) });
  const r = build(a, T.amplification!);
  assert.deepEqual(r.route.match, { destination: '10.0.1.5/32', protocols: [17], sourcePorts: [123] });
  assert.deepEqual(r.route.action, { type: 'discard' });
});

test('packet length only when the template asks for it', () => {
  const t = flowspecTemplateSchema.parse({ match: { packet_length: true }, tiers: [{ action: { type: 'discard' } }] });
  const a = attack({ type: 'amplification', amplification: { service: 'ntp', port: 123 }, fingerprint: fingerprint({ packetLength: { min: 468, max: 490, share: 0.9 } }) });
  assert.deepEqual(build(a, t).route.match.packetLength, [{ min: 468, max: 490 }]);
  const b = attack({ fingerprint: fingerprint({ packetLength: { min: 1200, max: 1200, share: 0.9 } }) });
  assert.deepEqual(build(b, t).route.match.packetLength, [1200]);
});

test('fragment flood: is-fragment, no ports (non-first fragments carry none)', () => {
  const a = attack({ type: 'ip_fragmentation_flood', fingerprint: fingerprint({ protocol: { value: 17, share: 1 }, dstPort: { value: 53, share: 0.9 }, fragment: { value: true, share: 1 } }) });
  const r = build(a, T.ip_fragmentation_flood!);
  assert.deepEqual(r.route.match, { destination: '10.0.1.5/32', protocols: [17], fragment: ['is-fragment'] });
});

test('tcp ack flood: exact dominant flag combination from the fingerprint', () => {
  const a = attack({ type: 'tcp_ack_flood', protocol: 'tcp', fingerprint: fingerprint({ protocol: { value: 6, share: 1 }, tcpFlags: { value: 0x10, share: 0.95 }, dstPort: { value: 443, share: 0.85 } }) });
  const r = build(a, T.default!);
  assert.deepEqual(r.route.match, {
    destination: '10.0.1.5/32',
    protocols: [6],
    destinationPorts: [443],
    tcpFlags: { fin: false, syn: false, rst: false, push: false, ack: true, urg: false },
  });
});

test('a fingerprint below the confidence floor is not used: type-implied match only', () => {
  const a = attack({ type: 'udp_flood', fingerprint: fingerprint({ protocol: { value: 17, share: 1 }, dstPort: { value: 80, share: 0.9 } }, 0.5) });
  const r = build(a, T.udp_flood!);
  assert.deepEqual(r.route.match, { destination: '10.0.1.5/32', protocols: [17] });
  assert.equal(r.usedFingerprint, false);
});

test('unknown type: dominant protocol from the fingerprint, else destination only', () => {
  assert.deepEqual(build(attack({ type: 'unknown' }), T.default!).route.match, { destination: '10.0.1.5/32' });
  const a = attack({ type: 'unknown', fingerprint: fingerprint({ protocol: { value: 47, share: 0.95 } }) });
  assert.deepEqual(build(a, T.default!).route.match, { destination: '10.0.1.5/32', protocols: [47] });
});

test('outgoing attacks get no FlowSpec rule; redirect is refused for IPv6', () => {
  assert.deepEqual(buildFlowspecRule(attack({ direction: 'outgoing' }), T.udp_flood!, 0.8), { error: 'flowspec_outgoing' });
  const t = flowspecTemplateSchema.parse({ tiers: [{ action: { type: 'redirect', route_target: '65000:100' } }], communities: ['65000:1'] });
  assert.deepEqual(buildFlowspecRule(attack({ host: '2001:db8::1' }), t, 0.8), { error: 'redirect_ipv6' });
  const r = build(attack(), t);
  assert.deepEqual(r.route.action, { type: 'redirect', routeTarget: '65000:100' });
  assert.deepEqual(r.route.communities, ['65000:1']);
});
