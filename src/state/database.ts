/**
 * The state database: one SQLite file (WAL mode) for everything that must survive a restart —
 * NetFlow/IPFIX templates and learned sampling rates now, desired mitigations later. Schema
 * changes are numbered migrations applied in order at open, recorded in `user_version`.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type StateDb = Database.Database;

/** Migration N brings the schema from version N to N+1. Append only; never edit a shipped one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE flow_templates (
     exporter TEXT NOT NULL,
     protocol INTEGER NOT NULL,
     domain INTEGER NOT NULL,
     template_id INTEGER NOT NULL,
     definition TEXT NOT NULL,
     updated_ms INTEGER NOT NULL,
     PRIMARY KEY (exporter, protocol, domain, template_id)
   );
   CREATE TABLE flow_sampling (
     exporter TEXT NOT NULL,
     sampler_id INTEGER NOT NULL,
     rate INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL,
     PRIMARY KEY (exporter, sampler_id)
   );`,
  // Mitigation layer (src/mitigation/store.ts): the desired set, its audit trail, attack history.
  `CREATE TABLE mitigations (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     route_key TEXT NOT NULL UNIQUE,
     route TEXT NOT NULL,
     host TEXT NOT NULL,
     attack_id TEXT,
     reason TEXT NOT NULL,
     source TEXT NOT NULL,
     user_name TEXT,
     created_ms INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL,
     expires_ms INTEGER,
     dry_run INTEGER NOT NULL DEFAULT 0,
     detail TEXT NOT NULL DEFAULT '{}'
   );
   CREATE TABLE mitigation_audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at_ms INTEGER NOT NULL,
     action TEXT NOT NULL,
     mitigation_id TEXT,
     kind TEXT,
     host TEXT,
     attack_id TEXT,
     route TEXT,
     actor TEXT NOT NULL,
     reason TEXT NOT NULL,
     dry_run INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX mitigation_audit_at ON mitigation_audit (at_ms);
   CREATE INDEX mitigation_audit_host ON mitigation_audit (host);
   CREATE TABLE attack_history (
     id TEXT PRIMARY KEY,
     host TEXT NOT NULL,
     direction TEXT NOT NULL,
     type TEXT NOT NULL,
     group_name TEXT NOT NULL,
     started_ms INTEGER NOT NULL,
     ended_ms INTEGER,
     peak_pps REAL NOT NULL,
     peak_mbps REAL NOT NULL,
     report TEXT NOT NULL
   );
   CREATE INDEX attack_history_started ON attack_history (started_ms);`,
];

export function openStateDb(path: string): StateDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: StateDb;
  try {
    db = new Database(path);
  } catch (e) {
    throw new Error(`cannot open state database ${path}: ${(e as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last
  // transactions), which is the failure the state exists for.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new Error(`state database ${path} has schema version ${version}, newer than this Breakwater (${MIGRATIONS.length}): refusing to touch it`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
