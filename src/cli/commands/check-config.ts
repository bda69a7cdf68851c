/**
 * `breakwater check-config [file]`: everything `run` would refuse to start with, without starting
 * anything: the YAML and its schema, the networks and allow-list files it names (read and parsed
 * as the daemon reads them), and the api section's safety rules and TLS files. Every problem is
 * listed at once, with its path.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError, EXIT, out } from '../client.js';
import { json } from '../format.js';

export interface CheckResult {
  /** The file checked, or `<defaults>`. */
  source: string;
  valid: boolean;
  problems: string[];
}

/** Checks a config file (or the built-in defaults when path is undefined); never throws for a bad config. */
export async function checkConfig(path: string | undefined): Promise<CheckResult> {
  const [{ ConfigError, loadConfig, parseConfig }, { NetworkSets, NetworkConfigError }, { authConfigProblems }] = await Promise.all([
    import('../../config/load.js'),
    import('../../traffic/index.js'),
    import('../../api/auth.js'),
  ]);
  const source = path ?? '<defaults>';
  let config;
  try {
    config = path ? loadConfig(path) : parseConfig('', '<defaults>');
  } catch (e) {
    if (e instanceof ConfigError) return { source, valid: false, problems: e.problems };
    throw e;
  }
  const problems: string[] = [];
  try {
    NetworkSets.fromConfig(config.traffic);
  } catch (e) {
    if (e instanceof NetworkConfigError) problems.push(...e.problems);
    else problems.push(`traffic: ${(e as Error).message}`);
  }
  if (config.api.enabled) {
    problems.push(...authConfigProblems(config.api));
    if (config.api.tls) {
      for (const [key, file] of [
        ['cert_file', config.api.tls.cert_file],
        ['key_file', config.api.tls.key_file],
      ] as const) {
        try {
          readFileSync(file);
        } catch (e) {
          problems.push(`api.tls.${key}: cannot read ${file}: ${(e as Error).message}`);
        }
      }
    }
  }
  return { source, valid: problems.length === 0, problems };
}

/** Prints a check's result the way both `check-config` and `main.js --check` do; returns the exit code. */
export function reportCheck(r: CheckResult, asJson: boolean): number {
  if (asJson) out(json(r));
  else if (r.valid) out(`config ${r.source} is valid`);
  else process.stderr.write(`invalid config ${r.source}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  return r.valid ? EXIT.OK : EXIT.USAGE;
}

export function checkConfigCommand(): Command {
  return new Command('check-config')
    .description('validate a config file without starting anything (also reads the networks and allow-list files it names)')
    .argument('[file]', 'YAML config file (or --config FILE)')
    .option('-c, --config <file>', 'YAML config file (same as the argument)')
    .option('--json', 'print {source, valid, problems} as JSON')
    .addHelpText(
      'after',
      `
Exit codes: 0 valid, 2 invalid (every problem listed on stderr, with its path).

Examples:
  breakwater check-config /etc/breakwater/breakwater.yaml
  breakwater check-config --json breakwater.yaml | jq .problems`,
    )
    .action(async (file: string | undefined, opts: { config?: string; json?: boolean }) => {
      if (file && opts.config && file !== opts.config) throw new CliError(`two config files given ('${file}' and --config '${opts.config}'): give one`, EXIT.USAGE);
      const path = file ?? opts.config;
      if (!path) throw new CliError('give the config file to check: breakwater check-config FILE', EXIT.USAGE);
      const r = await checkConfig(path);
      process.exitCode = reportCheck(r, opts.json === true);
    });
}
