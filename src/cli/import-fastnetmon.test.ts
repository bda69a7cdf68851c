import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { NetworkSets } from '../traffic/networks.js';
import { FastnetmonImportError, formatImportReport, importFastnetmon, parseFastnetmonConf, MAX_CONF_LINES, type ImportResult } from './import-fastnetmon.js';

const DIR = fileURLToPath(new URL('../../../src/cli/testdata/fastnetmon/', import.meta.url));
const fixture = (name: string) => readFileSync(DIR + name, 'utf8');

/** The paths the fixture names, mapped to the files in testdata; anything else does not exist. */
const FILES: Record<string, string> = {
  '/etc/networks_list': 'networks_list',
  '/etc/networks_whitelist': 'networks_whitelist',
  '/usr/local/bin/notify_about_attack.sh': 'notify_about_attack.sh',
};
function fakeFs(extra: Record<string, string> = {}): (p: string) => string {
  return (p) => {
    if (p in extra) return extra[p];
    if (p in FILES) return fixture(FILES[p]);
    throw new Error(`ENOENT: no such file or directory, open '${p}'`);
  };
}

function run(text: string, extra: Record<string, string> = {}, mbps?: 'binary' | 'si'): ImportResult {
  return importFastnetmon(text, { confPath: '/etc/fastnetmon.conf', readFile: fakeFs(extra), fastnetmonMbps: mbps });
}

/** The settings every small test needs so that the lists are found. */
const BASE = 'networks_list_path = /etc/networks_list\nwhite_list_path = /etc/networks_whitelist\n';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FastnetmonImportError, `expected FastnetmonImportError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected the import to fail');
}

const has = (list: string[], re: RegExp) => assert.ok(list.some((w) => re.test(w)), `no entry matching ${re} in:\n${list.join('\n')}`);
const hasNot = (list: string[], re: RegExp) => assert.ok(!list.some((w) => re.test(w)), `unexpected entry matching ${re}`);
const skippedReason = (r: ImportResult, key: string) => {
  const s = r.skipped.find((x) => x.key === key);
  assert.ok(s, `${key} is not in the skipped list`);
  return s.reason;
};

describe('parseFastnetmonConf', () => {
  it('reads key = value lines the way FastNetMon does', () => {
    const r = parseFastnetmonConf('# comment\n\n  ban_time = 60  \r\nsflow=on\nexabgp_community = [65001:666 65001:777]\n   # indented comment\nkey == value\n', 'x');
    assert.deepEqual(
      r.lines.map((l) => [l.key, l.value, l.line]),
      [
        ['ban_time', '60', 3],
        ['sflow', 'on', 4],
        ['exabgp_community', '[65001:666 65001:777]', 5],
        ['key', 'value', 7],
      ],
    );
    assert.deepEqual(r.warnings, []);
  });

  it('warns about lines FastNetMon cannot parse, with their number', () => {
    const r = parseFastnetmonConf('sflow on\na = b = c\n= value\nok = 1\n', 'x');
    assert.deepEqual(r.lines.map((l) => l.key), ['ok']);
    assert.equal(r.warnings.length, 3);
    has(r.warnings, /^line 1: cannot parse 'sflow on': expected 'key = value'/);
    has(r.warnings, /^line 2: cannot parse 'a = b = c'/);
    has(r.warnings, /^line 3: cannot parse '= value'/);
  });

  it('refuses a file with more lines than the limit', () => {
    const r = parseFastnetmonConf('a = 1\n'.repeat(MAX_CONF_LINES + 1), 'big.conf');
    assert.deepEqual(r.lines, []);
    has(r.problems, /big\.conf: 100002 lines, more than the limit of 100000/);
  });
});

describe('importFastnetmon: the realistic fixture', () => {
  const r = run(fixture('fastnetmon.conf'));
  const cfg = parseConfig(r.yaml, 'imported');

  it('produces YAML that the real config loader accepts, equal to the returned object', () => {
    assert.ok(configSchema.safeParse(r.config).success);
    assert.deepEqual(cfg, configSchema.parse(r.config));
  });

  it('carries the collectors: sflow ports, netflow on ::, the sampling ratio', () => {
    assert.deepEqual(
      cfg.collectors.listeners.map((l) => [l.protocol, l.address, l.port]),
      [
        ['sflow', '0.0.0.0', 6343],
        ['sflow', '0.0.0.0', 6344],
        ['netflow', '::', 2055],
      ],
    );
    assert.equal(cfg.collectors.sampling.default, 1000);
  });

  it('references the networks and whitelist files, which load as Breakwater lists', () => {
    assert.equal(cfg.traffic.networks_file, '/etc/networks_list');
    assert.equal(cfg.traffic.allow_list.hosts_file, '/etc/networks_whitelist');
    assert.deepEqual(cfg.traffic.networks, []);
    const sets = NetworkSets.fromConfig(cfg.traffic, fakeFs());
    assert.deepEqual(sets.describe().networks, ['198.51.100.0/24', '203.0.113.0/24', '2001:db8:100::/48', '198.51.100.0/25']);
    assert.deepEqual(sets.describe().allowHosts.sort(), ['2001:db8:100::53/128', '203.0.113.10/32', '203.0.113.11/32']);
  });

  it('carries the global thresholds to both directions, Mbit/s converted to SI', () => {
    assert.equal(cfg.detection.average_seconds, 5);
    for (const dir of ['incoming', 'outgoing'] as const) {
      assert.deepEqual(cfg.detection.thresholds[dir], {
        enabled: true,
        pps: 20000,
        mbps: 1048.576,
        flows: false,
        tcp_pps: false,
        tcp_mbps: false,
        syn_pps: 10000,
        syn_mbps: false,
        udp_pps: 15000,
        udp_mbps: 838.861,
        icmp_pps: 5000,
        icmp_mbps: false,
        fragments_pps: false,
        fragments_mbps: false,
      });
    }
  });

  it('turns hostgroups into groups with every threshold explicit (FastNetMon groups start from all-off)', () => {
    const off = { flows: false, tcp_pps: false, tcp_mbps: false, syn_pps: false, syn_mbps: false, udp_mbps: false, icmp_pps: false, icmp_mbps: false, fragments_pps: false, fragments_mbps: false };
    const web = cfg.detection.groups.web_servers;
    assert.deepEqual(web.prefixes, ['198.51.100.0/25', '198.51.100.128/26']);
    assert.deepEqual(web.thresholds?.incoming, { ...off, pps: 100000, mbps: 5242.88, udp_pps: 50000 });
    assert.deepEqual(web.thresholds?.outgoing, web.thresholds?.incoming);
    const dns = cfg.detection.groups.dns_resolvers;
    assert.deepEqual(dns.prefixes, ['203.0.113.53/32']);
    assert.deepEqual(dns.thresholds?.incoming, { ...off, pps: 200000, mbps: false, udp_pps: false });
    assert.deepEqual(Object.keys(cfg.detection.groups).sort(), ['dns_resolvers', 'web_servers']);
  });

  it('carries the ban lifecycle and per-group enable_ban', () => {
    const m = cfg.mitigation;
    assert.equal(m.enabled, true);
    assert.equal(m.dry_run, false);
    assert.deepEqual(m.actions, { default: ['blackhole'] });
    assert.equal(m.ban_time_seconds, 1900);
    assert.equal(m.unban_only_if_attack_finished, true);
    assert.deepEqual(m.groups.web_servers.actions, { default: ['blackhole'] });
    assert.deepEqual(m.groups.dns_resolvers.actions, { default: [] });
  });

  it('turns exabgp and gobgp into speakers and the blackhole next hops and communities', () => {
    assert.deepEqual(cfg.bgp.speakers.map((s) => [s.type, s.name]), [
      ['exabgp-pipe', 'exabgp'],
      ['gobgp', 'gobgp'],
    ]);
    const [exa, gobgp] = cfg.bgp.speakers;
    assert.equal(exa.type === 'exabgp-pipe' && exa.pipe, '/var/run/exabgp.cmd');
    assert.equal(gobgp.type === 'gobgp' && gobgp.address, '127.0.0.1:50051');
    assert.deepEqual(cfg.mitigation.blackhole.communities, ['65001:666', '65001:777']);
    assert.deepEqual(cfg.mitigation.blackhole.next_hop, { ipv4: '10.0.3.114', ipv6: '2001:db8:ffff::1' });
  });

  it('carries the notify script and the log level', () => {
    assert.equal(cfg.notify.script.path, '/usr/local/bin/notify_about_attack.sh');
    assert.equal(cfg.notify.script.args, '{ip} {direction} {pps} {action}');
    assert.equal(cfg.notify.script.stdin, 'text');
    assert.equal(cfg.logging.level, 'info');
  });

  it('accounts for every key of the file exactly once: carried or skipped', () => {
    const keys = new Set(parseFastnetmonConf(fixture('fastnetmon.conf'), 'x').lines.map((l) => l.key));
    const carried = r.carried.map((c) => c.key);
    const skipped = r.skipped.map((s) => s.key);
    assert.equal(new Set(carried).size, carried.length, 'a key carried twice');
    assert.equal(new Set(skipped).size, skipped.length, 'a key skipped twice');
    for (const k of keys) assert.ok(carried.includes(k) !== skipped.includes(k), `${k}: carried ${carried.includes(k)}, skipped ${skipped.includes(k)}`);
    assert.equal(carried.length + skipped.length, keys.size);
  });

  it('names where each carried key went', () => {
    const to = (k: string) => r.carried.find((c) => c.key === k)?.to;
    assert.equal(to('threshold_mbps'), 'detection.thresholds.{incoming,outgoing}.mbps');
    assert.equal(to('web_servers_threshold_pps'), 'detection.groups.web_servers.thresholds.{incoming,outgoing}.pps');
    assert.equal(to('ban_time'), 'mitigation.ban_time_seconds');
    assert.equal(to('networks_list_path'), 'traffic.networks_file');
    assert.equal(to('exabgp_next_hop'), 'mitigation.blackhole.next_hop.ipv4');
    assert.equal(to('gobgp_next_hop_host_ipv6'), 'mitigation.blackhole.next_hop.ipv6');
    assert.equal(to('netflow_sampling_ratio'), 'collectors.sampling.default');
  });

  it('lists each unsupported key with a real reason', () => {
    assert.match(skippedReason(r, 'mirror_afpacket'), /mirror \(port-mirror\) capture is not supported/);
    assert.match(skippedReason(r, 'interfaces'), /mirror/);
    assert.match(skippedReason(r, 'redis_enabled'), /Redis export of attack details is not supported/);
    assert.match(skippedReason(r, 'mongodb_host'), /MongoDB/);
    assert.match(skippedReason(r, 'graphite_prefix'), /Graphite export is not supported/);
    assert.match(skippedReason(r, 'influxdb_database'), /InfluxDB/);
    assert.match(skippedReason(r, 'clickhouse_metrics'), /ClickHouse/);
    assert.match(skippedReason(r, 'prometheus_port'), /\/metrics on the API listener/);
    assert.match(skippedReason(r, 'enable_api'), /gRPC API/);
    assert.match(skippedReason(r, 'enable_connection_tracking'), /always counts flows/);
    assert.match(skippedReason(r, 'ban_details_records_count'), /does not wait for sample packets/);
    assert.match(skippedReason(r, 'exabgp_announce_whole_subnet'), /mitigation\.escalation/);
    assert.match(skippedReason(r, 'gobgp_community_subnet'), /whole-subnet/);
    assert.match(skippedReason(r, 'gobgp_community_host'), /differs from exabgp_community/);
    assert.match(skippedReason(r, 'gobgp_next_hop_ipv6'), /gobgp_next_hop_host_ipv6 is set/);
    assert.match(skippedReason(r, 'pid_path'), /systemd/);
    assert.match(skippedReason(r, 'logging_remote_syslog_server'), /journal/);
    assert.match(skippedReason(r, 'disable_usage_report'), /no usage reports/);
    assert.match(skippedReason(r, 'sort_parameter'), /fastnetmon_client/);
    assert.match(skippedReason(r, 'speed_calculation_delay'), /every second/);
    assert.equal(r.skipped.find((s) => s.key === 'redis_host')?.value, '127.0.0.1');
    for (const s of r.skipped) assert.ok(s.reason.length > 10, `${s.key} has no real reason`);
  });

  it('warns about every behaviour that differs', () => {
    has(r.warnings, /3 Mbit\/s threshold\(s\) converted: .*2\^20 bit\/s.*1\.048576/);
    has(r.warnings, /line 126: hostgroup web_servers: 198\.51\.100\.128\/26 is not a line of networks_list/);
    has(r.warnings, /line 138: hostgroup dns_resolvers: 203\.0\.113\.53\/32 is not a line of networks_list/);
    hasNot(r.warnings, /198\.51\.100\.0\/25 is not a line/);
    has(r.warnings, /ban_for_tcp_syn_pps: FastNetMon counts every TCP packet with SYN set/);
    has(r.warnings, /FastNetMon announced IPv4 only through ExaBGP/);
    has(r.warnings, /gobgp_community_host_ipv6 \(65001:666\) differs from exabgp_community/);
    has(r.warnings, /prometheus was on \(127\.0\.0\.1:9209\)/);
    has(r.warnings, /keep mitigation\.dry_run: true \(Breakwater then does not connect to the speakers\), or it withdraws FastNetMon's blackholes/);
    has(r.warnings, /enable_api was on/);
    has(r.warnings, /monitor_local_ip_addresses was on in FastNetMon and has no equivalent/);
    hasNot(r.warnings, /not set in the file/);
  });

  it('writes the review notes into the YAML as comments', () => {
    assert.match(r.yaml, /^# Breakwater config imported from \/etc\/fastnetmon\.conf/);
    assert.match(r.yaml, /# threshold_mbps = 1000 FastNetMon Mbit\/s \(2\^20 bit\/s\) = 1048\.576 SI Mbit\/s/);
    assert.match(r.yaml, /# dns_resolvers_enable_ban is off: attacks are detected and logged/);
    assert.match(r.yaml, /# exabgp_command_pipe: the same named pipe FastNetMon wrote to .*Prefer bridge mode/);
    assert.match(r.yaml, /# Not carried over from FastNetMon/);
    assert.match(r.yaml, /# redis_enabled = no: Redis export/);
    assert.match(r.yaml, /# - line 126: hostgroup web_servers/);
  });

  it('formats a readable report', () => {
    const text = formatImportReport(r, '/etc/fastnetmon.conf');
    assert.match(text, /^Carried over from \/etc\/fastnetmon\.conf \(\d+\):/);
    assert.match(text, /\n {2}threshold_pps +→ detection\.thresholds\.\{incoming,outgoing\}\.pps\n/);
    assert.match(text, /\nNot carried over \(\d+\):\n/);
    assert.match(text, /\n {2}redis_enabled +=( no): Redis/);
    assert.match(text, /\nWarnings \(\d+\):\n {2}- /);
  });

  it("keeps FastNetMon's numbers with --fastnetmon-mbps si", () => {
    const si = parseConfig(run(fixture('fastnetmon.conf'), {}, 'si').yaml);
    assert.equal(si.detection.thresholds.incoming.mbps, 1000);
    assert.equal(si.detection.thresholds.incoming.udp_mbps, 800);
    assert.equal(si.detection.groups.web_servers.thresholds?.incoming?.mbps, 5000);
    hasNot(run(fixture('fastnetmon.conf'), {}, 'si').warnings, /converted/);
  });
});

describe("importFastnetmon: FastNetMon's semantics", () => {
  it("uses FastNetMon's built-in defaults for absent keys, not its shipped config's", () => {
    const r = run(`${BASE}enable_ban = on\nban_for_pps = on\nthreshold_pps = 5000\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.detection.thresholds.incoming.pps, 5000);
    assert.equal(c.detection.thresholds.incoming.mbps, false, 'ban_for_bandwidth absent: off in FastNetMon');
    assert.equal(c.detection.average_seconds, 15);
    assert.equal(c.mitigation.ban_time_seconds, 1800);
    assert.equal(c.mitigation.unban_only_if_attack_finished, true);
    assert.deepEqual(c.collectors.listeners.map((l) => l.port), [6343, 2055, 4739], 'no collector on: Breakwater defaults');
    has(r.warnings, /sflow and netflow are both off/);
    const defaults = r.warnings.find((w) => w.startsWith("not set in the file, so FastNetMon's built-in defaults were used"));
    assert.ok(defaults);
    for (const k of ['ban_for_bandwidth (off)', 'enable_ban_ipv6 (off)', 'average_calculation_time (15)', 'ban_time (1800)', 'notify_script_path (']) assert.ok(defaults.includes(k), k);
    // enable_ban_ipv6 absent = off while enable_ban is on: IPv6 hosts get a group of their own.
    assert.deepEqual(c.detection.groups.ipv6_hosts.prefixes, ['::/0']);
    assert.equal(c.detection.groups.ipv6_hosts.thresholds, undefined);
    assert.deepEqual(c.mitigation.actions, { default: ['blackhole'] });
    assert.deepEqual(c.mitigation.groups.ipv6_hosts.actions, { default: [] });
    assert.match(r.yaml, /# enable_ban_ipv6 = off \(enable_ban = on\): IPv6 attacks are detected and logged, nothing is announced\n {4}ipv6_hosts:/);
    assert.equal(c.bgp.speakers.length, 0);
    assert.equal(c.notify.script.path, null);
  });

  it('enable_ban off and enable_ban_ipv6 on: detect only for IPv4, blackhole IPv6', () => {
    const c = parseConfig(run(`${BASE}enable_ban = off\nenable_ban_ipv6 = on\n`).yaml);
    assert.deepEqual(c.mitigation.actions, { default: [] });
    assert.deepEqual(c.mitigation.groups.ipv6_hosts.actions, { default: ['blackhole'] });
  });

  it("takes only exactly 'on' as true, like FastNetMon, and says so", () => {
    const r = run(`${BASE}ban_for_pps = yes\nthreshold_pps = 5000\nban_for_bandwidth = On\nthreshold_mbps = 100\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.detection.thresholds.incoming.pps, false);
    assert.equal(c.detection.thresholds.incoming.mbps, false);
    has(r.warnings, /line 3: ban_for_pps = yes: FastNetMon takes only 'on' \(lower case\) as true, so this was off/);
    has(r.warnings, /line 5: ban_for_bandwidth = On:/);
  });

  it('switches off a threshold that is on without a value (FastNetMon would ban everything)', () => {
    const r = run(`${BASE}ban_for_pps = on\nban_for_udp_pps = on\nthreshold_udp_pps = 0\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.detection.thresholds.incoming.pps, false);
    assert.equal(c.detection.thresholds.incoming.udp_pps, false);
    has(r.warnings, /line 3: ban_for_pps is on but threshold_pps is 0 or missing: FastNetMon would ban every host with any traffic/);
    has(r.warnings, /ban_for_udp_pps is on but threshold_udp_pps is 0 or missing/);
  });

  it('ban_for_flows without connection tracking never fired: imported as off', () => {
    const r = run(`${BASE}enable_connection_tracking = off\nban_for_flows = on\nthreshold_flows = 3500\n`);
    assert.equal(parseConfig(r.yaml).detection.thresholds.incoming.flows, false);
    has(r.warnings, /ban_for_flows is on but enable_connection_tracking is off/);
    const on = parseConfig(run(`${BASE}ban_for_flows = on\nthreshold_flows = 3500\n`).yaml);
    assert.equal(on.detection.thresholds.outgoing.flows, 3500);
  });

  it('process_outgoing_traffic = off switches outgoing detection off', () => {
    const r = run(`${BASE}process_outgoing_traffic = off\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.detection.thresholds.incoming.enabled, true);
    assert.equal(c.detection.thresholds.outgoing.enabled, false);
    has(r.warnings, /FastNetMon dropped that direction before counting/);
  });

  it('the last of two settings of one key wins, with a warning', () => {
    const r = run(`${BASE}ban_time = 60\nban_time = 120\n`);
    assert.equal(parseConfig(r.yaml).mitigation.ban_time_seconds, 120);
    has(r.warnings, /line 4: ban_time is set again \(first on line 3\): FastNetMon uses the last value/);
  });

  it('ban_time = 0 stays permanent; a trailing comment on a number is read as FastNetMon reads it', () => {
    const r = run(`${BASE}ban_time = 0\naverage_calculation_time = 10 # seconds\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.mitigation.ban_time_seconds, 0);
    assert.equal(c.detection.average_seconds, 10);
    has(r.warnings, /line 4: average_calculation_time: FastNetMon does not strip a trailing comment; it reads the number 10/);
    assert.match(r.yaml, /# ban_time = 0: no automatic unban/);
  });

  it('lists unknown keys and stray hostgroup settings', () => {
    const r = run(`${BASE}treshold_pps = 100\nfoo_threshold_pps = 10\n`);
    assert.match(skippedReason(r, 'treshold_pps'), /^unknown key: FastNetMon ignores it too/);
    assert.match(skippedReason(r, 'foo_threshold_pps'), /setting of hostgroup 'foo', but no 'hostgroup = foo:<cidr>' line defines it/);
  });

  it('warns about feature switches that were on and are lost', () => {
    const r = run(`${BASE}redis_enabled = yes\nmirror_afpacket = on\nexabgp_flow_spec_announces = on\n`);
    has(r.warnings, /redis_enabled was on in FastNetMon and has no equivalent: Redis export/);
    has(r.warnings, /mirror_afpacket was on in FastNetMon and has no equivalent: mirror/);
    assert.match(skippedReason(r, 'exabgp_flow_spec_announces'), /exabgp is off/);
  });

  it('notify_script_pass_details = off gives the script nothing on stdin; a missing script is a warning', () => {
    const r = run(`${BASE}notify_script_path = /opt/hooks/ban.sh\nnotify_script_pass_details = off\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.notify.script.path, '/opt/hooks/ban.sh');
    assert.equal(c.notify.script.stdin, 'none');
    has(r.warnings, /notify_script_path: cannot read \/opt\/hooks\/ban\.sh \(ENOENT.*FastNetMon disables a missing script at start/);
  });

  it('reads the log level (info or debug only)', () => {
    assert.equal(parseConfig(run(`${BASE}logging_level = debug\n`).yaml).logging.level, 'debug');
    const r = run(`${BASE}logging_level = verbose\n`);
    assert.equal(parseConfig(r.yaml).logging.level, 'info');
    assert.match(skippedReason(r, 'logging_level'), /'info' and 'debug' only/);
  });
});

describe('importFastnetmon: hostgroups', () => {
  it('merges a group defined twice, drops a prefix already in another group, names groups for Breakwater', () => {
    const r = run(
      `${BASE}hostgroup = my hosts!:198.51.100.0/26\nhostgroup = global:203.0.113.0/28\nhostgroup = my hosts!:198.51.100.64/26, 203.0.113.0/28\n` +
        'my hosts!_enable_ban = on\nmy hosts!_ban_for_pps = on\nmy hosts!_threshold_pps = 1000\nglobal_ban_for_pps = on\nglobal_threshold_pps = 9\n',
    );
    const c = parseConfig(r.yaml);
    assert.deepEqual(Object.keys(c.detection.groups).sort(), ['global_hostgroup', 'my_hosts_']);
    assert.deepEqual(c.detection.groups.my_hosts_.prefixes, ['198.51.100.0/26', '198.51.100.64/26']);
    assert.equal(c.detection.groups.my_hosts_.thresholds?.incoming?.pps, 1000);
    assert.equal(c.detection.groups.global_hostgroup.thresholds?.outgoing?.pps, 9);
    assert.deepEqual(c.mitigation.groups.my_hosts_.actions, { default: ['blackhole'] });
    assert.deepEqual(c.mitigation.groups.global_hostgroup.actions, { default: [] });
    has(r.warnings, /hostgroup my hosts! is named my_hosts_ in Breakwater/);
    has(r.warnings, /hostgroup global is named global_hostgroup/);
    has(r.warnings, /line 5: hostgroup my hosts! is defined again \(line 3\): its prefixes are merged/);
    has(r.warnings, /line 5: 203\.0\.113\.0\/28 is already in hostgroup global; FastNetMon allows one group per prefix: dropped from my hosts!/);
  });

  it('warns about a group with no threshold on and about IPv6 prefixes', () => {
    const r = run(`${BASE}hostgroup = quiet:198.51.100.0/26\nhostgroup = v6:2001:db8:100::/64\nv6_ban_for_pps = on\nv6_threshold_pps = 100\n`);
    const c = parseConfig(r.yaml);
    assert.deepEqual(c.detection.groups.v6.prefixes, ['2001:db8:100::/64']);
    has(r.warnings, /hostgroup quiet has no quiet_ban_for_\* switch on with a threshold: FastNetMon starts a hostgroup from all-off/);
    has(r.warnings, /hostgroup v6 has IPv6 prefix 2001:db8:100::\/64: FastNetMon Community applies hostgroups to IPv4 only/);
  });

  it('refuses a bad hostgroup line or prefix, naming the line', () => {
    const p = problemsOf(() => run(`${BASE}hostgroup = nocolon\nhostgroup = web:198.51.100.1/24,banana\n`));
    has(p, /^line 3: hostgroup = 'nocolon': expected hostgroup = <name>:<cidr>,<cidr>/);
    has(p, /^line 4: hostgroup web: '198\.51\.100\.1\/24' has host bits set beyond \/24 \(did you mean 198\.51\.100\.0\/24\?\)/);
    has(p, /^line 4: hostgroup web: 'banana' is not an IPv4 or IPv6 address or prefix/);
  });
});

describe('importFastnetmon: list files', () => {
  it('refuses a networks list with a bad CIDR, naming the file and line', () => {
    const p = problemsOf(() => run(BASE, { '/etc/networks_list': '# ours\n10.0.0.0/8\n192.0.2.1/24\nnot-a-prefix\n' }));
    has(p, /^networks_list_path: \/etc\/networks_list:3: '192\.0\.2\.1\/24' has host bits set beyond \/24 \(did you mean 192\.0\.2\.0\/24\?\)/);
    has(p, /^networks_list_path: \/etc\/networks_list:4: 'not-a-prefix' is not an IPv4 or IPv6 address or prefix/);
  });

  it('refuses a whitelist with a bad CIDR', () => {
    const p = problemsOf(() => run(BASE, { '/etc/networks_whitelist': '2001:db8::1/64\n' }));
    has(p, /^white_list_path: \/etc\/networks_whitelist:1: '2001:db8::1\/64' has host bits set/);
  });

  it('references an unreadable list file named in the config, with a warning', () => {
    const r = run('networks_list_path = /srv/fnm/networks\nwhite_list_path = /etc/networks_whitelist\n');
    assert.equal(parseConfig(r.yaml).traffic.networks_file, '/srv/fnm/networks');
    has(r.warnings, /networks_list_path: cannot read \/srv\/fnm\/networks \(ENOENT.*\): referenced anyway; Breakwater refuses to start until its user can read it/);
  });

  it("uses FastNetMon's default paths when the keys are absent, if they can be read", () => {
    const r = run('ban_time = 60\n');
    const c = parseConfig(r.yaml);
    assert.equal(c.traffic.networks_file, '/etc/networks_list');
    has(r.warnings, /networks_list_path is not set: FastNetMon reads its default \/etc\/networks_list, and so does the import/);
    const none = run('ban_time = 60\n', { '/etc/networks_list': '' });
    has(none.warnings, /lists no prefix: nothing would be monitored/);
  });

  it('does not reference an absent default that cannot be read', () => {
    const r = importFastnetmon('ban_time = 60\n', { confPath: '/etc/fastnetmon.conf', readFile: () => { throw new Error('ENOENT'); } });
    const c = parseConfig(r.yaml);
    assert.equal(c.traffic.networks_file, null);
    assert.equal(c.traffic.allow_list.hosts_file, null);
    has(r.warnings, /networks_list_path is not set and FastNetMon's default \/etc\/networks_list cannot be read here \(ENOENT\): no monitored networks imported/);
    has(r.warnings, /no monitored networks imported: Breakwater detects nothing/);
  });

  it('resolves a relative path against the config file and says so', () => {
    const r = importFastnetmon('networks_list_path = lists/networks\nwhite_list_path = /etc/networks_whitelist\n', {
      confPath: '/opt/fnm/fastnetmon.conf',
      readFile: fakeFs({ '/opt/fnm/lists/networks': '10.0.0.0/8\n' }),
    });
    assert.equal(parseConfig(r.yaml).traffic.networks_file, '/opt/fnm/lists/networks');
    has(r.warnings, /networks_list_path = lists\/networks is relative .*imported as \/opt\/fnm\/lists\/networks/);
  });
});

describe('importFastnetmon: bad values', () => {
  it('refuses numbers that atoi would misread, and values out of range, all at once', () => {
    const p = problemsOf(() => run(`${BASE}threshold_pps = 20k\nban_time = 99999999999\nnetflow_sampling_ratio = 0\naverage_calculation_time = -5\n`));
    assert.equal(p.length, 4);
    has(p, /^line 3: threshold_pps = '20k' is not a whole number \(FastNetMon's atoi reads it as 20\); fix the value/);
    has(p, /^line 4: ban_time = 99999999999 is out of range \(0 to 31536000\)/);
    has(p, /^line 5: netflow_sampling_ratio = 0 is out of range \(1 to 1073741824\)/);
    has(p, /^line 6: average_calculation_time = '-5' is not a whole number/);
  });

  it('refuses bad ports, addresses and communities', () => {
    const p = problemsOf(() =>
      run(
        `${BASE}sflow = on\nsflow_port = 6343,70000,abc\nnetflow = on\nnetflow_port = 2055\nnetflow_host = 0.0.0.300\n` +
          'exabgp = on\nexabgp_announce_host = on\nexabgp_next_hop = 2001:db8::1\nexabgp_community = [65001:666 65001:99999]\n',
      ),
    );
    has(p, /^line 4: sflow_port: '70000' is not a UDP port/);
    has(p, /^line 4: sflow_port: 'abc' is not a UDP port/);
    has(p, /^line 7: netflow_host = '0\.0\.0\.300' is not an IPv4 or IPv6 address/);
    has(p, /^line 10: exabgp_next_hop = '2001:db8::1' is not an IPv4 address/);
    has(p, /^line 11: exabgp_community: '65001:99999' is not a BGP community/);
  });

  it('refuses a file with no setting at all', () => {
    const p = problemsOf(() => run('# only comments\n\nnot a setting\n'));
    has(p, /no "key = value" line found/);
    has(p, /line 3: cannot parse 'not a setting'/);
  });
});

describe('importFastnetmon: BGP', () => {
  it('imports no ExaBGP speaker when FastNetMon announced no host route through it', () => {
    const r = run(`${BASE}enable_ban = on\nexabgp = on\nexabgp_announce_whole_subnet = on\nexabgp_next_hop = 10.0.0.1\n`);
    const c = parseConfig(r.yaml);
    assert.equal(c.bgp.speakers.length, 0);
    has(r.warnings, /exabgp is on but exabgp_announce_host is off: .*only whole subnets/);
    assert.match(skippedReason(r, 'exabgp_next_hop'), /exabgp_announce_host is off/);
  });

  it('exabgp_community_host wins over exabgp_community; no-export is not added', () => {
    const r = run(`${BASE}exabgp = on\nexabgp_announce_host = on\nexabgp_next_hop = 10.0.0.1\nexabgp_community = 65001:666\nexabgp_community_host = 65001:668\n`);
    const c = parseConfig(r.yaml);
    assert.deepEqual(c.mitigation.blackhole.communities, ['65001:668']);
    assert.deepEqual(c.mitigation.blackhole.next_hop, { ipv4: '10.0.0.1', ipv6: '100::1' });
    assert.match(skippedReason(r, 'exabgp_community'), /exabgp_community_host is set/);
    has(r.warnings, /exabgp_command_pipe is not set/);
    assert.equal(c.bgp.speakers[0].type === 'exabgp-pipe' && c.bgp.speakers[0].pipe, '/var/run/exabgp.cmd');
  });

  it("GoBGP alone with FastNetMon's built-in values", () => {
    const r = run(`${BASE}gobgp = on\ngobgp_announce_host = on\n`);
    const c = parseConfig(r.yaml);
    assert.deepEqual(c.bgp.speakers.map((s) => s.type), ['gobgp']);
    assert.deepEqual(c.mitigation.blackhole.communities, ['65001:668']);
    assert.deepEqual(c.mitigation.blackhole.next_hop, { ipv4: '0.0.0.0', ipv6: '100::1' });
    has(r.warnings, /gobgp_next_hop is 0\.0\.0\.0/);
    has(r.warnings, /FastNetMon announced IPv4 host routes only through GoBGP/);
  });

  it('GoBGP IPv6: a zero host next hop falls back to gobgp_next_hop_ipv6; "::" is flagged', () => {
    const r = run(`${BASE}gobgp = on\ngobgp_announce_host_ipv6 = on\ngobgp_next_hop_host_ipv6 = ::0\ngobgp_next_hop_ipv6 = 2001:db8::66\n`);
    assert.equal(parseConfig(r.yaml).mitigation.blackhole.next_hop.ipv6, '2001:db8::66');
    assert.match(skippedReason(r, 'gobgp_next_hop_host_ipv6'), /zero address/);
    const z = run(`${BASE}gobgp = on\ngobgp_announce_host_ipv6 = on\ngobgp_next_hop_ipv6 = ::\n`);
    has(z.warnings, /the IPv6 next hop is "::", which gobgpd refuses/);
  });

  it('says when gobgp_next_hop_host_ipv4 was ignored by FastNetMon', () => {
    const r = run(`${BASE}gobgp = on\ngobgp_announce_host = on\ngobgp_next_hop = 10.0.0.1\ngobgp_next_hop_host_ipv4 = 10.9.9.9\n`);
    assert.equal(parseConfig(r.yaml).mitigation.blackhole.next_hop.ipv4, '10.0.0.1');
    has(r.warnings, /gobgp_next_hop_host_ipv4 = 10\.9\.9\.9 was never used by FastNetMon/);
    assert.match(skippedReason(r, 'gobgp_next_hop_host_ipv4'), /never reads this key/);
  });

  it('marks every exabgp_* and gobgp_* key skipped when the integration is off', () => {
    const r = run(`${BASE}exabgp = off\nexabgp_next_hop = 10.0.0.1\ngobgp_next_hop = 10.0.0.1\n`);
    assert.equal(skippedReason(r, 'exabgp_next_hop'), 'exabgp is off');
    assert.equal(skippedReason(r, 'gobgp_next_hop'), 'gobgp is off');
    assert.equal(r.config.mitigation && (r.config.mitigation as Record<string, unknown>).blackhole, undefined);
  });
});
