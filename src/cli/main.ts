#!/usr/bin/env node
/**
 * The `breakwater` command (package.json "bin"): `run` starts the daemon; `check-config`,
 * `hash-password`, `import-fastnetmon` and `replay` work on files; every other command is a
 * client of a running daemon and talks to it only through its HTTP API (src/cli/client.ts).
 * docs/cli.md describes every command.
 *
 * Exit codes, for every command: 0 ok, 1 runtime or API failure (daemon unreachable,
 * authentication, refused by the safety checks), 2 usage or invalid config/input, 3 not found.
 */
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './client.js';
import { VERSION } from '../version.js';
import { runCommand } from './commands/run.js';
import { checkConfigCommand } from './commands/check-config.js';
import { statusCommand } from './commands/status.js';
import { topCommand } from './commands/top.js';
import { hostCommand } from './commands/host.js';
import { attacksCommand } from './commands/attacks.js';
import { mitigationsCommand } from './commands/mitigations.js';
import { exportersCommand } from './commands/exporters.js';
import { reloadCommand } from './commands/reload.js';
import { hashPasswordCommand } from './commands/hash-password.js';
import { importFastnetmonCommand } from './commands/import-fastnetmon.js';
import { replayCommand } from './commands/replay.js';
import { demoCommand } from './commands/demo.js';

export function buildProgram(): Command {
  const program = new Command('breakwater')
    .description('Breakwater: DDoS detection and BGP mitigation daemon, and its command-line client')
    .version(VERSION, '-V, --version', 'print the version')
    .addHelpText(
      'after',
      `
Client commands (status, top, host, attacks, mitigations, exporters, reload) talk to a running
daemon through its API: --url URL, or --config FILE (its api section), or $BREAKWATER_URL,
else ${'http://127.0.0.1:10007'}. Credentials: --user/--password or --token, or $BREAKWATER_USER,
$BREAKWATER_PASSWORD, $BREAKWATER_TOKEN. Human tables by default, --json for scripts.

Exit codes: 0 ok, 1 runtime or API failure, 2 usage or invalid config/input, 3 not found.
Documentation: docs/cli.md`,
    );
  const daemon = 'Daemon, config and offline tools:';
  const client = 'Client commands (talk to a running daemon through its API):';
  for (const [group, c] of [
    [daemon, runCommand()],
    [daemon, checkConfigCommand()],
    [daemon, hashPasswordCommand()],
    [daemon, importFastnetmonCommand()],
    [daemon, replayCommand()],
    [daemon, demoCommand()],
    [client, statusCommand()],
    [client, topCommand()],
    [client, hostCommand()],
    [client, attacksCommand()],
    [client, mitigationsCommand()],
    [client, exportersCommand()],
    [client, reloadCommand()],
  ] as const) {
    program.addCommand(c.helpGroup(group));
  }
  configureTree(program);
  return program;
}

/**
 * Settings every command needs, applied after the tree is built (addCommand does not pass them
 * down): errors come back to main() as exceptions instead of process.exit(1), so that usage
 * errors exit 2.
 */
function configureTree(cmd: Command): void {
  cmd.exitOverride();
  cmd.showHelpAfterError('(run with --help for usage)');
  for (const c of cmd.commands) configureTree(c);
}

export async function main(argv: string[] = process.argv): Promise<void> {
  // `breakwater attacks --follow | head` closes the pipe: that is the reader's way of saying stop.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
    throw e;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander printed the message (or the help) already.
      process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else if (e instanceof CliError) {
      process.stderr.write(`breakwater: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`breakwater: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    }
  }
}

await main();
