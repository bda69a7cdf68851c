/**
 * `breakwater attacks`: active attacks and the persisted history (GET /api/v1/attacks),
 * `attacks show <id>` with the fingerprint, mitigations and audit trail (GET /api/v1/attacks/:id),
 * and `attacks --follow`, which prints attack and mitigation events from the live stream
 * (GET /api/v1/events, Server-Sent Events) as they happen.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { ApiError, CliError, clientFor, EXIT, intIn, out, wantsJson, withConnectionOptionsTree, type ApiClient, type SseEvent } from '../client.js';
import { attacksTable, duration, json, mbit, mitigationsTable, pct, section, si, table, time, type AttackDetailJson, type AttackJson, type AttackRecordJson, type MitigationJson } from '../format.js';

export interface AttackListJson {
  active: AttackJson[];
  ended: AttackRecordJson[];
}

interface AuditJson {
  at: string | null;
  action: string;
  kind: string | null;
  route: string | null;
  actor: string;
  reason: string;
  dryRun: boolean;
}

export interface AttackShowJson {
  attack: AttackDetailJson | (AttackRecordJson & { report: unknown });
  mitigations: MitigationJson[];
  audit: AuditJson[];
}

/** After the event stream closes, reconnect this many times in a row before giving up. */
export const FOLLOW_RECONNECTS = 30;
export const FOLLOW_RECONNECT_DELAY_MS = 2000;

function attackLine(kind: string, a: AttackJson): string {
  const trig = a.trigger ? ` ${a.trigger.metric} ${si(a.trigger.value)} > ${si(a.trigger.threshold)}` : '';
  const amp = a.amplification ? ` (${a.amplification.service} port ${a.amplification.port})` : '';
  return `${time(a.endedAt ?? a.startedAt)} ${kind.padEnd(7)} ${a.host} ${a.direction} ${a.type}${amp} group ${a.group}:${trig}; now ${si(a.current.pps)} pps ${mbit(a.current.mbps)} Mbit/s, peak ${si(a.peak.pps)} pps ${mbit(a.peak.mbps)} Mbit/s; ${kind === 'ended' ? `lasted ${duration(a.durationSeconds)}` : `for ${duration(a.durationSeconds)}`}${a.allowListed ? '; ALLOW-LISTED' : ''}; id ${a.id}`;
}

interface MitigationEventJson {
  event: string;
  at: string;
  host: string;
  attackId: string | null;
  actor: string;
  reason: string;
  dryRun: boolean;
  mitigations: MitigationJson[];
}

function mitigationLine(e: MitigationEventJson): string {
  const what = e.mitigations.map((m) => `${m.kind} ${m.routeText}`).join('; ') || '-';
  return `${time(e.at)} ${e.event.padEnd(7)} ${e.host} ${what}${e.dryRun ? ' (dry-run: not announced)' : ''}; by ${e.actor}${e.reason ? `: ${e.reason}` : ''}${e.attackId ? `; attack ${e.attackId}` : ''}`;
}

type Fingerprint = NonNullable<AttackDetailJson['fingerprint']>;

function shares<T>(list: Array<{ value: T; share: number }>, max = 5, label: (v: T) => string = String): string {
  if (list.length === 0) return '-';
  return list
    .slice(0, max)
    .map((v) => `${label(v.value)} ${pct(v.share)}`)
    .join(', ');
}

export function renderFingerprint(f: Fingerprint): string {
  const sampling = f.samplingRate.min === f.samplingRate.max ? `1:${f.samplingRate.min}` : `1:${f.samplingRate.min}..1:${f.samplingRate.max}`;
  const d = f.dominant;
  const dominant = [
    d.protocol ? `protocol ${f.protocols.find((p) => p.protocol === d.protocol!.value)?.name ?? d.protocol.value}` : null,
    d.srcPort ? `source port ${d.srcPort.value}` : null,
    d.dstPort ? `destination port ${d.dstPort.value}` : null,
    d.tcpFlags ? `tcp flags 0x${d.tcpFlags.value.toString(16)}` : null,
    d.packetLength ? `length ${d.packetLength.min}-${d.packetLength.max}` : null,
    d.fragment ? `fragment ${d.fragment.value}` : null,
    d.remotePrefix ? `remote ${d.remotePrefix.value}` : null,
  ].filter(Boolean);
  const rows: Array<[string, string]> = [
    ['samples', `${f.samples} (effective ${f.effectiveSamples.toFixed(0)}), ${si(f.packets)} packets, sampling ${sampling}, over ${f.spanSeconds} s`],
    ['confidence', `${f.confidence.toFixed(2)} (every share ±${pct(f.marginOfError)})`],
    ['protocols', f.protocols.length ? f.protocols.slice(0, 5).map((p) => `${p.name} ${pct(p.share)}`).join(', ') : '-'],
    ['source ports', shares(f.srcPorts)],
    ['destination ports', shares(f.dstPorts)],
    ['tcp flags', f.tcpFlags.length ? f.tcpFlags.slice(0, 5).map((t) => `${t.names || 'none'} ${pct(t.share)}`).join(', ') : '-'],
    ['packet length', `${f.packetLength.min}..${f.packetLength.max}, median ${f.packetLength.p50}, p10 ${f.packetLength.p10}, p90 ${f.packetLength.p90}; top ${shares(f.packetLength.top, 3)}`],
    ['fragments', `${pct(f.fragmentShare)} (non-first ${pct(f.nonFirstFragmentShare)})`],
    ['ttl', shares(f.ttls)],
    ['remotes', `${f.distinctRemotes} distinct; top prefixes ${shares(f.remotePrefixes)}`],
    ['dominant (>= 80%)', dominant.length ? dominant.join(', ') : 'none'],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

export function renderAttack(r: AttackShowJson, nowMs: number): string {
  // An ended attack comes from the history: its last report holds what the detector knew.
  const a = ('report' in r.attack && r.attack.report && typeof r.attack.report === 'object' ? { ...(r.attack.report as object), ...r.attack } : r.attack) as Partial<AttackDetailJson> & AttackRecordJson;
  const lines: string[] = [];
  lines.push(`attack ${a.id}: ${a.type} ${a.direction} on ${a.host} (group ${a.group}), ${a.status}${a.allowListed ? ', ALLOW-LISTED' : ''}`);
  const end = a.endedMs ?? nowMs;
  lines.push(`  started ${time(a.startedAt)}${a.endedAt ? `, ended ${time(a.endedAt)}${a.endReason ? ` (${a.endReason})` : ''}` : ''}, duration ${duration(a.durationSeconds ?? (end - a.startedMs) / 1000)}`);
  if (a.trigger) lines.push(`  trigger: ${a.trigger.metric} ${si(a.trigger.value)} > threshold ${si(a.trigger.threshold)} (×${a.trigger.ratio.toFixed(1)}, rule ${a.trigger.rule})`);
  if (a.exceeded && a.exceeded.length > 1) lines.push(`  exceeded: ${a.exceeded.map((e) => `${e.metric} ${si(e.value)} > ${si(e.threshold)}`).join(', ')}`);
  if (a.protocol) lines.push(`  protocol ${a.protocol}${a.amplification ? `, amplification via ${a.amplification.service} (port ${a.amplification.port})` : ''}`);
  lines.push(`  peak ${si(a.peak.pps)} pps ${mbit(a.peak.mbps)} Mbit/s${a.current ? `; last second ${si(a.current.pps)} pps ${mbit(a.current.mbps)} Mbit/s` : ''}`);
  lines.push('', a.fingerprint ? `Fingerprint\n${renderFingerprint(a.fingerprint)}\n` : 'Fingerprint\n  none (no samples of the host were captured)\n');
  lines.push(section(`Mitigations (${r.mitigations.length} active)`, mitigationsTable(r.mitigations)));
  lines.push(
    section(
      'Audit trail',
      r.audit.length === 0
        ? null
        : table(
            ['TIME', 'ACTION', 'KIND', 'ACTOR', 'ROUTE', 'REASON'],
            r.audit.slice(0, 50).map((e) => [time(e.at), e.action + (e.dryRun ? ' (dry-run)' : ''), e.kind ?? '-', e.actor, e.route ?? '-', e.reason || '-']),
            { align: ['l', 'l', 'l', 'l', 'l', 'l'] },
          ),
    ),
  );
  return lines.join('\n');
}

interface FollowOptions {
  host?: string;
  /** Also mitigation events (ban, unban, update). */
  mitigations: boolean;
  count?: number;
  json: boolean;
}

/** Prints attack events from the stream until Ctrl-C, --count events, or the stream is gone for good. */
async function follow(client: ApiClient, o: FollowOptions): Promise<void> {
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.on('SIGINT', onSigint);
  let seen = 0;
  let failures = 0;
  let connected = false;
  let reconnecting = false;
  if (!o.json) process.stderr.write(`following attack${o.mitigations ? ' and mitigation' : ''} events at ${client.url}${o.host ? ` for ${o.host}` : ''} (Ctrl-C to stop)\n`);
  const onEvent = (e: SseEvent) => {
    if (stop.signal.aborted) return;
    if (e.event !== 'attack' && !(e.event === 'mitigation' && o.mitigations)) return;
    let p: { event: string; attack?: AttackJson; host?: string };
    try {
      p = JSON.parse(e.data) as typeof p;
    } catch {
      return;
    }
    const host = p.attack ? p.attack.host : p.host;
    if (o.host && host !== o.host) return;
    if (o.json) out(JSON.stringify({ type: e.event, ...p }));
    else out(p.attack ? attackLine(p.event, p.attack) : mitigationLine(p as MitigationEventJson));
    seen++;
    if (o.count !== undefined && seen >= o.count) stop.abort();
  };
  const onOpen = () => {
    if (reconnecting) process.stderr.write(`reconnected to ${client.url}\n`);
    connected = true;
    reconnecting = false;
    failures = 0;
  };
  try {
    while (!stop.signal.aborted) {
      let how: 'ended' | 'aborted' | 'failed';
      try {
        how = await client.stream('/api/v1/events', onEvent, stop.signal, onOpen);
      } catch (e) {
        // Answers (auth, not found) do not get better by retrying, nor does a daemon that was not
        // there in the first place; one that goes away (restart) may come back.
        if (!(e instanceof CliError) || e instanceof ApiError || !connected || ++failures > FOLLOW_RECONNECTS) throw e;
        how = 'failed';
      }
      if (how === 'aborted' || stop.signal.aborted) break;
      if (how === 'ended') {
        reconnecting = true;
        process.stderr.write(`event stream from ${client.url} closed; reconnecting every ${FOLLOW_RECONNECT_DELAY_MS / 1000} s (events in between are not shown)\n`);
      }
      await sleep(FOLLOW_RECONNECT_DELAY_MS, undefined, { signal: stop.signal }).catch(() => {});
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function attacksCommand(): Command {
  const cmd = new Command('attacks')
    .enablePositionalOptions()
    .description('list active and ended attacks, show one with its fingerprint, or follow attack events live')
    .addOption(new Option('--active', 'only active attacks').conflicts('ended'))
    .addOption(new Option('--ended', 'only ended attacks (from the persisted history)'))
    .option('--host <ip>', 'only attacks on this host')
    .addOption(new Option('--limit <n>', 'attacks listed at most').argParser(intIn(1, 10_000)).default(100))
    .option('-f, --follow', 'print attack events (started, updated every 5 s, ended) and mitigation events (ban, update, unban) as they happen, until Ctrl-C')
    .option('--no-mitigations', 'with --follow: attack events only')
    .addOption(new Option('--count <n>', 'with --follow: exit after this many events').argParser(intIn(1, 1_000_000)))
    .addHelpText(
      'after',
      `
With --follow --json, one JSON object per line: {type: "attack", seq, event, attack} or
{type: "mitigation", seq, event, at, host, direction, attackId, actor, reason, dryRun, mitigations}.

Exit codes: 0 ok, 1 daemon unreachable or API failure, 2 invalid option or address, 3 no such attack (show).

Examples:
  breakwater attacks
  breakwater attacks --active --host 192.0.2.10
  breakwater attacks --follow
  breakwater attacks show 0b6f3c1e-5f7a-4c55-9d0e-3f1f9a1b2c3d`,
    )
    .action(async (o: { active?: boolean; ended?: boolean; host?: string; limit: number; follow?: boolean; count?: number; mitigations: boolean }, c: Command) => {
      const client = await clientFor(c);
      const asJson = wantsJson(c);
      if (o.count !== undefined && !o.follow) throw new CliError('--count needs --follow', EXIT.USAGE);
      if (o.follow) {
        if (o.active || o.ended) throw new CliError('--follow prints new events: it cannot be combined with --active or --ended', EXIT.USAGE);
        return follow(client, { host: o.host, count: o.count, json: asJson, mitigations: o.mitigations });
      }
      const q = new URLSearchParams({ status: o.active ? 'active' : o.ended ? 'ended' : 'all', limit: String(o.limit) });
      if (o.host) q.set('host', o.host);
      const r = await client.get<AttackListJson>(`/api/v1/attacks?${q}`);
      if (asJson) return out(json(r));
      const now = Date.now();
      const parts: string[] = [];
      if (!o.ended) parts.push(section(`Active attacks (${r.active.length})`, attacksTable(r.active, now)));
      if (!o.active) parts.push(section(`Ended attacks (${r.ended.length}, newest first)`, attacksTable(r.ended, now)));
      out(parts.join('\n'));
    });
  cmd.command('show')
    .description('one attack: trigger, fingerprint, mitigations and audit trail')
    .argument('<id>', 'attack id (from `breakwater attacks`)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 daemon unreachable or API failure, 3 no such attack.\n\nExample:\n  breakwater attacks show 0b6f3c1e-5f7a-4c55-9d0e-3f1f9a1b2c3d --json')
    .action(async (id: string, _o: unknown, c: Command) => {
      const client = await clientFor(c);
      const r = await client.get<AttackShowJson>(`/api/v1/attacks/${encodeURIComponent(id)}`);
      out(wantsJson(c) ? json(r) : renderAttack(r, Date.now()));
    });
  return withConnectionOptionsTree(cmd);
}
