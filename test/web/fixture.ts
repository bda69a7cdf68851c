/**
 * What the dashboard's browser test and the screenshot script share: the daemon config (memory
 * BGP speaker, API users), the build of the dashboard when it is missing or older than web/, and
 * Debian's Chromium driven by playwright-core.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BASE_CONFIG } from '../scenarios/harness.js';
import { DEFAULT_DASHBOARD_DIR } from '../../src/api/static.js';

const run = promisify(execFile);

/** The checkout (this file runs as dist/test/web/fixture.js). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const USER = 'admin';
export const PASSWORD = 'dashboard-test-pw';
export const VIEWER = 'viewer';
export const VIEWER_PASSWORD = 'viewer-pw';

export function dashboardConfig(extra = ''): string {
  return `${BASE_CONFIG}
mitigation:
  ban_time_seconds: 600
  actions:
    default: [blackhole]
    syn_flood: [blackhole, flowspec]
bgp:
  speakers:
    - { type: memory, name: edge, resync_interval_seconds: 1 }
api:
  port: 0
  users:
    - { name: ${USER}, password: ${PASSWORD} }
    - { name: ${VIEWER}, password: ${VIEWER_PASSWORD}, role: read }
${extra}`;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** Builds the dashboard (vite) when dist/dashboard/ is missing or older than a file of web/. */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(DEFAULT_DASHBOARD_DIR, 'index.html');
  const web = join(REPO, 'web');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(web)) return;
  await run(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(web, 'vite.config.ts')], { cwd: REPO, timeout: 120_000 });
  if (!existsSync(index)) throw new Error(`vite build did not produce ${index}`);
}

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the dashboard's browser tests`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-background-networking', '--headless=new'], timeout: 30_000 });
}

/** Client-side navigation: the page, its event stream and its live graphs stay loaded. */
export async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}
