/**
 * Live packet capture on one interface through a supervised tcpdump child: tcpdump (libpcap)
 * opens the interface and writes classic pcap to its stdout; the records are read as they arrive
 * (PcapStreamReader), 1 in N is selected at random, and a selected packet becomes a flow sample of
 * one packet standing for N through the same header parser as sFlow and raw replay
 * (RawPacketSampler). Samples go to the daemon's sample sink, beside the flow collectors'.
 *
 * Why a child process rather than a libpcap binding: no native module to build against each Node
 * version, tcpdump is packaged everywhere and drops its privileges after opening the interface
 * (Debian builds it to run as user tcpdump), and a capture that crashes cannot take the daemon
 * with it.
 *
 * Nothing queues without bound: when the daemon reads too slowly, the pipe fills, tcpdump blocks,
 * the kernel's capture buffer (tcpdump -B) fills, and the kernel drops packets, which tcpdump
 * reports (SIGUSR1, and at exit) and this module counts.
 *
 * Supervision: start() resolves once tcpdump says it is listening, and rejects with tcpdump's own
 * words when it cannot start (missing binary, no such interface, no permission, a filter syntax
 * error), so the daemon refuses to start with a clear message. Later exits are restarted with
 * backoff (1 s doubling to 30 s; reset after a minute of running). A stream whose framing is lost
 * is logged, counted and restarted from a fresh header. stop() ends the child by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { PacketCaptureConfig } from '../config/collectors.js';
import type { Logger } from '../log.js';
import type { CapturedPacket } from '../capture/index.js';
import type { FlowSample, SampleSink } from '../flow/sample.js';
import { LinkType } from '../capture/index.js';
import { RawPacketSampler, type RawSkipReason } from '../replay/raw-packets.js';
import { PcapStreamError, PcapStreamReader, type PcapStreamHeader } from './pcap-stream.js';

export type CaptureState = 'stopped' | 'starting' | 'running' | 'restarting';

export interface InterfaceCaptureStatus {
  interface: string;
  netns: string | null;
  state: CaptureState;
  /** PID of the current tcpdump child; null when none runs. */
  pid: number | null;
  sampling: number;
  /** LINKTYPE_ of the capture once tcpdump has written its header. */
  linkType: number | null;
  /** Packets read from tcpdump (every packet the filter passed and the kernel did not drop). */
  packets: number;
  /** Bytes of those packets on the wire (original lengths). */
  bytes: number;
  /** Packets selected by the 1-in-N sampling. */
  selected: number;
  /** Flow samples handed to the sink (selected packets that were IP). */
  samples: number;
  /** Selected packets that gave no sample, by reason (not_ip: ARP, LLDP, ...). */
  skipped: Record<RawSkipReason, number>;
  /** Streams whose pcap framing was lost (each one restarted the capture). */
  framingErrors: number;
  /** tcpdump children started after the first. */
  restarts: number;
  /** Packets the kernel dropped because the capture buffer was full, as tcpdump reports it; null until a first report. */
  kernelDrops: number | null;
  /** Packets the filter passed, as tcpdump reports it; null until a first report. */
  receivedByFilter: number | null;
  /** Exceptions thrown by the sink (a bug): the packet is lost, the capture goes on. */
  internalErrors: number;
  /** Wall-clock ms when tcpdump last wrote (packets arrive in batches); 0 before any. */
  lastDataMs: number;
  /** Why the last tcpdump child ended or failed to start; null when none did. */
  lastError: string | null;
}

export interface InterfaceCaptureDeps {
  sink: SampleSink;
  logger: Logger;
  /** The tcpdump binary (looked up in PATH); default 'tcpdump'. */
  tcpdumpPath?: string;
  /** The ip binary for config.netns (looked up in PATH); default 'ip'. */
  ipPath?: string;
  /** Wall clock, ms. */
  now?: () => number;
  /** Seed of the 1-in-N selection; default random. */
  seed?: number;
  /** Longest wait for tcpdump to say it is listening. Default 10 s. */
  startTimeoutMs?: number;
  /** First restart delay; default 1 s. */
  restartDelayMs?: number;
  /** Largest restart delay; default 30 s. */
  restartMaxDelayMs?: number;
  /** How often tcpdump is asked for its counters (SIGUSR1); 0: only at exit. Default 10 s. */
  statsIntervalMs?: number;
}

/** The tcpdump command line for a capture (after any netns prefix). */
export function tcpdumpArgs(c: PacketCaptureConfig): string[] {
  const args = [
    '-i', c.interface,
    // Classic pcap on stdout: the stream reader's input.
    '-w', '-',
    // Without -U, stdio gathers 4 KiB of records per write: one write(2) per ~15-50 packets
    // instead of one per packet, which is what keeps tcpdump cheap under a flood. The price is
    // delay at a few packets a second (docs/packet-capture.md, "Throughput and cost").
    ...(c.packet_buffered ? ['-U'] : []),
    '-s', String(c.snaplen),
    '-B', String(c.buffer_kib),
  ];
  if (!c.promiscuous) args.push('-p');
  // '--' ends the options, so that nothing in the filter can read as one (glibc getopt permutes argv).
  if (c.filter !== undefined) args.push('--', c.filter);
  return args;
}

/** Lines of tcpdump's stderr kept for error messages. */
const STDERR_LINES_KEPT = 10;
/** Longest stderr line kept (tcpdump's are short; anything longer is cut). */
const STDERR_LINE_MAX = 1000;
/** A child that ran this long resets the restart backoff. */
const STABLE_RUN_MS = 60_000;
/** Grace between SIGTERM and SIGKILL when stopping a child. */
const KILL_GRACE_MS = 3000;

const RE_LISTENING = /listening on /;
const RE_FILTER = /(\d+) packets? received by filter/;
const RE_KERNEL = /(\d+) packets? dropped by kernel/;
const RE_CAPTURED = /(\d+) packets? captured/;
const RE_IFDROP = /(\d+) packets? dropped by interface/;

/** Every child of every capture, killed if the process exits without stop() (a crash in the daemon). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
}

/** One tcpdump child and what was read from it. */
interface Run {
  child: ChildProcess;
  reader: PcapStreamReader;
  startedMs: number;
  listening: boolean;
  /** We asked it to end (stop, framing error): its exit is expected. */
  killed: boolean;
  stderrTail: string[];
  stderrPartial: string;
  /** This child's latest counters from tcpdump. */
  kernelDrops: number | null;
  receivedByFilter: number | null;
  closed: Promise<void>;
  /** Resolved when tcpdump says it is listening, or its first bytes arrive. */
  listened: Promise<void>;
  markListening: () => void;
  spawnError: Error | null;
}

export class InterfaceCapture {
  private state: CaptureState = 'stopped';
  private run: Run | null = null;
  private stopping = false;
  private delay: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly raw: RawPacketSampler;
  private readonly packet: CapturedPacket = { index: 0, tsMs: 0, linkType: 0, interfaceId: 0, origLen: 0, data: Buffer.alloc(0) };
  private readonly threshold: number;
  private rng: number;
  private linkType: number | null = null;

  private packets = 0;
  private bytes = 0;
  private selected = 0;
  private framingErrors = 0;
  private restarts = 0;
  private internalErrors = 0;
  private lastDataMs = 0;
  private lastError: string | null = null;
  /** Counters of children that have ended, summed: tcpdump's counters restart with each child. */
  private endedDrops = 0;
  private endedReceived = 0;
  private sawCounters = false;
  private lastWarnedDrops = 0;
  private lastDropWarnMs = 0;
  private spawns = 0;

  constructor(
    readonly config: PacketCaptureConfig,
    private readonly deps: InterfaceCaptureDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.log = deps.logger.child({ capture: config.interface, ...(config.netns ? { netns: config.netns } : {}) });
    this.delay = deps.restartDelayMs ?? 1000;
    const n = config.sampling;
    // Selection happens here, before the packet is looked at; the sampler itself keeps every
    // packet it is given, and the sink wrapper stamps the real rate on each sample so that
    // traffic accounting multiplies by it.
    const sink = deps.sink;
    const stamped: SampleSink = {
      sample(s: FlowSample): void {
        s.samplingRate = n;
        sink.sample(s);
      },
    };
    this.raw = new RawPacketSampler(stamped, 1);
    // Random rather than every N-th packet: periodic traffic would alias with a fixed stride.
    this.threshold = Math.floor(0x100000000 / n);
    this.rng = (deps.seed ?? randomInt(1, 0x7fffffff)) >>> 0 || 1;
  }

  /** Human-readable name: the interface, and its namespace if any. */
  get name(): string {
    return this.config.netns ? `${this.config.interface} (netns ${this.config.netns})` : this.config.interface;
  }

  /** The full command line run for this capture. */
  commandLine(): string[] {
    const tcpdump = [this.deps.tcpdumpPath ?? 'tcpdump', ...tcpdumpArgs(this.config)];
    return this.config.netns ? [this.deps.ipPath ?? 'ip', 'netns', 'exec', this.config.netns, ...tcpdump] : tcpdump;
  }

  /**
   * Starts tcpdump and resolves once it is capturing. Rejects with an Error quoting tcpdump when
   * it cannot start; nothing is left running then.
   */
  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new Error(`packet capture on ${this.name} is already started`);
    this.stopping = false;
    this.state = 'starting';
    const run = this.spawnRun();
    try {
      await this.waitListening(run);
    } catch (err) {
      this.stopping = true;
      await this.endRun(run);
      this.state = 'stopped';
      throw err;
    }
    // It may already have died after starting: its close handler is then restarting it.
    if (this.state === 'starting') this.state = 'running';
    const every = this.deps.statsIntervalMs ?? 10_000;
    if (every > 0) {
      this.statsTimer = setInterval(() => this.askCounters(), every);
      this.statsTimer.unref();
    }
    this.log.info({ argv: this.commandLine(), sampling: this.config.sampling, pid: run.child.pid }, 'packet capture started');
  }

  /** Stops tcpdump (SIGTERM, SIGKILL after a grace period) and reads what it wrote until then. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    if (this.run) await this.endRun(this.run);
    this.state = 'stopped';
  }

  status(): InterfaceCaptureStatus {
    const run = this.run;
    const drops = this.sawCounters ? this.endedDrops + (run?.kernelDrops ?? 0) : null;
    const received = this.sawCounters ? this.endedReceived + (run?.receivedByFilter ?? 0) : null;
    const st = this.raw.stats;
    return {
      interface: this.config.interface,
      netns: this.config.netns ?? null,
      state: this.state,
      pid: run && run.child.exitCode === null && run.child.signalCode === null ? (run.child.pid ?? null) : null,
      sampling: this.config.sampling,
      linkType: this.linkType,
      packets: this.packets,
      bytes: this.bytes,
      selected: this.selected,
      samples: st.samples,
      skipped: { link_type: st.skipped.get('link_type') ?? 0, not_ip: st.skipped.get('not_ip') ?? 0, malformed: st.skipped.get('malformed') ?? 0 },
      framingErrors: this.framingErrors,
      restarts: this.restarts,
      kernelDrops: drops,
      receivedByFilter: received,
      internalErrors: this.internalErrors,
      lastDataMs: this.lastDataMs,
      lastError: this.lastError,
    };
  }

  /** Asks tcpdump for its counters now (it answers on stderr); for tests and the periodic poll. */
  askCounters(): void {
    const run = this.run;
    // Only once tcpdump has installed its handlers (it says "listening" after): SIGUSR1's default
    // action would kill it. Behind `ip netns exec` the PID is tcpdump's own (ip execs it).
    if (run && run.listening && !run.killed && run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGUSR1');
  }

  // ---------------------------------------------------------------- the hot path

  private readonly onRecord = (data: Buffer, start: number, capLen: number, origLen: number, tsMs: number): void => {
    this.packets++;
    this.bytes += origLen;
    if (this.threshold < 0x100000000) {
      let x = this.rng;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.rng = x >>> 0;
      if (this.rng >= this.threshold) return;
    }
    this.selected++;
    const p = this.packet;
    p.data = data.subarray(start, start + capLen);
    p.origLen = origLen;
    p.tsMs = tsMs;
    try {
      this.raw.packet(p, tsMs);
    } catch (err) {
      this.internalErrors++;
      if (this.internalErrors === 1 || this.internalErrors % 10_000 === 0) this.log.error({ err, internalErrors: this.internalErrors }, 'sample sink failed on a captured packet');
    }
  };

  // ---------------------------------------------------------------- the child

  private spawnRun(): Run {
    const argv = this.commandLine();
    this.spawns++;
    if (this.spawns > 1) this.restarts++;
    const reader = new PcapStreamReader(this.onRecord, {
      maxRecordBytes: this.config.snaplen,
      onHeader: (h) => this.onHeader(h),
    });
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let resolveClosed!: () => void;
    let resolveListened!: () => void;
    const run: Run = {
      child,
      reader,
      startedMs: Date.now(),
      listening: false,
      killed: false,
      stderrTail: [],
      stderrPartial: '',
      kernelDrops: null,
      receivedByFilter: null,
      closed: new Promise<void>((r) => (resolveClosed = r)),
      listened: new Promise<void>((r) => (resolveListened = r)),
      markListening: () => {
        if (run.listening) return;
        run.listening = true;
        resolveListened();
      },
      spawnError: null,
    };
    this.run = run;
    child.stdout!.on('data', (chunk: Buffer) => this.onStdout(run, chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => this.onStderr(run, s));
    child.on('error', (err) => {
      run.spawnError = err;
    });
    // 'close' comes after the exit and after both pipes are drained: every record has been read.
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      this.onStderr(run, '\n');
      this.onClosed(run, code, signal);
      resolveClosed();
    });
    return run;
  }

  /** Resolves once the child is capturing; rejects when it ends first or takes too long (the child is then killed). */
  private async waitListening(run: Run): Promise<void> {
    const timeoutMs = this.deps.startTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      run.listened.then(() => 'listening' as const),
      run.closed.then(() => (run.listening ? ('listening' as const) : ('closed' as const))),
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'listening') return;
    if (outcome === 'closed') throw new Error(this.startFailure(run));
    const err = new Error(`packet capture on ${this.name}: tcpdump did not start capturing within ${timeoutMs} ms${this.tailText(run)}`);
    this.kill(run);
    throw err;
  }

  /** Why a child ended before capturing, in tcpdump's words. */
  private startFailure(run: Run): string {
    const argv = this.commandLine();
    const err = run.spawnError as NodeJS.ErrnoException | null;
    if (err?.code === 'ENOENT') {
      return `packet capture on ${this.name}: cannot run ${argv[0]}: not found. Install tcpdump (Debian/Ubuntu: apt-get install tcpdump)${this.config.netns ? ' and iproute2' : ''}`;
    }
    if (err) return `packet capture on ${this.name}: cannot run ${argv[0]}: ${err.message}`;
    const c = run.child;
    const how = c.signalCode ? `was killed by ${c.signalCode}` : `exited with code ${c.exitCode}`;
    return `packet capture on ${this.name}: tcpdump ${how} before capturing${this.tailText(run)}`;
  }

  private tailText(run: Run): string {
    const lines = run.stderrTail.filter((l) => !RE_LISTENING.test(l));
    return lines.length > 0 ? `: ${lines.join(' | ')}` : ' (it printed nothing)';
  }

  private onHeader(h: PcapStreamHeader): void {
    this.linkType = h.linkType;
    this.packet.linkType = h.linkType;
    if (!(Object.values(LinkType) as number[]).includes(h.linkType)) {
      this.log.warn({ linkType: h.linkType }, 'the interface has a link type the packet parser does not know: its packets are counted but give no samples');
    }
  }

  private onStdout(run: Run, chunk: Buffer): void {
    if (run.reader.error) return;
    run.markListening();
    this.lastDataMs = this.now();
    try {
      run.reader.push(chunk);
    } catch (err) {
      this.framingError(run, err);
    }
  }

  private framingError(run: Run, err: unknown): void {
    this.framingErrors++;
    const e = err as Error;
    this.lastError = e.message;
    this.log.error({ code: err instanceof PcapStreamError ? err.code : 'internal', err: e.message, framingErrors: this.framingErrors }, 'packet capture stream is unreadable: restarting tcpdump');
    this.kill(run);
  }

  private onStderr(run: Run, text: string): void {
    const all = run.stderrPartial + text;
    const lines = all.split('\n');
    run.stderrPartial = (lines.pop() ?? '').slice(0, STDERR_LINE_MAX);
    for (const raw of lines) {
      const line = raw.trim().slice(0, STDERR_LINE_MAX);
      if (!line) continue;
      let counters = false;
      const mk = RE_KERNEL.exec(line);
      if (mk) {
        run.kernelDrops = Number(mk[1]);
        this.sawCounters = true;
        counters = true;
      }
      const mf = RE_FILTER.exec(line);
      if (mf) {
        run.receivedByFilter = Number(mf[1]);
        this.sawCounters = true;
        counters = true;
      }
      if (RE_CAPTURED.test(line) || RE_IFDROP.test(line)) counters = true;
      if (counters) {
        this.log.debug({ tcpdump: line }, 'tcpdump counters');
        if (mk) this.checkDrops();
        continue;
      }
      run.stderrTail.push(line);
      if (run.stderrTail.length > STDERR_LINES_KEPT) run.stderrTail.shift();
      if (RE_LISTENING.test(line)) {
        run.markListening();
        this.log.debug({ tcpdump: line }, 'tcpdump output');
      } else {
        // Warnings (promiscuous mode unsupported, the interface went down) and errors.
        this.log.warn({ tcpdump: line }, 'tcpdump output');
      }
    }
  }

  private checkDrops(): void {
    const total = this.endedDrops + (this.run?.kernelDrops ?? 0);
    if (total <= this.lastWarnedDrops) return;
    const now = this.now();
    if (now - this.lastDropWarnMs < 60_000) return;
    this.log.warn(
      { kernelDrops: total, new: total - this.lastWarnedDrops, bufferKib: this.config.buffer_kib, sampling: this.config.sampling },
      'the kernel dropped captured packets: the capture does not keep up (raise sampling, narrow the filter, or raise buffer_kib for bursts)',
    );
    this.lastWarnedDrops = total;
    this.lastDropWarnMs = now;
  }

  private onClosed(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    if (run.reader.error === null) {
      try {
        run.reader.end();
      } catch (err) {
        // A child killed mid-write (SIGKILL) may leave half a record; nothing is lost that was whole.
        if (!run.killed) this.log.warn({ err: (err as Error).message }, 'tcpdump output ended inside a record');
      }
    }
    if (this.run !== run) return;
    // Fold this child's counters into the totals: the next child counts from zero.
    this.endedDrops += run.kernelDrops ?? 0;
    this.endedReceived += run.receivedByFilter ?? 0;
    run.kernelDrops = null;
    run.receivedByFilter = null;
    if (this.stopping) return;
    // A child that never captured during start(): start() rejects with the reason, no restart.
    if (this.state === 'starting' && !run.listening) return;
    // When we killed it (framing lost, start timeout) the reason is already recorded.
    if (!run.killed) {
      this.lastError = run.spawnError ? run.spawnError.message : `tcpdump ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${this.tailText(run)}`;
    }
    if (Date.now() - run.startedMs > STABLE_RUN_MS) this.delay = this.deps.restartDelayMs ?? 1000;
    this.state = 'restarting';
    this.log.warn({ code, signal, restartInMs: this.delay, lastError: this.lastError }, 'tcpdump ended: restarting the packet capture');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      const next = this.spawnRun();
      this.waitListening(next).then(
        () => {
          if (this.run === next && !this.stopping) {
            this.state = 'running';
            this.log.info({ pid: next.child.pid, restarts: this.restarts }, 'packet capture restarted');
          }
        },
        (err: Error) => {
          // Its close handler schedules the next attempt; the reason is kept for status().
          this.lastError = err.message;
        },
      );
    }, this.delay);
    this.restartTimer.unref();
    this.delay = Math.min(this.deps.restartMaxDelayMs ?? 30_000, this.delay * 2);
  }

  private kill(run: Run): void {
    run.killed = true;
    const c = run.child;
    if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
    c.kill('SIGTERM');
    const t = setTimeout(() => {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, KILL_GRACE_MS);
    t.unref();
  }

  private async endRun(run: Run): Promise<void> {
    this.kill(run);
    await run.closed;
  }
}
