/**
 * Capture replay end to end: real exporter captures decode to the same samples as the decoder
 * tests expect; a recording of live traffic replays to the same attacks the live daemon found;
 * the report of a capture with a known attack, field by field; a capture of ordinary packets
 * (a SYN flood on a mirror port) detected in raw mode; bad input rejected with clear errors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodePcap, encodePcapng, ipUdpPacket, linkFrame, LinkType, repoRoot, readPcapFile, readUdpDatagrams, type PcapRecord } from '../../src/capture/index.js';
import { parseConfig } from '../../src/config/load.js';
import { CollectingSink } from '../../src/flow/sample-record.js';
import { Exporter } from '../../src/flow/exporter.js';
import { SflowDecoder } from '../../src/flow/sflow/index.js';
import { NetflowV5Decoder, NetflowV9Decoder } from '../../src/flow/netflow/index.js';
import { IpfixDecoder } from '../../src/flow/ipfix/index.js';
import { TemplateCache } from '../../src/flow/templates/index.js';
import { TcpFlag } from '../../src/flow/sample.js';
import { replayCapture, ReplayInputError, formatReport, type ReplayReport } from '../../src/replay/index.js';
import { buildPacketHeader, resolveFlow, scenarioDescription, FCS_BYTES, type FlowSpec } from '../../tools/flowgen/index.js';
import { REPLAY_CONFIG_YAML, T0, runLiveRecorded, simulate, simulatedPcap, tempDir } from './helpers.js';

type Json = Record<string, unknown>;

const FIXTURES: Array<{ pcap: string; kind: 'v5' | 'v9' | 'ipfix' | 'sflow' }> = [
  { pcap: 'src/flow/netflow/testdata/captured/netflow-v5.pcap', kind: 'v5' },
  { pcap: 'src/flow/netflow/testdata/captured/netflow-v9.pcap', kind: 'v9' },
  { pcap: 'src/flow/netflow/testdata/captured/netflow-v9-sampled.pcap', kind: 'v9' },
  { pcap: 'src/flow/ipfix/testdata/captured/ipfix.pcap', kind: 'ipfix' },
  { pcap: 'src/flow/ipfix/testdata/captured/ipfix-sampled.pcap', kind: 'ipfix' },
  { pcap: 'src/flow/sflow/testdata/captured/sflow.pcap', kind: 'sflow' },
  { pcap: 'src/flow/sflow/testdata/captured/sflow-sampled.pcap', kind: 'sflow' },
];

function directDecode(path: string, kind: 'v5' | 'v9' | 'ipfix' | 'sflow'): CollectingSink {
  const decoder = kind === 'v5' ? new NetflowV5Decoder() : kind === 'v9' ? new NetflowV9Decoder(new TemplateCache()) : kind === 'ipfix' ? new IpfixDecoder(new TemplateCache()) : new SflowDecoder();
  const sink = new CollectingSink();
  const dgs = [...readUdpDatagrams(readPcapFile(path))];
  const exporter = new Exporter(dgs[0].srcAddr, 1, 0, 1);
  for (const d of dgs) decoder.decode(d.payload, exporter, d.tsMs, sink);
  return sink;
}

/** Samples the tshark truth beside a fixture lists (what src/flow/fixtures.test.ts expects). */
function truthSamples(pcap: string, kind: string): { datagrams: number; samples: number } {
  const truth = JSON.parse(readFileSync(join(repoRoot(), pcap.replace(/\.pcap$/, '.json')), 'utf8')) as { datagrams: Json[] };
  let samples = 0;
  for (const d of truth.datagrams) {
    if (kind === 'sflow') samples += ((d.samples as Json[] | undefined) ?? []).filter((s) => s.type === 'flow' && s.ipVersion !== undefined).length;
    else samples += ((d.records as Json[] | undefined) ?? []).length;
  }
  return { datagrams: truth.datagrams.length, samples };
}

describe('replay of the real exporter captures', () => {
  for (const f of FIXTURES) {
    test(`${f.pcap.split('/').pop()} decodes to the samples the decoder tests expect`, async () => {
      const path = join(repoRoot(), f.pcap);
      const tap = new CollectingSink();
      const r = await replayCapture({ file: path, config: parseConfig(''), tap });
      const want = truthSamples(f.pcap, f.kind);
      assert.equal(r.mode, 'telemetry');
      assert.equal(r.datagrams, want.datagrams);
      assert.equal(r.samples, want.samples);
      assert.equal(tap.records.length, want.samples);
      // Field by field the same as the decoder alone (which src/flow/fixtures.test.ts checks
      // against tshark): the daemon's path through Ingest changes nothing.
      assert.deepEqual(tap.records, directDecode(path, f.kind).records);
      assert.equal(r.decodeErrors, 0);
      assert.deepEqual(r.skipped, {});
      assert.equal(r.exporters.length, 1);
      assert.equal(r.exporters[0].address, '127.0.0.1');
      assert.equal(r.exporters[0].samples, want.samples);
    });
  }
});

describe('replay of a recording gives the same attacks as live ingestion', () => {
  test('flowgen udp-flood over sFlow with NetFlow v9 background: recorded live, replayed', async () => {
    const dir = tempDir();
    try {
      const yaml = REPLAY_CONFIG_YAML.replace('detection:\n', 'detection:\n  end_seconds: 3\n');
      const sources = [
        { protocol: 'sflow' as const, description: scenarioDescription('udp-flood'), activeSeconds: [2, 7] as [number, number] },
        { protocol: 'netflow9' as const, description: scenarioDescription('normal', { activeTimeoutMs: 1000 }) },
      ];
      const live = await runLiveRecorded(sources, 14, dir, yaml);
      assert.equal(live.started.length, 1, 'the live daemon detects the flood');
      assert.equal(live.ended.length, 1, 'and sees it end');
      assert.ok(live.files.length >= 1);

      const r = await replayCapture({ file: live.files, config: parseConfig(yaml) });
      assert.equal(r.datagrams, live.datagrams);
      assert.equal(r.samples, live.samples);
      assert.equal(r.decodeErrors, 0);
      const key = (a: { host: string; direction: string; type: string; startedMs: number }) => `${a.host} ${a.direction} ${a.type} ${a.startedMs}`;
      assert.deepEqual(r.attacks.map(key), live.started.map((s) => key(s.attack)));
      assert.deepEqual(r.attacks.map((a) => a.endedMs), live.ended.map((e) => e.attack.endedMs));
      assert.equal(r.attacks[0].startedMs, T0 + live.started[0].second * 1000);
      // pps and Mbit/s are exact; flows/s is a hashed estimate whose seed differs per process.
      const ended = live.ended[0].attack;
      assert.deepEqual([r.attacks[0].peak.pps, r.attacks[0].peak.mbps], [ended.peak.pps, ended.peak.mbps]);
      assert.equal(r.attacks[0].type, ended.type);
      assert.equal(r.attacks[0].fingerprint?.dominant.protocol?.value, 17);
      // The recorded frames carry the exporter's address and the listener ports of the live run.
      assert.deepEqual(r.exporters.map((e) => e.address), ['127.0.0.1']);
      assert.deepEqual(Object.keys(r.exporters[0].protocols).sort(), ['netflow_v9', 'sflow']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the report of a capture with a known attack', () => {
  test('SYN flood 300k pps over sFlow 1:1000, seconds 2..10 of 20, with background: every field', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'syn.pcap');
      const sources = [
        { protocol: 'sflow' as const, description: scenarioDescription('syn-flood'), activeSeconds: [2, 10] as [number, number], srcAddr: '10.0.0.1', srcPort: 50001 },
        { protocol: 'netflow9' as const, description: scenarioDescription('normal', { activeTimeoutMs: 1000 }), srcAddr: '10.0.0.2', srcPort: 50002 },
      ];
      writeFileSync(file, simulatedPcap(sources, 20));
      const all = simulate(sources, 20);
      const first = all[0].tsMs;
      const last = all[all.length - 1].tsMs;
      assert.ok(first < T0 + 1000 && last >= T0 + 19_000, 'traffic in the first and the last second');
      const config = parseConfig(`${REPLAY_CONFIG_YAML.replace('detection:\n', 'detection:\n  end_seconds: 3\n')}\nmitigation:\n  ban_time_seconds: 5\n`);
      const progress: number[] = [];
      const r = await replayCapture({ file, config, configSource: 'test.yaml', onProgress: (p) => progress.push(p.bytes) });
      const expectFields: Partial<ReplayReport> = {
        file,
        files: [file],
        config: 'test.yaml',
        mode: 'telemetry',
        sampling: null,
        bytes: readFileSync(file).length,
        packets: all.length,
        datagrams: all.length,
        decodeErrors: 0,
        decodeErrorsByCode: {},
        skipped: {},
        notAllowed: 0,
        firstTs: new Date(first).toISOString(),
        lastTs: new Date(last).toISOString(),
        firstTsMs: first,
        lastTsMs: last,
        durationSeconds: (last - first) / 1000,
        // One tick per whole second crossed, and one closing the last partial second.
        ticks: Math.floor(last / 1000) - Math.floor(first / 1000) + 1,
        outOfOrder: 0,
        attacksOmitted: 0,
        attacksSuppressed: 0,
        mitigationConfig: { enabled: true, dryRun: false },
        readError: null,
        warnings: [],
      };
      for (const [k, v] of Object.entries(expectFields)) assert.deepEqual(r[k as keyof ReplayReport], v, k);
      assert.equal(progress.at(-1), r.bytes);

      assert.equal(r.attacks.length, 1);
      const a = r.attacks[0];
      assert.match(a.id, /^[0-9a-f-]{36}$/);
      assert.equal(a.host, '192.0.2.10');
      assert.equal(a.ipVersion, 4);
      assert.equal(a.direction, 'incoming');
      assert.equal(a.group, 'global');
      assert.equal(a.type, 'syn_flood');
      assert.equal(a.amplification, null);
      assert.equal(a.protocol, 'tcp');
      // Telemetry from second 2; trigger_seconds 2: above at the ticks closing seconds 2 and 3.
      assert.equal(a.startedMs, T0 + 4000);
      assert.equal(a.startedAt, new Date(T0 + 4000).toISOString());
      assert.equal(a.startOffsetSeconds, (T0 + 4000 - first) / 1000);
      // The tick at 10 s closes the last flood second; the one at 11 s is the first below the
      // threshold, and end_seconds (3) later, at 14 s, the attack ends.
      assert.equal(a.endedMs, T0 + 14_000);
      assert.equal(a.endedAt, new Date(T0 + 14_000).toISOString());
      assert.equal(a.endReason, 'below_threshold');
      assert.equal(a.durationSeconds, 10);
      assert.equal(a.trigger.metric, 'pps');
      assert.equal(a.trigger.threshold, 40_000);
      assert.equal(a.trigger.rule, 'consecutive');
      // flowgen's sampler is exact: 300 samples of 1 000 packets every second.
      assert.equal(a.trigger.value, 300_000);
      assert.equal(a.trigger.ratio, 7.5);
      assert.ok(a.exceeded.some((h) => h.metric === 'pps'));
      assert.deepEqual(a.peak, { pps: 300_000, mbps: 153.6, flows: a.peak.flows });
      assert.ok(a.fingerprint);
      const fp = a.fingerprint;
      assert.equal(fp.direction, 'incoming');
      assert.equal(fp.dominant.protocol?.value, 6);
      assert.equal(fp.dominant.tcpFlags?.value, TcpFlag.SYN);
      assert.equal(fp.dominant.dstPort?.value, 80);
      // IP packet length, as FlowSpec matches it: 64-byte frames less 14 Ethernet and 4 FCS bytes.
      assert.deepEqual([fp.packetLength.min, fp.packetLength.max], [46, 46]);
      assert.equal(fp.protocols[0].name, 'tcp');
      assert.ok(fp.distinctRemotes > 100 && fp.distinctRemotes <= 200, `distinct sources ${fp.distinctRemotes}`);
      assert.ok(fp.confidence > 0.8);

      assert.equal(r.mitigations.length, 1);
      const m = r.mitigations[0];
      assert.equal(m.kind, 'blackhole');
      assert.equal(m.host, '192.0.2.10');
      assert.match(m.route, /^unicast 192\.0\.2\.10\/32 nh 192\.0\.2\.1 comm 65535:666,65535:65281$/); // no-export is 65535:65281 (RFC 1997)
      assert.equal(m.attackId, a.id);
      assert.deepEqual(a.mitigationIds, [m.id]);
      assert.match(m.reason, /^syn_flood incoming: pps 300000 > 40000$/);
      assert.equal(m.announcedMs, a.startedMs);
      // Ban time 5 s elapsed at 9 s while the attack went on (unban_only_if_attack_finished): held, withdrawn when it ended.
      assert.deepEqual(m.changes.map((c) => [c.action, c.at]), [['hold', new Date(T0 + 9000).toISOString()]]);
      assert.equal(m.withdrawnMs, a.endedMs);
      assert.equal(m.withdrawReason, 'attack ended after the ban time');
      assert.deepEqual(r.refusals, []);

      assert.equal(r.peakHosts.byPps[0].host, '192.0.2.10');
      assert.equal(r.peakHosts.byPps[0].direction, 'incoming');
      assert.equal(r.peakHosts.byPps[0].peakPps, 300_000);
      assert.equal(r.peakHosts.byMbps[0].peakMbps, 153.6);
      assert.ok(r.peakTotals.incoming.pps >= 300_000);

      assert.deepEqual(r.exporters.map((e) => e.address).sort(), ['10.0.0.1', '10.0.0.2']);
      const sflowEx = r.exporters.find((e) => e.address === '10.0.0.1')!;
      assert.deepEqual(Object.keys(sflowEx.protocols), ['sflow']);
      assert.equal(sflowEx.datagrams, all.filter((d) => d.src.protocol === 'sflow').length);
      assert.equal(sflowEx.sequenceGaps, 0);
      assert.deepEqual(sflowEx.errors, {});

      const text = formatReport(r);
      assert.match(text, /192\.0\.2\.10 incoming syn_flood/);
      assert.match(text, /blackhole unicast 192\.0\.2\.10\/32/);
      assert.match(text, /destination ports: 80 100%/);
      // The JSON form round-trips.
      assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a second config on the same capture: higher thresholds, no attack', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'syn.pcap');
      writeFileSync(file, simulatedPcap([{ protocol: 'sflow', description: scenarioDescription('syn-flood'), activeSeconds: [2, 10] }], 12));
      const r = await replayCapture({ file, config: parseConfig(REPLAY_CONFIG_YAML.replace(/pps: 40000/g, 'pps: 500000')) });
      assert.equal(r.attacks.length, 0);
      assert.equal(r.mitigations.length, 0);
      assert.equal(r.peakHosts.byPps[0].peakPps, 300_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Ethernet frames of ordinary traffic as a mirror port would capture them (snap length 128). */
function rawCapture(flows: Array<FlowSpec & { from: number; to: number }>, seconds: number): PcapRecord[] {
  const out: PcapRecord[] = [];
  for (let sec = 0; sec < seconds; sec++) {
    const batch: PcapRecord[] = [];
    flows.forEach((f, fi) => {
      if (sec < f.from || sec >= f.to) return;
      for (let k = 0; k < f.pps; k++) {
        // Many sources: each packet of the flood from its own address and port.
        const spec: FlowSpec = { ...f, src: f.src.replace(/\.x$/, `.${1 + (k % 250)}`), srcPort: f.srcPort === undefined ? undefined : 1024 + ((k * 7 + fi) % 60000) };
        const frame = buildPacketHeader(resolveFlow(spec, fi));
        const len = f.packetSize - FCS_BYTES;
        batch.push({ tsMs: T0 + sec * 1000 + Math.floor((k * 1000) / f.pps), data: frame.subarray(0, Math.min(len, 128)), origLen: len });
      }
    });
    batch.sort((x, y) => x.tsMs - y.tsMs);
    out.push(...batch);
  }
  return out;
}

describe('raw packet captures (mirror port)', () => {
  const flows = [
    { src: '198.51.100.x', dst: '192.0.2.10', protocol: 'tcp' as const, srcPort: 1, dstPort: 443, tcpFlags: TcpFlag.SYN, packetSize: 64, pps: 3000, from: 2, to: 7 },
    { src: '203.0.113.5', dst: '192.0.2.20', protocol: 'tcp' as const, srcPort: 40000, dstPort: 443, tcpFlags: TcpFlag.ACK, packetSize: 1000, pps: 100, from: 0, to: 10 },
  ];
  const yaml = `
traffic:
  networks: [192.0.2.0/24]
detection:
  thresholds:
    incoming: { pps: 1000, mbps: 1000 }
`;

  test('a SYN flood in a pcap of ordinary packets is detected (every packet, and 1-in-10)', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'span.pcap');
      const recs = rawCapture(flows, 10);
      writeFileSync(file, encodePcap(recs, { linkType: LinkType.ETHERNET, snapLen: 128 }));
      for (const sampling of [1, 10]) {
        const r = await replayCapture({ file, config: parseConfig(yaml), sampling });
        assert.equal(r.mode, 'raw');
        assert.match(r.modeReason, /ordinary packets/);
        assert.equal(r.sampling, sampling);
        assert.equal(r.packets, recs.length);
        if (sampling === 1) assert.equal(r.samples, recs.length);
        else assert.ok(Math.abs(r.samples - recs.length / 10) < recs.length / 40, `about 1 in 10 sampled: ${r.samples} of ${recs.length}`);
        assert.equal(r.datagrams, 0);
        assert.equal(r.attacks.length, 1, `one attack at sampling ${sampling}`);
        const a = r.attacks[0];
        assert.equal(a.host, '192.0.2.10');
        assert.equal(a.type, 'syn_flood');
        assert.equal(a.startedMs, T0 + 4000);
        assert.equal(a.fingerprint?.dominant.dstPort?.value, 443);
        if (sampling === 1) {
          assert.equal(a.peak.pps, 3000);
          // Bytes are the frames' wire length (origLen, FCS not captured): 60 bytes.
          assert.equal(a.peak.mbps, (3000 * 60 * 8) / 1e6);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the same packets in pcapng with Linux cooked headers give the same samples as Ethernet', async () => {
    const dir = tempDir();
    try {
      const recs = rawCapture(flows, 3);
      const eth = join(dir, 'eth.pcap');
      writeFileSync(eth, encodePcap(recs, { linkType: LinkType.ETHERNET }));
      // SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8), then the IP packet.
      const toSll2 = (d: Uint8Array) => {
        const h = Buffer.alloc(20);
        h.writeUInt16BE(0x0800, 0);
        h.writeUInt16BE(1, 8);
        return Buffer.concat([h, Buffer.from(d).subarray(14)]);
      };
      const sll2 = join(dir, 'sll2.pcapng');
      writeFileSync(sll2, encodePcapng([{ interfaces: [{ linkType: LinkType.LINUX_SLL2, tsResol: 9 }], packets: recs.map((p) => ({ data: toSll2(p.data), origLen: p.origLen! + 6, timestamp: BigInt(p.tsMs) * 1_000_000n })) }]));
      const a = new CollectingSink();
      const b = new CollectingSink();
      await replayCapture({ file: eth, config: parseConfig(yaml), tap: a });
      await replayCapture({ file: sll2, config: parseConfig(yaml), tap: b });
      assert.equal(a.records.length, recs.length);
      assert.deepEqual(
        b.records.map((s) => ({ ...s, bytes: s.bytes - 6, frameLength: s.frameLength - 6 })),
        a.records,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('auto mode keeps telemetry for a collector capture and --raw forces packets', async () => {
    const path = join(repoRoot(), 'src/flow/sflow/testdata/captured/sflow.pcap');
    const auto = await replayCapture({ file: path, config: parseConfig('') });
    assert.equal(auto.mode, 'telemetry');
    const raw = await replayCapture({ file: path, config: parseConfig(''), mode: 'raw' });
    assert.equal(raw.mode, 'raw');
    // In raw mode the export datagrams themselves are the traffic: 36 UDP packets to 127.0.0.1.
    assert.equal(raw.samples, 36);
    const traffic = await replayCapture({ file: join(repoRoot(), 'src/capture/testdata/traffic.pcap'), config: parseConfig('') });
    assert.equal(traffic.mode, 'raw');
    assert.equal(traffic.packets, 242);
  });
});

describe('bad input', () => {
  const cfg = parseConfig('');
  async function rejects(file: string, re: RegExp): Promise<void> {
    await assert.rejects(replayCapture({ file, config: cfg }), (e: unknown) => {
      assert.ok(e instanceof ReplayInputError, `ReplayInputError, got ${String(e)}`);
      assert.match((e as Error).message, re);
      return true;
    });
  }

  test('missing file, directory, empty file, garbage, a text file', async () => {
    const dir = tempDir();
    try {
      await rejects(join(dir, 'nope.pcap'), /nope\.pcap: cannot read: .*ENOENT/);
      mkdirSync(join(dir, 'sub'));
      await rejects(join(dir, 'sub'), /sub: cannot read: .*not a regular file/);
      writeFileSync(join(dir, 'empty.pcap'), '');
      await rejects(join(dir, 'empty.pcap'), /empty\.pcap: not a capture file: file of 0 bytes is too short/);
      writeFileSync(join(dir, 'garbage.pcap'), Buffer.from('this is not a capture at all, just some text\n'));
      await rejects(join(dir, 'garbage.pcap'), /garbage\.pcap: not a capture file: not a pcap or pcapng file \(first word 0x74686973\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('unknown link type', async () => {
    const dir = tempDir();
    try {
      const f = join(dir, 'usb.pcap');
      writeFileSync(f, encodePcap([{ tsMs: T0, data: Buffer.alloc(40) }, { tsMs: T0 + 1, data: Buffer.alloc(40) }], { linkType: 189 }));
      await rejects(f, /usb\.pcap: link type 189 is not supported \(supported: NULL\/loopback \(0\), Ethernet \(1\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a capture cut in the middle of a packet: replayed up to the cut, the error reported', async () => {
    const dir = tempDir();
    try {
      const whole = readFileSync(join(repoRoot(), 'src/flow/sflow/testdata/captured/sflow.pcap'));
      const f = join(dir, 'cut.pcap');
      const cut = whole.length - 100;
      writeFileSync(f, whole.subarray(0, cut));
      const r = await replayCapture({ file: f, config: cfg });
      assert.equal(r.packets, 35);
      assert.ok(r.readError);
      assert.equal(r.readError.code, 'truncated');
      assert.match(r.readError.message, /cut\.pcap: file ends inside a packet \(\d+ of \d+ bytes\) \(at byte \d+\)$/);
      assert.ok(r.readError.offset < cut && r.readError.offset > cut - 2000);
      assert.ok(r.warnings.some((w) => /read stopped at byte \d+ \(truncated\)/.test(w)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad sampling', async () => {
    await assert.rejects(replayCapture({ file: join(repoRoot(), 'src/capture/testdata/traffic.pcap'), config: cfg, sampling: 0 }), /--sampling must be an integer from 1/);
  });
});

describe('the capture clock', () => {
  /** sFlow datagrams of the real capture, re-timed. */
  function retimed(times: number[]): Buffer {
    const dgs = [...readUdpDatagrams(readPcapFile(join(repoRoot(), 'src/flow/sflow/testdata/captured/sflow.pcap')))];
    return encodePcap(
      times.map((t, i) => ({ tsMs: t, data: linkFrameOf(dgs[i % dgs.length].payload) })),
      { linkType: LinkType.ETHERNET },
    );
  }

  test('a tick per second crossed, through gaps; past a day, one tick for the rest; late packets counted', async () => {
    const dir = tempDir();
    try {
      const f = join(dir, 'gaps.pcap');
      const cfg = parseConfig(REPLAY_CONFIG_YAML);
      writeFileSync(f, retimed([T0 + 500, T0 + 3_600_500]));
      let r = await replayCapture({ file: f, config: cfg });
      // Seconds 1..3600 crossed before the second packet, then the one closing its second.
      assert.equal(r.ticks, 3601);
      assert.deepEqual(r.warnings, []);
      writeFileSync(f, retimed([T0 + 500, T0 + 3 * 86_400_000 + 500]));
      r = await replayCapture({ file: f, config: cfg });
      assert.equal(r.ticks, 86_400 + 2);
      assert.deepEqual(r.warnings, ['1 gap(s) longer than 86400 s in the capture were skipped over in one tick']);
      writeFileSync(f, retimed([T0 + 500, T0 + 2500, T0 + 1200, T0 + 2600]));
      r = await replayCapture({ file: f, config: cfg });
      assert.equal(r.outOfOrder, 1);
      assert.equal(r.ticks, 3);
      assert.equal(r.lastTsMs, T0 + 2600);
      assert.match(r.warnings[0], /^1 packets were older than an already replayed second/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function linkFrameOf(payload: Buffer): Buffer {
  return linkFrame(LinkType.ETHERNET, ipUdpPacket({ srcAddr: '127.0.0.1', dstAddr: '127.0.0.1', srcPort: 40000, dstPort: 6343, payload }));
}
