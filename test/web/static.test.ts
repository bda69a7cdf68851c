/**
 * Serving the dashboard's files (src/api/static.ts) on a bare fastify instance: redirects to /ui/,
 * the files with their security and cache headers, and the 404 page that says how to build the
 * dashboard when it was not built.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { DASHBOARD_CSP, registerDashboard } from '../../src/api/static.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bw-dashboard-'));
}

test('dashboard files: redirects, index.html without caching, hashed assets cached, CSP on every file', async () => {
  const dir = tempDir();
  const app = Fastify();
  try {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Breakwater</title><script type="module" src="./assets/index-AbCdEf12.js"></script>');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), 'console.log(1)');
    writeFileSync(join(dir, '.secret'), 'no');
    await registerDashboard(app, { dir });
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers.location, 'ui/', 'relative: works behind a proxy that adds a prefix');
    const bare = await app.inject({ method: 'GET', url: '/ui' });
    assert.equal(bare.statusCode, 302);
    assert.equal(bare.headers.location, 'ui/');
    const index = await app.inject({ method: 'GET', url: '/ui/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.headers['content-type'] as string, /text\/html/);
    assert.match(index.body, /<title>Breakwater<\/title>/);
    assert.equal(index.headers['content-security-policy'], DASHBOARD_CSP);
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    const asset = await app.inject({ method: 'GET', url: '/ui/assets/index-AbCdEf12.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(asset.headers['content-type'] as string, /javascript/);
    assert.match(asset.headers['cache-control'] as string, /immutable/);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/assets/nothing.js' })).statusCode, 404);
    assert.notEqual((await app.inject({ method: 'GET', url: '/ui/.secret' })).statusCode, 200, 'dotfiles are not served');
    assert.equal((await app.inject({ method: 'GET', url: '/ui/../package.json' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/ui/%2e%2e/%2e%2e/etc/passwd' })).statusCode, 404);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dashboard not built: /ui/ answers 404 with a page saying to run npm run build; / still redirects', async () => {
  const dir = tempDir();
  const app = Fastify();
  try {
    await registerDashboard(app, { dir });
    const r = await app.inject({ method: 'GET', url: '/ui/' });
    assert.equal(r.statusCode, 404);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /dashboard not built: run npm run build/);
    assert.ok(r.body.includes(dir), 'names the directory it looked in');
    assert.equal((await app.inject({ method: 'GET', url: '/ui/assets/x.js' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 302);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
