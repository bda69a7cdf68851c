import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlowText, parseTcpFlags } from './flow-text.js';

test('parses the documented example', () => {
  assert.deepEqual(parseFlowText('udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=50000 size=468'), {
    src: '198.51.100.7', dst: '192.0.2.10', protocol: 'udp', srcPort: 123, dstPort: 4444, pps: 50000, packetSize: 468,
  });
});

test('IPv6 in brackets, no ports, flags, fragments and the other keys', () => {
  const f = parseFlowText('tcp [2001:db8::7]:40000 -> [2001:db8::10]:80 pps=1000.5 size=90 flags=SA ttl=60 tos=0x10 in=3 out=4 srcas=64500 dstas=64496 vlan=12 nexthop=2001:db8::1');
  assert.equal(f.src, '2001:db8::7');
  assert.equal(f.srcPort, 40000);
  assert.equal(f.dstPort, 80);
  assert.equal(f.tcpFlags, 0x12);
  assert.equal(f.pps, 1000.5);
  assert.equal(f.tos, 16);
  assert.deepEqual([f.inputIf, f.outputIf, f.srcAs, f.dstAs, f.vlan, f.nextHop], [3, 4, 64500, 64496, 12, '2001:db8::1']);
  const g = parseFlowText('icmpv6 2001:db8::7 -> 2001:db8::10 pps=5 size=100 type=129 code=0');
  assert.equal(g.srcPort, undefined);
  assert.equal(g.icmpType, 129);
  const h = parseFlowText('udp 198.51.100.7 -> 192.0.2.10 pps=5 size=600 frag=last');
  assert.equal(h.fragment, 'last');
  assert.equal(parseFlowText('47 198.51.100.7 -> 192.0.2.10 pps=1 size=100').protocol, 47);
});

test('tcp flag spellings', () => {
  assert.equal(parseTcpFlags('S'), 0x02);
  assert.equal(parseTcpFlags('syn,ack'), 0x12);
  assert.equal(parseTcpFlags('0x29'), 0x29);
  assert.equal(parseTcpFlags('18'), 18);
  assert.throws(() => parseTcpFlags('bogus'), /unknown tcp flag/);
  assert.throws(() => parseTcpFlags('300'), /exceed/);
});

test('clear errors for bad lines', () => {
  assert.throws(() => parseFlowText('udp 198.51.100.7:123 192.0.2.10:4444'), /expected "<proto>/);
  assert.throws(() => parseFlowText('udp 198.51.100.7:123 -> 192.0.2.10:4444 size=100'), /pps=<packets per second> is required/);
  assert.throws(() => parseFlowText('udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=1'), /size=<bytes per packet> is required/);
  assert.throws(() => parseFlowText('udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=1 size=100 colour=red'), /unknown key 'colour'/);
  assert.throws(() => parseFlowText('udp 198.51.100.7:abc -> 192.0.2.10:4444 pps=1 size=100'), /source port 'abc'/);
  assert.throws(() => parseFlowText('udp 198.51.100.7:1 -> 192.0.2.10:99999 pps=1 size=100'), /dstPort must be/);
  assert.throws(() => parseFlowText('udp 198.51.100.7:1 -> 2001:db8::1 pps=1 size=100'), /same address family/);
  assert.throws(() => parseFlowText('bogus 198.51.100.7 -> 192.0.2.1 pps=1 size=100'), /unknown protocol 'bogus'/);
  assert.throws(() => parseFlowText('udp 198.51.100.7 -> 192.0.2.1 pps=fast size=100'), /pps=fast: not a number/);
  assert.throws(() => parseFlowText('udp 198.51.100.7 -> 192.0.2.1 pps=1 size=100 frag=all'), /frag=all/);
  assert.throws(() => parseFlowText('udp 198.51.100.7 -> 192.0.2.1 pps=1 size=20'), /packetSize must be/);
});
