/**
 * ExaBGP 4.2 driver, daemon side: listens on a Unix socket for the bridge (bridge.ts) that ExaBGP
 * runs as its API process, sends commands ONE AT A TIME and waits for each `done`/`error` ack
 * (acks carry no id and an `error` for a later command can overtake an earlier `done`,
 * bgp-apis.md §A.6), reads every line continuously, tracks neighbor up/down events, and reads
 * back `show adj-rib out extensive` for the reconciler. A new bridge connection means ExaBGP (or
 * its helper) restarted and may have forgotten injected routes (§A.9): it is reported as a
 * state change with resync.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, unlinkSync, existsSync, statSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../log.js';
import { normalizeRoute, routeFingerprint, type Route } from '../route.js';
import { HealthTracker, SpeakerError, type PeerHealth, type Speaker, type SpeakerHealth, type SpeakerStateChange } from '../speaker.js';
import { parseAdjRibOut, parseNeighborEvent, renderAnnounce, renderWithdraw } from './commands.js';
import { ExabgpSupervisor, type ExabgpSupervisorOptions } from './supervisor.js';

/** Longest line accepted from ExaBGP; a longer one closes the connection (protocol desync). */
export const EXABGP_MAX_LINE_BYTES = 1024 * 1024;
/** Most lines one command's response may have (`show adj-rib out` = one line per route and peer). */
export const EXABGP_MAX_RESPONSE_LINES = 500_000;
/** Most commands waiting behind the one in flight. */
export const EXABGP_MAX_QUEUED_COMMANDS = 100_000;

export interface ExabgpSpeakerOptions {
  name?: string;
  /** Unix socket the bridge connects to. */
  socketPath: string;
  /**
   * Permissions of the socket (default 0o660). ExaBGP drops privileges before starting the
   * bridge (Debian: user exabgp), so that user needs write access: share a group or widen this.
   */
  socketMode?: number;
  /** Time to wait for an ack; on timeout the connection is dropped (acks can no longer be matched). */
  commandTimeoutMs?: number;
  /** Start and supervise ExaBGP from a generated config (one-command setup). */
  supervise?: Omit<ExabgpSupervisorOptions, 'socketPath' | 'logger'>;
  logger?: Logger;
  now?: () => number;
}

interface Pending {
  command: string;
  resolve: (lines: string[]) => void;
  reject: (e: Error) => void;
}

export class ExabgpSpeaker implements Speaker {
  readonly name: string;
  readonly capabilities = { readsState: true, acknowledged: true };
  private readonly tracker: HealthTracker;
  private server: Server | null = null;
  private conn: Socket | null = null;
  private buf = '';
  private readonly queue: Pending[] = [];
  private inflight: Pending | null = null;
  private response: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private peers = new Map<string, PeerHealth['state']>();
  private supervisor: ExabgpSupervisor | null = null;
  private readonly timeoutMs: number;
  /** Lines from ExaBGP that were routes we could not model, from the last listAnnounced(). */
  lastUnparsed: Array<{ line: string; reason: string }> = [];

  constructor(private readonly opts: ExabgpSpeakerOptions) {
    this.name = opts.name ?? 'exabgp';
    this.tracker = new HealthTracker(opts.now);
    this.timeoutMs = opts.commandTimeoutMs ?? 10_000;
    if (opts.supervise) this.supervisor = new ExabgpSupervisor({ ...opts.supervise, socketPath: opts.socketPath, logger: opts.logger });
  }

  async start(): Promise<void> {
    const path = this.opts.socketPath;
    mkdirSync(dirname(path), { recursive: true });
    // A socket file left by a killed daemon makes listen() fail with EADDRINUSE.
    if (existsSync(path) && statSync(path).isSocket()) unlinkSync(path);
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, this.opts.socketMode ?? 0o660);
    server.on('error', (e) => this.fail(`socket server: ${e.message}`));
    if (this.supervisor) await this.supervisor.start();
  }

  async stop(): Promise<void> {
    if (this.supervisor) await this.supervisor.stop();
    this.dropConnection('speaker stopped');
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    try {
      unlinkSync(this.opts.socketPath);
    } catch {
      /* already gone */
    }
  }

  health(): SpeakerHealth {
    return this.tracker.get();
  }

  onStateChange(cb: (c: SpeakerStateChange) => void): () => void {
    return this.tracker.subscribe(cb);
  }

  /** The supervised ExaBGP's PID, when supervised. */
  exabgpPid(): number | null {
    return this.supervisor?.pid() ?? null;
  }

  async announce(route: Route): Promise<void> {
    await this.command(renderAnnounce(route));
  }

  async withdraw(route: Route): Promise<void> {
    await this.command(renderWithdraw(route));
  }

  async listAnnounced(): Promise<Route[]> {
    const lines = await this.command('show adj-rib out extensive');
    const parsed = parseAdjRibOut(lines);
    this.lastUnparsed = parsed.unparsed;
    if (parsed.unparsed.length > 0) {
      this.opts.logger?.warn({ speaker: this.name, count: parsed.unparsed.length, first: parsed.unparsed[0] }, 'exabgp holds routes outside the route model; they are left alone');
    }
    // One line per peer: the union, deduplicated by fingerprint (peers that disagree stay visible).
    const seen = new Map<string, Route>();
    for (const e of parsed.entries) seen.set(routeFingerprint(e.route), e.route);
    return [...seen.values()];
  }

  /** Sends one raw command and resolves with its response lines (before `done`). */
  command(line: string): Promise<string[]> {
    if (line.includes('\n')) return Promise.reject(new SpeakerError('commands are single lines', false));
    if (!this.conn) return Promise.reject(new SpeakerError(`${this.name}: ExaBGP bridge not connected`, true));
    if (this.queue.length >= EXABGP_MAX_QUEUED_COMMANDS) return Promise.reject(new SpeakerError(`${this.name}: command queue full`, true));
    return new Promise((resolve, reject) => {
      this.queue.push({ command: line, resolve, reject });
      this.pump();
    });
  }

  private accept(s: Socket): void {
    if (this.conn) {
      this.opts.logger?.warn({ speaker: this.name }, 'new ExaBGP bridge connection replaces the old one');
      this.dropConnection('replaced by a new bridge connection');
    }
    this.conn = s;
    this.buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => this.onData(s, d));
    s.on('error', () => {
      /* close follows */
    });
    s.on('close', () => {
      if (this.conn === s) this.dropConnection('bridge disconnected');
    });
    this.opts.logger?.info({ speaker: this.name }, 'ExaBGP bridge connected');
    this.peers.clear();
    this.tracker.error(null);
    // ExaBGP sends no event for sessions that were already up: ask.
    this.tracker.update(true, [], true);
    this.command('show neighbor summary').then(
      (lines) => {
        for (const l of lines) {
          const m = /^(\S+)\s+.*\s(idle|active|connect|opensent|openconfirm|established)\s+\d+\s+\d+\s*$/.exec(l);
          if (m) this.peers.set(m[1], m[2] === 'established' ? 'up' : 'down');
        }
        this.publishPeers(true);
      },
      () => {
        /* connection went away again */
      },
    );
  }

  private publishPeers(forceResync = false): void {
    const peers: PeerHealth[] = [...this.peers.entries()].sort().map(([address, state]) => ({ address, state }));
    this.tracker.update(this.conn !== null, peers, forceResync);
  }

  private onData(s: Socket, data: string): void {
    if (s !== this.conn) return;
    this.buf += data;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line !== '') this.onLine(line);
      if (s !== this.conn) return;
    }
    if (this.buf.length > EXABGP_MAX_LINE_BYTES) this.dropConnection('line from ExaBGP too long');
  }

  private onLine(line: string): void {
    const ev = parseNeighborEvent(line);
    if (ev) {
      const before = this.peers.get(ev.peer);
      const state = ev.state === 'up' ? 'up' : 'down';
      this.peers.set(ev.peer, state);
      this.opts.logger?.info({ speaker: this.name, peer: ev.peer, state: ev.state }, 'ExaBGP neighbor event');
      if (before !== state) this.publishPeers(false);
      return;
    }
    const p = this.inflight;
    if (line === 'done' || line === 'error') {
      if (!p) return; // a stray ack (e.g. from before a timeout); nothing to match it to
      this.finish();
      if (line === 'done') p.resolve(this.response);
      else {
        const msg = `${this.name}: ExaBGP answered error to '${p.command}'`;
        this.tracker.error(msg);
        p.reject(new SpeakerError(msg, false));
      }
      this.response = [];
      this.pump();
      return;
    }
    if (line.startsWith('shutdown')) {
      this.opts.logger?.info({ speaker: this.name }, 'ExaBGP is shutting down');
      return;
    }
    if (p) {
      if (this.response.length >= EXABGP_MAX_RESPONSE_LINES) {
        this.dropConnection('response too long');
        return;
      }
      this.response.push(line);
    }
  }

  private finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inflight = null;
  }

  private pump(): void {
    if (this.inflight || !this.conn) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inflight = next;
    this.response = [];
    this.timer = setTimeout(() => {
      this.opts.logger?.warn({ speaker: this.name, command: next.command }, 'ExaBGP did not ack in time; dropping the bridge connection');
      this.dropConnection(`no ack within ${this.timeoutMs} ms for '${next.command}'`);
    }, this.timeoutMs);
    this.conn.write(`${next.command}\n`);
  }

  private dropConnection(reason: string): void {
    const c = this.conn;
    this.conn = null;
    if (c) c.destroy();
    const err = new SpeakerError(`${this.name}: ${reason}`, true);
    if (this.inflight) {
      const p = this.inflight;
      this.finish();
      p.reject(err);
    }
    for (const q of this.queue.splice(0)) q.reject(err);
    this.response = [];
    if (c) {
      this.tracker.error(reason);
      for (const k of this.peers.keys()) this.peers.set(k, 'unknown');
      this.publishPeers(false);
    }
  }

  private fail(msg: string): void {
    this.tracker.error(msg);
    this.opts.logger?.error({ speaker: this.name, err: msg }, 'exabgp speaker error');
  }
}

/** Normalizes then renders: exported for the docs and the CLI's dry-run output. */
export function exabgpCommandsFor(route: Route): { announce: string; withdraw: string } {
  const r = normalizeRoute(route);
  return { announce: renderAnnounce(r), withdraw: renderWithdraw(r) };
}
