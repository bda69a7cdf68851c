/**
 * `breakwater host <ip>`: one host as the daemon sees it — last second per protocol in and out,
 * the averages the detector compares, its group and thresholds, attacks and mitigations.
 * GET /api/v1/hosts/:ip (asking starts following the host: its per-second history is recorded
 * from then on).
 */
import { Command } from 'commander';
import { clientFor, EXIT, out, wantsJson, withConnectionOptions } from '../client.js';
import { json, mbit, mbitFromBps, mitigationsTable, section, si, table, time, attacksTable, type AttackJson, type MitigationJson, type AttackRecordJson } from '../format.js';

type DirSecond = Record<string, { pps: number; bps: number }> & { flows: number };

export interface HostJson {
  host: string;
  known: boolean;
  network: string | null;
  allowListed: boolean;
  group: string | null;
  thresholds: { incoming: Record<string, number | boolean>; outgoing: Record<string, number | boolean> } | null;
  lastSecond: { at: string | null; atMs: number; incoming: DirSecond; outgoing: DirSecond } | null;
  incoming: { current: { pps: number; mbps: number }; average: Record<string, number>; attackId: string | null } | null;
  outgoing: { current: { pps: number; mbps: number }; average: Record<string, number>; attackId: string | null } | null;
  attacks: { active: AttackJson[]; history: Array<Omit<AttackRecordJson, 'host' | 'status' | 'startedMs' | 'endedMs' | 'peak'> & { peakPps: number; peakMbps: number }> };
  mitigations: MitigationJson[];
}

const CATEGORIES = ['total', 'tcp', 'syn', 'udp', 'icmp', 'fragments'] as const;

/** A metric value in its unit: Mbit/s for *_mbps and mbps, plain numbers else. */
function metricValue(name: string, v: number): string {
  return name.endsWith('mbps') ? `${mbit(v)} Mbit/s` : `${si(v)}${name === 'flows' ? ' flows/s' : ' pps'}`;
}

function metrics(m: Record<string, number | boolean> | undefined, skip: string[] = []): string {
  if (!m) return '-';
  const e = Object.entries(m).filter(([k, v]) => !skip.includes(k) && typeof v === 'number');
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} ${metricValue(k, v as number)}`).join(', ');
}

export function renderHost(h: HostJson, nowMs: number): string {
  const lines: string[] = [];
  lines.push(`host ${h.host}: network ${h.network ?? 'none (not in the monitored networks)'}, group ${h.group ?? '-'}${h.allowListed ? ', ALLOW-LISTED (never mitigated)' : ''}`);
  if (!h.known) lines.push('not in the host table: no traffic seen for this host recently');
  if (h.lastSecond) {
    const ls = h.lastSecond;
    lines.push('', `Last second (${time(ls.at)})`);
    lines.push(
      table(
        ['PROTOCOL', 'IN PPS', 'IN MBIT/S', 'OUT PPS', 'OUT MBIT/S'],
        [...CATEGORIES.map((c) => [c, si(ls.incoming[c]?.pps), mbitFromBps(ls.incoming[c]?.bps), si(ls.outgoing[c]?.pps), mbitFromBps(ls.outgoing[c]?.bps)]), ['flows', si(ls.incoming.flows), '', si(ls.outgoing.flows), '']],
        { align: ['l', 'r', 'r', 'r', 'r'] },
      ),
    );
  } else if (h.known) {
    lines.push('', 'Last second: not recorded yet (the host is followed from now on; ask again in a second)');
  }
  if (h.incoming || h.outgoing) {
    lines.push('', 'Averages (what the detector compares with the thresholds)');
    for (const d of ['incoming', 'outgoing'] as const) {
      const v = h[d];
      if (v) lines.push(`  ${d.padEnd(8)}  now ${si(v.current.pps)} pps ${mbit(v.current.mbps)} Mbit/s; average ${metrics(v.average)}${v.attackId ? `; ATTACK ${v.attackId}` : ''}`);
    }
  }
  if (h.thresholds) {
    lines.push('', `Thresholds (group ${h.group})`);
    for (const d of ['incoming', 'outgoing'] as const) {
      const t = h.thresholds[d];
      lines.push(`  ${d.padEnd(8)}  ${t.enabled === false ? 'detection off' : metrics(t, ['enabled'])}`);
    }
  }
  lines.push('');
  lines.push(section(`Active attacks (${h.attacks.active.length})`, attacksTable(h.attacks.active, nowMs)));
  // The history lists active attacks too: they are in the table above.
  const hist = h.attacks.history
    .filter((r) => r.endedAt !== null)
    .map((r) => ({ ...r, host: h.host, status: 'ended', startedMs: Date.parse(r.startedAt ?? '') || 0, endedMs: Date.parse(r.endedAt ?? '') || 0, peak: { pps: r.peakPps, mbps: r.peakMbps } }));
  lines.push(section(`Ended attacks (${hist.length})`, attacksTable(hist, nowMs)));
  lines.push(section(`Mitigations (${h.mitigations.length})`, mitigationsTable(h.mitigations)));
  return lines.join('\n');
}

/** Nothing known about the host at all: no traffic, no attack, no mitigation. */
export function hostUnknown(h: HostJson): boolean {
  return !h.known && h.attacks.active.length === 0 && h.attacks.history.length === 0 && h.mitigations.length === 0;
}

export function hostCommand(): Command {
  return withConnectionOptions(
    new Command('host')
    .description('one host: last second per protocol in/out, averages, group and thresholds, attacks, mitigations')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 daemon unreachable or API failure, 2 not an IP address,
3 the daemon knows nothing about the host (no traffic, attack or mitigation).

Examples:
  breakwater host 192.0.2.10
  breakwater host 2001:db8::10 --json`,
    )
    .action(async (ip: string, _opts: unknown, cmd: Command) => {
      const client = await clientFor(cmd);
      const h = await client.get<HostJson>(`/api/v1/hosts/${encodeURIComponent(ip)}`);
      if (wantsJson(cmd)) out(json(h));
      else if (hostUnknown(h)) out(`host ${h.host}: unknown to the daemon (no traffic seen recently, no attack, no mitigation); network ${h.network ?? 'none: not in the monitored networks'}`);
      else out(renderHost(h, Date.now()));
      if (hostUnknown(h)) process.exitCode = EXIT.NOT_FOUND;
    }),
  );
}
