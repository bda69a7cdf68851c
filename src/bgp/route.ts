/**
 * The route model the mitigation layer produces and every speaker consumes: an RTBH unicast route
 * (RFC 7999 BLACKHOLE community, RFC 3882) or a FlowSpec rule (RFC 8955 for IPv4, RFC 8956 for
 * IPv6). Routes are plain data. `normalizeRoute` puts one in canonical form (sorted, deduplicated
 * lists, canonical prefixes, numeric communities) so that the same rule always produces the same
 * NLRI bytes on the wire and the same key, whichever speaker reports it back.
 *
 * Two keys exist because BGP identifies a route by its NLRI alone: `routeKey` is that identity
 * (prefix for unicast, the match components for FlowSpec); `routeFingerprint` adds the attributes
 * (next hop, communities, action). Re-announcing the same key with other attributes replaces the
 * route; withdrawing uses the key only.
 */
import { parseAddress, parsePrefix, formatPrefix, formatAddress, type Prefix } from '../net/ip.js';

export interface UnicastRoute {
  kind: 'unicast';
  /** CIDR: a host (/32, /128) or a covering prefix. Host bits must be zero. */
  prefix: string;
  nextHop: string;
  /** "ASN:VALUE" or a well-known name: blackhole, no-export, no-advertise, no-export-subconfed, no-peer. */
  communities: string[];
  /** RFC 8092 "GLOBAL:LOCAL1:LOCAL2". */
  largeCommunities?: string[];
  localPref?: number;
}

/** One ORed item of a numeric FlowSpec component: an exact value or an inclusive range. */
export type NumericMatch = number | { min?: number; max?: number };

export const TCP_FLAG_BITS = {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  push: 0x08,
  ack: 0x10,
  urg: 0x20,
  ece: 0x40,
  cwr: 0x80,
} as const;
export type TcpFlagName = keyof typeof TCP_FLAG_BITS;
const TCP_FLAG_ORDER = Object.keys(TCP_FLAG_BITS) as TcpFlagName[];

/**
 * TCP flags to match: `true` = the flag must be set, `false` = it must be clear; absent flags are
 * not looked at. Encoded as RFC 8955 §4.2.2.9 bitmask items with the match bit (all bits set) and
 * not bit: {syn:true, ack:false} is ExaBGP's `[ =syn&!=ack ]`.
 */
export type TcpFlagsMatch = Partial<Record<TcpFlagName, boolean>>;

export const FRAGMENT_BITS = {
  'dont-fragment': 0x01,
  'is-fragment': 0x02,
  'first-fragment': 0x04,
  'last-fragment': 0x08,
} as const;
export type FragmentName = keyof typeof FRAGMENT_BITS;
const FRAGMENT_ORDER = Object.keys(FRAGMENT_BITS) as FragmentName[];

export interface FlowspecMatch {
  destination: string;
  source?: string;
  /** IP protocol (IPv4) or upper-layer protocol / next header (IPv6); ORed. */
  protocols?: number[];
  sourcePorts?: NumericMatch[];
  destinationPorts?: NumericMatch[];
  tcpFlags?: TcpFlagsMatch;
  /** Total IP packet length (RFC 8955 §4.2.2.10); ORed. */
  packetLength?: NumericMatch[];
  /** ORed: matches when any of these fragment bits is set. dont-fragment is IPv4 only. */
  fragment?: FragmentName[];
  icmpType?: number;
  icmpCode?: number;
}

export type FlowspecAction =
  | { type: 'discard' }
  /** RFC 8955 traffic-rate-bytes: bytes per second (Mbit/s × 125000). Must be > 0; use discard for 0. */
  | { type: 'rate-limit'; bytesPerSecond: number }
  /** RFC 8955 rt-redirect to the VRF importing this 2-octet-AS route target "ASN:NN". IPv4 only. */
  | { type: 'redirect'; routeTarget: string }
  /** RFC 8955 traffic-marking: DSCP 0..63. */
  | { type: 'mark'; dscp: number };

export interface FlowspecRoute {
  kind: 'flowspec';
  family: 4 | 6;
  match: FlowspecMatch;
  action: FlowspecAction;
  communities?: string[];
}

export type Route = UnicastRoute | FlowspecRoute;

export class RouteValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid route: ${problems.join('; ')}`);
    this.name = 'RouteValidationError';
  }
}

/** RFC 1997 / RFC 7999 / RFC 3765 well-known communities, by the names ExaBGP and FRR print. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  blackhole: 0xffff029a,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
  nopeer: 0xffffff04,
};

/** Largest rate a speaker can carry: the IEEE-754 float of traffic-rate-bytes; ExaBGP caps at 1e12. */
export const MAX_RATE_BYTES_PER_SECOND = 1e12;

/** Community text to its 32-bit value, or null. Accepts names, "ASN:VAL" and plain decimal. */
export function parseCommunity(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (s in WELL_KNOWN_COMMUNITIES) return WELL_KNOWN_COMMUNITIES[s];
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (m) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    if (hi > 0xffff || lo > 0xffff) return null;
    return hi * 0x10000 + lo;
  }
  if (/^\d{1,10}$/.test(s) && Number(s) <= 0xffffffff) return Number(s);
  return null;
}

export function formatCommunity(value: number): string {
  return `${Math.floor(value / 0x10000)}:${value % 0x10000}`;
}

function parseLargeCommunity(text: string): string | null {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text.trim());
  if (!m) return null;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (parts.some((p) => p > 0xffffffff)) return null;
  return parts.join(':');
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function checkPrefix(label: string, text: unknown, family: 4 | 6 | null, problems: string[]): Prefix | null {
  if (typeof text !== 'string') {
    problems.push(`${label}: must be a CIDR string`);
    return null;
  }
  const p = parsePrefix(text);
  if ('error' in p) {
    problems.push(`${label}: ${p.error}`);
    return null;
  }
  if (!text.includes('/')) {
    problems.push(`${label}: '${text}' needs a prefix length (e.g. /32 or /128)`);
    return null;
  }
  if (family !== null && p.version !== family) {
    problems.push(`${label}: '${text}' is IPv${p.version} but the route is IPv${family}`);
    return null;
  }
  return p;
}

function checkNumericList(label: string, list: unknown, max: number, problems: string[]): void {
  if (list === undefined) return;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${label}: must be a non-empty list`);
    return;
  }
  if (list.length > MAX_COMPONENT_ITEMS) problems.push(`${label}: at most ${MAX_COMPONENT_ITEMS} items`);
  for (const item of list) {
    if (typeof item === 'number') {
      if (!isInt(item, 0, max)) problems.push(`${label}: ${item} is out of range 0..${max}`);
    } else if (item !== null && typeof item === 'object') {
      const { min, max: hi, ...rest } = item as { min?: unknown; max?: unknown };
      if (Object.keys(rest).length > 0) problems.push(`${label}: unknown keys ${Object.keys(rest).join(', ')}`);
      if (min === undefined && hi === undefined) problems.push(`${label}: a range needs min or max`);
      if (min !== undefined && !isInt(min, 0, max)) problems.push(`${label}: range min ${String(min)} is out of range 0..${max}`);
      if (hi !== undefined && !isInt(hi, 0, max)) problems.push(`${label}: range max ${String(hi)} is out of range 0..${max}`);
      if (isInt(min, 0, max) && isInt(hi, 0, max) && min > hi) problems.push(`${label}: range min ${min} > max ${hi}`);
    } else {
      problems.push(`${label}: items must be numbers or {min,max} ranges`);
    }
  }
}

/** Per-component cap on ORed items: keeps an NLRI far below RFC 8955's 4095-octet limit. */
export const MAX_COMPONENT_ITEMS = 32;
/** Cap on communities per route. */
export const MAX_COMMUNITIES = 32;

function checkCommunities(label: string, list: unknown, problems: string[]): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    problems.push(`${label}: must be a list`);
    return;
  }
  if (list.length > MAX_COMMUNITIES) problems.push(`${label}: at most ${MAX_COMMUNITIES}`);
  for (const c of list) {
    if (typeof c !== 'string' || parseCommunity(c) === null) {
      problems.push(`${label}: '${String(c)}' is not a community (ASN:VALUE with each part <= 65535, or a well-known name)`);
    }
  }
}

/** Every problem with a route, in plain words; empty when the route is valid. */
export function routeProblems(route: Route): string[] {
  const problems: string[] = [];
  if (route === null || typeof route !== 'object') return ['route must be an object'];
  if (route.kind === 'unicast') {
    const p = checkPrefix('prefix', route.prefix, null, problems);
    const nh = typeof route.nextHop === 'string' ? parseAddress(route.nextHop) : null;
    if (!nh) problems.push(`nextHop: '${String(route.nextHop)}' is not an IP address`);
    // An IPv6 route may use an IPv4 next hop only in forms speakers disagree on; keep them apart.
    else if (p && nh.version !== p.version) problems.push(`nextHop: IPv${nh.version} next hop for an IPv${p.version} prefix`);
    checkCommunities('communities', route.communities, problems);
    if (route.largeCommunities !== undefined) {
      if (!Array.isArray(route.largeCommunities)) problems.push('largeCommunities: must be a list');
      else {
        if (route.largeCommunities.length > MAX_COMMUNITIES) problems.push(`largeCommunities: at most ${MAX_COMMUNITIES}`);
        for (const c of route.largeCommunities) {
          if (typeof c !== 'string' || parseLargeCommunity(c) === null) problems.push(`largeCommunities: '${String(c)}' is not A:B:C with 32-bit parts`);
        }
      }
    }
    if (route.localPref !== undefined && !isInt(route.localPref, 0, 0xffffffff)) problems.push('localPref: must be an integer 0..4294967295');
    return problems;
  }
  if (route.kind !== 'flowspec') return [`kind: must be 'unicast' or 'flowspec'`];
  const fam = route.family;
  if (fam !== 4 && fam !== 6) {
    problems.push('family: must be 4 or 6');
    return problems;
  }
  const m = route.match;
  if (!m || typeof m !== 'object') return [...problems, 'match: required'];
  checkPrefix('match.destination', m.destination, fam, problems);
  if (m.source !== undefined) checkPrefix('match.source', m.source, fam, problems);
  if (m.protocols !== undefined) {
    if (!Array.isArray(m.protocols) || m.protocols.length === 0) problems.push('match.protocols: must be a non-empty list');
    else for (const p of m.protocols) if (!isInt(p, 0, 255)) problems.push(`match.protocols: ${String(p)} is out of range 0..255`);
  }
  checkNumericList('match.sourcePorts', m.sourcePorts, 65535, problems);
  checkNumericList('match.destinationPorts', m.destinationPorts, 65535, problems);
  checkNumericList('match.packetLength', m.packetLength, 65535, problems);
  if (m.tcpFlags !== undefined) {
    const keys = Object.keys(m.tcpFlags ?? {});
    if (keys.length === 0) problems.push('match.tcpFlags: give at least one flag');
    for (const k of keys) {
      if (!(k in TCP_FLAG_BITS)) problems.push(`match.tcpFlags: unknown flag '${k}' (${TCP_FLAG_ORDER.join(', ')})`);
      else if (typeof (m.tcpFlags as Record<string, unknown>)[k] !== 'boolean') problems.push(`match.tcpFlags.${k}: must be true (set) or false (clear)`);
    }
  }
  if (m.fragment !== undefined) {
    if (!Array.isArray(m.fragment) || m.fragment.length === 0) problems.push('match.fragment: must be a non-empty list');
    else {
      for (const f of m.fragment) {
        if (!(f in FRAGMENT_BITS)) problems.push(`match.fragment: unknown value '${String(f)}' (${FRAGMENT_ORDER.join(', ')})`);
        // RFC 8956 §3.6: IPv6 has no DF bit.
        else if (fam === 6 && f === 'dont-fragment') problems.push('match.fragment: dont-fragment does not exist for IPv6 (RFC 8956)');
      }
    }
  }
  if (m.icmpType !== undefined && !isInt(m.icmpType, 0, 255)) problems.push('match.icmpType: must be 0..255');
  if (m.icmpCode !== undefined && !isInt(m.icmpCode, 0, 255)) problems.push('match.icmpCode: must be 0..255');
  const a = route.action;
  if (!a || typeof a !== 'object') problems.push('action: required');
  else if (a.type === 'discard') {
    /* nothing to check */
  } else if (a.type === 'rate-limit') {
    if (typeof a.bytesPerSecond !== 'number' || !Number.isFinite(a.bytesPerSecond) || a.bytesPerSecond < 0) {
      problems.push('action.bytesPerSecond: must be a finite number >= 0');
    } else if (a.bytesPerSecond === 0) problems.push('action.bytesPerSecond: 0 means discard; use {type: "discard"}');
    else if (a.bytesPerSecond > MAX_RATE_BYTES_PER_SECOND) problems.push(`action.bytesPerSecond: at most ${MAX_RATE_BYTES_PER_SECOND}`);
    else if (!Number.isInteger(a.bytesPerSecond)) problems.push('action.bytesPerSecond: must be a whole number of bytes per second');
  } else if (a.type === 'redirect') {
    const rt = typeof a.routeTarget === 'string' ? /^(\d{1,5}):(\d{1,10})$/.exec(a.routeTarget) : null;
    if (!rt || Number(rt[1]) > 0xffff || Number(rt[2]) > 0xffffffff) problems.push(`action.routeTarget: '${String(a.routeTarget)}' must be ASN:NN with a 2-octet ASN and 32-bit NN`);
    // RFC 8956 §6.1 vs the pre-RFC codepoint ExaBGP 4.2 and GoBGP v3 emit: receivers disagree.
    if (fam === 6) problems.push('action: redirect is not supported for IPv6 FlowSpec (ExaBGP 4.2 and GoBGP v3 use a pre-RFC 8956 encoding)');
  } else if (a.type === 'mark') {
    if (!isInt(a.dscp, 0, 63)) problems.push('action.dscp: must be 0..63');
  } else problems.push(`action.type: must be discard, rate-limit, redirect or mark`);
  checkCommunities('communities', route.communities, problems);
  return problems;
}

export function validateRoute(route: Route): void {
  const problems = routeProblems(route);
  if (problems.length > 0) throw new RouteValidationError(problems);
}

function canonPrefix(text: string): string {
  const p = parsePrefix(text);
  if ('error' in p) throw new RouteValidationError([p.error]);
  return formatPrefix(p);
}

function canonCommunities(list: string[] | undefined): string[] {
  const values = [...new Set((list ?? []).map((c) => parseCommunity(c)!))].sort((a, b) => a - b);
  return values.map(formatCommunity);
}

function numericItemKey(n: NumericMatch): [number, number] {
  if (typeof n === 'number') return [n, n];
  return [n.min ?? 0, n.max ?? 65535];
}

function canonNumeric(list: NumericMatch[] | undefined, max: number): NumericMatch[] | undefined {
  if (list === undefined) return undefined;
  const seen = new Map<string, NumericMatch>();
  for (const item of list) {
    let v: NumericMatch;
    if (typeof item === 'number') v = item;
    else {
      const lo = item.min ?? 0;
      const hi = item.max ?? max;
      if (lo === hi) v = lo;
      else if (lo === 0) v = { max: hi };
      else if (hi === max) v = { min: lo };
      else v = { min: lo, max: hi };
    }
    const [a, b] = typeof v === 'number' ? [v, v] : [v.min ?? 0, v.max ?? max];
    seen.set(`${a}-${b}`, v);
  }
  return [...seen.values()].sort((x, y) => {
    const [a1, b1] = numericItemKey(x);
    const [a2, b2] = numericItemKey(y);
    return a1 - a2 || b1 - b2;
  });
}

/**
 * Canonical copy of a valid route (throws RouteValidationError otherwise). Speakers render from
 * this form, so a rule always yields the same NLRI bytes, and parse what they read back into it.
 */
export function normalizeRoute(route: Route): Route {
  validateRoute(route);
  if (route.kind === 'unicast') {
    const out: UnicastRoute = {
      kind: 'unicast',
      prefix: canonPrefix(route.prefix),
      nextHop: canonAddress(route.nextHop),
      communities: canonCommunities(route.communities),
    };
    if (route.largeCommunities && route.largeCommunities.length > 0) {
      out.largeCommunities = [...new Set(route.largeCommunities.map((c) => parseLargeCommunity(c)!))].sort(compareLarge);
    }
    if (route.localPref !== undefined) out.localPref = route.localPref;
    return out;
  }
  const m = route.match;
  const match: FlowspecMatch = { destination: canonPrefix(m.destination) };
  if (m.source !== undefined) match.source = canonPrefix(m.source);
  if (m.protocols !== undefined) match.protocols = [...new Set(m.protocols)].sort((a, b) => a - b);
  const dp = canonNumeric(m.destinationPorts, 65535);
  const sp = canonNumeric(m.sourcePorts, 65535);
  if (dp) match.destinationPorts = dp;
  if (sp) match.sourcePorts = sp;
  if (m.icmpType !== undefined) match.icmpType = m.icmpType;
  if (m.icmpCode !== undefined) match.icmpCode = m.icmpCode;
  if (m.tcpFlags !== undefined) {
    const f: TcpFlagsMatch = {};
    for (const k of TCP_FLAG_ORDER) if (m.tcpFlags[k] !== undefined) f[k] = m.tcpFlags[k];
    match.tcpFlags = f;
  }
  const pl = canonNumeric(m.packetLength, 65535);
  if (pl) match.packetLength = pl;
  if (m.fragment !== undefined) match.fragment = FRAGMENT_ORDER.filter((f) => m.fragment!.includes(f));
  let action: FlowspecAction;
  const a = route.action;
  if (a.type === 'rate-limit') action = { type: 'rate-limit', bytesPerSecond: canonRate(a.bytesPerSecond) };
  else if (a.type === 'redirect') {
    const [asn, nn] = a.routeTarget.split(':');
    action = { type: 'redirect', routeTarget: `${Number(asn)}:${Number(nn)}` };
  } else if (a.type === 'mark') action = { type: 'mark', dscp: a.dscp };
  else action = { type: 'discard' };
  const out: FlowspecRoute = { kind: 'flowspec', family: route.family, match, action };
  const comms = canonCommunities(route.communities);
  if (comms.length > 0) out.communities = comms;
  return out;
}

/**
 * traffic-rate-bytes is an IEEE-754 single-precision float on the wire (RFC 8955 §7.1): a rate
 * that float32 cannot hold comes back from the speaker rounded, so the canonical rate is the
 * float32 value, or the diff would re-announce forever.
 */
export function canonRate(bytesPerSecond: number): number {
  return Math.round(Math.fround(bytesPerSecond));
}

function canonAddress(text: string): string {
  const a = parseAddress(text);
  if (!a) throw new RouteValidationError([`'${text}' is not an IP address`]);
  return formatAddress(a.bytes, a.version);
}

function compareLarge(a: string, b: string): number {
  const x = a.split(':').map(Number);
  const y = b.split(':').map(Number);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

function numericText(list: NumericMatch[]): string {
  return list.map((n) => (typeof n === 'number' ? `${n}` : `${n.min ?? ''}..${n.max ?? ''}`)).join(',');
}

function keyOfNormalized(r: Route): string {
  if (r.kind === 'unicast') return `unicast ${r.prefix}`;
  const m = r.match;
  const parts = [`flow${r.family} dst ${m.destination}`];
  if (m.source) parts.push(`src ${m.source}`);
  if (m.protocols) parts.push(`proto ${m.protocols.join(',')}`);
  if (m.destinationPorts) parts.push(`dport ${numericText(m.destinationPorts)}`);
  if (m.sourcePorts) parts.push(`sport ${numericText(m.sourcePorts)}`);
  if (m.icmpType !== undefined) parts.push(`icmp-type ${m.icmpType}`);
  if (m.icmpCode !== undefined) parts.push(`icmp-code ${m.icmpCode}`);
  if (m.tcpFlags) parts.push(`tcp ${Object.entries(m.tcpFlags).map(([k, v]) => (v ? k : `!${k}`)).join(',')}`);
  if (m.packetLength) parts.push(`len ${numericText(m.packetLength)}`);
  if (m.fragment) parts.push(`frag ${m.fragment.join(',')}`);
  return parts.join(' ');
}

/** The route's BGP identity (NLRI): equal keys mean one replaces the other at the router. */
export function routeKey(route: Route): string {
  return keyOfNormalized(normalizeRoute(route));
}

/** Identity plus attributes: equal fingerprints mean nothing needs to be re-announced. */
export function routeFingerprint(route: Route): string {
  const r = normalizeRoute(route);
  const key = keyOfNormalized(r);
  if (r.kind === 'unicast') {
    let s = `${key} nh ${r.nextHop} comm ${r.communities.join(',')}`;
    if (r.largeCommunities) s += ` lcomm ${r.largeCommunities.join(',')}`;
    if (r.localPref !== undefined) s += ` lp ${r.localPref}`;
    return s;
  }
  const a = r.action;
  let act: string = a.type;
  if (a.type === 'rate-limit') act += ` ${a.bytesPerSecond}`;
  else if (a.type === 'redirect') act += ` ${a.routeTarget}`;
  else if (a.type === 'mark') act += ` ${a.dscp}`;
  return `${key} then ${act} comm ${(r.communities ?? []).join(',')}`;
}

/** Short human form for logs and the audit trail. */
export function describeRoute(route: Route): string {
  try {
    return routeFingerprint(route);
  } catch {
    return JSON.stringify(route);
  }
}
