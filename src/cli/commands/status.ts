/**
 * `breakwater status`: the first screen an operator looks at — the daemon, its listeners and
 * kernel drops, exporters, BGP speakers and their sessions, active attacks and mitigations, and
 * the latest attacks. One call: GET /api/v1/status.
 */
import { Command } from 'commander';
import { clientFor, out, wantsJson, withConnectionOptions } from '../client.js';
import {
  attacksTable,
  counts,
  duration,
  exportersTable,
  json,
  listenersTable,
  mitigationsTable,
  rate,
  section,
  speakersTable,
  time,
  type AttackJson,
  type ExporterJson,
  type ListenerStatus,
  type MitigationJson,
  type RateSet,
  type SpeakerStatus,
} from '../format.js';
import type { MitigationStats } from '../../mitigation/manager.js';

export interface StatusJson {
  daemon: { version: string; startedAt: string; uptimeSeconds: number; pid: number; dryRun: boolean; mitigationEnabled: boolean };
  traffic: { hosts: number; totals: Record<'incoming' | 'outgoing' | 'internal' | 'other', RateSet> };
  listeners: ListenerStatus[];
  ingest: { datagrams: number; samples: number; notAllowed: number; errors: Record<string, number> };
  exporters: ExporterJson[];
  speakers: SpeakerStatus[];
  attacks: { active: AttackJson[]; recent: AttackJson[] };
  mitigations: { stats: MitigationStats; active: MitigationJson[] };
}

export function renderStatus(s: StatusJson, url: string, nowMs: number): string {
  const d = s.daemon;
  const mode = !d.mitigationEnabled ? 'mitigation DISABLED (attacks are detected and reported only)' : d.dryRun ? 'DRY RUN (mitigations are decided and recorded, never announced)' : 'mitigation enabled';
  const drops = s.listeners.reduce((n, l) => n + (l.kernelDrops ?? 0), 0);
  const lines = [
    `Breakwater ${d.version} at ${url}: up ${duration(d.uptimeSeconds)} (since ${time(d.startedAt)}), pid ${d.pid}`,
    mode,
    `traffic: ${s.traffic.hosts} hosts; incoming ${rate(s.traffic.totals.incoming.total)}; outgoing ${rate(s.traffic.totals.outgoing.total)}`,
    `ingest: ${s.ingest.datagrams} datagrams, ${s.ingest.samples} samples, ${s.ingest.notAllowed} from exporters not allowed, kernel drops ${drops}, decode errors ${counts(s.ingest.errors)}`,
    `mitigations: ${s.mitigations.stats.active} active (blackhole ${s.mitigations.stats.byKind.blackhole}, flowspec ${s.mitigations.stats.byKind.flowspec}, escalation ${s.mitigations.stats.byKind.escalation}); refused ${counts(s.mitigations.stats.refused)}`,
    '',
    section('Listeners', listenersTable(s.listeners)),
    section('Exporters', exportersTable(s.exporters, nowMs)),
    section('BGP speakers', s.speakers.length === 0 ? '  none configured (bgp.speakers): mitigations are announced nowhere' : speakersTable(s.speakers, nowMs)),
    section(`Active attacks (${s.attacks.active.length})`, attacksTable(s.attacks.active, nowMs)),
    section(`Active mitigations (${s.mitigations.active.length})`, mitigationsTable(s.mitigations.active)),
    section('Recent attacks', attacksTable(s.attacks.recent, nowMs)),
  ];
  return lines.join('\n');
}

export function statusCommand(): Command {
  return withConnectionOptions(
    new Command('status')
    .description('daemon, listeners, exporters, BGP speakers and sessions, active attacks and mitigations, recent attacks')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 daemon unreachable or API failure.

Examples:
  breakwater status
  breakwater status --url https://bw1.example.net:10007 --user admin
  breakwater status --json | jq '.attacks.active[].host'`,
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const client = await clientFor(cmd);
      const s = await client.get<StatusJson>('/api/v1/status');
      // The daemon's own clock (ages of exporters and speakers are relative to it).
      const daemonNow = Date.parse(s.daemon.startedAt) + s.daemon.uptimeSeconds * 1000;
      out(wantsJson(cmd) ? json(s) : renderStatus(s, client.url, Number.isFinite(daemonNow) ? daemonNow : Date.now()));
    }),
  );
}
