/**
 * Human output of the CLI: aligned tables, rates, durations and ages. Kept apart from the
 * commands so every command prints numbers the same way (pps and Mbit/s in SI units, as the
 * config and the API use them). `--json` prints the API's JSON unchanged.
 */

// The API's views (src/api/views.ts) are the contract: importing their types keeps the CLI in
// step with them at no runtime cost.
import type { attackDetail, attackSummary, exporterView, hostSecondView, mitigationView } from '../api/views.js';
import type { ListenerStatus } from '../flow/listener.js';
import type { SpeakerStatus } from '../bgp/speaker-set.js';
import type { RateSet } from '../traffic/traffic-counter.js';

export type Cell = string | number | null | undefined;
export type Align = 'l' | 'r';

/** Plain-text table: a header row, then the rows; numbers right-aligned unless `align` says. */
export function table(headers: string[], rows: Cell[][], opts: { align?: Align[]; indent?: string } = {}): string {
  const indent = opts.indent ?? '  ';
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const align: Align[] = headers.map((_, i) => opts.align?.[i] ?? (rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined) && rows.some((r) => typeof r[i] === 'number') ? 'r' : 'l'));
  const width = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (align[i] === 'r' ? c.padStart(width[i]) : i === cells.length - 1 ? c : c.padEnd(width[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n');
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : c.toFixed(1);
  return c;
}

/** A section: its title, then the body, or `none` when there is nothing to show. */
export function section(title: string, body: string | null): string {
  return `${title}\n${body === null || body === '' ? '  none' : body}\n`;
}

/** Compact SI number: 950, 12.3k, 4.56M, 1.20G. */
export function si(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a < 1000) return Number.isInteger(n) ? String(n) : n.toFixed(a < 10 ? 2 : 1);
  for (const [div, unit] of [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (a >= div) {
      const v = n / div;
      return `${Math.abs(v) < 10 ? v.toFixed(2) : Math.abs(v) < 100 ? v.toFixed(1) : v.toFixed(0)}${unit}`;
    }
  }
  return String(n);
}

/** Bits per second as Mbit/s (10^6 bit/s) with a precision that suits the size. */
export function mbitFromBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined || !Number.isFinite(bps)) return '-';
  return mbit(bps / 1e6);
}

/** Mbit/s with a precision that suits the size. */
export function mbit(mbps: number | null | undefined): string {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps)) return '-';
  const a = Math.abs(mbps);
  if (a === 0) return '0';
  if (a < 1) return mbps.toFixed(3);
  if (a < 100) return mbps.toFixed(1);
  return Math.round(mbps).toString();
}

/** 45s, 12m05s, 3h07m, 2d04h. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/** How long ago an epoch-ms time was: `3s ago`, `never` for null/0. */
export function ago(ms: number | null | undefined, nowMs: number): string {
  if (!ms) return 'never';
  const d = (nowMs - ms) / 1000;
  if (d < 0) return `in ${duration(-d)}`;
  return `${duration(d)} ago`;
}

/** When a mitigation expires, from the API's secondsLeft: `never` or `in 9m59s`. */
export function expiry(secondsLeft: number | null | undefined): string {
  if (secondsLeft === null || secondsLeft === undefined) return 'never';
  return `in ${duration(secondsLeft)}`;
}

/** An ISO time without milliseconds, in UTC: 2026-11-22T12:00:05Z. */
export function time(isoText: string | null | undefined): string {
  if (!isoText) return '-';
  return isoText.replace(/\.\d{3}Z$/, 'Z');
}

/** Percentage of a 0..1 share: 97.3%. */
export function pct(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '-';
  return `${(share * 100).toFixed(share >= 0.995 || share === 0 ? 0 : 1)}%`;
}

/** `key=value` pairs of a counter map, largest first: `truncated=3 bad_version=1`; `-` when empty. */
export function counts(map: Record<string, number> | null | undefined): string {
  const e = Object.entries(map ?? {}).filter(([, v]) => v > 0);
  if (e.length === 0) return '-';
  return e
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** Bytes as MiB (socket buffers are powers of two). */
export function mib(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  return `${(bytes / 1048576).toFixed(bytes % 1048576 === 0 ? 0 : 1)} MiB`;
}

/** Pretty JSON for `--json`, newline-terminated. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// ------------------------------------------------------------------ API shapes (types only)

export type AttackJson = ReturnType<typeof attackSummary>;
export type AttackDetailJson = ReturnType<typeof attackDetail>;
export type MitigationJson = ReturnType<typeof mitigationView>;
export type ExporterJson = ReturnType<typeof exporterView>;
export type HostSecondJson = ReturnType<typeof hostSecondView>;
export type { ListenerStatus, SpeakerStatus, RateSet };

/** An ended attack as GET /api/v1/attacks lists it (from the persisted history). */
export interface AttackRecordJson {
  id: string;
  host: string;
  direction: string;
  type: string;
  group: string;
  status: string;
  startedAt: string | null;
  startedMs: number;
  endedAt: string | null;
  endedMs: number | null;
  peak: { pps: number; mbps: number };
}

// -------------------------------------------------------------------- shared human renderings

export function attacksTable(list: Array<AttackJson | AttackRecordJson>, nowMs: number): string | null {
  if (list.length === 0) return null;
  return table(
    ['ID', 'HOST', 'DIRECTION', 'TYPE', 'STATUS', 'STARTED', 'DURATION', 'PEAK PPS', 'PEAK MBIT/S'],
    list.map((a) => {
      // Active attacks carry the daemon's own count; history records are computed from their times.
      const secs = 'durationSeconds' in a ? a.durationSeconds : ((a.endedMs ?? nowMs) - a.startedMs) / 1000;
      return [a.id, a.host, a.direction, a.type, a.status, time(a.startedAt), duration(secs), si(a.peak.pps), mbit(a.peak.mbps)];
    }),
    { align: ['l', 'l', 'l', 'l', 'l', 'l', 'r', 'r', 'r'] },
  );
}

export function mitigationsTable(list: MitigationJson[]): string | null {
  if (list.length === 0) return null;
  return table(
    ['ID', 'KIND', 'HOST', 'SOURCE', 'EXPIRES', 'ROUTE', 'REASON'],
    list.map((m) => [m.id, m.kind + (m.dryRun ? ' (dry-run)' : ''), m.host ?? '-', m.source === 'manual' && m.user ? `manual:${m.user}` : m.source, expiry(m.secondsLeft), m.routeText, m.reason || '-']),
    { align: ['l', 'l', 'l', 'l', 'l', 'l', 'l'] },
  );
}

export function listenersTable(list: ListenerStatus[]): string | null {
  if (list.length === 0) return null;
  return table(
    ['PROTOCOL', 'ADDRESS', 'PORT', 'DATAGRAMS', 'KERNEL DROPS', 'RCVBUF'],
    list.map((l) => [l.protocol, l.address, l.port, l.datagrams, l.kernelDrops === null ? 'unknown' : l.kernelDrops, mib(l.actualReceiveBuffer)]),
    { align: ['l', 'l', 'r', 'r', 'r', 'r'] },
  );
}

export function speakersTable(list: SpeakerStatus[], nowMs: number): string | null {
  if (list.length === 0) return null;
  return table(
    ['NAME', 'CONTROL', 'SESSION', 'PEERS', 'ROUTES', 'IN SYNC', 'LAST SYNC', 'LAST ERROR'],
    list.map((s) => [
      s.name,
      s.health.up ? 'up' : 'DOWN',
      s.health.sessionState,
      s.health.peers.length === 0 ? '-' : s.health.peers.map((p) => `${p.address}:${p.state}`).join(' '),
      s.reconcile.desired,
      s.reconcile.inSync ? 'yes' : 'NO',
      ago(s.reconcile.lastSuccessMs, nowMs),
      s.health.lastError ?? '-',
    ]),
    { align: ['l', 'l', 'l', 'l', 'r', 'l', 'l', 'l'] },
  );
}

export function exportersTable(list: ExporterJson[], nowMs: number): string | null {
  if (list.length === 0) return null;
  return table(
    ['ADDRESS', 'PROTOCOLS', 'DATAGRAMS', 'SAMPLES', 'ERRORS', 'SEQ LOST', 'TEMPLATES', 'SAMPLING', 'LAST SEEN'],
    list.map((e) => [e.address, Object.keys(e.byProtocol).join(',') || '-', e.datagrams, e.samples, e.errorTotal === 0 ? '0' : counts(e.errors), e.sequence.lost, e.templates, samplingText(e.sampling, Object.keys(e.byProtocol)), ago(e.lastSeenMs, nowMs)]),
    { align: ['l', 'l', 'r', 'r', 'l', 'r', 'r', 'l', 'l'] },
  );
}

/**
 * `1:1000 (override)`, `1:2048 (learned)`, `in datagrams` (sFlow and NetFlow v5 carry their rate
 * in every datagram), or the configured default that NetFlow v9/IPFIX records fall back to.
 */
export function samplingText(s: ExporterJson['sampling'], protocols: string[] = []): string {
  if (s.override !== null) return `1:${s.override} (override)`;
  const learned = Object.entries(s.learned);
  if (learned.length > 0) return learned.map(([k, v]) => (k === 'any' ? `1:${v}` : `${k}→1:${v}`)).join(' ') + ' (learned)';
  if (protocols.length > 0 && protocols.every((p) => p === 'sflow' || p === 'netflow_v5')) return 'in datagrams';
  return `1:${s.default} (default)`;
}

/** `52.3k pps 418 Mbit/s` from a RateValue (bps). */
export function rate(r: { pps: number; bps: number } | undefined): string {
  if (!r) return '-';
  return `${si(r.pps)} pps ${mbitFromBps(r.bps)} Mbit/s`;
}
