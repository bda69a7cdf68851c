import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, formatPrefix, parseAddress, parsePrefix, prefixContains, type Prefix } from './ip.js';

test('IPv4 and IPv6 addresses round-trip through parse and format', () => {
  for (const s of ['0.0.0.0', '192.0.2.1', '255.255.255.255', '2001:db8::1', '::', '::1', 'fe80::1:2:3:4', '2001:db8:0:1:1:1:1:1', '::ffff:192.0.2.1']) {
    const a = parseAddress(s)!;
    assert.ok(a, s);
    assert.equal(formatAddress(a.bytes, a.version), s);
  }
  assert.equal(formatAddress(parseAddress('2001:DB8:0:0:0:0:0:1')!.bytes, 6), '2001:db8::1');
  assert.equal(parseAddress('300.1.1.1'), null);
  assert.equal(parseAddress('hello'), null);
});

test('prefixes parse, refuse host bits and match addresses', () => {
  const p = parsePrefix('10.0.0.0/8') as Prefix;
  assert.equal(formatPrefix(p), '10.0.0.0/8');
  assert.ok(prefixContains(p, 4, parseAddress('10.200.1.1')!.bytes));
  assert.ok(!prefixContains(p, 4, parseAddress('11.0.0.1')!.bytes));
  assert.match((parsePrefix('10.0.0.1/8') as { error: string }).error, /host bits.*10\.0\.0\.0\/8/);
  assert.match((parsePrefix('10.0.0.0/33') as { error: string }).error, /0 to 32/);
  const v6 = parsePrefix('2001:db8::/33') as Prefix;
  assert.ok(prefixContains(v6, 6, parseAddress('2001:db8:7fff::1')!.bytes));
  assert.ok(!prefixContains(v6, 6, parseAddress('2001:db8:8000::1')!.bytes));
  assert.equal((parsePrefix('192.0.2.7') as Prefix).length, 32);
});
