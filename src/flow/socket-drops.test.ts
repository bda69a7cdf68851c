import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcNetUdp, readUdpRcvbufErrors } from './socket-drops.js';

test('drops are read per local port from /proc/net/udp text', () => {
  const text = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 00000000:18BF 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12345 2 0000000000000000 17
  124: 0100007F:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12346 2 0000000000000000 0
`;
  const m = parseProcNetUdp(text);
  assert.equal(m.get(6335), 17);
  assert.equal(m.get(2055), 0);
});

test('host-wide RcvbufErrors is readable on Linux', () => {
  const v = readUdpRcvbufErrors();
  assert.ok(v === null || v >= 0);
});
