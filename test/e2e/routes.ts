/**
 * The routes the speaker e2e tests announce, and what FRR 8.4 must show for each: RTBH /32 and
 * /128 with BLACKHOLE + NO_EXPORT (FRR prints them as "blackhole", "no-export"), and FlowSpec
 * rules whose action FRR prints as `FS:rate 0.000000` (discard), `FS:rate N` (rate-limit),
 * `FS:redirect VRF RT:A:N`, `FS:marking N`.
 */
import assert from 'node:assert/strict';
import type { Route, FlowspecRoute, UnicastRoute } from '../../src/bgp/route.js';
import { NEXT_HOP_V4, NEXT_HOP_V6, type Lab } from './lab.js';

export const rtbh4 = (n: number): UnicastRoute => ({ kind: 'unicast', prefix: `198.51.100.${n}/32`, nextHop: NEXT_HOP_V4, communities: ['65535:666', 'no-export'] });
export const rtbh6 = (n: number): UnicastRoute => ({ kind: 'unicast', prefix: `2001:db8:100::${n}/128`, nextHop: NEXT_HOP_V6, communities: ['65535:666', 'no-export'] });

export const flowDiscard4: FlowspecRoute = {
  kind: 'flowspec', family: 4,
  match: { destination: '198.51.100.10/32', protocols: [6], destinationPorts: [80, 443], tcpFlags: { syn: true, ack: false } },
  action: { type: 'discard' },
};
export const flowRate4: FlowspecRoute = {
  kind: 'flowspec', family: 4,
  match: { destination: '198.51.100.11/32', protocols: [17], sourcePorts: [53, 123, 389], packetLength: [{ min: 1000, max: 1500 }], fragment: ['is-fragment'] },
  action: { type: 'rate-limit', bytesPerSecond: 125000 },
  communities: ['65001:666'],
};
export const flowRedirect4: FlowspecRoute = {
  kind: 'flowspec', family: 4,
  match: { destination: '198.51.100.12/32', source: '203.0.113.0/24', protocols: [17] },
  action: { type: 'redirect', routeTarget: '65000:666' },
};
export const flowMark4: FlowspecRoute = {
  kind: 'flowspec', family: 4,
  match: { destination: '198.51.100.13/32', protocols: [1], icmpType: 8, icmpCode: 0 },
  action: { type: 'mark', dscp: 10 },
};
export const flowDiscard6: FlowspecRoute = {
  kind: 'flowspec', family: 6,
  match: { destination: '2001:db8:100::10/128', protocols: [17], sourcePorts: [53] },
  action: { type: 'discard' },
};
export const flowRate6: FlowspecRoute = {
  kind: 'flowspec', family: 6,
  match: { destination: '2001:db8:100::11/128', protocols: [6], destinationPorts: [{ min: 1024 }] },
  action: { type: 'rate-limit', bytesPerSecond: 12500 },
};
export const flowMark6: FlowspecRoute = {
  kind: 'flowspec', family: 6,
  match: { destination: '2001:db8:100::12/128', protocols: [17] },
  action: { type: 'mark', dscp: 46 },
};

export function frrActionLine(r: FlowspecRoute): string {
  const a = r.action;
  switch (a.type) {
    case 'discard':
      return 'FS:rate 0.000000';
    case 'rate-limit':
      return `FS:rate ${a.bytesPerSecond}.000000`;
    case 'redirect':
      return `FS:redirect VRF RT:${a.routeTarget}`;
    case 'mark':
      return `FS:marking ${a.dscp}`;
  }
}

/** What FRR holds from `peer`, in a comparable form. */
export function frrView(lab: Lab, peer: string): string[] {
  const out: string[] = [];
  for (const fam of [4, 6] as const) {
    // Validity (next hop resolved through zebra) is asserted separately: FRR 8.4.4's zebra was seen
    // to crash (SIGSEGV in rib_process_dplane_results) mid-run here, after which bgpd marks new paths invalid.
    for (const [prefix, r] of lab.unicastFrom(peer, fam)) out.push(`unicast ${prefix} nh ${r.nextHop} ${r.communities.join(',')}`);
    // FRR's flowspec view does not name the peer; each test file uses one speaker at a time.
    for (const e of lab.flowspec(fam)) out.push(`flow${fam} ${e.destination} ${e.lines.find((l) => l.startsWith('FS:')) ?? 'NO-ACTION'}`);
  }
  return out.sort();
}

/** The same form, computed from the routes we want FRR to have. */
export function expectedView(routes: Route[]): string[] {
  return routes
    .map((r) => {
      if (r.kind === 'unicast') {
        // FRR names the well-known communities (RFC 7999 blackhole, RFC 1997 no-export).
        const names = r.communities.map((c) => (c === '65535:666' ? 'blackhole' : c === '65535:65281' ? 'no-export' : c));
        return `unicast ${r.prefix} nh ${r.nextHop} ${names.join(',')}`;
      }
      return `flow${r.family} ${r.match.destination} ${frrActionLine(r)}`;
    })
    .sort();
}

export function assertFlowDetails(lab: Lab, r: FlowspecRoute, expectedLines: string[]): void {
  const e = lab.flowspec(r.family).find((x) => x.destination === r.match.destination);
  assert.ok(e, `FRR has no flowspec rule for ${r.match.destination}`);
  for (const l of expectedLines) assert.ok(e.lines.includes(l), `FRR rule for ${r.match.destination} lacks '${l}': ${JSON.stringify(e.lines)}`);
}
