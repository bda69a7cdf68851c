/**
 * Serves the web dashboard (web/, built by `npm run build` into dist/dashboard/) at /ui/ on the
 * API's port, behind the API's authentication: the onRequest hook of server.ts runs for these
 * routes too, so the browser asks for the same user and password (HTTP Basic) as the API. `GET /`
 * redirects to /ui/.
 *
 * The files are found relative to this module (dist/src/api/static.js → dist/dashboard/), so an
 * installed package serves its own build whatever the working directory. When they are missing
 * (a checkout where only tsc ran), /ui/ answers 404 with a page saying how to build them, rather
 * than an empty page or a JSON error a browser user cannot act on.
 *
 * Headers: a Content-Security-Policy that only allows the daemon's own origin (the dashboard
 * makes no external request; the policy makes sure of it), no-cache on index.html so an upgrade
 * is picked up at the next load, and a year of caching for the content-hashed assets/.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

export const DASHBOARD_PREFIX = '/ui/';

/** Where the built dashboard is looked for: dist/dashboard/, beside dist/src/. */
export const DEFAULT_DASHBOARD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dashboard');

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface DashboardOptions {
  /** Directory holding index.html and assets/; default DEFAULT_DASHBOARD_DIR. */
  dir?: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function notBuiltPage(dir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="dark"><title>Breakwater: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; background: #0d1117; color: #e6edf3; padding: 2rem; line-height: 1.5">
<h1>dashboard not built: run npm run build</h1>
<p>The daemon serves the web dashboard from <code>${escapeHtml(dir)}</code>, which has no <code>index.html</code>.
Build it in the Breakwater checkout with <code>npm run build</code> (or <code>npm run build:web</code>) and reload this page.</p>
<p>The API itself works: <a href="../api/v1/status" style="color: #4ea1ff">/api/v1/status</a>.</p>
</body></html>
`;
}

/** Registers GET / (redirect), /ui (redirect) and /ui/* (the dashboard's files). */
export async function registerDashboard(app: FastifyInstance, opts: DashboardOptions = {}): Promise<void> {
  const dir = opts.dir ?? DEFAULT_DASHBOARD_DIR;
  // Relative redirects keep working behind a reverse proxy that adds a path prefix.
  const toUi = (_req: unknown, reply: FastifyReply) => reply.redirect('ui/', 302);
  app.get('/', { schema: { hide: true } }, toUi);
  app.get('/ui', { schema: { hide: true } }, (_req, reply) => reply.redirect('ui/', 302));

  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'web dashboard not built (no index.html): /ui/ answers 404; run npm run build');
    app.get(`${DASHBOARD_PREFIX}*`, { schema: { hide: true } }, (_req, reply) => reply.status(404).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage(dir)));
    return;
  }

  const assets = join(dir, 'assets') + sep;
  await app.register(fastifyStatic, {
    root: dir,
    prefix: DASHBOARD_PREFIX,
    index: ['index.html'],
    redirect: false,
    wildcard: true,
    decorateReply: false,
    dotfiles: 'deny',
    cacheControl: false,
    etag: true,
    lastModified: true,
    schemaHide: true,
    setHeaders(res, path) {
      res.setHeader('content-security-policy', DASHBOARD_CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
      // Vite names assets by content hash: a changed file is a new URL.
      const hashed = path.startsWith(assets);
      res.setHeader('cache-control', hashed ? 'private, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
