/**
 * `breakwater run`: the daemon in the foreground. argv → config → daemon → start → signals:
 * SIGINT/SIGTERM stop it cleanly, SIGHUP re-reads the config file (src/reload.ts). src/main.ts
 * (the historical entry point, `node dist/src/main.js --config FILE`) calls the same function, so
 * both behave identically.
 *
 * Exit codes: 0 clean stop, 1 runtime failure (cannot start, error while stopping), 2 invalid
 * config (the file, a networks or allow-list file it names, or the api section).
 */
import { Command } from 'commander';
import { EXIT } from '../client.js';

export interface RunOptions {
  /** The YAML config; without it, the built-in defaults (and reloads are refused). */
  configPath?: string;
}

function fail(message: string, code: number): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  process.exit(code);
}

/**
 * Starts the daemon and installs the signal handlers; resolves once it runs (the process then
 * lives until a signal). Failures print to stderr and exit the process with the code above.
 */
export async function runDaemon(opts: RunOptions): Promise<void> {
  // Loaded here, not at the top: client commands should not pay for loading the whole daemon.
  const [{ ConfigError, loadConfig, parseConfig }, { Daemon }, { createLogger }, { NetworkConfigError }, { ApiConfigError }] = await Promise.all([
    import('../../config/load.js'),
    import('../../daemon.js'),
    import('../../log.js'),
    import('../../traffic/index.js'),
    import('../../api/server.js'),
  ]);
  const source = opts.configPath ?? '<defaults>';
  let config;
  try {
    config = opts.configPath ? loadConfig(opts.configPath) : parseConfig('', '<defaults>');
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, EXIT.USAGE);
    throw e;
  }

  const logger = createLogger(config.logging.level);
  let daemon: InstanceType<typeof Daemon>;
  try {
    daemon = new Daemon(config, { logger, ...(opts.configPath ? { configPath: opts.configPath } : {}) });
  } catch (e) {
    // Networks and allow-list files are read when the daemon is built: their problems are config errors too.
    if (e instanceof NetworkConfigError) fail(`invalid config ${source}:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`, EXIT.USAGE);
    throw e;
  }
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop().catch(() => {});
    if (err instanceof ApiConfigError) fail(`invalid config ${source}:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`, EXIT.USAGE);
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    process.exit(EXIT.FAILURE);
  }

  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal: sig }, 'stopping');
      daemon.stop().then(
        () => process.exit(EXIT.OK),
        (err) => {
          logger.error({ err }, 'error while stopping');
          process.exit(EXIT.FAILURE);
        },
      );
    });
  }
  // The daemon logs the outcome (applied, needs restart, rejected) itself.
  process.on('SIGHUP', () => {
    if (stopping) return;
    logger.info({ signal: 'SIGHUP', config: source }, 'reloading the config');
    try {
      daemon.reload();
    } catch (err) {
      logger.error({ err }, 'config reload failed: the running config is kept');
    }
  });
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the daemon in the foreground (logs are JSON lines on stdout)')
    .option('-c, --config <file>', 'YAML config file (without it, the built-in defaults)')
    .addHelpText(
      'after',
      `
Signals: SIGINT or SIGTERM stop the daemon cleanly (exit 0); SIGHUP re-reads the config file
(networks, groups, thresholds, allow-lists, mitigation) without losing counters, attacks or
mitigations. An invalid new config is rejected and the old one kept.

Exit codes: 0 clean stop, 1 cannot start or failure while stopping, 2 invalid config.

Example:
  breakwater run --config /etc/breakwater/breakwater.yaml`,
    )
    .action(async (opts: { config?: string }) => {
      await runDaemon({ configPath: opts.config });
    });
}
