import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseTarget, runCli } from './cli.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('--list-scenarios lists every built-in scenario', async () => {
  const r = await run(['--list-scenarios']);
  assert.equal(r.code, 0);
  for (const name of ['normal', 'udp-flood', 'syn-flood', 'icmp-flood', 'fragment-flood', 'dns-amplification', 'ntp-amplification', 'outgoing-attack', 'ipv6-flood']) {
    assert.match(r.out, new RegExp(`^${name} `, 'm'));
  }
});

test('bad arguments exit 2 with a clear message', async () => {
  const cases: [string[], RegExp][] = [
    [['--proto', 'netflow7', '--scenario', 'normal'], /Allowed choices are sflow, netflow5, netflow9, ipfix/],
    [['--scenario', 'normal'], /--proto is required/],
    [['--proto', 'sflow'], /give --scenario <name> or at least one --flow/],
    [['--proto', 'sflow', '--scenario', 'nope'], /unknown scenario 'nope' \(normal, udp-flood/],
    [['--proto', 'sflow', '--scenario', 'normal', '--flow', 'udp 1.2.3.4 -> 5.6.7.8 pps=1 size=100'], /either --scenario or --flow/],
    [['--proto', 'sflow', '--scenario', 'normal', '--rate', '-5'], /--rate must be a positive number/],
    [['--proto', 'sflow', '--scenario', 'normal', '--count', '0'], /--count must be a positive integer/],
    [['--proto', 'sflow', '--scenario', 'normal', '--seconds', 'forever'], /--seconds must be a positive number/],
    [['--proto', 'sflow', '--scenario', 'normal', '--target', '192.0.2.1:6343'], /refusing target 192\.0\.2\.1: not loopback/],
    [['--proto', 'sflow', '--scenario', 'normal', '--target', '127.0.0.1:70000'], /port must be 1\.\.65535/],
    [['--proto', 'sflow', '--flow', 'udp 1.2.3.4 -> 5.6.7.8 pps=1'], /size=<bytes per packet> is required/],
    [['--proto', 'netflow5', '--scenario', 'normal', '--sampling', '20000'], /cannot announce a sampling rate above 16383/],
    [['--proto', 'netflow9', '--scenario', 'normal', '--sampling-announce', 'options-305-306'], /must be one of options-sampler/],
    [['--proto', 'sflow', '--scenario', 'normal', '--records-per-datagram', '5'], /does not apply to sflow/],
    [['--proto', 'sflow', '--scenario', 'normal', '--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, re, args.join(' '));
  }
});

test('--dry-run generates without sending', async () => {
  const r = await run(['--proto', 'ipfix', '--scenario', 'syn-flood', '--dry-run', '--count', '500', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.sent, 500);
  assert.equal(j.dryRun, true);
  assert.ok(j.virtualMs > 0);
});

test('sends a --flow at a fixed rate to a local collector, bounded by --count', async () => {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  try {
    const port = sock.address().port;
    const r = await run(['--proto', 'sflow', '--target', `127.0.0.1:${port}`, '--rate', '2000', '--count', '50', '--seconds', '5', '--sampling', '100', '--json',
      '--flow', 'udp 198.51.100.7:123 -> 192.0.2.10:4444 pps=50000 size=468']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.sent, 50);
    assert.equal(j.stoppedBy, 'count');
    const end = Date.now() + 2000;
    while (got.length < 50 && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    assert.equal(got.length, 50);
    assert.equal(got[0].readUInt32BE(0), 5, 'sFlow v5');
  } finally {
    sock.close();
  }
});

test('real-time mode stops by --seconds', async () => {
  const sock = createSocket('udp4');
  sock.on('message', () => {});
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  try {
    const r = await run(['--proto', 'netflow5', '--target', `127.0.0.1:${sock.address().port}`, '--scenario', 'icmp-flood', '--seconds', '0.3']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /sent \d+ netflow5 datagrams .* stopped by time/);
  } finally {
    sock.close();
  }
});

test('parseTarget', () => {
  assert.deepEqual(parseTarget('127.0.0.1:6343', 1), { host: '127.0.0.1', port: 6343 });
  assert.deepEqual(parseTarget('127.0.0.1', 2055), { host: '127.0.0.1', port: 2055 });
  assert.deepEqual(parseTarget('[::1]:4739', 1), { host: '::1', port: 4739 });
  assert.deepEqual(parseTarget('::1', 4739), { host: '::1', port: 4739 });
});

test('the compiled CLI runs as a program', () => {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  const r = spawnSync(process.execPath, [cli, '--list-scenarios'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /udp-flood/);
  const bad = spawnSync(process.execPath, [cli, '--proto', 'sflow'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--scenario/);
});
