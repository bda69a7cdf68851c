/**
 * Supervision of the capture child, with a stand-in for tcpdump: a real child process (a Node
 * script) that behaves as tcpdump does on a pipe — "listening on" on stderr, classic pcap on
 * stdout, counters on SIGUSR1 and at exit, tcpdump's error messages — so that start failures,
 * restarts, framing errors and counters are tested without root. The real tcpdump on a real
 * interface is tested in test/capture-live/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodePcap, ipUdpPacket, linkFrame, LinkType, type PcapRecord } from '../capture/index.js';
import { packetCaptureSchema, type PacketCaptureConfig } from '../config/collectors.js';
import { CollectingSink, CountingSink } from '../flow/sample-record.js';
import { silentLogger } from '../log.js';
import { InterfaceCapture, tcpdumpArgs } from './interface-capture.js';
import { PacketCaptureSet } from './capture-set.js';

/**
 * A tcpdump stand-in, steered by files in its directory, each looked up as NAME-<run> (run 1, 2,
 * ...), then NAME@<interface>, then NAME: mode (ok, nodev, silent), stream (written to stdout),
 * count and drops (its counters), exit (exit code after writing the stream).
 */
const FAKE = `
import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
const dir = DIR;
const runFile = dir + '/runs';
const run = (existsSync(runFile) ? Number(readFileSync(runFile, 'utf8')) : 0) + 1;
writeFileSync(runFile, String(run));
const argv = process.argv.slice(2);
appendFileSync(dir + '/argv', JSON.stringify(argv) + '\\n');
const iface = argv[argv.indexOf('-i') + 1];
const f = (name) => [name + '-' + run, name + '@' + iface, name].map((n) => dir + '/' + n).find((p) => existsSync(p)) ?? null;
const mode = f('mode') ? readFileSync(f('mode'), 'utf8').trim() : 'ok';
if (mode === 'nodev') {
  process.stderr.write('tcpdump: ' + iface + ': No such device exists\\n(No such device exists)\\n');
  process.exit(1);
}
const keep = setInterval(() => {}, 1000);
if (mode !== 'silent') {
  const data = f('stream') ? readFileSync(f('stream')) : Buffer.alloc(0);
  const n = Number(f('count') ? readFileSync(f('count'), 'utf8') : 0);
  const drops = Number(f('drops') ? readFileSync(f('drops'), 'utf8') : 0);
  const counters = (sep) => [n + ' packets captured', (n + 3) + ' packets received by filter', drops + ' packets dropped by kernel'].join(sep);
  process.on('SIGUSR1', () => process.stderr.write('tcpdump: ' + counters(', ') + '\\n'));
  process.on('SIGTERM', () => {
    process.stderr.write(counters('\\n') + '\\n');
    process.exit(0);
  });
  process.stderr.write('tcpdump: listening on ' + iface + ', link-type EN10MB (Ethernet), snapshot length 256 bytes\\n');
  process.stdout.write(data);
  if (f('exit')) {
    process.stderr.write('tcpdump: pcap_loop: The interface disappeared\\n' + counters('\\n') + '\\n');
    clearInterval(keep);
    process.exitCode = Number(readFileSync(f('exit'), 'utf8'));
  }
}
`;

interface Fake {
  dir: string;
  path: string;
  set(name: string, value: string | Buffer): void;
  argv(): string[][];
  runs(): number;
}

function fakeTcpdump(): Fake {
  const dir = mkdtempSync(join(tmpdir(), 'bw-fake-tcpdump-'));
  const path = join(dir, 'tcpdump.mjs');
  writeFileSync(path, `#!${process.execPath}\n${FAKE.replace('DIR', JSON.stringify(dir))}`);
  chmodSync(path, 0o755);
  return {
    dir,
    path,
    set: (name, value) => writeFileSync(join(dir, name), value),
    argv: () => (existsSync(join(dir, 'argv')) ? readFileSync(join(dir, 'argv'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) : []),
    runs: () => (existsSync(join(dir, 'runs')) ? Number(readFileSync(join(dir, 'runs'), 'utf8')) : 0),
  };
}

function cfg(over: Partial<PacketCaptureConfig> = {}): PacketCaptureConfig {
  return packetCaptureSchema.parse({ interface: 'bw-test0', ...over });
}

function udpFrame(i: number, dst = '192.0.2.10'): Buffer {
  return linkFrame(LinkType.ETHERNET, ipUdpPacket({ srcAddr: `198.51.100.${1 + (i % 200)}`, dstAddr: dst, srcPort: 40000 + (i % 1000), dstPort: 53, payload: Buffer.alloc(20 + (i % 50)) }));
}

function stream(n: number, opts: { start?: number; extra?: PcapRecord[] } = {}): Buffer {
  const recs: PcapRecord[] = [];
  for (let i = 0; i < n; i++) recs.push({ tsMs: 1_763_800_000_000 + i, data: udpFrame((opts.start ?? 0) + i) });
  return encodePcap([...recs, ...(opts.extra ?? [])], { linkType: LinkType.ETHERNET, snapLen: 256 });
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('tcpdump command line: interface, pcap on stdout, -U if packet_buffered, snap length, buffer, -p unless promiscuous, filter after --', () => {
  assert.deepEqual(tcpdumpArgs(cfg()), ['-i', 'bw-test0', '-w', '-', '-s', '256', '-B', '8192', '-p']);
  assert.deepEqual(tcpdumpArgs(cfg({ snaplen: 128, buffer_kib: 1024, promiscuous: true, packet_buffered: true, filter: '-w /etc/passwd' })), ['-i', 'bw-test0', '-w', '-', '-U', '-s', '128', '-B', '1024', '--', '-w /etc/passwd']);
  const c = new InterfaceCapture(cfg({ netns: 'lab1' }), { sink: new CountingSink(), logger: silentLogger() });
  assert.deepEqual(c.commandLine().slice(0, 6), ['ip', 'netns', 'exec', 'lab1', 'tcpdump', '-i']);
  assert.equal(c.name, 'bw-test0 (netns lab1)');
});

test('config: defaults, and bad entries refused with their path', () => {
  assert.deepEqual(cfg(), { interface: 'bw-test0', sampling: 1, snaplen: 256, promiscuous: false, buffer_kib: 8192, packet_buffered: false });
  const bad = (v: unknown) => packetCaptureSchema.safeParse(v);
  for (const name of ['-i', 'a b', 'x'.repeat(16), '', '..', 'eth0;rm']) assert.equal(bad({ interface: name }).success, false, name);
  for (const name of ['eth0', 'any', 'bond0.100', 'enp3s0f1', 'veth@1', 'x'.repeat(15)]) assert.equal(bad({ interface: name }).success, true, name);
  assert.equal(bad({ interface: 'eth0', sampling: 0 }).success, false);
  assert.equal(bad({ interface: 'eth0', snaplen: 63 }).success, false);
  assert.equal(bad({ interface: 'eth0', filter: 'udp\nport 53' }).success, false);
  assert.equal(bad({ interface: 'eth0', netns: '../x' }).success, false);
  assert.equal(bad({ interface: 'eth0', promisc: true }).success, false, 'strict: unknown keys refused');
});

test('every packet tcpdump writes becomes a sample at rate 1; counters from SIGUSR1; stop ends the child', async () => {
  const fake = fakeTcpdump();
  const arp = { tsMs: 1_763_800_001_000, data: Buffer.concat([Buffer.from('ffffffffffff02000000000108060001', 'hex'), Buffer.alloc(40)]) };
  fake.set('stream', stream(10, { extra: [arp] }));
  fake.set('count', '11');
  fake.set('drops', '7');
  const sink = new CollectingSink();
  const c = new InterfaceCapture(cfg({ filter: 'udp or arp' }), { sink, logger: silentLogger(), tcpdumpPath: fake.path, statsIntervalMs: 0 });
  try {
    await c.start();
    assert.equal(c.status().state, 'running');
    await until('11 packets', () => c.status().packets === 11);
    assert.equal(sink.records.length, 10);
    for (const [i, r] of sink.records.entries()) {
      assert.equal(r.source, 'pcap');
      assert.equal(r.dst, '192.0.2.10');
      assert.equal(r.src, `198.51.100.${1 + i}`);
      assert.equal(r.protocol, 17);
      assert.equal(r.srcPort, 40000 + i);
      assert.equal(r.samplingRate, 1);
      assert.equal(r.packets, 1);
      assert.equal(r.bytes, udpFrame(i).length);
      assert.equal(r.startMs, 1_763_800_000_000 + i);
    }
    assert.deepEqual(fake.argv(), [['-i', 'bw-test0', '-w', '-', '-s', '256', '-B', '8192', '-p', '--', 'udp or arp']]);
    let st = c.status();
    assert.equal(st.selected, 11);
    assert.equal(st.samples, 10);
    assert.deepEqual(st.skipped, { link_type: 0, not_ip: 1, malformed: 0 });
    assert.equal(st.linkType, LinkType.ETHERNET);
    assert.equal(st.kernelDrops, null, 'no counters before tcpdump reports them');
    c.askCounters();
    await until('counters', () => c.status().kernelDrops === 7);
    assert.equal(c.status().receivedByFilter, 14);
    const pid = c.status().pid!;
    assert.ok(pid > 0 && alive(pid));
    await c.stop();
    st = c.status();
    assert.equal(st.state, 'stopped');
    assert.equal(st.pid, null);
    assert.equal(alive(pid), false);
    assert.equal(st.restarts, 0);
    assert.equal(st.framingErrors, 0);
  } finally {
    await c.stop();
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('1-in-N sampling: about 1/N of the packets, each sample standing for N; the same seed selects the same packets', async () => {
  const fake = fakeTcpdump();
  fake.set('stream', stream(20_000));
  const counts: number[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const sink = new CollectingSink();
      const c = new InterfaceCapture(cfg({ sampling: 10 }), { sink, logger: silentLogger(), tcpdumpPath: fake.path, seed: 12345, statsIntervalMs: 0 });
      try {
        await c.start();
        await until('20000 packets', () => c.status().packets === 20_000);
      } finally {
        await c.stop();
      }
      const st = c.status();
      // Binomial(20000, 0.1): mean 2000, sd 42; 6 sd either side.
      assert.ok(st.selected > 1750 && st.selected < 2250, `selected ${st.selected}`);
      assert.equal(st.samples, st.selected);
      assert.equal(sink.records.length, st.selected);
      assert.ok(sink.records.every((r) => r.samplingRate === 10 && r.packets === 1));
      counts.push(st.selected);
    }
    assert.equal(counts[0], counts[1]);
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a missing tcpdump fails start with the binary named and how to install it', async () => {
  const c = new InterfaceCapture(cfg(), { sink: new CountingSink(), logger: silentLogger(), tcpdumpPath: '/nonexistent/bin/tcpdump' });
  await assert.rejects(c.start(), /packet capture on bw-test0: cannot run \/nonexistent\/bin\/tcpdump: not found\. Install tcpdump \(Debian\/Ubuntu: apt-get install tcpdump\)/);
  assert.equal(c.status().state, 'stopped');
});

test("tcpdump's own error (no such device) fails start in its words; nothing is left running", async () => {
  const fake = fakeTcpdump();
  fake.set('mode', 'nodev');
  const c = new InterfaceCapture(cfg({ interface: 'nosuch0' }), { sink: new CountingSink(), logger: silentLogger(), tcpdumpPath: fake.path });
  try {
    await assert.rejects(c.start(), /^Error: packet capture on nosuch0: tcpdump exited with code 1 before capturing: tcpdump: nosuch0: No such device exists \| \(No such device exists\)$/);
    const st = c.status();
    assert.equal(st.state, 'stopped');
    assert.equal(st.pid, null);
    await sleep(100);
    assert.equal(fake.runs(), 1, 'not restarted after a failed start');
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a tcpdump that never starts capturing is killed after the start timeout', async () => {
  const fake = fakeTcpdump();
  fake.set('mode', 'silent');
  const c = new InterfaceCapture(cfg(), { sink: new CountingSink(), logger: silentLogger(), tcpdumpPath: fake.path, startTimeoutMs: 300 });
  try {
    await assert.rejects(c.start(), /tcpdump did not start capturing within 300 ms \(it printed nothing\)/);
    assert.equal(c.status().pid, null);
  } finally {
    await c.stop();
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a tcpdump that exits is restarted with backoff; packets and kernel drops add up across children', async () => {
  const fake = fakeTcpdump();
  fake.set('stream-1', stream(5));
  fake.set('count-1', '5');
  fake.set('drops-1', '2');
  fake.set('exit-1', '1');
  fake.set('stream-2', stream(7, { start: 5 }));
  fake.set('count-2', '7');
  fake.set('drops-2', '3');
  const sink = new CollectingSink();
  const c = new InterfaceCapture(cfg(), { sink, logger: silentLogger(), tcpdumpPath: fake.path, restartDelayMs: 50, statsIntervalMs: 0 });
  try {
    await c.start();
    await until('restart', () => c.status().restarts === 1 && c.status().state === 'running' && c.status().packets === 12);
    assert.match(c.status().lastError!, /^tcpdump exited with code 1: tcpdump: pcap_loop: The interface disappeared$/);
    assert.equal(c.status().kernelDrops, 2, 'the first child reported 2 drops at exit');
    c.askCounters();
    await until('counters of the second child', () => c.status().kernelDrops === 5);
    assert.equal(c.status().receivedByFilter, 8 + 10);
    assert.deepEqual(sink.records.map((r) => r.srcPort), [...Array(12).keys()].map((i) => 40000 + i));
    assert.equal(fake.runs(), 2);
  } finally {
    await c.stop();
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a stream whose framing is lost is counted, logged and restarted from a fresh header', async () => {
  const fake = fakeTcpdump();
  const good = stream(3);
  // A record header claiming 5000 captured bytes under a 256-byte snap length.
  const bad = Buffer.alloc(16);
  bad.writeUInt32LE(1_763_800_100, 0);
  bad.writeUInt32LE(5000, 8);
  bad.writeUInt32LE(5000, 12);
  fake.set('stream-1', Buffer.concat([good, bad, Buffer.alloc(100)]));
  fake.set('stream-2', stream(4, { start: 3 }));
  const sink = new CollectingSink();
  const c = new InterfaceCapture(cfg(), { sink, logger: silentLogger(), tcpdumpPath: fake.path, restartDelayMs: 50, statsIntervalMs: 0 });
  try {
    await c.start();
    await until('restart after the framing error', () => c.status().packets === 7 && c.status().state === 'running');
    const st = c.status();
    assert.equal(st.framingErrors, 1);
    assert.equal(st.restarts, 1);
    assert.equal(st.lastError, `record of 5000 captured bytes exceeds the limit of 256 (snap length): framing lost (at stream byte ${good.length})`);
    assert.deepEqual(sink.records.map((r) => r.srcPort), [40000, 40001, 40002, 40003, 40004, 40005, 40006]);
  } finally {
    await c.stop();
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a capture set starts all or nothing, listing every failure', async () => {
  const ok = fakeTcpdump();
  ok.set('stream', stream(1));
  const sink = new CountingSink();
  const set = new PacketCaptureSet([cfg({ interface: 'good0' }), cfg({ interface: 'bad0' })], { sink, logger: silentLogger(), tcpdumpPath: ok.path, statsIntervalMs: 0 });
  // The second capture fails as tcpdump does on a missing interface.
  ok.set('mode@bad0', 'nodev');
  try {
    await assert.rejects(set.start(), /^Error: packet capture on bad0: tcpdump exited with code 1 before capturing: tcpdump: bad0: No such device exists/);
    assert.deepEqual(set.status().map((s) => [s.interface, s.state, s.pid]), [['good0', 'stopped', null], ['bad0', 'stopped', null]]);
    assert.equal(set.size, 2);
  } finally {
    await set.stop();
    rmSync(ok.dir, { recursive: true, force: true });
  }
});
