/**
 * Telling telemetry from ordinary UDP: the real exporters' datagrams are recognised by content,
 * ordinary UDP payloads (DNS, NTP, random bytes) are not, and ports map to listeners.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listFixtureDatagrams, readPcapFile, readUdpDatagrams, repoRoot } from '../capture/index.js';
import { join } from 'node:path';
import { listenerPorts, sniffTelemetry } from './telemetry.js';

test('every real exporter datagram sniffs as its protocol', () => {
  const want = { sflow: 'sflow', netflow_v5: 'netflow', netflow_v9: 'netflow', ipfix: 'ipfix' } as const;
  const all = listFixtureDatagrams();
  assert.ok(all.length > 60);
  for (const d of all) assert.equal(sniffTelemetry(d.payload), want[d.protocol], `${d.file} #${d.index}`);
});

test('ordinary UDP is not telemetry', () => {
  // The DNS, NTP and random-port UDP datagrams of the traffic the fixtures were made from.
  const udp = [...readUdpDatagrams(readPcapFile(join(repoRoot(), 'src/capture/testdata/traffic.pcap')))];
  assert.ok(udp.length > 20);
  for (const d of udp) assert.equal(sniffTelemetry(d.payload), null, `packet ${d.index} to port ${d.dstPort}`);
  // Version words alone are not enough.
  assert.equal(sniffTelemetry(Buffer.from('0005000100000000', 'hex')), null);
  const v5 = Buffer.alloc(24 + 48);
  v5.writeUInt16BE(5, 0);
  v5.writeUInt16BE(1, 2);
  assert.equal(sniffTelemetry(v5), 'netflow');
  v5.writeUInt16BE(2, 2);
  assert.equal(sniffTelemetry(v5), null);
  const ipfix = Buffer.alloc(40);
  ipfix.writeUInt16BE(10, 0);
  ipfix.writeUInt16BE(41, 2);
  assert.equal(sniffTelemetry(ipfix), null);
  assert.equal(sniffTelemetry(Buffer.alloc(0)), null);
});

test('listener ports: first listener of a port wins, port 0 is ignored', () => {
  const m = listenerPorts([
    { protocol: 'sflow', address: '0.0.0.0', port: 6343 },
    { protocol: 'netflow', address: '::', port: 6343 },
    { protocol: 'ipfix', address: '0.0.0.0', port: 0 },
    { protocol: 'netflow', address: '0.0.0.0', port: 2055 },
  ]);
  assert.deepEqual([...m], [[6343, 'sflow'], [2055, 'netflow']]);
});
