/**
 * JSON views of the daemon's objects for the API: the one place that decides what an attack, a
 * mitigation, a host or an exporter looks like on the wire, so the native API, the event stream,
 * the CLI and the dashboard all see the same shapes. Internal fields (slots, typed arrays) never
 * leak; times are ISO strings plus epoch ms.
 */
import type { Attack } from '../detection/attack.js';
import type { Mitigation } from '../mitigation/store.js';
import type { Exporter } from '../flow/exporter.js';
import { CATEGORY_NAMES } from '../traffic/layout.js';
import { describeRoute } from '../bgp/route.js';
import type { HostSecond } from '../traffic/host-history.js';

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** An attack without its fingerprint (lists, events). */
export function attackSummary(a: Attack, nowMs: number) {
  return {
    id: a.id,
    host: a.host,
    ipVersion: a.ipVersion,
    group: a.group,
    direction: a.direction,
    status: a.status,
    type: a.type,
    protocol: a.protocol,
    amplification: a.amplification,
    startedAt: iso(a.startedMs),
    startedMs: a.startedMs,
    endedAt: iso(a.endedMs),
    endedMs: a.endedMs,
    endReason: a.endReason,
    durationSeconds: Math.max(0, Math.round(((a.endedMs ?? nowMs) - a.startedMs) / 1000)),
    trigger: a.trigger,
    current: { pps: a.current.pps, mbps: a.current.mbps, flows: a.current.flows },
    peak: a.peak,
    allowListed: a.allowListed,
  };
}

/** An attack with everything the detector knows (one attack's page). */
export function attackDetail(a: Attack, nowMs: number) {
  return { ...attackSummary(a, nowMs), exceeded: a.exceeded, currentRates: a.current, average: a.average, fingerprint: a.fingerprint, updates: a.updates };
}

export function mitigationView(m: Mitigation, nowMs: number) {
  return {
    id: m.id,
    kind: m.kind,
    host: m.host,
    attackId: m.attackId,
    source: m.source,
    user: m.user,
    reason: m.reason,
    dryRun: m.dryRun,
    createdAt: iso(m.createdMs),
    createdMs: m.createdMs,
    updatedAt: iso(m.updatedMs),
    expiresAt: iso(m.expiresMs),
    expiresMs: m.expiresMs,
    secondsLeft: m.expiresMs === null ? null : Math.max(0, Math.round((m.expiresMs - nowMs) / 1000)),
    route: m.route,
    routeText: describeRoute(m.route),
    detail: m.detail,
  };
}

export function exporterView(e: Exporter, templates: number) {
  const s = e.stats;
  return {
    address: e.address,
    datagrams: s.datagrams,
    bytes: s.bytes,
    samples: s.samples,
    counterSamples: s.counterSamples,
    byProtocol: Object.fromEntries(s.byProtocol),
    errors: Object.fromEntries(s.errors),
    errorTotal: s.errorTotal(),
    sequence: { gaps: s.sequenceGaps, lost: s.sequenceLost, resets: s.sequenceResets },
    firstSeenAt: iso(s.firstSeenMs || null),
    lastSeenAt: iso(s.lastSeenMs || null),
    lastSeenMs: s.lastSeenMs,
    templates,
    sampling: {
      override: e.samplingOverride > 0 ? e.samplingOverride : null,
      learned: Object.fromEntries([...e.learnedSampling].map(([k, v]) => [k < 0 ? 'any' : String(k), v])),
      default: e.samplingDefault,
    },
    interfaces: e.interfaces.size,
  };
}

/** One recorded second of a host as { incoming: { total: {pps, bps}, tcp: ..., flows }, ... }. */
export function hostSecondView(s: HostSecond) {
  const dir = (d: HostSecond['incoming']) => {
    const out: Record<string, unknown> = {};
    CATEGORY_NAMES.forEach((c, i) => (out[c] = { pps: d.pps[i], bps: d.bps[i] }));
    out.flows = d.flows;
    return out;
  };
  return { at: iso(s.atMs), atMs: s.atMs, incoming: dir(s.incoming), outgoing: dir(s.outgoing) };
}
