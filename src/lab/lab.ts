/**
 * A throw-away BGP lab: a network namespace of its own (so port 179, the 127.0.0.x addresses and
 * the kernel routes FRR installs stay private), a temp dir, FRR (zebra + bgpd + staticd) as the
 * router, and ExaBGP / gobgpd as speakers, all started as child processes this module owns and
 * stops by PID. It serves the end-to-end tests (test/e2e/, which re-export it from
 * test/e2e/lab.ts), the mitigation-latency benchmark and `breakwater demo` (src/demo/), which is
 * why it lives under src/: shipped code must not import from test/. Facts on running these
 * daemons without systemd: the project's lab notes (shared/reference/lab-notes.md); what the demo
 * needs: docs/demo.md.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync, existsSync, readFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderExabgpConfig } from '../bgp/exabgp/index.js';

export const ROUTER = '127.0.0.2';
export const EXABGP = '127.0.0.3';
export const GOBGP = '127.0.0.4';
export const ROUTER_AS = 65000;
export const EXABGP_AS = 65001;
export const GOBGP_AS = 65002;
/** RTBH next hops the lab's staticd routes to a discard, so FRR marks the routes usable. */
export const NEXT_HOP_V4 = '192.0.2.1';
export const NEXT_HOP_V6 = '2001:db8::1';

const FRR_DIR = '/usr/lib/frr';

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** null when the lab can run here; otherwise why not. */
export function labUnavailable(needs: Array<'exabgp' | 'gobgpd'>): string | null {
  const missing: string[] = [];
  for (const d of ['zebra', 'bgpd', 'staticd']) if (!existsSync(join(FRR_DIR, d))) missing.push(`frr (${FRR_DIR}/${d})`);
  if (!which('vtysh')) missing.push('vtysh (frr)');
  if (!which('ip')) missing.push('ip (iproute2)');
  for (const n of needs) if (!which(n)) missing.push(n);
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  if (missing.length === 0) return null;
  const packages = ['frr', ...(needs.includes('exabgp') ? ['exabgp'] : []), ...(needs.includes('gobgpd') ? ['gobgpd', 'golang-github-osrg-gobgp-dev'] : [])];
  return `BGP lab needs: ${missing.join(', ')} (apt-get install ${packages.join(' ')}; run as root)`;
}

/**
 * Skip reason for node:test, or throws when CI is set: in CI the lab must run, a missing binary
 * is a failure, not a skip.
 */
export function skipUnlessLab(needs: Array<'exabgp' | 'gobgpd'>): string | false {
  const why = labUnavailable(needs);
  if (!why) return false;
  if (process.env.CI) throw new Error(`CI is set but ${why}`);
  return why;
}

export class Proc {
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      child.on('error', () => resolve(null));
    });
  }
  get pid(): number {
    return this.child.pid!;
  }
  get running(): boolean {
    return this.exitCode === undefined && this.child.pid !== undefined;
  }
  /** SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    const t = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(t);
  }
}

export class Lab {
  readonly ns: string;
  readonly dir: string;
  private readonly procs: Proc[] = [];
  private frr: Proc[] = [];
  private closed = false;
  private readonly onExit = () => this.killAllSync();

  constructor(tag: string) {
    this.ns = `bw-${tag}-${process.pid}`;
    this.dir = mkdtempSync(join(tmpdir(), `bw-${tag}-`));
    // FRR daemons drop to user frr and must write sockets, pid files and logs here.
    chmodSync(this.dir, 0o777);
    process.on('exit', this.onExit);
    execFileSync('ip', ['netns', 'add', this.ns]);
    this.inNs(['ip', 'link', 'set', 'lo', 'up']);
    for (const a of [ROUTER, EXABGP, GOBGP]) this.inNs(['ip', 'addr', 'add', `${a}/32`, 'dev', 'lo']);
  }

  inNs(argv: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.ns, ...argv], { encoding: 'utf8' });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Starts argv inside the namespace; output goes to <dir>/<name>.log. */
  spawn(name: string, argv: string[], env: Record<string, string> = {}): Proc {
    const out = join(this.dir, `${name}.log`);
    const fd = openSync(out, 'a');
    const child = spawn('ip', ['netns', 'exec', this.ns, ...argv], { stdio: ['ignore', fd, fd], env: { ...process.env, ...env } });
    closeSync(fd);
    const p = new Proc(name, child);
    this.procs.push(p);
    return p;
  }

  log(name: string): string {
    const p = join(this.dir, `${name}.log`);
    return existsSync(p) ? readFileSync(p, 'utf8') : '';
  }

  /**
   * ExaBGP 4.2 at EXABGP peering with the FRR router, its process section running Breakwater's
   * bridge on <dir>/exabgp.sock; resolves once the BGP session is up.
   */
  async startExabgp(): Promise<Proc> {
    writeFileSync(
      this.path('exabgp.conf'),
      renderExabgpConfig({
        socketPath: this.path('exabgp.sock'),
        workDir: this.dir,
        routerId: EXABGP,
        localAs: EXABGP_AS,
        localAddress: EXABGP,
        neighbors: [{ address: ROUTER, peerAs: ROUTER_AS, holdTime: 9 }],
      }),
    );
    const p = this.spawn('exabgp', ['exabgp', '--env', '/dev/null', this.path('exabgp.conf')], {
      exabgp_daemon_user: 'root', exabgp_daemon_daemonize: 'false', exabgp_api_cli: 'false', exabgp_log_destination: 'stdout',
    });
    await waitFor(() => this.sessionUp(EXABGP), 30_000, 'BGP session FRR–ExaBGP');
    return p;
  }

  /** FRR as the router: one eBGP neighbor per speaker, all four families, short timers. */
  async startFrr(neighbors: Array<{ address: string; asn: number }>): Promise<void> {
    const conf = this.path('frr.conf');
    const nb = (f: (a: string) => string) => neighbors.map((n) => f(n.address)).join('\n');
    writeFileSync(
      conf,
      `frr defaults traditional
hostname lab
log file ${this.path('frr.log')} informational
ip route ${NEXT_HOP_V4}/32 blackhole
ipv6 route ${NEXT_HOP_V6}/128 blackhole
router bgp ${ROUTER_AS}
 bgp router-id ${ROUTER}
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 3 9
${neighbors
  .map(
    (n) => ` neighbor ${n.address} remote-as ${n.asn}
 neighbor ${n.address} update-source lo
 neighbor ${n.address} ebgp-multihop 2
 neighbor ${n.address} timers connect 1
 neighbor ${n.address} advertisement-interval 0`,
  )
  .join('\n')}
 address-family ipv4 unicast
${nb((a) => `  neighbor ${a} activate`)}
 exit-address-family
 address-family ipv6 unicast
${nb((a) => `  neighbor ${a} activate`)}
 exit-address-family
 address-family ipv4 flowspec
${nb((a) => `  neighbor ${a} activate`)}
 exit-address-family
 address-family ipv6 flowspec
${nb((a) => `  neighbor ${a} activate`)}
 exit-address-family
`,
    );
    chmodSync(conf, 0o644);
    const common = ['-f', conf, '-z', this.path('zserv.api'), '--vty_socket', this.dir];
    this.frr.push(this.spawn('zebra', [join(FRR_DIR, 'zebra'), ...common, '-i', this.path('zebra.pid')]));
    await waitFor(() => existsSync(this.path('zserv.api')), 10_000, 'zebra socket');
    this.frr.push(this.spawn('staticd', [join(FRR_DIR, 'staticd'), ...common, '-i', this.path('staticd.pid')]));
    this.frr.push(this.spawn('bgpd', [join(FRR_DIR, 'bgpd'), ...common, '-i', this.path('bgpd.pid')]));
    await waitFor(() => existsSync(this.path('bgpd.vty')) && existsSync(this.path('staticd.vty')), 10_000, 'bgpd/staticd vty');
  }

  vtysh(...commands: string[]): string {
    const args = ['--vty_socket', this.dir];
    for (const c of commands) args.push('-c', c);
    return execFileSync('vtysh', args, { encoding: 'utf8' });
  }

  vtyshJson<T = unknown>(command: string): T {
    return JSON.parse(this.vtysh(command)) as T;
  }

  /** Whether FRR's session with the peer is Established. */
  sessionUp(peer: string): boolean {
    try {
      const j = this.vtyshJson<Record<string, { bgpState?: string }>>(`show bgp neighbors ${peer} json`);
      return j[peer]?.bgpState === 'Established';
    } catch {
      return false;
    }
  }

  /** How many times FRR's session with the peer was established: proves a restart really happened. */
  sessionsEstablished(peer: string): number {
    try {
      const j = this.vtyshJson<Record<string, { connectionsEstablished?: number }>>(`show bgp neighbors ${peer} json`);
      return j[peer]?.connectionsEstablished ?? 0;
    } catch {
      return 0;
    }
  }

  /** RTBH/unicast routes FRR received from a peer: prefix -> communities, next hop. */
  unicastFrom(peer: string, family: 4 | 6): Map<string, { communities: string[]; nextHop: string; valid: boolean }> {
    const j = this.vtyshJson<{ routes?: Record<string, Array<Record<string, unknown>>> }>(`show bgp ipv${family} unicast json`);
    const out = new Map<string, { communities: string[]; nextHop: string; valid: boolean }>();
    for (const [prefix, paths] of Object.entries(j.routes ?? {})) {
      for (const p of paths) {
        if ((p.peerId as string | undefined) !== peer) continue;
        // The table view has no communities; the per-prefix view does.
        const detail = this.vtyshJson<{ paths?: Array<Record<string, unknown>> }>(`show bgp ipv${family} unicast ${prefix} json`);
        const dp = (detail.paths ?? []).find((x) => (x.peer as { peerId?: string } | undefined)?.peerId === peer) ?? {};
        const comm = (dp.community as { string?: string } | undefined)?.string ?? '';
        const nh = ((dp.nexthops as Array<{ ip: string }> | undefined) ?? [])[0]?.ip ?? '';
        out.set(prefix, { communities: comm === '' ? [] : comm.split(' '), nextHop: nh, valid: dp.valid === true });
      }
    }
    return out;
  }

  /** `show bgp ipvX flowspec detail`, one entry per rule: its lines minus timers and PBR state. */
  flowspec(family: 4 | 6): FrrFlowEntry[] {
    const text = this.vtysh(`show bgp ipv${family} flowspec detail`);
    const out: FrrFlowEntry[] = [];
    for (const block of text.split('BGP flowspec entry:').slice(1)) {
      const lines = block
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('(flags') && !l.startsWith('received for') && !l.includes('installed in PBR') && !l.startsWith('Displayed'));
      const dst = lines.find((l) => l.startsWith('Destination Address'))?.replace('Destination Address ', '').replace(/\/off 0$/, '') ?? '';
      out.push({ destination: dst, lines });
    }
    return out;
  }

  /** Stops the FRR daemons and every process this lab started, removes the namespace and the dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.procs.map((p) => p.stop()));
    try {
      execFileSync('ip', ['netns', 'del', this.ns]);
    } catch {
      /* already gone */
    }
    if (!process.env.BW_KEEP_LAB) rmSync(this.dir, { recursive: true, force: true });
    process.off('exit', this.onExit);
  }

  private killAllSync(): void {
    for (const p of this.procs) if (p.running) p.child.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', this.ns]);
  }
}

export interface FrrFlowEntry {
  destination: string;
  lines: string[];
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  while (Date.now() < end) {
    try {
      if (await cond()) return;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const w = typeof what === 'function' ? what() : what;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${w}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

/** gobgpd config for the lab: connects out only (port -1) from GOBGP to ROUTER, four families, short timers. */
export function gobgpdToml(): string {
  const fams = ['ipv4-unicast', 'ipv6-unicast', 'ipv4-flowspec', 'ipv6-flowspec'];
  return `[global.config]
  as = ${GOBGP_AS}
  router-id = "${GOBGP}"
  port = -1
  local-address-list = ["${GOBGP}"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${ROUTER}"
    peer-as = ${ROUTER_AS}
  [neighbors.transport.config]
    local-address = "${GOBGP}"
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
${fams.map((f) => `  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "${f}"`).join('\n')}
`;
}
