import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExabgpSpeaker } from './exabgp-speaker.js';
import { ExabgpPipeSpeaker } from './pipe-speaker.js';
import { defaultBridgePath, renderExabgpConfig } from './supervisor.js';
import { SpeakerError, type SpeakerStateChange } from '../speaker.js';
import type { Route } from '../route.js';

const rtbh: Route = { kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['blackhole'] };
const H = 'neighbor 192.0.2.254 local-ip 192.0.2.10 local-as 65001 peer-as 65000 router-id 192.0.2.10 family-allowed in-open';

/** Plays ExaBGP on the bridge side of the socket: records commands, answers when told. */
class FakeExabgp {
  readonly commands: string[] = [];
  private buf = '';
  private waiters: Array<() => void> = [];
  constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        this.commands.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 1);
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  static async connect(path: string): Promise<FakeExabgp> {
    const s = connect(path);
    await new Promise((r) => s.once('connect', r));
    return new FakeExabgp(s);
  }
  async next(n: number): Promise<void> {
    while (this.commands.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
  send(...lines: string[]): void {
    this.sock.write(lines.map((l) => `${l}\n`).join(''));
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'bw-exabgp-unit-'));
}

test('commands go one at a time; the next waits for done/error; neighbor events update health', async () => {
  const dir = tmp();
  const sp = new ExabgpSpeaker({ socketPath: join(dir, 's.sock'), commandTimeoutMs: 2000 });
  const changes: SpeakerStateChange[] = [];
  sp.onStateChange((c) => changes.push(c));
  await sp.start();
  try {
    const ex = await FakeExabgp.connect(join(dir, 's.sock'));
    await ex.next(1);
    assert.equal(ex.commands[0], 'show neighbor summary');
    ex.send('Peer            AS        up/down state       |     #sent     #recvd', '192.0.2.254     65000     0:01:02 established           3          0', 'done');
    const a = sp.announce(rtbh);
    const w = sp.withdraw(rtbh);
    await ex.next(2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(ex.commands.slice(1), ['announce route 198.51.100.5/32 next-hop 192.0.2.1 community [ 65535:666 ]'], 'withdraw must wait for the ack');
    ex.send('neighbor 192.0.2.254 down - peer reset', 'done');
    await a;
    assert.equal(sp.health().sessionState, 'down');
    await ex.next(3);
    assert.equal(ex.commands[2], 'withdraw route 198.51.100.5/32');
    ex.send('error');
    await assert.rejects(w, (e: unknown) => e instanceof SpeakerError && !e.retryable);
    ex.send('neighbor 192.0.2.254 up');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sp.health().sessionState, 'established');
    assert.ok(changes.some((c) => c.resync && c.health.sessionState === 'established'));
    const list = sp.listAnnounced();
    await ex.next(4);
    assert.equal(ex.commands[3], 'show adj-rib out extensive');
    ex.send(`${H} ipv4 unicast 198.51.100.5/32 next-hop 192.0.2.1 community [ blackhole ]`, `${H} ipv4 unicast 198.51.100.5/32 next-hop 192.0.2.1 community [ blackhole ]`, 'done');
    assert.deepEqual(await list, [{ kind: 'unicast', prefix: '198.51.100.5/32', nextHop: '192.0.2.1', communities: ['65535:666'] }]);
    ex.sock.destroy();
  } finally {
    await sp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no ack in time: the connection is dropped and pending commands fail as retryable', async () => {
  const dir = tmp();
  const sp = new ExabgpSpeaker({ socketPath: join(dir, 's.sock'), commandTimeoutMs: 200 });
  await sp.start();
  try {
    const ex = await FakeExabgp.connect(join(dir, 's.sock'));
    await ex.next(1);
    ex.send('done');
    const a = sp.announce(rtbh);
    const b = sp.announce(rtbh);
    await assert.rejects(a, (e: unknown) => e instanceof SpeakerError && e.retryable && /no ack/.test(e.message));
    await assert.rejects(b, (e: unknown) => e instanceof SpeakerError && e.retryable);
    assert.equal(sp.health().up, false);
    await assert.rejects(sp.announce(rtbh), /not connected/);
  } finally {
    await sp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bridge relays both ways, drains ExaBGP while the daemon is away, and a reconnect asks for resync', async () => {
  const dir = tmp();
  const sock = join(dir, 's.sock');
  const bridge = spawn(process.execPath, [defaultBridgePath(), '--socket', sock, '--retry-max-ms', '100'], { stdio: ['pipe', 'pipe', 'ignore'] });
  try {
    // No daemon yet: 1 MiB of ExaBGP output must be consumed, not left to fill the pipe (bgp-apis.md §A.2).
    await new Promise<void>((resolve, reject) => bridge.stdin.write(Buffer.alloc(1024 * 1024, 'x\n'), (e) => (e ? reject(e) : resolve())));
    const sp = new ExabgpSpeaker({ socketPath: sock, commandTimeoutMs: 3000 });
    const changes: SpeakerStateChange[] = [];
    sp.onStateChange((c) => changes.push(c));
    await sp.start();
    let out = '';
    bridge.stdout.setEncoding('utf8');
    bridge.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('show neighbor summary\n') && !out.includes('announce')) bridge.stdin.write('done\n');
      if (out.includes('announce route')) bridge.stdin.write('done\n');
    });
    await waitFor(() => sp.health().up);
    assert.ok(changes[0].resync);
    await sp.announce(rtbh);
    assert.match(out, /announce route 198\.51\.100\.5\/32 next-hop 192\.0\.2\.1 community \[ 65535:666 \]\n/);
    await sp.stop();
  } finally {
    bridge.stdin.end();
    await new Promise((r) => bridge.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('generated exabgp.conf: process section runs the bridge with encoder text; neighbors list the process', () => {
  const conf = renderExabgpConfig({
    socketPath: '/run/breakwater/exabgp.sock', workDir: '/tmp', routerId: '192.0.2.10', localAs: 65001, localAddress: '192.0.2.10',
    neighbors: [{ address: '192.0.2.254', peerAs: 65000, families: ['ipv4 unicast', 'ipv4 flow'] }],
    nodePath: '/usr/bin/node', bridgePath: '/opt/bw/dist/src/bgp/exabgp/bridge.js',
  });
  assert.match(conf, /run \/usr\/bin\/node \/opt\/bw\/dist\/src\/bgp\/exabgp\/bridge\.js --socket \/run\/breakwater\/exabgp\.sock;\n {4}encoder text;/);
  assert.match(conf, /family \{ ipv4 unicast; ipv4 flow; \}/);
  assert.match(conf, /api \{ processes \[ breakwater \]; neighbor-changes; \}/);
  assert.throws(() => renderExabgpConfig({ socketPath: '/tmp/a b.sock', workDir: '/tmp', routerId: '1.1.1.1', localAs: 1, localAddress: '1.1.1.1', neighbors: [] }), /cannot be used/);
});

test('pipe mode writes single-line commands to the FIFO and reports what it wrote', { skip: spawnSync('sh', ['-c', 'command -v mkfifo']).status === 0 ? false : 'no mkfifo' }, async () => {
  const dir = tmp();
  const fifo = join(dir, 'exabgp.cmd');
  spawnSync('mkfifo', [fifo]);
  const sp = new ExabgpPipeSpeaker({ pipePath: fifo });
  try {
    await sp.start();
    assert.equal(sp.health().up, false, 'no reader yet');
    await assert.rejects(sp.announce(rtbh), (e: unknown) => e instanceof SpeakerError && e.retryable);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = '';
    reader.stdout.setEncoding('utf8');
    reader.stdout.on('data', (d: string) => (got += d));
    await waitFor(async () => {
      try {
        await sp.announce(rtbh);
        return true;
      } catch {
        return false;
      }
    });
    await sp.withdraw(rtbh);
    await sp.stop();
    await new Promise((r) => reader.once('exit', r));
    assert.match(got, /announce route 198\.51\.100\.5\/32 next-hop 192\.0\.2\.1 community \[ 65535:666 \]\n(.*\n)*withdraw route 198\.51\.100\.5\/32\n$/);
    assert.deepEqual(await sp.listAnnounced(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail('condition not met in time');
}
