import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, ftruncateSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LinkType,
  MAX_CAPTURED_PACKET_BYTES,
  PCAP_MAX_IPV6_EXTENSION_HEADERS,
  MAX_PCAPNG_BLOCK_BYTES,
  MAX_PCAPNG_INTERFACES,
  MAX_PCAP_FILE_BYTES,
  PCAP_MAX_VLAN_TAGS,
  PcapError,
  PcapReadStats,
  detectFormat,
  parseUdpPacket,
  readPackets,
  readPcapFile,
  readUdpDatagrams,
  type CapturedPacket,
  type PcapErrorCode,
  type UdpDatagram,
} from './pcap-reader.js';
import { encodePcap, encodePcapng, ipUdpPacket, linkFrame } from './pcap-writer.js';
import { repoRoot } from './fixtures.js';

const TESTDATA = join(repoRoot(), 'src/capture/testdata');

interface TruthFrame {
  frame: number;
  tsMs: number;
  udp?: { ipVersion: number; srcAddr: string; dstAddr: string; srcPort: number; dstPort: number; payloadLength: number };
}
interface ReaderTruth {
  frames: TruthFrame[];
}

function truth(name: string): ReaderTruth {
  return JSON.parse(readFileSync(join(TESTDATA, name), 'utf8')) as ReaderTruth;
}

function all(buf: Buffer): CapturedPacket[] {
  return [...readPackets(buf)];
}

function udps(buf: Buffer, stats?: PcapReadStats): UdpDatagram[] {
  return [...readUdpDatagrams(buf, stats)];
}

/** Asserts that reading `buf` fails with a PcapError of `code`. */
function rejects(buf: Buffer, code: PcapErrorCode): PcapError {
  let err: unknown;
  try {
    all(buf);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof PcapError, `expected PcapError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

/** Compares the reader's output on a real capture with tshark's list of frames and UDP datagrams. */
function checkAgainstTruth(file: string, t: ReaderTruth): void {
  const buf = readPcapFile(join(TESTDATA, file));
  const packets = all(buf);
  assert.equal(packets.length, t.frames.length);
  for (let i = 0; i < packets.length; i++) {
    assert.ok(Math.abs(packets[i].tsMs - t.frames[i].tsMs) < 0.001, `frame ${i + 1} time ${packets[i].tsMs} vs ${t.frames[i].tsMs}`);
  }
  const got = udps(buf).map((d) => ({
    frame: d.index + 1,
    udp: { ipVersion: d.ipVersion, srcAddr: d.srcAddr, dstAddr: d.dstAddr, srcPort: d.srcPort, dstPort: d.dstPort, payloadLength: d.payload.length },
  }));
  const want = t.frames.filter((f) => f.udp !== undefined).map((f) => ({ frame: f.frame, udp: f.udp }));
  assert.deepEqual(got, want);
}

describe('pcap reader on real captures (compared with tshark)', () => {
  test('traffic.pcap: Ethernet, microseconds, written by scapy', () => {
    const t = truth('traffic.json');
    checkAgainstTruth('traffic.pcap', t);
    assert.equal(detectFormat(readPcapFile(join(TESTDATA, 'traffic.pcap'))), 'pcap');
  });

  test('traffic-nsec.pcap: the same packets with nanosecond timestamps (editcap -F nsecpcap)', () => {
    checkAgainstTruth('traffic-nsec.pcap', truth('traffic.json'));
  });

  test('traffic.pcapng: the same packets as pcapng (editcap -F pcapng)', () => {
    const buf = readPcapFile(join(TESTDATA, 'traffic.pcapng'));
    assert.equal(detectFormat(buf), 'pcapng');
    checkAgainstTruth('traffic.pcapng', truth('traffic.json'));
  });

  test('traffic.pcap: skip reasons add up (fragments, TCP, ICMP, VLAN-tagged UDP kept)', () => {
    const stats = new PcapReadStats();
    const list = udps(readPcapFile(join(TESTDATA, 'traffic.pcap')), stats);
    assert.equal(stats.packets, 242);
    assert.equal(stats.udp, list.length);
    // 3 IPv4 + 3 IPv6 fragments of the two 3 KB datagrams.
    assert.equal(stats.skipped.get('fragment'), 6);
    let skipped = 0;
    for (const n of stats.skipped.values()) skipped += n;
    assert.equal(stats.udp + skipped, stats.packets);
    // The 802.1Q-tagged UDP datagrams (VLAN 100, ports 7000-7004 -> 7777) are found.
    assert.equal(list.filter((d) => d.dstPort === 7777).length, 5);
  });

  test('sflow-any-sll2.pcapng: Linux cooked v2 capture by dumpcap -i any; payloads equal the Ethernet capture of the same run', () => {
    const buf = readPcapFile(join(TESTDATA, 'sflow-any-sll2.pcapng'));
    const packets = all(buf);
    assert.ok(packets.length > 0);
    for (const p of packets) assert.equal(p.linkType, LinkType.LINUX_SLL2);
    checkAgainstTruth('sflow-any-sll2.pcapng', truth('sflow-any-sll2.json'));
    const eth = udps(readPcapFile(join(repoRoot(), 'src/flow/sflow/testdata/captured/sflow.pcap')));
    const sll2 = udps(buf);
    assert.equal(sll2.length, eth.length);
    for (let i = 0; i < eth.length; i++) assert.ok(eth[i].payload.equals(sll2[i].payload), `datagram ${i}`);
  });
});

const V4 = { srcAddr: '192.0.2.1', dstAddr: '198.51.100.2', srcPort: 40000, dstPort: 6343, payload: Buffer.from('hello sflow') };
const V6 = { srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', srcPort: 40001, dstPort: 2055, payload: Buffer.from('hello netflow') };

function expectDatagram(d: UdpDatagram | undefined, u: typeof V4, ipVersion: 4 | 6): void {
  assert.ok(d !== undefined);
  assert.equal(d.ipVersion, ipVersion);
  assert.equal(d.srcAddr, u.srcAddr);
  assert.equal(d.dstAddr, u.dstAddr);
  assert.equal(d.srcPort, u.srcPort);
  assert.equal(d.dstPort, u.dstPort);
  assert.deepEqual(Buffer.from(d.payload), u.payload);
}

describe('classic pcap: byte orders, resolutions, link types', () => {
  const linkTypes = [LinkType.NULL, LinkType.ETHERNET, LinkType.RAW, LinkType.LINUX_SLL, LinkType.LINUX_SLL2];
  for (const bigEndian of [false, true]) {
    for (const nanos of [false, true]) {
      for (const lt of linkTypes) {
        test(`link type ${lt}, ${bigEndian ? 'big' : 'little'}-endian, ${nanos ? 'ns' : 'µs'}`, () => {
          const ts1 = 1_700_000_000_123.456;
          const buf = encodePcap(
            [
              { tsMs: ts1, data: linkFrame(lt, ipUdpPacket(V4)) },
              { tsMs: ts1 + 1000, data: linkFrame(lt, ipUdpPacket(V6)) },
            ],
            { linkType: lt, bigEndian, nanos },
          );
          const list = udps(buf);
          assert.equal(list.length, 2);
          expectDatagram(list[0], V4, 4);
          expectDatagram(list[1], V6, 6);
          assert.ok(Math.abs(list[0].tsMs - ts1) < 0.001);
          assert.ok(Math.abs(list[1].tsMs - (ts1 + 1000)) < 0.001);
          assert.equal(list[1].index, 1);
        });
      }
    }
  }

  test('raw IPv4 (228) and raw IPv6 (229) link types', () => {
    const a = udps(encodePcap([{ tsMs: 0, data: ipUdpPacket(V4) }], { linkType: LinkType.IPV4 }));
    expectDatagram(a[0], V4, 4);
    const b = udps(encodePcap([{ tsMs: 0, data: ipUdpPacket(V6) }], { linkType: LinkType.IPV6 }));
    expectDatagram(b[0], V6, 6);
  });

  test('NULL/loopback family in either byte order and the BSD/macOS AF_INET6 values', () => {
    for (const fam of [10, 24, 28, 30]) {
      for (const be of [false, true]) {
        const h = Buffer.alloc(4);
        if (be) h.writeUInt32BE(fam);
        else h.writeUInt32LE(fam);
        const d = udps(encodePcap([{ tsMs: 0, data: Buffer.concat([h, ipUdpPacket(V6)]) }], { linkType: LinkType.NULL }));
        expectDatagram(d[0], V6, 6);
      }
    }
    const h = Buffer.alloc(4);
    h.writeUInt32BE(2);
    expectDatagram(udps(encodePcap([{ tsMs: 0, data: Buffer.concat([h, ipUdpPacket(V4)]) }], { linkType: LinkType.NULL }))[0], V4, 4);
  });

  test('Ethernet with 802.1Q and stacked tags; SLL and SLL2 with a tag', () => {
    for (const lt of [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2]) {
      const d = udps(encodePcap([{ tsMs: 0, data: linkFrame(lt, ipUdpPacket(V4), [100, 200]) }], { linkType: lt }));
      expectDatagram(d[0], V4, 4);
    }
  });

  test('the FCS bits above the link type are ignored (pcap draft §4)', () => {
    const buf = encodePcap([{ tsMs: 0, data: Buffer.concat([linkFrame(1, ipUdpPacket(V4)), Buffer.alloc(4)]) }], { linkType: 1 });
    buf.writeUInt32LE((1 | (1 << 26) | (2 << 28)) >>> 0, 20);
    expectDatagram(udps(buf)[0], V4, 4);
  });

  test('an empty capture (header only) has no packets', () => {
    assert.deepEqual(all(encodePcap([], { linkType: 1 })), []);
  });
});

describe('pcapng: sections, interfaces, block kinds', () => {
  test('two interfaces with different link types and resolutions, both byte orders, SPB/OPB, unknown blocks', () => {
    for (const bigEndian of [false, true]) {
      const buf = encodePcapng([
        {
          bigEndian,
          interfaces: [
            { linkType: LinkType.ETHERNET, snapLen: 0 },
            { linkType: LinkType.RAW, tsResol: 9 }, // nanoseconds
            { linkType: LinkType.LINUX_SLL2, tsResol: 0x80 | 10, tsOffsetSeconds: 1_000n }, // 2^-10 s, +1000 s
          ],
          extraBlocks: [
            { type: 4, body: Buffer.alloc(8) }, // Name Resolution Block
            { type: 5, body: Buffer.alloc(12) }, // Interface Statistics Block
            { type: 0x00000bad, body: Buffer.alloc(4) }, // Custom block
          ],
          packets: [
            { interfaceId: 0, timestamp: 1_700_000_000_123_456n, data: linkFrame(1, ipUdpPacket(V4)) },
            { interfaceId: 1, timestamp: 1_700_000_000_123_456_789n, data: ipUdpPacket(V6) },
            { interfaceId: 2, timestamp: 1024n * 5n + 512n, data: linkFrame(276, ipUdpPacket(V4)) },
            { kind: 'spb', data: linkFrame(1, ipUdpPacket(V6)) },
            { kind: 'opb', interfaceId: 0, timestamp: 2_000_000n, data: linkFrame(1, ipUdpPacket(V4)) },
          ],
        },
      ]);
      const packets = all(buf);
      assert.deepEqual(packets.map((p) => [p.index, p.interfaceId, p.linkType]), [
        [0, 0, 1],
        [1, 1, 101],
        [2, 2, 276],
        [3, 0, 1],
        [4, 0, 1],
      ]);
      assert.equal(packets[0].tsMs, 1_700_000_000_123.456);
      assert.ok(Math.abs(packets[1].tsMs - (1_700_000_000_123 + 0.456789)) < 0.001);
      assert.equal(packets[2].tsMs, (1000 + 5.5) * 1000);
      // A Simple Packet Block has no time: it takes the previous packet's.
      assert.equal(packets[3].tsMs, packets[2].tsMs);
      assert.equal(packets[4].tsMs, 2000);
      const list = udps(buf);
      assert.equal(list.length, 5);
      expectDatagram(list[0], V4, 4);
      expectDatagram(list[1], V6, 6);
      expectDatagram(list[2], V4, 4);
      expectDatagram(list[3], V6, 6);
      expectDatagram(list[4], V4, 4);
    }
  });

  test('a second section in the other byte order resets the interfaces', () => {
    const buf = encodePcapng([
      { interfaces: [{ linkType: LinkType.RAW }], packets: [{ data: ipUdpPacket(V4) }] },
      { bigEndian: true, interfaces: [{ linkType: LinkType.ETHERNET }], packets: [{ data: linkFrame(1, ipUdpPacket(V6)) }] },
    ]);
    const list = udps(buf);
    expectDatagram(list[0], V4, 4);
    expectDatagram(list[1], V6, 6);
    // Interface 1 of section 1 does not exist in section 2.
    const bad = encodePcapng([
      { interfaces: [{ linkType: 1 }, { linkType: 1 }], packets: [] },
      { interfaces: [{ linkType: 1 }], packets: [{ interfaceId: 1, data: Buffer.alloc(60) }] },
    ]);
    rejects(bad, 'bad_interface');
  });

  test('SPB captured length is capped by the interface snap length', () => {
    const frame = linkFrame(1, ipUdpPacket(V4));
    const buf = encodePcapng([{ interfaces: [{ linkType: 1, snapLen: 20 }], packets: [{ kind: 'spb', data: frame }] }]);
    const [p] = all(buf);
    assert.equal(p.data.length, 20);
    assert.equal(p.origLen, frame.length);
    assert.equal(parseUdpPacket(p), 'truncated');
  });
});

describe('packet-level skip rules (one per rule)', () => {
  const pkt = (linkType: number, data: Buffer): CapturedPacket => ({ index: 0, tsMs: 0, linkType, interfaceId: 0, origLen: data.length, data });
  const v4 = () => ipUdpPacket(V4);
  const v6 = () => ipUdpPacket(V6);

  test('unknown link type -> link_type', () => {
    assert.equal(parseUdpPacket(pkt(105, v4())), 'link_type');
  });
  test('ARP frame -> not_ip', () => {
    const f = linkFrame(1, v4());
    f.writeUInt16BE(0x0806, 12);
    assert.equal(parseUdpPacket(pkt(1, f)), 'not_ip');
  });
  test('unknown NULL family -> not_ip', () => {
    const f = linkFrame(0, v4());
    f.writeUInt32LE(7, 0);
    assert.equal(parseUdpPacket(pkt(0, f)), 'not_ip');
  });
  test('TCP -> not_udp', () => {
    const p = v4();
    p[9] = 6;
    assert.equal(parseUdpPacket(pkt(228, p)), 'not_udp');
  });
  test('IPv4 first fragment (MF) -> fragment', () => {
    const p = v4();
    p.writeUInt16BE(0x2000, 6);
    assert.equal(parseUdpPacket(pkt(228, p)), 'fragment');
  });
  test('IPv4 later fragment (offset) -> fragment', () => {
    const p = v4();
    p.writeUInt16BE(0x0010, 6);
    assert.equal(parseUdpPacket(pkt(228, p)), 'fragment');
  });
  test('IPv4 DF alone is not a fragment', () => {
    const p = v4();
    p.writeUInt16BE(0x4000, 6);
    expectDatagram(parseUdpPacket(pkt(228, p)) as UdpDatagram, V4, 4);
  });
  test('IPv4 header length below 20 -> malformed', () => {
    const p = v4();
    p[0] = 0x44;
    assert.equal(parseUdpPacket(pkt(228, p)), 'malformed');
  });
  test('IPv4 options are skipped by IHL', () => {
    const p = v4();
    const withOpts = Buffer.concat([p.subarray(0, 20), Buffer.from([1, 1, 1, 0]), p.subarray(20)]);
    withOpts[0] = 0x46;
    withOpts.writeUInt16BE(withOpts.length, 2);
    expectDatagram(parseUdpPacket(pkt(228, withOpts)) as UdpDatagram, V4, 4);
  });
  test('IPv4 total length beyond the captured bytes -> truncated', () => {
    const p = v4();
    assert.equal(parseUdpPacket(pkt(228, p.subarray(0, p.length - 1))), 'truncated');
  });
  test('IPv4 total length below the header -> malformed', () => {
    const p = v4();
    p.writeUInt16BE(10, 2);
    assert.equal(parseUdpPacket(pkt(228, p)), 'malformed');
  });
  test('IP version nibble contradicting the link type -> malformed', () => {
    assert.equal(parseUdpPacket(pkt(228, v6())), 'malformed');
    assert.equal(parseUdpPacket(pkt(229, v4())), 'malformed');
  });
  test('RAW with a version that is neither 4 nor 6 -> not_ip', () => {
    const p = v4();
    p[0] = 0x55;
    assert.equal(parseUdpPacket(pkt(101, p)), 'not_ip');
  });
  test('UDP length above the IP payload -> malformed', () => {
    const p = v4();
    p.writeUInt16BE(p.length, 24);
    assert.equal(parseUdpPacket(pkt(228, p)), 'malformed');
  });
  test('UDP length below 8 -> malformed', () => {
    const p = v4();
    p.writeUInt16BE(7, 24);
    assert.equal(parseUdpPacket(pkt(228, p)), 'malformed');
  });
  test('UDP payload ends at the UDP length, not the frame (Ethernet padding ignored)', () => {
    const f = Buffer.concat([linkFrame(1, v4()), Buffer.alloc(30)]);
    expectDatagram(parseUdpPacket(pkt(1, f)) as UdpDatagram, V4, 4);
  });
  test('IPv6 payload length 0 (jumbogram) -> malformed', () => {
    const p = v6();
    p.writeUInt16BE(0, 4);
    assert.equal(parseUdpPacket(pkt(229, p)), 'malformed');
  });
  test('IPv6 payload beyond the captured bytes -> truncated', () => {
    const p = v6();
    assert.equal(parseUdpPacket(pkt(229, p.subarray(0, p.length - 2))), 'truncated');
  });

  /** IPv6 packet with extension headers (each [nextHeaderCode, bytes]) in front of UDP. */
  function v6WithExt(exts: Array<{ code: number; body: Buffer }>): Buffer {
    const base = v6();
    const udp = base.subarray(40);
    const chain: Buffer[] = [];
    for (let i = 0; i < exts.length; i++) {
      const b = Buffer.from(exts[i].body);
      b[0] = i + 1 < exts.length ? exts[i + 1].code : 17;
      chain.push(b);
    }
    const ip = Buffer.from(base.subarray(0, 40));
    ip[6] = exts.length > 0 ? exts[0].code : 17;
    const payload = Buffer.concat([...chain, udp]);
    ip.writeUInt16BE(payload.length, 4);
    return Buffer.concat([ip, payload]);
  }
  const opts8 = () => Buffer.alloc(8); // Hop-by-Hop / Destination Options with only padding
  const frag = (offset: number, more: boolean) => {
    const b = Buffer.alloc(8);
    b.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
    b.writeUInt32BE(0xabcd, 4);
    return b;
  };

  test('IPv6 Hop-by-Hop, Routing, Destination Options and AH are walked', () => {
    const ah = Buffer.alloc(16);
    ah[1] = 2; // (2 + 2) * 4 = 16 bytes
    const p = v6WithExt([
      { code: 0, body: opts8() },
      { code: 43, body: opts8() },
      { code: 51, body: ah },
      { code: 60, body: opts8() },
    ]);
    expectDatagram(parseUdpPacket(pkt(229, p)) as UdpDatagram, V6, 6);
  });
  test('IPv6 atomic fragment (offset 0, M clear, RFC 6946) is a whole datagram', () => {
    expectDatagram(parseUdpPacket(pkt(229, v6WithExt([{ code: 44, body: frag(0, false) }]))) as UdpDatagram, V6, 6);
  });
  test('IPv6 first fragment (M set) -> fragment', () => {
    assert.equal(parseUdpPacket(pkt(229, v6WithExt([{ code: 44, body: frag(0, true) }]))), 'fragment');
  });
  test('IPv6 later fragment (offset) -> fragment', () => {
    assert.equal(parseUdpPacket(pkt(229, v6WithExt([{ code: 44, body: frag(100, false) }]))), 'fragment');
  });
  test('IPv6 ESP -> not_udp', () => {
    const p = v6();
    p[6] = 50;
    assert.equal(parseUdpPacket(pkt(229, p)), 'not_udp');
  });
  test(`more than PCAP_MAX_IPV6_EXTENSION_HEADERS (${PCAP_MAX_IPV6_EXTENSION_HEADERS}) extension headers -> header_loop`, () => {
    const exts = Array.from({ length: PCAP_MAX_IPV6_EXTENSION_HEADERS + 1 }, () => ({ code: 60, body: opts8() }));
    assert.equal(parseUdpPacket(pkt(229, v6WithExt(exts))), 'header_loop');
    const ok = Array.from({ length: PCAP_MAX_IPV6_EXTENSION_HEADERS }, () => ({ code: 60, body: opts8() }));
    expectDatagram(parseUdpPacket(pkt(229, v6WithExt(ok))) as UdpDatagram, V6, 6);
  });
  test('IPv6 extension header overrunning the payload -> malformed', () => {
    const p = v6WithExt([{ code: 60, body: opts8() }]);
    p[41] = 200; // (200 + 1) * 8 bytes
    assert.equal(parseUdpPacket(pkt(229, p)), 'malformed');
  });
  test(`more than PCAP_MAX_VLAN_TAGS (${PCAP_MAX_VLAN_TAGS}) VLAN tags -> header_loop`, () => {
    const tags = Array.from({ length: PCAP_MAX_VLAN_TAGS + 1 }, (_, i) => i + 1);
    assert.equal(parseUdpPacket(pkt(1, linkFrame(1, v4(), tags))), 'header_loop');
    expectDatagram(parseUdpPacket(pkt(1, linkFrame(1, v4(), tags.slice(1)))) as UdpDatagram, V4, 4);
  });
  test('frames shorter than their link header -> truncated', () => {
    assert.equal(parseUdpPacket(pkt(1, Buffer.alloc(13))), 'truncated');
    assert.equal(parseUdpPacket(pkt(113, Buffer.alloc(15))), 'truncated');
    assert.equal(parseUdpPacket(pkt(276, Buffer.alloc(19))), 'truncated');
    assert.equal(parseUdpPacket(pkt(0, Buffer.alloc(3))), 'truncated');
    assert.equal(parseUdpPacket(pkt(101, Buffer.alloc(0))), 'truncated');
    assert.equal(parseUdpPacket(pkt(1, linkFrame(1, v4(), [5]).subarray(0, 16))), 'truncated');
  });
});

describe('malformed files (one test per rule)', () => {
  const good = () => encodePcap([{ tsMs: 1, data: linkFrame(1, ipUdpPacket(V4)) }], { linkType: 1 });
  const goodNg = () => encodePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ data: linkFrame(1, ipUdpPacket(V4)) }] }]);

  test('empty file -> truncated', () => {
    rejects(Buffer.alloc(0), 'truncated');
  });
  test('unknown magic -> bad_magic', () => {
    rejects(Buffer.from('GIF89a not a capture file at all'), 'bad_magic');
  });
  test('classic header cut short -> truncated', () => {
    rejects(good().subarray(0, 20), 'truncated');
  });
  test('modified (Kuznetzov) pcap magic -> unsupported_format', () => {
    const b = good();
    b.writeUInt32LE(0xa1b2cd34, 0);
    rejects(b, 'unsupported_format');
  });
  test('classic major version other than 2 -> unsupported_format', () => {
    const b = good();
    b.writeUInt16LE(3, 4);
    rejects(b, 'unsupported_format');
  });
  test('record header cut short -> truncated, after the packets before it', () => {
    const two = encodePcap(
      [
        { tsMs: 1, data: linkFrame(1, ipUdpPacket(V4)) },
        { tsMs: 2, data: linkFrame(1, ipUdpPacket(V4)) },
      ],
      { linkType: 1 },
    );
    const cut = two.subarray(0, 24 + 16 + linkFrame(1, ipUdpPacket(V4)).length + 10);
    const seen: number[] = [];
    assert.throws(
      () => {
        for (const p of readPackets(cut)) seen.push(p.index);
      },
      (e: unknown) => e instanceof PcapError && e.code === 'truncated',
    );
    assert.deepEqual(seen, [0]);
  });
  test('record data cut short -> truncated', () => {
    rejects(good().subarray(0, good().length - 1), 'truncated');
  });
  test(`record length above MAX_CAPTURED_PACKET_BYTES (${MAX_CAPTURED_PACKET_BYTES}) -> too_large, without reading it`, () => {
    const b = good();
    b.writeUInt32LE(MAX_CAPTURED_PACKET_BYTES + 1, 24 + 8);
    rejects(b, 'too_large');
    b.writeUInt32LE(0xffffffff, 24 + 8);
    rejects(b, 'too_large');
  });

  test('pcapng not starting with a Section Header Block -> bad_magic', () => {
    // A valid IDB alone: the SHB must come first (pcapng §3.1).
    const ng = goodNg();
    const shbLen = ng.readUInt32LE(4);
    rejects(ng.subarray(shbLen), 'bad_magic');
  });
  test('pcapng SHB without byte-order magic -> bad_magic', () => {
    const b = goodNg();
    b.writeUInt32LE(0x12345678, 8);
    rejects(b, 'bad_magic');
  });
  test('pcapng SHB major version other than 1 -> unsupported_format', () => {
    const b = goodNg();
    b.writeUInt16LE(2, 12);
    rejects(b, 'unsupported_format');
  });
  test('pcapng SHB shorter than 28 bytes -> bad_block_length', () => {
    const b = Buffer.alloc(24);
    b.writeUInt32BE(0x0a0d0d0a, 0);
    b.writeUInt32LE(24, 4);
    b.writeUInt32LE(0x1a2b3c4d, 8);
    b.writeUInt16LE(1, 12);
    b.writeUInt32LE(24, 20);
    rejects(b, 'bad_block_length');
  });
  test('pcapng block length below 12 -> bad_block_length', () => {
    const b = goodNg();
    const shbLen = b.readUInt32LE(4);
    b.writeUInt32LE(8, shbLen + 4);
    rejects(b, 'bad_block_length');
  });
  test('pcapng block length 0 -> bad_block_length (no endless loop)', () => {
    const b = goodNg();
    const shbLen = b.readUInt32LE(4);
    b.writeUInt32LE(0, shbLen + 4);
    rejects(b, 'bad_block_length');
  });
  test('pcapng block length not a multiple of 4 -> bad_block_length', () => {
    const b = goodNg();
    const shbLen = b.readUInt32LE(4);
    b.writeUInt32LE(b.readUInt32LE(shbLen + 4) + 1, shbLen + 4);
    rejects(b, 'bad_block_length');
  });
  test(`pcapng block length above MAX_PCAPNG_BLOCK_BYTES (${MAX_PCAPNG_BLOCK_BYTES}) -> too_large`, () => {
    const b = goodNg();
    const shbLen = b.readUInt32LE(4);
    b.writeUInt32LE(0xfffffffc, shbLen + 4);
    rejects(b, 'too_large');
  });
  test('pcapng block running past the end of the file -> truncated', () => {
    const b = goodNg();
    rejects(b.subarray(0, b.length - 4), 'truncated');
  });
  test('pcapng file ending inside a block header -> truncated', () => {
    const b = goodNg();
    rejects(Buffer.concat([b, Buffer.alloc(8)]), 'truncated');
  });
  test('pcapng trailing block length differing from the leading one -> bad_block_length', () => {
    const b = goodNg();
    b.writeUInt32LE(b.readUInt32LE(b.length - 4) + 4, b.length - 4);
    rejects(b, 'bad_block_length');
  });
  test('pcapng IDB body shorter than 8 bytes -> bad_block_length', () => {
    const b = encodePcapng([{ interfaces: [], packets: [], extraBlocks: [{ type: 1, body: Buffer.alloc(4) }] }]);
    rejects(b, 'bad_block_length');
  });
  test(`more than MAX_PCAPNG_INTERFACES (${MAX_PCAPNG_INTERFACES}) IDBs in a section -> too_many_interfaces`, () => {
    const itfs = Array.from({ length: MAX_PCAPNG_INTERFACES + 1 }, () => ({ linkType: 1 }));
    rejects(encodePcapng([{ interfaces: itfs, packets: [] }]), 'too_many_interfaces');
  });
  test('pcapng packet block naming an undescribed interface -> bad_interface', () => {
    rejects(encodePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ interfaceId: 1, data: Buffer.alloc(60) }] }]), 'bad_interface');
    rejects(encodePcapng([{ interfaces: [{ linkType: 1 }], packets: [{ kind: 'opb', interfaceId: 3, data: Buffer.alloc(60) }] }]), 'bad_interface');
  });
  test('pcapng Simple Packet Block before any IDB -> bad_interface', () => {
    rejects(encodePcapng([{ interfaces: [], packets: [{ kind: 'spb', data: Buffer.alloc(60) }] }]), 'bad_interface');
  });
  test('pcapng EPB body shorter than 20 bytes -> bad_block_length', () => {
    rejects(encodePcapng([{ interfaces: [{ linkType: 1 }], packets: [], extraBlocks: [{ type: 6, body: Buffer.alloc(16) }] }]), 'bad_block_length');
  });
  test('pcapng EPB captured length larger than its block -> bad_block_length', () => {
    const b = goodNg();
    // SHB (28) + IDB (20): the EPB's captured length field is at +8 +12.
    const epb = 28 + 20;
    assert.equal(b.readUInt32LE(epb), 6);
    b.writeUInt32LE(b.readUInt32LE(epb + 20) + 100, epb + 20);
    rejects(b, 'bad_block_length');
  });
  test(`pcapng EPB captured length above MAX_CAPTURED_PACKET_BYTES -> too_large`, () => {
    const b = goodNg();
    b.writeUInt32LE(MAX_CAPTURED_PACKET_BYTES + 1, 28 + 20 + 20);
    rejects(b, 'too_large');
  });
  test('pcapng IDB option overrunning its block -> bad_option', () => {
    const b = encodePcapng([{ interfaces: [{ linkType: 1, tsResol: 6 }], packets: [] }]);
    // IDB at 28: body at 36 (8 bytes), first option at 44: code 9, length 1 -> claim 200.
    assert.equal(b.readUInt16LE(44), 9);
    b.writeUInt16LE(200, 46);
    rejects(b, 'bad_option');
  });
  test('pcapng if_tsresol finer than 64-bit timestamps can hold -> bad_option', () => {
    rejects(encodePcapng([{ interfaces: [{ linkType: 1, tsResol: 20 }], packets: [] }]), 'bad_option');
    rejects(encodePcapng([{ interfaces: [{ linkType: 1, tsResol: 0x80 | 64 }], packets: [] }]), 'bad_option');
  });
  test(`readPcapFile refuses files above MAX_PCAP_FILE_BYTES (${MAX_PCAP_FILE_BYTES}) before reading them`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-pcap-'));
    try {
      const path = join(dir, 'huge.pcap');
      const fd = openSync(path, 'w');
      ftruncateSync(fd, MAX_PCAP_FILE_BYTES + 1); // sparse: no disk space used
      closeSync(fd);
      assert.throws(() => readPcapFile(path), (e: unknown) => e instanceof PcapError && e.code === 'too_large');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('robustness: truncation sweep and mutation fuzzing', () => {
  const seeds = [
    readPcapFile(join(TESTDATA, 'traffic.pcap')).subarray(0, 4000),
    readPcapFile(join(TESTDATA, 'traffic.pcapng')).subarray(0, 4000),
    encodePcapng([
      {
        bigEndian: true,
        interfaces: [{ linkType: 276, tsResol: 9, tsOffsetSeconds: 5n }, { linkType: 0 }],
        packets: [
          { interfaceId: 0, timestamp: 5n, data: linkFrame(276, ipUdpPacket(V6), [7]) },
          { interfaceId: 1, data: linkFrame(0, ipUdpPacket(V4)) },
          { kind: 'spb', data: linkFrame(276, ipUdpPacket(V4)) },
        ],
      },
    ]),
  ];

  /** Reads everything, parsing every packet; only PcapError may escape. */
  function exercise(buf: Buffer): void {
    try {
      for (const p of readPackets(buf)) parseUdpPacket(p);
    } catch (e) {
      if (!(e instanceof PcapError)) throw e;
    }
  }

  test('every prefix of each seed either reads or fails with PcapError', () => {
    for (const s of seeds) {
      for (let n = 0; n <= s.length; n++) exercise(s.subarray(0, n));
    }
  });

  test('random byte mutations never crash or hang (time-boxed by FUZZ_SECONDS)', () => {
    const seconds = Number(process.env.FUZZ_SECONDS ?? '2');
    const deadline = Date.now() + seconds * 1000;
    // Deterministic xorshift so a failure can be replayed from its iteration number.
    let x = 0x9e3779b9;
    const rnd = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    let runs = 0;
    while (Date.now() < deadline) {
      const seed = seeds[runs % seeds.length];
      const b = Buffer.from(seed);
      const flips = 1 + rnd(8);
      for (let i = 0; i < flips; i++) {
        const at = rnd(b.length);
        // Bias towards length fields: sometimes write a whole 32-bit value.
        if (rnd(4) === 0 && at + 4 <= b.length) b.writeUInt32LE([0, 1, 12, 0xffffffff, 0x7fffffff, rnd(1 << 30)][rnd(6)] >>> 0, at);
        else b[at] = rnd(256);
      }
      try {
        exercise(b);
      } catch (e) {
        assert.fail(`run ${runs}: ${String(e)}`);
      }
      runs++;
    }
    assert.ok(runs > 0);
  });
});
