/**
 * Kernel receive drops for our UDP sockets. The kernel counts datagrams it discarded because a
 * socket's receive buffer was full in the `drops` column of /proc/net/udp and /proc/net/udp6
 * (per socket) and in `Udp: RcvbufErrors` of /proc/net/snmp (whole host). Node gives no access
 * to the socket's inode, so sockets are matched by local port and address.
 */
import { readFileSync } from 'node:fs';

export interface SocketKey {
  /** Local port. */
  port: number;
  family: 4 | 6;
}

/** Parses /proc/net/udp(6) text into drops per local port (summing sockets that share a port). */
export function parseProcNetUdp(text: string): Map<number, number> {
  const out = new Map<number, number>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length < 13) continue;
    const local = cols[1];
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    const port = parseInt(local.slice(colon + 1), 16);
    const drops = Number(cols[cols.length - 1]);
    if (!Number.isFinite(port) || !Number.isFinite(drops)) continue;
    out.set(port, (out.get(port) ?? 0) + drops);
  }
  return out;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Current kernel drop count per socket (null where /proc is unavailable). */
export function readSocketDrops(keys: SocketKey[]): (number | null)[] {
  const v4 = parseProcNetUdp(readOrEmpty('/proc/net/udp'));
  const v6 = parseProcNetUdp(readOrEmpty('/proc/net/udp6'));
  return keys.map((k) => (k.family === 4 ? v4 : v6).get(k.port) ?? null);
}

/** Host-wide UDP receive-buffer errors (Udp: RcvbufErrors in /proc/net/snmp), or null. */
export function readUdpRcvbufErrors(): number | null {
  const lines = readOrEmpty('/proc/net/snmp').split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return null;
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  const i = names.indexOf('RcvbufErrors');
  return i > 0 ? Number(values[i]) : null;
}
