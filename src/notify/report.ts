/**
 * What notifications carry: the JSON payload (webhooks, and scripts with `stdin: json`), the
 * FastNetMon-style text report (script stdin on ban), and the values of the argument template
 * and the ATTACK_* environment.
 */
import type { MitigationEvent } from '../mitigation/manager.js';
import { describeRoute } from '../bgp/route.js';

export interface EventPayload {
  event: MitigationEvent['type'];
  time: string;
  dry_run: boolean;
  host: string;
  direction: string;
  actor: string;
  reason: string;
  attack: {
    id: string;
    type: string;
    group: string;
    direction: string;
    protocol: string;
    status: string;
    started: string;
    ended: string | null;
    amplification: { service: string; port: number } | null;
    trigger: { metric: string; threshold: number; value: number; rule: string };
    current: { pps: number; mbps: number };
    peak: { pps: number; mbps: number; flows: number };
    dominant: unknown;
  } | null;
  mitigations: Array<{
    id: string;
    kind: string;
    route: unknown;
    route_text: string;
    reason: string;
    source: string;
    user: string | null;
    attack_id: string | null;
    created: string;
    expires: string | null;
  }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function eventPayload(e: MitigationEvent): EventPayload {
  const a = e.attack;
  return {
    event: e.type,
    time: iso(e.atMs),
    dry_run: e.dryRun,
    host: e.host,
    direction: e.direction ?? 'other',
    actor: e.actor,
    reason: e.reason,
    attack: a
      ? {
          id: a.id,
          type: a.type,
          group: a.group,
          direction: a.direction,
          protocol: a.protocol,
          status: a.status,
          started: iso(a.startedMs),
          ended: a.endedMs === null ? null : iso(a.endedMs),
          amplification: a.amplification,
          trigger: { metric: a.trigger.metric, threshold: a.trigger.threshold, value: a.trigger.value, rule: a.trigger.rule },
          current: { pps: a.current.pps ?? 0, mbps: a.current.mbps ?? 0 },
          peak: a.peak,
          dominant: a.fingerprint?.dominant ?? null,
        }
      : null,
    mitigations: e.mitigations.map((m) => ({
      id: m.id,
      kind: m.kind,
      route: m.route,
      route_text: describeRoute(m.route),
      reason: m.reason,
      source: m.source,
      user: m.user,
      attack_id: m.attackId,
      created: iso(m.createdMs),
      expires: m.expiresMs === null ? null : iso(m.expiresMs),
    })),
  };
}

/** Values of the argument template tokens and the environment. */
export interface ScriptValues {
  ip: string;
  direction: string;
  pps: string;
  mbps: string;
  attack_type: string;
  attack_id: string;
  action: string;
  group: string;
  protocol: string;
}

export function scriptValues(e: MitigationEvent): ScriptValues {
  const a = e.attack;
  return {
    ip: e.host,
    // FastNetMon passes "other 0" for manual bans.
    direction: e.direction ?? 'other',
    pps: String(Math.round(a ? Math.max(a.peak.pps, a.current.pps ?? 0) : 0)),
    mbps: String(Math.round(a ? Math.max(a.peak.mbps, a.current.mbps ?? 0) : 0)),
    attack_type: a?.type ?? 'manual',
    attack_id: a?.id ?? '',
    action: e.type === 'update' ? 'attack_details' : e.type,
    group: a?.group ?? '',
    protocol: a?.protocol ?? '',
  };
}

/** Splits the template on whitespace, then substitutes tokens inside each argument (no shell, no re-splitting). */
export function expandArgs(template: string, v: ScriptValues): string[] {
  return template
    .trim()
    .split(/\s+/)
    .map((arg) => arg.replace(/\{([a-z_]+)\}/g, (_, k: string) => (k in v ? v[k as keyof ScriptValues] : `{${k}}`)));
}

export function scriptEnv(e: MitigationEvent, v: ScriptValues): Record<string, string> {
  return {
    ATTACK_TARGET_IP: v.ip,
    ATTACK_TYPE: v.attack_type,
    ATTACK_POWER: v.mbps,
    ATTACK_PPS: v.pps,
    ATTACK_DIRECTION: v.direction,
    ATTACK_ID: v.attack_id,
    ATTACK_ACTION: v.action,
    ATTACK_GROUP: v.group,
    ATTACK_PROTOCOL: v.protocol,
    BREAKWATER_DRY_RUN: e.dryRun ? '1' : '0',
  };
}

function r2(x: number | undefined): string {
  return (Math.round((x ?? 0) * 100) / 100).toString();
}

/** FastNetMon's ban report layout (its section headers and "IP:" first line), with our fields. */
export function textReport(e: MitigationEvent): string {
  const a = e.attack;
  const lines: string[] = [`IP: ${e.host}`];
  if (!a) {
    lines.push('Attack type: manual', `Attack direction: ${e.direction ?? 'other'}`, `Reason: ${e.reason}`, `Requested by: ${e.actor}`);
  } else {
    const c = a.current;
    lines.push(
      `Attack uuid: ${a.id}`,
      `Attack type: ${a.type}${a.amplification ? ` (${a.amplification.service}, source port ${a.amplification.port})` : ''}`,
      `Initial attack power: ${Math.round(a.trigger.value)} ${a.trigger.metric}`,
      `Peak attack power: ${Math.round(a.peak.pps)} packets per second`,
      `Attack direction: ${a.direction}`,
      `Attack protocol: ${a.protocol}`,
      `Host group: ${a.group}`,
      `Threshold: ${a.trigger.metric} ${a.trigger.threshold} (${a.trigger.rule})`,
      `Total ${a.direction} traffic: ${r2(c.mbps)} mbps`,
      `Total ${a.direction} pps: ${r2(c.pps)} packets per second`,
      `Total ${a.direction} flows: ${r2(c.flows)} flows per second`,
      `TCP ${a.direction} traffic: ${r2(c.tcp_mbps)} mbps`,
      `TCP ${a.direction} pps: ${r2(c.tcp_pps)} packets per second`,
      `TCP SYN ${a.direction} traffic: ${r2(c.syn_mbps)} mbps`,
      `TCP SYN ${a.direction} pps: ${r2(c.syn_pps)} packets per second`,
      `UDP ${a.direction} traffic: ${r2(c.udp_mbps)} mbps`,
      `UDP ${a.direction} pps: ${r2(c.udp_pps)} packets per second`,
      `ICMP ${a.direction} traffic: ${r2(c.icmp_mbps)} mbps`,
      `ICMP ${a.direction} pps: ${r2(c.icmp_pps)} packets per second`,
      `Fragmented ${a.direction} traffic: ${r2(c.fragments_mbps)} mbps`,
      `Fragmented ${a.direction} pps: ${r2(c.fragments_pps)} packets per second`,
    );
    const fp = a.fingerprint;
    if (fp) {
      lines.push('', 'Fingerprint:', `Samples: ${fp.samples} (confidence ${fp.confidence})`);
      lines.push(`Protocols: ${fp.protocols.map((p) => `${p.name} ${Math.round(p.share * 100)}%`).join(', ')}`);
      if (fp.srcPorts.length) lines.push(`Source ports: ${fp.srcPorts.map((p) => `${p.value} ${Math.round(p.share * 100)}%`).join(', ')}`);
      if (fp.dstPorts.length) lines.push(`Destination ports: ${fp.dstPorts.map((p) => `${p.value} ${Math.round(p.share * 100)}%`).join(', ')}`);
      if (fp.tcpFlags.length) lines.push(`TCP flags: ${fp.tcpFlags.map((f) => `${f.names} ${Math.round(f.share * 100)}%`).join(', ')}`);
      lines.push(`Packet length: min ${fp.packetLength.min} p50 ${fp.packetLength.p50} max ${fp.packetLength.max}`);
      if (fp.remotePrefixes.length) lines.push(`Top remote prefixes: ${fp.remotePrefixes.map((p) => `${p.value} ${Math.round(p.share * 100)}%`).join(', ')}`);
    }
  }
  if (e.mitigations.length) {
    lines.push('', 'Mitigations:');
    for (const m of e.mitigations) lines.push(`${m.kind} ${describeRoute(m.route)}${m.dryRun ? ' (dry-run)' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
