/**
 * `breakwater replay <file...> [--config file] [--json out.json] [--raw|--telemetry]
 * [--sampling N] [--no-progress]`: runs a capture (tcpdump/dumpcap pcap or pcapng of flow
 * telemetry as a collector receives it, a recording of the daemon's own, or ordinary packets from
 * a mirror port) through the daemon's decoders, counters, detector and mitigation policy with the
 * capture's timestamps as the clock, and prints what would have happened: attacks (times, type,
 * power, fingerprint), the mitigations that would have been announced, the busiest hosts.
 * Nothing is announced, notified or written to the daemon's state (src/replay/replay.ts).
 * Running it twice with two --config files compares two threshold sets on the same traffic.
 *
 * Exit codes: 0 replayed; 2 bad input (unreadable file, not a capture, unsupported link type, a
 * capture damaged part-way — the report of what came before is still printed —, invalid config or
 * option); 1 the --json file could not be written, or an unexpected failure.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { EXIT } from '../client.js';
import type { ReplayProgress, ReplayReport } from '../../replay/index.js';

export interface ReplayCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (the progress bar is drawn only there). */
  stderrIsTTY: () => boolean;
  /** Sets the exit code; the default sets process.exitCode (the process ends normally, streams flushed). */
  exit: (code: number) => void;
  writeFile: (path: string, text: string) => void;
}

const defaultIo: ReplayCommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  stderrIsTTY: () => process.stderr.isTTY === true,
  exit: (code) => {
    process.exitCode = code;
  },
  writeFile: (p, t) => writeFileSync(p, t),
};

interface Options {
  config?: string;
  json?: string;
  raw?: boolean;
  telemetry?: boolean;
  sampling?: string;
  progress: boolean;
  top: string;
}

export function replayCommand(io: Partial<ReplayCommandIo> = {}): Command {
  const sys: ReplayCommandIo = { ...defaultIo, ...io };
  return new Command('replay')
    .description('run a pcap/pcapng capture through detection and mitigation (nothing is announced) and report what would have happened')
    .argument('<file...>', 'capture file(s): flow telemetry as a collector receives it, a recording (collectors.record), or ordinary packets with --raw; several files are replayed in a row, give them in time order')
    .option('-c, --config <file>', 'YAML config whose networks, thresholds and mitigation policy to use (without it, the built-in defaults, which monitor no network)')
    .option('--json <out.json>', "also write the full report as JSON to this file ('-' prints the JSON on stdout instead of the text report)")
    .addOption(new Option('--raw', 'treat the packets as ordinary traffic (mirror/SPAN capture): each becomes a flow sample').conflicts('telemetry'))
    .option('--telemetry', 'treat the capture as flow telemetry even if auto-detection says otherwise')
    .option('--sampling <N>', 'raw packets: keep 1 packet in N, at random (the same packets every run); default 1, every packet')
    .option('--top <N>', 'hosts listed in each peak list', '10')
    .option('--no-progress', 'no progress bar on stderr (it is drawn only when stderr is a terminal)')
    .addHelpText(
      'after',
      `
The capture's own timestamps are the clock: the detector ticks at every second of capture time,
as fast as the machine allows. Replay always runs in dry-run with mitigation enabled, without
BGP speakers, notify scripts, webhooks or the API, and keeps its state in memory.

Exit codes: 0 replayed, 1 the JSON file could not be written, 2 bad input (unreadable file, not a
capture, unsupported link type, a capture damaged part-way, invalid config or option).

Examples:
  breakwater replay -c /etc/breakwater/breakwater.yaml /var/lib/breakwater/capture/*.pcap
  breakwater replay -c strict.yaml --json strict.json incident.pcapng
  breakwater replay -c site.yaml --raw --sampling 100 span-port.pcap
Documentation: docs/replay.md`,
    )
    .action((files: string[], opts: Options) => run(files, opts, sys));
}

async function run(files: string[], opts: Options, io: ReplayCommandIo): Promise<void> {
  const fail = (code: number, message: string) => {
    io.stderr(`breakwater replay: ${message}\n`);
    io.exit(code);
  };
  let sampling: number | undefined;
  if (opts.sampling !== undefined) {
    sampling = Number(opts.sampling);
    if (!/^\d+$/.test(opts.sampling) || !Number.isSafeInteger(sampling) || sampling < 1 || sampling > 1 << 30) {
      fail(EXIT.USAGE, `--sampling must be an integer from 1 to ${1 << 30}, got '${opts.sampling}'`);
      return;
    }
  }
  const top = Number(opts.top);
  if (!/^\d+$/.test(opts.top) || top < 1 || top > 1000) {
    fail(EXIT.USAGE, `--top must be an integer from 1 to 1000, got '${opts.top}'`);
    return;
  }

  // Loaded here, not at the top: the other commands of the CLI do not pay for the daemon's modules.
  const [{ ConfigError, loadConfig, parseConfig }, { NetworkConfigError }, replay] = await Promise.all([
    import('../../config/load.js'),
    import('../../traffic/index.js'),
    import('../../replay/index.js'),
  ]);
  let config;
  try {
    config = opts.config ? loadConfig(opts.config) : parseConfig('', '<defaults>');
  } catch (e) {
    if (e instanceof ConfigError) {
      fail(EXIT.USAGE, e.message);
      return;
    }
    throw e;
  }

  const bar = opts.progress && io.stderrIsTTY() ? new ProgressBar(io) : null;
  let report: ReplayReport;
  try {
    report = await replay.replayCapture({
      file: files,
      config,
      configSource: opts.config ?? '<defaults>',
      mode: opts.raw ? 'raw' : opts.telemetry ? 'telemetry' : 'auto',
      sampling,
      top,
      onProgress: bar ? (p) => bar.update(p) : undefined,
    });
  } catch (e) {
    bar?.clear();
    if (e instanceof replay.ReplayInputError) {
      fail(EXIT.USAGE, e.message);
      return;
    }
    if (e instanceof NetworkConfigError) {
      fail(EXIT.USAGE, `invalid config ${opts.config ?? '<defaults>'}:\n${e.problems.map((p) => `  - ${p}`).join('\n')}`);
      return;
    }
    fail(EXIT.FAILURE, `replay failed: ${(e as Error).stack ?? String(e)}`);
    return;
  }
  bar?.clear();

  if (sampling !== undefined && report.mode === 'telemetry') {
    io.stderr('breakwater replay: --sampling applies to raw packets only; this capture was replayed as flow telemetry (the exporters\' own sampling applies)\n');
  }
  const text = JSON.stringify(report, null, 2) + '\n';
  if (opts.json === '-') io.stdout(text);
  else io.stdout(replay.formatReport(report));
  if (opts.json && opts.json !== '-') {
    try {
      io.writeFile(opts.json, text);
    } catch (e) {
      fail(EXIT.FAILURE, `cannot write ${opts.json}: ${(e as Error).message}`);
      return;
    }
  }
  if (report.readError) {
    fail(EXIT.USAGE, `${report.readError.message} [${report.readError.code}]: the report covers the ${report.packets} packets before it`);
    return;
  }
  io.exit(EXIT.OK);
}

/** One line on stderr, redrawn in place (\r) at most every 100 ms. */
class ProgressBar {
  private last = 0;
  private drawn = false;
  constructor(private readonly io: ReplayCommandIo) {}

  update(p: ReplayProgress): void {
    const now = Date.now();
    if (now - this.last < 100 && p.bytes < p.totalBytes) return;
    this.last = now;
    const frac = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 1;
    const width = 30;
    const full = Math.round(frac * width);
    const mb = (b: number) => (b / 1e6).toFixed(1);
    this.io.stderr(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${mb(p.bytes)}/${mb(p.totalBytes)} MB  ${p.packets.toLocaleString('en-US')} packets`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.io.stderr('\r\x1b[K');
    this.drawn = false;
  }
}
