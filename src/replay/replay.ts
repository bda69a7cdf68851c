/**
 * Capture replay: a pcap/pcapng file goes through the daemon's own components — the `Daemon`
 * of src/daemon.ts, built from the operator's config, its listeners replaced by the file — with
 * the capture's timestamps as the clock. Each datagram is handed to the daemon's Ingest exactly as
 * a listener socket would hand it (same exporter registry, allow-list, decoders, accounting),
 * and the detector ticks at every whole second of capture time crossed, as fast as the machine
 * allows. So a replay and the live daemon on the same traffic reach the same attacks at the same
 * seconds.
 *
 * What replay changes in the config, so that nothing leaves the process: the state database is
 * in memory (the operator's is never opened), mitigation is enabled and in dry-run (decisions
 * are recorded, nothing is announced), no BGP speakers, no notify script or webhook, no API,
 * no recording, no UDP listeners.
 */
import { performance } from 'node:perf_hooks';
import { open } from 'node:fs/promises';
import { LinkType, PcapError, parseUdpPacket, readPackets, type CapturedPacket } from '../capture/index.js';
import type { Config } from '../config/schema.js';
import { Daemon } from '../daemon.js';
import type { Attack, AttackSink } from '../detection/index.js';
import type { ListenerProtocol } from '../flow/ingest.js';
import type { SampleSink } from '../flow/sample.js';
import { silentLogger, type Logger } from '../log.js';
import { streamCapturePackets, probeCaptureFile } from './capture-file.js';
import { RawPacketSampler } from './raw-packets.js';
import type { PeakHost, ReplayAttack, ReplayExporter, ReplayMitigation, ReplayRefusal, ReplayReport } from './report.js';
import { listenerPorts, sniffTelemetry } from './telemetry.js';

/** Attacks listed in a report at most (the rest are counted in attacksOmitted). */
export const MAX_REPORT_ATTACKS = 10_000;
/** Audit entries read back for the mitigations section (the state store's query bound). */
export const MAX_REPORT_AUDIT = 10_000;
/**
 * A gap in the capture longer than this is not ticked through second by second: the detector
 * jumps to the next packet's second (one tick whose measured period covers the rest of the gap).
 */
export const MAX_GAP_SECONDS = 86_400;
/** Packets examined to decide between telemetry and raw packets in auto mode. */
export const MODE_PROBE_PACKETS = 5000;
/** Bytes read for that decision. */
const MODE_PROBE_BYTES = 4 * 1024 * 1024;
/** Hosts followed for peak rates; beyond this the least busy are dropped. */
const MAX_PEAK_CANDIDATES = 2000;

export type ReplayMode = 'auto' | 'telemetry' | 'raw';

export interface ReplayProgress {
  bytes: number;
  totalBytes: number;
  packets: number;
}

export interface ReplayOptions {
  /** One capture file, or several replayed in a row as one capture (give them in time order). */
  file: string | readonly string[];
  config: Config;
  /** auto (default): raw packets unless the capture is flow telemetry (see detectMode). */
  mode?: ReplayMode;
  /** raw mode: keep 1 packet in N (default 1: every packet). */
  sampling?: number;
  onProgress?: (p: ReplayProgress) => void;
  /** Label of the config for the report (its path); default '<config>'. */
  configSource?: string;
  /** Hosts per peak list; default 10. */
  top?: number;
  /** Daemon log output; default silent (decisions are in the report). */
  logger?: Logger;
  /** Also receives every decoded (or raw) sample: tests. */
  tap?: SampleSink;
}

/** Bad input to a replay: a file that cannot be read or is not a capture, or a capture with nothing usable. */
export class ReplayInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayInputError';
  }
}

/** The config the replay daemon runs with: the operator's thresholds and policy, no side effects. */
export function replayConfig(config: Config): Config {
  const c = structuredClone(config);
  c.state = { ...c.state, path: ':memory:' };
  c.collectors = { ...c.collectors, listeners: [], log_interval_seconds: 0, record: { ...c.collectors.record, enabled: false }, packet_capture: [] };
  c.mitigation = { ...c.mitigation, enabled: true, dry_run: true };
  c.notify = { ...c.notify, script: { ...c.notify.script, path: null, unban_path: null }, webhooks: [] };
  c.bgp = { ...c.bgp, speakers: [] };
  const api = (c as { api?: { enabled: boolean } }).api;
  if (api) api.enabled = false;
  return c;
}

interface ModeDecision {
  mode: 'telemetry' | 'raw';
  reason: string;
}

/**
 * Telemetry or raw packets, from the first packets of a capture: telemetry when at least half of
 * the IP packets are UDP datagrams to a collector port or with the exact shape of sFlow/NetFlow/
 * IPFIX. A mirror port's traffic can contain some flow export passing by, which must not turn
 * the whole capture into telemetry.
 */
export function detectMode(packets: readonly CapturedPacket[], ports: Map<number, ListenerProtocol>): ModeDecision & { unsupportedLinkTypes: number[] } {
  let ip = 0;
  let telemetry = 0;
  let linkSkipped = 0;
  const unsupported = new Set<number>();
  for (const p of packets) {
    const r = parseUdpPacket(p);
    if (r === 'link_type') {
      linkSkipped++;
      unsupported.add(p.linkType);
      continue;
    }
    if (r === 'not_ip') continue;
    ip++;
    if (typeof r === 'string') continue;
    const byPort = ports.get(r.dstPort);
    const sniff = sniffTelemetry(r.payload);
    if (sniff !== null && (byPort === undefined || byPort === sniff || (byPort === 'netflow' && sniff === 'ipfix'))) telemetry++;
  }
  const unsupportedLinkTypes = packets.length > 0 && linkSkipped === packets.length ? [...unsupported] : [];
  if (ip > 0 && telemetry * 2 >= ip) {
    return { mode: 'telemetry', reason: `${telemetry} of the first ${ip} IP packets are flow telemetry datagrams`, unsupportedLinkTypes };
  }
  return { mode: 'raw', reason: `${telemetry} of the first ${ip} IP packets are flow telemetry datagrams: replayed as ordinary packets`, unsupportedLinkTypes };
}

/** The first packets of a file (up to MODE_PROBE_PACKETS within MODE_PROBE_BYTES); framing errors end the list. */
async function probePackets(path: string): Promise<CapturedPacket[]> {
  const fh = await open(path, 'r');
  let buf: Buffer;
  try {
    const b = Buffer.alloc(MODE_PROBE_BYTES);
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    buf = b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const out: CapturedPacket[] = [];
  try {
    for (const p of readPackets(buf)) {
      out.push(p);
      if (out.length >= MODE_PROBE_PACKETS) break;
    }
  } catch (e) {
    // The probe stops at the end of what it read; a real framing error is reported by the full read.
    if (!(e instanceof PcapError)) throw e;
  }
  return out;
}

const LINK_NAMES: Record<number, string> = {
  [LinkType.NULL]: 'NULL/loopback (0)',
  [LinkType.ETHERNET]: 'Ethernet (1)',
  [LinkType.RAW]: 'raw IP (101)',
  [LinkType.LINUX_SLL]: 'Linux cooked (113)',
  [LinkType.IPV4]: 'IPv4 (228)',
  [LinkType.IPV6]: 'IPv6 (229)',
  [LinkType.LINUX_SLL2]: 'Linux cooked v2 (276)',
};

interface PeakEntry {
  host: string;
  direction: 'incoming' | 'outgoing';
  pps: number;
  ppsAt: number;
  mbps: number;
  mbpsAt: number;
}

/** Keeps every attack the detector starts (live objects: the detector updates them in place). */
class AttackCollector implements AttackSink {
  readonly attacks: Attack[] = [];
  omitted = 0;
  attackStarted(a: Attack): void {
    if (this.attacks.length < MAX_REPORT_ATTACKS) this.attacks.push(a);
    else this.omitted++;
  }
  attackUpdated(): void {}
  attackEnded(): void {}
}

/**
 * Replays one capture (or several in a row) and reports what the daemon would have done.
 * Throws ReplayInputError for bad input (a file that cannot be read, is not a capture, or has an
 * unsupported link type; a bad sampling rate) and NetworkConfigError when the config's networks
 * or allow-list files are bad (as the daemon would refuse to start). A framing error part-way
 * through a file ends the read: the report covers the packets before it and names it in
 * `readError`.
 */
export async function replayCapture(opts: ReplayOptions): Promise<ReplayReport> {
  const wall0 = performance.now();
  const files = typeof opts.file === 'string' ? [opts.file] : [...opts.file];
  if (files.length === 0) throw new ReplayInputError('no capture file given');
  const sampling = opts.sampling ?? 1;
  if (!Number.isInteger(sampling) || sampling < 1 || sampling > 1 << 30) throw new ReplayInputError(`--sampling must be an integer from 1 to ${1 << 30}, got ${sampling}`);
  const top = opts.top ?? 10;

  // Every file is checked before anything runs: an unreadable second file should not cost a
  // long replay of the first.
  let totalBytes = 0;
  for (const f of files) {
    try {
      totalBytes += (await probeCaptureFile(f)).bytes;
    } catch (e) {
      if (e instanceof PcapError) throw new ReplayInputError(`${f}: not a capture file: ${e.message}`);
      throw new ReplayInputError(`${f}: cannot read: ${(e as Error).message}`);
    }
  }

  const ports = listenerPorts(opts.config.collectors.listeners);
  const probe = detectMode(await probePackets(files[0]), ports);
  if (probe.unsupportedLinkTypes.length > 0) {
    throw new ReplayInputError(
      `${files[0]}: link type ${probe.unsupportedLinkTypes.join(', ')} is not supported (supported: ${Object.values(LINK_NAMES).join(', ')})`,
    );
  }
  let decision: ModeDecision;
  if (opts.mode === 'raw') decision = { mode: 'raw', reason: 'raw packets requested (--raw)' };
  else if (opts.mode === 'telemetry') decision = { mode: 'telemetry', reason: 'telemetry requested (--telemetry)' };
  else decision = probe;

  const attacks = new AttackCollector();
  let clock = 0;
  const daemon = new Daemon(replayConfig(opts.config), {
    logger: opts.logger ?? silentLogger(),
    now: () => clock,
    autoTick: false,
    attackSink: attacks,
    tap: opts.tap,
  });

  const skipped = new Map<string, number>();
  const skip = (r: string) => skipped.set(r, (skipped.get(r) ?? 0) + 1);
  const raw = decision.mode === 'raw' ? new RawPacketSampler(opts.tap ? { sample: (s) => (daemon.traffic.sample(s), opts.tap!.sample(s)) } : daemon.traffic, sampling) : null;
  const peaks = new Map<string, PeakEntry>();
  const peakTotals: ReplayReport['peakTotals'] = {
    incoming: { pps: 0, ppsAt: null, mbps: 0, mbpsAt: null },
    outgoing: { pps: 0, ppsAt: null, mbps: 0, mbpsAt: null },
  };
  const warnings: string[] = [];

  let packets = 0;
  let bytesBefore = 0;
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  let nextTick = 0;
  let ticks = 0;
  let outOfOrder = 0;
  let gaps = 0;
  let readError: ReplayReport['readError'] = null;

  const tick = (t: number) => {
    clock = t;
    daemon.tick(t);
    ticks++;
    // The daemon expires templates every 60 s of its clock; here that clock is the capture's.
    if (ticks % 60 === 0) daemon.decoders.templates.expire(t);
    notePeaks(t);
  };

  const notePeaks = (t: number) => {
    const totals = daemon.traffic.totals();
    for (const dir of ['incoming', 'outgoing'] as const) {
      const tot = totals[dir].total;
      const pt = peakTotals[dir];
      if (tot.pps > pt.pps) {
        pt.pps = tot.pps;
        pt.ppsAt = new Date(t).toISOString();
      }
      const mbps = tot.bps / 1e6;
      if (mbps > pt.mbps) {
        pt.mbps = mbps;
        pt.mbpsAt = new Date(t).toISOString();
      }
      for (const metric of ['pps', 'mbps'] as const) {
        for (const v of daemon.detector.topHosts(dir, metric, top)) {
          const cur = v[dir].current;
          const key = `${dir}|${v.host}`;
          let e = peaks.get(key);
          if (e === undefined) {
            e = { host: v.host, direction: dir, pps: 0, ppsAt: t, mbps: 0, mbpsAt: t };
            peaks.set(key, e);
          }
          if (cur.pps > e.pps) {
            e.pps = cur.pps;
            e.ppsAt = t;
          }
          if (cur.mbps > e.mbps) {
            e.mbps = cur.mbps;
            e.mbpsAt = t;
          }
        }
      }
    }
    if (peaks.size > MAX_PEAK_CANDIDATES) prunePeaks(peaks, top);
  };

  /** Moves the capture clock to `ts`, ticking every whole second crossed; returns the time to use for the packet. */
  const advance = (tsIn: number): number => {
    // A pcapng Simple Packet Block has no time: it takes the previous packet's.
    const ts = tsIn === 0 && lastTs !== null ? lastTs : tsIn;
    if (firstTs === null) {
      firstTs = ts;
      nextTick = (Math.floor(ts / 1000) + 1) * 1000;
    }
    let eff = ts;
    if (ts < nextTick - 1000) {
      outOfOrder++;
      eff = nextTick - 1000;
    }
    if (lastTs === null || eff > lastTs) lastTs = eff;
    let n = 0;
    while (eff >= nextTick) {
      if (n === MAX_GAP_SECONDS && eff - nextTick >= 1000) {
        gaps++;
        nextTick = Math.floor(eff / 1000) * 1000;
      }
      tick(nextTick);
      nextTick += 1000;
      n++;
    }
    clock = eff;
    return eff;
  };

  const onTelemetry = (p: CapturedPacket) => {
    packets++;
    const t = advance(p.tsMs);
    const r = parseUdpPacket(p);
    if (typeof r === 'string') {
      skip(r);
      return;
    }
    const proto = ports.get(r.dstPort) ?? sniffTelemetry(r.payload);
    if (proto === null) {
      skip('not_telemetry');
      return;
    }
    daemon.ingest.datagram(proto, r.payload, r.srcAddr, t);
  };
  const onRaw = (p: CapturedPacket) => {
    packets++;
    const t = advance(p.tsMs);
    raw!.packet(p, t);
  };

  await daemon.start();
  try {
    for (const f of files) {
      try {
        const info = await streamCapturePackets(f, decision.mode === 'raw' ? onRaw : onTelemetry, {
          onWindow: async (done) => {
            opts.onProgress?.({ bytes: bytesBefore + done, totalBytes, packets });
            // Let the event loop breathe between windows (signals, the progress bar's writes).
            await new Promise((r) => setImmediate(r));
          },
        });
        bytesBefore += info.bytes;
      } catch (e) {
        if (!(e instanceof PcapError)) throw e;
        if (packets === 0 && e.offset === 0) throw new ReplayInputError(`${f}: not a capture file: ${e.message}`);
        readError = { code: e.code, offset: e.offset, message: `${f}: ${e.message}` };
        warnings.push(`${f}: read stopped at byte ${e.offset} (${e.code}); the report covers the ${packets} packets before it`);
        break;
      }
    }
    // Close the last (partial) second, as the live daemon's next tick would.
    if (firstTs !== null) tick(nextTick);
    opts.onProgress?.({ bytes: totalBytes, totalBytes, packets });

    if (raw) for (const [k, v] of raw.stats.skipped) skipped.set(k, (skipped.get(k) ?? 0) + v);
    if (gaps > 0) warnings.push(`${gaps} gap(s) longer than ${MAX_GAP_SECONDS} s in the capture were skipped over in one tick`);
    if (outOfOrder > 0) warnings.push(`${outOfOrder} packets were older than an already replayed second (merged or reordered capture): counted in that second`);
    if (daemon.networks.networkCount === 0) warnings.push('no monitored networks in the config (traffic.networks): no attack can be detected; pass --config with your networks');
    if (packets === 0) warnings.push('the capture holds no packets');
    else if (decision.mode === 'telemetry' && daemon.ingest.totals.datagrams === 0) warnings.push('no flow telemetry datagram in the capture (try --raw for a capture of ordinary traffic)');
    if (daemon.ingest.totals.notAllowed > 0) warnings.push(`${daemon.ingest.totals.notAllowed} datagrams came from exporters outside collectors.allow_exporters (or past max_exporters) and were dropped, as live`);

    const report = buildReport({
      daemon,
      files,
      config: opts.configSource ?? '<config>',
      decision,
      sampling: decision.mode === 'raw' ? sampling : null,
      totalBytes,
      packets,
      raw,
      skipped,
      firstTs,
      lastTs,
      ticks,
      outOfOrder,
      attacks,
      peaks,
      peakTotals,
      top,
      readError,
      warnings,
      mitigationConfig: { enabled: opts.config.mitigation.enabled, dryRun: opts.config.mitigation.dry_run },
      endMs: clock,
    });
    report.wallSeconds = Math.round(performance.now() - wall0) / 1000;
    return report;
  } finally {
    await daemon.stop();
  }
}

function prunePeaks(peaks: Map<string, PeakEntry>, top: number): void {
  const keep = new Set<string>();
  const all = [...peaks.entries()];
  for (const by of ['pps', 'mbps'] as const) {
    all.sort((a, b) => b[1][by] - a[1][by]);
    for (const [k] of all.slice(0, Math.max(top * 10, 100))) keep.add(k);
  }
  for (const k of peaks.keys()) if (!keep.has(k)) peaks.delete(k);
}

interface BuildInput {
  daemon: Daemon;
  files: string[];
  config: string;
  decision: ModeDecision;
  sampling: number | null;
  totalBytes: number;
  packets: number;
  raw: RawPacketSampler | null;
  skipped: Map<string, number>;
  firstTs: number | null;
  lastTs: number | null;
  ticks: number;
  outOfOrder: number;
  attacks: AttackCollector;
  peaks: Map<string, PeakEntry>;
  peakTotals: ReplayReport['peakTotals'];
  top: number;
  readError: ReplayReport['readError'];
  warnings: string[];
  mitigationConfig: ReplayReport['mitigationConfig'];
  endMs: number;
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

function round(x: number, d = 3): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function buildReport(x: BuildInput): ReplayReport {
  const d = x.daemon;
  const totals = d.ingest.totals;
  let decodeErrors = 0;
  const byCode: Record<string, number> = {};
  for (const [k, v] of totals.errors) {
    byCode[k] = v;
    decodeErrors += v;
  }
  // Datagrams that failed as a whole are counted on the exporter, and mirrored in totals.errors
  // with the records; internal errors (decoder bugs) are counted apart.
  decodeErrors += totals.internalErrors;

  const mitigations = collectMitigations(d);
  const byAttack = new Map<string, string[]>();
  for (const m of mitigations.list) {
    if (!m.attackId) continue;
    const l = byAttack.get(m.attackId) ?? [];
    l.push(m.id);
    byAttack.set(m.attackId, l);
  }

  const attacks: ReplayAttack[] = x.attacks.attacks.map((a) => {
    const end = a.endedMs ?? x.endMs;
    return {
      id: a.id,
      host: a.host,
      ipVersion: a.ipVersion,
      direction: a.direction,
      group: a.group,
      type: a.type,
      amplification: a.amplification ? { ...a.amplification } : null,
      protocol: a.protocol,
      startedAt: isoOf(a.startedMs),
      startedMs: a.startedMs,
      startOffsetSeconds: x.firstTs === null ? 0 : round((a.startedMs - x.firstTs) / 1000),
      endedAt: a.endedMs === null ? null : isoOf(a.endedMs),
      endedMs: a.endedMs,
      endReason: a.endReason,
      durationSeconds: round((end - a.startedMs) / 1000),
      trigger: { ...a.trigger },
      exceeded: a.exceeded.map((h) => ({ ...h })),
      peak: { ...a.peak },
      current: { ...a.current },
      average: { ...a.average },
      fingerprint: a.fingerprint ? structuredClone(a.fingerprint) : null,
      mitigationIds: byAttack.get(a.id) ?? [],
    };
  });

  const peakList = [...x.peaks.values()];
  const toPeak = (e: PeakEntry): PeakHost => ({
    host: e.host,
    direction: e.direction,
    peakPps: round(e.pps, 1),
    peakPpsAt: isoOf(e.ppsAt),
    peakMbps: round(e.mbps, 3),
    peakMbpsAt: isoOf(e.mbpsAt),
  });
  const byPps = [...peakList].sort((a, b) => b.pps - a.pps).filter((e) => e.pps > 0).slice(0, x.top).map(toPeak);
  const byMbps = [...peakList].sort((a, b) => b.mbps - a.mbps).filter((e) => e.mbps > 0).slice(0, x.top).map(toPeak);
  for (const dir of ['incoming', 'outgoing'] as const) {
    x.peakTotals[dir].pps = round(x.peakTotals[dir].pps, 1);
    x.peakTotals[dir].mbps = round(x.peakTotals[dir].mbps, 3);
  }

  const exporters: ReplayExporter[] = d.registry.all().filter((e) => e.stats.datagrams > 0).map((e) => ({
    address: e.address,
    protocols: Object.fromEntries(e.stats.byProtocol),
    datagrams: e.stats.datagrams,
    bytes: e.stats.bytes,
    samples: e.stats.samples,
    errors: Object.fromEntries(e.stats.errors),
    sequenceGaps: e.stats.sequenceGaps,
    sequenceLost: e.stats.sequenceLost,
    sequenceResets: e.stats.sequenceResets,
    learnedSampling: Object.fromEntries([...e.learnedSampling].map(([k, v]) => [String(k), v])),
    firstSeen: isoOf(e.stats.firstSeenMs),
    lastSeen: isoOf(e.stats.lastSeenMs),
  }));

  const skipped: Record<string, number> = {};
  for (const [k, v] of x.skipped) skipped[k] = v;
  if (mitigations.truncated) x.warnings.push(`more than ${MAX_REPORT_AUDIT} mitigation decisions: the mitigations list is incomplete`);

  return {
    file: x.files[0],
    files: x.files,
    config: x.config,
    mode: x.decision.mode,
    modeReason: x.decision.reason,
    sampling: x.sampling,
    bytes: x.totalBytes,
    packets: x.packets,
    datagrams: x.raw ? 0 : totals.datagrams,
    samples: x.raw ? x.raw.stats.samples : totals.samples,
    decodeErrors,
    decodeErrorsByCode: byCode,
    skipped,
    notAllowed: totals.notAllowed,
    firstTs: x.firstTs === null ? null : isoOf(x.firstTs),
    lastTs: x.lastTs === null ? null : isoOf(x.lastTs),
    firstTsMs: x.firstTs,
    lastTsMs: x.lastTs,
    durationSeconds: x.firstTs === null || x.lastTs === null ? 0 : round((x.lastTs - x.firstTs) / 1000),
    ticks: x.ticks,
    outOfOrder: x.outOfOrder,
    attacks,
    attacksOmitted: x.attacks.omitted,
    attacksSuppressed: d.detector.stats.attacksSuppressed,
    mitigations: mitigations.list,
    refusals: mitigations.refusals,
    mitigationConfig: x.mitigationConfig,
    peakHosts: { byPps, byMbps },
    peakTotals: x.peakTotals,
    exporters,
    readError: x.readError,
    warnings: x.warnings,
    wallSeconds: 0,
  };
}

/** Mitigations decided during the replay, from the (in-memory) audit trail, oldest first. */
function collectMitigations(d: Daemon): { list: ReplayMitigation[]; refusals: ReplayRefusal[]; truncated: boolean } {
  const audit = d.mitigation.auditTrail({ limit: MAX_REPORT_AUDIT }).reverse();
  const byId = new Map<string, ReplayMitigation>();
  const refusals: ReplayRefusal[] = [];
  for (const e of audit) {
    if (e.action === 'refuse') {
      refusals.push({ at: isoOf(e.atMs), atMs: e.atMs, kind: e.kind, host: e.host, attackId: e.attackId, route: e.route, reason: e.reason });
      continue;
    }
    if (!e.mitigationId) continue;
    let m = byId.get(e.mitigationId);
    if (e.action === 'announce') {
      m = {
        id: e.mitigationId,
        kind: e.kind ?? 'blackhole',
        host: e.host ?? '',
        route: e.route ?? '',
        attackId: e.attackId,
        reason: e.reason,
        announcedAt: isoOf(e.atMs),
        announcedMs: e.atMs,
        withdrawnAt: null,
        withdrawnMs: null,
        withdrawReason: null,
        changes: [],
      };
      byId.set(e.mitigationId, m);
      continue;
    }
    if (!m) continue;
    if (e.action === 'withdraw') {
      m.withdrawnAt = isoOf(e.atMs);
      m.withdrawnMs = e.atMs;
      m.withdrawReason = e.reason;
    } else {
      if (e.action === 'update' && e.route) m.route = e.route;
      if (e.attackId && !m.attackId) m.attackId = e.attackId;
      m.changes.push({ at: isoOf(e.atMs), action: e.action, reason: e.reason });
    }
  }
  return { list: [...byId.values()], refusals, truncated: audit.length >= MAX_REPORT_AUDIT };
}
