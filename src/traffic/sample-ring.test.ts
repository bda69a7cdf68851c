import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowSample, SampleSource } from '../flow/sample.js';
import { ENTRY_WORDS, RecentSampleRing, SampleRingPool, W_TAG } from './sample-ring.js';

/** A deterministic variety of samples: both IP versions, fragments, odd lengths and rates. */
function samples(n: number, seed: number): { s: FlowSample; dir: number; rate: number; tick: number }[] {
  let x = seed >>> 0 || 1;
  const r = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  const out: { s: FlowSample; dir: number; rate: number; tick: number }[] = [];
  for (let i = 0; i < n; i++) {
    const s = new FlowSample();
    s.reset(r() % 2 === 0 ? SampleSource.SFLOW : SampleSource.NETFLOW_V9);
    if (r() % 3 === 0) {
      s.ipVersion = 6;
      for (let b = 0; b < 16; b++) {
        s.srcAddr[b] = r() & 255;
        s.dstAddr[b] = r() & 255;
      }
    } else {
      s.ipVersion = 4;
      s.srcV4 = r();
      s.dstV4 = r();
    }
    s.protocol = r() & 255;
    s.srcPort = r() & 0xffff;
    s.dstPort = r() & 0xffff;
    s.tcpFlags = r() & 255;
    s.ttl = r() & 255;
    s.isFragment = r() % 4 === 0;
    s.fragmentOffset = r() % 4 === 0 ? r() & 0x1fff : 0;
    s.moreFragments = r() % 4 === 0;
    s.dontFragment = r() % 2 === 0;
    const k = r() % 5;
    s.packets = k === 0 ? 0 : k === 1 ? 1 + (r() % 50) : k === 2 ? 2 ** 33 + r() : k === 3 ? 0.5 : 7;
    s.bytes = r() % 10 === 0 ? 1e12 : s.packets * (40 + (r() % 1500));
    s.ipLength = s.source === SampleSource.SFLOW ? r() % 70000 : 0;
    out.push({ s, dir: r() & 1, rate: [1, 1000, 4096, 1.5, 2 ** 30][r() % 5]!, tick: r() % 1000 });
  }
  return out;
}

test('the recent ring writes the same entries as a capture ring, with its tag, oldest first after wrapping', () => {
  for (const size of [1, 7, 64]) {
    const recent = new RecentSampleRing(size);
    const pool = new SampleRingPool(2, size);
    const direct = pool.alloc(1, 0);
    const list = samples(150, size);
    list.forEach(({ s, dir, rate, tick }, i) => {
      recent.push(tick, dir, s, rate, (i * 2654435761) >>> 0);
      const e = pool.push(direct, tick, dir, s, rate);
      pool.setTag(e, (i * 2654435761) >>> 0);
    });
    assert.equal(recent.filled, Math.min(size, list.length));
    assert.equal(recent.written, list.length);
    assert.equal(recent.filled, pool.filled[direct]);
    // Copied into a capture ring in order, the entries are word for word those pushed directly.
    const copy = pool.alloc(2, 0);
    for (let k = 0; k < recent.filled; k++) pool.copyFrom(recent, recent.entry(k), copy);
    for (let k = 0; k < recent.filled; k++) {
      const a = pool.entry(direct, k) * ENTRY_WORDS;
      const b = pool.entry(copy, k) * ENTRY_WORDS;
      assert.deepEqual([...pool.words.subarray(b, b + ENTRY_WORDS)], [...pool.words.subarray(a, a + ENTRY_WORDS)], `size ${size} entry ${k}`);
      assert.equal(recent.tag(recent.entry(k)), pool.words[a + W_TAG]);
    }
  }
});

test('recent ring size is bounded', () => {
  assert.throws(() => new RecentSampleRing(0), /recent sample ring size/);
  assert.throws(() => new RecentSampleRing(1.5), /recent sample ring size/);
});
