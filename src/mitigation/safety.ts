/**
 * The checks every route passes before it may enter the desired set, whoever asked for it
 * (detection or an operator): never an allow-listed address, never a prefix outside the
 * monitored networks, never a prefix shorter than the configured minimum and never a /0
 * (FastNetMon #894 announced 0.0.0.0/0 for API bans), never beyond the cap on active
 * mitigations. A refusal carries a closed reason code, counted by the manager.
 */
import { parsePrefix, prefixContains, type Prefix } from '../net/ip.js';
import type { PrefixSet } from '../net/prefix-set.js';
import { routeProblems, type Route } from '../bgp/route.js';

export const REFUSAL_REASONS = [
  'invalid_route',
  'allow_listed',
  'outside_networks',
  'prefix_too_short',
  'cap_reached',
  'flowspec_outgoing',
  'no_tier',
  'redirect_ipv6',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** What safety reads from the traffic layer's NetworkSets. */
export interface SafetyNetworks {
  readonly networkPrefixes: Prefix[];
  readonly allowHosts: PrefixSet;
  networkOf(version: number, bytes: Uint8Array): number;
}

export interface SafetyLimits {
  minPrefixLength: { ipv4: number; ipv6: number };
}

export interface Refusal {
  reason: RefusalReason;
  message: string;
}

/** True when the two prefixes share any address (one contains the other). */
function overlaps(a: Prefix, b: Prefix): boolean {
  if (a.version !== b.version) return false;
  return a.length <= b.length ? prefixContains(a, b.version, b.bytes) : prefixContains(b, a.version, a.bytes);
}

/** The prefix a route would affect at the routers: its prefix (unicast) or its destination (FlowSpec). */
export function affectedPrefix(route: Route): string {
  return route.kind === 'unicast' ? route.prefix : route.match.destination;
}

/** Checks one route; null when it may be announced (the cap is checked by the caller). */
export function checkRoute(route: Route, nets: SafetyNetworks, limits: SafetyLimits): Refusal | null {
  const problems = routeProblems(route);
  if (problems.length > 0) return { reason: 'invalid_route', message: problems.join('; ') };
  const text = affectedPrefix(route);
  const p = parsePrefix(text);
  if ('error' in p) return { reason: 'invalid_route', message: p.error };
  const min = p.version === 4 ? limits.minPrefixLength.ipv4 : limits.minPrefixLength.ipv6;
  if (p.length === 0 || p.length < min) {
    return { reason: 'prefix_too_short', message: `${text} is shorter than the minimum /${Math.max(1, min)} for IPv${p.version}` };
  }
  const idx = nets.networkOf(p.version, p.bytes);
  if (idx < 0 || nets.networkPrefixes[idx].length > p.length) {
    return { reason: 'outside_networks', message: `${text} is not inside a monitored network` };
  }
  // Any allow-listed address inside the prefix, or an allow-listed prefix containing it.
  if (nets.allowHosts.lookup(p.version, p.bytes) >= 0) return { reason: 'allow_listed', message: `${text} is allow-listed` };
  if (p.length < (p.version === 4 ? 32 : 128)) {
    for (const e of nets.allowHosts.entries()) {
      if (overlaps(e.prefix, p)) return { reason: 'allow_listed', message: `${text} contains an allow-listed address` };
    }
  }
  return null;
}
