/**
 * FastNetMon Advanced–compatible endpoints, so that scripts written against FastNetMon's API on
 * 127.0.0.1:10007 work unchanged (reference: shared/reference/fastnetmon.md §6, and the field
 * lists of FastNetMon's own docs and client libraries). Envelopes are FastNetMon's:
 * `{"success": true, "values": [...]}` for lists, `"object"` for one object, `"value"` for a
 * scalar, `{"success": false, "error_text": "..."}` for failures. Numbers are integers because
 * FastNetMon's Go clients decode them into int64.
 *
 * Rates are what FastNetMon reports: per second; host and network lists use the exponential
 * averages that detection compares with thresholds; /single_host_counters uses the last recorded
 * second (its first call for a host waits for the next tick — see host-data.ts).
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext } from './context.js';
import { HttpError } from './server.js';
import { canonicalIp, hostLastSecond } from './host-data.js';
import { manualError } from './routes-native.js';
import { CATEGORY_NAMES, BYTES_PER_MBIT } from '../traffic/layout.js';
import type { FlowspecRoute, TcpFlagsMatch, FragmentName } from '../bgp/route.js';
import { parsePrefix } from '../net/ip.js';
import type { Mitigation } from '../mitigation/store.js';

const int = (v: number | null | undefined) => Math.round(v ?? 0);

function ok(body: object) {
  return { success: true, ...body };
}

/** FastNetMon's names for our categories in /single_host_counters. */
const FNM_CATEGORY: Record<(typeof CATEGORY_NAMES)[number], string> = { total: '', tcp: 'tcp_', syn: 'tcp_syn_', udp: 'udp_', icmp: 'icmp_', fragments: 'fragmented_' };

function prefixOfHost(host: string): string {
  return `${host}/${host.includes(':') ? 128 : 32}`;
}

/** Accepts "a.b.c.d", "a.b.c.d/32", "::1/128" (FastNetMon clients pass either). */
function hostFromPath(text: string): string {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const p = parsePrefix(text);
    if ('error' in p) throw new HttpError(400, 'invalid_address', `'${text}': ${p.error}`);
    if (p.length !== (p.version === 4 ? 32 : 128)) throw new HttpError(400, 'invalid_address', `'${text}' is a prefix, not a host (/32 or /128)`);
  }
  const ip = canonicalIp(slash >= 0 ? text.slice(0, slash) : text);
  if (!ip) throw new HttpError(400, 'invalid_address', `'${text}' is not an IPv4 or IPv6 address`);
  return ip;
}

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47 };
const FNM_TCP_FLAGS: Record<string, keyof TcpFlagsMatch> = { syn: 'syn', ack: 'ack', fin: 'fin', urgent: 'urg', push: 'push', rst: 'rst' };

export const fnmFlowspecSchema = z
  .object({
    source_prefix: z.string().optional(),
    destination_prefix: z.string({ error: 'destination_prefix is required: Breakwater announces rules only for destinations inside the monitored networks' }),
    destination_ports: z.array(z.number().int().min(0).max(65535)).max(32).optional(),
    source_ports: z.array(z.number().int().min(0).max(65535)).max(32).optional(),
    packet_lengths: z.array(z.number().int().min(0).max(65535)).max(32).optional(),
    protocols: z.array(z.enum(['udp', 'tcp', 'icmp', 'gre'])).max(4).optional(),
    fragmentation_flags: z.array(z.enum(['dont-fragment', 'is-fragment', 'first-fragment', 'last-fragment', 'not-a-fragment'])).max(5).optional(),
    tcp_flags: z.array(z.string().regex(/^(syn|ack|fin|urgent|push|rst)(\|(syn|ack|fin|urgent|push|rst))*$/, 'tcp flags are syn, ack, fin, urgent, push, rst, combined with |')).max(1, 'only one tcp_flags item is supported (flags combined with |)').optional(),
    action_type: z.enum(['accept', 'discard', 'rate-limit', 'redirect', 'mark']).default('discard'),
    action: z
      .object({
        rate: z.number().int().min(1).max(100000).optional(),
        redirect_target_as: z.number().int().min(1).max(65535).optional(),
        redirect_target_value: z.number().int().min(0).max(4294967295).optional(),
        dscp: z.number().int().min(0).max(63).optional(),
      })
      .optional(),
    ttls: z.array(z.number()).max(0, 'ttls matching is not part of RFC 8955 and not supported').optional(),
    vlans: z.array(z.number()).max(0, 'vlans matching is not part of RFC 8955 and not supported').optional(),
  })
  .strict();

/** FastNetMon's JSON rule → our route model; throws HttpError(400) for what cannot be expressed. */
export function fnmToRoute(r: z.infer<typeof fnmFlowspecSchema>): FlowspecRoute {
  const dest = parsePrefix(r.destination_prefix);
  if ('error' in dest) throw new HttpError(400, 'invalid_request', `destination_prefix: ${dest.error}`);
  const frags = (r.fragmentation_flags ?? []) as string[];
  if (frags.includes('not-a-fragment')) throw new HttpError(400, 'invalid_request', 'fragmentation_flags: not-a-fragment is not supported (RFC 8955 fragment bits can only require a bit)');
  let action: FlowspecRoute['action'];
  switch (r.action_type) {
    case 'discard':
      action = { type: 'discard' };
      break;
    case 'rate-limit':
      if (!r.action?.rate) throw new HttpError(400, 'invalid_request', 'action.rate is required for rate-limit (Mbit/s, 1..100000)');
      action = { type: 'rate-limit', bytesPerSecond: r.action.rate * BYTES_PER_MBIT };
      break;
    case 'redirect':
      if (r.action?.redirect_target_as === undefined || r.action.redirect_target_value === undefined) throw new HttpError(400, 'invalid_request', 'redirect needs action.redirect_target_as and action.redirect_target_value');
      action = { type: 'redirect', routeTarget: `${r.action.redirect_target_as}:${r.action.redirect_target_value}` };
      break;
    case 'mark':
      if (r.action?.dscp === undefined) throw new HttpError(400, 'invalid_request', 'mark needs action.dscp (0..63)');
      action = { type: 'mark', dscp: r.action.dscp };
      break;
    default:
      throw new HttpError(400, 'invalid_request', "action_type 'accept' is not supported: a mitigation rule must discard, rate-limit, redirect or mark");
  }
  const tcpFlags: TcpFlagsMatch | undefined = r.tcp_flags?.[0] ? Object.fromEntries(r.tcp_flags[0].split('|').map((f) => [FNM_TCP_FLAGS[f], true])) : undefined;
  return {
    kind: 'flowspec',
    family: dest.version,
    match: {
      destination: r.destination_prefix,
      ...(r.source_prefix ? { source: r.source_prefix } : {}),
      ...(r.protocols ? { protocols: r.protocols.map((p) => PROTOCOLS[p]) } : {}),
      ...(r.source_ports ? { sourcePorts: r.source_ports } : {}),
      ...(r.destination_ports ? { destinationPorts: r.destination_ports } : {}),
      ...(r.packet_lengths ? { packetLength: r.packet_lengths } : {}),
      ...(frags.length ? { fragment: frags as FragmentName[] } : {}),
      ...(tcpFlags ? { tcpFlags } : {}),
    },
    action,
  };
}

/** Our route model → FastNetMon's JSON rule (for GET /flowspec). */
export function routeToFnm(route: FlowspecRoute): Record<string, unknown> {
  const m = route.match;
  const ports = (l?: Array<number | { min?: number; max?: number }>) => l?.flatMap((p) => (typeof p === 'number' ? [p] : p.min !== undefined && p.min === p.max ? [p.min] : []));
  const names = Object.fromEntries(Object.entries(PROTOCOLS).map(([k, v]) => [v, k]));
  const out: Record<string, unknown> = { destination_prefix: m.destination };
  if (m.source) out.source_prefix = m.source;
  if (m.protocols) out.protocols = m.protocols.map((p) => names[p] ?? String(p));
  if (m.sourcePorts) out.source_ports = ports(m.sourcePorts);
  if (m.destinationPorts) out.destination_ports = ports(m.destinationPorts);
  if (m.packetLength) out.packet_lengths = ports(m.packetLength);
  if (m.fragment) out.fragmentation_flags = m.fragment;
  if (m.tcpFlags) {
    const rev = Object.fromEntries(Object.entries(FNM_TCP_FLAGS).map(([k, v]) => [v, k]));
    out.tcp_flags = [Object.entries(m.tcpFlags).filter(([, v]) => v).map(([k]) => rev[k] ?? k).join('|')];
  }
  const a = route.action;
  out.action_type = a.type;
  if (a.type === 'rate-limit') out.action = { rate: Math.max(1, Math.round(a.bytesPerSecond / BYTES_PER_MBIT)) };
  if (a.type === 'redirect') {
    const [as, value] = a.routeTarget.split(':').map(Number);
    out.action = { redirect_target_as: as, redirect_target_value: value };
  }
  if (a.type === 'mark') out.action = { dscp: a.dscp };
  return out;
}

function userOf(req: { principal: { name: string } | null }): string {
  return req.principal?.name ?? 'anonymous';
}

export function registerFastnetmonRoutes(fastify: FastifyInstance, ctx: ApiContext): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const tags = { tags: ['fastnetmon'] };
  const blackholes = (): Mitigation[] => ctx.mitigation.list().filter((m) => m.kind === 'blackhole');

  app.get('/blackhole', { schema: { ...tags, summary: 'Blackholed hosts: values [{uuid, ip}]' } }, async () => ok({ values: blackholes().map((m) => ({ uuid: m.id, ip: prefixOfHost(m.host) })) }));

  app.put('/blackhole/:ip', { schema: { ...tags, summary: 'Manual ban (ban time of the global policy)', params: z.object({ ip: z.string().min(1).max(64) }) } }, async (req) => {
    const host = hostFromPath(req.params.ip);
    const r = ctx.mitigation.ban({ host, user: userOf(req), reason: 'manual ban (FastNetMon API)' });
    if (!r.ok) throw manualError(r);
    return ok({ value: r.mitigation.id });
  });

  app.delete('/blackhole/:id', { schema: { ...tags, summary: 'Unban by uuid (or by IP address)', params: z.object({ id: z.string().min(1).max(64) }) } }, async (req) => {
    const id = req.params.id;
    const m = ctx.mitigation.get(id);
    if (m && m.kind === 'blackhole') {
      const r = ctx.mitigation.withdraw(id, { user: userOf(req), reason: 'manual unban (FastNetMon API)' });
      if (!r.ok) throw manualError(r);
      return ok({});
    }
    const ip = id.includes('.') || id.includes(':') ? canonicalIp(id.replace(/\/(32|128)$/, '')) : null;
    const target = ip ? blackholes().find((b) => b.host === ip) : undefined;
    if (!target) throw new HttpError(404, 'not_found', `no blackhole with uuid or address '${id}'`);
    const r = ctx.mitigation.withdraw(target.id, { user: userOf(req), reason: 'manual unban (FastNetMon API)' });
    if (!r.ok) throw manualError(r);
    return ok({});
  });

  app.get('/single_host_counters/:ip', { schema: { ...tags, summary: 'Per-second counters of one host (in/out bytes, packets, flows, per protocol)', params: z.object({ ip: z.string().min(1).max(64) }) } }, async (req) => {
    const host = hostFromPath(req.params.ip);
    const s = await hostLastSecond(ctx, host, true);
    const o: Record<string, number> = {};
    for (const [d, dir] of [['in', 'incoming'], ['out', 'outgoing']] as const) {
      const sec = s && s !== 'unknown' ? s[dir] : null;
      CATEGORY_NAMES.forEach((c, i) => {
        o[`${FNM_CATEGORY[c]}${d}_bytes`] = int(sec ? sec.bps[i] / 8 : 0);
        o[`${FNM_CATEGORY[c]}${d}_packets`] = int(sec ? sec.pps[i] : 0);
      });
      o[`${d}_flows`] = int(sec?.flows);
      // FastNetMon counts traffic the router dropped (forwarding status); flow telemetry does not tell us per host.
      o[`dropped_${d}_bytes`] = 0;
      o[`dropped_${d}_packets`] = 0;
    }
    return ok({ object: Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b))) });
  });

  app.get('/host_counters/:type/:direction', { schema: { ...tags, summary: 'Top hosts by averaged bytes, packets or flows', params: z.object({ type: z.enum(['bytes', 'packets', 'flows']), direction: z.enum(['incoming', 'outgoing']) }), querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(10) }) } }, async (req) => {
    const { type, direction } = req.params;
    const averaged = [...ctx.detector.averaged];
    // flows has an average only when some group has a flows threshold; otherwise rank by packets.
    const metric = type === 'bytes' ? 'mbps' : type === 'flows' && averaged.includes(2) ? 'flows' : 'pps';
    const hosts = ctx.detector.topHosts(direction, metric, req.query.limit);
    return ok({
      values: hosts.map((h) => {
        const avg = h[direction].average;
        return { host: h.host, [`${direction}_packets`]: int(avg.pps), [`${direction}_bytes`]: int((avg.mbps ?? 0) * BYTES_PER_MBIT), [`${direction}_flows`]: int(avg.flows) };
      }),
    });
  });

  app.get('/network_counters', { schema: { ...tags, summary: 'Per monitored network: packets and bytes per second in and out' } }, async () =>
    ok({
      values: ctx.traffic.networkRates().map((n) => ({
        network_name: n.network,
        incoming_packets: int(n.incoming.total.pps),
        outgoing_packets: int(n.outgoing.total.pps),
        incoming_bytes: int(n.incoming.total.bps / 8),
        outgoing_bytes: int(n.outgoing.total.bps / 8),
      })),
    }),
  );

  app.get('/total_traffic_counters', { schema: { ...tags, summary: "Totals as FastNetMon's fcli prints them: {counter_name, value, unit}" } }, async () => {
    const t = ctx.traffic.totals();
    const values: Array<{ counter_name: string; value: number; unit: string }> = [];
    for (const dir of ['incoming', 'outgoing', 'internal', 'other'] as const) {
      values.push({ counter_name: `${dir} traffic`, value: int(t[dir].total.pps), unit: 'pps' });
      values.push({ counter_name: `${dir} traffic`, value: int(t[dir].total.bps / 1e6), unit: 'mbps' });
      for (const [c, name] of [['tcp', 'tcp'], ['syn', 'tcp_syn'], ['udp', 'udp'], ['icmp', 'icmp'], ['fragments', 'fragmented']] as const) {
        values.push({ counter_name: `${dir} ${name}`, value: int(t[dir][c].pps), unit: 'pps' });
        values.push({ counter_name: `${dir} ${name}`, value: int(t[dir][c].bps / 1e6), unit: 'mbps' });
      }
    }
    return ok({ values });
  });

  app.get('/flowspec', { schema: { ...tags, summary: 'Active FlowSpec rules: values [{uuid, announce}]' } }, async () =>
    ok({ values: ctx.mitigation.list().filter((m) => m.kind === 'flowspec' && m.route.kind === 'flowspec').map((m) => ({ uuid: m.id, announce: routeToFnm(m.route as FlowspecRoute) })) }),
  );

  app.put('/flowspec', { schema: { ...tags, summary: "Announce a FlowSpec rule given in FastNetMon's JSON format", body: fnmFlowspecSchema } }, async (req) => {
    const route = fnmToRoute(req.body);
    const r = ctx.mitigation.addFlowspec({ route, user: userOf(req), reason: 'manual flowspec (FastNetMon API)' });
    if (!r.ok) throw manualError(r);
    return ok({ value: r.mitigation.id });
  });

  app.delete('/flowspec/:uuid', { schema: { ...tags, summary: 'Withdraw a FlowSpec rule', params: z.object({ uuid: z.string().min(1).max(64) }) } }, async (req) => {
    const m = ctx.mitigation.get(req.params.uuid);
    if (!m || m.kind !== 'flowspec') throw new HttpError(404, 'not_found', `no flowspec rule ${req.params.uuid}`);
    const r = ctx.mitigation.withdraw(m.id, { user: userOf(req), reason: 'manual withdraw (FastNetMon API)' });
    if (!r.ok) throw manualError(r);
    return ok({});
  });
}
