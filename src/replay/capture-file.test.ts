/**
 * Streaming a capture in windows gives exactly what reading it whole gives: the same packets
 * (time, link type, interface, lengths, bytes, index) and, for a damaged file, the same packets
 * before the damage and the same error code at the same file offset, whatever the window size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePcap, encodePcapng, ipUdpPacket, linkFrame, LinkType, listFixtureFiles, PcapError, readPackets, repoRoot, type CapturedPacket } from '../capture/index.js';
import { streamCapturePackets } from './capture-file.js';

interface Seen {
  index: number;
  tsMs: number;
  linkType: number;
  interfaceId: number;
  origLen: number;
  data: string;
}

const view = (p: CapturedPacket): Seen => ({ index: p.index, tsMs: p.tsMs, linkType: p.linkType, interfaceId: p.interfaceId, origLen: p.origLen, data: p.data.toString('hex') });

function whole(buf: Buffer): { packets: Seen[]; error: { code: string; offset: number } | null } {
  const packets: Seen[] = [];
  try {
    for (const p of readPackets(buf)) packets.push(view(p));
    return { packets, error: null };
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    return { packets, error: { code: e.code, offset: e.offset } };
  }
}

async function streamed(path: string, windowBytes: number): Promise<{ packets: Seen[]; error: { code: string; offset: number } | null }> {
  const packets: Seen[] = [];
  try {
    await streamCapturePackets(path, (p) => packets.push(view(p)), { windowBytes });
    return { packets, error: null };
  } catch (e) {
    if (!(e instanceof PcapError)) throw e;
    return { packets, error: { code: e.code, offset: e.offset } };
  }
}

const WINDOWS = [64, 300, 1500, 8192, 1 << 20];

function udp(i: number, v6 = false): Buffer {
  return ipUdpPacket({ srcAddr: v6 ? '2001:db8::1' : '192.0.2.1', dstAddr: v6 ? '2001:db8::2' : '192.0.2.2', srcPort: 1000 + i, dstPort: 6343, payload: Buffer.alloc(20 + ((i * 37) % 300), i) });
}

function multiSection(): Buffer {
  return encodePcapng([
    {
      interfaces: [{ linkType: LinkType.ETHERNET }, { linkType: LinkType.RAW, tsResol: 9 }],
      packets: Array.from({ length: 40 }, (_, i) => ({ interfaceId: i % 2, timestamp: BigInt(1_700_000_000_000 + i) * (i % 2 ? 1_000_000n : 1000n), data: i % 2 ? udp(i) : linkFrame(LinkType.ETHERNET, udp(i)) })),
      extraBlocks: [{ type: 0x0bad, body: Buffer.alloc(40, 7) }],
    },
    {
      bigEndian: true,
      interfaces: [{ linkType: LinkType.LINUX_SLL, tsOffsetSeconds: 10n }],
      packets: Array.from({ length: 30 }, (_, i) => ({ timestamp: BigInt(1_700_000_100_000_000 + i), data: linkFrame(LinkType.LINUX_SLL, udp(i, true)) })),
    },
  ]);
}

test('every capture fixture streams to the same packets as a whole read, at every window size', async () => {
  const files = [
    ...listFixtureFiles(),
    ...['traffic.pcap', 'traffic-nsec.pcap', 'traffic.pcapng', 'sflow-any-sll2.pcapng'].map((f) => join(repoRoot(), 'src/capture/testdata', f)),
  ];
  assert.ok(files.length >= 11);
  for (const f of files) {
    const want = whole(readFileSync(f));
    assert.equal(want.error, null);
    for (const w of WINDOWS) assert.deepEqual(await streamed(f, w), want, `${f} window ${w}`);
  }
});

test('multi-section pcapng (both byte orders, several interfaces, unknown blocks) and big-endian pcap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-capfile-'));
  try {
    const ng = join(dir, 'multi.pcapng');
    writeFileSync(ng, multiSection());
    const be = join(dir, 'be.pcap');
    writeFileSync(be, encodePcap(Array.from({ length: 50 }, (_, i) => ({ tsMs: 1_700_000_000_000 + i * 10.5, data: linkFrame(LinkType.ETHERNET, udp(i)) })), { linkType: LinkType.ETHERNET, bigEndian: true, nanos: true }));
    for (const f of [ng, be]) {
      const want = whole(readFileSync(f));
      assert.equal(want.error, null);
      assert.ok(want.packets.length >= 50);
      for (const w of WINDOWS) assert.deepEqual(await streamed(f, w), want, `${f} window ${w}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged files: the same packets before the damage and the same error at the same offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-capfile-'));
  try {
    const pcap = readFileSync(join(repoRoot(), 'src/capture/testdata/traffic.pcap'));
    const ng = multiSection();
    const cases: Array<[string, Buffer]> = [];
    cases.push(['pcap cut inside a packet', pcap.subarray(0, pcap.length - 30)]);
    cases.push(['pcap cut inside a record header', pcap.subarray(0, 24 + 16 + 60 + 16 + 5)]);
    const huge = Buffer.from(pcap);
    huge.writeUInt32LE(300_000, 24 + 16 + huge.readUInt32LE(24 + 8) + 8); // second record's incl_len
    cases.push(['pcap record above MAX_CAPTURED_PACKET_BYTES', huge]);
    cases.push(['pcapng cut inside a block', ng.subarray(0, ng.length - 50)]);
    const badTrail = Buffer.from(ng);
    // The first EPB after the SHB (28 bytes: no options) and the two IDBs: corrupt its trailing length.
    let off = 0;
    const blocks: number[] = [];
    while (off < badTrail.length && blocks.length < 8) {
      blocks.push(off);
      off += badTrail.readUInt32LE(off + 4);
    }
    const epb = blocks[5];
    badTrail.writeUInt32LE(badTrail.readUInt32LE(epb + 4) + 4, epb + badTrail.readUInt32LE(epb + 4) - 4);
    cases.push(['pcapng trailing length differs', badTrail]);
    const badLen = Buffer.from(ng);
    badLen.writeUInt32LE(13, blocks[6] + 4);
    cases.push(['pcapng block length not a multiple of 4', badLen]);
    const noShb = Buffer.from(ng.subarray(blocks[1]));
    noShb.writeUInt32BE(0x0a0d0d0a, 0);
    cases.push(['pcapng SHB with a bad byte-order magic', noShb]);
    for (const [name, buf] of cases) {
      const f = join(dir, 'case.bin');
      writeFileSync(f, buf);
      const want = whole(buf);
      assert.notEqual(want.error, null, `${name}: the whole read fails`);
      for (const w of WINDOWS) assert.deepEqual(await streamed(f, w), want, `${name}, window ${w}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file many windows long: every packet once, progress window by window up to the file size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-capfile-'));
  try {
    const f = join(dir, 'long.pcap');
    const recs = Array.from({ length: 3000 }, (_, i) => ({ tsMs: 1_700_000_000_000 + i, data: linkFrame(LinkType.ETHERNET, udp(i)) }));
    writeFileSync(f, encodePcap(recs, { linkType: LinkType.ETHERNET }));
    const size = readFileSync(f).length;
    const marks: number[] = [];
    let n = 0;
    await streamCapturePackets(f, () => n++, { windowBytes: 16 * 1024, onWindow: (done, total) => void marks.push(done === total ? -1 : done) });
    assert.equal(n, 3000);
    assert.ok(marks.length > size / (16 * 1024) - 2, `${marks.length} windows`);
    assert.equal(marks.at(-1), -1);
    for (let i = 1; i < marks.length - 1; i++) assert.ok(marks[i] > marks[i - 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
