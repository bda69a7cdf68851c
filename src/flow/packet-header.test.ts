import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HeaderProtocol,
  MAX_IPV6_EXT_HEADERS,
  MAX_MPLS_LABELS,
  MAX_VLAN_TAGS,
  parsePacketHeader,
  type HeaderError,
} from './packet-header.js';
import { FlowSample, SampleSource, TcpFlag, type SampleRecord } from './sample.js';
import { toSampleRecord } from './sample-record.js';
import { ah6, ethernet, ext6, frag6, icmp, ipv4, ipv6, mpls, sctp, tcp, udp } from './sflow/testdata/build.js';

const EMPTY: SampleRecord = toSampleRecord(emptySample());

function emptySample(): FlowSample {
  const s = new FlowSample();
  s.reset(SampleSource.PCAP);
  return s;
}

function parse(pkt: Uint8Array, proto: number = HeaderProtocol.ETHERNET, offset = 0, length = pkt.length): { err: HeaderError | null; rec: SampleRecord; s: FlowSample } {
  const s = emptySample();
  const err = parsePacketHeader(pkt, offset, length, proto, s);
  return { err, rec: toSampleRecord(s), s };
}

function expect(pkt: Uint8Array, fields: Partial<SampleRecord>, proto: number = HeaderProtocol.ETHERNET): void {
  const { err, rec } = parse(pkt, proto);
  assert.equal(err, null);
  assert.deepEqual(rec, { ...EMPTY, ...fields });
}

const V4 = { src: '198.51.100.7', dst: '203.0.113.9' };
const V6 = { src: '2001:db8::1', dst: '2001:db8:ffff::2' };

test('Ethernet IPv4 TCP SYN', () => {
  const pkt = ethernet(0x0800, ipv4({ ...V4, protocol: 6, tos: 0x10, ttl: 57, df: true }, tcp(40000, 80, TcpFlag.SYN)));
  expect(pkt, {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 6, srcPort: 40000, dstPort: 80, tcpFlags: 2,
    tos: 0x10, ttl: 57, dontFragment: true, ipLength: 40,
  });
  const { s } = parse(pkt);
  assert.equal(s.srcV4, 0xc6336407);
  assert.equal(s.dstV4, 0xcb007109);
});

test('IPv4 raw header (header protocol 11) with UDP, and with options (IHL 6)', () => {
  expect(ipv4({ ...V4, protocol: 17 }, udp(53, 33000, 100)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 17, srcPort: 53, dstPort: 33000, ttl: 64, ipLength: 128,
  }, HeaderProtocol.IPV4);
  expect(ipv4({ ...V4, protocol: 17, options: new Uint8Array([1, 1, 1, 0]) }, udp(123, 123)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 17, srcPort: 123, dstPort: 123, ttl: 64, ipLength: 32,
  }, HeaderProtocol.IPV4);
});

test('IPv4 ICMP echo and SCTP', () => {
  expect(ipv4({ ...V4, protocol: 1 }, icmp(8, 0)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 1, icmpType: 8, icmpCode: 0, ttl: 64, ipLength: 28,
  }, HeaderProtocol.IPV4);
  expect(ipv4({ ...V4, protocol: 132 }, sctp(5000, 3868)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 132, srcPort: 5000, dstPort: 3868, ttl: 64, ipLength: 32,
  }, HeaderProtocol.IPV4);
});

test('IPv4 fragments: the first has ports, later ones have none', () => {
  expect(ipv4({ ...V4, protocol: 17, mf: true, totalLength: 1500 }, udp(1000, 2000)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 17, srcPort: 1000, dstPort: 2000, ttl: 64, ipLength: 1500,
    isFragment: true, moreFragments: true,
  }, HeaderProtocol.IPV4);
  // Offset 185 (×8 = 1480 bytes); the payload bytes would look like ports if we read them.
  expect(ipv4({ ...V4, protocol: 17, fragmentOffset: 185, totalLength: 520 }, udp(1111, 2222)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 17, ttl: 64, ipLength: 520, isFragment: true, fragmentOffset: 185,
  }, HeaderProtocol.IPV4);
});

test('IPv6 TCP, traffic class and hop limit', () => {
  expect(ethernet(0x86dd, ipv6({ ...V6, next: 6, trafficClass: 0xb8, hopLimit: 33 }, tcp(443, 51000, TcpFlag.ACK | TcpFlag.PSH, 10))), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 6, srcPort: 443, dstPort: 51000, tcpFlags: 0x18, tos: 0xb8, ttl: 33,
    ipLength: 70,
  });
});

test('IPv6 hop-by-hop + routing + destination options + AH, then UDP', () => {
  const chain = ext6(43, ext6(60, ext6(51, ah6(17, udp(5353, 5353)), 1)));
  expect(ipv6({ ...V6, next: 0 }, chain), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, srcPort: 5353, dstPort: 5353, ttl: 64, ipLength: 40 + chain.length,
  }, HeaderProtocol.IPV6);
});

test('IPv6 hop-by-hop + fragment header: first fragment has ports, later ones the real protocol only', () => {
  const first = ext6(44, frag6(17, 0, true, udp(4000, 53)));
  expect(ipv6({ ...V6, next: 0 }, first), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, srcPort: 4000, dstPort: 53, ttl: 64, ipLength: 40 + first.length,
    isFragment: true, moreFragments: true,
  }, HeaderProtocol.IPV6);
  const later = ext6(44, frag6(17, 181, false, udp(9999, 9999)));
  expect(ipv6({ ...V6, next: 0 }, later), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, ttl: 64, ipLength: 40 + later.length,
    isFragment: true, fragmentOffset: 181,
  }, HeaderProtocol.IPV6);
});

test('ICMPv6 and ESP', () => {
  expect(ipv6({ ...V6, next: 58 }, icmp(128, 0)), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 58, icmpType: 128, ttl: 64, ipLength: 48,
  }, HeaderProtocol.IPV6);
  expect(ipv6({ ...V6, next: 50 }, udp(1, 2)), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 50, ttl: 64, ipLength: 48,
  }, HeaderProtocol.IPV6);
});

test('802.1Q, QinQ 0x88a8 and 0x9100: the outer VLAN is kept', () => {
  const inner = ipv4({ ...V4, protocol: 17 }, udp(1, 2));
  const base = { ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 17, srcPort: 1, dstPort: 2, ttl: 64, ipLength: 28 };
  expect(ethernet(0x0800, inner, [{ tpid: 0x8100, vid: 0x2000 | 100 }]), { ...base, vlan: 100 });
  expect(ethernet(0x0800, inner, [{ tpid: 0x88a8, vid: 200 }, { tpid: 0x8100, vid: 300 }]), { ...base, vlan: 200 });
  expect(ethernet(0x0800, inner, [{ tpid: 0x9100, vid: 4000 }, { tpid: 0x8100, vid: 5 }]), { ...base, vlan: 4000 });
});

test('MPLS unicast and multicast, IPv4 and IPv6 under the label stack; header protocol 13', () => {
  const v4 = ipv4({ ...V4, protocol: 6 }, tcp(1234, 22, TcpFlag.SYN));
  const v6 = ipv6({ ...V6, next: 17 }, udp(1, 2));
  expect(ethernet(0x8847, mpls([16, 17, 18], v4)), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 6, srcPort: 1234, dstPort: 22, tcpFlags: 2, ttl: 64, ipLength: 40,
  });
  expect(ethernet(0x8848, mpls([16], v6), [{ tpid: 0x8100, vid: 7 }]), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, srcPort: 1, dstPort: 2, ttl: 64, ipLength: 48, vlan: 7,
  });
  expect(mpls([100, 200], v6), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, srcPort: 1, dstPort: 2, ttl: 64, ipLength: 48,
  }, HeaderProtocol.MPLS);
});

test('truncated L4: ports present, flags cut off; only the source port', () => {
  const pkt = ethernet(0x0800, ipv4({ ...V4, protocol: 6 }, tcp(1, 2, TcpFlag.SYN)));
  expect(pkt.subarray(0, 14 + 20 + 13), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 6, srcPort: 1, dstPort: 2, ttl: 64, ipLength: 40,
  });
  expect(pkt.subarray(0, 14 + 20 + 2), {
    ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 6, srcPort: 1, ttl: 64, ipLength: 40,
  });
  // The length argument bounds the parse even if the buffer has more bytes.
  const { err, rec } = parse(pkt, HeaderProtocol.ETHERNET, 0, 14 + 20);
  assert.equal(err, null);
  assert.equal(rec.srcPort, 0);
});

test('truncated before the addresses: no_ip, nothing filled', () => {
  const pkt = ethernet(0x0800, ipv4({ ...V4, protocol: 6 }, tcp(1, 2, 2)));
  for (const len of [0, 5, 13, 14, 33]) {
    const { err, rec } = parse(pkt, HeaderProtocol.ETHERNET, 0, len);
    assert.equal(err, 'no_ip', `length ${len}`);
    assert.equal(rec.ipVersion, 0);
  }
  const v6 = ipv6({ ...V6, next: 6 }, tcp(1, 2, 2));
  assert.equal(parse(v6, HeaderProtocol.IPV6, 0, 39).err, 'no_ip');
  // A length beyond the buffer is clamped to it.
  assert.equal(parse(v6.subarray(0, 30), HeaderProtocol.IPV6, 0, 1000).err, 'no_ip');
});

test('an offset into a larger buffer: parse only the range', () => {
  const pkt = ipv4({ ...V4, protocol: 17 }, udp(7, 8));
  const buf = Buffer.concat([Buffer.alloc(10, 0xee), pkt, Buffer.alloc(10, 0xee)]);
  const { err, rec } = parse(buf, HeaderProtocol.IPV4, 10, pkt.length);
  assert.equal(err, null);
  assert.equal(rec.srcPort, 7);
  assert.equal(rec.dstPort, 8);
});

test('non-IP frames are no_ip; unknown header protocols and MPLS payloads are unsupported', () => {
  assert.equal(parse(ethernet(0x0806, Buffer.alloc(28))).err, 'no_ip');
  assert.equal(parse(ethernet(0x0800, Buffer.alloc(28)), 99).err, 'unsupported');
  assert.equal(parse(ethernet(0x8847, mpls([16], Buffer.from([0, 0, 0, 0, 1, 2, 3, 4])))).err, 'unsupported');
  assert.equal(parse(ethernet(0x8847, mpls([16], Buffer.alloc(0)))).err, 'no_ip');
});

test('IPv4 with IHL < 5 is bad_length; a wrong version nibble is bad_version', () => {
  const p = parse(ipv4({ ...V4, protocol: 6, ihl: 4 }, tcp(1, 2, 2)), HeaderProtocol.IPV4);
  assert.equal(p.err, 'bad_length');
  assert.equal(p.rec.ipVersion, 0);
  assert.equal(parse(ipv4({ ...V4, protocol: 6, version: 6 }, tcp(1, 2, 2)), HeaderProtocol.IPV4).err, 'bad_version');
  assert.equal(parse(ethernet(0x86dd, ipv4({ ...V4, protocol: 6 }, Buffer.alloc(40)))).err, 'bad_version');
});

test('an IHL pointing past the captured bytes keeps the IP fields and skips L4', () => {
  const pkt = ipv4({ ...V4, protocol: 6, ihl: 15 }, tcp(1, 2, 2));
  expect(pkt.subarray(0, 40), { ipVersion: 4, src: V4.src, dst: V4.dst, protocol: 6, ttl: 64, ipLength: 40 }, HeaderProtocol.IPV4);
});

test(`more than ${MAX_VLAN_TAGS} VLAN tags is header_loop`, () => {
  const inner = ipv4({ ...V4, protocol: 17 }, udp(1, 2));
  const ok = Array.from({ length: MAX_VLAN_TAGS }, () => ({ tpid: 0x8100, vid: 9 }));
  assert.equal(parse(ethernet(0x0800, inner, ok)).err, null);
  const p = parse(ethernet(0x0800, inner, [...ok, { tpid: 0x8100, vid: 9 }]));
  assert.equal(p.err, 'header_loop');
  assert.equal(p.rec.ipVersion, 0);
});

test(`more than ${MAX_MPLS_LABELS} MPLS labels is header_loop; a stack without bottom is header_loop or no_ip`, () => {
  const inner = ipv4({ ...V4, protocol: 17 }, udp(1, 2));
  const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => 16 + i);
  assert.equal(parse(ethernet(0x8847, mpls(labels(MAX_MPLS_LABELS), inner))).err, null);
  assert.equal(parse(ethernet(0x8847, mpls(labels(MAX_MPLS_LABELS + 1), inner))).err, 'header_loop');
  // No bottom-of-stack bit and the bytes run out: cut before any IP.
  assert.equal(parse(ethernet(0x8847, mpls(labels(3), Buffer.alloc(0), true))).err, 'no_ip');
  // A stack of repeated labels without bottom (the whole header is labels): bounded.
  const loop = Buffer.alloc(4 * 64);
  for (let i = 0; i < 64; i++) loop.writeUInt32BE(0x00010040, i * 4);
  assert.equal(parse(loop, HeaderProtocol.MPLS).err, 'header_loop');
});

test(`more than ${MAX_IPV6_EXT_HEADERS} IPv6 extension headers is header_loop, still emitted with the addresses`, () => {
  let chain: Buffer = udp(1, 2);
  let next = 17;
  for (let i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
    chain = ext6(next, chain);
    next = 60;
  }
  expect(ipv6({ ...V6, next: 60 }, chain), {
    ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 17, srcPort: 1, dstPort: 2, ttl: 64, ipLength: 40 + chain.length,
  }, HeaderProtocol.IPV6);
  const deeper = ext6(60, chain);
  const p = parse(ipv6({ ...V6, next: 60 }, deeper), HeaderProtocol.IPV6);
  assert.equal(p.err, 'header_loop');
  assert.deepEqual(p.rec, { ...EMPTY, ipVersion: 6, src: V6.src, dst: V6.dst, protocol: 60, ttl: 64, ipLength: 40 + deeper.length });
});

test('IPv6 extension chain cut by truncation: protocol is the last next-header read', () => {
  const pkt = ipv6({ ...V6, next: 0 }, ext6(44, frag6(6, 0, true, tcp(1, 2, 2))));
  const p = parse(pkt, HeaderProtocol.IPV6, 0, 40 + 8 + 4);
  assert.equal(p.err, null);
  assert.equal(p.rec.protocol, 44);
  assert.equal(p.rec.isFragment, false);
  const q = parse(pkt, HeaderProtocol.IPV6, 0, 40 + 1);
  assert.equal(q.err, null);
  assert.equal(q.rec.protocol, 0);
});

test('garbage offsets and lengths never throw', () => {
  const pkt = Buffer.alloc(64, 0x45);
  for (const [o, l] of [[-1, 10], [0, -5], [70, 10], [NaN, 10], [0, NaN], [0, Infinity]]) {
    const s = emptySample();
    assert.doesNotThrow(() => parsePacketHeader(pkt, o, l, HeaderProtocol.IPV4, s));
  }
});

test('every prefix of every test packet parses without throwing or reading outside the range', () => {
  const packets: [Buffer, number][] = [
    [ethernet(0x0800, ipv4({ ...V4, protocol: 6 }, tcp(1, 2, 2)), [{ tpid: 0x88a8, vid: 1 }, { tpid: 0x8100, vid: 2 }]), HeaderProtocol.ETHERNET],
    [ethernet(0x8847, mpls([1, 2], ipv6({ ...V6, next: 0 }, ext6(44, frag6(58, 0, true, icmp(1, 4)))))), HeaderProtocol.ETHERNET],
    [ipv6({ ...V6, next: 0 }, ext6(43, ext6(51, ah6(6, tcp(1, 2, 2))))), HeaderProtocol.IPV6],
    [ipv4({ ...V4, protocol: 1 }, icmp(3, 3)), HeaderProtocol.IPV4],
  ];
  for (const [pkt, proto] of packets) {
    for (let len = 0; len <= pkt.length; len++) {
      // Poison the bytes after the range: if the parser read them, fields would differ from a copy.
      const poisoned = Buffer.concat([pkt.subarray(0, len), Buffer.alloc(64, 0xff)]);
      const a = parse(poisoned, proto, 0, len);
      const b = parse(Buffer.from(pkt.subarray(0, len)), proto, 0, len);
      assert.deepEqual([a.err, a.rec], [b.err, b.rec], `length ${len}`);
    }
  }
});
