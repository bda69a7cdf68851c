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
