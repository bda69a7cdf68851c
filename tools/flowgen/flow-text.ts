/**
 * The one-line flow syntax of the CLI:
 *
 *   <proto> <src>[:port] -> <dst>[:port] [key=value ...]
 *
 * e.g. `udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=50000 size=468` or
 * `tcp [2001:db8::7]:40000 -> [2001:db8::10]:80 pps=1000 size=74 flags=S`.
 * proto: tcp, udp, icmp, icmpv6 or a number. Keys: pps, size, flags (number, letters FSRPAUEC or
 * names like syn,ack), tos, ttl, frag (first|middle|last), in, out, srcas, dstas, vlan, type,
 * code, nexthop. Errors say which part of the line is wrong.
 */
import { TcpFlag } from '../../src/flow/sample.js';
import { resolveFlow, TrafficError, type FlowSpec, type ProtocolName } from './traffic.js';

const FLAG_LETTERS: Record<string, number> = {
  F: TcpFlag.FIN, S: TcpFlag.SYN, R: TcpFlag.RST, P: TcpFlag.PSH, A: TcpFlag.ACK, U: TcpFlag.URG, E: TcpFlag.ECE, C: TcpFlag.CWR,
};
const FLAG_NAMES: Record<string, number> = {
  fin: TcpFlag.FIN, syn: TcpFlag.SYN, rst: TcpFlag.RST, psh: TcpFlag.PSH, ack: TcpFlag.ACK, urg: TcpFlag.URG, ece: TcpFlag.ECE, cwr: TcpFlag.CWR,
};

/** Parses TCP flags: "0x12", "18", "SA", "syn,ack". */
export function parseTcpFlags(text: string): number {
  const t = text.trim();
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) {
    const v = Number(t);
    if (v > 255) throw new TrafficError(`tcp flags ${t} exceed 255`);
    return v;
  }
  if (/^[FSRPAUEC]+$/.test(t)) {
    let v = 0;
    for (const ch of t) v |= FLAG_LETTERS[ch];
    return v;
  }
  let v = 0;
  for (const name of t.toLowerCase().split(/[,|+]/)) {
    const f = FLAG_NAMES[name.trim()];
    if (f === undefined) throw new TrafficError(`unknown tcp flag '${name}' (use letters FSRPAUEC, names like syn,ack, or a number)`);
    v |= f;
  }
  return v;
}

function parseEndpoint(text: string, which: string): { address: string; port?: number } {
  let addr = text;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    addr = bracket[1];
    port = bracket[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const i = text.indexOf(':');
    addr = text.slice(0, i);
    port = text.slice(i + 1);
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new TrafficError(`${which} port '${port}' is not a number`);
  return port === undefined ? { address: addr } : { address: addr, port: Number(port) };
}

function num(key: string, v: string): number {
  if (!/^(0x[0-9a-f]+|\d+(\.\d+)?(e\d+)?)$/i.test(v)) throw new TrafficError(`${key}=${v}: not a number`);
  return Number(v);
}

export function parseFlowText(line: string): FlowSpec {
  const m = /^\s*(\S+)\s+(\S+)\s*->\s*(\S+)(.*)$/.exec(line);
  if (!m) throw new TrafficError(`flow '${line}': expected "<proto> <src>[:port] -> <dst>[:port] key=value ..."`);
  const protoText = m[1].toLowerCase();
  const protocol: ProtocolName | number = /^\d+$/.test(protoText) ? Number(protoText) : (protoText as ProtocolName);
  const src = parseEndpoint(m[2], 'source');
  const dst = parseEndpoint(m[3], 'destination');
  const spec: FlowSpec = { src: src.address, dst: dst.address, protocol, packetSize: 0, pps: 0 };
  if (src.port !== undefined) spec.srcPort = src.port;
  if (dst.port !== undefined) spec.dstPort = dst.port;
  let sawPps = false;
  let sawSize = false;
  for (const kv of m[4].trim().split(/\s+/).filter((s) => s !== '')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new TrafficError(`flow '${line}': '${kv}' is not key=value`);
    const key = kv.slice(0, eq).toLowerCase();
    const v = kv.slice(eq + 1);
    switch (key) {
      case 'pps': spec.pps = num(key, v); sawPps = true; break;
      case 'size': spec.packetSize = num(key, v); sawSize = true; break;
      case 'flags': spec.tcpFlags = parseTcpFlags(v); break;
      case 'tos': spec.tos = num(key, v); break;
      case 'ttl': spec.ttl = num(key, v); break;
      case 'frag':
        if (v !== 'first' && v !== 'middle' && v !== 'last') throw new TrafficError(`frag=${v}: use first, middle or last`);
        spec.fragment = v;
        break;
      case 'in': spec.inputIf = num(key, v); break;
      case 'out': spec.outputIf = num(key, v); break;
      case 'srcas': spec.srcAs = num(key, v); break;
      case 'dstas': spec.dstAs = num(key, v); break;
      case 'vlan': spec.vlan = num(key, v); break;
      case 'type': spec.icmpType = num(key, v); break;
      case 'code': spec.icmpCode = num(key, v); break;
      case 'nexthop': spec.nextHop = v; break;
      default: throw new TrafficError(`flow '${line}': unknown key '${key}' (pps, size, flags, tos, ttl, frag, in, out, srcas, dstas, vlan, type, code, nexthop)`);
    }
  }
  if (!sawPps) throw new TrafficError(`flow '${line}': pps=<packets per second> is required`);
  if (!sawSize) throw new TrafficError(`flow '${line}': size=<bytes per packet> is required`);
  try {
    resolveFlow(spec, 0);
  } catch (e) {
    if (e instanceof TrafficError) throw new TrafficError(`flow '${line}': ${e.message.replace(/^flow 0: /, '')}`);
    throw e;
  }
  return spec;
}
