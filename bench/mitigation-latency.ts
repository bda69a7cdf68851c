/**
 * Mitigation latency: time from the detector's tick that starts an attack to the blackhole route
 * at the router, for each speaker (ExaBGP 4.2 through the bridge, gobgpd 3.x over gRPC), measured
 * against a real FRR 8.4 in the e2e lab's network namespace (test/e2e/lab.ts).
 *
 *   node dist/bench/mitigation-latency.js [--reps 20] [--speakers exabgp,gobgp]
 *
 * Needs root (network namespace) and frr + exabgp + gobgpd; without them it says so and exits 0.
 *
 * Per repetition a new victim (192.0.2.20, .21, ...) gets flowgen's SYN flood over loopback sFlow
 * into the real Daemon (in this process, time driven as in test/scenarios/harness.ts: a virtual
 * second of datagrams, then a tick) until the tick that starts the attack. t0 is the wall clock
 * at the START of that tick, so the figure includes detection, the mitigation decision, the
 * reconciler, the speaker's API, the BGP UPDATE and FRR's processing of it. Two end points:
 *   - rcvd: the microsecond timestamp FRR's bgpd logs for the prefix (`debug bgp updates in`,
 *     `log timestamp precision 6`, shared/reference/lab-notes.md) — when bgpd parsed the UPDATE;
 *   - shown: the first `show bgp ipv4 unicast <prefix> json` (vtysh, polled every POLL_MS, run
 *     asynchronously so the daemon's event loop is never blocked) holding the speaker's path —
 *     an upper bound that includes vtysh's own start-up (tens of ms).
 * Reported: median, p90 and max over the repetitions.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, fstatSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Lab, labUnavailable, waitFor, gobgpdToml, EXABGP, EXABGP_AS, GOBGP, GOBGP_AS, ROUTER, ROUTER_AS, NEXT_HOP_V4, NEXT_HOP_V6 } from '../src/lab/lab.js';
import { renderExabgpConfig } from '../src/bgp/exabgp/index.js';
import { parseConfig } from '../src/config/load.js';
import { Daemon } from '../src/daemon.js';
import { silentLogger } from '../src/log.js';
import { RecordingAttackSink } from '../src/detection/index.js';
import { SimulatedExporter, scenarioDescription } from '../tools/flowgen/index.js';

const execFileP = promisify(execFile);
type SpeakerKind = 'exabgp' | 'gobgp';
const POLL_MS = 10;
/** A repetition whose route has not reached FRR after this long counts as failed. */
const TIMEOUT_MS = 15_000;
/** Virtual seconds of flood before giving up on detection (it takes ~3 with trigger_seconds 2). */
const MAX_ATTACK_SECONDS = 10;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Wall clock with sub-millisecond resolution. */
const wallMs = () => performance.timeOrigin + performance.now();

/** FRR log timestamp "YYYY/MM/DD HH:MM:SS.uuuuuu" (local time, as FRR writes it) → Unix ms. */
function frrTime(s: string): number {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6})/.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, us] = m;
  return new Date(+y, +mo - 1, +d, +h, +mi, +sec).getTime() + +us / 1000;
}

/** Reads what was appended to a file since the last call. */
class Tail {
  private pos = 0;
  constructor(private readonly path: string) {
    if (existsSync(path)) this.pos = fstatSize(path);
  }
  read(): string {
    if (!existsSync(this.path)) return '';
    const fd = openSync(this.path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size <= this.pos) return '';
      const buf = Buffer.alloc(size - this.pos);
      const n = readSync(fd, buf, 0, buf.length, this.pos);
      this.pos += n;
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  }
}
function fstatSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

function stats(xs: number[]): { n: number; median: number; p90: number; max: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, p90: q(0.9), max: s[s.length - 1], min: s[0] };
}

interface Rep {
  rcvd: number | null;
  shown: number | null;
}

async function runSpeaker(lab: Lab, kind: SpeakerKind, reps: number, firstVictim: number): Promise<Rep[]> {
  const peer = kind === 'exabgp' ? EXABGP : GOBGP;
  const speakerYaml =
    kind === 'exabgp'
      ? `{ type: exabgp, name: exabgp, socket: ${lab.path('exabgp.sock')}, retry_initial_ms: 200 }`
      : `{ type: gobgp, name: gobgp, address: "unix://${lab.path('gobgp.sock')}", poll_interval_ms: 500, timeout_ms: 3000, retry_initial_ms: 200 }`;
  const stateDir = mkdtempSync(join(tmpdir(), 'bw-latency-'));
  const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
  let clock = T0;
  const config = parseConfig(`
traffic:
  networks: [192.0.2.0/24, "2001:db8::/64"]
detection:
  thresholds:
    incoming: { pps: 40000, mbps: 1000 }
    outgoing: { pps: 40000, mbps: 1000 }
mitigation:
  ban_time_seconds: 3600
  actions:
    default: [blackhole]
  blackhole:
    next_hop: { ipv4: ${NEXT_HOP_V4}, ipv6: "${NEXT_HOP_V6}" }
bgp:
  speakers:
    - ${speakerYaml}
state: { path: ${join(stateDir, 'state.db')} }
api: { enabled: false }
logging: { level: warn }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: 0 }
  receive_buffer: 8388608
  log_interval_seconds: 0
`);
  const attacks = new RecordingAttackSink();
  const daemon = new Daemon(config, { logger: silentLogger(), now: () => clock, autoTick: false, attackSink: attacks });
  const socket = dgram.createSocket('udp4');
  const out: Rep[] = [];
  try {
    await daemon.start();
    const [port] = daemon.listener.ports();
    const speaker = daemon.speakers.speakers[0];
    await waitFor(() => speaker.health().up, 30_000, () => `${kind} speaker up (health ${JSON.stringify(speaker.health())})`);
    await daemon.speakers.syncNow();
    let sent = 0;
    for (let i = 0; i < reps; i++) {
      const victim = `192.0.2.${firstVictim + i}`;
      const prefix = `${victim}/32`;
      const ex = new SimulatedExporter('sflow', { ...scenarioDescription('syn-flood', { victim }), exporter: { subAgentId: i } }, { startMs: clock });
      const frrLog = new Tail(lab.path('frr.log'));
      let t0 = NaN;
      const before = attacks.of('started').length;
      for (let sec = 0; sec < MAX_ATTACK_SECONDS && Number.isNaN(t0); sec++) {
        const base = clock;
        for (let step = 0; step < 10; step++) {
          clock = base + step * 100;
          for (const d of ex.step(100)) {
            await new Promise<void>((res, rej) => socket.send(d, port, '127.0.0.1', (err) => (err ? rej(err) : res())));
            sent++;
          }
          const deadline = Date.now() + 5000;
          while (daemon.ingest.totals.datagrams < sent && Date.now() < deadline) await sleep(1);
        }
        clock = base + 1000;
        const tickStart = wallMs();
        daemon.tick(clock);
        if (attacks.of('started').slice(before).some((a) => a.host === victim)) t0 = tickStart;
      }
      if (Number.isNaN(t0)) throw new Error(`no attack detected on ${victim} in ${MAX_ATTACK_SECONDS} s`);
      const rep: Rep = { rcvd: null, shown: null };
      const end = Date.now() + TIMEOUT_MS;
      let logText = '';
      let polling = false;
      while ((rep.rcvd === null || rep.shown === null) && Date.now() < end) {
        if (rep.rcvd === null) {
          logText += frrLog.read();
          const line = logText.split('\n').find((l) => l.includes(peer) && l.includes(`rcvd ${prefix}`));
          if (line) rep.rcvd = frrTime(line) - t0;
        }
        if (rep.shown === null && !polling) {
          polling = true;
          execFileP('ip', ['netns', 'exec', lab.ns, 'vtysh', '--vty_socket', lab.dir, '-c', `show bgp ipv4 unicast ${prefix} json`], { encoding: 'utf8' })
            .then(({ stdout }) => {
              const at = wallMs();
              const j = JSON.parse(stdout) as { paths?: Array<{ peer?: { peerId?: string } }> };
              if (rep.shown === null && (j.paths ?? []).some((p) => p.peer?.peerId === peer)) rep.shown = at - t0;
            })
            .catch(() => {})
            .finally(() => {
              polling = false;
            });
        }
        await sleep(POLL_MS);
      }
      while (polling) await sleep(POLL_MS);
      out.push(rep);
      process.stdout.write(`  ${kind} #${i + 1} ${prefix}: rcvd ${rep.rcvd?.toFixed(1) ?? 'n/a'} ms, shown ${rep.shown?.toFixed(1) ?? 'n/a'} ms\n`);
      await sleep(300);
    }
  } finally {
    socket.close();
    await daemon.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return out;
}

async function main(): Promise<void> {
  const reps = Number(arg('reps') ?? 20);
  if (!Number.isInteger(reps) || reps < 1 || reps > 100) throw new Error('--reps: 1..100');
  const speakers = (arg('speakers') ?? 'exabgp,gobgp').split(',') as SpeakerKind[];
  for (const s of speakers) if (s !== 'exabgp' && s !== 'gobgp') throw new Error(`unknown speaker '${s}' (exabgp, gobgp)`);
  const why = labUnavailable(speakers.map((s) => (s === 'exabgp' ? 'exabgp' : 'gobgpd')));
  if (why) {
    process.stdout.write(`mitigation-latency: skipped: ${why}\n`);
    return;
  }
  // performance.timeOrigin + now() vs the system clock FRR stamps its log with.
  const skew = wallMs() - Date.now();
  process.stdout.write(`mitigation-latency: ${reps} repetitions per speaker; ${cpus().length} × ${cpus()[0]?.model ?? '?'}; node ${process.version}; clock skew ${skew.toFixed(2)} ms\n`);

  const lab = new Lab('latency');
  const onSignal = () => {
    void lab.close().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const neighbors: Array<{ address: string; asn: number }> = [];
    if (speakers.includes('exabgp')) neighbors.push({ address: EXABGP, asn: EXABGP_AS });
    if (speakers.includes('gobgp')) neighbors.push({ address: GOBGP, asn: GOBGP_AS });
    await lab.startFrr(neighbors);
    // bgpd logs each received prefix with microseconds (lab-notes.md).
    lab.vtysh('configure terminal', 'log timestamp precision 6', `log file ${lab.path('frr.log')} debugging`, 'end', 'debug bgp updates in');
    if (speakers.includes('exabgp')) {
      writeFileSync(
        lab.path('exabgp.conf'),
        renderExabgpConfig({ socketPath: lab.path('exabgp.sock'), workDir: lab.dir, routerId: EXABGP, localAs: EXABGP_AS, localAddress: EXABGP, neighbors: [{ address: ROUTER, peerAs: ROUTER_AS, holdTime: 9 }] }),
      );
      lab.spawn('exabgp', ['exabgp', '--env', '/dev/null', lab.path('exabgp.conf')], {
        exabgp_daemon_user: 'root', exabgp_daemon_daemonize: 'false', exabgp_api_cli: 'false', exabgp_log_destination: 'stdout',
      });
    }
    if (speakers.includes('gobgp')) {
      writeFileSync(lab.path('gobgpd.toml'), gobgpdToml());
      lab.spawn('gobgpd', ['gobgpd', '-f', lab.path('gobgpd.toml'), '-p', '--pprof-disable', '--api-hosts', `unix://${lab.path('gobgp.sock')}`]);
      await waitFor(() => existsSync(lab.path('gobgp.sock')), 10_000, 'gobgpd API socket');
    }
    for (const n of neighbors) await waitFor(() => lab.sessionUp(n.address), 30_000, `BGP session FRR–${n.address}`);

    // What "shown" includes besides the route's own latency: one vtysh start-up and query.
    const rtt: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = wallMs();
      await execFileP('ip', ['netns', 'exec', lab.ns, 'vtysh', '--vty_socket', lab.dir, '-c', 'show bgp ipv4 unicast 192.0.2.0/24 json'], { encoding: 'utf8' });
      rtt.push(wallMs() - a);
    }
    process.stdout.write(`vtysh query round trip (part of "shown"): median ${stats(rtt).median.toFixed(1)} ms\n`);

    const results: Array<[SpeakerKind, Rep[]]> = [];
    let victim = 20;
    for (const s of speakers) {
      process.stdout.write(`${s}:\n`);
      results.push([s, await runSpeaker(lab, s, reps, victim)]);
      victim += reps;
    }
    process.stdout.write('\ndetection tick → route at FRR (ms)      n   median     p90      max\n');
    for (const [s, r] of results) {
      for (const which of ['rcvd', 'shown'] as const) {
        const xs = r.map((x) => x[which]).filter((x): x is number => x !== null && Number.isFinite(x));
        const label = `${s} ${which === 'rcvd' ? 'received (bgpd log)' : 'shown (vtysh poll)'}`.padEnd(38);
        if (xs.length === 0) {
          process.stdout.write(`${label} none\n`);
          continue;
        }
        const st = stats(xs);
        process.stdout.write(`${label} ${String(st.n).padStart(3)} ${st.median.toFixed(1).padStart(8)} ${st.p90.toFixed(1).padStart(7)} ${st.max.toFixed(1).padStart(8)}\n`);
      }
      const missing = r.filter((x) => x.rcvd === null || x.shown === null).length;
      if (missing) process.stdout.write(`${s}: ${missing} repetition(s) without a measurement (timeout ${TIMEOUT_MS} ms)\n`);
    }
  } finally {
    if (process.env.BW_KEEP_LAB) process.stdout.write(`lab kept in ${lab.dir}\n`);
    await lab.close();
  }
}

await main();
