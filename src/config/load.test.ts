import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from './load.js';

test('an empty config gives the documented defaults', () => {
  const c = parseConfig('');
  assert.deepEqual(c.collectors.listeners.map((l) => `${l.protocol}:${l.port}`), ['sflow:6343', 'netflow:2055', 'ipfix:4739']);
  assert.equal(c.collectors.sampling.default, 1);
  assert.equal(c.state.path, 'var/breakwater.db');
  assert.equal(c.logging.level, 'info');
});

test('unknown keys and bad values are all reported with their paths', () => {
  const text = `
collectors:
  listeners:
    - { protocol: sflow, port: 70000 }
    - { protocol: netflw, port: 2055, adress: 1.2.3.4 }
  allow_exporters: [10.0.0.1/8, nonsense]
  sampling: { exporters: { "not-an-ip": 10, "192.0.2.1": 0 } }
colectors: {}
`;
  assert.throws(() => parseConfig(text, 'test.yaml'), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    const all = e.problems.join('\n');
    for (const want of [
      /collectors\.listeners\[0\]\.port: .*65535/,
      /collectors\.listeners\[1\]\.protocol: /,
      /collectors\.listeners\[1\]\.adress: unknown key/,
      /collectors\.allow_exporters\[0\]: .*host bits/,
      /collectors\.allow_exporters\[1\]: .*not an IPv4 or IPv6/,
      /collectors\.sampling\.exporters\.not-an-ip: /,
      /collectors\.sampling\.exporters\.192\.0\.2\.1: /,
      /colectors: unknown key/,
    ]) assert.match(all, want);
    assert.match(e.message, /invalid config test\.yaml/);
    return true;
  });
});

test('YAML syntax errors and duplicate keys are refused', () => {
  assert.throws(() => parseConfig('collectors: [\n'), ConfigError);
  assert.throws(() => parseConfig('logging: {level: info}\nlogging: {level: debug}\n'), /YAML/);
});
