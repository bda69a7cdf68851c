import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddress } from '../net/ip.js';
import { trafficConfigSchema } from './config.js';
import { NetworkConfigError, NetworkSets, parseNetworkList } from './networks.js';

test('networks_list format: one CIDR per line, comments and blanks ignored, bad lines reported with their number', () => {
  const text = '# our networks\n10.0.0.0/8\n\n  192.0.2.0/24   # customers\r\n2001:db8::/32\n10.0.0.1/8\nbogus\n198.51.100.7\n';
  const r = parseNetworkList(text, 'networks_list');
  assert.deepEqual(
    r.prefixes.map((p) => `${p.version}/${p.length}`),
    ['4/8', '4/24', '6/32', '4/32'],
  );
  assert.equal(r.errors.length, 2);
  assert.match(r.errors[0], /^networks_list:6: .*host bits/);
  assert.match(r.errors[1], /^networks_list:7: /);
});

test('NetworkSets.fromConfig merges inline lists and files, and lists every problem at once', () => {
  const files: Record<string, string> = { '/n': '10.0.0.0/8\n2001:db8::/32\n10.0.0.0/8\n', '/w': '10.0.0.5\n', '/r': '203.0.113.0/24\n' };
  const read = (p: string) => {
    if (!(p in files)) throw new Error('ENOENT');
    return files[p];
  };
  const cfg = trafficConfigSchema.parse({
    networks: ['192.0.2.0/24'],
    networks_file: '/n',
    allow_list: { hosts: ['192.0.2.1'], hosts_file: '/w', remote_file: '/r' },
  });
  const sets = NetworkSets.fromConfig(cfg, read);
  assert.deepEqual(sets.networkNames, ['192.0.2.0/24', '10.0.0.0/8', '2001:db8::/32']);
  assert.equal(sets.isAllowListed('192.0.2.1'), true);
  assert.equal(sets.isAllowListed('10.0.0.5'), true);
  assert.equal(sets.isAllowListed('10.0.0.6'), false);
  const a = parseAddress('10.0.0.5')!;
  assert.equal(sets.isAllowListed(a.version, a.bytes), true);
  assert.equal(sets.isRemoteAllowListed('203.0.113.9'), true);
  assert.equal(sets.isRemoteAllowListed('203.0.114.9'), false);
  const v6 = parseAddress('2001:db8::1')!;
  assert.equal(sets.networkOf(6, v6.bytes), 2);

  const bad = trafficConfigSchema.parse({ networks: [], networks_file: '/missing', allow_list: { hosts_file: '/n', remote_file: '/r' } });
  files['/n'] = '10.0.0.1/8\n';
  try {
    NetworkSets.fromConfig(bad, read);
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof NetworkConfigError);
    assert.equal(err.problems.length, 2);
    assert.match(err.problems[0], /traffic.networks_file: cannot read \/missing/);
    assert.match(err.problems[1], /\/n:1: .*host bits/);
  }
});

test('the traffic config schema rejects unknown keys and bad CIDRs with their paths, and has defaults', () => {
  const d = trafficConfigSchema.parse({});
  assert.equal(d.host_table.max_hosts, 1_000_000);
  assert.equal(d.spreading.enabled, true);
  assert.equal(d.spreading.max_seconds, 60);
  const r = trafficConfigSchema.safeParse({ networks: ['10.0.0.1/8'], host_table: { max_host: 5 }, spreading: { max_seconds: 1 } });
  assert.ok(!r.success);
  const paths = r.error.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('networks.0'));
  assert.ok(paths.includes('host_table'));
  assert.ok(paths.includes('spreading.max_seconds'));
});
