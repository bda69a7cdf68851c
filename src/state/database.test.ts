import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStateDb } from './database.js';

test('the state database is created with WAL and migrated; reopening keeps the data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-db-'));
  try {
    const path = join(dir, 'sub', 'state.db');
    const db = openStateDb(path);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.prepare('INSERT INTO flow_sampling VALUES (?, ?, ?, ?)').run('192.0.2.1', -1, 100, 1);
    db.close();
    const again = openStateDb(path);
    assert.equal((again.prepare('SELECT rate FROM flow_sampling').get() as { rate: number }).rate, 100);
    again.pragma('user_version = 99');
    again.close();
    assert.throws(() => openStateDb(path), /newer than this Breakwater/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
