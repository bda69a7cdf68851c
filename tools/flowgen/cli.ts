/**
 * flowgen command line: generate sFlow / NetFlow v5 / v9 / IPFIX for a built-in scenario or
 * flows given on the command line and send it to a collector on loopback.
 *
 *   node dist/tools/flowgen/cli.js --proto sflow --target 127.0.0.1:6343 --scenario udp-flood --seconds 10
 *   node dist/tools/flowgen/cli.js --proto ipfix --target 127.0.0.1:4739 --rate 1000 --count 10000 \
 *     --flow "udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=50000 size=468"
 *
 * Without --rate the traffic runs in real time (the collector sees the described packet rates);
 * with --rate datagrams go out at that rate and virtual time runs as fast as needed (load tests).
 */
import { Command, InvalidArgumentError, Option, CommanderError } from 'commander';
import { pathToFileURL } from 'node:url';
import { parseFlowText } from './flow-text.js';
import { scenarioDescription, scenarioNames, SCENARIOS } from './scenarios.js';
import { isLoopbackHost, sendDatagrams, type SendReport } from './sender.js';
import { FLOWGEN_PROTOCOLS, SimulatedExporter, type FlowgenProtocol, type SimulatedExporterOptions } from './simulate.js';
import { TrafficError, type FlowSpec, type TrafficDescription } from './traffic.js';
import type { V9SamplingAnnounce } from './netflow-v9.js';
import type { IpfixSamplingAnnounce } from './ipfix.js';

export const DEFAULT_PORTS: Record<FlowgenProtocol, number> = { sflow: 6343, netflow5: 2055, netflow9: 2055, ipfix: 4739 };
export const DEFAULT_COUNT = 100_000;
export const DEFAULT_SECONDS = 10;

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return Number(v);
  };
}

function nonNegativeInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
    return Number(v);
  };
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number.`);
    return n;
  };
}

export function parseTarget(text: string, defaultPort: number): { host: string; port: number } {
  const t = text.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  let host: string;
  let port: string | undefined;
  if (bracket) {
    host = bracket[1];
    port = bracket[2];
  } else if ((t.match(/:/g) ?? []).length === 1) {
    [host, port] = t.split(':');
  } else {
    host = t;
  }
  if (host === '') throw new InvalidArgumentError(`target '${text}' has no host.`);
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw new InvalidArgumentError(`target '${text}': port must be 1..65535.`);
  }
  return { host, port: port === undefined ? defaultPort : Number(port) };
}

interface CliOptions {
  proto: FlowgenProtocol;
  target?: string;
  rate?: number;
  count: number;
  seconds: number;
  scenario?: string;
  flow: string[];
  sampling?: number;
  scale?: number;
  background?: boolean;
  stepMs: number;
  activeTimeoutMs?: number;
  agent?: string;
  subAgent?: number;
  sourceId?: number;
  domain?: number;
  samplesPerDatagram?: number;
  recordsPerDatagram?: number;
  samplingAnnounce?: string;
  countersMs?: number;
  dryRun?: boolean;
  listScenarios?: boolean;
  allowNonLoopback?: boolean;
  json?: boolean;
}

function buildProgram(io: CliIo): Command {
  const p = new Command('flowgen');
  p.description('Generate sFlow/NetFlow/IPFIX telemetry for a scenario or given flows and send it to a collector on loopback.')
    .addOption(new Option('--proto <protocol>', 'export protocol').choices(FLOWGEN_PROTOCOLS as string[]))
    .option('--target <host:port>', 'collector address (loopback only); port defaults to 6343 sflow, 2055 netflow, 4739 ipfix', undefined)
    .option('--rate <n>', 'datagrams per second; without it the traffic runs in real time', positiveNumber('--rate'))
    .option('--count <n>', 'stop after this many datagrams', positiveInt('--count'), DEFAULT_COUNT)
    .option('--seconds <s>', 'stop after this many seconds', positiveNumber('--seconds'), DEFAULT_SECONDS)
    .option('--scenario <name>', `built-in scenario: ${scenarioNames().join(', ')}`)
    .option('--flow <text>', 'a flow: "udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=50000 size=468" (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--sampling <n>', '1-in-N sampling rate (default 1000 for scenarios, 1 for --flow)', positiveInt('--sampling'))
    .option('--scale <x>', 'multiply every scenario flow rate by x', positiveNumber('--scale'))
    .option('--background', 'add normal traffic under an attack scenario')
    .option('--step-ms <ms>', 'generator time step', positiveInt('--step-ms'), 100)
    .option('--active-timeout-ms <ms>', 'NetFlow/IPFIX: flow duration encoded in first/last switched', positiveInt('--active-timeout-ms'))
    .option('--agent <address>', 'sFlow agent address (default 127.0.0.1)')
    .option('--sub-agent <n>', 'sFlow sub-agent id', nonNegativeInt('--sub-agent'))
    .option('--source-id <n>', 'NetFlow v9 source id', nonNegativeInt('--source-id'))
    .option('--domain <n>', 'IPFIX observation domain id', nonNegativeInt('--domain'))
    .option('--samples-per-datagram <n>', 'sFlow samples per datagram (default 7)', positiveInt('--samples-per-datagram'))
    .option('--records-per-datagram <n>', 'NetFlow/IPFIX records per datagram (default 30 v5, 24 v9/IPFIX)', positiveInt('--records-per-datagram'))
    .option('--sampling-announce <mode>', 'v9: options-sampler|options-interval|in-record|none; IPFIX: options-305-306|options-34|in-record-34|none')
    .option('--counters-ms <ms>', 'sFlow: interface counter samples every ms (default none)', positiveInt('--counters-ms'))
    .option('--dry-run', 'generate and count datagrams without sending')
    .option('--list-scenarios', 'list the built-in scenarios and exit')
    .option('--allow-non-loopback', 'allow a target outside 127.0.0.0/8 and ::1 (never in tests)')
    .option('--json', 'print the report as JSON');
  p.exitOverride();
  p.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return p;
}

function describe(o: CliOptions): TrafficDescription {
  if (o.scenario !== undefined && o.flow.length > 0) throw new TrafficError('give either --scenario or --flow, not both');
  if (o.scenario === undefined && o.flow.length === 0) throw new TrafficError('give --scenario <name> or at least one --flow "<flow>"');
  const exporter = { agent: o.agent, subAgentId: o.subAgent, sourceId: o.sourceId, observationDomainId: o.domain };
  if (o.scenario !== undefined) {
    if (SCENARIOS[o.scenario] === undefined) throw new TrafficError(`unknown scenario '${o.scenario}' (${scenarioNames().join(', ')})`);
    return scenarioDescription(o.scenario, { samplingRate: o.sampling, scale: o.scale, background: o.background, exporter, activeTimeoutMs: o.activeTimeoutMs });
  }
  const flows: FlowSpec[] = o.flow.map((f) => parseFlowText(f));
  return { flows, samplingRate: o.sampling ?? 1, exporter, activeTimeoutMs: o.activeTimeoutMs };
}

function simOptions(o: CliOptions): SimulatedExporterOptions {
  const a = o.samplingAnnounce;
  const v9Modes = ['options-sampler', 'options-interval', 'in-record', 'none'];
  const ipfixModes = ['options-305-306', 'options-34', 'in-record-34', 'none'];
  if (a !== undefined) {
    if (o.proto === 'netflow9' && !v9Modes.includes(a)) throw new TrafficError(`--sampling-announce for netflow9 must be one of ${v9Modes.join(', ')}`);
    if (o.proto === 'ipfix' && !ipfixModes.includes(a)) throw new TrafficError(`--sampling-announce for ipfix must be one of ${ipfixModes.join(', ')}`);
    if (o.proto === 'sflow' || o.proto === 'netflow5') throw new TrafficError('--sampling-announce only applies to netflow9 and ipfix');
  }
  if (o.samplesPerDatagram !== undefined && o.proto !== 'sflow') throw new TrafficError('--samples-per-datagram only applies to sflow (use --records-per-datagram)');
  if (o.recordsPerDatagram !== undefined && o.proto === 'sflow') throw new TrafficError('--records-per-datagram does not apply to sflow (use --samples-per-datagram)');
  return {
    counterIntervalMs: o.countersMs,
    sflow: { samplesPerDatagram: o.samplesPerDatagram },
    netflow5: { recordsPerDatagram: o.recordsPerDatagram },
    netflow9: { recordsPerDatagram: o.recordsPerDatagram, sampling: a as V9SamplingAnnounce | undefined },
    ipfix: { recordsPerDatagram: o.recordsPerDatagram, sampling: a as IpfixSamplingAnnounce | undefined },
  };
}

/** Runs the CLI; returns the exit code (0 ok, 1 runtime failure, 2 bad arguments). Never calls process.exit. */
export async function runCli(argv: string[], io: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const program = buildProgram(io);
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const o = program.opts<CliOptions>();
  if (o.listScenarios) {
    for (const s of Object.values(SCENARIOS)) io.out(`${s.name.padEnd(20)} ${s.summary}\n`);
    return 0;
  }
  let sim: SimulatedExporter;
  let target: { host: string; port: number };
  try {
    if (o.proto === undefined) throw new TrafficError('--proto is required (sflow, netflow5, netflow9, ipfix)');
    target = parseTarget(o.target ?? '127.0.0.1', DEFAULT_PORTS[o.proto]);
    if (!o.allowNonLoopback && !isLoopbackHost(target.host)) {
      throw new TrafficError(`refusing target ${target.host}: not loopback (127.0.0.0/8, ::1); --allow-non-loopback overrides`);
    }
    sim = new SimulatedExporter(o.proto, describe(o), simOptions(o));
  } catch (e) {
    if (e instanceof TrafficError || e instanceof RangeError || e instanceof InvalidArgumentError) {
      io.err(`flowgen: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let report: SendReport;
  if (o.dryRun) {
    const t0 = performance.now();
    let n = 0;
    let bytes = 0;
    for (const d of sim.stream(o.stepMs)) {
      n++;
      bytes += d.length;
      if (n >= o.count || performance.now() - t0 >= o.seconds * 1000) break;
    }
    const ms = performance.now() - t0;
    report = { sent: n, errors: 0, dropped: 0, elapsedMs: ms, achievedRate: ms > 0 ? (n * 1000) / ms : 0, stoppedBy: n >= o.count ? 'count' : 'time' };
    io.out(o.json ? `${JSON.stringify({ ...report, dryRun: true, bytes, virtualMs: sim.nowMs - sim.generator.startMs })}\n`
      : `flowgen: generated ${n} ${o.proto} datagrams (${bytes} bytes, ${(sim.nowMs - sim.generator.startMs) / 1000}s of traffic) in ${ms.toFixed(0)} ms, not sent (--dry-run)\n`);
    return 0;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    report = await sendDatagrams({
      host: target.host,
      port: target.port,
      ...(o.rate !== undefined ? { datagrams: sim.stream(o.stepMs), rate: o.rate } : { generator: sim.realtime(o.stepMs) }),
      maxCount: o.count,
      maxSeconds: o.seconds,
      allowNonLoopback: o.allowNonLoopback,
      signal: controller.signal,
    });
  } catch (e) {
    io.err(`flowgen: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (o.json) {
    io.out(`${JSON.stringify({ ...report, protocol: o.proto, target: `${target.host}:${target.port}`, samples: sim.units })}\n`);
  } else {
    io.out(`flowgen: sent ${report.sent} ${o.proto} datagrams to ${target.host}:${target.port} in ${(report.elapsedMs / 1000).toFixed(2)} s `
      + `(${report.achievedRate.toFixed(0)}/s), ${report.errors} errors${report.firstError ? ` (first: ${report.firstError})` : ''}, `
      + `${report.dropped} dropped, stopped by ${report.stoppedBy}; ${sim.units} ${o.proto === 'sflow' ? 'samples' : 'records'} generated\n`);
  }
  return report.sent > 0 || report.errors === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (e: unknown) => {
    process.stderr.write(`flowgen: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
