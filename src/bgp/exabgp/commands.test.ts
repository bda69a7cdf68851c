import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderAnnounce, renderWithdraw, parseAdjRibOut, parseNeighborEvent } from './commands.js';
import { routeFingerprint, type Route } from '../route.js';

const H = 'neighbor 127.0.0.2 local-ip 127.0.0.3 local-as 65001 peer-as 65000 router-id 127.0.0.3 family-allowed in-open';

test('renders unicast RTBH commands (IPv4, IPv6)', () => {
  assert.equal(
    renderAnnounce({ kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['blackhole', 'no-export'] }),
    'announce route 198.51.100.5/32 next-hop 192.0.2.1 community [ 65535:666 65535:65281 ]',
  );
  assert.equal(
    renderAnnounce({ kind: 'unicast', prefix: '2001:db8:1::5/128', nextHop: '2001:db8::1', communities: ['65535:666'], largeCommunities: ['65001:1:2'], localPref: 200 }),
    'announce route 2001:db8:1::5/128 next-hop 2001:db8::1 local-preference 200 community [ 65535:666 ] large-community [ 65001:1:2 ]',
  );
  assert.equal(renderWithdraw({ kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: [] }), 'withdraw route 198.51.100.5/32');
});

test('renders flat flow commands (IPv4, IPv6)', () => {
  const r: Route = {
    kind: 'flowspec', family: 4,
    match: { destination: '198.51.100.5/32', source: '203.0.113.0/24', protocols: [6], destinationPorts: [80, { min: 8080, max: 8088 }, { min: 1024 }], tcpFlags: { ack: false, syn: true }, packetLength: [{ max: 100 }], fragment: ['is-fragment'] },
    action: { type: 'rate-limit', bytesPerSecond: 125000 },
    communities: ['65001:666'],
  };
  assert.equal(
    renderAnnounce(r),
    'announce flow route destination 198.51.100.5/32 source 203.0.113.0/24 protocol [ =6 ] destination-port [ =80 >=1024 >=8080&<=8088 ] tcp-flags [ =syn&!=ack ] packet-length [ <=100 ] fragment [ is-fragment ] rate-limit 125000 community [ 65001:666 ]',
  );
  assert.equal(
    renderWithdraw(r),
    'withdraw flow route destination 198.51.100.5/32 source 203.0.113.0/24 protocol [ =6 ] destination-port [ =80 >=1024 >=8080&<=8088 ] tcp-flags [ =syn&!=ack ] packet-length [ <=100 ] fragment [ is-fragment ]',
  );
  assert.equal(
    renderAnnounce({ kind: 'flowspec', family: 6, match: { destination: '2001:db8::5/128', protocols: [17], sourcePorts: [53], icmpType: 128 }, action: { type: 'mark', dscp: 8 } }),
    'announce flow route destination 2001:db8::5/128/0 next-header [ =17 ] source-port [ =53 ] icmp-type [ =128 ] mark 8',
  );
});

// Captured from ExaBGP 4.2.21 (`show adj-rib out extensive`) after the commands above, against FRR 8.4.
const captured = [
  `${H} ipv4 unicast 198.51.100.5/32 next-hop 192.0.2.1 community [ blackhole no-export ]`,
  `${H} ipv4 flow flow destination-ipv4 198.51.100.5/32 protocol =udp source-port [ =53 =123 ] packet-length [ >=1000&<=1500 ] fragment is-fragment extended-community rate-limit:12500`,
  `${H} ipv4 flow flow destination-ipv4 198.51.100.6/32 protocol =tcp destination-port =80 tcp-flags [ =syn&!=ack ] community 65001:666 extended-community rate-limit:0`,
  `${H} ipv4 flow flow destination-ipv4 198.51.100.7/32 protocol =udp extended-community redirect:65000:666`,
  `${H} ipv4 flow flow destination-ipv4 198.51.100.8/32 source-ipv4 203.0.113.0/24 protocol =icmp icmp-type =echo-request icmp-code =0 extended-community mark 10`,
  `${H} ipv6 unicast 2001:db8:1::5/128 next-hop 2001:db8::1 local-preference 200 community [ blackhole no-export ] large-community 65001:1:2`,
  `${H} ipv6 flow flow destination-ipv6 2001:db8:1::5/128/0 next-header =udp source-port =53 extended-community rate-limit:0`,
  `${H} ipv6 flow flow destination-ipv6 2001:db8:1::6/128/0 next-header =unknown protocol type 200 extended-community rate-limit:1000`,
];

test('parses show adj-rib out extensive into the same fingerprints as the desired routes', () => {
  const expected: Route[] = [
    { kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['65535:666', 'no-export'] },
    { kind: 'flowspec', family: 4, match: { destination: '198.51.100.5/32', protocols: [17], sourcePorts: [53, 123], packetLength: [{ min: 1000, max: 1500 }], fragment: ['is-fragment'] }, action: { type: 'rate-limit', bytesPerSecond: 12500 } },
    { kind: 'flowspec', family: 4, match: { destination: '198.51.100.6/32', protocols: [6], destinationPorts: [80], tcpFlags: { syn: true, ack: false } }, action: { type: 'discard' }, communities: ['65001:666'] },
    { kind: 'flowspec', family: 4, match: { destination: '198.51.100.7/32', protocols: [17] }, action: { type: 'redirect', routeTarget: '65000:666' } },
    { kind: 'flowspec', family: 4, match: { destination: '198.51.100.8/32', source: '203.0.113.0/24', protocols: [1], icmpType: 8, icmpCode: 0 }, action: { type: 'mark', dscp: 10 } },
    { kind: 'unicast', prefix: '2001:db8:1::5/128', nextHop: '2001:db8::1', communities: ['blackhole', 'no-export'], largeCommunities: ['65001:1:2'], localPref: 200 },
    { kind: 'flowspec', family: 6, match: { destination: '2001:db8:1::5/128', protocols: [17], sourcePorts: [53] }, action: { type: 'discard' } },
    { kind: 'flowspec', family: 6, match: { destination: '2001:db8:1::6/128', protocols: [200] }, action: { type: 'rate-limit', bytesPerSecond: 1000 } },
  ];
  const p = parseAdjRibOut(captured);
  assert.deepEqual(p.unparsed, []);
  assert.deepEqual(p.entries.map((e) => e.peer), Array(8).fill('127.0.0.2'));
  assert.deepEqual(p.entries.map((e) => routeFingerprint(e.route)), expected.map(routeFingerprint));
});

test('unmodelled routes are reported, not guessed', () => {
  const p = parseAdjRibOut([
    `${H} ipv4 flow flow destination-ipv4 198.51.100.9/32 tcp-flags syn extended-community rate-limit:0`,
    `${H} ipv4 mpls-vpn 10.0.0.0/8 next-hop 1.2.3.4`,
    `${H} ipv6 flow flow destination-ipv6 2001:db8::/64/8 extended-community rate-limit:0`,
    `${H} ipv4 flow flow destination-ipv4 198.51.100.9/32 dscp =4 extended-community rate-limit:0`,
  ]);
  assert.equal(p.entries.length, 0);
  assert.equal(p.unparsed.length, 4);
});

test('neighbor events', () => {
  assert.deepEqual(parseNeighborEvent('neighbor 127.0.0.2 up'), { peer: '127.0.0.2', state: 'up' });
  assert.deepEqual(parseNeighborEvent('neighbor 127.0.0.2 down - peer reset, message [closing connection] error[Broken TCP connection]'), { peer: '127.0.0.2', state: 'down' });
  assert.equal(parseNeighborEvent(`${H} ipv4 unicast 198.51.100.5/32 next-hop 192.0.2.1`), null);
});
