/**
 * `breakwater demo`: the whole system in about a minute, on one machine. The real Daemon (UDP
 * listeners, decoders, accounting, detection, mitigation, API) is fed in real time over loopback
 * by flowgen: normal traffic as NetFlow v9 from one exporter the whole time, and a flood as sFlow
 * from another for a while. With root, FRR and ExaBGP installed, mitigation goes through ExaBGP
 * to FRR in a throw-away network namespace (src/lab/lab.ts) and the demo shows what FRR received;
 * otherwise the daemon runs in dry-run and the demo says why. What it prints is a narrated
 * timeline with offsets from its start; docs/demo.md describes it.
 *
 * Everything is bounded: each traffic sender by count and time, every wait by a deadline, and
 * every process it starts is stopped by PID at the end (lab.close(), daemon.stop()).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Logger } from '../log.js';
import { Daemon } from '../daemon.js';
import type { Attack, AttackSink } from '../detection/attack.js';
import { routeKey, type Route } from '../bgp/route.js';
import type { HubEvent } from '../api/events.js';
import { Lab, labUnavailable, EXABGP, EXABGP_AS, ROUTER, ROUTER_AS } from '../lab/lab.js';
import { SimulatedExporter, scenarioDescription, sendDatagrams, SCENARIOS, SCENARIO_VICTIM_V4, type SendReport } from '../../tools/flowgen/index.js';
import { demoConfig, DEMO_END_SECONDS, DEMO_THRESHOLD_MBPS, DEMO_THRESHOLD_PPS } from './config.js';

export const DEMO_ATTACKS = ['udp-flood', 'ntp-amplification'] as const;
export type DemoAttack = (typeof DEMO_ATTACKS)[number];

export const DEMO_DEFAULTS = {
  apiPort: 10007,
  normalSeconds: 10,
  floodSeconds: 30,
  banSeconds: 20,
  attack: 'udp-flood' as DemoAttack,
} as const;

/** Upper bounds on the options: the demo is a demo, not a load generator. */
export const DEMO_MAX_SECONDS = 3600;
/** After the scenario (exitAtEnd false) normal traffic keeps the dashboard alive this long at most. */
export const DEMO_KEEP_TRAFFIC_SECONDS = 3600;
/** Waits for ExaBGP to confirm a route and for FRR to show or drop it. */
const CONFIRM_MS = 20_000;
/** A traffic line every this many seconds while the scenario runs. */
const TRAFFIC_LINE_SECONDS = 5;

export interface DemoOptions {
  /** API and dashboard port on 127.0.0.1; default 10007 (FastNetMon's); 0 = any free port. */
  apiPort?: number;
  /** auto: the ExaBGP + FRR lab when it can run here (root, exabgp, frr), else dry-run; off: dry-run. */
  bgp?: 'auto' | 'off';
  /** Seconds of normal traffic before the flood (default 10). */
  normalSeconds?: number;
  /** Seconds the flood lasts (default 30). */
  floodSeconds?: number;
  /** mitigation.ban_time_seconds of the demo config (default 20). */
  banSeconds?: number;
  /** flowgen scenario of the flood (default udp-flood). */
  attack?: DemoAttack;
  /** false (default): after the scenario keep the daemon and dashboard up until `signal` aborts. */
  exitAtEnd?: boolean;
  /** Where the timeline goes, one line per call; default stdout. */
  out?: (line: string) => void;
  /** Stops the demo (Ctrl-C in the CLI): everything started is stopped and the result returned. */
  signal?: AbortSignal;
  /**
   * The daemon's logger; default pino at `error` on stderr: the daemon logs every attack and
   * mitigation at warn, which the timeline already tells.
   */
  logger?: Logger;
}

export interface DemoResult {
  /** lab: mitigations went through ExaBGP to FRR; dry-run: decided and shown, announced nowhere. */
  mode: 'lab' | 'dry-run';
  /** Why the demo ran in dry-run; null in lab mode. */
  dryRunReason: string | null;
  /** Seconds from the flood's start to the attack on the victim being detected; null: never. */
  attackDetectedAfterSeconds: number | null;
  attackType: string | null;
  /**
   * Seconds from the flood's start to the victim's mitigation being in ExaBGP's adj-rib-out (lab)
   * or decided (dry-run); null: never.
   */
  mitigatedAfterSeconds: number | null;
  /** FRR showed the victim's blackhole route from ExaBGP; null: no lab. */
  frrSawRoute: boolean | null;
  /** The attack ended (detection) after the flood. */
  attackEnded: boolean;
  /** The victim's mitigations were removed after the ban time and, in lab mode, FRR no longer had the route. */
  withdrawn: boolean;
  /** Stopped by the signal before the scenario was over. */
  interrupted: boolean;
  dashboardUrl: string;
  apiUrl: string;
}

export class DemoOptionError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'DemoOptionError';
  }
}

interface Resolved {
  apiPort: number;
  bgp: 'auto' | 'off';
  normalSeconds: number;
  floodSeconds: number;
  banSeconds: number;
  attack: DemoAttack;
  exitAtEnd: boolean;
}

/** Checks the options; throws DemoOptionError listing every bad one. */
export function resolveDemoOptions(o: DemoOptions): Resolved {
  const problems: string[] = [];
  const int = (name: string, v: number | undefined, def: number, min: number, max: number): number => {
    if (v === undefined) return def;
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
    return v;
  };
  const r: Resolved = {
    apiPort: int('apiPort', o.apiPort, DEMO_DEFAULTS.apiPort, 0, 65535),
    normalSeconds: int('normalSeconds', o.normalSeconds, DEMO_DEFAULTS.normalSeconds, 1, DEMO_MAX_SECONDS),
    // Detection needs trigger_seconds of flood plus a second of telemetry in flight.
    floodSeconds: int('floodSeconds', o.floodSeconds, DEMO_DEFAULTS.floodSeconds, 5, DEMO_MAX_SECONDS),
    banSeconds: int('banSeconds', o.banSeconds, DEMO_DEFAULTS.banSeconds, 5, DEMO_MAX_SECONDS),
    bgp: o.bgp ?? 'auto',
    attack: o.attack ?? DEMO_DEFAULTS.attack,
    exitAtEnd: o.exitAtEnd ?? false,
  };
  if (r.bgp !== 'auto' && r.bgp !== 'off') problems.push(`bgp must be 'auto' or 'off', got ${String(r.bgp)}`);
  if (!DEMO_ATTACKS.includes(r.attack)) problems.push(`attack must be one of ${DEMO_ATTACKS.join(', ')}, got ${String(r.attack)}`);
  if (!r.exitAtEnd && o.signal === undefined) problems.push('exitAtEnd false keeps the daemon up until a signal aborts: give a signal, or set exitAtEnd');
  if (problems.length > 0) throw new DemoOptionError(`breakwater demo: ${problems.join('; ')}`);
  return r;
}

function siText(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(Math.round(n));
}

function mbitText(mbps: number): string {
  return mbps >= 100 ? String(Math.round(mbps)) : mbps.toFixed(1);
}

/** FRR names the RFC 7999 BLACKHOLE community; the demo shows the number operators configure, as in the config. */
function frrCommunityText(c: string): string {
  return c === 'blackhole' ? '65535:666' : c;
}

/** Routes carry communities in numeric form; RFC 1997's well-known ones read better by name. */
const WELL_KNOWN: Record<string, string> = { '65535:65281': 'no-export', '65535:65282': 'no-advertise', '65535:65283': 'no-export-subconfed', '65535:65284': 'no-peer' };

/** One mitigation route in a line: what an operator would look for on the router. */
export function describeDemoRoute(r: Route): string {
  if (r.kind === 'unicast') {
    return `blackhole ${r.prefix} next hop ${r.nextHop} community ${r.communities.map((c) => WELL_KNOWN[c] ?? c).join(' ')}`;
  }
  const a = r.action;
  const action = a.type === 'rate-limit' ? `rate-limit ${a.bytesPerSecond} bytes/s` : a.type === 'redirect' ? `redirect to VRF ${a.routeTarget}` : a.type === 'mark' ? `mark DSCP ${a.dscp}` : 'discard';
  const m = r.match;
  const parts = [`flowspec ${m.destination}`];
  if (m.protocols) parts.push(`protocol ${m.protocols.map((p) => (p === 6 ? 'tcp' : p === 17 ? 'udp' : p === 1 ? 'icmp' : String(p))).join(',')}`);
  if (m.sourcePorts) parts.push(`source port ${m.sourcePorts.map((p) => (typeof p === 'number' ? p : `${p.min ?? ''}..${p.max ?? ''}`)).join(',')}`);
  if (m.destinationPorts) parts.push(`destination port ${m.destinationPorts.map((p) => (typeof p === 'number' ? p : `${p.min ?? ''}..${p.max ?? ''}`)).join(',')}`);
  if (m.fragment) parts.push(m.fragment.join(','));
  return `${parts.join(' ')} → ${action}`;
}

interface MitigationJson {
  kind: string;
  host: string;
  route: Route;
}
interface MitigationEventJson {
  event: 'ban' | 'unban' | 'update';
  host: string;
  reason: string;
  actor: string;
  dryRun: boolean;
  mitigations: MitigationJson[];
}

/** Resolves after ms, or false at once when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls cond every intervalMs until it holds (true), the deadline passes or the signal aborts (false). */
async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, signal: AbortSignal | undefined, intervalMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return true;
    } catch {
      // A failed poll (vtysh busy, speaker reconnecting) is retried until the deadline.
    }
    if (Date.now() >= end) return false;
    if (!(await pause(intervalMs, signal))) return false;
  }
}

/** The daemon's JSON log on stderr (the timeline owns stdout). */
export function demoLogger(level: string): Logger {
  return pino({ level, base: { svc: 'breakwater-demo' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2));
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const o = resolveDemoOptions(opts);
  const signal = opts.signal;
  const out = opts.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const t0 = performance.now();
  const offset = () => (performance.now() - t0) / 1000;
  const say = (text: string) => out(`[${offset().toFixed(1).padStart(6)}s] ${text}`);
  const victim = SCENARIO_VICTIM_V4;
  const result: DemoResult = {
    mode: 'dry-run',
    dryRunReason: null,
    attackDetectedAfterSeconds: null,
    attackType: null,
    mitigatedAfterSeconds: null,
    frrSawRoute: null,
    attackEnded: false,
    withdrawn: false,
    interrupted: false,
    dashboardUrl: '',
    apiUrl: '',
  };
  let floodStartedAt: number | null = null;
  const sinceFlood = () => (floodStartedAt === null ? 0 : Math.round((offset() - floodStartedAt) * 10) / 10);
  const tasks = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    const q = p.catch((e: unknown) => say(`(demo check failed: ${(e as Error).message})`)).finally(() => tasks.delete(q));
    tasks.add(q);
  };

  const stateDir = mkdtempSync(join(tmpdir(), 'breakwater-demo-'));
  let lab: Lab | null = null;
  let daemon: Daemon | null = null;
  let unsubscribe: (() => void) | null = null;
  const stopTraffic = new AbortController();
  const senders: Array<Promise<SendReport>> = [];
  const onOuterAbort = () => stopTraffic.abort();
  let completed = false;
  signal?.addEventListener('abort', onOuterAbort, { once: true });

  try {
    out('Breakwater demo: flow telemetry → detection → BGP mitigation, on this machine, in about a minute.');
    // ---------------------------------------------------------------- BGP lab or dry-run
    let reason: string | null = o.bgp === 'off' ? 'BGP switched off (--no-bgp)' : labUnavailable(['exabgp']);
    if (reason === null) {
      say(`starting the BGP lab: FRR as the router (${ROUTER}, AS ${ROUTER_AS}) and ExaBGP (${EXABGP}, AS ${EXABGP_AS}) in a network namespace of their own`);
      try {
        lab = new Lab('demo');
        await lab.startFrr([{ address: EXABGP, asn: EXABGP_AS }]);
        await lab.startExabgp();
        say(`BGP session ExaBGP ${EXABGP} → FRR ${ROUTER} established (namespace ${lab.ns})`);
        say(`  FRR's view: vtysh --vty_socket ${lab.dir} -c 'show bgp ipv4 unicast' (or 'show bgp ipv4 flowspec detail')`);
      } catch (e) {
        reason = `the BGP lab did not start: ${(e as Error).message.split('\n')[0]}`;
        await lab?.close();
        lab = null;
      }
    }
    if (lab === null) {
      result.dryRunReason = reason;
      say(`dry-run: ${reason ?? ''}`);
      say('  mitigations are decided, recorded and shown, but nothing is announced (docs/demo.md: requirements for the BGP part)');
    } else {
      result.mode = 'lab';
      result.frrSawRoute = false;
    }
    if (signal?.aborted) return interrupted();

    // ---------------------------------------------------------------- daemon
    const config = demoConfig({ stateDir, apiPort: o.apiPort, banSeconds: o.banSeconds, exabgpSocket: lab ? lab.path('exabgp.sock') : null });
    const sink: AttackSink = {
      attackStarted: (a: Attack) => {
        const amp = a.amplification ? ` (${a.amplification.service}, source port ${a.amplification.port})` : '';
        const when = floodStartedAt === null ? '' : `, ${sinceFlood()} s after the flood started`;
        say(`attack detected: ${a.type}${amp} on ${a.host} (${a.direction}, ${siText(a.current.pps)} pps, ${mbitText(a.current.mbps)} Mbit/s)${when}`);
        if (a.host === victim && result.attackDetectedAfterSeconds === null) {
          result.attackDetectedAfterSeconds = sinceFlood();
          result.attackType = a.type;
        }
      },
      attackUpdated: () => {},
      attackEnded: (a: Attack) => {
        const secs = Math.round(((a.endedMs ?? Date.now()) - a.startedMs) / 1000);
        say(`attack ended: ${a.type} on ${a.host} after ${secs} s (peak ${siText(a.peak.pps)} pps, ${mbitText(a.peak.mbps)} Mbit/s)`);
        if (a.host === victim) result.attackEnded = true;
      },
    };
    daemon = new Daemon(config, { logger: opts.logger ?? demoLogger('error'), attackSink: sink, autoTick: true });
    try {
      await daemon.start();
    } catch (e) {
      const msg = (e as Error).message;
      if (/EADDRINUSE/.test(msg)) throw new Error(`port ${o.apiPort} on 127.0.0.1 is in use (another Breakwater?): choose another with --api-port`);
      throw e;
    }
    const d = daemon;
    const apiPort = d.api?.port ?? o.apiPort;
    result.apiUrl = `http://127.0.0.1:${apiPort}/api/v1/`;
    result.dashboardUrl = `http://127.0.0.1:${apiPort}/ui/`;
    const [sflowPort, netflowPort] = d.listener.ports();
    say(`daemon started: sFlow on 127.0.0.1:${sflowPort}, NetFlow/IPFIX on 127.0.0.1:${netflowPort}, monitoring ${config.traffic.networks.join(' and ')}`);
    say(`  dashboard:  ${result.dashboardUrl}`);
    say(`  API:        ${result.apiUrl}  (no login: loopback only)`);
    say(`  CLI:        breakwater status    breakwater attacks --follow${apiPort === 10007 ? '' : `   (API on port ${apiPort})`}`);
    say(`  thresholds: ${siText(DEMO_THRESHOLD_PPS)} pps or ${DEMO_THRESHOLD_MBPS} Mbit/s per host; ban time ${o.banSeconds} s; an attack ends ${DEMO_END_SECONDS} s after the flood`);

    const speaker = lab ? d.speakers.speakers[0] : null;
    if (speaker && lab) {
      const up = await until(() => speaker.health().up, 20_000, signal);
      if (signal?.aborted) return interrupted();
      say(up ? 'ExaBGP is connected to the daemon (process API bridge)' : 'ExaBGP has not connected to the daemon yet: mitigations will be announced once it does');
    }

    // ---------------------------------------------------------------- live events
    let narrating = true;
    let lastTrafficLine = 0;
    const announcedKeys = new Set<string>();
    /** The victim's routes still desired: withdrawn means all of them went. */
    const victimKeys = new Set<string>();
    const withdrawConfirm = (routes: Route[], dryRun: boolean, isVictim: boolean) => {
      if (dryRun || !lab || !speaker) {
        if (isVictim && victimKeys.size === 0) result.withdrawn = true;
        return;
      }
      const l = lab;
      track(
        (async () => {
          const frrHas = () => routes.some((r) => frrHas1(l, r));
          const gone = await until(() => !frrHas(), CONFIRM_MS, signal, 500);
          if (gone) {
            say(`withdrawn; FRR no longer has the route${routes.length > 1 ? 's' : ''} (${routes.map((r) => (r.kind === 'unicast' ? r.prefix : `flowspec ${r.match.destination}`)).join(', ')})`);
            if (isVictim && victimKeys.size === 0) result.withdrawn = true;
          } else if (!signal?.aborted) say(`FRR still shows a withdrawn route after ${CONFIRM_MS / 1000} s`);
        })(),
      );
    };
    const announceConfirm = (routes: Route[], isVictim: boolean) => {
      if (!lab || !speaker) return;
      const l = lab;
      track(
        (async () => {
          const keys = routes.map(routeKey);
          const inSpeaker = await until(async () => {
            const have = new Set((await speaker.listAnnounced()).map(routeKey));
            return keys.every((k) => have.has(k));
          }, CONFIRM_MS, signal);
          if (!inSpeaker) {
            if (!signal?.aborted) say(`ExaBGP did not confirm the announcement within ${CONFIRM_MS / 1000} s (see the daemon's warnings)`);
            return;
          }
          say(`announced via exabgp: ${routes.length} route${routes.length > 1 ? 's' : ''} in ExaBGP's adj-rib-out towards FRR ${ROUTER}`);
          if (isVictim && result.mitigatedAfterSeconds === null) result.mitigatedAfterSeconds = sinceFlood();
          for (const r of routes) {
            const seen = await until(() => frrHas1(l, r), CONFIRM_MS, signal, 500);
            if (!seen) {
              if (!signal?.aborted) say(`FRR did not show ${r.kind === 'unicast' ? r.prefix : `the FlowSpec rule for ${r.match.destination}`} within ${CONFIRM_MS / 1000} s`);
              continue;
            }
            if (r.kind === 'unicast') {
              const fam = r.prefix.includes(':') ? 6 : 4;
              const got = l.unicastFrom(EXABGP, fam).get(r.prefix);
              say(`FRR received ${r.prefix} from ${EXABGP} community ${(got?.communities ?? []).map(frrCommunityText).join(' ')}, next hop ${got?.nextHop ?? '?'}`);
              if (isVictim) result.frrSawRoute = true;
            } else {
              const e = l.flowspec(r.family).find((x) => x.destination === r.match.destination);
              say(`FRR received a FlowSpec rule for ${r.match.destination} from ${EXABGP}: ${(e?.lines ?? []).filter((x) => !x.startsWith('Destination Address')).join('; ')}`);
            }
          }
        })(),
      );
    };
    const onMitigation = (ev: MitigationEventJson) => {
      const isVictim = ev.host === victim;
      const routes = ev.mitigations.map((m) => m.route);
      if (ev.event === 'ban') {
        for (const r of routes) {
          announcedKeys.add(routeKey(r));
          if (isVictim) victimKeys.add(routeKey(r));
          say(`mitigation: ${describeDemoRoute(r)}${ev.dryRun ? '  (dry-run: nothing announced)' : ''}`);
        }
        if (ev.dryRun) {
          if (isVictim && result.mitigatedAfterSeconds === null) result.mitigatedAfterSeconds = sinceFlood();
        } else announceConfirm(routes, isVictim);
      } else if (ev.event === 'update') {
        // An update lists the host's mitigations now: a refined FlowSpec rule replaces the broad one.
        if (isVictim) {
          const now = new Set(routes.map(routeKey));
          for (const k of [...victimKeys]) if (!now.has(k)) victimKeys.delete(k);
        }
        const fresh = routes.filter((r) => !announcedKeys.has(routeKey(r)));
        for (const r of fresh) {
          announcedKeys.add(routeKey(r));
          if (isVictim) victimKeys.add(routeKey(r));
          say(`mitigation refined: ${describeDemoRoute(r)}${ev.dryRun ? '  (dry-run: nothing announced)' : ''}`);
        }
        if (fresh.length > 0 && !ev.dryRun) announceConfirm(fresh, false);
      } else {
        for (const r of routes) {
          announcedKeys.delete(routeKey(r));
          victimKeys.delete(routeKey(r));
          say(`mitigation removed (${ev.reason}): ${describeDemoRoute(r)}${ev.dryRun ? '  (dry-run: nothing to withdraw)' : ''}`);
        }
        withdrawConfirm(routes, ev.dryRun, isVictim);
      }
    };
    const onEvent = (e: HubEvent) => {
      if (e.type === 'mitigation') {
        // The manager decides within the detector's tick, before the attack sink hears of the
        // attack: deferred, the timeline reads detection first, then mitigation.
        const ev = JSON.parse(e.data) as MitigationEventJson;
        setImmediate(() => onMitigation(ev));
        return;
      }
      if (e.type !== 'totals' || !narrating) return;
      const now = offset();
      if (now - lastTrafficLine < TRAFFIC_LINE_SECONDS - 0.5) return;
      lastTrafficLine = now;
      const t = JSON.parse(e.data) as { attacksActive: number; mitigationsActive: number; incoming: { total: { pps: number; bps: number } }; outgoing: { total: { pps: number; bps: number } } };
      say(`traffic: in ${siText(t.incoming.total.pps)} pps ${mbitText(t.incoming.total.bps / 1e6)} Mbit/s, out ${siText(t.outgoing.total.pps)} pps ${mbitText(t.outgoing.total.bps / 1e6)} Mbit/s; attacks active ${t.attacksActive}, mitigations ${t.mitigationsActive}`);
    };
    unsubscribe = d.events.subscribe(onEvent);

    // ---------------------------------------------------------------- traffic
    const scenarioBound = o.normalSeconds + o.floodSeconds + o.banSeconds + DEMO_END_SECONDS + 60;
    const normalDesc = scenarioDescription('normal');
    const normal = new SimulatedExporter('netflow9', normalDesc);
    senders.push(
      sendDatagrams({
        host: '127.0.0.1',
        port: netflowPort,
        generator: normal.realtime(100),
        // ~30 datagrams/s in practice: the count bound only guards against a runaway.
        maxCount: 10_000_000,
        maxSeconds: scenarioBound + (o.exitAtEnd ? 0 : DEMO_KEEP_TRAFFIC_SECONDS),
        signal: stopTraffic.signal,
      }),
    );
    say(`normal traffic: ${SCENARIOS.normal.summary}; NetFlow v9, 1-in-${normalDesc.samplingRate} sampling`);
    if (!(await pause(o.normalSeconds * 1000, signal))) return interrupted();

    const floodDesc = scenarioDescription(o.attack);
    floodStartedAt = offset();
    say(`flood starts: ${o.attack}: ${SCENARIOS[o.attack].summary}; sFlow, 1-in-${floodDesc.samplingRate} sampling, for ${o.floodSeconds} s`);
    const flood = new SimulatedExporter('sflow', floodDesc);
    const floodReport = await sendDatagrams({
      host: '127.0.0.1',
      port: sflowPort,
      generator: flood.realtime(100),
      maxCount: 10_000_000,
      maxSeconds: o.floodSeconds,
      signal: stopTraffic.signal,
    });
    if (signal?.aborted) return interrupted();
    say(`flood over (${floodReport.sent} sFlow datagrams sent); normal traffic goes on`);

    // The attack ends DEMO_END_SECONDS after the flood; its mitigations are removed at the ban time
    // or then, whichever is later (unban_only_if_attack_finished); then FRR must drop them.
    const done = () => (result.attackDetectedAfterSeconds === null || (result.attackEnded && result.withdrawn)) && tasks.size === 0;
    await until(done, (o.banSeconds + DEMO_END_SECONDS + 30) * 1000, signal);
    if (signal?.aborted) return interrupted();
    await Promise.all([...tasks]);
    if (result.attackDetectedAfterSeconds === null) say(`no attack was detected on ${victim}: the daemon's warnings above may say why (a loaded machine drops telemetry)`);
    else if (!result.withdrawn) say('the mitigation was not withdrawn in time (see the lines above)');
    narrating = false;
    say(
      `summary: attack detected ${fmtAfter(result.attackDetectedAfterSeconds)} after the flood started, mitigated ${fmtAfter(result.mitigatedAfterSeconds)}${result.mode === 'lab' ? ` (FRR ${result.frrSawRoute ? 'received it' : 'did not show it'})` : ' (dry-run)'}, ${result.withdrawn ? 'withdrawn after the ban time' : 'not withdrawn'}`,
    );

    completed = true;
    if (!o.exitAtEnd) {
      say(`scenario over. The daemon keeps running with normal traffic: dashboard ${result.dashboardUrl} — Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return result;
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    stopTraffic.abort();
    await Promise.all(senders);
    unsubscribe?.();
    await Promise.all([...tasks]);
    if (daemon) await daemon.stop();
    if (lab) await lab.close();
    rmSync(stateDir, { recursive: true, force: true });
    const what = lab ? 'daemon, traffic and BGP lab' : 'daemon and traffic';
    say(signal?.aborted ? `stopped: ${what} shut down` : completed ? `done: ${what} shut down` : `${what} shut down after a failure`);
  }

  function interrupted(): DemoResult {
    result.interrupted = true;
    return result;
  }
}

function fmtAfter(s: number | null): string {
  return s === null ? 'never' : `${s} s`;
}

/** Whether FRR holds this route from ExaBGP (FlowSpec: any rule for the destination; FRR's view does not name the peer). */
function frrHas1(lab: Lab, r: Route): boolean {
  if (r.kind === 'unicast') return lab.unicastFrom(EXABGP, r.prefix.includes(':') ? 6 : 4).has(r.prefix);
  return lab.flowspec(r.family).some((e) => e.destination === r.match.destination);
}
