/**
 * Live packet capture throughput: how many packets per second the capture pipeline sustains —
 * tcpdump on one end of a veth pair in a network namespace, its pcap stream through the pipe,
 * the incremental reader, 1-in-N sampling, the header parser and traffic accounting (a real
 * TrafficCounter for 192.0.2.0/24, ticked every second) — and where it starts to lose packets.
 *
 *   node dist/bench/packet-capture-bench.js [--rates 25000,50000,100000,0] [--seconds 3]
 *        [--variants s1,s1-U,s10,s100] [--senders 1] [--inproc-only]
 *
 * Two parts:
 * - in process: a prebuilt pcap stream pushed through the reader, sampler and counter in 64 KiB
 *   chunks, no tcpdump: the Node-side cost per packet (µs), for sampling 1, 10 and 100.
 * - live: for each variant (sN: sampling N, the default batched output; sN-U: with
 *   packet_buffered, tcpdump -U) and
 *   each offered rate (0 = as fast as the sender can), a Python AF_PACKET sender in the peer
 *   namespace sends 60-byte UDP frames for --seconds (--senders N: N senders in parallel, each
 *   sending 1/N of the rate, to offer more than one Python process can); the line reports what was sent, what the
 *   site interface received, what the daemon read from tcpdump, what the kernel dropped from the
 *   capture buffer, and the CPU used by Node and by tcpdump.
 *
 * Needs root, iproute2, tcpdump and python3 (skips with a message otherwise). Every loop is
 * bounded; the namespaces are deleted at the end. Prints a `@summary` JSON line. Nothing is
 * asserted: the figures go to docs/performance.md.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodePcap, ipUdpPacket, linkFrame, LinkType, type CapturedPacket, type PcapRecord } from '../src/capture/index.js';
import { InterfaceCapture, PcapStreamReader } from '../src/capture-live/index.js';
import { packetCaptureSchema } from '../src/config/collectors.js';
import { parseConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { NetworkSets, TrafficCounter } from '../src/traffic/index.js';
import { RawPacketSampler } from '../src/replay/raw-packets.js';
import type { FlowSample, SampleSink } from '../src/flow/sample.js';
import { captureLabUnavailable, VethLab } from '../test/capture-live/veth-lab.js';
import { cpuTimes, describeMachine, machineCpu, otherCores, speedIndex, waitForQuiet } from './machine.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

const RATES = arg('rates', '25000,50000,100000,0').split(',').map(Number);
const SECONDS = Math.min(30, Math.max(1, Number(arg('seconds', '3'))));
const VARIANTS = arg('variants', 's1,s1-U,s10,s100').split(',');
const INPROC_ONLY = process.argv.includes('--inproc-only');
const SENDERS = Math.min(8, Math.max(1, Number(arg('senders', '1'))));

const CONFIG = parseConfig(`
traffic:
  networks: [192.0.2.0/24]
`);

function newCounter(): TrafficCounter {
  return new TrafficCounter(CONFIG.traffic, { networks: NetworkSets.fromConfig(CONFIG.traffic) });
}

// ---------------------------------------------------------------- in process

/** The Node-side work per packet without tcpdump: reader → 1-in-N → parser → counter. */
function inProcess(sampling: number): { packets: number; usPerPacket: number; samples: number } {
  const frames: PcapRecord[] = [];
  for (let i = 0; i < 4096; i++) {
    frames.push({
      tsMs: 1_763_800_000_000 + i,
      data: linkFrame(LinkType.ETHERNET, ipUdpPacket({ srcAddr: `198.51.100.${1 + (i % 254)}`, dstAddr: `192.0.2.${1 + (i % 50)}`, srcPort: 1024 + i, dstPort: 53, payload: Buffer.alloc(18) })),
    });
  }
  const body = encodePcap(frames, { linkType: LinkType.ETHERNET, snapLen: 256 });
  const records = body.subarray(24);
  const counter = newCounter();
  const stamped: SampleSink = {
    sample(s: FlowSample) {
      s.samplingRate = sampling;
      counter.sample(s);
    },
  };
  const raw = new RawPacketSampler(stamped, 1);
  const pkt: CapturedPacket = { index: 0, tsMs: 0, linkType: LinkType.ETHERNET, interfaceId: 0, origLen: 0, data: Buffer.alloc(0) };
  const threshold = Math.floor(0x100000000 / sampling);
  let rng = 12345;
  let packets = 0;
  const reader = new PcapStreamReader((d, start, cap, orig, ts) => {
    packets++;
    if (sampling > 1) {
      let x = rng;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      rng = x >>> 0;
      if (rng >= threshold) return;
    }
    pkt.data = d.subarray(start, start + cap);
    pkt.origLen = orig;
    raw.packet(pkt, ts);
  });
  reader.push(body.subarray(0, 24));
  // Warm up, then measure about a second, in 64 KiB chunks as a pipe delivers them.
  const chunk = 65536;
  const run = (rounds: number) => {
    for (let r = 0; r < rounds; r++) for (let o = 0; o < records.length; o += chunk) reader.push(records.subarray(o, o + chunk));
  };
  run(20);
  packets = 0;
  const samples0 = raw.stats.samples;
  let rounds = 0;
  const t0 = performance.now();
  let now = t0;
  while (now - t0 < 1000 && rounds < 100_000) {
    run(10);
    rounds += 10;
    counter.tick(1_763_800_000_000 + rounds * 1000);
    now = performance.now();
  }
  return { packets, usPerPacket: ((now - t0) * 1000) / packets, samples: raw.stats.samples - samples0 };
}

// ---------------------------------------------------------------- live

interface Step {
  variant: string;
  sampling: number;
  packetBuffered: boolean;
  offeredPps: number;
  sent: number;
  sendSeconds: number;
  sentPps: number;
  siteReceived: number;
  siteDropped: number;
  captured: number;
  capturedPps: number;
  kernelDrops: number;
  lossPercent: number;
  nodeCores: number;
  tcpdumpCores: number | null;
  /** CPU time per packet read, µs. */
  nodeUsPerPacket: number | null;
  tcpdumpUsPerPacket: number | null;
  otherCores: number | null;
}

function procCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    // Fields after the command name: utime and stime are the 12th and 13th (proc(5) fields 14, 15).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

async function liveVariant(lab: VethLab, variant: string): Promise<Step[]> {
  const sampling = Number(/^s(\d+)/.exec(variant)?.[1] ?? '1');
  const packetBuffered = variant.endsWith('-U');
  const counter = newCounter();
  const cfg = packetCaptureSchema.parse({ interface: lab.siteIf, netns: lab.site, sampling, snaplen: 128, filter: 'ip', packet_buffered: packetBuffered });
  const cap = new InterfaceCapture(cfg, { sink: counter, logger: silentLogger(), statsIntervalMs: 0, seed: 1 });
  const tick = setInterval(() => counter.tick(Date.now()), 1000);
  const steps: Step[] = [];
  await cap.start();
  try {
    for (const rate of RATES) {
      await waitForQuiet(0.3, 10);
      const before = cap.status();
      const site0 = lab.siteCounters();
      const tcpdump0 = procCpuSeconds(before.pid);
      const node0 = process.cpuUsage();
      const m0 = cpuTimes();
      const wall0 = performance.now();
      const count = rate > 0 ? Math.ceil((rate * SECONDS) / SENDERS) : 5_000_000;
      const parts = await Promise.all([...Array(SENDERS).keys()].map(() => lab.send({ kind: 'udp', count, pps: rate / SENDERS, maxSeconds: SECONDS })));
      const sent = { sent: parts.reduce((a, p) => a + p.sent, 0), seconds: Math.max(...parts.map((p) => p.seconds)) };
      // Let the capture drain: libpcap hands a partly filled buffer block over only after its
      // 1 s timeout. Until every packet the interface received was read, or kernel drops
      // explain the rest, for at most 3 s.
      // Batched output (no -U) keeps its last partial 4 KiB until more packets come: stop
      // waiting once nothing has arrived for 1.2 s.
      const received = lab.siteCounters().rxPackets - site0.rxPackets;
      let seen = cap.status().packets;
      let lastChange = performance.now();
      for (let i = 0; i < 60 && cap.status().packets - before.packets < received; i++) {
        if (i % 10 === 9) cap.askCounters();
        const st = cap.status();
        if (st.packets - before.packets + ((st.kernelDrops ?? 0) - (before.kernelDrops ?? 0)) >= received) break;
        if (st.packets !== seen) {
          seen = st.packets;
          lastChange = performance.now();
        } else if (performance.now() - lastChange > 1200) {
          break;
        }
        await sleep(50);
      }
      cap.askCounters();
      await sleep(300);
      const after = cap.status();
      const site1 = lab.siteCounters();
      const nodeUse = process.cpuUsage(node0);
      const tcpdump1 = procCpuSeconds(after.pid);
      const busy = machineCpu(m0, cpuTimes());
      const elapsed = (performance.now() - wall0) / 1000;
      const nodeCores = (nodeUse.user + nodeUse.system) / 1e6 / elapsed;
      const tcpdumpCores = tcpdump0 !== null && tcpdump1 !== null ? (tcpdump1 - tcpdump0) / elapsed : null;
      const captured = after.packets - before.packets;
      const siteReceived = site1.rxPackets - site0.rxPackets;
      const step: Step = {
        variant,
        sampling,
        packetBuffered,
        offeredPps: rate,
        sent: sent.sent,
        sendSeconds: Math.round(sent.seconds * 100) / 100,
        sentPps: Math.round(sent.sent / sent.seconds),
        siteReceived,
        siteDropped: site1.rxDropped - site0.rxDropped,
        captured,
        capturedPps: Math.round(captured / sent.seconds),
        kernelDrops: (after.kernelDrops ?? 0) - (before.kernelDrops ?? 0),
        lossPercent: siteReceived > 0 ? Math.round((1 - captured / siteReceived) * 10000) / 100 : 0,
        nodeCores: Math.round(nodeCores * 100) / 100,
        tcpdumpCores: tcpdumpCores === null ? null : Math.round(tcpdumpCores * 100) / 100,
        nodeUsPerPacket: captured > 0 ? Math.round(((nodeCores * elapsed * 1e6) / captured) * 100) / 100 : null,
        tcpdumpUsPerPacket: captured > 0 && tcpdumpCores !== null ? Math.round(((tcpdumpCores * elapsed * 1e6) / captured) * 100) / 100 : null,
        otherCores: (() => {
          const o = otherCores(busy, nodeCores + (tcpdumpCores ?? 0));
          return o === null ? null : Math.round(o * 100) / 100;
        })(),
      };
      steps.push(step);
      console.log(
        `${variant.padEnd(9)} offered ${rate === 0 ? 'max'.padStart(7) : String(rate).padStart(7)} pps: sent ${step.sentPps} pps (${step.sent}), ` +
          `interface received ${step.siteReceived}, read ${step.captured} (${step.capturedPps} pps), kernel drops ${step.kernelDrops}, loss ${step.lossPercent}%, ` +
          `node ${step.nodeCores} cores (${step.nodeUsPerPacket ?? '?'} µs/packet), tcpdump ${step.tcpdumpCores ?? '?'} cores (${step.tcpdumpUsPerPacket ?? '?'} µs/packet), rest of the machine (sender, kernel, other users) ${step.otherCores ?? '?'} cores`,
      );
    }
  } finally {
    clearInterval(tick);
    await cap.stop();
  }
  return steps;
}

async function main(): Promise<void> {
  console.log(`machine: ${describeMachine()}; speed index ${speedIndex().toFixed(0)}`);
  const inproc = [1, 10, 100].map((n) => ({ sampling: n, ...inProcess(n) }));
  for (const r of inproc) {
    console.log(`in process, sampling 1:${r.sampling}: ${r.usPerPacket.toFixed(3)} µs/packet (${Math.round(1e6 / r.usPerPacket).toLocaleString('en-US')} packets/s on one core), ${r.samples} samples`);
  }
  let live: Step[] = [];
  let skipped: string | null = null;
  if (!INPROC_ONLY) {
    skipped = captureLabUnavailable();
    if (skipped) {
      console.log(`live capture skipped: ${skipped}`);
    } else {
      const lab = new VethLab('bench');
      try {
        for (const v of VARIANTS) live = live.concat(await liveVariant(lab, v));
      } finally {
        lab.close();
      }
    }
  }
  console.log(`@summary ${JSON.stringify({ bench: 'packet-capture', seconds: SECONDS, inProcess: inproc, live, skipped })}`);
}

await main();
