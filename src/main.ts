/**
 * The historical entry point, kept for `npm start`, existing service files and tests:
 * `node dist/src/main.js --config FILE [--check]`. It is `breakwater run --config FILE` (and
 * `breakwater check-config FILE` with --check): the same functions, so both behave identically.
 * Exit codes: 0 clean stop (or valid config), 1 runtime failure, 2 invalid config or usage.
 */
import { Command, CommanderError } from 'commander';
import { runDaemon } from './cli/commands/run.js';
import { checkConfig, reportCheck } from './cli/commands/check-config.js';

const program = new Command()
  .name('breakwater-daemon')
  .description('Breakwater: DDoS detection and BGP mitigation daemon (same as `breakwater run`)')
  .option('-c, --config <file>', 'YAML config file (without it, the built-in defaults)')
  .option('--check', 'validate the config (and the networks files it names) and exit')
  .showHelpAfterError()
  .exitOverride();

try {
  program.parse();
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  throw e;
}
const opts = program.opts<{ config?: string; check?: boolean }>();

if (opts.check) {
  process.exitCode = reportCheck(await checkConfig(opts.config), false);
} else {
  await runDaemon({ configPath: opts.config });
}
