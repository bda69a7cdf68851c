/**
 * Live packet capture end to end, with the real tcpdump on a real interface: a veth pair between
 * two network namespaces this test creates (test/capture-live/veth-lab.ts), tcpdump capturing the
 * site end inside its namespace (collectors.packet_capture[].netns), frames sent from the peer
 * namespace, and a real Daemon counting and detecting, its detector ticked by the test once every
 * packet of a second has been read (so the assertions do not depend on the machine's speed).
 *
 * Skipped when not root or tcpdump/python3/iproute2 are missing; with CI set that is a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../src/config/load.js';
import { packetCaptureSchema } from '../../src/config/collectors.js';
import { Daemon } from '../../src/daemon.js';
import { RecordingAttackSink } from '../../src/detection/index.js';
import { CollectingSink, CountingSink } from '../../src/flow/sample-record.js';
import { silentLogger } from '../../src/log.js';
import { InterfaceCapture, PacketCaptureSet, type InterfaceCaptureStatus } from '../../src/capture-live/index.js';
import { skipUnlessCaptureLab, VethLab } from './veth-lab.js';

const skip = skipUnlessCaptureLab();

/** The sender's UDP frames: 14 Ethernet + 20 IPv4 + 8 UDP + 18 payload. */
const UDP_FRAME_BYTES = 60;

async function until(what: string, cond: () => boolean, ms: number, detail: () => string = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} ${detail()}`);
    await sleep(20);
  }
}

function nsPids(ns: string): string {
  return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a UDP flood and a SYN flood captured live are counted per host and detected by the daemon', { skip, timeout: 120_000 }, async () => {
  const lab = new VethLab('t');
  const dir = mkdtempSync(join(tmpdir(), 'bw-capture-live-'));
  const config = parseConfig(`
state: { path: ${join(dir, 'state.db')} }
api: { enabled: false }
collectors:
  listeners: [{ protocol: sflow, address: 127.0.0.1, port: 0 }]
  log_interval_seconds: 0
  packet_capture:
    - { interface: ${lab.siteIf}, netns: ${lab.site}, snaplen: 128, filter: "ip", packet_buffered: true }
traffic:
  networks: [192.0.2.0/24]
detection:
  average_seconds: 0
  trigger_seconds: 2
  thresholds:
    incoming: { pps: 1000, mbps: 1000 }
    outgoing: { pps: 1000, mbps: 1000 }
`);
  const attacks = new RecordingAttackSink();
  const d = new Daemon(config, { logger: silentLogger(), autoTick: false, attackSink: attacks });
  // Once src/daemon.ts builds the capture from collectors.packet_capture, it is the daemon's; until
  // then the test builds it exactly as the daemon is to (its sample sink is the traffic counter).
  const wired = (d as unknown as { packetCapture?: PacketCaptureSet }).packetCapture;
  const capture = wired ?? new PacketCaptureSet(config.collectors.packet_capture, { sink: d.traffic, logger: silentLogger() });
  const status = (): InterfaceCaptureStatus => capture.status()[0]!;
  try {
    await d.start();
    if (!wired) await capture.start();
    assert.equal(status().state, 'running');
    const pid = status().pid!;
    assert.ok(pid > 0);
    assert.match(nsPids(lab.site), new RegExp(`^${pid}$`, 'm'), 'tcpdump runs inside the site namespace');

    let now = Date.now();
    d.tick(now);
    let expected = 0;
    /** Sends one second's frames, waits until tcpdump has delivered all of them, ticks. */
    const second = async (kind: 'udp' | 'syn', dst: string, count: number) => {
      const r = await lab.send({ kind, dst, count, pps: 20_000, maxSeconds: 10 });
      assert.equal(r.sent, count);
      expected += count;
      // libpcap hands over a partly filled buffer block after its 1 s timeout at the latest.
      await until(`${expected} packets read`, () => status().packets >= expected, 15_000, () => JSON.stringify(status()));
      now += 1000;
      d.tick(now);
    };

    // UDP to 192.0.2.10: 2000 frames a second for 4 seconds.
    await second('udp', '192.0.2.10', 2000);
    const host = '192.0.2.10';
    const slot = d.traffic.findHost(host);
    assert.ok(slot >= 0, 'the host is counted');
    d.traffic.history.follow(slot, host, now + 600_000);
    for (let i = 0; i < 3; i++) await second('udp', host, 2000);
    const rows = d.traffic.history.get(d.traffic.findHost(host), host, 10);
    assert.ok(rows.length >= 3, `${rows.length} seconds recorded`);
    for (const r of rows.slice(0, 3)) {
      // [total, tcp, syn, udp, icmp, fragments]: every frame counted once, as UDP, at its wire size.
      assert.equal(r.incoming.pps[0], 2000);
      assert.equal(r.incoming.pps[3], 2000);
      assert.equal(r.incoming.pps[1], 0);
      assert.equal(r.incoming.bps[0], 2000 * UDP_FRAME_BYTES * 8);
      assert.equal(r.outgoing.pps[0], 0);
    }
    const udp = attacks.of('started').filter((a) => a.host === host);
    assert.equal(udp.length, 1, `attacks: ${JSON.stringify(attacks.of('started').map((a) => [a.host, a.type]))}`);
    assert.equal(udp[0]!.type, 'udp_flood');
    assert.equal(udp[0]!.direction, 'incoming');
    assert.equal(udp[0]!.protocol, 'udp');

    // TCP SYN to 192.0.2.20: 2000 a second for 3 seconds.
    for (let i = 0; i < 3; i++) await second('syn', '192.0.2.20', 2000);
    const syn = attacks.of('started').filter((a) => a.host === '192.0.2.20');
    assert.equal(syn.length, 1, `attacks: ${JSON.stringify(attacks.of('started').map((a) => [a.host, a.type]))}`);
    assert.equal(syn[0]!.type, 'syn_flood');
    assert.equal(syn[0]!.protocol, 'tcp');

    const st = status();
    assert.equal(st.packets, expected);
    assert.equal(st.selected, expected);
    assert.equal(st.samples, expected);
    assert.equal(st.framingErrors, 0);
    assert.equal(st.restarts, 0);
    assert.equal(st.linkType, 1, 'Ethernet');
    // tcpdump reports its counters on SIGUSR1.
    capture.captures[0]!.askCounters();
    await until('tcpdump counters', () => status().kernelDrops !== null, 5000);
    assert.equal(status().kernelDrops, 0);
    assert.equal(status().receivedByFilter, expected);

    await capture.stop();
    assert.equal(status().state, 'stopped');
    assert.equal(alive(pid), false, 'tcpdump stopped by its PID');
    assert.equal(nsPids(lab.site), '', 'nothing left running in the namespace');
  } finally {
    await capture.stop();
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
    lab.close();
  }
});

test('1-in-N sampling on a live capture (batched output): about 1/N of the packets become samples, each standing for N; stopping flushes the rest', { skip, timeout: 60_000 }, async () => {
  const lab = new VethLab('s');
  const sink = new CollectingSink();
  const cap = new InterfaceCapture(packetCaptureSchema.parse({ interface: lab.siteIf, netns: lab.site, sampling: 20, filter: 'udp' }), { sink, logger: silentLogger() });
  try {
    await cap.start();
    const r = await lab.send({ kind: 'udp', count: 40_003, pps: 40_000, maxSeconds: 10 });
    // Without -U tcpdump holds its last partial 4 KiB; most has arrived, the rest comes at stop.
    await until('most packets read', () => cap.status().packets >= r.sent - 100, 15_000, () => JSON.stringify(cap.status()));
    await cap.stop();
    const st = cap.status();
    assert.equal(st.packets, r.sent);
    // Binomial(40000, 1/20): mean 2000, sd 44; 6 sd either side.
    assert.ok(st.selected > 1730 && st.selected < 2270, `selected ${st.selected}`);
    assert.equal(sink.records.length, st.selected);
    assert.ok(sink.records.every((s) => s.samplingRate === 20 && s.packets === 1 && s.protocol === 17 && s.dst === '192.0.2.10'));
  } finally {
    await cap.stop();
    lab.close();
  }
});

test("tcpdump's own errors fail the start clearly: no such interface, a bad filter, no such namespace", { skip, timeout: 60_000 }, async () => {
  const lab = new VethLab('e');
  try {
    const start = async (over: Record<string, unknown>) => {
      const c = new InterfaceCapture(packetCaptureSchema.parse({ interface: lab.siteIf, netns: lab.site, ...over }), { sink: new CountingSink(), logger: silentLogger() });
      try {
        await c.start();
      } finally {
        await c.stop();
      }
    };
    await assert.rejects(start({ interface: 'nosuch0' }), /^Error: packet capture on nosuch0 \(netns bw-cap-.*\): tcpdump exited with code 1 before capturing: tcpdump: nosuch0: No such device exists/);
    await assert.rejects(start({ filter: 'udp and nonsense' }), /tcpdump exited with code 1 before capturing: tcpdump: .*(syntax error|nonsense)/);
    await assert.rejects(start({ netns: 'bw-no-such-namespace' }), /before capturing: Cannot open network namespace "bw-no-such-namespace"/);
    assert.equal(nsPids(lab.site), '');
  } finally {
    lab.close();
  }
});

test('when the interface disappears tcpdump exits; the capture is restarted with backoff until it is back', { skip, timeout: 60_000 }, async () => {
  const lab = new VethLab('r');
  const sink = new CountingSink();
  const cap = new InterfaceCapture(packetCaptureSchema.parse({ interface: lab.siteIf, netns: lab.site, filter: 'udp', packet_buffered: true }), {
    sink,
    logger: silentLogger(),
    restartDelayMs: 100,
    restartMaxDelayMs: 400,
  });
  try {
    await cap.start();
    const first = cap.status().pid!;
    lab.deleteLink();
    await until('tcpdump to end and a restart to fail', () => cap.status().state === 'restarting' && cap.status().restarts >= 2, 15_000, () => JSON.stringify(cap.status()));
    assert.equal(alive(first), false);
    // The restarts fail in tcpdump's words until the interface is back.
    assert.match(cap.status().lastError!, /No such device exists/);
    lab.addLink();
    await until('the capture to run again', () => cap.status().state === 'running', 15_000, () => JSON.stringify(cap.status()));
    const r = await lab.send({ kind: 'udp', count: 500, pps: 10_000, maxSeconds: 10 });
    await until('packets after the restart', () => cap.status().packets >= r.sent, 15_000, () => JSON.stringify(cap.status()));
    assert.equal(sink.count, r.sent);
  } finally {
    await cap.stop();
    lab.close();
  }
});
