/**
 * Test support for replay: captures built from flowgen's simulated exporters (the datagrams a
 * real exporter would send, with the times it would send them), and a live daemon run over real
 * UDP with the recorder attached, time driven by the test as in test/scenarios/harness.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, ipUdpPacket, linkFrame, LinkType, type PcapRecord } from '../../src/capture/index.js';
import type { Attack } from '../../src/detection/index.js';
import { SimulatedExporter, type FlowgenProtocol, type TrafficDescription } from '../../tools/flowgen/index.js';
import { runScenario } from '../scenarios/harness.js';

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
 * The live daemon over loopback UDP (test/scenarios/harness.ts: each virtual second's datagrams
 * sent in 100 ms steps, ticked at the second's end) with collectors.record writing what its
 * listeners receive into `dir`/capture.
 */
export async function runLiveRecorded(sources: SimSource[], seconds: number, dir: string, configYaml = REPLAY_CONFIG_YAML): Promise<LiveResult> {
  const r = await runScenario(sources, seconds, configYaml, { stateDir: dir, t0: T0, recordDirectory: join(dir, 'capture') });
  // runScenario has stopped the daemon: the recorder has written its last buffer and closed its file.
  return { started: r.started, ended: r.ended, files: r.daemon.recorder!.listFiles(), datagrams: r.daemon.ingest.totals.datagrams, samples: r.daemon.ingest.totals.samples };
}

export function tempDir(prefix = 'bw-replay-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
