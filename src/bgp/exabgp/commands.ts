/**
 * ExaBGP 4.2 text API: rendering routes as single-line commands and parsing
 * `show adj-rib out extensive` back into routes (bgp-apis.md §A.3, §A.4, §A.10).
 *
 * Flat FlowSpec form only (`announce flow route destination ... discard`): a multi-line block
 * written line by line is rejected, and 4.2 does not accept the words `match`/`then` in the flat
 * form. Numeric values are written with explicit operators (`=17`) so that ExaBGP's name tables
 * (protocol, ICMP type) never matter on the way in; on the way out ExaBGP prints names
 * (`=udp`, `=echo-request`), which the parser maps back with the same tables as ExaBGP 4.2
 * (`exabgp/protocol/__init__.py`, `exabgp/protocol/ip/icmp.py`).
 */
import {
  formatCommunity,
  normalizeRoute,
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
  parseCommunity,
} from '../route.js';

function numericItems(list: NumericMatch[]): string {
  const items = list.map((n) => {
    if (typeof n === 'number') return `=${n}`;
    if (n.min !== undefined && n.max !== undefined) return `>=${n.min}&<=${n.max}`;
    if (n.min !== undefined) return `>=${n.min}`;
    return `<=${n.max}`;
  });
  return `[ ${items.join(' ')} ]`;
}

function flowMatchText(r: FlowspecRoute): string {
  const m = r.match;
  const parts: string[] = [];
  // RFC 8956 prefixes carry an offset; ExaBGP takes it as a third field.
  const pfx = (p: string) => (r.family === 6 ? `${p}/0` : p);
  parts.push(`destination ${pfx(m.destination)}`);
  if (m.source) parts.push(`source ${pfx(m.source)}`);
  if (m.protocols) parts.push(`${r.family === 6 ? 'next-header' : 'protocol'} [ ${m.protocols.map((p) => `=${p}`).join(' ')} ]`);
  if (m.destinationPorts) parts.push(`destination-port ${numericItems(m.destinationPorts)}`);
  if (m.sourcePorts) parts.push(`source-port ${numericItems(m.sourcePorts)}`);
  if (m.icmpType !== undefined) parts.push(`icmp-type [ =${m.icmpType} ]`);
  if (m.icmpCode !== undefined) parts.push(`icmp-code [ =${m.icmpCode} ]`);
  if (m.tcpFlags) {
    const terms = Object.entries(m.tcpFlags).map(([f, set]) => (set ? `=${f}` : `!=${f}`));
    parts.push(`tcp-flags [ ${terms.join('&')} ]`);
  }
  if (m.packetLength) parts.push(`packet-length ${numericItems(m.packetLength)}`);
  if (m.fragment) parts.push(`fragment [ ${m.fragment.join(' ')} ]`);
  return parts.join(' ');
}

function actionText(a: FlowspecAction): string {
  switch (a.type) {
    case 'discard':
      return 'discard';
    case 'rate-limit':
      return `rate-limit ${a.bytesPerSecond}`;
    case 'redirect':
      return `redirect ${a.routeTarget}`;
    case 'mark':
      return `mark ${a.dscp}`;
  }
}

/** The single-line announce command for a route (validated and normalized first). */
export function renderAnnounce(route: Route): string {
  const r = normalizeRoute(route);
  if (r.kind === 'unicast') {
    let s = `announce route ${r.prefix} next-hop ${r.nextHop}`;
    if (r.localPref !== undefined) s += ` local-preference ${r.localPref}`;
    if (r.communities.length > 0) s += ` community [ ${r.communities.join(' ')} ]`;
    if (r.largeCommunities && r.largeCommunities.length > 0) s += ` large-community [ ${r.largeCommunities.join(' ')} ]`;
    return s;
  }
  let s = `announce flow route ${flowMatchText(r)} ${actionText(r.action)}`;
  if (r.communities && r.communities.length > 0) s += ` community [ ${r.communities.join(' ')} ]`;
  return s;
}

/** The single-line withdraw command: the NLRI only (ExaBGP matches withdraws by NLRI, §A.3). */
export function renderWithdraw(route: Route): string {
  const r = normalizeRoute(route);
  if (r.kind === 'unicast') return `withdraw route ${r.prefix}`;
  return `withdraw flow route ${flowMatchText(r)}`;
}

// ExaBGP 4.2 name tables (exabgp/protocol/__init__.py Protocol, protocol/ip/icmp.py ICMPType).
const PROTOCOL_NAMES: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, egp: 8, udp: 17, rsvp: 46, gre: 47, esp: 50, ah: 51, ospf: 89, ipip: 94, pim: 103, sctp: 132,
};
const ICMP_TYPE_NAMES: Record<string, number> = {
  'echo-reply': 0, unreachable: 3, 'source-quench': 4, redirect: 5, 'echo-request': 8, 'router-advertisement': 9,
  'router-solicit': 10, 'time-exceeded': 11, 'parameter-problem': 12, timestamp: 13, 'timestamp-reply': 14,
  'info-request': 15, 'info-reply': 16, 'mask-request': 17, 'mask-reply': 18, traceroute: 30,
  'experimental-mobility': 41, 'extended-echo-request': 42, 'extended-echo-reply': 43, 'experimental-one': 253,
  'experimental-two': 254,
};

type Token = string | string[];

/** Splits on whitespace; `[ a b ]` becomes one array token. */
function tokenize(text: string): Token[] {
  const raw = text.split(/\s+/).filter((t) => t.length > 0);
  const out: Token[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '[') {
      const group: string[] = [];
      i++;
      while (i < raw.length && raw[i] !== ']') group.push(raw[i++]);
      out.push(group);
    } else out.push(raw[i]);
  }
  return out;
}

const asList = (t: Token | undefined): string[] => (t === undefined ? [] : Array.isArray(t) ? t : [t]);

class Unparseable extends Error {}

function parseNumber(text: string, names?: Record<string, number>): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (names && text in names) return names[text];
  throw new Unparseable(`unknown value '${text}'`);
}

/** One ORed item of a numeric component as ExaBGP prints it: `=80`, `>=1000&<=1500`, `>1023`. */
function parseNumericItem(item: string, names?: Record<string, number>): NumericMatch {
  let min: number | undefined;
  let max: number | undefined;
  for (const term of item.split('&')) {
    const m = /^(>=|<=|=|>|<)?(.+)$/.exec(term);
    if (!m) throw new Unparseable(`bad numeric term '${term}'`);
    const v = parseNumber(m[2], names);
    switch (m[1] ?? '=') {
      case '=':
        min = max = v;
        break;
      case '>=':
        min = v;
        break;
      case '>':
        min = v + 1;
        break;
      case '<=':
        max = v;
        break;
      case '<':
        max = v - 1;
        break;
    }
  }
  if (min !== undefined && min === max) return min;
  const r: { min?: number; max?: number } = {};
  if (min !== undefined) r.min = min;
  if (max !== undefined) r.max = max;
  return r;
}

function exactValues(t: Token | undefined, names?: Record<string, number>): number[] {
  return asList(t).map((i) => {
    const v = parseNumericItem(i, names);
    if (typeof v !== 'number') throw new Unparseable(`expected an exact value, got '${i}'`);
    return v;
  });
}

function stripOffset(prefix: string): string {
  const parts = prefix.split('/');
  if (parts.length === 3) {
    if (parts[2] !== '0') throw new Unparseable(`IPv6 prefix offset ${parts[2]} is not supported`);
    return `${parts[0]}/${parts[1]}`;
  }
  return prefix;
}

function communityList(t: Token | undefined): string[] {
  return asList(t).map((c) => {
    const v = parseCommunity(c);
    if (v === null) throw new Unparseable(`bad community '${c}'`);
    return formatCommunity(v);
  });
}

interface Attributes {
  nextHop?: string;
  communities: string[];
  largeCommunities: string[];
  localPref?: number;
  action?: FlowspecAction;
}

/** Parses attribute keywords from position i; unknown attributes (origin, med, as-path...) are skipped. */
function parseAttributes(tokens: Token[], i: number, attrs: Attributes): void {
  while (i < tokens.length) {
    const key = tokens[i];
    const val = tokens[i + 1];
    i += 2;
    if (Array.isArray(key)) throw new Unparseable('unexpected list');
    switch (key) {
      case 'next-hop':
        attrs.nextHop = asList(val)[0];
        break;
      case 'community':
        attrs.communities.push(...communityList(val));
        break;
      case 'large-community':
        attrs.largeCommunities.push(...asList(val));
        break;
      case 'local-preference':
        attrs.localPref = parseNumber(asList(val)[0]);
        break;
      case 'extended-community': {
        const items = asList(val);
        for (let j = 0; j < items.length; j++) {
          const e = items[j];
          let m: RegExpExecArray | null;
          if ((m = /^rate-limit:(\d+)$/.exec(e))) {
            const rate = Number(m[1]);
            attrs.action = rate === 0 ? { type: 'discard' } : { type: 'rate-limit', bytesPerSecond: rate };
          } else if ((m = /^redirect:(\d+):(\d+)$/.exec(e))) attrs.action = { type: 'redirect', routeTarget: `${m[1]}:${m[2]}` };
          else if (e === 'mark') {
            // `mark N` is printed as two words (exabgp traffic.py TrafficMark.__str__); outside a list the
            // number is the next top-level token.
            const n = j + 1 < items.length ? items[++j] : asList(tokens[i++])[0];
            attrs.action = { type: 'mark', dscp: parseNumber(n) };
          }
          // Other extended communities (route targets, origin) are not part of the route model.
        }
        break;
      }
      default:
        // Attribute we do not model: skip its value (one token or a list).
        break;
    }
  }
}

function parseFlow(family: 4 | 6, tokens: Token[]): FlowspecRoute {
  // tokens[0] is the word "flow" (NLRI.extensive()).
  let i = tokens[0] === 'flow' ? 1 : 0;
  const match: Partial<FlowspecMatch> = {};
  const attrStart = (): boolean => ['next-hop', 'community', 'extended-community', 'large-community', 'origin', 'as-path', 'med', 'local-preference', 'originator-id', 'cluster-list', 'atomic-aggregate', 'aggregator'].includes(tokens[i] as string);
  while (i < tokens.length && !attrStart()) {
    const key = tokens[i] as string;
    const val = tokens[i + 1];
    i += 2;
    switch (key) {
      case 'destination-ipv4':
      case 'destination-ipv6':
        match.destination = stripOffset(asList(val)[0]);
        break;
      case 'source-ipv4':
      case 'source-ipv6':
        match.source = stripOffset(asList(val)[0]);
        break;
      case 'protocol':
      case 'next-header':
        match.protocols = exactValues(val, PROTOCOL_NAMES);
        break;
      case 'destination-port':
        match.destinationPorts = asList(val).map((x) => parseNumericItem(x));
        break;
      case 'source-port':
        match.sourcePorts = asList(val).map((x) => parseNumericItem(x));
        break;
      case 'packet-length':
        match.packetLength = asList(val).map((x) => parseNumericItem(x));
        break;
      case 'icmp-type': {
        const v = exactValues(val, ICMP_TYPE_NAMES);
        if (v.length !== 1) throw new Unparseable('several icmp-type values');
        match.icmpType = v[0];
        break;
      }
      case 'icmp-code': {
        const v = exactValues(val);
        if (v.length !== 1) throw new Unparseable('several icmp-code values');
        match.icmpCode = v[0];
        break;
      }
      case 'tcp-flags': {
        const items = asList(val);
        if (items.length !== 1) throw new Unparseable('ORed tcp-flags terms are not modelled');
        const flags: Partial<Record<TcpFlagName, boolean>> = {};
        for (const term of items[0].split('&')) {
          const m = /^(=|!=)([a-z]+)$/.exec(term);
          if (!m || !(m[2] in TCP_FLAG_BITS)) throw new Unparseable(`tcp-flags term '${term}' is not modelled`);
          flags[m[2] as TcpFlagName] = m[1] === '=';
        }
        match.tcpFlags = flags;
        break;
      }
      case 'fragment': {
        const items = asList(val);
        for (const f of items) if (!(f in FRAGMENT_BITS)) throw new Unparseable(`fragment '${f}' is not modelled`);
        match.fragment = items as FragmentName[];
        break;
      }
      default:
        throw new Unparseable(`flow component '${key}' is not modelled`);
    }
  }
  if (!match.destination) throw new Unparseable('flow route without destination');
  const attrs: Attributes = { communities: [], largeCommunities: [] };
  parseAttributes(tokens, i, attrs);
  const route: FlowspecRoute = { kind: 'flowspec', family, match: match as FlowspecMatch, action: attrs.action ?? { type: 'discard' } };
  if (!attrs.action) throw new Unparseable('flow route without a traffic action');
  if (attrs.communities.length > 0) route.communities = attrs.communities;
  return route;
}

function parseUnicast(tokens: Token[]): UnicastRoute {
  const prefix = asList(tokens[0])[0];
  const attrs: Attributes = { communities: [], largeCommunities: [] };
  parseAttributes(tokens, 1, attrs);
  if (!attrs.nextHop) throw new Unparseable('unicast route without next-hop');
  const r: UnicastRoute = { kind: 'unicast', prefix, nextHop: attrs.nextHop, communities: attrs.communities };
  if (attrs.largeCommunities.length > 0) r.largeCommunities = attrs.largeCommunities;
  if (attrs.localPref !== undefined) r.localPref = attrs.localPref;
  return r;
}

export interface AdjRibEntry {
  peer: string;
  route: Route;
}

export interface AdjRibParse {
  entries: AdjRibEntry[];
  /** Lines that are routes but not in our model (other families, unmodelled components), with why. */
  unparsed: Array<{ line: string; reason: string }>;
}

const RIB_LINE = /^neighbor (\S+) (?:.*? )?(ipv4|ipv6) (unicast|flow) (.*)$/;

/** Parses `show adj-rib out extensive` lines (the trailing `done` excluded). */
export function parseAdjRibOut(lines: string[]): AdjRibParse {
  const out: AdjRibParse = { entries: [], unparsed: [] };
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const m = RIB_LINE.exec(line);
    if (!m) {
      out.unparsed.push({ line, reason: 'not an ipv4/ipv6 unicast or flow route' });
      continue;
    }
    // Resource.__str__ prints unknown values as "unknown <name> type <n>" (exabgp/protocol/resource.py).
    const body = m[4].replace(/unknown [a-z ]+? type (\d+)/g, '$1');
    try {
      const tokens = tokenize(body);
      const route = m[3] === 'flow' ? parseFlow(m[2] === 'ipv6' ? 6 : 4, tokens) : parseUnicast(tokens);
      out.entries.push({ peer: m[1], route: normalizeRoute(route) });
    } catch (e) {
      out.unparsed.push({ line, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** Text-encoder events (exabgp/reactor/api/response/text.py): `neighbor <ip> up|connected|down - <reason>`. */
export function parseNeighborEvent(line: string): { peer: string; state: 'up' | 'down' | 'connected' } | null {
  const m = /^neighbor (\S+) (up|down|connected)\b/.exec(line.trim());
  return m ? { peer: m[1], state: m[2] as 'up' | 'down' | 'connected' } : null;
}
