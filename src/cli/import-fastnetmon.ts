/**
 * Converts a FastNetMon Community `fastnetmon.conf` into a Breakwater config (the engine of
 * `breakwater import-fastnetmon`). Pure apart from reading the list files the config names (through
 * an injectable `readFile`), so it is tested without touching /etc.
 *
 * The import is faithful to what FastNetMon actually did with the file, not to what the file seems
 * to say: a key that is absent takes FastNetMon's built-in default (often "off" or 0, not the value
 * of the shipped config), a boolean is true only when it is exactly `on`, a hostgroup starts from
 * all-off, and "Mbit/s" are converted to Breakwater's SI unit. Everything that has no equivalent is
 * listed with the reason, and every behaviour that differs is a warning, so that the operator reviews
 * a short list instead of diffing two daemons. Facts: /work/shared/reference/fastnetmon.md §3-§5.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Document, isMap, isPair, isScalar, isSeq, Scalar, visit } from 'yaml';
import { ConfigError, parseConfig } from '../config/load.js';
import { DEFAULT_LISTENERS } from '../config/collectors.js';
import { formatPrefix, parseAddress, parsePrefix, type Prefix } from '../net/ip.js';
import { parseNetworkList } from '../traffic/networks.js';
import { parseCommunity } from '../bgp/route.js';
import { MAX_BAN_TIME_SECONDS } from '../mitigation/config.js';
import { METRIC_NAMES, type MetricName } from '../traffic/layout.js';

/** How the FastNetMon build turned bits/s into its "Mbit/s": 2^20 bit/s (1.1.x `convert_speed_to_mbps`) or 10^6. */
export type FastnetmonMbps = 'binary' | 'si';

export interface ImportOptions {
  /** Path of the fastnetmon.conf (for messages, and to resolve relative list paths). */
  confPath: string;
  /** Reads the list files and the notify script the config names; default: the file system. */
  readFile?: (path: string) => string;
  /** Default 'binary': FastNetMon's mbps thresholds are multiplied by 1.048576. */
  fastnetmonMbps?: FastnetmonMbps;
}

export interface CarriedKey {
  key: string;
  to: string;
}

export interface SkippedKey {
  key: string;
  value: string;
  reason: string;
}

export interface ImportResult {
  /** The Breakwater config (only the keys the import sets; the rest are Breakwater's defaults). */
  config: Record<string, unknown>;
  /** The same config as commented YAML, ready to review and use. */
  yaml: string;
  carried: CarriedKey[];
  skipped: SkippedKey[];
  warnings: string[];
}

/** Input that cannot be converted: every problem, each naming the line or file. */
export class FastnetmonImportError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`cannot import ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FastnetmonImportError';
  }
}

/** Lines read from a fastnetmon.conf at most (the shipped file has ~300). */
export const MAX_CONF_LINES = 100_000;
/** 2^20 / 10^6: one FastNetMon 1.1.x "Mbit/s" in SI Mbit/s. */
export const BINARY_MBPS_FACTOR = 1.048576;

export interface ConfLine {
  key: string;
  value: string;
  /** 1-based line number. */
  line: number;
}

/**
 * Parses FastNetMon's format the way FastNetMon does (`load_configuration_file()`): each line is
 * trimmed; empty lines and lines starting with '#' are skipped; the rest is split on '='
 * (consecutive '=' count as one) and must give exactly a key and a value, both trimmed. Other lines
 * are ignored by FastNetMon with "Can't parse config line": here they are warnings.
 */
export function parseFastnetmonConf(text: string, source: string): { lines: ConfLine[]; warnings: string[]; problems: string[] } {
  const lines: ConfLine[] = [];
  const warnings: string[] = [];
  const raw = text.split(/\r?\n/);
  if (raw.length > MAX_CONF_LINES) {
    return { lines, warnings, problems: [`${source}: ${raw.length} lines, more than the limit of ${MAX_CONF_LINES} (is this a fastnetmon.conf?)`] };
  }
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/=+/).map((p) => p.trim());
    if (parts.length !== 2 || parts[0] === '') {
      warnings.push(`line ${i + 1}: cannot parse '${clip(line)}': expected 'key = value' with one '=' (FastNetMon ignores this line too)`);
      continue;
    }
    lines.push({ key: parts[0], value: parts[1], line: i + 1 });
  }
  return { lines, warnings, problems: [] };
}

function clip(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** One FastNetMon ban switch and its threshold, and the Breakwater metric they become. */
interface ThresholdRow {
  toggle: string;
  threshold: string;
  metric: MetricName;
  bandwidth: boolean;
}

const row = (toggle: string, threshold: string, metric: MetricName, bandwidth = false): ThresholdRow => ({ toggle, threshold, metric, bandwidth });

/** Community keys (`read_ban_settings()`), plus the tcp_syn pair of FastNetMon Advanced's set. */
const THRESHOLD_ROWS: ThresholdRow[] = [
  row('ban_for_pps', 'threshold_pps', 'pps'),
  row('ban_for_bandwidth', 'threshold_mbps', 'mbps', true),
  row('ban_for_flows', 'threshold_flows', 'flows'),
  row('ban_for_tcp_pps', 'threshold_tcp_pps', 'tcp_pps'),
  row('ban_for_tcp_bandwidth', 'threshold_tcp_mbps', 'tcp_mbps', true),
  row('ban_for_udp_pps', 'threshold_udp_pps', 'udp_pps'),
  row('ban_for_udp_bandwidth', 'threshold_udp_mbps', 'udp_mbps', true),
  row('ban_for_icmp_pps', 'threshold_icmp_pps', 'icmp_pps'),
  row('ban_for_icmp_bandwidth', 'threshold_icmp_mbps', 'icmp_mbps', true),
  row('ban_for_tcp_syn_pps', 'threshold_tcp_syn_pps', 'syn_pps'),
  row('ban_for_tcp_syn_bandwidth', 'threshold_tcp_syn_mbps', 'syn_mbps', true),
];

/** The `<group>_<key>` settings a hostgroup reads. */
const GROUP_KEYS = new Set(['enable_ban', ...THRESHOLD_ROWS.flatMap((r) => [r.toggle, r.threshold])]);

/** Largest threshold accepted (FastNetMon reads them into 32-bit unsigned ints). */
const MAX_THRESHOLD = 4_294_967_295;

const MIRROR = 'mirror (port-mirror) capture is not supported: Breakwater reads sFlow, NetFlow and IPFIX only; export flows from the routers or switches instead';
const METRICS_EXPORT = (what: string) =>
  `${what} export is not supported: scrape Breakwater's Prometheus metrics (/metrics on the API listener) instead`;
const ATTACK_EXPORT = (what: string) =>
  `${what} export of attack details is not supported: send them to a webhook (notify.webhooks) or read the attack history from the API`;
const SYSLOG = 'Breakwater logs JSON lines to stdout (the journal under systemd); forward them with journald or rsyslog';
const SCREEN = 'fastnetmon_client screen setting: Breakwater shows its top hosts through the API and the dashboard';
const WHOLE_SUBNET =
  "announcing a host's whole network is not supported; the nearest is mitigation.escalation (the covering prefix, when a blackholed host is still above emergency thresholds)";
const SUBNET_ONLY = 'only used for whole-subnet announcements, which are not supported (see mitigation.escalation.communities and next_hop)';
const GOBGP_FLOWSPEC =
  "FastNetMon's GoBGP FlowSpec redirect mode is not carried over: Breakwater builds FlowSpec rules from the attack fingerprint (mitigation.actions: [flowspec], docs/mitigation.md); its redirect goes to a route target, not to an IP";

interface SkipRule {
  match: string | RegExp;
  reason: string;
  /** A feature switch: a warning says so when it was on (something stops happening). */
  feature?: boolean;
}

const SKIP_RULES: SkipRule[] = [
  ...['mirror', 'mirror_netmap', 'mirror_snabbswitch', 'mirror_afpacket', 'mirror_afxdp', 'pcap', 'enable_pf_ring_zc_mode'].map((k) => ({ match: k, reason: MIRROR, feature: true })),
  { match: /^(interfaces|netmap_.+|pfring_sampling_ratio|mirror_af_packet_.+|af_packet_.+|poll_mode_xdp|xdp_.+|zero_copy_xdp|force_native_mode_xdp|microcode_xdp_path|interfaces_xdp)$/, reason: MIRROR },
  { match: 'pfring_hardware_filters_enabled', reason: 'PF_RING hardware filters are not supported: Breakwater mitigates through BGP', feature: true },
  { match: 'redis_enabled', reason: ATTACK_EXPORT('Redis'), feature: true },
  { match: /^redis_.+$/, reason: ATTACK_EXPORT('Redis') },
  { match: 'mongodb_enabled', reason: ATTACK_EXPORT('MongoDB'), feature: true },
  { match: /^mongodb?_.+$/, reason: ATTACK_EXPORT('MongoDB') },
  { match: 'influxdb', reason: METRICS_EXPORT('InfluxDB'), feature: true },
  { match: /^influxdb_.+$/, reason: METRICS_EXPORT('InfluxDB') },
  { match: 'graphite', reason: METRICS_EXPORT('Graphite'), feature: true },
  { match: /^graphite_.+$/, reason: METRICS_EXPORT('Graphite') },
  { match: 'clickhouse_metrics', reason: METRICS_EXPORT('ClickHouse'), feature: true },
  { match: /^clickhouse_metrics_.+$/, reason: METRICS_EXPORT('ClickHouse') },
  { match: 'kafka_traffic_export', reason: 'Kafka export of traffic is not supported', feature: true },
  { match: /^kafka_traffic_export_.+$/, reason: 'Kafka export of traffic is not supported' },
  {
    match: /^prometheus(_host|_port)?$/,
    reason: 'Breakwater serves Prometheus metrics at /metrics on the API listener (api.address:api.port, default 127.0.0.1:10007), not on a port of their own; metric names differ (breakwater_*)',
  },
  {
    match: 'enable_api',
    reason: "FastNetMon's gRPC API (127.0.0.1:50052, fastnetmon_api_client) is not provided: use Breakwater's REST API or CLI (api.port, default 10007), which also answers FastNetMon Advanced's endpoints",
  },
  { match: 'sflow_read_packet_length_from_ip_header', reason: 'not supported: Breakwater counts the frame length the sFlow agent reports', feature: true },
  { match: /^(sflow|netflow)_lua_hooks_path$/, reason: 'Lua hooks are not supported' },
  {
    match: 'netflow_divide_counters_on_interval_length',
    reason: 'removed from FastNetMon in 2022; Breakwater spreads each NetFlow/IPFIX record over its duration by default (traffic.spreading)',
  },
  { match: 'speed_calculation_delay', reason: 'Breakwater computes rates every second, always' },
  {
    match: 'ban_details_records_count',
    reason: 'Breakwater does not wait for sample packets before acting: it decides when a threshold is crossed and builds the fingerprint from samples kept beforehand (traffic.capture)',
  },
  { match: 'enable_connection_tracking', reason: 'Breakwater always counts flows (distinct remote endpoints per second), for IPv4 and IPv6' },
  { match: 'enable_subnet_counters', reason: 'Breakwater always keeps per-network counters' },
  { match: 'average_calculation_time_for_subnets', reason: 'per-network counters are not used for detection' },
  { match: /^(check_period|sort_parameter|max_ips_in_list|cli_stats_file_path|cli_stats_ipv6_file_path|print_configuration_params_on_the_screen)$/, reason: SCREEN },
  { match: 'pid_path', reason: 'no PID file: run Breakwater under systemd (contrib/systemd/breakwater.service)' },
  { match: /^logging_(local_syslog_logging|remote_syslog_logging|remote_syslog_server|remote_syslog_port)$/, reason: SYSLOG },
  { match: /^logging:.+$/, reason: `old FastNetMon spelling of a logging key; ${SYSLOG}` },
  { match: 'disable_usage_report', reason: 'Breakwater sends no usage reports or attack data anywhere' },
  {
    match: /^monitor_(local_ip_addresses|openvz_vps_ip_addresses)$/,
    reason: "Breakwater monitors only the configured networks: add the server's own addresses to networks_list if they should be monitored",
    feature: true,
  },
  {
    match: /^(collect_attack_pcap_dumps|process_pcap_attack_dumps_with_dpi)$/,
    reason: 'attack PCAP dumps are not written (FastNetMon does not write them either): the attack fingerprint is in the API and in the notify report',
    feature: true,
  },
  { match: /^dump_(all|other)_traffic$/, reason: 'per-packet debug logging is not supported', feature: true },
  { match: 'exabgp_flow_spec_announces', reason: 'removed from FastNetMon in 2022: Breakwater builds FlowSpec rules itself (mitigation.actions: [flowspec], docs/mitigation.md)', feature: true },
  { match: /^(exabgp|gobgp)_announce_whole_subnet(_ipv6)?$/, reason: WHOLE_SUBNET, feature: true },
  { match: /^(exabgp_community_subnet|gobgp_community_subnet(_ipv6)?|gobgp_next_hop_subnet_ipv(4|6))$/, reason: SUBNET_ONLY },
  { match: 'gobgp_next_hop_host_ipv4', reason: 'FastNetMon never reads this key (it uses gobgp_next_hop); the import does the same' },
  { match: 'gobgp_flowspec', reason: GOBGP_FLOWSPEC, feature: true },
  { match: /^gobgp_flowspec_.+$/, reason: GOBGP_FLOWSPEC },
];

const UNKNOWN = 'unknown key: FastNetMon ignores it too (a typo, or an option of another FastNetMon version?)';

function skipRuleFor(key: string): SkipRule | null {
  for (const r of SKIP_RULES) if (typeof r.match === 'string' ? r.match === key : r.match.test(key)) return r;
  return null;
}

/** Breakwater group names: letters, digits, _ . - (src/detection/config.ts). */
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

interface ListFile {
  path: string | null;
  prefixes: Prefix[] | null;
}

interface Note {
  path: (string | number)[];
  text: string;
}

type Thresholds = Record<MetricName, number | false>;

interface Group {
  rawName: string;
  name: string;
  line: number;
  prefixes: string[];
}

class Importer {
  private readonly byKey = new Map<string, ConfLine>();
  private readonly used = new Set<string>();
  readonly carried: CarriedKey[] = [];
  readonly skipped: SkippedKey[] = [];
  readonly warnings: string[] = [];
  readonly problems: string[] = [];
  readonly notes: Note[] = [];
  /** Keys that were absent and whose FastNetMon built-in default matters (one warning lists them). */
  private readonly absent: string[] = [];
  private readonly readFile: (path: string) => string;
  private readonly mbps: FastnetmonMbps;
  private convertedMbps = 0;
  /** Comment on the collectors section (where the listeners came from). */
  collectorNote = '';

  constructor(
    private readonly lines: ConfLine[],
    private readonly opts: ImportOptions,
  ) {
    this.readFile = opts.readFile ?? ((p) => readFileSync(p, 'utf8'));
    this.mbps = opts.fastnetmonMbps ?? 'binary';
    const seen = new Map<string, number>();
    for (const l of lines) {
      const before = seen.get(l.key);
      if (before !== undefined && l.key !== 'hostgroup') {
        this.warnings.push(`line ${l.line}: ${l.key} is set again (first on line ${before}): FastNetMon uses the last value, and so does the import`);
      }
      seen.set(l.key, l.line);
      this.byKey.set(l.key, l);
    }
  }

  private take(key: string): ConfLine | undefined {
    this.used.add(key);
    return this.byKey.get(key);
  }

  private peek(key: string): ConfLine | undefined {
    return this.byKey.get(key);
  }

  private carry(key: string, to: string): void {
    if (this.byKey.has(key) && !this.carried.some((c) => c.key === key)) this.carried.push({ key, to });
  }

  private skip(key: string, reason: string): void {
    const l = this.byKey.get(key);
    this.used.add(key);
    if (l && !this.skipped.some((s) => s.key === key)) this.skipped.push({ key, value: l.value, reason });
  }

  /** FastNetMon: true only for exactly "on" (anything else, "yes" included, is off). */
  private flag(key: string, builtin: boolean, important = false): boolean {
    const l = this.take(key);
    if (!l) {
      if (important) this.absent.push(`${key} (${builtin ? 'on' : 'off'})`);
      return builtin;
    }
    if (l.value === 'on') return true;
    if (/^(on|yes|true|enabled?|1)$/i.test(l.value)) {
      this.warnings.push(`line ${l.line}: ${key} = ${l.value}: FastNetMon takes only 'on' (lower case) as true, so this was off and is imported as off`);
    }
    return false;
  }

  /** A whole number as FastNetMon's atoi reads it, but refusing what atoi would silently misread. */
  private int(key: string, builtin: number, min: number, max: number, important = false): number {
    const l = this.take(key);
    if (!l) {
      if (important) this.absent.push(`${key} (${builtin})`);
      return builtin;
    }
    const m = /^(\d+)(\s+#.*)?$/.exec(l.value);
    if (!m) {
      const atoi = Number.parseInt(l.value, 10);
      this.problems.push(`line ${l.line}: ${key} = '${clip(l.value)}' is not a whole number (FastNetMon's atoi reads it as ${Number.isFinite(atoi) ? atoi : 0}); fix the value`);
      return builtin;
    }
    if (m[2]) this.warnings.push(`line ${l.line}: ${key}: FastNetMon does not strip a trailing comment; it reads the number ${m[1]}, and so does the import`);
    const n = Number(m[1]);
    if (n < min || n > max) {
      this.problems.push(`line ${l.line}: ${key} = ${n} is out of range (${min} to ${max})`);
      return builtin;
    }
    return n;
  }

  private fastnetmonMbpsToSi(v: number): number {
    if (this.mbps === 'si') return v;
    this.convertedMbps++;
    return Math.round(v * BINARY_MBPS_FACTOR * 1000) / 1000;
  }

  /** One set of thresholds (global, or a hostgroup's with `prefix` = "<group>_"), as FastNetMon reads it. */
  private thresholds(prefix: string, to: string, notePath: (string | number)[], connTracking: boolean): Thresholds {
    // Every metric written out, in Breakwater's order: FastNetMon's unset switches are off, not inherited.
    const out = Object.fromEntries(METRIC_NAMES.map((m) => [m, false])) as Thresholds;
    const important = prefix === '';
    for (const r of THRESHOLD_ROWS) {
      const toggleKey = prefix + r.toggle;
      const thresholdKey = prefix + r.threshold;
      const toggleLine = this.peek(toggleKey);
      const on = this.flag(toggleKey, false, important && (r.metric === 'pps' || r.metric === 'mbps'));
      const value = this.int(thresholdKey, 0, 0, MAX_THRESHOLD);
      const dest = `${to}.${r.metric}`;
      if (!on) {
        this.carry(toggleKey, `${dest}: false`);
        this.carry(thresholdKey, `${dest} (not used: ${toggleKey} is off)`);
        continue;
      }
      if (value === 0) {
        this.warnings.push(
          `${toggleLine ? `line ${toggleLine.line}: ` : ''}${toggleKey} is on but ${thresholdKey} is 0 or missing: FastNetMon would ban every host with any traffic; imported as off — set a threshold`,
        );
        this.carry(toggleKey, `${dest}: false (no threshold)`);
        continue;
      }
      if (r.metric === 'flows' && !connTracking) {
        this.warnings.push(`${toggleKey} is on but enable_connection_tracking is off: FastNetMon never counted flows, so this never fired; imported as off`);
        this.carry(toggleKey, `${dest}: false (connection tracking was off)`);
        continue;
      }
      const v = r.bandwidth ? this.fastnetmonMbpsToSi(value) : value;
      out[r.metric] = v;
      this.carry(toggleKey, dest);
      this.carry(thresholdKey, dest);
      if (r.bandwidth && v !== value) {
        this.notes.push({ path: [...notePath, 'incoming', r.metric], text: ` ${thresholdKey} = ${value} FastNetMon Mbit/s (2^20 bit/s) = ${v} SI Mbit/s (both directions)` });
      }
      if (r.metric === 'syn_pps' || r.metric === 'syn_mbps') {
        this.warnings.push(`${toggleKey}: FastNetMon counts every TCP packet with SYN set (SYN+ACK replies too); Breakwater's ${r.metric} counts SYN without ACK`);
      }
    }
    return out;
  }

  /** A networks_list / white_list file: referenced by path, checked here. */
  private listFile(key: string, builtin: string, what: string): ListFile {
    const l = this.take(key);
    let path = l ? l.value : builtin;
    if (path === '') {
      this.warnings.push(`line ${l!.line}: ${key} is empty: not carried over`);
      return { path: null, prefixes: null };
    }
    if (!isAbsolute(path)) {
      const abs = resolve(dirname(this.opts.confPath), path);
      this.warnings.push(`${key} = ${path} is relative (to FastNetMon's working directory): imported as ${abs}; check it`);
      path = abs;
    }
    let text: string;
    try {
      text = this.readFile(path);
    } catch (err) {
      const why = (err as Error).message;
      if (!l) {
        this.warnings.push(`${key} is not set and FastNetMon's default ${path} cannot be read here (${why}): no ${what} imported`);
        return { path: null, prefixes: null };
      }
      this.warnings.push(`${key}: cannot read ${path} (${why}): referenced anyway; Breakwater refuses to start until its user can read it`);
      return { path, prefixes: null };
    }
    if (!l) this.warnings.push(`${key} is not set: FastNetMon reads its default ${path}, and so does the import`);
    const r = parseNetworkList(text, path);
    // Breakwater refuses to start on any bad line of a list file, so a bad line is an import error.
    for (const e of r.errors) this.problems.push(`${key}: ${e}`);
    return { path, prefixes: r.prefixes };
  }

  private hostgroups(networks: Set<string> | null): Group[] {
    const groups = new Map<string, Group>();
    const owner = new Map<string, string>();
    const names = new Set<string>();
    this.used.add('hostgroup');
    for (const l of this.lines) {
      if (l.key !== 'hostgroup') continue;
      const colon = l.value.indexOf(':');
      const rawName = colon > 0 ? l.value.slice(0, colon).trim() : '';
      const list = colon > 0 ? l.value.slice(colon + 1).split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
      if (rawName === '' || list.length === 0) {
        this.problems.push(`line ${l.line}: hostgroup = '${clip(l.value)}': expected hostgroup = <name>:<cidr>,<cidr>`);
        continue;
      }
      let g = groups.get(rawName);
      if (g) {
        this.warnings.push(`line ${l.line}: hostgroup ${rawName} is defined again (line ${g.line}): its prefixes are merged`);
      } else {
        g = { rawName, name: this.groupName(rawName, names, l.line), line: l.line, prefixes: [] };
        names.add(g.name);
        groups.set(rawName, g);
      }
      for (const text of list) {
        const p = parsePrefix(text);
        if ('error' in p) {
          this.problems.push(`line ${l.line}: hostgroup ${rawName}: ${p.error}`);
          continue;
        }
        const key = formatPrefix(p);
        const other = owner.get(key);
        if (other !== undefined) {
          this.warnings.push(`line ${l.line}: ${key} is already in hostgroup ${other}; FastNetMon allows one group per prefix: dropped from ${rawName}`);
          continue;
        }
        owner.set(key, rawName);
        g.prefixes.push(key);
        if (p.version === 6) {
          this.warnings.push(`line ${l.line}: hostgroup ${rawName} has IPv6 prefix ${key}: FastNetMon Community applies hostgroups to IPv4 only; Breakwater applies the group to it`);
        } else if (networks && !networks.has(key)) {
          this.warnings.push(
            `line ${l.line}: hostgroup ${rawName}: ${key} is not a line of networks_list, so FastNetMon never applied the group to it (it looks groups up by exact prefix); Breakwater applies it (most specific prefix wins)`,
          );
        }
      }
    }
    return [...groups.values()];
  }

  private groupName(raw: string, taken: Set<string>, line: number): string {
    let name = raw.replace(/[^A-Za-z0-9_.-]/g, '_');
    if (!/^[A-Za-z0-9]/.test(name)) name = `g${name}`;
    name = name.slice(0, 64);
    if (name === 'global') name = 'global_hostgroup';
    let unique = name;
    for (let i = 2; taken.has(unique); i++) unique = `${name.slice(0, 60)}_${i}`;
    if (unique !== raw) this.warnings.push(`line ${line}: hostgroup ${raw} is named ${unique} in Breakwater (group names: 1-64 letters, digits, _ . -; 'global' is reserved)`);
    if (!GROUP_NAME.test(unique)) this.problems.push(`line ${line}: cannot make a Breakwater group name of hostgroup '${raw}'`);
    return unique;
  }

  private communities(key: string, builtin: string | null): string[] | null {
    const l = this.take(key);
    const text = l ? l.value : builtin;
    if (text === null) return null;
    // exabgp_community takes one community or a bracketed, space-separated list ([65001:666 65001:777]).
    const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    const list = inner.split(/\s+/).filter((s) => s !== '');
    const where = l ? `line ${l.line}: ` : '';
    if (list.length === 0) {
      this.problems.push(`${where}${key} is empty`);
      return null;
    }
    for (const c of list) {
      if (parseCommunity(c) === null) this.problems.push(`${where}${key}: '${c}' is not a BGP community (ASN:VALUE, each part up to 65535, or no-export, no-advertise, no-peer, blackhole)`);
    }
    return list.map((c) => c.toLowerCase());
  }

  private address(key: string, builtin: string | null, version: 4 | 6 | null): string | null {
    const l = this.take(key);
    const text = l ? l.value : builtin;
    if (text === null) return null;
    const a = parseAddress(text);
    if (!a || (version !== null && a.version !== version)) {
      this.problems.push(`${l ? `line ${l.line}: ` : ''}${key} = '${clip(text)}' is not an IPv${version ?? '4 or IPv6'} address`);
      return null;
    }
    return text;
  }

  private ports(key: string, builtin: number, protocol: string): number[] {
    const l = this.take(key);
    if (!l) {
      this.warnings.push(`${protocol} is on but ${key} is not set: FastNetMon has no default port and would not listen; imported with the standard port ${builtin}`);
      return [builtin];
    }
    const out: number[] = [];
    for (const part of l.value.split(',').map((s) => s.trim())) {
      if (!/^\d{1,5}$/.test(part) || Number(part) < 1 || Number(part) > 65535) {
        this.problems.push(`line ${l.line}: ${key}: '${clip(part)}' is not a UDP port (1 to 65535; several are separated by commas)`);
      } else if (!out.includes(Number(part))) {
        out.push(Number(part));
      }
    }
    return out;
  }

  /** Marks every remaining key starting with `prefix` as skipped for `reason`. */
  private skipPrefixed(prefix: string, reason: string): void {
    for (const l of this.lines) if (l.key.startsWith(prefix) && !this.used.has(l.key)) this.skip(l.key, reason);
  }

  run(): Record<string, unknown> {
    const config: Record<string, unknown> = {};

    // logging
    const level = this.take('logging_level');
    if (level) {
      if (level.value === 'info' || level.value === 'debug') {
        config.logging = { level: level.value };
        this.carry('logging_level', 'logging.level');
      } else {
        this.skip('logging_level', "FastNetMon knows 'info' and 'debug' only; Breakwater's default (info) applies");
      }
    }

    // collectors
    const listeners: Array<{ protocol: string; address: string; port: number }> = [];
    for (const [protocol, port] of [
      ['sflow', 6343],
      ['netflow', 2055],
    ] as const) {
      if (!this.flag(protocol, false)) {
        this.skipPrefixed(`${protocol}_port`, `${protocol} is off`);
        this.skipPrefixed(`${protocol}_host`, `${protocol} is off`);
        continue;
      }
      const host = this.address(`${protocol}_host`, '0.0.0.0', null) ?? '0.0.0.0';
      for (const p of this.ports(`${protocol}_port`, port, protocol)) listeners.push({ protocol, address: host, port: p });
      this.carry(protocol, 'collectors.listeners');
      this.carry(`${protocol}_port`, 'collectors.listeners[].port');
      this.carry(`${protocol}_host`, 'collectors.listeners[].address');
    }
    if (listeners.length === 0) {
      this.warnings.push('sflow and netflow are both off (mirror capture?): Breakwater only takes flow telemetry; the import sets its default listeners (sFlow 6343, NetFlow 2055, IPFIX 4739)');
      listeners.push(...DEFAULT_LISTENERS.map((l) => ({ ...l })));
      this.collectorNote = " Breakwater's default listeners: FastNetMon had no flow collector on.";
    } else {
      this.collectorNote = ' sflow / netflow (a netflow listener takes NetFlow v5, v9 and IPFIX, as in FastNetMon) and netflow_sampling_ratio.';
    }
    const sampling = this.int('netflow_sampling_ratio', 1, 1, 1 << 30);
    this.carry('netflow_sampling_ratio', 'collectors.sampling.default');
    config.collectors = { listeners, sampling: { default: sampling } };

    // traffic
    const networks = this.listFile('networks_list_path', '/etc/networks_list', 'monitored networks');
    const allow = this.listFile('white_list_path', '/etc/networks_whitelist', 'allow-list');
    const traffic: Record<string, unknown> = {};
    if (networks.path) {
      traffic.networks_file = networks.path;
      this.carry('networks_list_path', 'traffic.networks_file');
      if (networks.prefixes && networks.prefixes.length === 0) this.warnings.push(`networks_list (${networks.path}) lists no prefix: nothing would be monitored`);
    } else {
      this.warnings.push('no monitored networks imported: Breakwater detects nothing until traffic.networks or traffic.networks_file is set');
    }
    if (allow.path) {
      traffic.allow_list = { hosts_file: allow.path };
      this.carry('white_list_path', 'traffic.allow_list.hosts_file');
    }
    if (Object.keys(traffic).length > 0) config.traffic = traffic;

    // detection
    // Read, not consumed: it has no Breakwater key (listed as skipped) but decides whether flows ever fired.
    const tracking = this.peek('enable_connection_tracking');
    const connTracking = tracking ? tracking.value === 'on' : true;
    const average = this.int('average_calculation_time', 15, 0, 3600, true);
    this.carry('average_calculation_time', 'detection.average_seconds');
    const incomingOn = this.flag('process_incoming_traffic', true);
    const outgoingOn = this.flag('process_outgoing_traffic', true);
    this.carry('process_incoming_traffic', 'detection.thresholds.incoming.enabled');
    this.carry('process_outgoing_traffic', 'detection.thresholds.outgoing.enabled');
    if (!incomingOn || !outgoingOn) {
      this.warnings.push('process_incoming/outgoing_traffic = off: FastNetMon dropped that direction before counting; Breakwater still counts it (totals, API) but detects nothing in it');
    }
    const global = this.thresholds('', 'detection.thresholds.{incoming,outgoing}', ['detection', 'thresholds'], connTracking);
    const detection: Record<string, unknown> = {
      average_seconds: average,
      thresholds: { incoming: { enabled: incomingOn, ...global }, outgoing: { enabled: outgoingOn, ...global } },
    };

    const networkSet = networks.prefixes ? new Set(networks.prefixes.map(formatPrefix)) : null;
    const groups = this.hostgroups(networkSet);
    this.carry('hostgroup', 'detection.groups, mitigation.groups');
    const detectionGroups: Record<string, unknown> = {};
    const mitigationGroups: Record<string, unknown> = {};
    const enableBan = this.flag('enable_ban', false, true);
    const enableBanV6 = this.flag('enable_ban_ipv6', false, true);
    this.carry('enable_ban', 'mitigation.actions');
    const actions = (on: boolean) => ({ default: on ? ['blackhole'] : [] });
    for (const g of groups) {
      const p = `${g.rawName}_`;
      const banOn = this.flag(`${p}enable_ban`, false);
      this.carry(`${p}enable_ban`, `mitigation.groups.${g.name}.actions`);
      const t = this.thresholds(p, `detection.groups.${g.name}.thresholds.{incoming,outgoing}`, ['detection', 'groups', g.name, 'thresholds'], connTracking);
      if (g.prefixes.length === 0) {
        this.warnings.push(`line ${g.line}: hostgroup ${g.rawName} has no usable prefix left: not imported`);
        continue;
      }
      if (Object.values(t).every((v) => v === false)) {
        this.warnings.push(
          `hostgroup ${g.rawName} has no ${p}ban_for_* switch on with a threshold: FastNetMon starts a hostgroup from all-off, so it never detected anything there; imported with every threshold off`,
        );
      }
      detectionGroups[g.name] = { description: `FastNetMon hostgroup ${g.rawName}`, prefixes: g.prefixes, thresholds: { incoming: { ...t }, outgoing: { ...t } } };
      mitigationGroups[g.name] = { actions: actions(banOn) };
      if (!banOn) {
        this.notes.push({ path: ['mitigation', 'groups', g.name], text: ` ${p}enable_ban is off: attacks are detected and logged, nothing is announced and no notify script runs` });
      }
    }
    if (enableBanV6 !== enableBan) {
      // FastNetMon switches bans per address family; Breakwater's actions are per group, so IPv6
      // hosts get a group of their own (::/0 is the least specific prefix: any IPv6 hostgroup wins).
      let name = 'ipv6_hosts';
      for (let i = 2; name in detectionGroups; i++) name = `ipv6_hosts_${i}`;
      detectionGroups[name] = { description: 'IPv6 hosts: FastNetMon applies enable_ban_ipv6 to them (thresholds: the global ones)', prefixes: ['::/0'] };
      mitigationGroups[name] = { actions: actions(enableBanV6) };
      this.carry('enable_ban_ipv6', `mitigation.groups.${name}.actions`);
      this.notes.push({
        path: ['mitigation', 'groups', name],
        text: ` enable_ban_ipv6 = ${enableBanV6 ? 'on' : 'off'} (enable_ban = ${enableBan ? 'on' : 'off'}): ${enableBanV6 ? 'IPv6 hosts are blackholed' : 'IPv6 attacks are detected and logged, nothing is announced'}`,
      });
    } else {
      this.carry('enable_ban_ipv6', 'mitigation.actions');
    }
    if (Object.keys(detectionGroups).length > 0) detection.groups = detectionGroups;
    config.detection = detection;

    // mitigation
    const banTime = this.int('ban_time', 1800, 0, MAX_BAN_TIME_SECONDS, true);
    this.carry('ban_time', 'mitigation.ban_time_seconds');
    if (banTime === 0) this.notes.push({ path: ['mitigation', 'ban_time_seconds'], text: ' ban_time = 0: no automatic unban, as in FastNetMon' });
    const unbanIfFinished = this.flag('unban_only_if_attack_finished', true);
    this.carry('unban_only_if_attack_finished', 'mitigation.unban_only_if_attack_finished');
    const mitigation: Record<string, unknown> = {
      enabled: true,
      dry_run: false,
      actions: actions(enableBan),
      ban_time_seconds: banTime,
      unban_only_if_attack_finished: unbanIfFinished,
    };
    const bgp = this.bgp(enableBanV6);
    if (bgp.blackhole) mitigation.blackhole = bgp.blackhole;
    if (Object.keys(mitigationGroups).length > 0) mitigation.groups = mitigationGroups;
    config.mitigation = mitigation;

    // notify
    const script = this.take('notify_script_path');
    if (script && script.value !== '') {
      const s: Record<string, unknown> = { path: script.value };
      this.carry('notify_script_path', 'notify.script.path');
      try {
        this.readFile(script.value);
      } catch (err) {
        this.warnings.push(
          `notify_script_path: cannot read ${script.value} (${(err as Error).message}): FastNetMon disables a missing script at start; Breakwater tries it at every event and logs the error`,
        );
      }
      const details = this.take('notify_script_pass_details');
      if (details) {
        if (details.value !== 'on') s.stdin = 'none';
        this.carry('notify_script_pass_details', 'notify.script.stdin');
      }
      config.notify = { script: s };
    } else {
      if (!script) this.absent.push('notify_script_path (/usr/local/bin/notify_about_attack.sh, run if the file exists: not carried over, set notify.script.path)');
      this.skipPrefixed('notify_script_pass_details', 'notify_script_path is not set');
    }

    config.bgp = { speakers: bgp.speakers };

    // Notes on switches that were on in FastNetMon and have no equivalent here.
    if (this.peek('prometheus')?.value === 'on') {
      const host = this.peek('prometheus_host')?.value ?? '127.0.0.1';
      const port = this.peek('prometheus_port')?.value ?? '9209';
      this.warnings.push(`prometheus was on (${host}:${port}): point the scrape target at Breakwater's API listener, path /metrics (default 127.0.0.1:10007); metric names differ`);
    }
    if (this.peek('enable_api')?.value === 'on') {
      this.warnings.push("enable_api was on: FastNetMon's gRPC API (fastnetmon_api_client, 127.0.0.1:50052) does not exist in Breakwater; use `breakwater mitigations ban|unban` or the REST API");
    }

    // What is left: skipped with a reason, or unknown.
    for (const l of this.lines) {
      if (this.used.has(l.key)) continue;
      const rule = skipRuleFor(l.key);
      if (rule) {
        this.skip(l.key, rule.reason);
        const last = this.byKey.get(l.key)!;
        if (rule.feature && (last.value === 'on' || (l.key === 'redis_enabled' && last.value === 'yes'))) {
          this.warnings.push(`${l.key} was on in FastNetMon and has no equivalent: ${rule.reason}`);
        }
        continue;
      }
      const suffix = [...GROUP_KEYS].find((k) => l.key.endsWith(`_${k}`) && l.key.length > k.length + 1);
      if (suffix) {
        const g = l.key.slice(0, -suffix.length - 1);
        this.skip(l.key, `looks like a setting of hostgroup '${g}', but no 'hostgroup = ${g}:<cidr>' line defines it (FastNetMon ignores it too)`);
      } else {
        this.skip(l.key, UNKNOWN);
      }
    }

    if (this.convertedMbps > 0) {
      this.warnings.push(
        `${this.convertedMbps} Mbit/s threshold(s) converted: FastNetMon's "Mbit/s" are 2^20 bit/s (convert_speed_to_mbps divides by 1024×1024), Breakwater's are SI (10^6 bit/s), so each was multiplied by 1.048576 (threshold_mbps 1000 → 1048.576). If your FastNetMon build divides by 10^6, import with --fastnetmon-mbps si`,
      );
    }
    if (this.absent.length > 0) {
      this.warnings.push(`not set in the file, so FastNetMon's built-in defaults were used (not those of its shipped config): ${this.absent.join(', ')}`);
    }
    return config;
  }

  /** exabgp_* and gobgp_* → speakers and the blackhole route's next hops and communities. */
  private bgp(enableBanV6: boolean): { speakers: Record<string, unknown>[]; blackhole: Record<string, unknown> | null } {
    const speakers: Record<string, unknown>[] = [];
    let v4NextHop: string | null = null;
    let v6NextHop: string | null = null;
    let communities: string[] | null = null;
    let communitiesFrom = '';

    if (this.flag('exabgp', false)) {
      if (!this.flag('exabgp_announce_host', false)) {
        const whole = this.peek('exabgp_announce_whole_subnet')?.value === 'on';
        this.warnings.push(
          `exabgp is on but exabgp_announce_host is off: FastNetMon announced no host route through ExaBGP${whole ? ' (only whole subnets, which Breakwater does not do)' : ''}; no ExaBGP speaker imported`,
        );
        this.skipPrefixed('exabgp_', 'exabgp_announce_host is off: FastNetMon announced no host route through ExaBGP');
      } else {
        const pipeLine = this.take('exabgp_command_pipe');
        const pipe = pipeLine?.value || '/var/run/exabgp.cmd';
        if (!pipeLine?.value) this.warnings.push('exabgp_command_pipe is not set (FastNetMon requires it): imported as /var/run/exabgp.cmd');
        speakers.push({ type: 'exabgp-pipe', name: 'exabgp', pipe });
        this.carry('exabgp', 'bgp.speakers[exabgp]');
        this.carry('exabgp_announce_host', 'mitigation.actions (blackhole)');
        this.carry('exabgp_command_pipe', 'bgp.speakers[exabgp].pipe');
        this.notes.push({
          path: ['bgp', 'speakers', speakers.length - 1],
          text: ' exabgp_command_pipe: the same named pipe FastNetMon wrote to (no acknowledgement, no resync). Prefer bridge mode,\n type: exabgp, which reads back what ExaBGP holds: docs/bgp.md',
        });
        const nh = this.address('exabgp_next_hop', null, 4);
        if (nh) {
          v4NextHop = nh;
          this.carry('exabgp_next_hop', 'mitigation.blackhole.next_hop.ipv4');
        } else if (!this.peek('exabgp_next_hop')) {
          this.warnings.push("exabgp_next_hop is not set (FastNetMon requires it): Breakwater's default next hop 192.0.2.1 applies");
        }
        // FastNetMon uses exabgp_community_host for host routes when set, else exabgp_community.
        const hostList = this.communities('exabgp_community_host', null);
        if (hostList) {
          communities = hostList;
          communitiesFrom = 'exabgp_community_host';
          this.skip('exabgp_community', 'exabgp_community_host is set and wins for host routes');
        } else {
          communities = this.communities('exabgp_community', null);
          communitiesFrom = 'exabgp_community';
          if (!this.peek('exabgp_community')) this.warnings.push("exabgp_community is not set: Breakwater's default blackhole communities apply (65535:666 no-export)");
        }
        this.carry(communitiesFrom, 'mitigation.blackhole.communities');
        if (enableBanV6) {
          this.warnings.push(
            'FastNetMon announced IPv4 only through ExaBGP; Breakwater sends every blackhole, IPv6 /128 ones too, to every speaker (next hop mitigation.blackhole.next_hop.ipv6): make sure the router accepts them',
          );
        }
      }
    } else {
      this.skipPrefixed('exabgp_', 'exabgp is off');
    }

    if (this.flag('gobgp', false)) {
      const hostV4 = this.flag('gobgp_announce_host', false);
      const hostV6 = this.flag('gobgp_announce_host_ipv6', false);
      if (!hostV4 && !hostV6) {
        this.warnings.push('gobgp is on but gobgp_announce_host and gobgp_announce_host_ipv6 are off: FastNetMon announced no host route through GoBGP; no GoBGP speaker imported');
        this.skipPrefixed('gobgp_', 'gobgp_announce_host and gobgp_announce_host_ipv6 are off: FastNetMon announced no host route through GoBGP');
      } else {
        // FastNetMon's GoBGP client always dials localhost:50051 (src/actions/gobgp_action.cpp).
        speakers.push({ type: 'gobgp', name: 'gobgp', address: '127.0.0.1:50051' });
        this.carry('gobgp', 'bgp.speakers[gobgp]');
        this.carry('gobgp_announce_host', 'mitigation.actions (blackhole)');
        this.carry('gobgp_announce_host_ipv6', 'mitigation.actions (blackhole)');
        if (hostV4) {
          const nh4 = this.address('gobgp_next_hop', '0.0.0.0', 4);
          const nh4Host = this.peek('gobgp_next_hop_host_ipv4');
          if (nh4Host && nh4 && nh4Host.value !== nh4 && nh4Host.value !== '0.0.0.0') {
            this.warnings.push(`line ${nh4Host.line}: gobgp_next_hop_host_ipv4 = ${nh4Host.value} was never used by FastNetMon (it reads gobgp_next_hop = ${nh4}); imported: ${nh4}`);
          }
          if (v4NextHop === null) {
            v4NextHop = nh4;
            this.carry('gobgp_next_hop', 'mitigation.blackhole.next_hop.ipv4');
            if (nh4 === '0.0.0.0') {
              this.warnings.push('gobgp_next_hop is 0.0.0.0 (FastNetMon\'s built-in value): gobgpd puts its own address as next hop; the router must send these routes to discard by community, as with FastNetMon');
            }
          } else if (nh4 !== null && nh4 !== v4NextHop) {
            this.warnings.push(`exabgp_next_hop (${v4NextHop}) and gobgp_next_hop (${nh4}) differ: Breakwater announces one route to every speaker, with ${v4NextHop}`);
            this.skip('gobgp_next_hop', `differs from exabgp_next_hop (${v4NextHop}), which Breakwater uses for every speaker`);
          } else {
            this.carry('gobgp_next_hop', 'mitigation.blackhole.next_hop.ipv4');
          }
          const c4 = this.communities('gobgp_community_host', '65001:668');
          if (communities === null) {
            communities = c4;
            communitiesFrom = 'gobgp_community_host';
            this.carry('gobgp_community_host', 'mitigation.blackhole.communities');
          } else if (c4 && c4.join(' ') !== communities.join(' ')) {
            this.warnings.push(`${communitiesFrom} (${communities.join(' ')}) and gobgp_community_host (${c4.join(' ')}) differ: Breakwater tags every blackhole with ${communities.join(' ')}`);
            this.skip('gobgp_community_host', `differs from ${communitiesFrom}, which Breakwater uses for every blackhole`);
          } else {
            this.carry('gobgp_community_host', 'mitigation.blackhole.communities');
          }
        } else {
          for (const k of ['gobgp_next_hop', 'gobgp_community_host']) this.skip(k, 'gobgp_announce_host is off: FastNetMon announced no IPv4 host route through GoBGP');
        }
        if (hostV6) {
          const nh6 = this.address('gobgp_next_hop_ipv6', '100::1', 6);
          const nh6HostLine = this.peek('gobgp_next_hop_host_ipv6');
          const nh6Host = nh6HostLine ? this.address('gobgp_next_hop_host_ipv6', null, 6) : null;
          // FastNetMon 1.2.8+: the host next hop unless it is the zero address, else gobgp_next_hop_ipv6.
          const hostWins = nh6Host !== null && parseAddress(nh6Host)!.bytes.some((b) => b !== 0);
          v6NextHop = hostWins ? nh6Host : nh6;
          if (hostWins) {
            this.carry('gobgp_next_hop_host_ipv6', 'mitigation.blackhole.next_hop.ipv6');
            this.skip('gobgp_next_hop_ipv6', 'gobgp_next_hop_host_ipv6 is set and wins for host routes');
          } else {
            this.carry('gobgp_next_hop_ipv6', 'mitigation.blackhole.next_hop.ipv6');
            if (nh6HostLine) this.skip('gobgp_next_hop_host_ipv6', 'the zero address: FastNetMon falls back to gobgp_next_hop_ipv6');
          }
          if (v6NextHop !== null && parseAddress(v6NextHop)!.bytes.every((b) => b === 0)) {
            this.warnings.push('the IPv6 next hop is "::", which gobgpd refuses (FastNetMon issue #1009): set mitigation.blackhole.next_hop.ipv6, e.g. 100::1 (RFC 6666)');
          }
          const c6 = this.communities('gobgp_community_host_ipv6', '65001:668');
          if (communities === null) {
            communities = c6;
            communitiesFrom = 'gobgp_community_host_ipv6';
            this.carry('gobgp_community_host_ipv6', 'mitigation.blackhole.communities');
          } else if (c6 && c6.join(' ') !== communities.join(' ')) {
            this.warnings.push(
              `gobgp_community_host_ipv6 (${c6.join(' ')}) differs from ${communitiesFrom} (${communities.join(' ')}): Breakwater uses one community list for IPv4 and IPv6 blackholes: ${communities.join(' ')}`,
            );
            this.skip('gobgp_community_host_ipv6', `differs from ${communitiesFrom}: Breakwater uses one community list for IPv4 and IPv6 blackholes`);
          } else {
            this.carry('gobgp_community_host_ipv6', 'mitigation.blackhole.communities');
          }
        } else {
          for (const k of ['gobgp_next_hop_ipv6', 'gobgp_next_hop_host_ipv6', 'gobgp_community_host_ipv6']) this.skip(k, 'gobgp_announce_host_ipv6 is off');
        }
        if (hostV4 !== hostV6) {
          this.warnings.push(
            `FastNetMon announced IPv${hostV4 ? 4 : 6} host routes only through GoBGP; Breakwater sends every blackhole (IPv4 and IPv6) to every speaker: make sure the router accepts both`,
          );
        }
      }
    } else {
      this.skipPrefixed('gobgp_', 'gobgp is off');
    }

    if (speakers.length === 0) return { speakers, blackhole: null };
    this.warnings.push(
      "bgp.speakers: Breakwater converges each speaker to its own routes and withdraws the others it can read (GoBGP; ExaBGP in bridge mode): while FastNetMon still announces through the same speaker, keep mitigation.dry_run: true (Breakwater then does not connect to the speakers), or it withdraws FastNetMon's blackholes",
    );
    const blackhole: Record<string, unknown> = {};
    if (communities) {
      blackhole.communities = communities;
      this.notes.push({
        path: ['mitigation', 'blackhole', 'communities'],
        text: ` from ${communitiesFrom}, exactly as FastNetMon sent them. Breakwater's default adds no-export (RFC 7999);\n add it if your router does not re-announce these routes to upstreams`,
      });
    }
    blackhole.next_hop = { ipv4: v4NextHop ?? '192.0.2.1', ipv6: v6NextHop ?? '100::1' };
    if (v6NextHop === null) {
      this.notes.push({ path: ['mitigation', 'blackhole', 'next_hop', 'ipv6'], text: ' Breakwater default (RFC 6666 discard prefix): FastNetMon sent no IPv6 route through this setup' });
    }
    return { speakers, blackhole };
  }
}

/** Converts a fastnetmon.conf. Throws FastnetmonImportError listing every problem that prevents it. */
export function importFastnetmon(confText: string, opts: ImportOptions): ImportResult {
  const parsed = parseFastnetmonConf(confText, opts.confPath);
  if (parsed.problems.length > 0) throw new FastnetmonImportError(opts.confPath, parsed.problems);
  if (parsed.lines.length === 0) {
    throw new FastnetmonImportError(opts.confPath, ['no "key = value" line found: is this a fastnetmon.conf?', ...parsed.warnings]);
  }
  const imp = new Importer(parsed.lines, opts);
  imp.warnings.unshift(...parsed.warnings);
  const config = imp.run();
  if (imp.problems.length > 0) throw new FastnetmonImportError(opts.confPath, imp.problems);
  const yaml = renderYaml(config, imp, opts);
  try {
    // The YAML is what the operator will run: it must pass the real loader, defaults and cross-checks included.
    parseConfig(yaml, `${opts.confPath} (converted)`);
  } catch (e) {
    if (e instanceof ConfigError) throw new FastnetmonImportError(opts.confPath, ['the converted config does not validate:', ...e.problems]);
    throw e;
  }
  return { config, yaml, carried: imp.carried, skipped: imp.skipped, warnings: imp.warnings };
}

const SECTION_NOTES: Record<string, string> = {
  logging: ' logging_level. Logs are JSON lines on stdout (the journal under systemd).',
  collectors: '',
  traffic: ' networks_list_path and white_list_path, referenced (keep maintaining the files; SIGHUP reloads them).',
  detection:
    " Per-host thresholds. FastNetMon uses one threshold for both directions: both get the same values.\n A number switches a threshold on, false off (FastNetMon's ban_for_* switches). Rates are per second;\n *_mbps are SI Mbit/s. Keys FastNetMon does not have (fragments_*) are off.",
  mitigation:
    ' enable_ban / enable_ban_ipv6 → actions ([blackhole] or [] = detect and log only), ban_time, unban_only_if_attack_finished.\n dry_run: true decides and records but announces nothing: a safe way to run beside FastNetMon first.',
  notify: ' notify_script_path: called as <ip> <direction> <pps> ban|unban with the attack report on stdin, as FastNetMon does.',
  bgp:
    " exabgp = on / gobgp = on. Every blackhole goes to every speaker listed here. A speaker is converged to\n Breakwater's routes: once dry_run is off, Breakwater withdraws routes it did not decide (FastNetMon's, through\n GoBGP or ExaBGP bridge mode). In dry-run it does not connect to the speakers at all. Changing it needs a restart.",
};

function renderYaml(config: Record<string, unknown>, imp: Importer, opts: ImportOptions): string {
  const doc = new Document(config, { aliasDuplicateObjects: false });
  // Lists of scalars (prefixes, communities, actions) read best on one line.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  const header = [
    ` Breakwater config imported from ${opts.confPath} by \`breakwater import-fastnetmon\`.`,
    ' Only the keys taken from FastNetMon are set; everything else is Breakwater\'s default (docs/configuration.md).',
    ' Review it before use: docs/migrating-from-fastnetmon.md.',
  ];
  if (imp.warnings.length > 0) {
    header.push('', ' Review these differences:');
    for (const w of imp.warnings) header.push(` - ${w}`);
  }
  doc.commentBefore = header.join('\n');
  const notes: Record<string, string> = { ...SECTION_NOTES, collectors: imp.collectorNote };
  const top = doc.contents;
  if (isMap(top)) {
    for (const pair of top.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!notes[key]) continue;
      const k = isScalar(pair.key) ? pair.key : new Scalar(pair.key);
      k.spaceBefore = true;
      k.commentBefore = notes[key];
      pair.key = k;
    }
  }
  for (const n of imp.notes) commentAt(doc, n.path, n.text);
  if (imp.skipped.length > 0) {
    const tail = [' Not carried over from FastNetMon (key = value: reason):'];
    for (const s of imp.skipped) tail.push(` ${s.key} = ${s.value}: ${s.reason}`);
    doc.comment = tail.join('\n');
  }
  return doc.toString({ lineWidth: 0 });
}

/** Puts a comment before the map entry (or list item) at `path`; silently nothing if it is not there. */
function commentAt(doc: Document, path: (string | number)[], text: string): void {
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last];
    if (item && (isMap(item) || isScalar(item))) item.commentBefore = text;
    return;
  }
  if (!isMap(parent)) return;
  const pair = parent.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value === last : p.key === last));
  if (!pair) return;
  const k = isScalar(pair.key) ? pair.key : new Scalar(pair.key);
  k.commentBefore = k.commentBefore ? `${k.commentBefore}\n${text}` : text;
  pair.key = k;
}

/** The human-readable report (stderr of the command). */
export function formatImportReport(r: ImportResult, source: string): string {
  const out: string[] = [];
  const width = Math.min(40, Math.max(0, ...r.carried.map((c) => c.key.length), ...r.skipped.map((s) => s.key.length)));
  out.push(`Carried over from ${source} (${r.carried.length}):`);
  for (const c of r.carried) out.push(`  ${c.key.padEnd(width)}  → ${c.to}`);
  out.push('', `Not carried over (${r.skipped.length}):`);
  for (const s of r.skipped) out.push(`  ${s.key.padEnd(width)}  = ${clip(s.value, 40)}: ${s.reason}`);
  out.push('', `Warnings (${r.warnings.length}):`);
  for (const w of r.warnings) out.push(`  - ${w}`);
  return `${out.join('\n')}\n`;
}
