/**
 * The mitigation manager: turns attacks (AttackSink) and operator commands (ban, unban, FlowSpec
 * rule, withdraw, extend — the API calls the same methods) into the DESIRED set of routes, kept
 * in SQLite so that it survives a SIGKILL. It never talks to a speaker: the daemon's reconcilers
 * read `desiredRoutes()` and converge every speaker to it when `onChange` fires, on start and
 * periodically. A route is identified by its BGP NLRI (routeKey), so nothing is ever desired
 * twice; a route leaves the set only through `remove`, which also releases the escalations that
 * no longer have a reason to exist, so nothing is left behind.
 *
 * Time comes from the injected clock and `tick(nowMs)` (called every second by the daemon):
 * ban-time expiry, FastNetMon's unban_only_if_attack_finished (here for IPv6 too) and history
 * pruning happen there.
 */
import { randomUUID } from 'node:crypto';
import { LogRateLimiter, type Logger } from '../log.js';
import type { Attack, AttackSink } from '../detection/attack.js';
import { describeRoute, normalizeRoute, routeFingerprint, routeKey, type FlowspecRoute, type Route, type UnicastRoute } from '../bgp/route.js';
import { formatAddress, formatPrefix, maskPrefix, parseAddress, parsePrefix } from '../net/ip.js';
import { actionsFor, groupPolicy, templateFor, type GroupPolicy, type MitigationConfig } from './config.js';
import { buildFlowspecRule } from './flowspec-builder.js';
import { checkRoute, REFUSAL_REASONS, type RefusalReason, type SafetyNetworks } from './safety.js';
import type { AttackRecord, AuditAction, AuditEntry, Mitigation, MitigationDetail, MitigationKind, MitigationSource, MitigationStore } from './store.js';

export type MitigationEventType = 'ban' | 'unban' | 'update';

/** What notifications (scripts, webhooks) receive. */
export interface MitigationEvent {
  type: MitigationEventType;
  atMs: number;
  /** The host address (or, for an escalation-only update, the covering prefix). */
  host: string;
  direction: 'incoming' | 'outgoing' | null;
  /** Snapshot of the attack behind it; null for manual actions. */
  attack: Attack | null;
  /** ban/update: the host's mitigations now; unban: the ones just removed. */
  mitigations: Mitigation[];
  actor: string;
  reason: string;
  dryRun: boolean;
}

export interface MitigationNotifier {
  notify(e: MitigationEvent): void;
}

export interface MitigationDeps {
  networks: SafetyNetworks;
  /** null: nothing persisted (tests, tools). */
  store: MitigationStore | null;
  logger: Logger;
  now: () => number;
  notifier?: MitigationNotifier | null;
  /** Minimum interval between 'update' events of one attack; default 10 s. */
  updateIntervalMs?: number;
  newId?: () => string;
}

export type ManualResult =
  | { ok: true; mitigation: Mitigation; created: boolean }
  | { ok: false; reason: RefusalReason | 'not_found' | 'invalid'; message: string };

export interface MitigationStats {
  active: number;
  byKind: Record<MitigationKind, number>;
  announced: number;
  withdrawn: number;
  updated: number;
  held: number;
  refused: Record<RefusalReason, number>;
}

interface Candidate {
  kind: MitigationKind;
  route: Route;
  host: string;
  attackId: string | null;
  reason: string;
  source: MitigationSource;
  user: string | null;
  expiresMs: number | null;
  detail: MitigationDetail;
}

const HOUR_MS = 3_600_000;

export class MitigationManager implements AttackSink {
  private readonly byId = new Map<string, Mitigation>();
  private readonly byKey = new Map<string, Mitigation>();
  private readonly byHost = new Map<string, Set<string>>();
  private readonly byAttack = new Map<string, Set<string>>();
  private readonly activeAttacks = new Map<string, Attack>();
  /** Refusals already audited for an active attack ("attackId|what"), so a refusal is logged once, not every second. */
  private readonly refusedOnce = new Set<string>();
  private readonly heldOnce = new Set<string>();
  private readonly lastUpdateEvent = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly policies = new Map<string, GroupPolicy>();
  private changed = false;
  private started = false;
  /** Mitigations removed during the current operation, by host: the unban event lists them all. */
  private readonly removedInOp = new Map<string, Mitigation[]>();
  /** The attack being ended, for the unban event of the mitigations it releases. */
  private ending: Attack | null = null;
  private shuttingDown = false;
  private lastPruneMs = 0;
  private readonly counters = { announced: 0, withdrawn: 0, updated: 0, held: 0 };
  private readonly refusals = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;
  private store: MitigationStore | null;
  private readonly newId: () => string;
  private readonly updateIntervalMs: number;

  constructor(
    /** Replaced by a config reload (reconfigure). */
    public config: MitigationConfig,
    private deps: MitigationDeps,
  ) {
    this.store = deps.store;
    this.newId = deps.newId ?? randomUUID;
    this.updateIntervalMs = deps.updateIntervalMs ?? 10_000;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Loads the desired set from the store (`store`, when given, replaces the one given to the
   * constructor). Mitigations whose expiry passed while the daemon was down are removed (and so
   * withdrawn by the reconcilers, which no longer find them desired); so are escalations whose
   * hosts are no longer blackholed, and whatever the current config no longer allows.
   */
  start(store?: MitigationStore | null): { restored: number; expired: number; refused: number } {
    if (this.started) return { restored: this.byId.size, expired: 0, refused: 0 };
    this.started = true;
    // The daemon opens the state database in its start(), after building the components.
    if (store !== undefined) this.store = store;
    const now = this.deps.now();
    let expired = 0;
    const rows = this.store?.loadAll() ?? [];
    for (const m of rows) this.index(m);
    let refused = 0;
    for (const m of rows) {
      if (m.expiresMs !== null && m.expiresMs <= now) {
        this.remove(m, 'startup', 'expired while the daemon was stopped');
        expired++;
        continue;
      }
      // The config may have changed while stopped (allow-list, networks, minimum length): what
      // is no longer safe is withdrawn rather than restored.
      const refusal = checkRoute(m.route, this.deps.networks, { minPrefixLength: this.config.safety.min_prefix_length });
      if (refusal) {
        this.refusals[refusal.reason]++;
        this.remove(m, 'startup', `${refusal.reason}: ${refusal.message} (no longer allowed by the current config)`);
        refused++;
      }
    }
    for (const m of [...this.byId.values()]) if (m.kind === 'escalation') this.pruneEscalation(m, 'startup');
    this.flush();
    const restored = this.byId.size;
    if (restored > this.config.safety.max_active) {
      this.deps.logger.warn({ restored, max: this.config.safety.max_active }, 'more mitigations restored than safety.max_active: kept, new ones are refused until below the cap');
    }
    this.deps.logger.info({ restored, expired, refused }, 'mitigations restored from the state database');
    return { restored, expired, refused };
  }

  /**
   * Called when the daemon stops. With withdraw_on_shutdown the desired set becomes empty (the
   * store keeps every mitigation, restored at the next start): the caller then lets the
   * reconcilers converge before stopping the speakers. Returns whether a withdraw is wanted.
   */
  shutdown(): boolean {
    if (!this.config.withdraw_on_shutdown) return false;
    this.shuttingDown = true;
    for (const m of this.byId.values()) {
      if (!m.dryRun) this.audit('withdraw', m, 'shutdown', 'withdraw_on_shutdown (kept in the store, restored at start)');
    }
    this.changed = true;
    this.flush();
    return true;
  }

  /**
   * Applies a new mitigation config and new safety networks (config reload). What is decided
   * from now on follows them: policies per group, actions, ban times, escalation, safety limits,
   * dry_run for new mitigations. Active mitigations are kept as they are, not re-evaluated (a
   * newly allow-listed host stays mitigated until its ban ends or an operator withdraws it; the
   * next restart re-checks every restored mitigation against the config).
   */
  reconfigure(config: MitigationConfig, networks: SafetyNetworks): void {
    this.config = config;
    this.policies.clear();
    this.deps = { ...this.deps, networks };
  }

  /** Routes every speaker should hold: empty in dry-run and after a withdrawing shutdown. */
  desiredRoutes(): Route[] {
    if (this.shuttingDown) return [];
    const out: Route[] = [];
    for (const m of this.byId.values()) if (!m.dryRun) out.push(m.route);
    return out;
  }

  /** Called (synchronously, once per operation) when the desired set changed. Returns an unsubscribe function. */
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  list(): Mitigation[] {
    return [...this.byId.values()].map((m) => structuredClone(m));
  }

  get(id: string): Mitigation | null {
    const m = this.byId.get(id);
    return m ? structuredClone(m) : null;
  }

  /** Mitigations of one host (address text in any form). */
  forHost(host: string): Mitigation[] {
    const h = canonicalHost(host) ?? host;
    return [...(this.byHost.get(h) ?? [])].map((id) => structuredClone(this.byId.get(id)!));
  }

  /** The audit trail, newest first (empty without a store). */
  auditTrail(opts: { limit?: number; host?: string; sinceMs?: number } = {}): AuditEntry[] {
    return this.store?.listAudit(opts) ?? [];
  }

  /** Attack history, newest first (empty without a store). */
  attackHistory(opts: { limit?: number; host?: string } = {}): AttackRecord[] {
    return this.store?.listAttacks(opts) ?? [];
  }

  stats(): MitigationStats {
    const byKind: Record<MitigationKind, number> = { blackhole: 0, flowspec: 0, escalation: 0 };
    for (const m of this.byId.values()) byKind[m.kind]++;
    return { active: this.byId.size, byKind, ...this.counters, refused: { ...this.refusals } };
  }

  // ---------------------------------------------------------------- detection (AttackSink)

  attackStarted(a: Attack): void {
    this.safely('attackStarted', a, () => {
      this.activeAttacks.set(a.id, a);
      this.store?.recordAttack(a);
      if (!this.config.enabled) return;
      const policy = this.policy(a.group);
      const now = this.deps.now();
      const expiresMs = policy.banTimeSeconds > 0 ? now + policy.banTimeSeconds * 1000 : null;
      const detail: MitigationDetail = { direction: a.direction, group: a.group };
      const why = `${a.type} ${a.direction}: ${a.trigger.metric} ${round(a.trigger.value)} > ${a.trigger.threshold}`;
      const hadAny = this.byHost.has(a.host);
      for (const action of actionsFor(policy, a.type)) {
        if (action === 'blackhole') {
          this.place(
            { kind: 'blackhole', route: this.blackholeRoute(a.host, policy), host: a.host, attackId: a.id, reason: why, source: 'detection', user: null, expiresMs, detail: { ...detail } },
            'detection',
            `${a.id}|blackhole`,
          );
        } else {
          this.placeFlowspec(a, policy, expiresMs, why);
        }
      }
      this.checkEscalation(a, policy);
      if (!hadAny && this.byHost.has(a.host)) this.emit('ban', a.host, a, 'detection', why);
      else if (hadAny) {
        this.lastUpdateEvent.set(a.id, now);
        this.emit('update', a.host, a, 'detection', `new attack on an already mitigated host: ${why}`);
      }
    });
  }

  attackUpdated(a: Attack): void {
    this.safely('attackUpdated', a, () => {
      this.activeAttacks.set(a.id, a);
      if (!this.config.enabled) return;
      const policy = this.policy(a.group);
      this.refineFlowspec(a, policy);
      this.checkEscalation(a, policy);
      const ids = this.byAttack.get(a.id);
      if (ids && ids.size > 0) {
        const now = this.deps.now();
        const last = this.lastUpdateEvent.get(a.id) ?? 0;
        if (now - last >= this.updateIntervalMs) {
          this.lastUpdateEvent.set(a.id, now);
          this.emit('update', a.host, a, 'detection', 'attack update');
        }
      }
    });
  }

  attackEnded(a: Attack): void {
    this.safely('attackEnded', a, () => {
      this.activeAttacks.delete(a.id);
      this.lastUpdateEvent.delete(a.id);
      for (const k of this.refusedOnce) if (k.startsWith(`${a.id}|`)) this.refusedOnce.delete(k);
      this.store?.recordAttack(a);
      // Mitigations held past their ban time for this attack go now rather than at the next tick.
      this.ending = a;
      try {
        this.expire(this.deps.now());
      } finally {
        this.ending = null;
      }
    });
  }

  // ---------------------------------------------------------------- time

  /** Called every second by the daemon: expiry, holds, hourly pruning of history. */
  tick(nowMs: number): void {
    try {
      this.expire(nowMs);
      if (this.store && nowMs - this.lastPruneMs >= HOUR_MS) {
        this.lastPruneMs = nowMs;
        this.store.prune(nowMs - this.config.history_retention_days * 86_400_000);
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'mitigation tick failed');
    }
    this.flush();
  }

  // ---------------------------------------------------------------- manual operations

  /**
   * Blackholes a host. durationSeconds: undefined → the ban time of the policy; 0 or null → no
   * automatic expiry. `group` selects the group's blackhole communities and next hop.
   */
  ban(req: { host: string; user: string; durationSeconds?: number | null; reason?: string; group?: string }): ManualResult {
    const host = canonicalHost(req.host);
    if (!host) return { ok: false, reason: 'invalid', message: `'${req.host}' is not an IP address` };
    const policy = this.policy(req.group ?? 'global');
    const hadAny = this.byHost.has(host);
    const reason = req.reason ?? 'manual ban';
    const r = this.place(
      {
        kind: 'blackhole',
        route: this.blackholeRoute(host, policy),
        host,
        attackId: null,
        reason,
        source: 'manual',
        user: req.user,
        expiresMs: this.expiryOf(req.durationSeconds, policy),
        detail: req.group ? { group: req.group } : {},
      },
      `manual:${req.user}`,
      null,
    );
    if (r.ok && !hadAny) this.emit('ban', host, null, `manual:${req.user}`, reason);
    this.flush();
    return r;
  }

  /** Adds an operator's FlowSpec rule (validated and checked like any other). */
  addFlowspec(req: { route: FlowspecRoute; user: string; durationSeconds?: number | null; reason?: string }): ManualResult {
    if (!req.route || req.route.kind !== 'flowspec') return { ok: false, reason: 'invalid', message: "route.kind must be 'flowspec'" };
    const dest = typeof req.route.match?.destination === 'string' ? parsePrefix(req.route.match.destination) : { error: 'match.destination is required' };
    if ('error' in dest) return { ok: false, reason: 'invalid', message: dest.error };
    const full = dest.version === 4 ? 32 : 128;
    const host = dest.length === full ? formatAddress(dest.bytes, dest.version) : formatPrefix(dest);
    const hadAny = this.byHost.has(host);
    const reason = req.reason ?? 'manual flowspec rule';
    const r = this.place(
      {
        kind: 'flowspec',
        route: req.route,
        host,
        attackId: null,
        reason,
        source: 'manual',
        user: req.user,
        expiresMs: this.expiryOf(req.durationSeconds, this.policy('global')),
        detail: {},
      },
      `manual:${req.user}`,
      null,
    );
    if (r.ok && !hadAny) this.emit('ban', host, null, `manual:${req.user}`, reason);
    this.flush();
    return r;
  }

  /** Removes every mitigation of a host (blackhole and FlowSpec); escalations follow. Returns what was removed. */
  unban(host: string, req: { user: string; reason?: string }): Mitigation[] {
    const h = canonicalHost(host) ?? host;
    const ids = [...(this.byHost.get(h) ?? [])];
    const removed = ids.map((id) => this.byId.get(id)!).filter((m) => m.kind !== 'escalation');
    for (const m of removed) this.remove(m, `manual:${req.user}`, req.reason ?? 'manual unban');
    this.flush();
    return removed.map((m) => structuredClone(m));
  }

  /** Removes one mitigation by id. */
  withdraw(id: string, req: { user: string; reason?: string }): ManualResult {
    const m = this.byId.get(id);
    if (!m) return { ok: false, reason: 'not_found', message: `no mitigation ${id}` };
    this.remove(m, `manual:${req.user}`, req.reason ?? 'manual withdraw');
    this.flush();
    return { ok: true, mitigation: structuredClone(m), created: false };
  }

  /** Sets a mitigation's expiry to now + seconds (null or 0: no automatic expiry). */
  extend(id: string, req: { user: string; seconds: number | null; reason?: string }): ManualResult {
    const m = this.byId.get(id);
    if (!m) return { ok: false, reason: 'not_found', message: `no mitigation ${id}` };
    if (req.seconds !== null && (!Number.isFinite(req.seconds) || req.seconds < 0)) return { ok: false, reason: 'invalid', message: 'seconds must be >= 0 or null' };
    const now = this.deps.now();
    m.expiresMs = req.seconds ? now + req.seconds * 1000 : null;
    m.updatedMs = now;
    this.heldOnce.delete(m.id);
    this.store?.save(m);
    this.audit('extend', m, `manual:${req.user}`, req.reason ?? (m.expiresMs === null ? 'no expiry' : `expires ${new Date(m.expiresMs).toISOString()}`));
    return { ok: true, mitigation: structuredClone(m), created: false };
  }

  // ---------------------------------------------------------------- internals

  private policy(group: string): GroupPolicy {
    let p = this.policies.get(group);
    if (!p) {
      p = groupPolicy(this.config, group);
      this.policies.set(group, p);
    }
    return p;
  }

  private expiryOf(seconds: number | null | undefined, policy: GroupPolicy): number | null {
    const s = seconds === undefined ? policy.banTimeSeconds : seconds;
    return s ? this.deps.now() + s * 1000 : null;
  }

  private blackholeRoute(host: string, policy: GroupPolicy): UnicastRoute {
    const v = host.includes(':') ? 6 : 4;
    const b = policy.blackhole;
    const r: UnicastRoute = {
      kind: 'unicast',
      prefix: `${host}/${v === 4 ? 32 : 128}`,
      nextHop: v === 4 ? b.next_hop.ipv4 : b.next_hop.ipv6,
      communities: [...b.communities],
    };
    if (b.large_communities.length > 0) r.largeCommunities = [...b.large_communities];
    if (b.local_pref !== undefined) r.localPref = b.local_pref;
    return r;
  }

  private placeFlowspec(a: Attack, policy: GroupPolicy, expiresMs: number | null, why: string): void {
    const template = templateFor(policy, a.type);
    if (!template) return;
    const built = buildFlowspecRule(a, template, this.config.flowspec.min_confidence);
    if ('error' in built) {
      const reason = built.error as RefusalReason;
      this.refuse(reason, reasonText(reason), { host: a.host, attackId: a.id, route: null, kind: 'flowspec' }, 'detection', `${a.id}|flowspec`);
      return;
    }
    this.place(
      {
        kind: 'flowspec',
        route: built.route,
        host: a.host,
        attackId: a.id,
        reason: `${why}; tier ${built.tier}${built.usedFingerprint ? '' : ' (no confident fingerprint: type only)'}`,
        source: 'detection',
        user: null,
        expiresMs,
        detail: { direction: a.direction, group: a.group, tier: built.tier, usedFingerprint: built.usedFingerprint },
      },
      'detection',
      `${a.id}|flowspec`,
    );
  }

  /**
   * On attack updates: a stricter tier (the attack grew) replaces the action in place (same NLRI,
   * BGP replaces it); a rule built from the type alone is replaced by a precise one once a
   * confident fingerprint exists. Never relaxed during an attack, so the action does not flap.
   */
  private refineFlowspec(a: Attack, policy: GroupPolicy): void {
    const ids = this.byAttack.get(a.id);
    if (!ids) return;
    for (const id of [...ids]) {
      const m = this.byId.get(id);
      if (!m || m.kind !== 'flowspec' || m.source !== 'detection') continue;
      const template = templateFor(policy, a.type);
      if (!template) continue;
      const built = buildFlowspecRule(a, template, this.config.flowspec.min_confidence);
      if ('error' in built) continue;
      const sameKey = routeKey(built.route) === m.routeKey;
      const oldTier = m.detail.tier ?? Infinity;
      if (sameKey) {
        if (built.tier < oldTier) {
          m.route = normalizeRoute(built.route);
          m.detail = { ...m.detail, tier: built.tier };
          m.updatedMs = this.deps.now();
          this.store?.save(m);
          this.counters.updated++;
          this.changed = true;
          this.audit('update', m, 'detection', `tier ${oldTier} → ${built.tier}: peak ${round(a.peak.mbps)} Mbit/s, ${round(a.peak.pps)} pps`);
        }
      } else if (!m.detail.usedFingerprint && built.usedFingerprint) {
        const tier = Math.min(built.tier, oldTier);
        const route = tier === built.tier ? built.route : { ...built.route, action: m.route.kind === 'flowspec' ? m.route.action : built.route.action };
        const r = this.place(
          { ...m, route, detail: { ...m.detail, tier, usedFingerprint: true }, reason: `${m.reason.split('; tier')[0]}; tier ${tier} (refined from fingerprint)` },
          'detection',
          `${a.id}|flowspec-refine`,
        );
        if (r.ok && r.created) this.remove(m, 'detection', 'replaced by a rule refined from the fingerprint');
      }
    }
  }

  private checkEscalation(a: Attack, policy: GroupPolicy): void {
    const esc = policy.escalation;
    if (!esc.enabled) return;
    const bh = this.findHostMitigation(a.host, 'blackhole');
    if (!bh) return;
    const t = esc.thresholds[a.direction];
    const mbps = a.current.mbps ?? 0;
    const pps = a.current.pps ?? 0;
    const over = (t.mbps !== false && mbps > t.mbps) || (t.pps !== false && pps > t.pps);
    if (!over) return;
    const addr = parseAddress(a.host);
    if (!addr) return;
    const len = addr.version === 4 ? esc.prefix_length.ipv4 : esc.prefix_length.ipv6;
    const prefix = formatPrefix(maskPrefix({ version: addr.version, bytes: addr.bytes, length: len }));
    const route: UnicastRoute = {
      kind: 'unicast',
      prefix,
      nextHop: addr.version === 4 ? esc.next_hop.ipv4 : esc.next_hop.ipv6,
      communities: [...esc.communities],
    };
    const existing = this.byKey.get(routeKey(route));
    if (existing && existing.kind === 'escalation') {
      const members = existing.detail.members ?? [];
      if (members.includes(a.host)) return;
      existing.detail = { ...existing.detail, members: [...members, a.host] };
      existing.updatedMs = this.deps.now();
      this.store?.save(existing);
      this.audit('update', existing, 'escalation', `${a.host} also above the emergency thresholds (${round(mbps)} Mbit/s, ${round(pps)} pps)`);
      return;
    }
    const why = `${a.host} blackholed and still at ${round(mbps)} Mbit/s, ${round(pps)} pps ${a.direction}, above the emergency thresholds`;
    const r = this.place(
      { kind: 'escalation', route, host: prefix, attackId: a.id, reason: why, source: 'detection', user: null, expiresMs: null, detail: { members: [a.host], group: a.group, direction: a.direction } },
      'escalation',
      `${a.id}|escalation`,
    );
    if (r.ok && r.created) this.emit('update', a.host, a, 'escalation', `escalated to ${prefix}`);
  }

  private findHostMitigation(host: string, kind: MitigationKind): Mitigation | null {
    for (const id of this.byHost.get(host) ?? []) {
      const m = this.byId.get(id)!;
      if (m.kind === kind) return m;
    }
    return null;
  }

  /** An escalation stays while at least one member host is still blackholed. */
  private pruneEscalation(esc: Mitigation, actor: string): void {
    const members = (esc.detail.members ?? []).filter((h) => this.findHostMitigation(h, 'blackhole') !== null);
    if (members.length === 0) {
      this.remove(esc, actor, 'no host inside the prefix is blackholed any more');
    } else if (members.length !== (esc.detail.members ?? []).length) {
      esc.detail = { ...esc.detail, members };
      esc.updatedMs = this.deps.now();
      this.store?.save(esc);
    }
  }

  /**
   * Puts a candidate into the desired set after the safety checks. The same NLRI already
   * desired is not added again: its expiry is extended (never shortened) and, when the new
   * attributes differ, they replace the old ones.
   */
  private place(c: Candidate, actor: string, refuseKey: string | null): ManualResult {
    let route: Route;
    const refusal = checkRoute(c.route, this.deps.networks, { minPrefixLength: this.config.safety.min_prefix_length });
    if (refusal) {
      this.refuse(refusal.reason, refusal.message, { host: c.host, attackId: c.attackId, route: describeRoute(c.route), kind: c.kind }, actor, refuseKey);
      return { ok: false, ...refusal };
    }
    try {
      route = normalizeRoute(c.route);
    } catch (e) {
      this.refuse('invalid_route', (e as Error).message, { host: c.host, attackId: c.attackId, route: null, kind: c.kind }, actor, refuseKey);
      return { ok: false, reason: 'invalid_route', message: (e as Error).message };
    }
    const key = routeKey(route);
    const now = this.deps.now();
    const existing = this.byKey.get(key);
    if (existing) {
      let what = '';
      const later = existing.expiresMs === null || c.expiresMs === null ? null : Math.max(existing.expiresMs, c.expiresMs);
      if (later !== existing.expiresMs) {
        existing.expiresMs = later;
        what = later === null ? 'no expiry' : `expires ${new Date(later).toISOString()}`;
      }
      if (routeFingerprint(route) !== routeFingerprint(existing.route)) {
        existing.route = route;
        what += `${what ? '; ' : ''}attributes replaced`;
        this.changed = true;
        this.counters.updated++;
      }
      if (c.attackId && c.attackId !== existing.attackId && existing.source === 'detection') {
        this.unlinkAttack(existing);
        existing.attackId = c.attackId;
        this.linkAttack(existing);
      }
      if (what) {
        existing.updatedMs = now;
        this.heldOnce.delete(existing.id);
        this.store?.save(existing);
        this.audit(what.includes('attributes') ? 'update' : 'extend', existing, actor, `${c.reason} (${what})`);
      }
      return { ok: true, mitigation: structuredClone(existing), created: false };
    }
    if (this.byId.size >= this.config.safety.max_active) {
      const message = `${this.byId.size} active mitigations, the cap (mitigation.safety.max_active) is ${this.config.safety.max_active}`;
      this.refuse('cap_reached', message, { host: c.host, attackId: c.attackId, route: describeRoute(route), kind: c.kind }, actor, refuseKey);
      return { ok: false, reason: 'cap_reached', message };
    }
    const m: Mitigation = {
      id: this.newId(),
      kind: c.kind,
      route,
      routeKey: key,
      host: c.host,
      attackId: c.attackId,
      reason: c.reason,
      source: c.source,
      user: c.user,
      createdMs: now,
      updatedMs: now,
      expiresMs: c.expiresMs,
      dryRun: this.config.dry_run,
      detail: c.detail,
    };
    this.index(m);
    this.store?.save(m);
    this.counters.announced++;
    this.changed = true;
    this.audit('announce', m, actor, c.reason);
    this.deps.logger.warn({ id: m.id, kind: m.kind, host: m.host, route: describeRoute(route), attackId: m.attackId, actor, dryRun: m.dryRun }, m.dryRun ? 'mitigation decided (dry-run: not announced)' : 'mitigation added');
    return { ok: true, mitigation: structuredClone(m), created: true };
  }

  private remove(m: Mitigation, actor: string, reason: string): void {
    if (!this.byId.has(m.id)) return;
    this.byId.delete(m.id);
    if (this.byKey.get(m.routeKey) === m) this.byKey.delete(m.routeKey);
    const hs = this.byHost.get(m.host);
    hs?.delete(m.id);
    if (hs && hs.size === 0) this.byHost.delete(m.host);
    this.unlinkAttack(m);
    this.heldOnce.delete(m.id);
    this.store?.delete(m.id);
    this.counters.withdrawn++;
    this.changed = true;
    this.audit('withdraw', m, actor, reason);
    this.deps.logger.warn({ id: m.id, kind: m.kind, host: m.host, route: describeRoute(m.route), actor, reason }, 'mitigation removed');
    if (m.kind === 'blackhole') {
      for (const e of [...this.byId.values()]) if (e.kind === 'escalation' && (e.detail.members ?? []).includes(m.host)) this.pruneEscalation(e, 'escalation');
    }
    if (m.kind !== 'escalation') {
      const gone = this.removedInOp.get(m.host) ?? [];
      gone.push(m);
      this.removedInOp.set(m.host, gone);
      if (!this.byHost.has(m.host)) {
        this.removedInOp.delete(m.host);
        const attack = m.attackId ? (this.activeAttacks.get(m.attackId) ?? (this.ending?.id === m.attackId ? this.ending : null)) : null;
        this.emit('unban', m.host, attack, actor, reason, gone);
      }
    }
  }

  private expire(nowMs: number): void {
    for (const m of [...this.byId.values()]) {
      if (m.expiresMs === null || m.expiresMs > nowMs || !this.byId.has(m.id)) continue;
      if (m.source === 'detection' && m.attackId && this.activeAttacks.has(m.attackId)) {
        const policy = this.policy(m.detail.group ?? 'global');
        if (policy.unbanOnlyIfAttackFinished) {
          if (!this.heldOnce.has(m.id)) {
            this.heldOnce.add(m.id);
            this.counters.held++;
            this.audit('hold', m, 'expiry', 'ban time elapsed but the attack is still active (unban_only_if_attack_finished)');
          }
          continue;
        }
      }
      this.remove(m, 'expiry', this.heldOnce.has(m.id) ? 'attack ended after the ban time' : 'ban time elapsed');
    }
  }

  private index(m: Mitigation): void {
    this.byId.set(m.id, m);
    this.byKey.set(m.routeKey, m);
    let hs = this.byHost.get(m.host);
    if (!hs) this.byHost.set(m.host, (hs = new Set()));
    hs.add(m.id);
    this.linkAttack(m);
  }

  private linkAttack(m: Mitigation): void {
    if (!m.attackId) return;
    let s = this.byAttack.get(m.attackId);
    if (!s) this.byAttack.set(m.attackId, (s = new Set()));
    s.add(m.id);
  }

  private unlinkAttack(m: Mitigation): void {
    if (!m.attackId) return;
    const s = this.byAttack.get(m.attackId);
    s?.delete(m.id);
    if (s && s.size === 0) this.byAttack.delete(m.attackId);
  }

  private refuse(
    reason: RefusalReason,
    message: string,
    what: { host: string; attackId: string | null; route: string | null; kind: MitigationKind },
    actor: string,
    onceKey: string | null,
  ): void {
    const key = onceKey ? `${onceKey}|${reason}` : null;
    if (key && this.refusedOnce.has(key)) return;
    if (key) this.refusedOnce.add(key);
    this.refusals[reason]++;
    this.store?.audit({
      atMs: this.deps.now(),
      action: 'refuse',
      mitigationId: null,
      kind: what.kind,
      host: what.host,
      attackId: what.attackId,
      route: what.route,
      actor,
      reason: `${reason}: ${message}`,
      dryRun: this.config.dry_run,
    });
    // Every refusal is counted and audited; the log is rate-limited per reason, because a
    // carpet-bombing attack past the cap would otherwise write thousands of lines in one tick.
    const suppressed = this.refusalLog.allow(reason, this.deps.now());
    if (suppressed >= 0) {
      this.deps.logger.warn({ reason, host: what.host, route: what.route, attackId: what.attackId, actor, ...(suppressed > 0 ? { suppressed } : {}) }, `mitigation refused: ${message}`);
    }
  }

  /** At most one refusal log line per reason every 10 s (the rest are counted in `suppressed`). */
  private readonly refusalLog = new LogRateLimiter(10_000, 64);

  private audit(action: AuditAction, m: Mitigation, actor: string, reason: string): void {
    this.store?.audit({
      atMs: this.deps.now(),
      action,
      mitigationId: m.id,
      kind: m.kind,
      host: m.host,
      attackId: m.attackId,
      route: describeRoute(m.route),
      actor,
      reason,
      dryRun: m.dryRun,
    });
  }

  private emit(type: MitigationEvent['type'], host: string, attack: Attack | null, actor: string, reason: string, removed?: Mitigation[]): void {
    const n = this.deps.notifier;
    if (!n) return;
    const mitigations = removed ?? [...(this.byHost.get(host) ?? [])].map((id) => this.byId.get(id)!);
    const e: MitigationEvent = {
      type,
      atMs: this.deps.now(),
      host,
      direction: attack?.direction ?? null,
      attack: attack ? structuredClone(attack) : null,
      mitigations: mitigations.map((m) => structuredClone(m)),
      actor,
      reason,
      dryRun: this.config.dry_run,
    };
    try {
      n.notify(e);
    } catch (err) {
      this.deps.logger.error({ err, type, host }, 'mitigation notifier failed');
    }
  }

  /** Runs an AttackSink callback; a failure is logged, never thrown into the detector's tick. */
  private safely(what: string, a: Attack, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.logger.error({ err, attackId: a.id, host: a.host }, `mitigation ${what} failed`);
    }
    this.flush();
  }

  private flush(): void {
    this.removedInOp.clear();
    if (!this.changed) return;
    this.changed = false;
    for (const cb of this.listeners) {
      try {
        cb();
      } catch (err) {
        this.deps.logger.error({ err }, 'mitigation change listener failed');
      }
    }
  }
}

function canonicalHost(text: string): string | null {
  const a = parseAddress(text);
  return a ? formatAddress(a.bytes, a.version) : null;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function reasonText(r: RefusalReason): string {
  switch (r) {
    case 'flowspec_outgoing':
      return 'no FlowSpec rule for an outgoing attack: the rule destination would not be the attacked host';
    case 'no_tier':
      return 'no FlowSpec tier applies to this attack power';
    case 'redirect_ipv6':
      return 'redirect is not supported for IPv6 FlowSpec';
    default:
      return r;
  }
}
