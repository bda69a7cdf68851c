/**
 * A host's numbers for the API, gathered from the traffic counter (per-second history of followed
 * hosts), the detector (averages, group, active attacks) and the mitigation manager. Asking for a
 * host starts following it, so its per-protocol seconds are recorded from the next tick on; a
 * caller that needs the numbers now (FastNetMon's /single_host_counters) waits for that tick.
 */
import { parseAddress, formatAddress } from '../net/ip.js';
import type { ApiContext } from './context.js';
import type { HostSecond } from '../traffic/host-history.js';

/** How long a host stays followed after the last request for it. */
export const FOLLOW_AFTER_REQUEST_MS = 10 * 60_000;
/** Longest wait for the next tick when a host's first second is not recorded yet. */
export const FIRST_SECOND_WAIT_MS = 1500;

export function canonicalIp(text: string): string | null {
  const a = parseAddress(text.trim());
  return a ? formatAddress(a.bytes, a.version) : null;
}

/** Follows the host and returns its last recorded second (waiting up to one tick if asked); null if unknown. */
export async function hostLastSecond(ctx: ApiContext, host: string, wait: boolean): Promise<HostSecond | null | 'unknown'> {
  const h = ctx.traffic.history;
  let slot = ctx.traffic.findHost(host);
  if (slot < 0) return 'unknown';
  h.follow(slot, host, ctx.now() + FOLLOW_AFTER_REQUEST_MS);
  let rows = h.get(slot, host, 1);
  if (rows.length === 0 && wait) {
    await h.nextTick(FIRST_SECOND_WAIT_MS);
    slot = ctx.traffic.findHost(host);
    if (slot < 0) return 'unknown';
    rows = h.get(slot, host, 1);
  }
  return rows[0] ?? null;
}

export function hostHistory(ctx: ApiContext, host: string, seconds: number): HostSecond[] {
  const slot = ctx.traffic.findHost(host);
  if (slot < 0) return [];
  ctx.traffic.history.follow(slot, host, ctx.now() + FOLLOW_AFTER_REQUEST_MS);
  return ctx.traffic.history.get(slot, host, seconds);
}

/** The monitored network (as configured) holding the host, or null. */
export function networkOf(ctx: ApiContext, host: string): string | null {
  const a = parseAddress(host);
  if (!a) return null;
  const i = ctx.traffic.networks.networkOf(a.version, a.bytes);
  return i < 0 ? null : (ctx.traffic.networks.networkNames[i] ?? null);
}

export function isAllowListed(ctx: ApiContext, host: string): boolean {
  return ctx.traffic.networks.isAllowListed(host);
}
