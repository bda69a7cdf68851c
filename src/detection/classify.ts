/**
 * Attack classification: from the fingerprint when enough samples were captured, otherwise from
 * the host's per-protocol counters. FastNetMon's rule is "one of tcp_syn / icmp / fragmented /
 * udp carries > 90 % of packets" and it no longer computes amplification at all; we use the same
 * idea with an 80 % dominance (DOMINANT_SHARE), add TCP flag floods from the exact flag
 * combinations, and name amplification by the dominant UDP source port.
 */
import { TcpFlag } from '../flow/sample.js';
import type { AttackType } from './attack.js';
import { DOMINANT_SHARE, type Fingerprint } from './fingerprint.js';

/** Fewer captured samples than this: classify from counters instead. */
export const MIN_FINGERPRINT_SAMPLES = 10;

/**
 * UDP services abused for reflection/amplification, by source port (US-CERT TA14-017A and later
 * advisories). An attack is 'amplification' when UDP dominates and one of these source ports
 * carries DOMINANT_SHARE of the packets that have ports.
 */
export const AMPLIFICATION_PORTS: ReadonlyMap<number, string> = new Map([
  [17, 'qotd'],
  [19, 'chargen'],
  [53, 'dns'],
  [69, 'tftp'],
  [111, 'portmap'],
  [123, 'ntp'],
  [137, 'netbios'],
  [161, 'snmp'],
  [177, 'xdmcp'],
  [389, 'cldap'],
  [427, 'slp'],
  [520, 'rip'],
  [1434, 'mssql'],
  [1604, 'citrix'],
  [1900, 'ssdp'],
  [3283, 'ard'],
  [3478, 'stun'],
  [3702, 'ws-discovery'],
  [5351, 'nat-pmp'],
  [5353, 'mdns'],
  [5683, 'coap'],
  [10001, 'ubiquiti'],
  [10074, 'tp240'],
  [11211, 'memcached'],
  [32414, 'plex'],
  [33848, 'jenkins'],
  [37810, 'dvr-dhcpdiscover'],
]);

/** Per-direction packet rates by category, the fallback input. */
export interface CategoryPackets {
  total: number;
  tcp: number;
  syn: number;
  udp: number;
  icmp: number;
  fragments: number;
}

export interface Classification {
  type: AttackType;
  amplification: { service: string; port: number } | null;
  protocol: 'tcp' | 'udp' | 'icmp' | 'other';
  /** 'fingerprint' or 'counters': what the decision was based on. */
  basis: 'fingerprint' | 'counters';
}

export function dominantProtocol(c: CategoryPackets): 'tcp' | 'udp' | 'icmp' | 'other' {
  const max = Math.max(c.tcp, c.udp, c.icmp);
  if (max <= 0 || max < c.total - c.tcp - c.udp - c.icmp) return 'other';
  return max === c.udp ? 'udp' : max === c.tcp ? 'tcp' : 'icmp';
}

function tcpFlagType(fp: Fingerprint, tcpShare: number): AttackType | null {
  // Group exact combinations into classes; ECE/CWR/PSH/URG do not change the class.
  let syn = 0;
  let synack = 0;
  let ack = 0;
  let rst = 0;
  for (const f of fp.tcpFlags) {
    const x = f.flags & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.RST | TcpFlag.FIN);
    if (x & TcpFlag.RST) rst += f.share;
    else if (x === TcpFlag.SYN) syn += f.share;
    else if (x === (TcpFlag.SYN | TcpFlag.ACK)) synack += f.share;
    else if (x === TcpFlag.ACK) ack += f.share;
  }
  const need = DOMINANT_SHARE * tcpShare;
  if (syn >= need) return 'syn_flood';
  if (synack >= need) return 'tcp_synack_flood';
  if (rst >= need) return 'tcp_rst_flood';
  if (ack >= need) return 'tcp_ack_flood';
  return null;
}

export function classify(fp: Fingerprint | null, c: CategoryPackets): Classification {
  const protocol = dominantProtocol(c);
  if (fp && fp.samples >= MIN_FINGERPRINT_SAMPLES) {
    const share = (p: number) => fp.protocols.find((x) => x.protocol === p)?.share ?? 0;
    const udp = share(17);
    const tcp = share(6);
    const icmp = share(1) + share(58);
    const fpProtocol = udp >= Math.max(tcp, icmp) && udp > 0 ? 'udp' : tcp >= icmp && tcp > 0 ? 'tcp' : icmp > 0 ? 'icmp' : 'other';
    const base = { amplification: null, protocol: fpProtocol as Classification['protocol'], basis: 'fingerprint' as const };
    // Among packets that carry ports. Port 0 on both ends is what an exporter that cannot tell
    // fragments (NetFlow v5) reports for non-first fragments, so it does not count as a port.
    const ported = fp.withPortsShare - (fp.srcPorts.find((p) => p.value === 0)?.share ?? 0);
    if (udp >= DOMINANT_SHARE && fp.srcPorts.length > 0 && ported > 0) {
      const port = fp.srcPorts[0];
      const service = AMPLIFICATION_PORTS.get(port.value);
      if (service && port.share >= DOMINANT_SHARE * ported) {
        return { ...base, type: 'amplification', amplification: { service, port: port.value } };
      }
    }
    if (fp.fragmentShare >= DOMINANT_SHARE) return { ...base, type: 'ip_fragmentation_flood' };
    if (tcp >= DOMINANT_SHARE) return { ...base, type: tcpFlagType(fp, tcp) ?? 'unknown' };
    if (udp >= DOMINANT_SHARE) return { ...base, type: 'udp_flood' };
    if (icmp >= DOMINANT_SHARE) return { ...base, type: 'icmp_flood' };
    return { ...base, type: 'unknown' };
  }
  const base = { amplification: null, protocol, basis: 'counters' as const };
  if (c.total <= 0) return { ...base, type: 'unknown' };
  const need = DOMINANT_SHARE * c.total;
  if (c.syn >= need) return { ...base, type: 'syn_flood' };
  if (c.fragments >= need) return { ...base, type: 'ip_fragmentation_flood' };
  if (c.udp >= need) return { ...base, type: 'udp_flood' };
  if (c.icmp >= need) return { ...base, type: 'icmp_flood' };
  return { ...base, type: 'unknown' };
}
