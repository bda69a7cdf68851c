/**
 * Builds a FlowSpec rule (RFC 8955 for IPv4, RFC 8956 for IPv6) for one attack from its type,
 * its fingerprint's `dominant` values and an operator template. The rule matches only what is
 * known: the destination is always the attacked host (/32, /128); the protocol and TCP flags the
 * attack type implies; and, when the fingerprint is confident enough, its dominant source or
 * destination port, exact TCP flag combination, packet-length range and fragment state. A value
 * the fingerprint is unsure of is left out, making the rule broader, never wrong.
 */
import type { Attack, AttackType } from '../detection/attack.js';
import type { FlowspecAction, FlowspecMatch, FlowspecRoute, TcpFlagsMatch } from '../bgp/route.js';
import type { FlowspecActionConfig, FlowspecTemplate, TierConfig } from './config.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;

/** Protocol every attack of this type has by definition (classification, docs/detection.md). */
function impliedProtocol(type: AttackType, ipVersion: 4 | 6): number | null {
  switch (type) {
    case 'syn_flood':
    case 'tcp_synack_flood':
    case 'tcp_ack_flood':
    case 'tcp_rst_flood':
      return TCP;
    case 'udp_flood':
    case 'amplification':
      return UDP;
    case 'icmp_flood':
      return ipVersion === 4 ? ICMP : ICMPV6;
    default:
      return null;
  }
}

/** Flags implied by the type, as set/clear requirements. */
function impliedFlags(type: AttackType): TcpFlagsMatch | null {
  switch (type) {
    case 'syn_flood':
      return { syn: true, ack: false };
    case 'tcp_synack_flood':
      return { syn: true, ack: true };
    case 'tcp_rst_flood':
      return { rst: true };
    case 'tcp_ack_flood':
      return { ack: true, syn: false };
    default:
      return null;
  }
}

/**
 * An exact flag combination from the fingerprint as a match on the six classic flags. ECE and
 * CWR (RFC 3168) are left unconstrained: their value depends on ECN negotiation, not the attack.
 */
function exactFlags(bits: number): TcpFlagsMatch {
  return {
    fin: (bits & 0x01) !== 0,
    syn: (bits & 0x02) !== 0,
    rst: (bits & 0x04) !== 0,
    push: (bits & 0x08) !== 0,
    ack: (bits & 0x10) !== 0,
    urg: (bits & 0x20) !== 0,
  };
}

export interface BuiltMatch {
  match: FlowspecMatch;
  /** The fingerprint contributed (confident enough and present). */
  usedFingerprint: boolean;
}

/** The match part of the rule; null when the attack is outgoing (a FlowSpec destination must be the attacked host). */
export function buildFlowspecMatch(attack: Attack, template: FlowspecTemplate, minConfidence: number): BuiltMatch | null {
  if (attack.direction !== 'incoming') return null;
  const hostLen = attack.ipVersion === 4 ? 32 : 128;
  const match: FlowspecMatch = { destination: `${attack.host}/${hostLen}` };
  const fp = attack.fingerprint;
  const confident = fp !== null && fp.confidence >= minConfidence && fp.direction === 'incoming';
  const d = confident ? fp!.dominant : {};
  const use = template.match;

  let protocol: number | null = null;
  if (template.protocols) match.protocols = [...template.protocols];
  else {
    protocol = impliedProtocol(attack.type, attack.ipVersion);
    if (protocol === null && use.protocol && d.protocol) protocol = d.protocol.value;
    if (protocol !== null) match.protocols = [protocol];
  }
  const protos = match.protocols ?? [];
  const portsOk = protos.length > 0 && protos.every((p) => p === TCP || p === UDP);
  const tcpOnly = protos.length === 1 && protos[0] === TCP;

  // Fragments: non-first fragments carry no ports (RFC 8955 §4.2.2.4 matches nothing then), so a
  // fragment rule never also matches ports.
  let fragmentRule = false;
  if (attack.type === 'ip_fragmentation_flood' || (use.fragment && d.fragment?.value === true)) {
    match.fragment = ['is-fragment'];
    fragmentRule = true;
  }

  if (portsOk && !fragmentRule) {
    if (attack.type === 'amplification' && attack.amplification) match.sourcePorts = [attack.amplification.port];
    else if (use.source_port && d.srcPort) match.sourcePorts = [d.srcPort.value];
    if (use.destination_port && d.dstPort) match.destinationPorts = [d.dstPort.value];
  }

  if (tcpOnly && !fragmentRule) {
    if (template.tcp_flags && Object.keys(template.tcp_flags).length > 0) match.tcpFlags = { ...template.tcp_flags };
    else if (use.tcp_flags && d.tcpFlags) match.tcpFlags = exactFlags(d.tcpFlags.value);
    else {
      const f = impliedFlags(attack.type);
      if (f) match.tcpFlags = f;
    }
  }

  if (use.packet_length && d.packetLength) {
    const { min, max } = d.packetLength;
    match.packetLength = [min === max ? min : { min, max }];
  }
  return { match, usedFingerprint: confident };
}

export function toRouteAction(a: FlowspecActionConfig): FlowspecAction {
  switch (a.type) {
    case 'discard':
      return { type: 'discard' };
    case 'rate-limit':
      return { type: 'rate-limit', bytesPerSecond: a.bytes_per_second };
    case 'redirect':
      return { type: 'redirect', routeTarget: a.route_target };
    case 'mark':
      return { type: 'mark', dscp: a.dscp };
  }
}

/**
 * Index of the tier for an attack of this power: the first whose threshold is exceeded, or the
 * first without thresholds; -1 when none applies. Tiers are listed strictest first, so a lower
 * index is a stricter action ("rate-limit before discard" means discard is reserved for the
 * largest attacks).
 */
export function selectTier(tiers: TierConfig[], peakMbps: number, peakPps: number): number {
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i];
    if (t.above_mbps === undefined && t.above_pps === undefined) return i;
    if (t.above_mbps !== undefined && peakMbps > t.above_mbps) return i;
    if (t.above_pps !== undefined && peakPps > t.above_pps) return i;
  }
  return -1;
}

export interface BuiltRule {
  route: FlowspecRoute;
  tier: number;
  usedFingerprint: boolean;
}

/** The whole rule for an attack, or null with the reason it cannot have one. */
export function buildFlowspecRule(attack: Attack, template: FlowspecTemplate, minConfidence: number): BuiltRule | { error: string } {
  const built = buildFlowspecMatch(attack, template, minConfidence);
  if (!built) return { error: 'flowspec_outgoing' };
  const peakMbps = Math.max(attack.peak.mbps, attack.current.mbps ?? 0);
  const peakPps = Math.max(attack.peak.pps, attack.current.pps ?? 0);
  const tier = selectTier(template.tiers, peakMbps, peakPps);
  if (tier < 0) return { error: 'no_tier' };
  const action = toRouteAction(template.tiers[tier].action);
  if (action.type === 'redirect' && attack.ipVersion === 6) return { error: 'redirect_ipv6' };
  const route: FlowspecRoute = { kind: 'flowspec', family: attack.ipVersion, match: built.match, action };
  if (template.communities.length > 0) route.communities = [...template.communities];
  return { route, tier, usedFingerprint: built.usedFingerprint };
}
