/**
 * Builders for mitigation tests: attacks and fingerprints as detection would report them, a
 * manual clock, and network sets. Not used by the daemon.
 */
import type { Attack, AttackType } from '../detection/attack.js';
import type { Fingerprint } from '../detection/fingerprint.js';
import { METRIC_NAMES, type MetricName } from '../traffic/layout.js';
import { NetworkSets } from '../traffic/networks.js';
import { mitigationConfigSchema, type MitigationConfig } from './config.js';

export class ManualClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): number {
    this.ms += seconds * 1000;
    return this.ms;
  }
}

export function networks(nets: string[] = ['10.0.0.0/16', '2001:db8::/32'], allow: string[] = []): NetworkSets {
  return NetworkSets.fromConfig({
    networks: nets,
    networks_file: null,
    allow_list: { hosts: allow, hosts_file: null, remote: [], remote_file: null },
  });
}

export function mitigationConfig(over: Record<string, unknown> = {}): MitigationConfig {
  return mitigationConfigSchema.parse(over);
}

export function fingerprint(dominant: Fingerprint['dominant'], confidence = 0.95): Fingerprint {
  return {
    direction: 'incoming',
    samples: 400,
    effectiveSamples: 400,
    packets: 400_000,
    samplingRate: { min: 1000, max: 1000, mean: 1000 },
    spanSeconds: 3,
    confidence,
    marginOfError: 1 - confidence,
    protocols: [],
    withPortsShare: 1,
    srcPorts: [],
    dstPorts: [],
    tcpFlags: [],
    packetLength: { min: 60, max: 1500, mean: 500, p10: 60, p50: 500, p90: 1400, top: [], buckets: [] },
    fragmentShare: 0,
    nonFirstFragmentShare: 0,
    ttls: [],
    distinctRemotes: 100,
    remotePrefixes: [],
    dominant,
  };
}

let seq = 0;

export function attack(over: Partial<Attack> & { mbps?: number; pps?: number } = {}): Attack {
  const { mbps = 500, pps = 100_000, ...rest } = over;
  const current = Object.fromEntries(METRIC_NAMES.map((m) => [m, 0])) as Record<MetricName, number>;
  current.mbps = mbps;
  current.pps = pps;
  const host = rest.host ?? '10.0.1.5';
  const type: AttackType = rest.type ?? 'udp_flood';
  const a: Attack = {
    id: `attack-${++seq}`,
    host,
    ipVersion: host.includes(':') ? 6 : 4,
    group: 'global',
    direction: 'incoming',
    status: 'active',
    startedMs: Date.UTC(2026, 0, 1),
    updatedMs: Date.UTC(2026, 0, 1),
    endedMs: null,
    endReason: null,
    trigger: { metric: 'pps', threshold: 20_000, value: pps, ratio: pps / 20_000, rule: 'consecutive' },
    exceeded: [],
    type,
    amplification: null,
    protocol: 'udp',
    current,
    average: {},
    peak: { pps, mbps, flows: 0 },
    allowListed: false,
    fingerprint: null,
    updates: 0,
    ...rest,
  };
  return a;
}
