/**
 * Route <-> GoBGP v3 `apipb.Path` in the object form @grpc/proto-loader uses (keepCase, Any as
 * objects carrying '@type'), bgp-apis.md §B.4–§B.6. FlowSpec components are RFC 8955 §4.2
 * operator/value items; GoBGP sets the end-of-list bit and the length bits itself, so only the
 * AND and comparison bits are given here (pkg/packet/bgp/bgp.go NewFlowSpecComponent[Item]).
 */
import {
  formatCommunity,
  normalizeRoute,
  parseCommunity,
  FRAGMENT_BITS,
  TCP_FLAG_BITS,
  type FlowspecAction,
  type FlowspecMatch,
  type FlowspecRoute,
  type FragmentName,
  type NumericMatch,
  type Route,
  type TcpFlagName,
  type UnicastRoute,
} from '../route.js';

const T = (name: string) => `type.googleapis.com/apipb.${name}`;

// RFC 8955 §4.2.1.1 numeric operator and §4.2.1.2 bitmask operator bits.
export const OP_AND = 0x40;
export const OP_EQ = 0x01;
export const OP_GT = 0x02;
export const OP_LT = 0x04;
export const OP_MATCH = 0x01;
export const OP_NOT = 0x02;

export const FS_TYPE = {
  destination: 1, source: 2, protocol: 3, port: 4, destinationPort: 5, sourcePort: 6, icmpType: 7, icmpCode: 8,
  tcpFlags: 9, packetLength: 10, dscp: 11, fragment: 12,
} as const;

export type ApiObject = Record<string, unknown>;

export interface ApiFamily {
  afi: 'AFI_IP' | 'AFI_IP6';
  safi: 'SAFI_UNICAST' | 'SAFI_FLOW_SPEC_UNICAST';
}

export const GOBGP_FAMILIES: ApiFamily[] = [
  { afi: 'AFI_IP', safi: 'SAFI_UNICAST' },
  { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' },
  { afi: 'AFI_IP', safi: 'SAFI_FLOW_SPEC_UNICAST' },
  { afi: 'AFI_IP6', safi: 'SAFI_FLOW_SPEC_UNICAST' },
];

export function familyOf(route: Route): ApiFamily {
  if (route.kind === 'unicast') return { afi: route.prefix.includes(':') ? 'AFI_IP6' : 'AFI_IP', safi: 'SAFI_UNICAST' };
  return { afi: route.family === 6 ? 'AFI_IP6' : 'AFI_IP', safi: 'SAFI_FLOW_SPEC_UNICAST' };
}

function numericItems(list: NumericMatch[]): Array<{ op: number; value: number }> {
  const items: Array<{ op: number; value: number }> = [];
  for (const n of list) {
    if (typeof n === 'number') items.push({ op: OP_EQ, value: n });
    else if (n.min !== undefined && n.max !== undefined) {
      items.push({ op: OP_GT | OP_EQ, value: n.min }, { op: OP_AND | OP_LT | OP_EQ, value: n.max });
    } else if (n.min !== undefined) items.push({ op: OP_GT | OP_EQ, value: n.min });
    else items.push({ op: OP_LT | OP_EQ, value: n.max! });
  }
  return items;
}

function component(type: number, items: Array<{ op: number; value: number }>): ApiObject {
  return { '@type': T('FlowSpecComponent'), type, items };
}

function flowRules(family: 4 | 6, m: FlowspecMatch): ApiObject[] {
  const prefix = (type: number, cidr: string): ApiObject => {
    const [addr, len] = cidr.split('/');
    const o: ApiObject = { '@type': T('FlowSpecIPPrefix'), type, prefix: addr, prefix_len: Number(len) };
    if (family === 6) o.offset = 0;
    return o;
  };
  const rules: ApiObject[] = [prefix(FS_TYPE.destination, m.destination)];
  if (m.source) rules.push(prefix(FS_TYPE.source, m.source));
  if (m.protocols) rules.push(component(FS_TYPE.protocol, m.protocols.map((p) => ({ op: OP_EQ, value: p }))));
  if (m.destinationPorts) rules.push(component(FS_TYPE.destinationPort, numericItems(m.destinationPorts)));
  if (m.sourcePorts) rules.push(component(FS_TYPE.sourcePort, numericItems(m.sourcePorts)));
  if (m.icmpType !== undefined) rules.push(component(FS_TYPE.icmpType, [{ op: OP_EQ, value: m.icmpType }]));
  if (m.icmpCode !== undefined) rules.push(component(FS_TYPE.icmpCode, [{ op: OP_EQ, value: m.icmpCode }]));
  if (m.tcpFlags) {
    // One AND-group: each flag must be set (match) or must not be set (not + match).
    const items = Object.entries(m.tcpFlags).map(([f, set], i) => ({
      op: (i > 0 ? OP_AND : 0) | OP_MATCH | (set ? 0 : OP_NOT),
      value: TCP_FLAG_BITS[f as TcpFlagName],
    }));
    rules.push(component(FS_TYPE.tcpFlags, items));
  }
  if (m.packetLength) rules.push(component(FS_TYPE.packetLength, numericItems(m.packetLength)));
  if (m.fragment) rules.push(component(FS_TYPE.fragment, m.fragment.map((f) => ({ op: 0, value: FRAGMENT_BITS[f] }))));
  return rules;
}

function actionCommunity(a: FlowspecAction): ApiObject {
  switch (a.type) {
    case 'discard':
      // RFC 8955 §7.1: traffic-rate 0 = discard; AS 0 as Juniper/Arbor/ExaBGP send it.
      return { '@type': T('TrafficRateExtended'), asn: 0, rate: 0 };
    case 'rate-limit':
      return { '@type': T('TrafficRateExtended'), asn: 0, rate: a.bytesPerSecond };
    case 'redirect': {
      const [asn, nn] = a.routeTarget.split(':').map(Number);
      return { '@type': T('RedirectTwoOctetAsSpecificExtended'), asn, local_admin: nn };
    }
    case 'mark':
      return { '@type': T('TrafficRemarkExtended'), dscp: a.dscp };
  }
}

function communityValues(list: string[] | undefined): number[] {
  return (list ?? []).map((c) => parseCommunity(c)!);
}

/** The Path for AddPath (announce) or, with withdraw=true, for DeletePath (NLRI + family only matter). */
export function routeToPath(route: Route, withdraw = false): ApiObject {
  const r = normalizeRoute(route);
  const family = familyOf(r);
  let nlri: ApiObject;
  // Origin is mandatory and a next hop too, even for FlowSpec (bgp-apis.md §B.3, `nexthop not found`).
  const pattrs: ApiObject[] = [{ '@type': T('OriginAttribute'), origin: 0 }];
  if (r.kind === 'unicast') {
    const [addr, len] = r.prefix.split('/');
    nlri = { '@type': T('IPAddressPrefix'), prefix: addr, prefix_len: Number(len) };
    pattrs.push({ '@type': T('NextHopAttribute'), next_hop: r.nextHop });
    if (r.localPref !== undefined) pattrs.push({ '@type': T('LocalPrefAttribute'), local_pref: r.localPref });
    if (r.communities.length > 0) pattrs.push({ '@type': T('CommunitiesAttribute'), communities: communityValues(r.communities) });
    if (r.largeCommunities && r.largeCommunities.length > 0) {
      pattrs.push({
        '@type': T('LargeCommunitiesAttribute'),
        communities: r.largeCommunities.map((c) => {
          const [g, l1, l2] = c.split(':').map(Number);
          return { global_admin: g, local_data1: l1, local_data2: l2 };
        }),
      });
    }
  } else {
    nlri = { '@type': T('FlowSpecNLRI'), rules: flowRules(r.family, r.match) };
    pattrs.push({ '@type': T('NextHopAttribute'), next_hop: r.family === 6 ? '::' : '0.0.0.0' });
    if (r.communities && r.communities.length > 0) pattrs.push({ '@type': T('CommunitiesAttribute'), communities: communityValues(r.communities) });
    pattrs.push({ '@type': T('ExtendedCommunitiesAttribute'), communities: [actionCommunity(r.action)] });
  }
  const path: ApiObject = { family, nlri, pattrs };
  if (withdraw) path.is_withdraw = true;
  return path;
}

class Unmodelled extends Error {}

const typeName = (o: unknown): string => String((o as ApiObject | null)?.['@type'] ?? '').replace(/^.*\//, '').replace(/^apipb\./, '');
const num = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));

/** ORed groups of AND-ed {op, value} terms (RFC 8955 §4.2.1: the `a` bit binds an item to the previous one). */
function groups(items: Array<{ op: number; value: number }>): Array<Array<{ op: number; value: number }>> {
  const out: Array<Array<{ op: number; value: number }>> = [];
  for (const it of items) {
    if (it.op & OP_AND && out.length > 0) out[out.length - 1].push(it);
    else out.push([it]);
  }
  return out;
}

function decodeNumeric(items: Array<{ op: number; value: number }>): NumericMatch[] {
  return groups(items).map((g) => {
    let min: number | undefined;
    let max: number | undefined;
    for (const { op, value } of g) {
      switch (op & 0x07) {
        case OP_EQ:
          min = max = value;
          break;
        case OP_GT | OP_EQ:
          min = value;
          break;
        case OP_GT:
          min = value + 1;
          break;
        case OP_LT | OP_EQ:
          max = value;
          break;
        case OP_LT:
          max = value - 1;
          break;
        default:
          throw new Unmodelled(`numeric operator 0x${op.toString(16)}`);
      }
    }
    if (min !== undefined && min === max) return min;
    const r: { min?: number; max?: number } = {};
    if (min !== undefined) r.min = min;
    if (max !== undefined) r.max = max;
    return r;
  });
}

function exact(items: Array<{ op: number; value: number }>, what: string): number[] {
  return decodeNumeric(items).map((n) => {
    if (typeof n !== 'number') throw new Unmodelled(`${what} range`);
    return n;
  });
}

function decodeFlowMatch(rules: unknown[]): FlowspecMatch {
  const m: Partial<FlowspecMatch> = {};
  for (const rule of rules) {
    const o = rule as ApiObject;
    const type = num(o.type);
    const name = typeName(o);
    if (name === 'FlowSpecIPPrefix') {
      if (num(o.offset ?? 0) !== 0) throw new Unmodelled('IPv6 prefix offset');
      const cidr = `${String(o.prefix)}/${num(o.prefix_len)}`;
      if (type === FS_TYPE.destination) m.destination = cidr;
      else if (type === FS_TYPE.source) m.source = cidr;
      else throw new Unmodelled(`prefix component type ${type}`);
      continue;
    }
    if (name !== 'FlowSpecComponent') throw new Unmodelled(`flowspec rule ${name}`);
    const items = ((o.items as ApiObject[] | undefined) ?? []).map((i) => ({ op: num(i.op) & 0x4f & ~0x08, value: num(i.value) }));
    switch (type) {
      case FS_TYPE.protocol:
        m.protocols = exact(items, 'protocol');
        break;
      case FS_TYPE.destinationPort:
        m.destinationPorts = decodeNumeric(items);
        break;
      case FS_TYPE.sourcePort:
        m.sourcePorts = decodeNumeric(items);
        break;
      case FS_TYPE.packetLength:
        m.packetLength = decodeNumeric(items);
        break;
      case FS_TYPE.icmpType:
      case FS_TYPE.icmpCode: {
        const v = exact(items, 'icmp');
        if (v.length !== 1) throw new Unmodelled('several icmp values');
        if (type === FS_TYPE.icmpType) m.icmpType = v[0];
        else m.icmpCode = v[0];
        break;
      }
      case FS_TYPE.tcpFlags: {
        const g = groups(items);
        if (g.length !== 1) throw new Unmodelled('ORed tcp-flags');
        const flags: Partial<Record<TcpFlagName, boolean>> = {};
        for (const { op, value } of g[0]) {
          if (!(op & OP_MATCH)) throw new Unmodelled('tcp-flags any-bit match');
          const names = (Object.keys(TCP_FLAG_BITS) as TcpFlagName[]).filter((f) => value & TCP_FLAG_BITS[f]);
          if (op & OP_NOT && names.length !== 1) throw new Unmodelled('tcp-flags not-all-of');
          for (const f of names) flags[f] = !(op & OP_NOT);
        }
        m.tcpFlags = flags;
        break;
      }
      case FS_TYPE.fragment: {
        const out: FragmentName[] = [];
        for (const { op, value } of items) {
          if (op & (OP_NOT | OP_MATCH | OP_AND)) throw new Unmodelled('fragment operator');
          for (const f of Object.keys(FRAGMENT_BITS) as FragmentName[]) if (value & FRAGMENT_BITS[f]) out.push(f);
        }
        m.fragment = out;
        break;
      }
      default:
        throw new Unmodelled(`flowspec component type ${type}`);
    }
  }
  if (!m.destination) throw new Unmodelled('flowspec rule without destination');
  return m as FlowspecMatch;
}

function decodeAction(pattrs: ApiObject[]): FlowspecAction | null {
  let action: FlowspecAction | null = null;
  for (const a of pattrs) {
    if (typeName(a) !== 'ExtendedCommunitiesAttribute') continue;
    for (const c of (a.communities as ApiObject[] | undefined) ?? []) {
      const n = typeName(c);
      if (n === 'TrafficRateExtended') {
        const rate = Math.round(num(c.rate));
        action = rate === 0 ? { type: 'discard' } : { type: 'rate-limit', bytesPerSecond: rate };
      } else if (n === 'RedirectTwoOctetAsSpecificExtended') action = { type: 'redirect', routeTarget: `${num(c.asn)}:${num(c.local_admin)}` };
      else if (n === 'TrafficRemarkExtended') action = { type: 'mark', dscp: num(c.dscp) };
    }
  }
  return action;
}

function decodeCommunities(pattrs: ApiObject[]): string[] {
  const out: string[] = [];
  for (const a of pattrs) if (typeName(a) === 'CommunitiesAttribute') for (const c of (a.communities as unknown[]) ?? []) out.push(formatCommunity(num(c)));
  return out;
}

/** A Path from ListPath back to a normalized Route; throws (with why) for paths outside the model. */
export function pathToRoute(path: ApiObject): Route {
  const fam = path.family as { afi?: string; safi?: string } | undefined;
  const pattrs = (path.pattrs as ApiObject[] | undefined) ?? [];
  const nlri = path.nlri as ApiObject;
  const v6 = fam?.afi === 'AFI_IP6';
  if (fam?.safi === 'SAFI_UNICAST') {
    if (typeName(nlri) !== 'IPAddressPrefix') throw new Unmodelled(`unicast NLRI ${typeName(nlri)}`);
    let nextHop = '';
    let localPref: number | undefined;
    let large: string[] | undefined;
    for (const a of pattrs) {
      const n = typeName(a);
      if (n === 'NextHopAttribute') nextHop = String(a.next_hop);
      else if (n === 'MpReachNLRIAttribute') nextHop = ((a.next_hops as string[] | undefined) ?? [])[0] ?? nextHop;
      else if (n === 'LocalPrefAttribute') localPref = num(a.local_pref);
      else if (n === 'LargeCommunitiesAttribute') {
        large = ((a.communities as ApiObject[] | undefined) ?? []).map((c) => `${num(c.global_admin)}:${num(c.local_data1)}:${num(c.local_data2)}`);
      }
    }
    const r: UnicastRoute = { kind: 'unicast', prefix: `${String(nlri.prefix)}/${num(nlri.prefix_len)}`, nextHop, communities: decodeCommunities(pattrs) };
    if (localPref !== undefined) r.localPref = localPref;
    if (large && large.length > 0) r.largeCommunities = large;
    return normalizeRoute(r);
  }
  if (fam?.safi === 'SAFI_FLOW_SPEC_UNICAST') {
    if (typeName(nlri) !== 'FlowSpecNLRI') throw new Unmodelled(`flowspec NLRI ${typeName(nlri)}`);
    const action = decodeAction(pattrs);
    if (!action) throw new Unmodelled('flowspec path without a traffic action we model');
    const r: FlowspecRoute = { kind: 'flowspec', family: v6 ? 6 : 4, match: decodeFlowMatch((nlri.rules as unknown[]) ?? []), action };
    const comms = decodeCommunities(pattrs);
    if (comms.length > 0) r.communities = comms;
    return normalizeRoute(r);
  }
  throw new Unmodelled(`family ${fam?.afi}/${fam?.safi}`);
}
