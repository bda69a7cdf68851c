import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPacketHeader } from './packet.js';
import { resolveFlow, TrafficError, type FlowSpec } from './traffic.js';

function flow(spec: Partial<FlowSpec>, index = 0) {
  return resolveFlow({ src: '198.51.100.7', dst: '192.0.2.10', protocol: 'udp', srcPort: 123, dstPort: 4444, packetSize: 486, pps: 1, ...spec }, index);
}

/** One's-complement sum of 16-bit words (RFC 1071), not inverted. */
function sum(b: Uint8Array, start: number, end: number, acc = 0): number {
  let s = acc;
  for (let i = start; i < end; i += 2) s += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

test('IPv4 UDP: Ethernet, IP and UDP fields, valid checksums, truncated at 128 bytes', () => {
  const f = flow({ tos: 0x28, ttl: 57 });
  const h = buildPacketHeader(f);
  assert.equal(h.length, 128);
  assert.equal(h.readUInt16BE(12), 0x0800);
  assert.equal(h[14], 0x45);
  assert.equal(h[15], 0x28);
  assert.equal(h.readUInt16BE(16), 486 - 14 - 4, 'IP total length = frame - Ethernet - FCS');
  assert.equal(h.readUInt16BE(20), 0, 'no fragment flags or offset');
  assert.equal(h[22], 57);
  assert.equal(h[23], 17);
  assert.deepEqual([...h.subarray(26, 30)], [198, 51, 100, 7]);
  assert.deepEqual([...h.subarray(30, 34)], [192, 0, 2, 10]);
  assert.equal(sum(h, 14, 34), 0xffff, 'IPv4 header checksum verifies');
  assert.equal(h.readUInt16BE(34), 123);
  assert.equal(h.readUInt16BE(36), 4444);
  const udpLen = 486 - 14 - 4 - 20;
  assert.equal(h.readUInt16BE(38), udpLen);
  // UDP checksum over pseudo-header + header (the payload is zeros and adds nothing).
  const pseudo = sum(h, 26, 34) + 17 + udpLen;
  assert.equal(sum(h, 34, 42, pseudo), 0xffff);
  assert.ok(h.subarray(42).every((x) => x === 0), 'payload is zeros');
});

test('a frame shorter than 128 bytes is copied whole (without FCS)', () => {
  const h = buildPacketHeader(flow({ protocol: 'tcp', tcpFlags: 0x02, packetSize: 64, srcPort: 40000, dstPort: 80 }));
  assert.equal(h.length, 60);
  assert.equal(h[23], 6);
  assert.equal(h[34 + 13], 0x02, 'SYN flag');
  assert.equal(h[34 + 12] >> 4, 5, 'data offset');
  const tcpLen = 60 - 34;
  assert.equal(sum(h, 34, 60, sum(h, 26, 34) + 6 + tcpLen), 0xffff, 'TCP checksum verifies');
});

test('maxHeaderBytes truncates like a configured agent', () => {
  assert.equal(buildPacketHeader(flow({}), { maxHeaderBytes: 64 }).length, 64);
});

test('802.1Q tag carries the VLAN id and the inner ethertype', () => {
  const h = buildPacketHeader(flow({ vlan: 1234 }));
  assert.equal(h.readUInt16BE(12), 0x8100);
  assert.equal(h.readUInt16BE(14) & 0x0fff, 1234);
  assert.equal(h.readUInt16BE(16), 0x0800);
  assert.equal(h.readUInt16BE(18 + 2), 486 - 18 - 4);
});

test('ICMP echo request with a valid checksum', () => {
  const h = buildPacketHeader(flow({ protocol: 'icmp', srcPort: undefined, dstPort: undefined, icmpType: 8, icmpCode: 0, packetSize: 102 }));
  assert.equal(h[23], 1);
  assert.equal(h[34], 8);
  assert.equal(h[35], 0);
  assert.equal(sum(h, 34, h.length), 0xffff);
});

test('IPv4 fragments: first has MF and the UDP header, middle and last have offsets and no L4', () => {
  const first = buildPacketHeader(flow({ fragment: 'first', packetSize: 1518 }));
  assert.equal(first.readUInt16BE(20), 0x2000);
  assert.equal(first.readUInt16BE(34), 123);
  assert.equal(first.readUInt16BE(40), 0, 'UDP checksum omitted on a first fragment');
  const middle = buildPacketHeader(flow({ fragment: 'middle', srcPort: undefined, dstPort: undefined, packetSize: 1518 }));
  assert.equal(middle.readUInt16BE(20), 0x2000 | 185);
  assert.ok(middle.subarray(34).every((x) => x === 0), 'no UDP header in a middle fragment');
  const last = buildPacketHeader(flow({ fragment: 'last', srcPort: undefined, dstPort: undefined, packetSize: 600 }));
  assert.equal(last.readUInt16BE(20), 370);
  assert.equal(last.readUInt16BE(16), 600 - 18);
  assert.equal(sum(last, 14, 34), 0xffff);
  assert.equal(first.readUInt16BE(18), middle.readUInt16BE(18), 'fragments of one flow share the identification');
});

test('IPv6 TCP and ICMPv6 with valid checksums', () => {
  const f = flow({ src: '2001:db8:bad::1', dst: '2001:db8::10', protocol: 'tcp', tcpFlags: 0x12, srcPort: 443, dstPort: 50000, packetSize: 78, tos: 0xb8, ttl: 60 });
  const h = buildPacketHeader(f);
  assert.equal(h.length, 74);
  assert.equal(h.readUInt16BE(12), 0x86dd);
  assert.equal(h[14] >> 4, 6);
  assert.equal(((h.readUInt16BE(14) >> 4) & 0xff), 0xb8, 'traffic class');
  assert.equal(h.readUInt16BE(18), 78 - 18 - 40, 'payload length');
  assert.equal(h[20], 6);
  assert.equal(h[21], 60);
  assert.equal(h[54 + 13], 0x12);
  const l4 = 78 - 18 - 40;
  assert.equal(sum(h, 54, 74, sum(h, 22, 54) + 6 + l4), 0xffff);
  const icmp = buildPacketHeader(flow({ src: '2001:db8:bad::1', dst: '2001:db8::10', protocol: 'icmpv6', srcPort: undefined, dstPort: undefined, packetSize: 70 }));
  assert.equal(icmp[20], 58);
  assert.equal(icmp[54], 128, 'echo request by default');
  assert.equal(sum(icmp, 54, 66, sum(icmp, 22, 54) + 58 + (70 - 18 - 40)), 0xffff);
});

test('IPv6 fragment extension header', () => {
  const h = buildPacketHeader(flow({ src: '2001:db8:bad::1', dst: '2001:db8::10', fragment: 'middle', srcPort: undefined, dstPort: undefined, packetSize: 1518 }));
  assert.equal(h[20], 44, 'next header: fragment');
  assert.equal(h[54], 17, 'fragment header next header: UDP');
  assert.equal(h.readUInt16BE(56), (185 << 3) | 1);
  const first = buildPacketHeader(flow({ src: '2001:db8:bad::1', dst: '2001:db8::10', fragment: 'first', packetSize: 1518 }));
  assert.equal(first.readUInt16BE(56), 1);
  assert.equal(first.readUInt16BE(62), 123, 'UDP source port after the fragment header');
});

test('bad flows are refused with a clear error', () => {
  assert.throws(() => flow({ packetSize: 40 }), (e: Error) => e instanceof TrafficError && /packetSize must be an integer 46\.\./.test(e.message));
  assert.throws(() => flow({ src: '2001:db8::1' }), /same address family/);
  assert.throws(() => flow({ protocol: 'icmp' }), /ports only apply/);
  assert.throws(() => flow({ protocol: 'icmp', srcPort: undefined, dstPort: undefined, src: '2001:db8::1', dst: '2001:db8::2' }), /use icmpv6/);
  assert.throws(() => flow({ protocol: 'sctp' as 'udp' }), /unknown protocol/);
  assert.throws(() => flow({ pps: -1 }), /pps/);
  assert.throws(() => flow({ dst: '192.0.2.300' }), /dst '192.0.2.300'/);
  assert.throws(() => flow({ fragment: 'second' as 'first' }), /fragment must be/);
});
