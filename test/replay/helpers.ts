/**
 * Test support for replay: captures built from flowgen's simulated exporters (the datagrams a
 * real exporter would send, with the times it would send them), and a live daemon run over real
 * UDP with the recorder attached, time driven by the test as in test/scenarios/harness.ts.
 */
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodePcap, ipUdpPacket, linkFrame, LinkType, type PcapRecord } from '../../src/capture/index.js';
import { parseConfig } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon.js';
import { RecordingAttackSink, type Attack } from '../../src/detection/index.js';
import { DatagramRecorder } from '../../src/flow/recorder.js';
import { silentLogger } from '../../src/log.js';
import { SimulatedExporter, type FlowgenProtocol, type TrafficDescription } from '../../tools/flowgen/index.js';

export const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

/** Thresholds of the scenario tests: 40k pps / 1000 Mbit/s per host, our networks 192.0.2.0/24 and 2001:db8::/64. */
export const REPLAY_CONFIG_YAML = `
traffic:
  networks: [192.0.2.0/24, "2001:db8::/64"]
detection:
  thresholds:
    incoming: { pps: 40000, mbps: 1000 }
    outgoing: { pps: 40000, mbps: 1000 }
`;

export interface SimSource {
  protocol: FlowgenProtocol;
  description: TrafficDescription;
  /** Virtual seconds [from, to) during which this source's datagrams are kept; default all. */
  activeSeconds?: [number, number];
  /** Exporter address and UDP source port in the capture. */
  srcAddr?: string;
  srcPort?: number;
  /** Collector port; default 6343 for sFlow, 2055 otherwise. */
  dstPort?: number;
}

export function defaultPort(p: FlowgenProtocol): number {
  return p === 'sflow' ? 6343 : p === 'ipfix' ? 4739 : 2055;
}

/**
 * What the exporters send over `seconds` virtual seconds from `t0`, in 100 ms steps, as
 * timestamped datagrams (the same stepping as the scenario harness).
 */
export function simulate(sources: SimSource[], seconds: number, t0 = T0): Array<{ tsMs: number; src: SimSource; payload: Buffer }> {
  const out: Array<{ tsMs: number; src: SimSource; payload: Buffer }> = [];
  const ex = sources.map((s) => ({ s, e: new SimulatedExporter(s.protocol, s.description, { startMs: t0 }) }));
  for (let sec = 0; sec < seconds; sec++) {
    for (let step = 0; step < 10; step++) {
      const ts = t0 + sec * 1000 + step * 100;
      for (const { s, e } of ex) {
        const dgs = e.step(100);
        if (s.activeSeconds && (sec < s.activeSeconds[0] || sec >= s.activeSeconds[1])) continue;
        for (const d of dgs) out.push({ tsMs: ts, src: s, payload: d });
      }
    }
  }
  return out;
}

/** A classic pcap (Ethernet) of simulated exporter datagrams. */
export function simulatedPcap(sources: SimSource[], seconds: number, t0 = T0): Buffer {
  const records: PcapRecord[] = simulate(sources, seconds, t0).map((d) => ({
    tsMs: d.tsMs,
    data: linkFrame(
      LinkType.ETHERNET,
      ipUdpPacket({ srcAddr: d.src.srcAddr ?? '127.0.0.1', dstAddr: '127.0.0.1', srcPort: d.src.srcPort ?? 40000, dstPort: d.src.dstPort ?? defaultPort(d.src.protocol), payload: d.payload }),
    ),
  }));
  return encodePcap(records, { linkType: LinkType.ETHERNET });
}

export interface LiveResult {
  started: Array<{ second: number; attack: Attack }>;
  ended: Array<{ second: number; attack: Attack }>;
  /** Capture files the recorder wrote, oldest first. */
  files: string[];
  datagrams: number;
  samples: number;
}

/**
 * The live daemon over loopback UDP with the recorder attached to its listeners: each virtual
 * second's datagrams are sent in 100 ms steps, the test waits until the daemon has them all,
 * then ticks at the second's end.
 */
export async function runLiveRecorded(sources: SimSource[], seconds: number, dir: string, configYaml = REPLAY_CONFIG_YAML): Promise<LiveResult> {
  let clock = T0;
  const attacks = new RecordingAttackSink();
  const config = parseConfig(`${configYaml}
state: { path: ${join(dir, 'state.db')} }
api: { enabled: false }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: 0 }
    - { protocol: netflow, address: 127.0.0.1, port: 0 }
  receive_buffer: 8388608
  log_interval_seconds: 0
  record: { enabled: true, directory: ${join(dir, 'capture')}, max_file_bytes: 67108864, max_files: 10 }
`);
  const daemon = new Daemon(config, { logger: silentLogger(), now: () => clock, autoTick: false, attackSink: attacks });
  const recorder = new DatagramRecorder(config.collectors.record, { logger: silentLogger() });
  daemon.listener.setDatagramTap(recorder);
  const socket = dgram.createSocket('udp4');
  const started: LiveResult['started'] = [];
  const ended: LiveResult['ended'] = [];
  let counts: { datagrams: number; samples: number };
  try {
    await recorder.start();
    await daemon.start();
    await new Promise<void>((res) => socket.bind(0, '127.0.0.1', () => res()));
    const [sflowPort, netflowPort] = daemon.listener.ports();
    const ex = sources.map((s) => ({ s, e: new SimulatedExporter(s.protocol, s.description, { startMs: T0 }) }));
    let sent = 0;
    for (let sec = 0; sec < seconds; sec++) {
      for (let step = 0; step < 10; step++) {
        clock = T0 + sec * 1000 + step * 100;
        for (const { s, e } of ex) {
          const dgs = e.step(100);
          if (s.activeSeconds && (sec < s.activeSeconds[0] || sec >= s.activeSeconds[1])) continue;
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
      for (const a of attacks.of('started').slice(started.length)) started.push({ second: sec + 1, attack: a });
      for (const a of attacks.of('ended').slice(ended.length)) ended.push({ second: sec + 1, attack: a });
    }
    counts = { datagrams: daemon.ingest.totals.datagrams, samples: daemon.ingest.totals.samples };
  } finally {
    socket.close();
    await daemon.stop();
    await recorder.stop();
  }
  // After stop: the recorder has written its last buffer and closed its file.
  return { started, ended, files: recorder.listFiles(), ...counts };
}

export function tempDir(prefix = 'bw-replay-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
