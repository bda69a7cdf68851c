import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostTable, SLOT_PINNED, mix32 } from './host-table.js';

test('insert, find and remove agree with a Map under random churn (backward-shift deletion keeps probes intact)', () => {
  const t = new HostTable(2000, 42);
  const ref = new Map<number, number>();
  let rnd = 12345;
  const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 50_000; i++) {
    const addr = next() % 3000; // small key space: many collisions, finds and removals
    const found = t.findV4(addr);
    assert.equal(found, ref.has(addr) ? ref.get(addr)! : -1);
    if (found >= 0 && next() % 3 === 0) {
      t.remove(found);
      ref.delete(addr);
    } else if (found < 0 && t.count < t.capacity) {
      const slot = t.acquireV4(addr, 1);
      assert.ok(slot >= 0);
      ref.set(addr, slot);
    }
    assert.equal(t.count, ref.size);
  }
  for (const [addr, slot] of ref) assert.equal(t.findV4(addr), slot);
});

test('IPv4 and IPv6 keys do not collide; addressBytes round-trips', () => {
  const t = new HostTable(16, 1);
  const a = t.acquireV4(0x0a000001, 1);
  const b = t.acquireV6(0x0a000001, 0, 0, 0, 1);
  assert.notEqual(a, b);
  assert.equal(t.findV4(0x0a000001), a);
  assert.equal(t.findV6(0x0a000001, 0, 0, 0), b);
  const out = new Uint8Array(16);
  assert.equal(t.addressBytes(a, out), 4);
  assert.deepEqual([...out.subarray(0, 4)], [10, 0, 0, 1]);
  const c = t.acquireV6(0x20010db8, 0, 0, 0x00000001, 1);
  assert.equal(t.addressBytes(c, out), 6);
  assert.deepEqual([...out.subarray(0, 4)], [0x20, 0x01, 0x0d, 0xb8]);
  assert.equal(out[15], 1);
});

test('a full table evicts the least recently seen of the probed slots, never a pinned one, and counts it', () => {
  const t = new HostTable(8, 7);
  const evicted: number[] = [];
  t.onEvict = (slot) => evicted.push(slot);
  for (let i = 0; i < 8; i++) t.acquireV4(i, 10 + i);
  // Pin everything but slot 5.
  for (let s = 0; s < 8; s++) if (s !== 5) t.flags[s] |= SLOT_PINNED;
  const slot = t.acquireV4(100, 50);
  assert.equal(slot, 5);
  assert.deepEqual(evicted, [5]);
  assert.equal(t.evictions, 1);
  assert.equal(t.findV4(5), -1);
  assert.equal(t.findV4(100), 5);
  // All pinned now: the newcomer is rejected, not admitted by force.
  t.flags[5] |= SLOT_PINNED;
  assert.equal(t.acquireV4(200, 51), -1);
  assert.equal(t.rejected, 1);
  assert.equal(t.count, 8);
});

test('the distinct-remote estimate is exact for a few and within ~3 standard errors for many', () => {
  const t = new HostTable(4, 3);
  const s = t.acquireV4(1, 1);
  assert.equal(t.flowEstimate(s, 0), 0);
  for (let i = 0; i < 5; i++) for (let rep = 0; rep < 10; rep++) t.addFlow(s, 0, mix32(i * 7919 + 1));
  assert.ok(Math.abs(t.flowEstimate(s, 0) - 5) < 1, `${t.flowEstimate(s, 0)}`);
  assert.equal(t.flowEstimate(s, 1), 0);
  for (const n of [100, 1000, 20_000]) {
    t.clearCounters(s);
    for (let i = 0; i < n; i++) t.addFlow(s, 1, mix32(i * 2654435761 + n));
    const est = t.flowEstimate(s, 1);
    assert.ok(Math.abs(est - n) / n < 0.55, `n=${n} est=${est}`);
  }
});

test('per-slot memory is reported', () => {
  const t = new HostTable(1000, 1);
  const b = t.bytesPerSlot();
  assert.ok(b > 200 && b < 300, `${b}`);
});

test('the index grows with the host count; lookups agree with a Map across growth, removal and eviction', () => {
  const t = new HostTable(20_000, 7);
  assert.ok(t.indexSize <= 4096, `starts small: ${t.indexSize}`);
  const ref = new Map<string, number>();
  const keyOf = (v: number, a: number) => `${v}:${a}`;
  let rnd = 99;
  const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0);
  let lastSize = t.indexSize;
  for (let i = 0; i < 60_000; i++) {
    const a = next() % 40_000;
    const v6 = a % 5 === 0;
    const found = v6 ? t.findV6(0x20010db8, 0, 0, a) : t.findV4(a);
    assert.equal(found, ref.get(keyOf(v6 ? 6 : 4, a)) ?? -1);
    if (found >= 0 && next() % 4 === 0) {
      t.remove(found);
      ref.delete(keyOf(v6 ? 6 : 4, a));
    } else if (found < 0 && t.count < t.capacity) {
      const slot = v6 ? t.acquireV6(0x20010db8, 0, 0, a, 1) : t.acquireV4(a, 1);
      ref.set(keyOf(v6 ? 6 : 4, a), slot);
    }
    assert.ok(t.count * 2 <= t.indexSize, 'at most half full');
    assert.ok(t.indexSize >= lastSize, 'never shrinks');
    lastSize = t.indexSize;
  }
  assert.ok(t.indexSize > 4096 && t.indexSize <= 65_536, `${t.indexSize}`);
  for (const [k, slot] of ref) {
    const [v, a] = k.split(':').map(Number);
    assert.equal(v === 6 ? t.findV6(0x20010db8, 0, 0, a!) : t.findV4(a!), slot);
  }

  // Full table: new hosts evict old ones; the index stops at twice the capacity.
  const small = new HostTable(3000, 3);
  const live = new Map<number, number>();
  small.onEvict = (slot) => {
    for (const [a, s] of live) if (s === slot) live.delete(a);
  };
  for (let a = 0; a < 9000; a++) live.set(a, small.acquireV4(a, a));
  assert.equal(small.count, 3000);
  assert.equal(small.indexSize, 8192);
  assert.equal(live.size, 3000);
  for (const [a, slot] of live) assert.equal(small.findV4(a), slot);
});
