/**
 * The native API, /api/v1: traffic, hosts, attacks, mitigations (with the manual operations),
 * speakers, exporters, health, effective config, reload and the live event stream. Every
 * parameter and body is described by a zod schema, which validates the request and generates
 * the OpenAPI document at /api/v1/openapi.json.
 */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext } from './context.js';
import { HttpError } from './server.js';
import { durationSeconds, flowspecActionSchema, flowspecBodySchema, flowspecMatchSchema, PROTOCOL_NUMBERS } from './flowspec-schema.js';
import { attackDetail, attackSummary, exporterView, hostSecondView, iso, mitigationView } from './views.js';
import { canonicalIp, hostHistory, hostLastSecond, isAllowListed, networkOf } from './host-data.js';
import { redactConfig } from './redact.js';
import type { ManualResult } from '../mitigation/manager.js';
import type { FlowspecRoute } from '../bgp/route.js';
import { HISTORY_SECONDS } from '../traffic/host-history.js';
import { TOTALS_HISTORY_SECONDS } from './totals-history.js';
import type { MetricName } from '../traffic/layout.js';

const ipParam = z.object({ ip: z.string().min(1).max(64) });
const idParam = z.object({ id: z.string().min(1).max(64) });

export function toFlowspecRoute(match: z.infer<typeof flowspecMatchSchema>, action: z.infer<typeof flowspecActionSchema>, communities?: string[]): FlowspecRoute {
  const family = match.destination.includes(':') ? 6 : 4;
  const { protocols, ...rest } = match;
  return {
    kind: 'flowspec',
    family,
    match: { ...rest, ...(protocols ? { protocols: protocols.map((p) => (typeof p === 'number' ? p : PROTOCOL_NUMBERS[p])) } : {}) },
    action: action.type === 'rate-limit' ? { type: 'rate-limit', bytesPerSecond: action.mbps * 125_000 } : action,
    ...(communities && communities.length > 0 ? { communities } : {}),
  };
}

/** A refused or failed manual operation as an HTTP error. */
export function manualError(r: Extract<ManualResult, { ok: false }>): HttpError {
  const status = r.reason === 'not_found' ? 404 : r.reason === 'invalid' || r.reason === 'invalid_route' ? 400 : 409;
  return new HttpError(status, r.reason, r.message);
}

function requireIp(text: string): string {
  const ip = canonicalIp(text);
  if (!ip) throw new HttpError(400, 'invalid_address', `'${text}' is not an IPv4 or IPv6 address`);
  return ip;
}

function userOf(req: { principal: { name: string } | null }): string {
  return req.principal?.name ?? 'anonymous';
}

export function registerNativeRoutes(fastify: FastifyInstance, ctx: ApiContext): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const now = () => ctx.now();
  const tags = (t: string) => ({ tags: [t] });

  app.get('/api/v1/health', { config: { public: true }, schema: { ...tags('daemon'), summary: 'Liveness: always public, no details' } }, async () => ({ status: 'ok' }));

  app.get('/api/v1/status', { schema: { ...tags('daemon'), summary: 'Everything an operator checks first' } }, async () => {
    const n = now();
    const mit = ctx.mitigation.stats();
    const cfg = ctx.config();
    return {
      daemon: { version: ctx.version, startedAt: iso(ctx.startedMs), uptimeSeconds: Math.round((n - ctx.startedMs) / 1000), pid: process.pid, dryRun: cfg.mitigation.dry_run, mitigationEnabled: cfg.mitigation.enabled },
      traffic: { hosts: ctx.traffic.table.count, totals: ctx.traffic.totals() },
      listeners: ctx.listener.status(),
      packetCaptures: ctx.packetCapture.status(),
      ingest: { datagrams: ctx.ingest.totals.datagrams, samples: ctx.ingest.totals.samples, notAllowed: ctx.ingest.totals.notAllowed, errors: Object.fromEntries(ctx.ingest.totals.errors) },
      exporters: ctx.registry.all().map((e) => exporterView(e, ctx.templates.countFor(e.address))),
      speakers: ctx.speakers.status(),
      attacks: {
        active: ctx.detector.activeAttacks().map((a) => attackSummary(a, n)),
        recent: ctx.detector.attackHistory().slice(-10).reverse().map((a) => attackSummary(a, n)),
      },
      mitigations: { stats: mit, active: ctx.mitigation.list().map((m) => mitigationView(m, n)) },
    };
  });

  app.get('/api/v1/traffic/totals', { schema: { ...tags('traffic'), summary: 'Totals of the last second by direction and protocol (pps, bit/s)', querystring: z.object({ version: z.enum(['4', '6', 'all']).default('all') }) } }, async (req) => {
    const v = req.query.version === 'all' ? 'all' : (Number(req.query.version) as 4 | 6);
    return { at: iso(ctx.traffic.lastTickMs), hosts: ctx.traffic.table.count, totals: ctx.traffic.totals(v) };
  });

  app.get('/api/v1/traffic/history', { schema: { ...tags('traffic'), summary: 'The last minutes of per-second totals, oldest first (what the totals events carried)', querystring: z.object({ seconds: z.coerce.number().int().min(1).max(TOTALS_HISTORY_SECONDS).default(TOTALS_HISTORY_SECONDS) }) } }, async (req) => ({
    points: ctx.totalsHistory.last(req.query.seconds),
  }));

  app.get('/api/v1/traffic/networks', { schema: { ...tags('traffic'), summary: 'Per monitored network: last second by direction and protocol' } }, async () => ({ at: iso(ctx.traffic.lastTickMs), networks: ctx.traffic.networkRates() }));

  app.get(
    '/api/v1/traffic/top',
    {
      schema: {
        ...tags('traffic'),
        summary: 'Top hosts by the exponential average of a metric',
        querystring: z.object({
          direction: z.enum(['incoming', 'outgoing']).default('incoming'),
          metric: z.enum(['pps', 'mbps', 'flows']).default('pps'),
          limit: z.coerce.number().int().min(1).max(1000).default(10),
        }),
      },
    },
    async (req) => {
      const { direction, metric, limit } = req.query;
      const hosts = ctx.detector.topHosts(direction, metric as MetricName, limit);
      if (hosts.length === 0 && !averagedMetrics(ctx).includes(metric)) {
        throw new HttpError(400, 'metric_not_averaged', `metric '${metric}' has no average (no group has a ${metric} threshold); averaged metrics: ${averagedMetrics(ctx).join(', ')}`);
      }
      return {
        direction,
        metric,
        hosts: hosts.map((h) => ({ host: h.host, group: h.group, pps: h[direction].average.pps ?? 0, mbps: h[direction].average.mbps ?? 0, flows: h[direction].average.flows ?? null, current: h[direction].current, attackId: h[direction].attackId })),
      };
    },
  );

  app.get('/api/v1/hosts/:ip', { schema: { ...tags('hosts'), summary: "One host: last second per protocol, averages, group thresholds, attacks, mitigations", params: ipParam, querystring: z.object({ wait: z.enum(['true', 'false']).default('true').describe('Wait up to one tick for the first recorded second of a host not followed yet') }) } }, async (req) => {
    const host = requireIp(req.params.ip);
    const n = now();
    const view = ctx.detector.hostView(host);
    const last = await hostLastSecond(ctx, host, req.query.wait === 'true');
    const groupName = view?.group ?? null;
    const group = groupName ? ctx.detector.groups.byName(groupName) : undefined;
    return {
      host,
      known: view !== null,
      network: networkOf(ctx, host),
      allowListed: isAllowListed(ctx, host),
      group: groupName,
      thresholds: group ? { incoming: group.incoming, outgoing: group.outgoing } : null,
      lastSecond: last && last !== 'unknown' ? hostSecondView(last) : null,
      incoming: view ? { current: view.incoming.current, average: view.incoming.average, attackId: view.incoming.attackId } : null,
      outgoing: view ? { current: view.outgoing.current, average: view.outgoing.average, attackId: view.outgoing.attackId } : null,
      attacks: {
        active: ctx.detector.activeAttacks().filter((a) => a.host === host).map((a) => attackSummary(a, n)),
        history: ctx.mitigation.attackHistory({ host, limit: 50 }).map((r) => ({ id: r.id, direction: r.direction, type: r.type, group: r.group, startedAt: iso(r.startedMs), endedAt: iso(r.endedMs), peakPps: r.peakPps, peakMbps: r.peakMbps })),
      },
      mitigations: ctx.mitigation.forHost(host).map((m) => mitigationView(m, n)),
    };
  });

  app.get('/api/v1/hosts/:ip/history', { schema: { ...tags('hosts'), summary: 'Recorded per-second rates of a host (oldest first); following starts at the first request', params: ipParam, querystring: z.object({ seconds: z.coerce.number().int().min(1).max(HISTORY_SECONDS).default(HISTORY_SECONDS) }) } }, async (req) => {
    const host = requireIp(req.params.ip);
    return { host, seconds: hostHistory(ctx, host, req.query.seconds).map(hostSecondView) };
  });

  app.delete('/api/v1/hosts/:ip/mitigations', { schema: { ...tags('mitigations'), summary: 'Unban a host: withdraw all its blackhole and FlowSpec mitigations', params: ipParam, body: z.object({ reason: z.string().max(500).optional() }).strict().nullish() } }, async (req) => {
    const host = requireIp(req.params.ip);
    const removed = ctx.mitigation.unban(host, { user: userOf(req), reason: req.body?.reason });
    if (removed.length === 0) throw new HttpError(404, 'not_found', `host ${host} has no mitigation`);
    return { removed: removed.map((m) => mitigationView(m, now())) };
  });

  app.get(
    '/api/v1/attacks',
    {
      schema: {
        ...tags('attacks'),
        summary: 'Active attacks and history (persisted, newest first)',
        querystring: z.object({
          status: z.enum(['active', 'ended', 'all']).default('all'),
          host: z.string().max(64).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(100),
        }),
      },
    },
    async (req) => {
      const n = now();
      const host = req.query.host === undefined ? undefined : requireIp(req.query.host);
      const active = req.query.status === 'ended' ? [] : ctx.detector.activeAttacks().filter((a) => !host || a.host === host).map((a) => attackSummary(a, n));
      const ended = req.query.status === 'active' ? [] : ctx.mitigation.attackHistory({ host, limit: req.query.limit }).filter((r) => r.endedMs !== null).map(recordView);
      return { active: active.slice(0, req.query.limit), ended };
    },
  );

  app.get('/api/v1/attacks/:id', { schema: { ...tags('attacks'), summary: 'One attack with its fingerprint, mitigations and audit trail', params: idParam } }, async (req) => {
    const n = now();
    const id = req.params.id;
    const live = ctx.detector.getAttack(id);
    const record = live ? null : ctx.mitigation.attackHistory({ limit: 10_000 }).find((r) => r.id === id);
    if (!live && !record) throw new HttpError(404, 'not_found', `no attack ${id}`);
    const host = live ? live.host : record!.host;
    return {
      attack: live ? attackDetail(live, n) : { ...recordView(record!), report: record!.report },
      mitigations: ctx.mitigation.list().filter((m) => m.attackId === id).map((m) => mitigationView(m, n)),
      audit: ctx.mitigation.auditTrail({ host, limit: 1000 }).filter((e) => e.attackId === id || e.attackId === null).map(auditView),
    };
  });

  app.get('/api/v1/mitigations', { schema: { ...tags('mitigations'), summary: 'Active mitigations (dry-run decisions included, flagged)', querystring: z.object({ host: z.string().max(64).optional(), kind: z.enum(['blackhole', 'flowspec', 'escalation']).optional() }) } }, async (req) => {
    const n = now();
    let list = ctx.mitigation.list();
    if (req.query.host) {
      const host = requireIp(req.query.host);
      list = list.filter((m) => m.host === host);
    }
    if (req.query.kind) list = list.filter((m) => m.kind === req.query.kind);
    return { mitigations: list.map((m) => mitigationView(m, n)), stats: ctx.mitigation.stats() };
  });

  app.get('/api/v1/mitigations/:id', { schema: { ...tags('mitigations'), params: idParam } }, async (req) => {
    const m = ctx.mitigation.get(req.params.id);
    if (!m) throw new HttpError(404, 'not_found', `no mitigation ${req.params.id}`);
    return { mitigation: mitigationView(m, now()), audit: ctx.mitigation.auditTrail({ host: m.host, limit: 200 }).filter((e) => e.mitigationId === m.id).map(auditView) };
  });

  app.post(
    '/api/v1/mitigations/blackhole',
    {
      schema: {
        ...tags('mitigations'),
        summary: 'Manual ban: blackhole a host (RTBH) with the communities and next hop of its group',
        body: z.object({ host: z.string().min(1).max(64), duration_seconds: durationSeconds, reason: z.string().max(500).optional(), group: z.string().max(64).optional() }).strict(),
      },
    },
    async (req, reply) => {
      const host = requireIp(req.body.host);
      if (req.body.group && !ctx.detector.groups.byName(req.body.group)) throw new HttpError(400, 'invalid_group', `no host group '${req.body.group}'`);
      const r = ctx.mitigation.ban({ host, user: userOf(req), durationSeconds: req.body.duration_seconds, reason: req.body.reason, group: req.body.group });
      if (!r.ok) throw manualError(r);
      return reply.status(r.created ? 201 : 200).send({ mitigation: mitigationView(r.mitigation, now()), created: r.created });
    },
  );

  app.post(
    '/api/v1/mitigations/flowspec',
    {
      schema: {
        ...tags('mitigations'),
        summary: 'Manual FlowSpec rule (validated and safety-checked like automatic ones)',
        body: flowspecBodySchema,
      },
    },
    async (req, reply) => {
      const route = toFlowspecRoute(req.body.match, req.body.action, req.body.communities);
      const r = ctx.mitigation.addFlowspec({ route, user: userOf(req), durationSeconds: req.body.duration_seconds, reason: req.body.reason });
      if (!r.ok) throw manualError(r);
      return reply.status(r.created ? 201 : 200).send({ mitigation: mitigationView(r.mitigation, now()), created: r.created });
    },
  );

  app.delete('/api/v1/mitigations/:id', { schema: { ...tags('mitigations'), summary: 'Withdraw one mitigation', params: idParam, body: z.object({ reason: z.string().max(500).optional() }).strict().nullish() } }, async (req) => {
    const r = ctx.mitigation.withdraw(req.params.id, { user: userOf(req), reason: req.body?.reason });
    if (!r.ok) throw manualError(r);
    return { withdrawn: mitigationView(r.mitigation, now()) };
  });

  app.post('/api/v1/mitigations/:id/extend', { schema: { ...tags('mitigations'), summary: 'Set a mitigation to expire `seconds` from now (0 or null: never)', params: idParam, body: z.object({ seconds: z.number().int().min(0).max(10 * 365 * 86400).nullable(), reason: z.string().max(500).optional() }).strict() } }, async (req) => {
    const r = ctx.mitigation.extend(req.params.id, { user: userOf(req), seconds: req.body.seconds, reason: req.body.reason });
    if (!r.ok) throw manualError(r);
    return { mitigation: mitigationView(r.mitigation, now()) };
  });

  app.get('/api/v1/audit', { schema: { ...tags('mitigations'), summary: 'Audit trail of announcements, withdrawals, refusals (newest first)', querystring: z.object({ host: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(100) }) } }, async (req) => {
    const host = req.query.host === undefined ? undefined : requireIp(req.query.host);
    return { entries: ctx.mitigation.auditTrail({ host, limit: req.query.limit }).map(auditView) };
  });

  app.get('/api/v1/speakers', { schema: { ...tags('bgp'), summary: 'BGP speakers, their sessions and reconciliation state' } }, async () => ({ speakers: ctx.speakers.status() }));

  app.get('/api/v1/exporters', { schema: { ...tags('ingest'), summary: 'Exporters with statistics, templates and sampling; listeners with kernel drops' } }, async () => ({
    exporters: ctx.registry.all().map((e) => exporterView(e, ctx.templates.countFor(e.address))),
    listeners: ctx.listener.status(),
    packetCaptures: ctx.packetCapture.status(),
    totals: { datagrams: ctx.ingest.totals.datagrams, bytes: ctx.ingest.totals.bytes, samples: ctx.ingest.totals.samples, notAllowed: ctx.ingest.totals.notAllowed, internalErrors: ctx.ingest.totals.internalErrors, errors: Object.fromEntries(ctx.ingest.totals.errors) },
  }));

  app.get('/api/v1/exporters/:ip', { schema: { ...tags('ingest'), summary: 'One exporter with its templates', params: ipParam } }, async (req) => {
    const ip = requireIp(req.params.ip);
    const e = ctx.registry.get(ip);
    if (!e) throw new HttpError(404, 'not_found', `no exporter ${ip} has sent anything`);
    const templates = ctx.templates.exportTemplates().filter((t) => t.exporter === ip).map((t) => ({ protocol: t.protocol === 9 ? 'netflow_v9' : 'ipfix', domain: t.domain, templateId: t.templateId, options: t.options, fields: t.fields.length, updatedAt: iso(t.updatedMs) }));
    return { exporter: exporterView(e, templates.length), templates, interfaces: [...e.interfaces.values()] };
  });

  app.get('/api/v1/config', { schema: { ...tags('daemon'), summary: 'The effective config, secrets redacted' } }, async () => ({ config: redactConfig(ctx.config()) }));

  app.post('/api/v1/reload', { schema: { ...tags('daemon'), summary: 'Re-read the config file: networks, groups, thresholds, allow-lists (like SIGHUP)' } }, async (_req, reply) => {
    if (!ctx.reload) throw new HttpError(409, 'no_config_file', 'the daemon was started without a config file: nothing to reload');
    const r = ctx.reload();
    if (!r.ok) return reply.status(422).send({ error: { code: 'invalid_config', message: 'the new config was rejected; the running config is unchanged', problems: r.problems ?? [] } });
    return r;
  });

  app.get('/api/v1/events', { schema: { ...tags('daemon'), summary: 'Server-Sent Events: attack, mitigation and per-second totals events' } }, (req, reply) => {
    const res = reply.raw;
    let unsubscribe: (() => void) | null = null;
    const close = () => {
      unsubscribe?.();
      unsubscribe = null;
      clearInterval(ping);
      if (!res.writableEnded) res.end();
    };
    unsubscribe = ctx.events.subscribe((e) => {
      if (res.writableLength > 4 * 1024 * 1024) return close();
      res.write(`event: ${e.type}\ndata: ${e.data}\n\n`);
    });
    if (!unsubscribe) throw new HttpError(503, 'too_many_streams', 'too many event-stream clients connected');
    reply.hijack();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n: breakwater event stream\n\n`);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    req.raw.on('close', close);
  });
}

function averagedMetrics(ctx: ApiContext): string[] {
  const names = ['pps', 'mbps', 'flows', 'tcp_pps', 'tcp_mbps', 'syn_pps', 'syn_mbps', 'udp_pps', 'udp_mbps', 'icmp_pps', 'icmp_mbps', 'fragments_pps', 'fragments_mbps'];
  return [...ctx.detector.averaged].map((m) => names[m]);
}

function recordView(r: { id: string; host: string; direction: string; type: string; group: string; startedMs: number; endedMs: number | null; peakPps: number; peakMbps: number }) {
  return { id: r.id, host: r.host, direction: r.direction, type: r.type, group: r.group, status: r.endedMs === null ? 'active' : 'ended', startedAt: iso(r.startedMs), startedMs: r.startedMs, endedAt: iso(r.endedMs), endedMs: r.endedMs, peak: { pps: r.peakPps, mbps: r.peakMbps } };
}

function auditView(e: { seq?: number; atMs: number; action: string; mitigationId: string | null; kind: string | null; host: string | null; attackId: string | null; route: string | null; actor: string; reason: string; dryRun: boolean }) {
  return { ...e, at: iso(e.atMs) };
}
