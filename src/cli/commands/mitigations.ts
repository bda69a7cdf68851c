/**
 * `breakwater mitigations`: what is announced (or, in dry-run, would be), and the manual
 * operations — ban (RTBH blackhole of a host), unban, a FlowSpec rule, withdraw one mitigation,
 * extend one. They go through the API to the same mitigation methods detection uses, so the
 * daemon's safety checks apply: a refused operation (allow-listed host, prefix outside the
 * monitored networks, cap reached) exits 1 with the daemon's reason; a malformed one exits 2
 * with the API's message.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { clientFor, out, wantsJson, withConnectionOptionsTree } from '../client.js';
import { expiry, json, mitigationsTable, section, table, time, type MitigationJson } from '../format.js';

export const MAX_DURATION_SECONDS = 10 * 365 * 86400;

/**
 * `600`, `0` or `never` → seconds, 0 meaning no automatic withdrawal (as the API reads it). Not
 * null: commander turns a parser's null into ''.
 */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'never' || t === '0') return 0;
  if (!/^\d+$/.test(t) || Number(t) > MAX_DURATION_SECONDS) throw new InvalidArgumentError(`expected seconds (1 to ${MAX_DURATION_SECONDS}) or 'never'`);
  return Number(t);
}

type NumericMatch = number | { min?: number; max?: number };

/** `53,123,1000-2000,>=1024,<=80` → FlowSpec numeric match items (RFC 8955 §4.2.2.3). */
export function parseNumericList(text: string, what: string, max: number): NumericMatch[] {
  const items: NumericMatch[] = [];
  for (const raw of text.split(',')) {
    const p = raw.trim();
    const num = (s: string) => {
      if (!/^\d+$/.test(s) || Number(s) > max) throw new InvalidArgumentError(`${what}: '${p}' is not a number from 0 to ${max} (use N, N-M, >=N or <=N, comma-separated)`);
      return Number(s);
    };
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^(\d+)-(\d+)$/))) {
      const [a, b] = [num(m[1]), num(m[2])];
      if (a > b) throw new InvalidArgumentError(`${what}: range '${p}' is reversed`);
      items.push({ min: a, max: b });
    } else if ((m = p.match(/^>=\s*(\d+)$/))) items.push({ min: num(m[1]) });
    else if ((m = p.match(/^<=\s*(\d+)$/))) items.push({ max: num(m[1]) });
    else items.push(num(p));
  }
  return items;
}

const PROTOCOLS = ['icmp', 'tcp', 'udp', 'gre', 'esp', 'icmpv6', 'sctp'];

export function parseProtocols(text: string): Array<string | number> {
  return text.split(',').map((raw) => {
    const p = raw.trim().toLowerCase();
    if (PROTOCOLS.includes(p)) return p;
    if (/^\d+$/.test(p) && Number(p) <= 255) return Number(p);
    throw new InvalidArgumentError(`'${raw.trim()}' is not a protocol: use ${PROTOCOLS.join(', ')} or a number from 0 to 255`);
  });
}

const TCP_FLAGS = ['fin', 'syn', 'rst', 'push', 'ack', 'urg', 'ece', 'cwr'];

/** `syn,!ack` → { syn: true, ack: false } (a flag that must be set / must be clear). */
export function parseTcpFlags(text: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const raw of text.split(',')) {
    let f = raw.trim().toLowerCase();
    const clear = f.startsWith('!');
    if (clear) f = f.slice(1);
    if (f === 'psh') f = 'push';
    if (!TCP_FLAGS.includes(f)) throw new InvalidArgumentError(`'${raw.trim()}' is not a TCP flag: use ${TCP_FLAGS.join(', ')}, '!' in front for "must be clear"`);
    out[f] = !clear;
  }
  return out;
}

const FRAGMENTS = ['dont-fragment', 'is-fragment', 'first-fragment', 'last-fragment'];

export function parseFragments(text: string): string[] {
  return text.split(',').map((raw) => {
    const f = raw.trim().toLowerCase();
    if (!FRAGMENTS.includes(f)) throw new InvalidArgumentError(`'${raw.trim()}' is not a fragment match: use ${FRAGMENTS.join(', ')}`);
    return f;
  });
}

export type FlowspecAction = { type: 'discard' } | { type: 'rate-limit'; mbps: number } | { type: 'redirect'; routeTarget: string } | { type: 'mark'; dscp: number };

/** `discard`, `rate-limit:<Mbit/s>`, `redirect:<ASN:NN>`, `mark:<DSCP>`. */
export function parseAction(text: string): FlowspecAction {
  const t = text.trim().toLowerCase();
  const colon = t.indexOf(':');
  const kind = colon < 0 ? t : t.slice(0, colon);
  const arg = colon < 0 ? '' : t.slice(colon + 1);
  const usage = 'use discard, rate-limit:<Mbit/s>, redirect:<ASN:NN> or mark:<DSCP 0-63>';
  if (kind === 'discard' && arg === '') return { type: 'discard' };
  if (kind === 'rate-limit') {
    const mbps = Number(arg);
    if (arg === '' || !Number.isFinite(mbps) || mbps <= 0) throw new InvalidArgumentError(`rate-limit needs a positive rate in Mbit/s, e.g. rate-limit:100 (${usage})`);
    return { type: 'rate-limit', mbps };
  }
  if (kind === 'redirect') {
    if (!/^\d{1,5}:\d{1,10}$/.test(arg)) throw new InvalidArgumentError(`redirect needs a route target ASN:NN, e.g. redirect:65000:666 (${usage})`);
    return { type: 'redirect', routeTarget: arg };
  }
  if (kind === 'mark') {
    if (!/^\d+$/.test(arg) || Number(arg) > 63) throw new InvalidArgumentError(`mark needs a DSCP value from 0 to 63, e.g. mark:8 (${usage})`);
    return { type: 'mark', dscp: Number(arg) };
  }
  throw new InvalidArgumentError(`'${text}' is not a FlowSpec action: ${usage}`);
}

function intOption(min: number, max: number) {
  return (text: string) => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return Number(text);
  };
}

function describe(m: MitigationJson): string {
  const dry = m.dryRun ? ' (dry-run: recorded, not announced)' : '';
  return `${m.kind} ${m.routeText}${dry}; id ${m.id}; expires ${expiry(m.secondsLeft)}`;
}

interface MitigationResult {
  mitigation: MitigationJson;
  created: boolean;
}

export function mitigationsCommand(): Command {
  const cmd = new Command('mitigations')
    .enablePositionalOptions()
    .description('list active mitigations; ban, unban, add a FlowSpec rule, withdraw or extend one')
    .option('--host <ip>', 'only mitigations of this host')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['blackhole', 'flowspec', 'escalation']))
    .addHelpText(
      'after',
      `
Exit codes: 0 ok; 1 daemon unreachable, API failure, or refused by the daemon's safety checks
(allow-listed host, outside the monitored networks, cap reached: the reason is printed);
2 invalid input (the API's message is printed); 3 no such mitigation / host without mitigation.

Examples:
  breakwater mitigations
  breakwater mitigations ban 192.0.2.10 --duration 3600 --reason "customer request"
  breakwater mitigations unban 192.0.2.10
  breakwater mitigations flowspec add --destination 192.0.2.10/32 --protocol udp --source-port 53 --action rate-limit:100
  breakwater mitigations extend 7d4c0e9a-... never
  breakwater mitigations withdraw 7d4c0e9a-...`,
    )
    .action(async (o: { host?: string; kind?: string }, c: Command) => {
      const client = await clientFor(c);
      const q = new URLSearchParams();
      if (o.host) q.set('host', o.host);
      if (o.kind) q.set('kind', o.kind);
      const r = await client.get<{ mitigations: MitigationJson[] }>(`/api/v1/mitigations${q.size ? `?${q}` : ''}`);
      out(wantsJson(c) ? json(r) : section(`Active mitigations (${r.mitigations.length})`, mitigationsTable(r.mitigations)));
    });

  cmd.command('show')
    .description('one mitigation with its audit trail')
    .argument('<id>', 'mitigation id')
    .action(async (id: string, _o: unknown, c: Command) => {
      const client = await clientFor(c);
      const r = await client.get<{ mitigation: MitigationJson; audit: Array<{ at: string; action: string; actor: string; reason: string; route: string | null }> }>(`/api/v1/mitigations/${encodeURIComponent(id)}`);
      if (wantsJson(c)) return out(json(r));
      const m = r.mitigation;
      out(
        [
          `mitigation ${m.id}: ${m.kind}${m.dryRun ? ' (dry-run)' : ''} for ${m.host}`,
          `  route    ${m.routeText}`,
          `  source   ${m.source}${m.user ? ` (${m.user})` : ''}${m.attackId ? `, attack ${m.attackId}` : ''}`,
          `  reason   ${m.reason || '-'}`,
          `  created  ${time(m.createdAt)}, expires ${m.expiresAt ? `${time(m.expiresAt)} (${expiry(m.secondsLeft)})` : 'never'}`,
          '',
          section('Audit trail', r.audit.length ? table(['TIME', 'ACTION', 'ACTOR', 'REASON'], r.audit.map((e) => [time(e.at), e.action, e.actor, e.reason || '-']), { align: ['l', 'l', 'l', 'l'] }) : null),
        ].join('\n'),
      );
    });

  cmd.command('ban')
    .description('blackhole a host (RTBH /32 or /128 with the communities and next hop of its group)')
    .argument('<ip>', 'IPv4 or IPv6 address inside the monitored networks')
    .addOption(new Option('--duration <seconds|never>', 'automatic withdrawal after this long (default: the ban time of the policy)').argParser(parseDuration))
    .option('--reason <text>', 'recorded in the audit trail and sent to notify scripts')
    .option('--group <group>', 'host group whose communities and next hop to use (default: the host\'s group)')
    .action(async (ip: string, o: { duration?: number; reason?: string; group?: string }, c: Command) => {
      const client = await clientFor(c);
      const body: Record<string, unknown> = { host: ip };
      if (o.duration !== undefined) body.duration_seconds = o.duration;
      if (o.reason !== undefined) body.reason = o.reason;
      if (o.group !== undefined) body.group = o.group;
      const r = await client.call<MitigationResult>('POST', '/api/v1/mitigations/blackhole', body);
      out(wantsJson(c) ? json(r) : `${r.created ? 'banned' : 'already banned (updated)'} ${r.mitigation.host}: ${describe(r.mitigation)}`);
    });

  cmd.command('unban')
    .description('withdraw every mitigation (blackhole and FlowSpec) of a host')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .option('--reason <text>', 'recorded in the audit trail')
    .action(async (ip: string, o: { reason?: string }, c: Command) => {
      const client = await clientFor(c);
      const r = await client.call<{ removed: MitigationJson[] }>('DELETE', `/api/v1/hosts/${encodeURIComponent(ip)}/mitigations`, o.reason !== undefined ? { reason: o.reason } : undefined);
      out(wantsJson(c) ? json(r) : r.removed.map((m) => `withdrawn ${describe(m)}`).join('\n'));
    });

  cmd.command('withdraw')
    .description('withdraw one mitigation')
    .argument('<id>', 'mitigation id (from `breakwater mitigations`)')
    .option('--reason <text>', 'recorded in the audit trail')
    .action(async (id: string, o: { reason?: string }, c: Command) => {
      const client = await clientFor(c);
      const r = await client.call<{ withdrawn: MitigationJson }>('DELETE', `/api/v1/mitigations/${encodeURIComponent(id)}`, o.reason !== undefined ? { reason: o.reason } : undefined);
      out(wantsJson(c) ? json(r) : `withdrawn ${describe(r.withdrawn)}`);
    });

  cmd.command('extend')
    .description('set a mitigation to expire this many seconds from now, or never')
    .argument('<id>', 'mitigation id')
    .argument('<seconds|never>', "seconds from now, or 'never' (no automatic withdrawal)", parseDuration)
    .option('--reason <text>', 'recorded in the audit trail')
    .action(async (id: string, seconds: number, o: { reason?: string }, c: Command) => {
      const client = await clientFor(c);
      const body: Record<string, unknown> = { seconds };
      if (o.reason !== undefined) body.reason = o.reason;
      const r = await client.call<{ mitigation: MitigationJson }>('POST', `/api/v1/mitigations/${encodeURIComponent(id)}/extend`, body);
      out(wantsJson(c) ? json(r) : `extended ${describe(r.mitigation)}`);
    });

  const fs = cmd.command('flowspec')
    .enablePositionalOptions()
    .description('FlowSpec rules: list them, or add one (`flowspec add`)')
    .action(async (_o: unknown, c: Command) => {
      const client = await clientFor(c);
      const r = await client.get<{ mitigations: MitigationJson[] }>('/api/v1/mitigations?kind=flowspec');
      out(wantsJson(c) ? json(r) : section(`Active FlowSpec rules (${r.mitigations.length})`, mitigationsTable(r.mitigations)));
    });
  fs.command('add')
    .description('announce a FlowSpec rule (RFC 8955/8956), validated and safety-checked like automatic ones')
    .requiredOption('--destination <prefix>', 'destination prefix: a host /32 or /128, or a prefix inside the monitored networks')
    .option('--source <prefix>', 'source prefix')
    .option('--protocol <list>', 'IP protocols, comma-separated: tcp, udp, icmp, gre, esp, icmpv6, sctp or numbers', parseProtocols)
    .option('--source-port <list>', 'source ports: N, N-M, >=N, <=N, comma-separated', (t) => parseNumericList(t, '--source-port', 65535))
    .option('--destination-port <list>', 'destination ports, as --source-port', (t) => parseNumericList(t, '--destination-port', 65535))
    .option('--packet-length <list>', 'IP packet lengths, as --source-port', (t) => parseNumericList(t, '--packet-length', 65535))
    .option('--tcp-flags <list>', "TCP flags that must be set, '!' for must be clear: syn,!ack", parseTcpFlags)
    .option('--fragment <list>', 'dont-fragment, is-fragment, first-fragment, last-fragment', parseFragments)
    .option('--icmp-type <n>', 'ICMP type', intOption(0, 255))
    .option('--icmp-code <n>', 'ICMP code', intOption(0, 255))
    .requiredOption('--action <action>', 'discard | rate-limit:<Mbit/s> | redirect:<ASN:NN> | mark:<DSCP>', parseAction)
    .option('--community <community>', 'extra BGP community ASN:NN (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--duration <seconds|never>', 'automatic withdrawal after this long (default: the ban time of the policy)').argParser(parseDuration))
    .option('--reason <text>', 'recorded in the audit trail')
    .addHelpText(
      'after',
      `
Examples:
  breakwater mitigations flowspec add --destination 192.0.2.10/32 --protocol udp --source-port 53,123 --action discard
  breakwater mitigations flowspec add --destination 192.0.2.10/32 --protocol tcp --tcp-flags syn,!ack --action rate-limit:50 --duration 600
  breakwater mitigations flowspec add --destination 192.0.2.0/28 --fragment is-fragment --action redirect:65000:666`,
    )
    .action(
      async (
        o: {
          destination: string;
          source?: string;
          protocol?: Array<string | number>;
          sourcePort?: NumericMatch[];
          destinationPort?: NumericMatch[];
          packetLength?: NumericMatch[];
          tcpFlags?: Record<string, boolean>;
          fragment?: string[];
          icmpType?: number;
          icmpCode?: number;
          action: FlowspecAction;
          community?: string[];
          duration?: number;
          reason?: string;
        },
        c: Command,
      ) => {
        const client = await clientFor(c);
        const match: Record<string, unknown> = { destination: o.destination };
        if (o.source !== undefined) match.source = o.source;
        if (o.protocol) match.protocols = o.protocol;
        if (o.sourcePort) match.sourcePorts = o.sourcePort;
        if (o.destinationPort) match.destinationPorts = o.destinationPort;
        if (o.packetLength) match.packetLength = o.packetLength;
        if (o.tcpFlags) match.tcpFlags = o.tcpFlags;
        if (o.fragment) match.fragment = o.fragment;
        if (o.icmpType !== undefined) match.icmpType = o.icmpType;
        if (o.icmpCode !== undefined) match.icmpCode = o.icmpCode;
        const body: Record<string, unknown> = { match, action: o.action };
        if (o.community) body.communities = o.community;
        if (o.duration !== undefined) body.duration_seconds = o.duration;
        if (o.reason !== undefined) body.reason = o.reason;
        const r = await client.call<MitigationResult>('POST', '/api/v1/mitigations/flowspec', body);
        out(wantsJson(c) ? json(r) : `${r.created ? 'announced' : 'already present (updated)'} ${describe(r.mitigation)}`);
      },
    );
  return withConnectionOptionsTree(cmd);
}
