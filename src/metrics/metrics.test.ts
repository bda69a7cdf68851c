import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Metrics, metricsSourcesOf, exporterSampling, type MetricsSources } from './index.js';
import { exampleRules } from './docs-examples.js';
import { parseConfig } from '../config/load.js';
import { Daemon } from '../daemon.js';
import { silentLogger } from '../log.js';
import { SimulatedExporter, scenarioDescription } from '../../tools/flowgen/index.js';
import { CATEGORY_NAMES, DIRECTION_NAMES } from '../traffic/layout.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROMTOOL = '/usr/bin/promtool';

/** Families in an exposition: name → type. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** Sample lines of an exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Label names used anywhere in an exposition. */
function labelNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /\{(.*)\}/.exec(line);
    if (!m) continue;
    for (const pair of m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) out.add(pair[1]);
  }
  return out;
}

/**
 * Lint findings promtool reports that are accepted: prom-client's own process families (their
 * names are prom-client's), and bits per second for traffic (network operators think in bits;
 * docs/metrics.md says why).
 */
const ACCEPTED_LINT = [
  /^breakwater_nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/,
  /^breakwater_traffic_bits_per_second use base unit "bytes" instead of "bits"$/,
];

/** Runs promtool check metrics; returns [exit code, problems not accepted]. */
function promtool(text: string): { status: number | null; problems: string[]; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  const output = `${r.stdout}${r.stderr}`;
  const problems = output.split('\n').filter((l) => l.trim() !== '' && !ACCEPTED_LINT.some((re) => re.test(l.trim())));
  return { status: r.status, problems, output };
}

const zeroRates = () =>
  Object.fromEntries(DIRECTION_NAMES.map((d) => [d, Object.fromEntries(CATEGORY_NAMES.map((c) => [c, { pps: 0, bps: 0 }]))])) as ReturnType<MetricsSources['traffic']>['rates'];

function fakeSources(over: Partial<MetricsSources> = {}): MetricsSources {
  const rates = zeroRates();
  rates.incoming.total = { pps: 1500, bps: 12_000_000 };
  rates.incoming.udp = { pps: 1000, bps: 8_000_000 };
  return {
    exporters: () => [
      {
        address: '10.0.0.1',
        datagramsByProtocol: new Map([['sflow', 7], ['unknown', 1]]),
        bytes: 9000,
        samples: 40,
        counterSamples: 2,
        errors: new Map([['bad_version', 1]]),
        sequenceGaps: 1,
        sequenceLost: 3,
        sequenceResets: 0,
        lastSeenMs: 1_700_000_000_000,
        templates: 0,
        sampling: { origin: 'default', rate: 1000 },
      },
    ],
    listeners: () => [{ protocol: 'sflow', address: '127.0.0.1', port: 6343, requestedReceiveBuffer: 8 << 20, actualReceiveBuffer: 212992, datagrams: 8, kernelDrops: 5 }],
    ingest: () => ({ datagramsByProtocol: new Map([['sflow', 7], ['unknown', 1]]), bytes: 9000, samples: 40, errors: [['unknown', 'bad_version', 1]], internalErrors: 0, notAllowed: 4, tooManyExporters: 0 }),
    templates: () => ({ held: 0, events: { added: 0, refreshed: 0, updates: 0, withdrawals: 0, expiries: 0, evictions: 0, refused: 0 } }),
    traffic: () => ({
      rates,
      counters: { samples: 40, ignored: 0, allowListedRemote: 0, hostRejected: 0, hostsPurged: 0, hostsEvicted: 0, spreadRecords: 0, spreadOverflow: 0, spreadTruncatedBytes: 0, spreadImplausible: 0, captured: 0, backfilled: 0, clockAnomalies: 0 },
      hosts: 3,
      hostCapacity: 1000,
    }),
    detection: () => ({
      stats: { ticks: 10, attacksStarted: 2, attacksEnded: 1, attacksSuppressed: 0, captureExhausted: 0, sinkErrors: 0 },
      activeAttacks: [{ type: 'syn_flood', direction: 'incoming' }],
    }),
    mitigation: () => ({
      active: 2,
      byKind: { blackhole: 1, flowspec: 1, escalation: 0 },
      announced: 3,
      withdrawn: 1,
      updated: 0,
      held: 0,
      refused: { invalid_route: 0, allow_listed: 2, outside_networks: 0, prefix_too_short: 0, cap_reached: 0, flowspec_outgoing: 0, no_tier: 0, redirect_ipv6: 0 },
    }),
    speakers: () => [
      { name: 'exabgp', up: true, sessionState: 'established', peers: [{ state: 'up' }], desired: 2, desiredByKind: { unicast: 1, flowspec: 1 }, inSync: true, passes: 4, consecutiveFailures: 0, lastSuccessMs: 1_700_000_000_000, rejected: 0 },
      { name: 'gobgp', up: false, sessionState: 'down', peers: [{ state: 'down' }, { state: 'up' }], desired: 2, desiredByKind: null, inSync: false, passes: 1, consecutiveFailures: 1, lastSuccessMs: null, rejected: 1 },
    ],
    notify: () => ({
      scripts: { started: 3, succeeded: 2, failed: 1, timedOut: 1, dropped: 0, running: 0, queued: 0 },
      webhooks: [{ delivered: 5, failed: 1, retries: 2, dropped: 0, queued: 0 }],
    }),
    udpReceiveBufferErrors: () => 11,
    ...over,
  };
}

describe('Metrics with fake sources', () => {
  test('renders every family with its type, labels and values', async () => {
    const m = new Metrics(fakeSources());
    m.observeTick(0.004);
    m.observeTick(0.02);
    const text = await m.render();
    const fam = families(text);
    const s = samples(text);
    assert.equal(fam.get('breakwater_tick_duration_seconds'), 'histogram');
    assert.equal(s.get('breakwater_tick_duration_seconds_count'), 2);
    assert.equal(s.get('breakwater_tick_duration_seconds_bucket{le="0.005"}'), 1);
    // Absolute numbers from the components are exposed as counters.
    for (const name of [
      'breakwater_exporter_datagrams_total',
      'breakwater_ingest_datagrams_total',
      'breakwater_listener_kernel_drops_total',
      'breakwater_attacks_started_total',
      'breakwater_mitigations_refused_total',
      'breakwater_notify_script_runs_total',
      'breakwater_webhook_deliveries_total',
      'breakwater_speaker_reconcile_passes_total',
      'breakwater_host_udp_receive_buffer_errors_total',
    ]) {
      assert.equal(fam.get(name), 'counter', name);
    }
    assert.ok(text.includes('# TYPE breakwater_ingest_bytes_total counter\n'));
    assert.equal(fam.get('breakwater_traffic_bits_per_second'), 'gauge');
    assert.equal(s.get('breakwater_traffic_bits_per_second{direction="incoming",protocol="udp"}'), 8_000_000);
    assert.equal(s.get('breakwater_traffic_packets_per_second{direction="incoming",protocol="total"}'), 1500);
    assert.equal(s.get('breakwater_traffic_packets_per_second{direction="other",protocol="icmp"}'), 0);
    assert.equal(s.get('breakwater_exporter_datagrams_total{exporter="10.0.0.1",protocol="sflow"}'), 7);
    assert.equal(s.get('breakwater_exporter_decode_errors_total{exporter="10.0.0.1",code="bad_version"}'), 1);
    assert.equal(s.get('breakwater_exporter_sampling_rate{exporter="10.0.0.1",origin="default"}'), 1000);
    assert.equal(s.get('breakwater_exporter_last_seen_timestamp_seconds{exporter="10.0.0.1"}'), 1_700_000_000);
    assert.equal(s.get('breakwater_listener_kernel_drops_total{protocol="sflow",address="127.0.0.1",port="6343"}'), 5);
    assert.equal(s.get('breakwater_ingest_decode_errors_total{protocol="unknown",code="bad_version"}'), 1);
    assert.equal(s.get('breakwater_ingest_datagrams_refused_total{reason="not_allowed"}'), 4);
    assert.equal(s.get('breakwater_traffic_hosts'), 3);
    assert.equal(s.get('breakwater_attacks_active{type="syn_flood",direction="incoming"}'), 1);
    // Every (type, direction) exists from the start, so alerts see a 0 rather than nothing.
    assert.equal(s.get('breakwater_attacks_active{type="amplification",direction="outgoing"}'), 0);
    assert.equal(s.get('breakwater_mitigations_active{kind="flowspec"}'), 1);
    assert.equal(s.get('breakwater_mitigations_refused_total{reason="allow_listed"}'), 2);
    assert.equal(s.get('breakwater_mitigations_refused_total{reason="cap_reached"}'), 0);
    assert.equal(s.get('breakwater_speaker_up{speaker="exabgp"}'), 1);
    assert.equal(s.get('breakwater_speaker_up{speaker="gobgp"}'), 0);
    assert.equal(s.get('breakwater_speaker_session_state{speaker="exabgp",state="established"}'), 1);
    assert.equal(s.get('breakwater_speaker_session_state{speaker="exabgp",state="down"}'), 0);
    assert.equal(s.get('breakwater_speaker_peers{speaker="gobgp",state="down"}'), 1);
    assert.equal(s.get('breakwater_speaker_routes_desired{speaker="exabgp",kind="flowspec"}'), 1);
    assert.equal(s.get('breakwater_speaker_routes_desired{speaker="gobgp",kind="unknown"}'), 2);
    assert.equal(s.get('breakwater_speaker_last_sync_timestamp_seconds{speaker="exabgp"}'), 1_700_000_000);
    assert.equal(s.has('breakwater_speaker_last_sync_timestamp_seconds{speaker="gobgp"}'), false);
    assert.equal(s.get('breakwater_notify_script_runs_total{result="failed"}'), 1);
    assert.equal(s.get('breakwater_webhook_deliveries_total{webhook="0",result="delivered"}'), 5);
    assert.equal(s.get('breakwater_host_udp_receive_buffer_errors_total'), 11);
    // Process metrics from prom-client, in the private registry, with the prefix.
    assert.equal(fam.get('breakwater_process_cpu_seconds_total'), 'counter');
    assert.ok(fam.has('breakwater_nodejs_eventloop_lag_seconds'));
    assert.equal(m.contentType, 'text/plain; version=0.0.4; charset=utf-8');
  });

  test('values follow the sources from one scrape to the next; counters never go through 0', async () => {
    let datagrams = 1;
    const base = fakeSources();
    const m = new Metrics({ ...base, ingest: () => ({ ...base.ingest(), datagramsByProtocol: new Map([['sflow', datagrams]]), bytes: datagrams * 100 }) });
    assert.equal(samples(await m.render()).get('breakwater_ingest_bytes_total'), 100);
    datagrams = 50;
    const s = samples(await m.render());
    assert.equal(s.get('breakwater_ingest_bytes_total'), 5000);
    assert.equal(s.get('breakwater_ingest_datagrams_total{protocol="sflow"}'), 50);
    assert.equal(s.has('breakwater_ingest_datagrams_total{protocol="unknown"}'), false);
  });

  test('each source is read once per scrape', async () => {
    const calls = new Map<string, number>();
    const base = fakeSources();
    const counted = Object.fromEntries(
      Object.entries(base).map(([k, fn]) => [k, (...a: unknown[]) => (calls.set(k, (calls.get(k) ?? 0) + 1), (fn as (...x: unknown[]) => unknown)(...a))]),
    ) as unknown as MetricsSources;
    await new Metrics(counted).render();
    for (const k of Object.keys(base)) assert.equal(calls.get(k), 1, k);
  });

  test('a source that throws leaves its families empty, is counted, and the rest renders', async () => {
    const m = new Metrics(fakeSources({ ingest: () => { throw new Error('boom'); } }));
    const text = await m.render();
    const s = samples(text);
    assert.equal(s.get('breakwater_metrics_source_errors_total{source="ingest"}'), 1);
    // No 0 for an unreadable counter (Prometheus would take it for a reset).
    assert.equal(s.has('breakwater_ingest_bytes_total'), false);
    assert.ok(families(text).has('breakwater_ingest_bytes_total'));
    assert.equal(s.get('breakwater_exporter_bytes_total{exporter="10.0.0.1"}'), 9000);
    assert.equal(samples(await m.render()).get('breakwater_metrics_source_errors_total{source="ingest"}'), 2);
  });

  test('bad numbers from a source are skipped, not thrown', async () => {
    const base = fakeSources();
    const m = new Metrics({
      ...base,
      traffic: () => ({ ...base.traffic(), hosts: Number.NaN, counters: { ...base.traffic().counters, samples: -1, ignored: Infinity } }),
    });
    const s = samples(await m.render());
    assert.equal(s.has('breakwater_traffic_hosts'), false);
    assert.equal(s.get('breakwater_traffic_samples_total'), 0);
    assert.equal(s.has('breakwater_traffic_samples_ignored_total'), false);
    m.observeTick(Number.NaN);
    m.observeTick(-1);
  });

  test('exporterSampling: override, learned exporter-wide, largest per-sampler, default', () => {
    assert.deepEqual(exporterSampling({ samplingOverride: 512, learnedSampling: new Map([[-1, 100]]), samplingDefault: 1 }), { origin: 'override', rate: 512 });
    assert.deepEqual(exporterSampling({ samplingOverride: 0, learnedSampling: new Map([[3, 50], [-1, 100]]), samplingDefault: 1 }), { origin: 'learned', rate: 100 });
    assert.deepEqual(exporterSampling({ samplingOverride: 0, learnedSampling: new Map([[3, 50], [4, 2000]]), samplingDefault: 1 }), { origin: 'learned', rate: 2000 });
    assert.deepEqual(exporterSampling({ samplingOverride: 0, learnedSampling: new Map(), samplingDefault: 1000 }), { origin: 'default', rate: 1000 });
  });

  test('promtool accepts the exposition', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} not found (Debian package prometheus)` }, async () => {
    const m = new Metrics(fakeSources());
    m.observeTick(0.01);
    const r = promtool(await m.render());
    assert.deepEqual(r.problems, [], r.output);
  });
});

describe('Metrics of a real daemon fed with flowgen datagrams', () => {
  const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
  let dir: string;
  let daemon: Daemon;
  let metrics: Metrics;
  let text: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bw-metrics-'));
    let clock = T0;
    const config = parseConfig(`
traffic:
  networks: [192.0.2.0/24, "2001:db8::/64"]
detection:
  thresholds:
    incoming: { pps: 40000, mbps: 1000 }
    outgoing: { pps: 40000, mbps: 1000 }
state: { path: ${join(dir, 'state.db')} }
api: { enabled: false }
collectors:
  listeners:
    - { protocol: sflow, address: 127.0.0.1, port: 0 }
  log_interval_seconds: 0
`);
    daemon = new Daemon(config, { logger: silentLogger(), now: () => clock, autoTick: false });
    metrics = new Metrics(metricsSourcesOf(daemon));
    await daemon.start();
    // Datagrams go straight into ingest (the listener is what the e2e test exercises): a UDP
    // flood from flowgen's sFlow exporter and normal traffic from a NetFlow v9 one.
    const flood = new SimulatedExporter('sflow', scenarioDescription('udp-flood'), { startMs: T0 });
    const normal = new SimulatedExporter('netflow9', scenarioDescription('normal'), { startMs: T0 });
    for (let sec = 0; sec < 5; sec++) {
      for (let step = 0; step < 10; step++) {
        clock = T0 + sec * 1000 + step * 100;
        for (const d of flood.step(100)) daemon.ingest.datagram('sflow', d, '127.0.0.2', clock);
        for (const d of normal.step(100)) daemon.ingest.datagram('netflow', d, '127.0.0.3', clock);
      }
      clock = T0 + (sec + 1) * 1000;
      const t0 = performance.now();
      daemon.tick(clock);
      metrics.observeTick((performance.now() - t0) / 1000);
    }
    text = await metrics.render();
  });

  after(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('reflects what the components counted', () => {
    const s = samples(text);
    assert.ok(daemon.detector.activeAttacks().length > 0, 'the flood was detected');
    assert.equal(s.get('breakwater_attacks_active{type="udp_flood",direction="incoming"}'), 1);
    assert.equal(s.get('breakwater_attacks_started_total'), daemon.detector.stats.attacksStarted);
    assert.equal(s.get('breakwater_mitigations_active{kind="blackhole"}'), daemon.mitigation.stats().byKind.blackhole);
    assert.ok(s.get('breakwater_mitigations_active{kind="blackhole"}')! >= 1);
    assert.equal(s.get('breakwater_ingest_datagrams_total{protocol="sflow"}'), daemon.ingest.totals.datagramsByProtocol.get('sflow'));
    assert.equal(s.get('breakwater_ingest_datagrams_total{protocol="netflow_v9"}'), daemon.ingest.totals.datagramsByProtocol.get('netflow_v9'));
    assert.equal(s.get('breakwater_exporters'), 2);
    assert.equal(s.get('breakwater_exporter_samples_total{exporter="127.0.0.2"}'), daemon.registry.get('127.0.0.2')!.stats.samples);
    assert.ok(s.get('breakwater_exporter_templates{exporter="127.0.0.3"}')! > 0, 'NetFlow v9 templates held');
    assert.equal(s.get('breakwater_templates'), daemon.decoders.templates.size);
    assert.equal(s.get('breakwater_traffic_hosts'), daemon.traffic.table.count);
    assert.equal(s.get('breakwater_detection_ticks_total'), 5);
    assert.equal(s.get('breakwater_tick_duration_seconds_count'), 5);
    const incoming = daemon.traffic.totals().incoming;
    assert.equal(s.get('breakwater_traffic_bits_per_second{direction="incoming",protocol="udp"}'), incoming.udp.bps);
    assert.ok(incoming.udp.bps > 0);
    assert.equal(s.get('breakwater_traffic_packets_per_second{direction="incoming",protocol="total"}'), incoming.total.pps);
    assert.ok(s.has('breakwater_listener_datagrams_total{protocol="sflow",address="127.0.0.1",port="' + daemon.listener.ports()[0] + '"}'));
  });

  test('no monitored host address appears anywhere, as a label or otherwise', () => {
    assert.ok(daemon.traffic.table.count > 0);
    assert.equal(text.includes('192.0.2.'), false);
    assert.equal(text.includes('2001:db8'), false);
    assert.equal(/198\.51\.100\.|203\.0\.113\./.test(text), false, 'remote (attacker) addresses');
    const allowed = new Set(['le', 'exporter', 'protocol', 'code', 'origin', 'address', 'port', 'reason', 'event', 'direction', 'type', 'kind', 'speaker', 'state', 'result', 'webhook', 'source', 'version', 'major', 'minor', 'patch', 'space']);
    for (const l of labelNames(text)) assert.ok(allowed.has(l), `unexpected label ${l}`);
  });

  test('promtool accepts the exposition', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} not found (Debian package prometheus)` }, () => {
    const r = promtool(text);
    assert.deepEqual(r.problems, [], r.output);
  });
});

describe('docs/metrics.md and the Grafana dashboard match the metrics', () => {
  let fam: Map<string, string>;
  before(async () => {
    fam = families(await new Metrics(fakeSources()).render());
  });

  /** Ours, not prom-client's process families. */
  const own = (n: string) => n.startsWith('breakwater_') && !/^breakwater_(process|nodejs)_/.test(n);

  test('every family is documented with its type, and every documented family exists', () => {
    const doc = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
    const rows = new Map<string, string>();
    for (const m of doc.matchAll(/^\| `(breakwater_[a-z0-9_]+)` \| (counter|gauge|histogram) \|/gm)) rows.set(m[1], m[2]);
    for (const [name, type] of fam) {
      if (!own(name)) continue;
      assert.equal(rows.get(name), type, `docs/metrics.md: ${name} (${type})`);
    }
    for (const name of rows.keys()) assert.ok(fam.has(name), `documented but not exposed: ${name}`);
  });

  test('the example alerting rules pass promtool check rules and use metrics that exist', { skip: existsSync(PROMTOOL) ? false : `${PROMTOOL} not found (Debian package prometheus)` }, () => {
    const rules = exampleRules(readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
    try {
      const file = join(dir, 'rules.yml');
      writeFileSync(file, rules);
      const r = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const n of rules.match(/breakwater_[a-z0-9_]+/g) ?? []) {
      assert.ok(fam.has(n) || fam.has(n.replace(/_(bucket|sum|count)$/, '')), `rule uses ${n}, which is not exposed`);
    }
  });

  test('the dashboard parses and uses only metrics that exist', () => {
    const dash = JSON.parse(readFileSync(join(ROOT, 'contrib/grafana/breakwater.json'), 'utf8')) as {
      schemaVersion: number;
      uid: string;
      title: string;
      panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }>; datasource?: { uid: string } }>;
      annotations: { list: Array<{ expr?: string; name: string }> };
      templating: { list: Array<{ type: string; name: string; query: unknown; definition?: string }> };
    };
    assert.ok(dash.schemaVersion >= 36, 'schemaVersion');
    const ds = dash.templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    assert.equal(ds?.type, 'datasource');
    assert.equal(ds?.query, 'prometheus');
    const exprs: Array<{ panel: string; expr: string }> = [];
    for (const p of dash.panels) {
      if (p.type === 'row') continue;
      assert.equal(p.datasource?.uid, '${DS_PROMETHEUS}', `panel ${p.title} datasource`);
      assert.ok((p.targets ?? []).length > 0, `panel ${p.title} has queries`);
      for (const t of p.targets ?? []) exprs.push({ panel: p.title, expr: t.expr });
    }
    for (const a of dash.annotations.list) if (a.expr) exprs.push({ panel: `annotation ${a.name}`, expr: a.expr });
    for (const v of dash.templating.list) if (v.definition) exprs.push({ panel: `variable ${v.name}`, expr: v.definition });
    const used = new Set<string>();
    for (const { panel, expr } of exprs) {
      const names = expr.match(/breakwater_[a-z0-9_]+/g) ?? [];
      assert.ok(names.length > 0, `panel ${panel}: ${expr}`);
      for (const n of names) {
        const base = fam.has(n) ? n : n.replace(/_(bucket|sum|count)$/, '');
        assert.ok(fam.has(base), `panel ${panel} uses ${n}, which is not exposed`);
        used.add(base);
      }
    }
    for (const n of ['breakwater_traffic_bits_per_second', 'breakwater_traffic_packets_per_second', 'breakwater_attacks_active', 'breakwater_mitigations_active', 'breakwater_speaker_up', 'breakwater_ingest_datagrams_total', 'breakwater_ingest_decode_errors_total', 'breakwater_listener_kernel_drops_total', 'breakwater_tick_duration_seconds']) {
      assert.ok(used.has(n), `dashboard has no panel for ${n}`);
    }
  });
});
