/**
 * `breakwater top`: the top talkers, refreshed in place like top(1). Each refresh is one
 * GET /api/v1/traffic/top (hosts ranked by the exponential average of the metric, as the
 * detector sees them) and one GET /api/v1/traffic/totals for the header.
 *
 * Bounded: it stops on Ctrl-C, after --count refreshes, or after one when --once is given or
 * stdout is not a terminal (so `breakwater top | head` and scripts do not hang).
 */
import { Command, Option } from 'commander';
import { clientFor, intIn, out, positiveSeconds, wantsJson, withConnectionOptions, type ApiClient } from '../client.js';
import { json, mbit, rate, si, table, time, type RateSet } from '../format.js';

export interface TopJson {
  direction: 'incoming' | 'outgoing';
  metric: string;
  hosts: Array<{ host: string; group: string; pps: number; mbps: number; flows: number | null; current: { pps: number; mbps: number }; attackId: string | null }>;
}

interface TotalsJson {
  at: string | null;
  hosts: number;
  totals: Record<'incoming' | 'outgoing' | 'internal' | 'other', RateSet>;
}

export interface TopOptions {
  direction: 'incoming' | 'outgoing';
  metric: 'pps' | 'mbps' | 'flows';
  limit: number;
  interval: number;
  once?: boolean;
  count?: number;
}

export function renderTop(t: TopJson, totals: TotalsJson, o: TopOptions, url: string, live: boolean): string {
  const head = `top ${o.limit} ${o.direction} hosts by average ${o.metric} at ${url}, ${time(totals.at)}${live ? ` (every ${o.interval} s, Ctrl-C to stop)` : ''}`;
  const sum = `${totals.hosts} hosts; incoming ${rate(totals.totals.incoming.total)}; outgoing ${rate(totals.totals.outgoing.total)}`;
  const body =
    t.hosts.length === 0
      ? '  no hosts yet'
      : table(
          ['HOST', 'GROUP', 'AVG PPS', 'AVG MBIT/S', 'AVG FLOWS', 'NOW PPS', 'NOW MBIT/S', 'ATTACK'],
          t.hosts.map((h) => [h.host, h.group, si(h.pps), mbit(h.mbps), h.flows === null ? '-' : si(h.flows), si(h.current.pps), mbit(h.current.mbps), h.attackId ?? '']),
          { align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'] },
        );
  return `${head}\n${sum}\n\n${body}\n`;
}

async function fetchTop(client: ApiClient, o: TopOptions): Promise<{ top: TopJson; totals: TotalsJson }> {
  const q = new URLSearchParams({ direction: o.direction, metric: o.metric, limit: String(o.limit) });
  const [top, totals] = await Promise.all([client.get<TopJson>(`/api/v1/traffic/top?${q}`), client.get<TotalsJson>('/api/v1/traffic/totals')]);
  return { top, totals };
}

export function topCommand(): Command {
  return withConnectionOptions(
    new Command('top')
    .description('live top talkers, refreshing in place')
    .addOption(new Option('--direction <direction>', 'traffic direction').choices(['incoming', 'outgoing']).default('incoming'))
    .addOption(new Option('--metric <metric>', 'rank by this average (flows needs a flows threshold in some group)').choices(['pps', 'mbps', 'flows']).default('pps'))
    .addOption(new Option('--limit <n>', 'hosts shown').argParser(intIn(1, 1000)).default(10))
    .addOption(new Option('--interval <seconds>', 'seconds between refreshes').argParser(positiveSeconds).default(1))
    .option('--once', 'print once and exit (the default when stdout is not a terminal)')
    .addOption(new Option('--count <n>', 'refresh this many times, then exit').argParser(intIn(1, 1_000_000)))
    .addHelpText(
      'after',
      `
On a terminal the screen is redrawn every --interval seconds until Ctrl-C. With --json, one JSON
object {top, totals} per refresh (one per line when refreshing more than once).

Exit codes: 0 ok, 1 daemon unreachable or API failure, 2 invalid option (e.g. a metric without average).

Examples:
  breakwater top
  breakwater top --direction outgoing --metric mbps --limit 20
  breakwater top --once --json | jq -r '.top.hosts[].host'`,
    )
    .action(async (o: TopOptions, cmd: Command) => {
      const client = await clientFor(cmd);
      const asJson = wantsJson(cmd);
      const tty = process.stdout.isTTY === true && !asJson;
      const count = o.once ? 1 : (o.count ?? (tty ? Infinity : 1));
      const live = count > 1;
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.on('SIGINT', onSigint);
      try {
        for (let i = 0; i < count && !stop.signal.aborted; i++) {
          const started = Date.now();
          const { top, totals } = await fetchTop(client, o);
          if (asJson) out(count === 1 ? json({ top, totals }) : JSON.stringify({ top, totals }));
          else {
            // Home and clear below: redraw in place without scrolling.
            if (tty && live) process.stdout.write('\x1b[H\x1b[J');
            out(renderTop(top, totals, o, client.url, live && tty));
          }
          if (i + 1 >= count) break;
          const wait = Math.max(0, o.interval * 1000 - (Date.now() - started));
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(t);
              stop.signal.removeEventListener('abort', done);
              resolve();
            };
            const t = setTimeout(done, wait);
            stop.signal.addEventListener('abort', done);
          });
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    }),
  );
}
