/**
 * Persistence of the mitigation layer in the state database (SQLite, WAL; schema in
 * src/state/database.ts): the desired set of mitigations, written through on every change so a
 * daemon killed with SIGKILL restarts with exactly what it had decided; the audit trail of every
 * decision (announce, withdraw, refuse, update, extend, hold: who or what, why, when); and the
 * attack history. Statements are prepared once; every write is a single statement or a
 * transaction.
 */
import type { StateDb } from '../state/database.js';
import type { Attack } from '../detection/attack.js';
import type { Route } from '../bgp/route.js';

export type MitigationKind = 'blackhole' | 'flowspec' | 'escalation';
export type MitigationSource = 'detection' | 'manual';

export interface MitigationDetail {
  /** FlowSpec: index of the template tier in force (lower is stricter). */
  tier?: number;
  /** FlowSpec: the rule used fingerprint values (false: built from the attack type alone). */
  usedFingerprint?: boolean;
  /** Escalation: the blackholed hosts that crossed the emergency thresholds and still need it. */
  members?: string[];
  /** Attack direction, when from a detection. */
  direction?: 'incoming' | 'outgoing';
  /** Group of the host (for the policy applied at expiry). */
  group?: string;
}

export interface Mitigation {
  id: string;
  kind: MitigationKind;
  route: Route;
  routeKey: string;
  /** The host (address) for blackhole and FlowSpec, the covering prefix (CIDR) for escalation. */
  host: string;
  attackId: string | null;
  reason: string;
  source: MitigationSource;
  /** Who asked, for manual mitigations. */
  user: string | null;
  createdMs: number;
  updatedMs: number;
  /** null: no automatic expiry. */
  expiresMs: number | null;
  /** Decided in dry-run mode: recorded, never announced. */
  dryRun: boolean;
  detail: MitigationDetail;
}

export type AuditAction = 'announce' | 'withdraw' | 'refuse' | 'update' | 'extend' | 'hold';

export interface AuditEntry {
  seq?: number;
  atMs: number;
  action: AuditAction;
  mitigationId: string | null;
  kind: MitigationKind | null;
  host: string | null;
  attackId: string | null;
  /** Short route text (describeRoute). */
  route: string | null;
  /** 'detection', 'manual:<user>', 'expiry', 'escalation', 'startup', 'shutdown'. */
  actor: string;
  reason: string;
  dryRun: boolean;
}

export interface AttackRecord {
  id: string;
  host: string;
  direction: string;
  type: string;
  group: string;
  startedMs: number;
  endedMs: number | null;
  peakPps: number;
  peakMbps: number;
  /** The attack as reported (JSON of the Attack at its last write). */
  report: unknown;
}

/** Rows returned by one audit or history query. */
export const MAX_QUERY_ROWS = 10_000;
/** Audit rows kept at most, whatever the retention (pruned oldest first). */
export const MAX_AUDIT_ROWS = 1_000_000;

interface MitigationRow {
  id: string;
  kind: string;
  route_key: string;
  route: string;
  host: string;
  attack_id: string | null;
  reason: string;
  source: string;
  user_name: string | null;
  created_ms: number;
  updated_ms: number;
  expires_ms: number | null;
  dry_run: number;
  detail: string;
}

function fromRow(r: MitigationRow): Mitigation {
  return {
    id: r.id,
    kind: r.kind as MitigationKind,
    route: JSON.parse(r.route) as Route,
    routeKey: r.route_key,
    host: r.host,
    attackId: r.attack_id,
    reason: r.reason,
    source: r.source as MitigationSource,
    user: r.user_name,
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
    expiresMs: r.expires_ms,
    dryRun: r.dry_run !== 0,
    detail: JSON.parse(r.detail) as MitigationDetail,
  };
}

export class MitigationStore {
  private readonly upsertStmt;
  private readonly deleteStmt;
  private readonly auditStmt;
  private readonly attackStmt;

  constructor(private readonly db: StateDb) {
    this.upsertStmt = db.prepare(
      `INSERT INTO mitigations (id, kind, route_key, route, host, attack_id, reason, source, user_name, created_ms, updated_ms, expires_ms, dry_run, detail)
       VALUES (@id, @kind, @route_key, @route, @host, @attack_id, @reason, @source, @user_name, @created_ms, @updated_ms, @expires_ms, @dry_run, @detail)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, route_key = excluded.route_key, route = excluded.route, host = excluded.host,
         attack_id = excluded.attack_id, reason = excluded.reason, source = excluded.source, user_name = excluded.user_name,
         updated_ms = excluded.updated_ms, expires_ms = excluded.expires_ms, dry_run = excluded.dry_run, detail = excluded.detail`,
    );
    this.deleteStmt = db.prepare('DELETE FROM mitigations WHERE id = ?');
    this.auditStmt = db.prepare(
      `INSERT INTO mitigation_audit (at_ms, action, mitigation_id, kind, host, attack_id, route, actor, reason, dry_run)
       VALUES (@at_ms, @action, @mitigation_id, @kind, @host, @attack_id, @route, @actor, @reason, @dry_run)`,
    );
    this.attackStmt = db.prepare(
      `INSERT INTO attack_history (id, host, direction, type, group_name, started_ms, ended_ms, peak_pps, peak_mbps, report)
       VALUES (@id, @host, @direction, @type, @group_name, @started_ms, @ended_ms, @peak_pps, @peak_mbps, @report)
       ON CONFLICT (id) DO UPDATE SET type = excluded.type, ended_ms = excluded.ended_ms, peak_pps = excluded.peak_pps,
         peak_mbps = excluded.peak_mbps, report = excluded.report`,
    );
  }

  loadAll(): Mitigation[] {
    return (this.db.prepare('SELECT * FROM mitigations ORDER BY created_ms, id').all() as MitigationRow[]).map(fromRow);
  }

  save(m: Mitigation): void {
    this.upsertStmt.run({
      id: m.id,
      kind: m.kind,
      route_key: m.routeKey,
      route: JSON.stringify(m.route),
      host: m.host,
      attack_id: m.attackId,
      reason: m.reason,
      source: m.source,
      user_name: m.user,
      created_ms: m.createdMs,
      updated_ms: m.updatedMs,
      expires_ms: m.expiresMs,
      dry_run: m.dryRun ? 1 : 0,
      detail: JSON.stringify(m.detail),
    });
  }

  delete(id: string): void {
    this.deleteStmt.run(id);
  }

  audit(e: AuditEntry): void {
    this.auditStmt.run({
      at_ms: e.atMs,
      action: e.action,
      mitigation_id: e.mitigationId,
      kind: e.kind,
      host: e.host,
      attack_id: e.attackId,
      route: e.route,
      actor: e.actor,
      reason: e.reason,
      dry_run: e.dryRun ? 1 : 0,
    });
  }

  /** Newest first. */
  listAudit(opts: { limit?: number; host?: string; sinceMs?: number } = {}): AuditEntry[] {
    const limit = Math.min(Math.max(1, opts.limit ?? 100), MAX_QUERY_ROWS);
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (opts.host !== undefined) {
      where.push('host = ?');
      args.push(opts.host);
    }
    if (opts.sinceMs !== undefined) {
      where.push('at_ms >= ?');
      args.push(opts.sinceMs);
    }
    const sql = `SELECT * FROM mitigation_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`;
    const rows = this.db.prepare(sql).all(...args) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      seq: r.seq as number,
      atMs: r.at_ms as number,
      action: r.action as AuditAction,
      mitigationId: r.mitigation_id as string | null,
      kind: r.kind as MitigationKind | null,
      host: r.host as string | null,
      attackId: r.attack_id as string | null,
      route: r.route as string | null,
      actor: r.actor as string,
      reason: r.reason as string,
      dryRun: r.dry_run !== 0,
    }));
  }

  recordAttack(a: Attack): void {
    this.attackStmt.run({
      id: a.id,
      host: a.host,
      direction: a.direction,
      type: a.type,
      group_name: a.group,
      started_ms: a.startedMs,
      ended_ms: a.endedMs,
      peak_pps: a.peak.pps,
      peak_mbps: a.peak.mbps,
      report: JSON.stringify(a),
    });
  }

  /** Newest first. */
  listAttacks(opts: { limit?: number; host?: string } = {}): AttackRecord[] {
    const limit = Math.min(Math.max(1, opts.limit ?? 100), MAX_QUERY_ROWS);
    const rows = (
      opts.host !== undefined
        ? this.db.prepare(`SELECT * FROM attack_history WHERE host = ? ORDER BY started_ms DESC LIMIT ${limit}`).all(opts.host)
        : this.db.prepare(`SELECT * FROM attack_history ORDER BY started_ms DESC LIMIT ${limit}`).all()
    ) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as string,
      host: r.host as string,
      direction: r.direction as string,
      type: r.type as string,
      group: r.group_name as string,
      startedMs: r.started_ms as number,
      endedMs: r.ended_ms as number | null,
      peakPps: r.peak_pps as number,
      peakMbps: r.peak_mbps as number,
      report: JSON.parse(r.report as string) as unknown,
    }));
  }

  /** Drops audit rows and ended attacks older than `beforeMs`, and audit rows beyond MAX_AUDIT_ROWS. */
  prune(beforeMs: number, maxAuditRows = MAX_AUDIT_ROWS): { audit: number; attacks: number } {
    return this.db.transaction(() => {
      let audit = this.db.prepare('DELETE FROM mitigation_audit WHERE at_ms < ?').run(beforeMs).changes;
      audit += this.db.prepare('DELETE FROM mitigation_audit WHERE seq <= (SELECT MAX(seq) FROM mitigation_audit) - ?').run(maxAuditRows).changes;
      const attacks = this.db.prepare('DELETE FROM attack_history WHERE ended_ms IS NOT NULL AND ended_ms < ?').run(beforeMs).changes;
      return { audit, attacks };
    })();
  }
}
