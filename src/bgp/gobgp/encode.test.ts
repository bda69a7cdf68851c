import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { routeToPath, pathToRoute, type ApiObject } from './encode.js';
import { DEFAULT_GOBGP_PROTO_DIR } from './gobgp-speaker.js';
import { routeFingerprint, type Route } from '../route.js';

const T = (n: string) => `type.googleapis.com/apipb.${n}`;

const routes: Route[] = [
  { kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['blackhole', 'no-export'] },
  { kind: 'unicast', prefix: '2001:db8::5/128', nextHop: '2001:db8::1', communities: ['65535:666'], largeCommunities: ['65001:1:2'], localPref: 200 },
  { kind: 'flowspec', family: 4, match: { destination: '198.51.100.5/32', source: '203.0.113.0/24', protocols: [6, 17], destinationPorts: [80, { min: 1024, max: 2048 }, { min: 8080 }, { max: 10 }], tcpFlags: { syn: true, ack: false, rst: false }, packetLength: [{ min: 1000 }], fragment: ['is-fragment', 'first-fragment'], icmpType: 8, icmpCode: 0 }, action: { type: 'rate-limit', bytesPerSecond: 125000 }, communities: ['65001:666'] },
  { kind: 'flowspec', family: 4, match: { destination: '198.51.100.6/32' }, action: { type: 'redirect', routeTarget: '65000:666' } },
  { kind: 'flowspec', family: 6, match: { destination: '2001:db8::5/128', protocols: [17], sourcePorts: [53] }, action: { type: 'discard' } },
  { kind: 'flowspec', family: 6, match: { destination: '2001:db8::6/128' }, action: { type: 'mark', dscp: 46 } },
];

test('RTBH path: origin, next hop, communities as 32-bit values (bgp-apis.md §B.4)', () => {
  assert.deepEqual(routeToPath(routes[0]), {
    family: { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
    nlri: { '@type': T('IPAddressPrefix'), prefix: '198.51.100.5', prefix_len: 32 },
    pattrs: [
      { '@type': T('OriginAttribute'), origin: 0 },
      { '@type': T('NextHopAttribute'), next_hop: '192.0.2.1' },
      { '@type': T('CommunitiesAttribute'), communities: [0xffff029a, 0xffffff01] },
    ],
  });
});

test('FlowSpec path: components in type order, RFC 8955 operators, 0.0.0.0 next hop, traffic-rate', () => {
  const p = routeToPath({ kind: 'flowspec', family: 4, match: { destination: '198.51.100.5/32', protocols: [17], sourcePorts: [{ min: 1024, max: 2048 }], tcpFlags: { syn: true, ack: false } }, action: { type: 'discard' } });
  assert.deepEqual(p.family, { afi: 'AFI_IP', safi: 'SAFI_FLOW_SPEC_UNICAST' });
  assert.deepEqual((p.nlri as ApiObject).rules, [
    { '@type': T('FlowSpecIPPrefix'), type: 1, prefix: '198.51.100.5', prefix_len: 32 },
    { '@type': T('FlowSpecComponent'), type: 3, items: [{ op: 0x01, value: 17 }] },
    { '@type': T('FlowSpecComponent'), type: 6, items: [{ op: 0x03, value: 1024 }, { op: 0x45, value: 2048 }] },
    { '@type': T('FlowSpecComponent'), type: 9, items: [{ op: 0x01, value: 0x02 }, { op: 0x43, value: 0x10 }] },
  ]);
  assert.deepEqual(p.pattrs, [
    { '@type': T('OriginAttribute'), origin: 0 },
    { '@type': T('NextHopAttribute'), next_hop: '0.0.0.0' },
    { '@type': T('ExtendedCommunitiesAttribute'), communities: [{ '@type': T('TrafficRateExtended'), asn: 0, rate: 0 }] },
  ]);
  const w = routeToPath(routes[4], true);
  assert.equal(w.is_withdraw, true);
  assert.equal(((w.nlri as ApiObject).rules as ApiObject[])[0].offset, 0);
});

test('decode(encode(route)) is the same route, for every modelled feature', () => {
  for (const r of routes) {
    const p = routeToPath(r);
    assert.equal(routeFingerprint(pathToRoute(p)), routeFingerprint(r));
  }
});

test('decode accepts what gobgpd sends back: end-of-list and length bits set, uint64 as strings', () => {
  const p = routeToPath(routes[2]) as { nlri: { rules: Array<{ items?: Array<{ op: number; value: number | string }> }> } };
  for (const rule of p.nlri.rules) {
    if (!rule.items) continue;
    rule.items.forEach((it, i) => {
      it.op |= 0x10; // 2-octet value length
      if (i === rule.items!.length - 1) it.op |= 0x80;
      it.value = String(it.value);
    });
  }
  assert.equal(routeFingerprint(pathToRoute(p as unknown as ApiObject)), routeFingerprint(routes[2]));
});

test('paths outside the model are refused, not guessed', () => {
  assert.throws(() => pathToRoute({ family: { afi: 'AFI_IP', safi: 'SAFI_MPLS_VPN' }, nlri: {}, pattrs: [] }), /family/);
  const p = routeToPath(routes[3]);
  (p.pattrs as ApiObject[]).pop();
  assert.throws(() => pathToRoute(p), /traffic action/);
  const q = routeToPath(routes[3]);
  ((q.nlri as ApiObject).rules as ApiObject[]).push({ '@type': T('FlowSpecComponent'), type: 11, items: [{ op: 1, value: 4 }] });
  assert.throws(() => pathToRoute(q), /component type 11/);
});

test('Any packing survives protobuf encoding with the real v3 protos (AddPathRequest round trip)', { skip: existsSync(join(DEFAULT_GOBGP_PROTO_DIR, 'gobgp.proto')) ? false : 'golang-github-osrg-gobgp-dev not installed' }, () => {
  const def = protoLoader.loadSync(['gobgp.proto', 'attribute.proto', 'capability.proto'], {
    includeDirs: [DEFAULT_GOBGP_PROTO_DIR], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, json: true,
  });
  const m = (def['apipb.GobgpApi'] as Record<string, { requestSerialize: (o: unknown) => Buffer; requestDeserialize: (b: Buffer) => ApiObject }>).AddPath;
  for (const r of routes) {
    const buf = m.requestSerialize({ table_type: 'GLOBAL', path: routeToPath(r) });
    const back = m.requestDeserialize(buf);
    assert.equal(routeFingerprint(pathToRoute(back.path as ApiObject)), routeFingerprint(r), JSON.stringify(back.path));
  }
});
