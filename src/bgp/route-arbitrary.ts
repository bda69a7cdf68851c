/**
 * fast-check generator of valid routes (RTBH unicast and FlowSpec, IPv4 and IPv6, every match
 * component and action the model has): for property tests and the speakers' round-trip e2e
 * tests. Test-only; nothing in the daemon imports it.
 */
import fc from 'fast-check';
import type { NumericMatch, Route } from './route.js';

const port = fc.integer({ min: 0, max: 65535 });
const numeric: fc.Arbitrary<NumericMatch> = fc.oneof(
  port,
  fc.tuple(port, port).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
  port.map((a) => ({ min: a })),
  port.map((a) => ({ max: a })),
);
const v4host = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const v6host = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((w) => `2001:db8:${w.slice(2).map((x) => x.toString(16)).join(':')}`);
const comms = fc.array(fc.oneof(fc.constantFrom('blackhole', 'no-export', 'no-advertise'), fc.tuple(fc.nat(65535), fc.nat(65535)).map(([a, b]) => `${a}:${b}`)), { maxLength: 4 });

const unicast: fc.Arbitrary<Route> = fc.oneof(
  fc.record({ h: v4host, c: comms, lp: fc.option(fc.nat(1000), { nil: undefined }) }).map(({ h, c, lp }) => {
    const r: Route = { kind: 'unicast', prefix: `${h}/32`, nextHop: '192.0.2.1', communities: c };
    if (lp !== undefined) r.localPref = lp;
    return r;
  }),
  fc.record({ h: v6host, c: comms }).map(({ h, c }): Route => ({ kind: 'unicast', prefix: `${h}/128`, nextHop: '2001:db8::1', communities: c })),
);

const flow: fc.Arbitrary<Route> = fc
  .record({
    v6: fc.boolean(),
    h4: v4host,
    h6: v6host,
    protocols: fc.option(fc.uniqueArray(fc.nat(255), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    dports: fc.option(fc.array(numeric, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    sports: fc.option(fc.array(numeric, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    len: fc.option(fc.array(numeric, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    syn: fc.option(fc.boolean(), { nil: undefined }),
    ack: fc.option(fc.boolean(), { nil: undefined }),
    frag: fc.option(fc.uniqueArray(fc.constantFrom('is-fragment', 'first-fragment', 'last-fragment') as fc.Arbitrary<'is-fragment' | 'first-fragment' | 'last-fragment'>, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    icmp: fc.option(fc.nat(255), { nil: undefined }),
    action: fc.oneof(
      fc.constant({ type: 'discard' as const }),
      fc.integer({ min: 1, max: 1e9 }).map((n) => ({ type: 'rate-limit' as const, bytesPerSecond: n })),
      fc.nat(63).map((d) => ({ type: 'mark' as const, dscp: d })),
      fc.tuple(fc.nat(65535), fc.nat(1000)).map(([a, n]) => ({ type: 'redirect' as const, routeTarget: `${a}:${n}` })),
    ),
    c: comms,
  })
  .map((x): Route => {
    const family = x.v6 ? 6 : 4;
    const r: Route = { kind: 'flowspec', family, match: { destination: x.v6 ? `${x.h6}/128` : `${x.h4}/32` }, action: x.v6 && x.action.type === 'redirect' ? { type: 'discard' } : x.action };
    if (x.protocols) r.match.protocols = x.protocols;
    if (x.dports) r.match.destinationPorts = x.dports;
    if (x.sports) r.match.sourcePorts = x.sports;
    if (x.len) r.match.packetLength = x.len;
    if (x.syn !== undefined || x.ack !== undefined) r.match.tcpFlags = { ...(x.syn !== undefined ? { syn: x.syn } : {}), ...(x.ack !== undefined ? { ack: x.ack } : {}) };
    if (x.frag) r.match.fragment = x.frag;
    if (x.icmp !== undefined) r.match.icmpType = x.icmp;
    if (x.c.length > 0) r.communities = x.c;
    return r;
  });


/** Any valid route. */
export function routeArbitrary(): fc.Arbitrary<Route> {
  return fc.oneof(unicast, flow);
}
