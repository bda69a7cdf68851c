/**
 * `breakwater demo [--api-port N] [--no-bgp] [--normal-seconds N] [--flood-seconds N]
 * [--ban-seconds N] [--attack udp-flood|ntp-amplification] [--exit] [--log-level L]`: runs the
 * one-minute demo (src/demo/demo.ts, docs/demo.md). The timeline goes to stdout, the daemon's JSON
 * log (errors only by default) to stderr. Ctrl-C (or SIGTERM) stops it cleanly — traffic, daemon,
 * and the BGP lab's processes and namespace; a second Ctrl-C exits at once (the lab still kills
 * its processes and removes its namespace on exit).
 *
 * Exit codes: 0 the scenario ran to its end with the attack detected, mitigated and withdrawn (or
 * Ctrl-C after it, the normal way to leave); 1 it ran but one of those did not happen, it failed
 * (e.g. the API port is taken), or an argument is invalid (commander names it); 130 interrupted
 * by Ctrl-C before the scenario was over.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEMO_ATTACKS, DEMO_DEFAULTS, DEMO_MAX_SECONDS, DemoOptionError, demoLogger, runDemo, type DemoOptions, type DemoResult } from '../../demo/index.js';

export interface DemoCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Sets the exit code; the default sets process.exitCode (the process ends normally, streams flushed). */
  exit: (code: number) => void;
  /** The demo itself; replaced in tests of the argument handling. */
  run: (opts: DemoOptions) => Promise<DemoResult>;
  /** Signals that stop the demo; the default listens for SIGINT and SIGTERM on the process. */
  onStopSignal: (handler: () => void) => () => void;
}

const defaultIo: DemoCommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  exit: (code) => {
    process.exitCode = code;
  },
  run: runDemo,
  onStopSignal: (handler) => {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  },
};

interface Options {
  apiPort: number;
  bgp: boolean;
  normalSeconds: number;
  floodSeconds: number;
  banSeconds: number;
  attack: (typeof DEMO_ATTACKS)[number];
  exit?: boolean;
  logLevel: string;
}

function intIn(name: string, min: number, max: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

export function demoCommand(io: Partial<DemoCommandIo> = {}): Command {
  const sys: DemoCommandIo = { ...defaultIo, ...io };
  return new Command('demo')
    .description('one-minute demo: the daemon fed with normal traffic then a flood, detection, mitigation through ExaBGP into FRR (dry-run without them); prints the dashboard address')
    .addOption(new Option('--api-port <n>', 'API and dashboard port on 127.0.0.1 (0: any free port)').argParser(intIn('--api-port', 0, 65535)).default(DEMO_DEFAULTS.apiPort))
    .option('--no-bgp', 'dry-run: do not start ExaBGP and FRR even when they are installed')
    .addOption(new Option('--normal-seconds <n>', 'seconds of normal traffic before the flood').argParser(intIn('--normal-seconds', 1, DEMO_MAX_SECONDS)).default(DEMO_DEFAULTS.normalSeconds))
    .addOption(new Option('--flood-seconds <n>', 'how long the flood lasts').argParser(intIn('--flood-seconds', 5, DEMO_MAX_SECONDS)).default(DEMO_DEFAULTS.floodSeconds))
    .addOption(new Option('--ban-seconds <n>', 'ban time of the demo config').argParser(intIn('--ban-seconds', 5, DEMO_MAX_SECONDS)).default(DEMO_DEFAULTS.banSeconds))
    .addOption(new Option('--attack <scenario>', 'the flood (a flowgen scenario)').choices([...DEMO_ATTACKS]).default(DEMO_DEFAULTS.attack))
    .option('--exit', 'stop when the scenario is over instead of keeping the daemon and dashboard up until Ctrl-C')
    .addOption(new Option('--log-level <level>', "the daemon's JSON log on stderr").choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('error'))
    .action((opts: Options) => run(opts, sys));
}

async function run(opts: Options, io: DemoCommandIo): Promise<void> {
  const ctl = new AbortController();
  let stops = 0;
  const removeHandler = io.onStopSignal(() => {
    stops++;
    if (stops === 1) {
      io.stderr('\nstopping the demo (Ctrl-C again to exit at once)…\n');
      ctl.abort();
    } else {
      // The lab's exit hook kills what it started and removes its namespace.
      process.exit(130);
    }
  });
  try {
    const r = await io.run({
      apiPort: opts.apiPort,
      bgp: opts.bgp ? 'auto' : 'off',
      normalSeconds: opts.normalSeconds,
      floodSeconds: opts.floodSeconds,
      banSeconds: opts.banSeconds,
      attack: opts.attack,
      exitAtEnd: opts.exit === true,
      out: (line) => io.stdout(`${line}\n`),
      signal: ctl.signal,
      logger: demoLogger(opts.logLevel),
    });
    if (r.interrupted) io.exit(130);
    else io.exit(r.attackDetectedAfterSeconds !== null && r.mitigatedAfterSeconds !== null && r.withdrawn && r.frrSawRoute !== false ? 0 : 1);
  } catch (e) {
    io.stderr(`breakwater demo: ${e instanceof DemoOptionError ? e.message.replace(/^breakwater demo: /, '') : (e as Error).message}\n`);
    io.exit(e instanceof DemoOptionError ? 2 : 1);
  } finally {
    removeHandler();
  }
}
