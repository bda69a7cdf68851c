import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { isLoopbackHost, sendDatagrams, SendRefusedError } from './sender.js';
import { SimulatedExporter } from './simulate.js';
import { scenarioDescription } from './scenarios.js';

async function listen(type: 'udp4' | 'udp6' = 'udp4'): Promise<{ sock: Socket; port: number; received: Buffer[] }> {
  const sock = createSocket(type);
  const received: Buffer[] = [];
  sock.on('message', (m) => received.push(m));
  sock.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(sock, 'listening');
  try {
    sock.setRecvBufferSize(4 * 1024 * 1024);
  } catch {
    // the kernel may cap it; 1000 small datagrams fit the default anyway
  }
  return { sock, port: sock.address().port, received };
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

test('sends 1000 datagrams to a local socket, bounded by count, and they all arrive', async () => {
  const { sock, port, received } = await listen();
  try {
    const datagrams = Array.from({ length: 1000 }, (_, i) => Buffer.from(`datagram ${i}`));
    const r = await sendDatagrams({ host: '127.0.0.1', port, datagrams, rate: 20_000, maxCount: 1000, maxSeconds: 5 });
    assert.equal(r.sent, 1000);
    assert.equal(r.errors, 0);
    assert.equal(r.stoppedBy, 'count');
    assert.ok(r.achievedRate > 0);
    await waitFor(() => received.length >= 1000, 2000);
    assert.equal(received.length, 1000);
    assert.equal(received[0].toString(), 'datagram 0');
    assert.equal(received[999].toString(), 'datagram 999');
  } finally {
    sock.close();
  }
});

test('stops by time when the count bound is not reached', async () => {
  const { sock, port } = await listen();
  try {
    function* endless() {
      for (;;) yield Buffer.from('x');
    }
    const t0 = Date.now();
    const r = await sendDatagrams({ host: '127.0.0.1', port, datagrams: endless(), rate: 200, maxCount: 1_000_000, maxSeconds: 0.3 });
    assert.equal(r.stoppedBy, 'time');
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(r.sent >= 20 && r.sent <= 100, `sent ${r.sent} at 200/s for 0.3 s`);
  } finally {
    sock.close();
  }
});

test('stops when the datagrams run out; IPv6 loopback works', async () => {
  const { sock, port, received } = await listen('udp6');
  try {
    const r = await sendDatagrams({ host: '::1', port, datagrams: [Buffer.from('a'), Buffer.from('b')], rate: 1000, maxCount: 10, maxSeconds: 2 });
    assert.equal(r.stoppedBy, 'exhausted');
    assert.equal(r.sent, 2);
    await waitFor(() => received.length >= 2, 1000);
    assert.equal(received.length, 2);
  } finally {
    sock.close();
  }
});

test('generator mode sends a simulated exporter in real time', async () => {
  const { sock, port, received } = await listen();
  try {
    const sim = new SimulatedExporter('netflow9', scenarioDescription('udp-flood', { samplingRate: 100 }));
    const r = await sendDatagrams({ host: 'localhost', port, generator: sim.realtime(50), maxCount: 100_000, maxSeconds: 0.4 });
    assert.equal(r.stoppedBy, 'time');
    assert.ok(r.sent > 0);
    assert.equal(r.errors, 0);
    await waitFor(() => received.length >= r.sent, 1000);
    assert.equal(received.length, r.sent);
    assert.equal(received[0].readUInt16BE(0), 9);
  } finally {
    sock.close();
  }
});

test('an abort signal stops the sender', async () => {
  const { sock, port } = await listen();
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await sendDatagrams({ host: '127.0.0.1', port, datagrams: Array.from({ length: 10_000 }, () => Buffer.from('x')), rate: 1000, maxCount: 10_000, maxSeconds: 10, signal: ac.signal });
    assert.equal(r.stoppedBy, 'aborted');
    assert.ok(r.sent < 10_000);
  } finally {
    sock.close();
  }
});

test('send errors are counted (nothing listening) and the sender still stops', async () => {
  const { sock, port } = await listen();
  sock.close();
  const r = await sendDatagrams({ host: '127.0.0.1', port, datagrams: Array.from({ length: 50 }, () => Buffer.from('x')), rate: 500, maxCount: 50, maxSeconds: 2 });
  assert.equal(r.stoppedBy, 'count');
  assert.ok(r.errors > 0, 'ECONNREFUSED is reported');
  assert.match(r.firstError ?? '', /ECONNREFUSED/);
});

test('refuses non-loopback destinations and bad bounds', async () => {
  for (const host of ['192.0.2.1', '8.8.8.8', '128.0.0.1', '::2', '2001:db8::1', 'example.com', '0.0.0.0', '::']) {
    await assert.rejects(sendDatagrams({ host, port: 9, datagrams: [], rate: 1, maxCount: 1, maxSeconds: 1 }), SendRefusedError, host);
  }
  const ok = { host: '127.0.0.1', port: 9, datagrams: [] as Buffer[], rate: 1, maxCount: 1, maxSeconds: 1 };
  await assert.rejects(sendDatagrams({ ...ok, maxSeconds: Infinity }), /maxSeconds/);
  await assert.rejects(sendDatagrams({ ...ok, maxCount: -1 }), /maxCount/);
  await assert.rejects(sendDatagrams({ ...ok, maxCount: undefined as unknown as number }), /maxCount/);
  await assert.rejects(sendDatagrams({ ...ok, rate: 0 }), /rate/);
  await assert.rejects(sendDatagrams({ ...ok, rate: undefined }), /rate is required/);
  await assert.rejects(sendDatagrams({ ...ok, port: 70000 }), /port/);
  await assert.rejects(sendDatagrams({ ...ok, generator: () => [] }), /exactly one/);
});

test('isLoopbackHost', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['128.0.0.1', '10.0.0.1', '::', '::2', '1::1', 'fe80::1', '::ffff:10.0.0.1', 'localhost.example.com', '']) assert.equal(isLoopbackHost(h), false, h);
});
