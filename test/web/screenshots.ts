/**
 * Screenshots of the dashboard for the README and docs/dashboard.md, taken from a real daemon fed
 * by flowgen: background traffic, a UDP flood on one host that ends, then a SYN flood on another
 * that is still under way (blackhole + FlowSpec), and a manual FlowSpec rule.
 *
 *   npm run build && node dist/test/web/screenshots.js [output dir, default docs/images]
 *
 * Virtual time runs faster than the wall clock (the scenario harness ticks as soon as a second's
 * datagrams are in), so two minutes of graphs take well under a minute.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { runScenario } from '../scenarios/harness.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import { chromiumMissing, dashboardConfig, ensureDashboardBuilt, go, launchBrowser, PASSWORD, REPO, USER } from './fixture.js';

const SECONDS = 150;
// A server of the 'normal' scenario: its page shows ordinary traffic before the flood.
const VICTIM = '192.0.2.21';
const EARLIER_VICTIM = '192.0.2.33';

async function settle(page: Page, selector: string): Promise<void> {
  await page.waitForSelector(selector, { timeout: 15_000 });
  await page.waitForTimeout(600);
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const out = resolve(process.argv[2] ?? join(REPO, 'docs/images'));
  mkdirSync(out, { recursive: true });
  await ensureDashboardBuilt();
  const browser = await launchBrowser();
  const ctx = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: 'dark' });
  const wallCtx = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD }, viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, colorScheme: 'dark' });
  let page: Page | null = null;
  let wall: Page | null = null;
  const written: string[] = [];
  const shot = async (p: Page, name: string, fullPage = true) => {
    const file = join(out, name);
    await p.screenshot({ path: file, fullPage });
    written.push(file);
  };
  try {
    await runScenario(
      [
        // Each source is its own sFlow sub-agent (or protocol): one sequence stream each, no false gaps.
        { protocol: 'sflow', description: scenarioDescription('normal') },
        { protocol: 'sflow', description: scenarioDescription('udp-flood', { victim: EARLIER_VICTIM, scale: 0.5, exporter: { subAgentId: 1 } }), activeSeconds: [20, 45] },
        { protocol: 'ipfix', description: scenarioDescription('syn-flood', { victim: VICTIM }), activeSeconds: [95, SECONDS] },
      ],
      SECONDS,
      dashboardConfig(),
      {
        afterTick: async (sec, d) => {
          const base = `http://127.0.0.1:${d.api!.port}`;
          if (sec === 1) {
            page = await ctx.newPage();
            await page.goto(`${base}/`);
            await page.waitForSelector('[data-stream="open"]', { timeout: 15_000 });
            wall = await wallCtx.newPage();
            await wall.goto(`${base}/ui/?wall=1`);
            await wall.waitForSelector('[data-stream="open"]', { timeout: 15_000 });
            // Follow the victim from the start so its page has the whole story.
            await page.evaluate(async (ip) => {
              await fetch(`../api/v1/hosts/${ip}?wait=false`);
            }, VICTIM);
          }
          if (sec === 60) {
            await page!.evaluate(async () => {
              await fetch('../api/v1/mitigations/flowspec', {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ match: { destination: '192.0.2.20/32', protocols: ['udp'], sourcePorts: [123] }, action: { type: 'rate-limit', mbps: 10 }, duration_seconds: 3600, reason: 'NTP reflection seen upstream' }),
              });
            });
          }
          if (sec !== SECONDS) return;
          await d.speakers.syncNow();
          const p = page!;
          await go(p, '#/');
          await settle(p, '#active-attacks tr[data-attack]');
          await shot(p, 'dashboard-overview.png');
          await shot(wall!, 'dashboard-wall.png', false);
          const attackId = await p.getAttribute('#active-attacks tr[data-attack]', 'data-attack');
          await go(p, `#/host/${VICTIM}`);
          await settle(p, '[data-chart="host-in-pps"][data-points]:not([data-points="0"])');
          await shot(p, 'dashboard-host.png');
          await go(p, `#/attack/${attackId}`);
          await settle(p, '[data-bars="dst-ports"]');
          await shot(p, 'dashboard-attack.png');
          await go(p, '#/mitigations');
          await settle(p, '#mitigation-list tr[data-mitigation]');
          await p.fill('[data-form="flowspec"] input[name="destination"]', `${VICTIM}/32`);
          await p.check('[data-form="flowspec"] input[name="protocol-udp"]');
          await p.fill('[data-form="flowspec"] input[name="destinationPorts"]', '53, 70000');
          await p.click('[data-form="flowspec"] button[type="submit"]');
          await settle(p, '[data-problems]');
          await shot(p, 'dashboard-mitigations.png');
          await go(p, '#/top');
          await settle(p, '#top-incoming tr[data-host]');
          await shot(p, 'dashboard-top.png', false);
        },
      },
    );
  } finally {
    await browser.close();
  }
  for (const f of written) console.log(f);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
