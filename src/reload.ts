/**
 * Live config reload (SIGHUP, or the API's reload call): the new file is read and validated in
 * full, every new object is built, and only then are they swapped in, in one synchronous turn (no
 * sample and no tick in between). An invalid file, a bad line in a networks file or any failure
 * while building leaves everything as it was: reload is all-or-nothing.
 *
 * What changes live: monitored networks and allow-lists (files re-read even when their path did
 * not change), detection groups, thresholds and the other detection settings but history_size,
 * the whole mitigation section, and the log level. Host counters, averages, active attacks and
 * active mitigations are kept. Everything else (listeners, sockets, table sizes, the state file,
 * BGP speakers, notify, the API) is bound to resources made at start: a change there is reported
 * in `needsRestart` and not applied, and the effective config keeps the old value, so that what
 * GET /config shows is what runs.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, loadConfig, parseConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import type { Detector } from './detection/detector.js';
import type { MitigationManager } from './mitigation/manager.js';
import type { TrafficCounter } from './traffic/traffic-counter.js';
import { NetworkConfigError, NetworkSets, type ReadFile } from './traffic/networks.js';

/**
 * Config keys applied without a restart: a changed key equal to one of these or below it is
 * live; every other changed key needs a restart. `logging.level` is live only when the reload
 * is given the logger.
 */
export const LIVE_KEYS = [
  'logging.level',
  'traffic.networks',
  'traffic.networks_file',
  'traffic.allow_list',
  'detection.average_seconds',
  'detection.trigger_seconds',
  'detection.end_seconds',
  'detection.noise_sigmas',
  'detection.watch_fraction',
  'detection.max_active_attacks',
  'detection.thresholds',
  'detection.groups',
  'detection.fingerprint',
  'mitigation',
] as const;

/**
 * Keys under a live key that still need a restart. mitigation.dry_run decides whether the daemon
 * connects to its BGP speakers at all (in dry-run it does not, so that shadow mode beside another
 * system never withdraws that system's routes); switching it needs the speakers started or stopped.
 */
export const RESTART_ONLY_KEYS = ['mitigation.dry_run'] as const;

/** Changed keys listed at most, in each of `changed` and `needsRestart` (a summary line follows). */
export const MAX_LISTED_KEYS = 100;

/** The components a reload reconfigures. */
export interface ReloadParts {
  traffic: TrafficCounter;
  detector: Detector;
  mitigation: MitigationManager;
  /** pino's level is settable: when given, `logging.level` is applied live. */
  logger?: { level: string };
  /** Reads networks and allow-list files (tests); default the file system. */
  readFile?: ReadFile;
}

export interface ReloadResult {
  ok: boolean;
  /** Keys changed and applied (dotted paths; a file key when only the file's contents changed). */
  changed: string[];
  /** Keys changed in the file but not applied: they take effect at the next restart. */
  needsRestart: string[];
  /** Why the new config was rejected (only when ok is false); nothing was changed. */
  problems?: string[];
  /**
   * The effective config: the new file's live keys and the running values of the others. When
   * ok is false, the running config unchanged.
   */
  config: Config;
}

/**
 * What callers outside the daemon get (API response, CLI): the result without the effective
 * config, which holds secrets (API passwords and tokens) and is served redacted by GET /config.
 */
export type ReloadSummary = Omit<ReloadResult, 'config'>;

export function reloadSummary(r: ReloadResult): ReloadSummary {
  const { config: _config, ...summary } = r;
  return summary;
}

export interface ReloadPlan {
  changed: string[];
  needsRestart: string[];
  effective: Config;
  detection: boolean;
  mitigation: boolean;
  logging: boolean;
}

/** Dotted paths of the leaves that differ (arrays compared whole), in key order. */
export function changedKeys(a: unknown, b: unknown, path = ''): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, p: string) => {
    if (isPlainObject(x) && isPlainObject(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) walk(x[k], y[k], p === '' ? k : `${p}.${k}`);
    } else if (!isDeepStrictEqual(x, y)) {
      out.push(p === '' ? '(top level)' : p);
    }
  };
  walk(a, b, path);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLive(key: string, liveLogging: boolean): boolean {
  if (RESTART_ONLY_KEYS.some((k) => key === k || key.startsWith(`${k}.`))) return false;
  return LIVE_KEYS.some((k) => (key === k || key.startsWith(`${k}.`)) && (liveLogging || k !== 'logging.level'));
}

function getPath(o: unknown, key: string): unknown {
  let v = o;
  for (const part of key.split('.')) v = (v as Record<string, unknown>)[part];
  return v;
}

function setPath(o: unknown, key: string, value: unknown): void {
  const parts = key.split('.');
  let v = o as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) v = v[part] as Record<string, unknown>;
  v[parts[parts.length - 1]] = value;
}

function capList(keys: string[]): string[] {
  if (keys.length <= MAX_LISTED_KEYS) return keys;
  return [...keys.slice(0, MAX_LISTED_KEYS), `... and ${keys.length - MAX_LISTED_KEYS} more`];
}

/**
 * Compares two validated configs: which changed keys apply live, which need a restart, and the
 * effective config (the running one with the live keys taken from `next`). Pure: reads no file.
 */
export function planReload(current: Config, next: Config, opts: { liveLogging?: boolean } = {}): ReloadPlan {
  const liveLogging = opts.liveLogging ?? false;
  const keys = changedKeys(current, next);
  const changed = keys.filter((k) => isLive(k, liveLogging));
  const needsRestart = keys.filter((k) => !isLive(k, liveLogging));
  const effective = structuredClone(current);
  for (const k of LIVE_KEYS) {
    if (k === 'logging.level' && !liveLogging) continue;
    setPath(effective, k, structuredClone(getPath(next, k)));
  }
  for (const k of RESTART_ONLY_KEYS) setPath(effective, k, structuredClone(getPath(current, k)));
  const under = (prefix: string) => changed.some((k) => k === prefix || k.startsWith(`${prefix}.`));
  return {
    changed,
    needsRestart,
    effective,
    detection: under('detection'),
    mitigation: under('mitigation'),
    logging: under('logging'),
  };
}

function sameEntries(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}

function rejected(current: Config, problems: string[]): ReloadResult {
  return { ok: false, changed: [], needsRestart: [], problems, config: current };
}

/**
 * Applies `next` (already validated) over the running `current`: builds the network sets (reading
 * their files), the detector's new tables and the manager's settings, then swaps them all in.
 * Never throws for a bad config: the result says what was rejected and why.
 */
export function applyReload(parts: ReloadParts, current: Config, next: Config): ReloadResult {
  const plan = planReload(current, next, { liveLogging: parts.logger !== undefined });
  const changed = [...plan.changed];
  let nets: NetworkSets;
  try {
    nets = NetworkSets.fromConfig(plan.effective.traffic, parts.readFile);
  } catch (err) {
    if (err instanceof NetworkConfigError) return rejected(current, err.problems);
    return rejected(current, [`traffic: ${(err as Error).message}`]);
  }
  // The list files are re-read even when their paths did not change: editing networks_file and
  // sending SIGHUP is how FastNetMon users change their networks.
  const before = parts.traffic.networks.describe();
  const after = nets.describe();
  const t = plan.effective.traffic;
  const fileChange = (inline: string, file: string, path: string | null, a: string[], b: string[]) => {
    if (sameEntries(a, b)) return false;
    if (path !== null && !changed.some((k) => k === inline || k === file)) changed.push(file);
    return true;
  };
  const setsChanged = [
    fileChange('traffic.networks', 'traffic.networks_file', t.networks_file, before.networks, after.networks),
    fileChange('traffic.allow_list.hosts', 'traffic.allow_list.hosts_file', t.allow_list.hosts_file, before.allowHosts, after.allowHosts),
    fileChange('traffic.allow_list.remote', 'traffic.allow_list.remote_file', t.allow_list.remote_file, before.allowRemote, after.allowRemote),
  ].some(Boolean);
  // Also swapped when only the order changed, so per-network rates are listed in config order.
  const netsChanged = setsChanged || changed.some((k) => k.startsWith('traffic.'));

  // Build everything that can fail first; the commits below cannot.
  const commits: Array<() => void> = [];
  try {
    if (netsChanged) commits.push(parts.traffic.prepareNetworks(nets));
    if (plan.detection) commits.push(parts.detector.prepareReconfigure(plan.effective.detection));
    if (plan.mitigation || netsChanged) {
      const safety = netsChanged ? nets : parts.traffic.networks;
      const m = plan.effective.mitigation;
      commits.push(() => parts.mitigation.reconfigure(m, safety));
    }
    if (plan.logging && parts.logger) {
      const logger = parts.logger;
      const level = plan.effective.logging.level;
      commits.push(() => {
        logger.level = level;
      });
    }
  } catch (err) {
    return rejected(current, [`cannot apply the new config: ${(err as Error).message}`]);
  }
  for (const c of commits) c();
  return { ok: true, changed: capList(changed), needsRestart: capList(plan.needsRestart), config: plan.effective };
}

/** Reads, validates and applies a YAML config file (what SIGHUP does). */
export function reloadFromFile(parts: ReloadParts, current: Config, path: string): ReloadResult {
  let next: Config;
  try {
    next = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) return rejected(current, err.problems);
    throw err;
  }
  return applyReload(parts, current, next);
}

/** Validates and applies YAML text (an API upload, tests). */
export function reloadFromText(parts: ReloadParts, current: Config, text: string, source = '<reload>'): ReloadResult {
  let next: Config;
  try {
    next = parseConfig(text, source);
  } catch (err) {
    if (err instanceof ConfigError) return rejected(current, err.problems);
    throw err;
  }
  return applyReload(parts, current, next);
}

/** Log messages of a reload (info: applied; warn: needs a restart; error: rejected). */
export const RELOAD_LOG = {
  applied: 'config reloaded',
  restart: 'config reload: changed settings need a restart and were not applied',
  rejected: 'config reload rejected: the running config is kept',
} as const;

/** Logs a reload's outcome: the same lines whether it came from SIGHUP or the API. */
export function logReload(logger: Logger, r: ReloadResult, source: string): void {
  if (!r.ok) {
    logger.error({ source, problems: r.problems }, RELOAD_LOG.rejected);
    return;
  }
  logger.info({ source, changed: r.changed }, RELOAD_LOG.applied);
  if (r.needsRestart.length > 0) logger.warn({ source, needsRestart: r.needsRestart }, RELOAD_LOG.restart);
}
