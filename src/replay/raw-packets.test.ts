/**
 * Raw packets to samples: the same packet gives the same sample on every link type; sampling
 * keeps about 1 in N (and the same ones every run); non-IP packets and unknown link types are
 * counted, not sampled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipUdpPacket, linkFrame, LinkType, readPackets, readPcapFile, repoRoot, type CapturedPacket } from '../capture/index.js';
import { CollectingSink } from '../flow/sample-record.js';
import { join } from 'node:path';
import { RawPacketSampler } from './raw-packets.js';

function pkt(linkType: number, data: Buffer, origLen = data.length): CapturedPacket {
  return { index: 0, tsMs: 1000, linkType, interfaceId: 0, origLen, data };
}

test('one UDP packet on every link type gives the same sample', () => {
  for (const v6 of [false, true]) {
    const ip = ipUdpPacket({ srcAddr: v6 ? '2001:db8::1' : '198.51.100.1', dstAddr: v6 ? '2001:db8::2' : '192.0.2.2', srcPort: 53, dstPort: 4444, payload: Buffer.alloc(100) });
    const records = [];
    for (const lt of [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.RAW, LinkType.NULL, v6 ? LinkType.IPV6 : LinkType.IPV4]) {
      const sink = new CollectingSink();
      new RawPacketSampler(sink).packet(pkt(lt, linkFrame(lt, ip), 500), 1234);
      assert.equal(sink.records.length, 1, `link type ${lt}`);
      records.push(sink.records[0]);
    }
    for (const r of records) {
      assert.deepEqual(r, records[0]);
      assert.equal(r.source, 'pcap');
      assert.equal(r.src, v6 ? '2001:db8::1' : '198.51.100.1');
      assert.equal(r.dstPort, 4444);
      assert.equal(r.srcPort, 53);
      assert.equal(r.protocol, 17);
      assert.equal(r.packets, 1);
      assert.equal(r.bytes, 500);
      assert.equal(r.samplingRate, 1);
      assert.equal(r.startMs, 1234);
    }
  }
});

test('VLAN tags are followed (Ethernet and SLL2)', () => {
  const ip = ipUdpPacket({ srcAddr: '198.51.100.1', dstAddr: '192.0.2.2', srcPort: 1, dstPort: 2, payload: Buffer.alloc(10) });
  for (const lt of [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2]) {
    const sink = new CollectingSink();
    new RawPacketSampler(sink).packet(pkt(lt, linkFrame(lt, ip, [100, 200])), 0);
    assert.equal(sink.records[0]?.vlan, 100, `link type ${lt}`);
    assert.equal(sink.records[0]?.dst, '192.0.2.2');
  }
});

test('1-in-N sampling: about 1/N of the packets, the same ones every run, rate on each sample', () => {
  const frame = linkFrame(LinkType.ETHERNET, ipUdpPacket({ srcAddr: '198.51.100.1', dstAddr: '192.0.2.2', srcPort: 1, dstPort: 2, payload: Buffer.alloc(10) }));
  const run = () => {
    const sink = new CollectingSink();
    const s = new RawPacketSampler(sink, 100);
    for (let i = 0; i < 100_000; i++) s.packet({ ...pkt(LinkType.ETHERNET, frame), index: i, tsMs: i }, i);
    return sink.records;
  };
  const a = run();
  assert.ok(a.length > 900 && a.length < 1100, `${a.length} of 100000 at 1:100`);
  assert.deepEqual(run().map((r) => r.startMs), a.map((r) => r.startMs));
  assert.ok(a.every((r) => r.samplingRate === 100));
  assert.throws(() => new RawPacketSampler(new CollectingSink(), 0), /sampling rate must be an integer from 1/);
});

test('the real traffic capture: every IP frame sampled, nothing else', () => {
  const sink = new CollectingSink();
  const s = new RawPacketSampler(sink);
  for (const p of readPackets(readPcapFile(join(repoRoot(), 'src/capture/testdata/traffic.pcap')))) s.packet(p, p.tsMs);
  assert.equal(s.stats.packets, 242);
  assert.equal(s.stats.samples, 242);
  assert.ok(sink.records.some((r) => r.ipVersion === 6 && r.protocol === 58));
  assert.ok(sink.records.some((r) => r.isFragment));
  const arp = pkt(LinkType.ETHERNET, Buffer.from('ffffffffffff0200000000010806' + '00'.repeat(28), 'hex'));
  s.packet(arp, 0);
  s.packet(pkt(147, Buffer.alloc(60)), 0);
  assert.deepEqual(Object.fromEntries(s.stats.skipped), { not_ip: 1, link_type: 1 });
});
