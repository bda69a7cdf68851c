/**
 * The replay report: what a capture would have made the daemon do (attacks with their times,
 * type, power and fingerprint; the mitigations that would have been announced; the busiest
 * hosts; what each exporter sent), as plain JSON-ready data, and its human rendering for the
 * terminal. Times are the capture's clock.
 */
import type { AttackTrigger, AttackType, Fingerprint, ThresholdHit } from '../detection/index.js';
import type { AttackRates } from '../detection/attack.js';

export interface ReplayAttack {
  id: string;
  host: string;
  ipVersion: 4 | 6;
  direction: 'incoming' | 'outgoing';
  group: string;
  type: AttackType;
  /** For type 'amplification': the reflected service and its UDP source port. */
  amplification: { service: string; port: number } | null;
  protocol: 'tcp' | 'udp' | 'icmp' | 'other';
  startedAt: string;
  startedMs: number;
  /** Seconds from the first packet of the capture to the attack's start. */
  startOffsetSeconds: number;
  /** null: still active when the capture ended. */
  endedAt: string | null;
  endedMs: number | null;
  endReason: 'below_threshold' | 'host_removed' | null;
  /** Until its end, or until the last tick of the capture when still active. */
  durationSeconds: number;
  /** The threshold that fired and every one exceeded at the start. */
  trigger: AttackTrigger;
  exceeded: ThresholdHit[];
  /** Highest per-second rates seen during the attack (pps, Mbit/s, flows/s). */
  peak: { pps: number; mbps: number; flows: number };
  /** The last second's rates and the averages when the attack was last updated. */
  current: AttackRates;
  average: Partial<AttackRates>;
  /** The detector's fingerprint at the attack's last update (null: no samples were captured). */
  fingerprint: Fingerprint | null;
  /** Ids of the mitigations decided for it (see `mitigations`). */
  mitigationIds: string[];
}

export interface ReplayMitigation {
  id: string;
  kind: 'blackhole' | 'flowspec' | 'escalation';
  /** Host, or covering prefix for an escalation. */
  host: string;
  /** The route as the audit trail writes it (NLRI, next hop or action, communities). */
  route: string;
  attackId: string | null;
  reason: string;
  announcedAt: string;
  announcedMs: number;
  /** null: still desired when the capture ended (it would still be announced). */
  withdrawnAt: string | null;
  withdrawnMs: number | null;
  withdrawReason: string | null;
  /** Route changes (FlowSpec tier or rule refinements), ban time extensions and holds past the ban time. */
  changes: Array<{ at: string; action: 'update' | 'extend' | 'hold'; reason: string }>;
}

export interface ReplayRefusal {
  at: string;
  atMs: number;
  kind: string | null;
  host: string | null;
  attackId: string | null;
  route: string | null;
  reason: string;
}

export interface PeakHost {
  host: string;
  direction: 'incoming' | 'outgoing';
  peakPps: number;
  peakPpsAt: string;
  peakMbps: number;
  peakMbpsAt: string;
}

export interface ReplayExporter {
  address: string;
  /** Datagrams by wire protocol (sflow, netflow_v5, netflow_v9, ipfix, unknown). */
  protocols: Record<string, number>;
  datagrams: number;
  bytes: number;
  samples: number;
  /** Problems by DecodeError code (datagrams and records). */
  errors: Record<string, number>;
  sequenceGaps: number;
  sequenceLost: number;
  sequenceResets: number;
  /** Sampling rates learned from the exporter (sampler id → rate; -1: exporter-wide). */
  learnedSampling: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
}

export interface ReplayReport {
  /** The capture file (the first one when several were replayed in a row). */
  file: string;
  files: string[];
  /** Where the thresholds came from (the --config path or '<defaults>'). */
  config: string;
  /** telemetry: sFlow/NetFlow/IPFIX datagrams were decoded; raw: ordinary packets became samples. */
  mode: 'telemetry' | 'raw';
  modeReason: string;
  /** raw mode: the 1-in-N packet sampling applied (1: every packet). null in telemetry mode. */
  sampling: number | null;
  bytes: number;
  /** Packets (records/blocks) read from the file(s). */
  packets: number;
  /** Telemetry datagrams handed to the decoders (raw mode: 0). */
  datagrams: number;
  /** Flow samples decoded (raw mode: packets sampled). */
  samples: number;
  /** Datagrams that failed to decode plus records skipped, as the live daemon counts them. */
  decodeErrors: number;
  /** "protocol|code" → count. */
  decodeErrorsByCode: Record<string, number>;
  /** Packets that gave nothing to replay, by reason (reader reasons, not_telemetry, raw-mode reasons). */
  skipped: Record<string, number>;
  /** Datagrams dropped by the exporter allow-list (collectors.allow_exporters) or the exporter bound. */
  notAllowed: number;
  firstTs: string | null;
  lastTs: string | null;
  firstTsMs: number | null;
  lastTsMs: number | null;
  durationSeconds: number;
  /** Detector seconds run. */
  ticks: number;
  /** Packets whose time was before an already replayed second (replayed at that second). */
  outOfOrder: number;
  attacks: ReplayAttack[];
  /** Attacks beyond the report's bound (MAX_REPORT_ATTACKS), counted only. */
  attacksOmitted: number;
  /** Attacks the detector did not start because detection.max_active_attacks were active. */
  attacksSuppressed: number;
  /** What would have been announced (replay is always dry-run: nothing is). */
  mitigations: ReplayMitigation[];
  /** Mitigations the safety checks refused (allow-list, prefix length, cap...). */
  refusals: ReplayRefusal[];
  /** The mitigation settings of the config; replay decides as if mitigation were enabled. */
  mitigationConfig: { enabled: boolean; dryRun: boolean };
  peakHosts: { byPps: PeakHost[]; byMbps: PeakHost[] };
  /** Highest per-second totals over the monitored networks' traffic. */
  peakTotals: Record<'incoming' | 'outgoing', { pps: number; ppsAt: string | null; mbps: number; mbpsAt: string | null }>;
  exporters: ReplayExporter[];
  /** Framing error that ended the read early (the report covers the packets before it). */
  readError: { code: string; offset: number; message: string } | null;
  warnings: string[];
  /** Wall-clock seconds the replay took (not part of the result: differs run to run). */
  wallSeconds: number;
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** 1,234,567 / 123.4 / 0.123: thousands grouped, small rates (a few kbit/s in Mbit/s) not shown as 0. */
function n(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  const d = Math.abs(x) < 1 && x !== 0 ? Math.max(digits, 3) : digits;
  return String(Math.round(x * 10 ** d) / 10 ** d);
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** One-line-per-fact summary of a fingerprint: protocols, ports, flags, sizes, sources. */
export function describeFingerprint(fp: Fingerprint): string[] {
  const out: string[] = [];
  out.push(`samples ${fp.samples} (effective ${n(fp.effectiveSamples)}), confidence ${n(fp.confidence, 2)} (±${pct(fp.marginOfError)})`);
  if (fp.protocols.length) out.push(`protocols: ${fp.protocols.slice(0, 4).map((p) => `${p.name} ${pct(p.share)}`).join(', ')}`);
  if (fp.dstPorts.length) out.push(`destination ports: ${fp.dstPorts.slice(0, 5).map((p) => `${p.value} ${pct(p.share)}`).join(', ')}`);
  if (fp.srcPorts.length) out.push(`source ports: ${fp.srcPorts.slice(0, 5).map((p) => `${p.value} ${pct(p.share)}`).join(', ')}`);
  if (fp.tcpFlags.length) out.push(`TCP flags: ${fp.tcpFlags.slice(0, 3).map((f) => `${f.names} ${pct(f.share)}`).join(', ')}`);
  const pl = fp.packetLength;
  out.push(`packet length: p10 ${pl.p10}, median ${pl.p50}, p90 ${pl.p90} (min ${pl.min}, max ${pl.max})`);
  if (fp.fragmentShare > 0) out.push(`fragments: ${pct(fp.fragmentShare)}`);
  const remotes = fp.remotePrefixes.slice(0, 3).map((p) => `${p.value} ${pct(p.share)}`).join(', ');
  out.push(`${fp.direction === 'incoming' ? 'sources' : 'destinations'}: ${fp.distinctRemotes} distinct${remotes ? `; top ${remotes}` : ''}`);
  return out;
}

/** The report as text for a terminal. */
export function formatReport(r: ReplayReport): string {
  const L: string[] = [];
  L.push(`Replay of ${r.files.join(', ')} (${r.mode}${r.mode === 'raw' ? `, 1-in-${r.sampling} sampling` : ''}; config ${r.config})`);
  L.push(`  capture: ${iso(r.firstTsMs)} .. ${iso(r.lastTsMs)} (${n(r.durationSeconds)} s), ${r.packets.toLocaleString('en-US')} packets, ${r.bytes.toLocaleString('en-US')} bytes`);
  if (r.mode === 'telemetry') {
    L.push(`  telemetry: ${r.datagrams.toLocaleString('en-US')} datagrams from ${r.exporters.length} exporter(s), ${r.samples.toLocaleString('en-US')} samples, ${r.decodeErrors} decode errors`);
  } else {
    L.push(`  raw packets: ${r.samples.toLocaleString('en-US')} samples`);
  }
  const skipped = Object.entries(r.skipped).filter(([, v]) => v > 0);
  if (skipped.length) L.push(`  skipped: ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const w of r.warnings) L.push(`  warning: ${w}`);
  L.push('');

  L.push(`Attacks: ${r.attacks.length}${r.attacksOmitted ? ` (+${r.attacksOmitted} not listed)` : ''}${r.attacksSuppressed ? ` (${r.attacksSuppressed} suppressed by max_active_attacks)` : ''}`);
  for (const a of r.attacks) {
    const amp = a.amplification ? ` (${a.amplification.service}, source port ${a.amplification.port})` : '';
    L.push(`  ${a.host} ${a.direction} ${a.type}${amp} [group ${a.group}]`);
    L.push(`    from ${iso(a.startedMs)} (+${n(a.startOffsetSeconds)} s) to ${a.endedMs === null ? 'end of capture (still active)' : iso(a.endedMs)}, ${n(a.durationSeconds)} s`);
    L.push(`    trigger: ${a.trigger.metric} ${n(a.trigger.value)} > ${n(a.trigger.threshold)} (×${n(a.trigger.ratio, 2)}, ${a.trigger.rule})`);
    L.push(`    peak: ${n(a.peak.pps)} pps, ${n(a.peak.mbps)} Mbit/s, ${n(a.peak.flows)} flows/s`);
    if (a.fingerprint) for (const line of describeFingerprint(a.fingerprint)) L.push(`    ${line}`);
    else L.push('    fingerprint: none (no samples captured for the host)');
  }
  L.push('');

  const mc = r.mitigationConfig;
  const note = !mc.enabled ? ' (mitigation.enabled is false in this config: shown as if it were on)' : mc.dryRun ? ' (the config is in dry-run)' : '';
  L.push(`Mitigations that would have been announced: ${r.mitigations.length}${note}`);
  for (const m of r.mitigations) {
    L.push(`  ${m.kind} ${m.route}`);
    L.push(`    announced ${iso(m.announcedMs)}, ${m.withdrawnMs === null ? 'still announced at the end of the capture' : `withdrawn ${iso(m.withdrawnMs)} (${m.withdrawReason})`}`);
    L.push(`    reason: ${m.reason}`);
    for (const c of m.changes) L.push(`    ${c.action} ${c.at}: ${c.reason}`);
  }
  if (r.refusals.length) {
    L.push(`  refused: ${r.refusals.length}`);
    for (const x of r.refusals.slice(0, 20)) L.push(`    ${x.at} ${x.kind ?? ''} ${x.host ?? ''}: ${x.reason}`);
  }
  L.push('');

  L.push('Peak hosts by packets/s:');
  for (const h of r.peakHosts.byPps) L.push(`  ${h.host} ${h.direction}: ${n(h.peakPps)} pps at ${h.peakPpsAt}, ${n(h.peakMbps)} Mbit/s at ${h.peakMbpsAt}`);
  if (r.peakHosts.byPps.length === 0) L.push('  (none)');
  L.push('Peak hosts by Mbit/s:');
  for (const h of r.peakHosts.byMbps) L.push(`  ${h.host} ${h.direction}: ${n(h.peakMbps)} Mbit/s at ${h.peakMbpsAt}, ${n(h.peakPps)} pps at ${h.peakPpsAt}`);
  if (r.peakHosts.byMbps.length === 0) L.push('  (none)');
  const pt = r.peakTotals;
  L.push(`Peak totals: incoming ${n(pt.incoming.pps)} pps / ${n(pt.incoming.mbps)} Mbit/s, outgoing ${n(pt.outgoing.pps)} pps / ${n(pt.outgoing.mbps)} Mbit/s`);

  if (r.exporters.length) {
    L.push('');
    L.push('Exporters:');
    for (const e of r.exporters) {
      const protos = Object.entries(e.protocols).map(([k, v]) => `${k} ${v}`).join(', ');
      const errs = Object.entries(e.errors).map(([k, v]) => `${k} ${v}`).join(', ');
      L.push(`  ${e.address}: ${protos}; ${e.samples.toLocaleString('en-US')} samples${e.sequenceGaps ? `, ${e.sequenceGaps} sequence gaps (${e.sequenceLost} lost)` : ''}${errs ? `; errors: ${errs}` : ''}`);
    }
  }
  if (r.readError) {
    L.push('');
    L.push(`Read stopped early: ${r.readError.message} [${r.readError.code}]`);
  }
  return L.join('\n') + '\n';
}
