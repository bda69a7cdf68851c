/**
 * Scenario harness: the real daemon (UDP listeners, decoders, traffic accounting, detection) fed
 * over loopback UDP by flowgen's simulated exporters, with time driven by the test. Each virtual
 * second: the exporters' datagrams for that second are sent in 100 ms steps, the harness waits
 * until the daemon has received every one of them, then ticks the detector at the second's end.
 * Real sockets and real decoding, deterministic timing: a second is a tick, whatever the load of
 * the machine.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { RecordingAttackSink, type Attack } from '../../src/detection/index.js';
import { SimulatedExporter, type FlowgenProtocol, type TrafficDescription } from '../../tools/flowgen/index.js';

export const DEFAULT_T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

export interface ScenarioSource {
  protocol: FlowgenProtocol;
  description: TrafficDescription;
  /** Virtual seconds (from 0) during which this source sends; default all. */
  activeSeconds?: [from: number, to: number];
}

export interface ScenarioResult {
  /** Attack events with the virtual second (1-based tick number) they happened at. */
  started: Array<{ second: number; attack: Attack }>;
  ended: Array<{ second: number; attack: Attack }>;
  daemon: Daemon;
  /** Decode errors seen by ingest (should be empty). */
  errors: Array<[string, number]>;
}

/** Detection config used by the scenarios unless overridden: per-host thresholds of 40k pps / 1000 Mbit/s. */
export const BASE_CONFIG = `
traffic:
  networks: [192.0.2.0/24, "2001:db8::/64"]
detection:
  thresholds:
    incoming: { pps: 40000, mbps: 1000 }
    outgoing: { pps: 40000, mbps: 1000 }
`;

export interface ScenarioOptions {
  /** State directory to use (kept afterwards, for restart tests); default a fresh temp dir, removed. */
  stateDir?: string;
  /** Called after each tick with the virtual second (1-based): for assertions during the run. */
  afterTick?: (second: number, daemon: Daemon) => Promise<void> | void;
  /** Virtual clock start. */
  t0?: number;
  /** Record the received datagrams into this directory (collectors.record): replay tests. */
  recordDirectory?: string;
}

export async function runScenario(sources: ScenarioSource[], seconds: number, configYaml = BASE_CONFIG, opts: ScenarioOptions = {}): Promise<ScenarioResult> {
  const T0 = opts.t0 ?? DEFAULT_T0;
  const dir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'bw-scenario-'));
  let clock = T0;
  const attacks = new RecordingAttackSink();
  const config = parseConfig(`${configYaml}
state: { path: ${join(dir, 'state.db')} }
${/^api:/m.test(configYaml) ? '' : 'api: { port: 0 }'}
logging: { level: warn }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: 0 }
    - { protocol: netflow, address: 127.0.0.1, port: 0 }
  receive_buffer: 8388608
  log_interval_seconds: 0
${opts.recordDirectory ? `  record: { enabled: true, directory: ${opts.recordDirectory} }` : ''}
`);
  const daemon = new Daemon(config, { logger: silentLogger(), now: () => clock, autoTick: false, attackSink: attacks });
  const socket = dgram.createSocket('udp4');
  const started: ScenarioResult['started'] = [];
  const ended: ScenarioResult['ended'] = [];
  try {
    await daemon.start();
    const [sflowPort, netflowPort] = daemon.listener.ports();
    const exporters = sources.map((s) => ({ s, ex: new SimulatedExporter(s.protocol, s.description, { startMs: T0 }) }));
    let sent = 0;
    let seenStarted = 0;
    let seenEnded = 0;
    for (let sec = 0; sec < seconds; sec++) {
      for (let step = 0; step < 10; step++) {
        clock = T0 + sec * 1000 + step * 100;
        for (const { s, ex } of exporters) {
          const dgs = ex.step(100);
          const active = !s.activeSeconds || (sec >= s.activeSeconds[0] && sec < s.activeSeconds[1]);
          if (!active) continue;
          const port = s.protocol === 'sflow' ? sflowPort : netflowPort;
          for (const d of dgs) {
            await new Promise<void>((res, rej) => socket.send(d, port, '127.0.0.1', (err) => (err ? rej(err) : res())));
            sent++;
          }
        }
        const deadline = Date.now() + 5000;
        while (daemon.ingest.totals.datagrams < sent && Date.now() < deadline) await sleep(2);
        if (daemon.ingest.totals.datagrams < sent) throw new Error(`daemon received ${daemon.ingest.totals.datagrams} of ${sent} datagrams`);
      }
      clock = T0 + (sec + 1) * 1000;
      daemon.tick(clock);
      for (const a of attacks.of('started').slice(seenStarted)) started.push({ second: sec + 1, attack: structuredClone(a) });
      for (const a of attacks.of('ended').slice(seenEnded)) ended.push({ second: sec + 1, attack: structuredClone(a) });
      seenStarted = attacks.of('started').length;
      seenEnded = attacks.of('ended').length;
      await opts.afterTick?.(sec + 1, daemon);
    }
    return { started, ended, daemon, errors: [...daemon.ingest.totals.errors] };
  } finally {
    socket.close();
    await daemon.stop();
    if (opts.stateDir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
