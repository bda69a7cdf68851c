/**
 * The web dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * daemon fed over UDP by flowgen (test/scenarios/harness.ts, memory BGP speaker): the login, the
 * live graphs, a SYN flood appearing on the overview with its mitigations, the host and attack
 * pages, withdrawing a mitigation from the page (after the confirmation) removing it from the
 * speaker, and the manual FlowSpec form refusing bad input in the daemon's words and announcing
 * good input.
 *
 * The harness does not tick while a step runs, so every step waits only for what the page can
 * get by itself (HTTP requests, events already published) and steps needing a new second are
 * spread over the following seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runScenario } from '../scenarios/harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import type { Daemon } from '../../src/daemon.js';
import type { Route } from '../../src/bgp/index.js';
import { chromiumMissing, dashboardConfig, ensureDashboardBuilt, go, launchBrowser, PASSWORD, USER, VIEWER, VIEWER_PASSWORD } from './fixture.js';

const VICTIM = '192.0.2.10';
const WAIT = { timeout: 10_000 };

async function announced(d: Daemon): Promise<Route[]> {
  await d.speakers.syncNow();
  return d.speakers.speakers[0].listAnnounced();
}

/**
 * Waits (bounded) until a chart has at least `n` points. The page gets each second's totals over
 * the event stream asynchronously: right after a tick the browser may not have drawn it yet.
 */
async function chartPoints(page: Page, selector: string, n: number): Promise<boolean> {
  try {
    // A function, not a string: the dashboard's CSP forbids eval. Node's types have no DOM.
    type Doc = { querySelector(s: string): { getAttribute(n: string): string | null } | null };
    await page.waitForFunction(
      ([sel, min]) => Number((globalThis as unknown as { document: Doc }).document.querySelector(sel)?.getAttribute('data-points') ?? 0) >= min,
      [selector, n] as [string, number],
      WAIT,
    );
    return true;
  } catch {
    return false;
  }
}

async function attr(page: Page, selector: string, name: string): Promise<string> {
  const v = await page.getAttribute(selector, name, WAIT);
  assert.ok(v !== null, `${selector} has no ${name}`);
  return v;
}

/** Waits until the element's text contains `text`. */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor(WAIT);
}

const missing = chromiumMissing();

test('dashboard: live overview, attack and mitigation, host and attack pages, withdraw, FlowSpec form', { skip: missing ?? false, timeout: 120_000 }, async () => {
  await ensureDashboardBuilt();
  const browser: Browser = await launchBrowser();
  const steps: string[] = [];
  const requests: string[] = [];
  const posts: string[] = [];
  const problems: string[] = [];
  const errors: string[] = [];
  let ctx: BrowserContext | null = null;
  let page: Page | null = null;
  let base = '';
  try {
    await runScenario([{ protocol: 'sflow', description: scenarioDescription('syn-flood', { background: true }) }], 9, dashboardConfig(), {
      afterTick: async (sec, d) => {
        if (sec === 1) {
          base = `http://127.0.0.1:${d.api!.port}`;
          // Without credentials: the API's 401 and its Basic challenge (headless Chromium then
          // fails the navigation instead of prompting), not the dashboard.
          const anon = await browser.newContext();
          const anonPage = await anon.newPage();
          const challenges: string[] = [];
          anonPage.on('response', (r) => void r.headerValue('www-authenticate').then((h) => challenges.push(`${r.status()} ${h}`)));
          await assert.rejects(anonPage.goto(`${base}/ui/`), /ERR_INVALID_AUTH_CREDENTIALS|401/);
          await anon.close();
          assert.match(challenges.join(), /^401 Basic realm="breakwater"/);

          ctx = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1366, height: 900 } });
          page = await ctx.newPage();
          page.on('request', (r) => {
            requests.push(r.url());
            if (r.method() === 'POST') posts.push(r.url());
          });
          page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
          page.on('console', (m) => {
            if (m.type() === 'error' && !/status of 40[19]/.test(m.text())) problems.push(`console: ${m.text()}`);
          });
          const res = await page.goto(`${base}/`);
          assert.equal(res?.status(), 200);
          assert.equal(new URL(page.url()).pathname, '/ui/', 'GET / redirects to the dashboard');
          assert.match((await res!.headerValue('content-security-policy')) ?? '', /default-src 'self'/);
          await page.waitForSelector('[data-stream="open"]', WAIT);
          await page.waitForSelector('#exporters tr[data-exporter="127.0.0.1"]', WAIT);
          steps.push('login');
          return;
        }
        const p = page!;
        if (sec === 3) {
          // The flood started at second 2: it reached the page through the event stream.
          const row = `#active-attacks tr[data-host="${VICTIM}"]`;
          await p.waitForSelector(row, WAIT);
          assert.match((await p.textContent(row)) ?? '', /SYN flood/);
          assert.match((await p.textContent(row)) ?? '', /incoming/);
          assert.match((await p.textContent(`${row} td:nth-child(4)`)) ?? '', /kpps/, 'power');
          assert.match((await p.textContent(`${row} td:nth-child(5)`)) ?? '', /kpps/, 'peak');
          await p.waitForSelector(`#active-mitigations tr[data-kind="blackhole"][data-host="${VICTIM}"]`, WAIT);
          await p.waitForSelector(`#active-mitigations tr[data-kind="flowspec"][data-host="${VICTIM}"] [data-state="announced"]`, WAIT);
          assert.match((await p.textContent(`#active-mitigations tr[data-kind="blackhole"]`)) ?? '', /min/, 'time left');
          // One point per second since the stream opened (seconds 2 and 3).
          assert.ok(await chartPoints(p, '[data-chart="in-pps"]', 2), `2 points by second 3 (has ${await attr(p, '[data-chart="in-pps"]', 'data-points')})`);
          assert.match((await p.textContent('.tiles')) ?? '', /kpps/);
          assert.match((await p.textContent('#exporters tr[data-exporter="127.0.0.1"]')) ?? '', /ok/);
          assert.match((await p.textContent('#speakers tr[data-speaker="edge"]')) ?? '', /established/);
          steps.push('overview');
        }
        if (sec === 4) {
          assert.ok(await chartPoints(p, '[data-chart="in-pps"]', 3), `the graphs follow the daemon second by second (has ${await attr(p, '[data-chart="in-pps"]', 'data-points')})`);
          // A page opened now starts with the daemon's last seconds (4 ticks so far; the harness
          // does not tick while this runs, so only the history can give it 4 points).
          const late = await ctx!.newPage();
          await late.goto(`${base}/ui/`);
          assert.ok(await chartPoints(late, '[data-chart="in-pps"]', 4), `a new page's graphs start with the history (has ${await attr(late, '[data-chart="in-pps"]', 'data-points')})`);
          await late.close();
          // Click through to the host.
          await p.click(`#active-attacks tr[data-host="${VICTIM}"] a[href="#/host/${VICTIM}"]`);
          await p.waitForSelector('#thresholds tr[data-metric="pps"]', WAIT);
          assert.match((await p.textContent('#thresholds tr[data-metric="pps"]')) ?? '', /40\.0 kpps/);
          await p.waitForSelector('[data-chart="host-in-pps"]:not([data-points="0"])', WAIT);
          await p.waitForSelector(`#host-mitigations tr[data-kind="blackhole"]`, WAIT);
          assert.equal(await p.locator('#host-mitigations tr[data-mitigation]').count(), 2);
          assert.match((await p.textContent('#host-attacks')) ?? '', /SYN flood/);
          await p.waitForSelector('[data-form="ban"]', WAIT);
          steps.push('host');
        }
        if (sec === 5) {
          await p.click('#host-attacks a.attack-type');
          await p.waitForSelector('[data-bars="dst-ports"] li.dominant', WAIT);
          assert.match((await p.textContent('[data-bars="dst-ports"] li.dominant')) ?? '', /^80/);
          assert.match((await p.textContent('[data-bars="protocols"] li.dominant')) ?? '', /tcp/);
          assert.match((await p.textContent('[data-bars="tcp-flags"] li.dominant')) ?? '', /SYN/);
          assert.ok((await p.locator('[data-bars="packet-sizes"] .hist-col').count()) > 0);
          assert.ok((await p.locator('[data-bars="sources"] li').count()) > 0);
          await p.waitForSelector('#rules tr[data-kind="flowspec"] [data-speaker="edge"][data-state="announced"]', WAIT);
          await p.waitForSelector('#rules tr[data-kind="blackhole"] [data-speaker="edge"][data-state="announced"]', WAIT);
          assert.match((await p.textContent('#timeline')) ?? '', /attack started/);
          assert.match((await p.textContent('#audit')) ?? '', /announce/);
          steps.push('attack');
        }
        if (sec === 6) {
          await go(p, '#/mitigations');
          const row = `#mitigation-list tr[data-kind="blackhole"][data-host="${VICTIM}"]`;
          await p.waitForSelector(row, WAIT);
          // Cancel first: nothing changes.
          await p.click(`${row} [data-action="withdraw"]`);
          await p.waitForSelector('.modal', WAIT);
          assert.match((await p.textContent('.modal')) ?? '', /Withdraw this mitigation\?/);
          await p.click('.modal button:has-text("Cancel")');
          await p.waitForSelector('.modal', { state: 'detached', ...WAIT });
          assert.ok((await announced(d)).some((r) => r.kind === 'unicast' && r.prefix === `${VICTIM}/32`));
          // Then confirm.
          await p.click(`${row} [data-action="withdraw"]`);
          await p.click('.modal [data-confirm]');
          await p.waitForSelector(row, { state: 'detached', ...WAIT });
          const routes = await announced(d);
          assert.ok(!routes.some((r) => r.kind === 'unicast' && r.prefix === `${VICTIM}/32`), `the blackhole is withdrawn from the speaker: ${JSON.stringify(routes)}`);
          assert.ok(routes.some((r) => r.kind === 'flowspec' && r.match.destination === `${VICTIM}/32`), 'the FlowSpec rule stays');
          assert.match((await p.textContent('.flashes')) ?? '', /withdrawn: blackhole/);
          steps.push('withdraw');
        }
        if (sec === 7) {
          const form = '[data-form="flowspec"]';
          const postsBefore = posts.length;
          // Out of range: refused in the browser with the API's own message, nothing sent.
          await p.fill(`${form} input[name="destination"]`, '192.0.2.30/32');
          await p.check(`${form} input[name="protocol-udp"]`);
          await p.fill(`${form} input[name="destinationPorts"]`, '53, 70000');
          await p.click(`${form} button[type="submit"]`);
          await p.waitForSelector(`${form} [data-problems]`, WAIT);
          const shown = (await p.textContent(`${form} [data-problems]`)) ?? '';
          assert.match(shown, /body\.match\.destinationPorts\.1: Too big: expected number to be <=65535/);
          const server = await fetch(`${base}/api/v1/mitigations/flowspec`, {
            method: 'POST',
            headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
            body: JSON.stringify({ match: { destination: '192.0.2.30/32', protocols: ['udp'], destinationPorts: [53, 70000] }, action: { type: 'discard' } }),
          });
          const serverErr = ((await server.json()) as { error: { problems: string[] } }).error;
          for (const problem of serverErr.problems) assert.ok(shown.includes(problem), `the form shows what the daemon says: ${problem}`);
          // Not a port at all.
          await p.fill(`${form} input[name="destinationPorts"]`, 'http');
          await p.click(`${form} button[type="submit"]`);
          await waitForText(p, `${form} [data-problems]`, "'http' is not a number");
          assert.equal(posts.length, postsBefore, 'invalid rules are not sent');

          // Valid for the schema, refused by the daemon's safety checks: its error is shown.
          await p.fill(`${form} input[name="destinationPorts"]`, '');
          await p.fill(`${form} input[name="destination"]`, '198.51.100.1/32');
          await p.click(`${form} button[type="submit"]`);
          await p.click('.modal [data-confirm]');
          await p.waitForSelector(`${form} [data-server-error="outside_networks"]`, WAIT);
          assert.match((await p.textContent(`${form} [data-server-error]`)) ?? '', /not inside a monitored network/);

          // Good: announced and listed.
          await p.fill(`${form} input[name="destination"]`, '192.0.2.30/32');
          await p.fill(`${form} input[name="sourcePorts"]`, '123');
          await p.selectOption(`${form} select[name="action"]`, 'rate-limit');
          await p.fill(`${form} input[name="mbps"]`, '10');
          await p.click(`${form} button[type="submit"]`);
          await p.waitForSelector('.modal', WAIT);
          assert.match((await p.textContent('.modal')) ?? '', /"sourcePorts"/);
          await p.click('.modal [data-confirm]');
          await p.waitForSelector(`${form} [data-created]`, WAIT);
          await p.waitForSelector('#mitigation-list tr[data-kind="flowspec"][data-host="192.0.2.30"]', WAIT);
          const routes = await announced(d);
          const rule = routes.find((r) => r.kind === 'flowspec' && r.match.destination === '192.0.2.30/32');
          assert.ok(rule && rule.kind === 'flowspec', JSON.stringify(routes));
          assert.deepEqual(rule.match.protocols, [17]);
          assert.deepEqual(rule.match.sourcePorts, [123]);
          assert.deepEqual(rule.action, { type: 'rate-limit', bytesPerSecond: 1_250_000 });
          steps.push('flowspec');
        }
        if (sec === 8) {
          // Extend the new rule so that it never expires.
          const row = '#mitigation-list tr[data-kind="flowspec"][data-host="192.0.2.30"]';
          await p.click(`${row} [data-action="extend"]`);
          await p.click('.modal label:has-text("never expire")');
          await p.click('.modal [data-confirm]');
          await waitForText(p, row, 'no expiry');
          const m = d.mitigation.list().find((x) => x.kind === 'flowspec' && x.host === '192.0.2.30');
          assert.equal(m?.expiresMs, null);
          steps.push('extend');

          // A read-only user sees everything and is told why a change is refused.
          const viewer = await browser.newContext({ httpCredentials: { username: VIEWER, password: VIEWER_PASSWORD } });
          const v = await viewer.newPage();
          await v.goto(`${base}/ui/#/mitigations`);
          await v.click(`${row} [data-action="withdraw"]`);
          await v.click('.modal [data-confirm]');
          await waitForText(v, '.flashes', 'has the read role');
          await viewer.close();
          assert.ok(d.mitigation.list().some((x) => x.host === '192.0.2.30'), 'nothing changed');
          steps.push('read-only');
          // Before the daemon stops (its end cuts the event stream, which the browser reports).
          errors.push(...problems);
        }
      },
    });
  } finally {
    await browser.close();
  }
  assert.deepEqual(steps, ['login', 'overview', 'host', 'attack', 'withdraw', 'flowspec', 'extend', 'read-only']);
  assert.deepEqual(errors, [], 'no script error, no CSP violation');
  const foreign = requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the dashboard requests nothing from elsewhere');
});
