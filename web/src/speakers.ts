/**
 * Where a mitigation stands at each BGP speaker, from GET /api/v1/speakers: the reconciler
 * reports per speaker whether the last pass left it equal to the desired set, and which routes
 * the speaker refused (by route key, the NLRI part of the route text).
 */
import type { Mitigation, SpeakerStatus } from './api';

export type RuleState = 'announced' | 'pending' | 'rejected' | 'speaker-down' | 'dry-run' | 'unconfirmed';

/** The routeKey of a route from its text (routeText = key + attributes, src/bgp/route.ts). */
export function routeKeyOf(routeText: string): string {
  const i = routeText.indexOf(routeText.startsWith('unicast ') ? ' nh ' : ' then ');
  return (i < 0 ? routeText : routeText.slice(0, i)).trim();
}

export function ruleState(m: Pick<Mitigation, 'routeText' | 'dryRun'>, s: SpeakerStatus): { state: RuleState; text: string } {
  if (m.dryRun) return { state: 'dry-run', text: 'dry run: not announced' };
  const key = routeKeyOf(m.routeText);
  const rejected = s.reconcile.lastResult?.rejected ?? {};
  const why = rejected[key];
  if (why !== undefined) return { state: 'rejected', text: `refused by ${s.name}: ${why}` };
  if (!s.health.up) return { state: 'speaker-down', text: `${s.name} is down${s.health.lastError ? `: ${s.health.lastError}` : ''}; announced when it is back` };
  const last = s.reconcile.lastResult;
  const settled = s.reconcile.inSync || (last !== null && last.ok && Object.keys(rejected).length > 0);
  if (!settled) return { state: 'pending', text: `${s.name}: not yet converged${last?.error ? ` (last error: ${last.error})` : ''}` };
  if (!s.readsState) return { state: 'unconfirmed', text: `${s.name}: written to the speaker (this driver cannot read back what it holds)` };
  if (s.health.sessionState !== 'established') return { state: 'announced', text: `${s.name}: held by the speaker, BGP session ${s.health.sessionState}` };
  return { state: 'announced', text: `${s.name}: announced, session established` };
}
