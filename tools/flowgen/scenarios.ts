/**
 * Built-in traffic scenarios for the CLI, scenario tests and the demo. Every scenario is fully
 * deterministic (a seeded generator picks ports and sources) and uses documentation addresses only
 * (RFC 5737, RFC 3849). "Our" networks are 192.0.2.0/24 and 2001:db8::/64; attackers and remote
 * peers live in 198.51.100.0/24, 203.0.113.0/24 and 2001:db8:bad::/48.
 */
import { TcpFlag } from '../../src/flow/sample.js';
import type { ExporterSettings, FlowSpec, TrafficDescription } from './traffic.js';

export const SCENARIO_NETWORK_V4 = '192.0.2.0/24';
export const SCENARIO_NETWORK_V6 = '2001:db8::/64';
export const SCENARIO_VICTIM_V4 = '192.0.2.10';
export const SCENARIO_VICTIM_V6 = '2001:db8::10';
/** The host of ours that attacks others in 'outgoing-attack'. */
export const SCENARIO_OUTGOING_SOURCE = '192.0.2.50';
export const DEFAULT_SCENARIO_SAMPLING = 1000;
/** Interfaces: 1 faces the internet (uplink), 2 faces our networks. */
export const UPLINK_IF = 1;
export const DOWNLINK_IF = 2;

export interface ScenarioOptions {
  /** Target of the inbound attacks. Defaults SCENARIO_VICTIM_V4 / SCENARIO_VICTIM_V6. */
  victim?: string;
  victim6?: string;
  /** 1-in-N sampling. Default 1000. */
  samplingRate?: number;
  /** Multiplies every flow's pps. Default 1. */
  scale?: number;
  /** Adds the 'normal' traffic under an attack scenario. Default false. */
  background?: boolean;
  exporter?: ExporterSettings;
  activeTimeoutMs?: number;
}

export interface Scenario {
  name: string;
  summary: string;
  /** The scenario's flows at scale 1, without background traffic. */
  flows(o: Required<Pick<ScenarioOptions, 'victim' | 'victim6'>>): FlowSpec[];
}

/** Deterministic LCG (Numerical Recipes constants): the same scenario is the same bytes every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

function spread(total: number, n: number, make: (i: number, pps: number) => FlowSpec): FlowSpec[] {
  const out: FlowSpec[] = [];
  for (let i = 0; i < n; i++) out.push(make(i, total / n));
  return out;
}

function attackerV4(i: number): string {
  return i % 2 === 0 ? `198.51.100.${1 + ((i >> 1) % 254)}` : `203.0.113.${1 + ((i >> 1) % 254)}`;
}

function ephemeral(r: () => number): number {
  return 1024 + Math.floor(r() * 64000);
}

const normal: Scenario = {
  name: 'normal',
  summary: 'mixed legitimate traffic to 10 servers: HTTPS both ways, DNS, ping, some IPv6 (about 22k pps)',
  flows() {
    const r = rng(1);
    const f: FlowSpec[] = [];
    for (let h = 0; h < 10; h++) {
      const server = `192.0.2.${20 + h}`;
      const client = attackerV4(h * 7 + 3);
      const cport = ephemeral(r);
      f.push({ src: client, dst: server, protocol: 'tcp', srcPort: cport, dstPort: 443, tcpFlags: TcpFlag.ACK | TcpFlag.PSH, packetSize: 120, pps: 600, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF, srcAs: 64500 + h, dstAs: 64496 });
      f.push({ src: server, dst: client, protocol: 'tcp', srcPort: 443, dstPort: cport, tcpFlags: TcpFlag.ACK, packetSize: 1518, pps: 1200, inputIf: DOWNLINK_IF, outputIf: UPLINK_IF, srcAs: 64496, dstAs: 64500 + h });
      f.push({ src: client, dst: server, protocol: 'tcp', srcPort: ephemeral(r), dstPort: 443, tcpFlags: TcpFlag.SYN, packetSize: 78, pps: 5, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF });
      f.push({ src: client, dst: server, protocol: 'udp', srcPort: ephemeral(r), dstPort: 53, packetSize: 90, pps: 20, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF });
      f.push({ src: client, dst: server, protocol: 'icmp', icmpType: 8, icmpCode: 0, packetSize: 102, pps: 2, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF });
    }
    f.push({ src: '2001:db8:bad::1', dst: '2001:db8::20', protocol: 'tcp', srcPort: 50000, dstPort: 443, tcpFlags: TcpFlag.ACK, packetSize: 140, pps: 300, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF });
    f.push({ src: '2001:db8::20', dst: '2001:db8:bad::1', protocol: 'tcp', srcPort: 443, dstPort: 50000, tcpFlags: TcpFlag.ACK, packetSize: 1518, pps: 600, inputIf: DOWNLINK_IF, outputIf: UPLINK_IF });
    return f;
  },
};

const udpFlood: Scenario = {
  name: 'udp-flood',
  summary: 'UDP flood from 100 sources to random ports of the victim: 200k pps, 512-byte frames',
  flows({ victim }) {
    const r = rng(2);
    return spread(200_000, 100, (i, pps) => ({ src: attackerV4(i), dst: victim, protocol: 'udp', srcPort: ephemeral(r), dstPort: ephemeral(r), packetSize: 512, pps, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF }));
  },
};

const synFlood: Scenario = {
  name: 'syn-flood',
  summary: 'TCP SYN flood from 200 sources to port 80 of the victim: 300k pps, 64-byte frames',
  flows({ victim }) {
    const r = rng(3);
    return spread(300_000, 200, (i, pps) => ({ src: attackerV4(i), dst: victim, protocol: 'tcp', srcPort: ephemeral(r), dstPort: 80, tcpFlags: TcpFlag.SYN, packetSize: 64, pps, ttl: 40 + (i % 60), inputIf: UPLINK_IF, outputIf: DOWNLINK_IF }));
  },
};

const icmpFlood: Scenario = {
  name: 'icmp-flood',
  summary: 'ICMP echo-request flood from 50 sources: 100k pps, 1042-byte frames',
  flows({ victim }) {
    return spread(100_000, 50, (i, pps) => ({ src: attackerV4(i), dst: victim, protocol: 'icmp', icmpType: 8, icmpCode: 0, packetSize: 1042, pps, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF }));
  },
};

const fragFlood: Scenario = {
  name: 'fragment-flood',
  summary: 'IPv4 UDP fragment flood from 60 sources: first, middle and last fragments, 120k pps',
  flows({ victim }) {
    const r = rng(4);
    const kinds = ['first', 'middle', 'last'] as const;
    return spread(120_000, 60, (i, pps) => {
      const fragment = kinds[i % 3];
      return { src: attackerV4(i), dst: victim, protocol: 'udp', srcPort: fragment === 'first' ? ephemeral(r) : undefined, dstPort: fragment === 'first' ? ephemeral(r) : undefined, fragment, packetSize: fragment === 'last' ? 600 : 1518, pps, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF };
    });
  },
};

const dnsAmp: Scenario = {
  name: 'dns-amplification',
  summary: 'DNS amplification: responses from port 53 of 50 resolvers, large and fragmented, 100k pps',
  flows({ victim }) {
    const r = rng(5);
    const out: FlowSpec[] = [];
    for (let i = 0; i < 50; i++) {
      const src = attackerV4(i + 300);
      // A 3-4 kB answer: a first fragment carrying the UDP header from port 53, then the tail.
      out.push({ src, dst: victim, protocol: 'udp', srcPort: 53, dstPort: ephemeral(r), fragment: 'first', packetSize: 1518, pps: 1200, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF, srcAs: 64600 + (i % 20) });
      out.push({ src, dst: victim, protocol: 'udp', fragment: 'last', packetSize: 1100, pps: 400, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF, srcAs: 64600 + (i % 20) });
      out.push({ src, dst: victim, protocol: 'udp', srcPort: 53, dstPort: ephemeral(r), packetSize: 1200, pps: 400, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF, srcAs: 64600 + (i % 20) });
    }
    return out;
  },
};

const ntpAmp: Scenario = {
  name: 'ntp-amplification',
  summary: 'NTP monlist amplification: 468-byte IP packets (486-byte frames) from port 123 of 40 servers, 80k pps',
  flows({ victim }) {
    const r = rng(6);
    return spread(80_000, 40, (i, pps) => ({ src: attackerV4(i + 600), dst: victim, protocol: 'udp', srcPort: 123, dstPort: ephemeral(r), packetSize: 486, pps, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF }));
  },
};

const outgoing: Scenario = {
  name: 'outgoing-attack',
  summary: `a compromised host of ours (${SCENARIO_OUTGOING_SOURCE}) floods 20 outside addresses over UDP: 150k pps`,
  flows() {
    const r = rng(7);
    return spread(150_000, 20, (i, pps) => ({ src: SCENARIO_OUTGOING_SOURCE, dst: `203.0.113.${100 + i}`, protocol: 'udp', srcPort: ephemeral(r), dstPort: 80, packetSize: 1200, pps, inputIf: DOWNLINK_IF, outputIf: UPLINK_IF }));
  },
};

const ipv6Flood: Scenario = {
  name: 'ipv6-flood',
  summary: 'IPv6 UDP flood from 64 sources in 2001:db8:bad::/48 to the IPv6 victim: 200k pps, 512-byte frames',
  flows({ victim6 }) {
    const r = rng(8);
    return spread(200_000, 64, (i, pps) => ({ src: `2001:db8:bad::${(i + 1).toString(16)}`, dst: victim6, protocol: 'udp', srcPort: ephemeral(r), dstPort: ephemeral(r), packetSize: 512, pps, inputIf: UPLINK_IF, outputIf: DOWNLINK_IF }));
  },
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.fromEntries(
  [normal, udpFlood, synFlood, icmpFlood, fragFlood, dnsAmp, ntpAmp, outgoing, ipv6Flood].map((s) => [s.name, s]),
);

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

/** The traffic description of a built-in scenario. Throws with the list of names for an unknown one. */
export function scenarioDescription(name: string, opts: ScenarioOptions = {}): TrafficDescription {
  const s = SCENARIOS[name];
  if (s === undefined) throw new RangeError(`unknown scenario '${name}' (${scenarioNames().join(', ')})`);
  const scale = opts.scale ?? 1;
  if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError('scale must be a finite number >= 0');
  const ctx = { victim: opts.victim ?? SCENARIO_VICTIM_V4, victim6: opts.victim6 ?? SCENARIO_VICTIM_V6 };
  let flows = s.flows(ctx);
  if (opts.background && name !== 'normal') flows = [...normal.flows(ctx), ...flows];
  return {
    flows: flows.map((f) => ({ ...f, pps: f.pps * scale })),
    samplingRate: opts.samplingRate ?? DEFAULT_SCENARIO_SAMPLING,
    exporter: opts.exporter,
    activeTimeoutMs: opts.activeTimeoutMs,
  };
}

/** Sum of real pps over a description's flows towards one destination (or all when dst is undefined). */
export function totalPps(d: TrafficDescription, dst?: string): number {
  return d.flows.filter((f) => dst === undefined || f.dst === dst).reduce((a, f) => a + f.pps, 0);
}
