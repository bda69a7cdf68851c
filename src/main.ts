/**
 * Entry point of the daemon: argv → config → daemon → start → wait for a signal → stop.
 * Exit codes: 0 clean stop, 1 runtime failure, 2 invalid config or usage.
 */
import { Command } from 'commander';
import { ConfigError, loadConfig, parseConfig } from './config/load.js';
import { Daemon } from './daemon.js';
import { createLogger } from './log.js';
import { NetworkConfigError } from './traffic/index.js';

const program = new Command()
  .name('breakwater-daemon')
  .description('Breakwater: DDoS detection and BGP mitigation daemon')
  .option('-c, --config <file>', 'YAML config file (without it, the built-in defaults)')
  .option('--check', 'validate the config and exit')
  .showHelpAfterError();

program.parse();
const opts = program.opts<{ config?: string; check?: boolean }>();

let config;
try {
  config = opts.config ? loadConfig(opts.config) : parseConfig('', '<defaults>');
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
if (opts.check) {
  process.stdout.write(`config ${opts.config ?? '<defaults>'} is valid\n`);
  process.exit(0);
}

const logger = createLogger(config.logging.level);
let daemon: Daemon;
try {
  daemon = new Daemon(config, { logger });
} catch (e) {
  // Networks and allow-list files are read when the daemon is built: their problems are config errors too.
  if (e instanceof NetworkConfigError) {
    process.stderr.write(`invalid config ${opts.config ?? '<defaults>'}:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  throw e;
}
try {
  await daemon.start();
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'cannot start');
  await daemon.stop().catch(() => {});
  process.exit(1);
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'stopping');
    daemon.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  });
}
