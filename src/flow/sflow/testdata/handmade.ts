/**
 * The hand-made sFlow v5 datagrams used by the decoder, malformed, truncation and fuzz tests.
 * Each covers one feature; sflow-decoder.test.ts lists the expected samples of every one in
 * full. Sampled headers are cut at 128 bytes where the packet is longer, as agents do.
 */
import {
  counterSample,
  datagram,
  ethernet,
  expandedFlowSample,
  ext6,
  extendedGateway,
  extendedSwitch,
  flowSample,
  frag6,
  icmp,
  ifCountersRecord,
  ipv4,
  ipv6,
  mpls,
  sampledHeader,
  sampledIp,
  tcp,
  udp,
} from './build.js';

export const NOW = 1_700_000_000_000;
export const V4 = { src: '198.51.100.7', dst: '203.0.113.9' };
export const V6 = { src: '2001:db8::1', dst: '2001:db8:ffff::2' };

const SNAP = 128;

/** Ethernet / IPv4 (DF) / TCP SYN 40000 → 80: 54 bytes, frame length 58 with the FCS. */
export const SYN_PACKET = ethernet(0x0800, ipv4({ ...V4, protocol: 6, df: true }, tcp(40000, 80, 0x02)));

function header(pkt: Buffer, frameLength = pkt.length + 4): Buffer {
  return sampledHeader(pkt.subarray(0, SNAP), { frameLength });
}

const UDP_PACKET = ethernet(0x0800, ipv4({ ...V4, protocol: 17, tos: 0x28 }, udp(53, 33000, 100)));

export const HANDMADE: Record<string, Buffer> = {
  ipv4TcpSyn: datagram([flowSample([header(SYN_PACKET)])]),
  ipv4Udp: datagram([flowSample([header(UDP_PACKET)])]),
  ipv4Icmp: datagram([flowSample([header(ethernet(0x0800, ipv4({ ...V4, protocol: 1 }, icmp(8, 0, 60))))])]),
  ipv4FirstFragment: datagram([
    flowSample([header(ethernet(0x0800, ipv4({ ...V4, protocol: 17, mf: true, totalLength: 1500 }, udp(1000, 2000, 200))), 1518)]),
  ]),
  ipv4LaterFragment: datagram([
    flowSample([header(ethernet(0x0800, ipv4({ ...V4, protocol: 17, fragmentOffset: 185, totalLength: 520 }, udp(1111, 2222, 200))), 538)]),
  ]),
  ipv6Tcp: datagram([
    flowSample([header(ethernet(0x86dd, ipv6({ ...V6, next: 6, trafficClass: 0xb8, hopLimit: 33 }, tcp(443, 51000, 0x12))))]),
  ]),
  ipv6HopByHopFragment: datagram([
    flowSample([header(ethernet(0x86dd, ipv6({ ...V6, next: 0, payloadLength: 1342 }, ext6(44, frag6(17, 0, true, udp(4000, 53, 200))))), 1400)]),
  ]),
  icmpv6: datagram([flowSample([header(ethernet(0x86dd, ipv6({ ...V6, next: 58, hopLimit: 255 }, icmp(128, 0, 4))))])]),
  vlan8021q: datagram([
    flowSample([header(ethernet(0x0800, ipv4({ ...V4, protocol: 17 }, udp(1, 2)), [{ tpid: 0x8100, vid: 100 }]))]),
  ]),
  qinq: datagram([
    flowSample([
      header(ethernet(0x0800, ipv4({ ...V4, protocol: 17 }, udp(1, 2)), [{ tpid: 0x88a8, vid: 200 }, { tpid: 0x8100, vid: 300 }])),
    ]),
  ]),
  mpls: datagram([flowSample([header(ethernet(0x8847, mpls([16, 17, 18], ipv4({ ...V4, protocol: 6 }, tcp(1234, 22, 0x02)))))])]),
  ipv6Agent: datagram([flowSample([header(SYN_PACKET)], { rate: 2048, input: 7, output: 9 })], { agent: '2001:db8::a', subAgent: 3 }),
  expanded: datagram([expandedFlowSample([header(SYN_PACKET)], { rate: 512, input: 0x40000001, output: 0x50000002 })]),
  sampledIpv4: datagram([
    flowSample([sampledIp({ length: 468, protocol: 17, src: V4.src, dst: V4.dst, srcPort: 123, dstPort: 45678, tcpFlags: 0, tos: 0x10 })]),
  ]),
  sampledIpv6: datagram([
    flowSample([sampledIp({ length: 1280, protocol: 6, src: V6.src, dst: V6.dst, srcPort: 22, dstPort: 60000, tcpFlags: 0x18, tos: 0 })]),
  ]),
  headerBeatsSampledIp: datagram([
    flowSample([
      sampledIp({ length: 999, protocol: 17, src: V4.dst, dst: V4.src, srcPort: 1, dstPort: 1, tcpFlags: 0, tos: 0 }),
      header(SYN_PACKET),
    ]),
  ]),
  gatewayAndSwitch: datagram([
    flowSample([
      header(SYN_PACKET),
      extendedSwitch(42, 43),
      extendedGateway({ as: 65000, srcAs: 64500, srcPeerAs: 64499, path: [{ type: 2, asns: [3356, 15169] }], communities: [0xfde80064] }),
    ]),
  ]),
  gatewayEmptyPath: datagram([
    flowSample([extendedGateway({ nexthop: '2001:db8::1', as: 65000, srcAs: 64501, srcPeerAs: 0, path: [] }), header(SYN_PACKET)]),
  ]),
  discarded: datagram([flowSample([header(SYN_PACKET)], { outFormat: 1, output: 258 })]),
  toDevice: datagram([flowSample([header(SYN_PACKET)], { output: 0x3fffffff })]),
  multipleOutputs: datagram([flowSample([header(SYN_PACKET)], { outFormat: 2, output: 3 })]),
  counters: datagram([
    counterSample([
      ifCountersRecord({
        ifIndex: 5,
        inOctets: 2 ** 40 + 5,
        inUcast: 1000,
        inMcast: 20,
        inBcast: 3,
        inDiscards: 4,
        inErrors: 1,
        outOctets: 777,
        outUcast: 500,
        outMcast: 0xffffffff,
        outErrors: 2,
      }),
      // Ethernet counters (record 2): not used, skipped by length.
      Buffer.concat([Buffer.from([0, 0, 0, 2, 0, 0, 0, 52]), Buffer.alloc(52)]),
    ]),
    counterSample([ifCountersRecord({ ifIndex: 6 })], { expanded: true }),
  ]),
  mixed: datagram([
    flowSample([header(UDP_PACKET)]),
    counterSample([ifCountersRecord({ ifIndex: 1 })]),
    flowSample([header(SYN_PACKET)], { rate: 10 }),
  ]),
};
