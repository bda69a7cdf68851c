/**
 * The API over TLS (api.tls) with a self-signed certificate made by openssl, and the clear errors
 * for an API config that must not start: an unreadable certificate, no credentials on a
 * non-loopback address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { ApiConfigError } from '../../src/api/server.js';

function config(dir: string, api: string) {
  return parseConfig(`
state: { path: ${join(dir, 'state.db')} }
collectors: { listeners: [] }
api: ${api}
`);
}

function get(port: number, path: string, auth?: string): Promise<{ status: number; body: string; cert: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, headers: auth ? { authorization: auth } : {} }, (res) => {
      let body = '';
      const sock = res.socket as unknown as { getPeerCertificate(): { subject?: { CN?: string } } };
      const cert = sock.getPeerCertificate().subject?.CN ?? '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the API serves HTTPS with the configured certificate; Basic auth works over it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
  try {
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=breakwater-test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      t.skip('openssl is not installed');
      return;
    }
    const d = new Daemon(config(dir, `{ port: 0, users: [ { name: admin, password: pw } ], tls: { cert_file: ${join(dir, 'cert.pem')}, key_file: ${join(dir, 'key.pem')} } }`), { logger: silentLogger() });
    await d.start();
    try {
      const port = d.api!.port;
      const health = await get(port, '/api/v1/health');
      assert.equal(health.status, 200);
      assert.equal(health.cert, 'breakwater-test');
      assert.equal((await get(port, '/api/v1/status')).status, 401);
      const ok = await get(port, '/blackhole', `Basic ${Buffer.from('admin:pw').toString('base64')}`);
      assert.equal(ok.status, 200);
      assert.deepEqual(JSON.parse(ok.body), { success: true, values: [] });
    } finally {
      await d.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an API config that must not start is refused with a message naming the setting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
  try {
    const missing = new Daemon(config(dir, `{ port: 0, users: [ { name: a, password: b } ], tls: { cert_file: ${join(dir, 'nope.pem')}, key_file: ${join(dir, 'nope.key')} } }`), { logger: silentLogger() });
    await assert.rejects(missing.start(), (e: unknown) => e instanceof ApiConfigError && /api\.tls: cannot read .*nope\.pem/.test(e.message));
    await missing.stop();
    const open = new Daemon(config(dir, '{ port: 0, address: 0.0.0.0 }'), { logger: silentLogger() });
    await assert.rejects(open.start(), (e: unknown) => e instanceof ApiConfigError && /api\.address 0\.0\.0\.0 is not a loopback address: configure api\.users or api\.tokens/.test(e.message));
    await open.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
