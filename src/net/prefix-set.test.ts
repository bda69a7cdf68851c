import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAddress, parsePrefix, maskPrefix, prefixContains, type Prefix } from './ip.js';
import { PrefixSet } from './prefix-set.js';

const P = (s: string) => parsePrefix(s) as Prefix;
const A = (s: string) => parseAddress(s)!;

test('longest prefix wins, for IPv4 and IPv6, and misses return -1', () => {
  const set = new PrefixSet();
  set.add(P('10.0.0.0/8'), 1);
  set.add(P('10.1.0.0/16'), 2);
  set.add(P('10.1.2.0/24'), 3);
  set.add(P('10.1.2.3/32'), 4);
  set.add(P('2001:db8::/32'), 5);
  set.add(P('2001:db8:1::/48'), 6);
  set.add(P('2001:db8:1::1/128'), 7);
  const look = (s: string) => {
    const a = A(s);
    return set.lookup(a.version, a.bytes);
  };
  assert.equal(look('10.9.9.9'), 1);
  assert.equal(look('10.1.9.9'), 2);
  assert.equal(look('10.1.2.9'), 3);
  assert.equal(look('10.1.2.3'), 4);
  assert.equal(look('11.0.0.1'), -1);
  assert.equal(look('2001:db8:2::1'), 5);
  assert.equal(look('2001:db8:1::2'), 6);
  assert.equal(look('2001:db8:1::1'), 7);
  assert.equal(look('2001:db9::1'), -1);
  assert.equal(set.lookupV4(0x0a010203), 4);
  assert.equal(set.size, 7);
  assert.equal(set.get(P('10.1.0.0/16')), 2);
  assert.equal(set.get(P('10.2.0.0/16')), -1);
});

test('a default route matches everything of its family; an empty set matches nothing', () => {
  const set = new PrefixSet();
  assert.equal(set.lookupV4(0x01020304), -1);
  assert.equal(set.lookupV6(new Uint8Array(16)), -1);
  set.add(P('0.0.0.0/0'), 9);
  set.add(P('::/0'), 8);
  assert.equal(set.lookupV4(0xffffffff), 9);
  assert.equal(set.lookupV4(0), 9);
  assert.equal(set.lookupV6(A('ffff::1').bytes), 8);
});

test('re-adding a prefix replaces its value; adding after lookups rebuilds the IPv4 table', () => {
  const set = new PrefixSet();
  set.add(P('192.0.2.0/24'), 1);
  assert.equal(set.lookupV4(0xc0000201), 1);
  set.add(P('192.0.2.0/24'), 5);
  set.add(P('192.0.2.128/25'), 6);
  assert.equal(set.lookupV4(0xc0000201), 5);
  assert.equal(set.lookupV4(0xc0000281), 6);
  assert.equal(set.size, 2);
  assert.throws(() => set.add(P('192.0.2.0/24'), -1), RangeError);
});

test('property: lookups agree with a linear scan for random prefixes of both families', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
  const v6 = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }));
  const toPrefix4 = ([a, len]: [number, number]): Prefix =>
    maskPrefix({ version: 4, bytes: new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]), length: len });
  const toPrefix6 = ([b, len]: [Uint8Array, number]): Prefix => maskPrefix({ version: 6, bytes: b, length: len });
  fc.assert(
    fc.property(fc.array(v4, { maxLength: 40 }), fc.array(v6, { maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 30 }), (p4, p6, probes) => {
      const prefixes = [...p4.map(toPrefix4), ...p6.map(toPrefix6)];
      const set = new PrefixSet();
      const values = new Map<string, number>();
      prefixes.forEach((p, i) => {
        set.add(p, i);
        values.set(`${p.version}/${p.bytes.join('.')}/${p.length}`, i);
      });
      const brute = (version: number, bytes: Uint8Array): number => {
        let best = -1;
        let bestLen = -1;
        for (const p of prefixes) {
          if (prefixContains(p, version, bytes) && p.length > bestLen) {
            bestLen = p.length;
            best = values.get(`${p.version}/${p.bytes.join('.')}/${p.length}`)!;
          }
        }
        return best;
      };
      for (const a of probes) {
        const b4 = new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
        assert.equal(set.lookupV4(a >>> 0), brute(4, b4));
      }
      // Probe inside each prefix too, so deep matches are exercised.
      for (const p of prefixes) {
        const b = new Uint8Array(p.bytes);
        if (p.version === 4) b[3] ^= 1;
        else b[15] ^= 1;
        assert.equal(set.lookup(p.version, b), brute(p.version, b));
        assert.equal(set.lookup(p.version, p.bytes), brute(p.version, p.bytes));
      }
    }),
    { numRuns: 300 },
  );
});
