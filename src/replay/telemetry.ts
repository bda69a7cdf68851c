/**
 * Which collector a captured UDP datagram would have reached: by destination port, as the live
 * listeners see it (collectors.listeners), else by its content when the capture was taken on
 * other ports. The content test is strict (version and a length or count that must agree with
 * the datagram), because it also decides whether a capture is telemetry at all, and ordinary
 * UDP traffic must not pass for NetFlow.
 */
import type { ListenerConfig } from '../config/collectors.js';
import type { ListenerProtocol } from '../flow/ingest.js';

/** Destination port → listener protocol, first listener wins (as the first bound socket would). */
export function listenerPorts(listeners: readonly ListenerConfig[]): Map<number, ListenerProtocol> {
  const m = new Map<number, ListenerProtocol>();
  for (const l of listeners) if (l.port !== 0 && !m.has(l.port)) m.set(l.port, l.protocol);
  return m;
}

/** NetFlow v5 header and record sizes (Cisco NetFlow v5 export format). */
const V5_HEADER = 24;
const V5_RECORD = 48;
const V5_MAX_RECORDS = 30;

/**
 * The listener protocol whose format this payload has, or null. sFlow v5: version word 5 and
 * agent address type 1 or 2 (sFlow v5 §"sample_datagram_v5"); NetFlow v5: count 1..30 and the
 * exact length it implies; NetFlow v9: header of 20 bytes and a first FlowSet id of 0 or 1
 * (template, options template) or >= 256 (data) with a length that fits (RFC 3954 §5); IPFIX:
 * the message length field equals the datagram length (RFC 7011 §3.1).
 */
export function sniffTelemetry(p: Buffer): ListenerProtocol | null {
  if (p.length >= 28 && p.readUInt32BE(0) === 5) {
    const at = p.readUInt32BE(4);
    return at === 1 || at === 2 ? 'sflow' : null;
  }
  if (p.length < 4) return null;
  const version = p.readUInt16BE(0);
  if (version === 5) {
    const count = p.readUInt16BE(2);
    return count >= 1 && count <= V5_MAX_RECORDS && p.length === V5_HEADER + V5_RECORD * count ? 'netflow' : null;
  }
  if (version === 9) {
    if (p.length < 24) return null;
    const id = p.readUInt16BE(20);
    const len = p.readUInt16BE(22);
    return (id === 0 || id === 1 || id >= 256) && len >= 4 && len <= p.length - 20 ? 'netflow' : null;
  }
  if (version === 10) {
    return p.length >= 16 && p.readUInt16BE(2) === p.length ? 'ipfix' : null;
  }
  return null;
}
