/**
 * `breakwater reload`: asks the daemon to re-read its config file, like SIGHUP but with the
 * outcome in the answer (POST /api/v1/reload): which keys were applied, which need a restart,
 * or why the new file was rejected (the running config is then unchanged).
 */
import { Command } from 'commander';
import { clientFor, EXIT, out, wantsJson, withConnectionOptions } from '../client.js';
import { json } from '../format.js';

export interface ReloadJson {
  ok: boolean;
  changed: string[];
  needsRestart: string[];
  problems?: string[];
}

export function reloadCommand(): Command {
  return withConnectionOptions(
    new Command('reload')
    .description("re-read the daemon's config file: networks, groups, thresholds, allow-lists, mitigation (like SIGHUP)")
    .addHelpText(
      'after',
      `
Exit codes: 0 reloaded (also when some changed keys need a restart: they are listed),
1 daemon unreachable, API failure, or the daemon was started without a config file,
2 the new config was rejected (every problem listed; the running config is kept).

Example:
  breakwater reload --config /etc/breakwater/breakwater.yaml`,
    )
    .action(async (_o: unknown, c: Command) => {
      const client = await clientFor(c);
      const asJson = wantsJson(c);
      const r = await client.request('POST', '/api/v1/reload');
      if (r.status === 422) {
        const e = client.errorOf(r, 'POST', '/api/v1/reload');
        if (asJson) out(json({ ok: false, changed: [], needsRestart: [], problems: e.problems }));
        else process.stderr.write(`config reload rejected; the running config is kept:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
        process.exitCode = EXIT.USAGE;
        return;
      }
      if (r.status < 200 || r.status >= 300) throw client.errorOf(r, 'POST', '/api/v1/reload');
      const body = r.body as ReloadJson;
      if (asJson) return out(json(body));
      const lines = [body.changed.length === 0 ? 'config reloaded: nothing changed' : `config reloaded; applied: ${body.changed.join(', ')}`];
      if (body.needsRestart.length > 0) lines.push(`changed but NOT applied, they need a restart: ${body.needsRestart.join(', ')}`);
      out(lines.join('\n'));
    }),
  );
}
