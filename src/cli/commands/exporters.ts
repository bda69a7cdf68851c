/**
 * `breakwater exporters`: the routers sending flows (datagrams, samples, decode errors by code,
 * sequence losses, templates, sampling, last seen) and the listeners with their kernel drops —
 * where to look first when "flows arrive but nothing is counted". GET /api/v1/exporters.
 */
import { Command } from 'commander';
import { clientFor, out, wantsJson, withConnectionOptions } from '../client.js';
import { counts, exportersTable, json, listenersTable, section, type ExporterJson, type ListenerStatus } from '../format.js';

export interface ExportersJson {
  exporters: ExporterJson[];
  listeners: ListenerStatus[];
  totals: { datagrams: number; bytes: number; samples: number; notAllowed: number; internalErrors: number; errors: Record<string, number> };
}

export function renderExporters(r: ExportersJson, nowMs: number): string {
  const t = r.totals;
  const drops = r.listeners.reduce((n, l) => n + (l.kernelDrops ?? 0), 0);
  const detail = r.exporters
    .filter((e) => e.errorTotal > 0 || e.sequence.lost > 0 || e.sequence.resets > 0)
    .map((e) => `  ${e.address}: errors ${counts(e.errors)}; sequence gaps ${e.sequence.gaps}, lost ${e.sequence.lost}, resets ${e.sequence.resets}`);
  return [
    `totals: ${t.datagrams} datagrams (${t.bytes} bytes), ${t.samples} samples, ${t.notAllowed} from exporters not allowed, kernel drops ${drops}, internal errors ${t.internalErrors}; decode errors ${counts(t.errors)}`,
    '',
    section(`Exporters (${r.exporters.length})`, exportersTable(r.exporters, nowMs)),
    ...(detail.length > 0 ? [section('Errors and losses', detail.join('\n'))] : []),
    section('Listeners', listenersTable(r.listeners)),
  ].join('\n');
}

export function exportersCommand(): Command {
  return withConnectionOptions(
    new Command('exporters')
    .description('flow exporters (datagrams, samples, errors by code, sequence lost, templates, sampling, last seen) and listeners with kernel drops')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 daemon unreachable or API failure.

Examples:
  breakwater exporters
  breakwater exporters --json | jq '.exporters[] | {address, errors}'`,
    )
    .action(async (_o: unknown, c: Command) => {
      const client = await clientFor(c);
      const r = await client.get<ExportersJson>('/api/v1/exporters');
      out(wantsJson(c) ? json(r) : renderExporters(r, Date.now()));
    }),
  );
}
