/**
 * The CLI's pure pieces: how the connection is resolved (flags, environment, config file),
 * Server-Sent Events framing across chunk boundaries, the FlowSpec option syntax, and the number
 * formats of the tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, resolveConnection, SseParser, urlFromApiConfig, type SseEvent } from '../../src/cli/client.js';
import { parseAction, parseDuration, parseFragments, parseNumericList, parseProtocols, parseTcpFlags } from '../../src/cli/commands/mitigations.js';
import { duration, mbit, si, table } from '../../src/cli/format.js';

test('connection: --url, then --config, then BREAKWATER_URL, then the default; credentials from flags before the environment', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-cli-conn-'));
  try {
    const cfg = join(dir, 'bw.yaml');
    writeFileSync(cfg, 'traffic: { networks: [not-checked-here] }\napi: { address: 0.0.0.0, port: 10123, tls: { cert_file: a, key_file: b } }\n');
    const env = { BREAKWATER_URL: 'http://10.0.0.1:9', BREAKWATER_USER: 'envuser', BREAKWATER_PASSWORD: 'envpw' };
    assert.equal((await resolveConnection({ url: 'http://h:1/' }, env)).url, 'http://h:1');
    const fromCfg = await resolveConnection({ config: cfg }, env);
    assert.equal(fromCfg.url, 'https://127.0.0.1:10123');
    assert.equal(fromCfg.urlSource, `--config ${cfg}`);
    assert.deepEqual(fromCfg.credentials, { kind: 'basic', user: 'envuser', password: 'envpw' });
    assert.equal((await resolveConnection({}, env)).url, 'http://10.0.0.1:9');
    const dflt = await resolveConnection({}, {});
    assert.equal(dflt.url, 'http://127.0.0.1:10007');
    assert.equal(dflt.credentials, null);
    assert.equal(dflt.timeoutMs, 10_000);
    assert.deepEqual((await resolveConnection({ token: 't' }, env)).credentials, { kind: 'bearer', token: 't' });
    assert.deepEqual((await resolveConnection({}, { BREAKWATER_TOKEN: 'tt', BREAKWATER_USER: 'u' })).credentials, { kind: 'bearer', token: 'tt' });
    assert.deepEqual((await resolveConnection({ user: 'a', password: 'b' }, { BREAKWATER_TOKEN: 'tt' })).credentials, { kind: 'basic', user: 'a', password: 'b' });
    const usage = async (p: Promise<unknown>, re: RegExp) => {
      await assert.rejects(p, (e: unknown) => e instanceof CliError && e.exitCode === 2 && re.test(e.message));
    };
    await usage(resolveConnection({ user: 'a', token: 't' }, {}), /either --user or --token/);
    await usage(resolveConnection({ url: 'ftp://x' }, {}), /scheme must be http or https/);
    await usage(resolveConnection({ url: 'not a url' }, {}), /invalid API URL 'not a url' \(from --url\)/);
    await usage(resolveConnection({ config: join(dir, 'missing.yaml') }, {}), /cannot read config/);
    writeFileSync(cfg, 'api: { enabled: false }\n');
    await usage(resolveConnection({ config: cfg }, {}), /the API is disabled/);
    writeFileSync(cfg, 'api: { port: 99999 }\n');
    await usage(resolveConnection({ config: cfg }, {}), /invalid api section .*api\.port/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(urlFromApiConfig({ address: '::', port: 1, tls: null }), 'http://[::1]:1');
  assert.equal(urlFromApiConfig({ address: '2001:db8::1', port: 2, tls: null }), 'http://[2001:db8::1]:2');
  assert.equal(urlFromApiConfig({ address: 'localhost', port: 3, tls: {} }), 'https://localhost:3');
});

test('Server-Sent Events: fields, comments, multi-line data, CRLF, split at any byte', () => {
  const text = 'retry: 2000\n: breakwater event stream\n\nevent: attack\ndata: {"a":1}\n\n: ping\n\nevent: totals\r\ndata: line1\r\ndata: line2\r\n\r\ndata:no-space\n\n';
  const want: SseEvent[] = [
    { event: 'attack', data: '{"a":1}' },
    { event: 'totals', data: 'line1\nline2' },
    { event: 'message', data: 'no-space' },
  ];
  for (let cut = 0; cut <= text.length; cut++) {
    const got: SseEvent[] = [];
    const p = new SseParser((e) => got.push(e));
    p.push(text.slice(0, cut));
    p.push(text.slice(cut));
    assert.deepEqual(got, want, `split at ${cut}`);
  }
  const got: SseEvent[] = [];
  const p = new SseParser((e) => got.push(e));
  for (const ch of text) p.push(ch);
  assert.deepEqual(got, want, 'one character at a time');
});

test('FlowSpec and duration option syntax', () => {
  assert.deepEqual(parseNumericList('53, 123,1000-2000,>=1024,<=80', 'x', 65535), [53, 123, { min: 1000, max: 2000 }, { min: 1024 }, { max: 80 }]);
  assert.throws(() => parseNumericList('70000', '--source-port', 65535), /--source-port: '70000' is not a number from 0 to 65535/);
  assert.throws(() => parseNumericList('20-10', '--source-port', 65535), /range '20-10' is reversed/);
  assert.throws(() => parseNumericList('', '--source-port', 65535), /is not a number/);
  assert.deepEqual(parseProtocols('UDP,tcp,47'), ['udp', 'tcp', 47]);
  assert.throws(() => parseProtocols('udp,quic'), /'quic' is not a protocol/);
  assert.deepEqual(parseTcpFlags('syn,!ack,psh'), { syn: true, ack: false, push: true });
  assert.throws(() => parseTcpFlags('syn,foo'), /'foo' is not a TCP flag/);
  assert.deepEqual(parseFragments('is-fragment,dont-fragment'), ['is-fragment', 'dont-fragment']);
  assert.throws(() => parseFragments('maybe'), /not a fragment match/);
  assert.deepEqual(parseAction('discard'), { type: 'discard' });
  assert.deepEqual(parseAction('rate-limit:2.5'), { type: 'rate-limit', mbps: 2.5 });
  assert.deepEqual(parseAction('redirect:65000:666'), { type: 'redirect', routeTarget: '65000:666' });
  assert.deepEqual(parseAction('mark:46'), { type: 'mark', dscp: 46 });
  for (const bad of ['rate-limit', 'rate-limit:-1', 'redirect:abc', 'mark:64', 'discard:now', 'accept']) assert.throws(() => parseAction(bad), Error, bad);
  assert.equal(parseDuration('600'), 600);
  assert.equal(parseDuration('never'), 0);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('1h'), /seconds/);
});

test('number formats and tables', () => {
  assert.deepEqual([si(950), si(12_345), si(4_560_000), si(1.5), si(null)], ['950', '12.3k', '4.56M', '1.50', '-']);
  assert.deepEqual([mbit(0), mbit(0.4991), mbit(12.34), mbit(818.9)], ['0', '0.499', '12.3', '819']);
  assert.deepEqual([duration(45), duration(725), duration(11_220), duration(187_200)], ['45s', '12m05s', '3h07m', '2d04h']);
  assert.equal(table(['NAME', 'N'], [['a', 1], ['bbb', 22]]), '  NAME   N\n  a      1\n  bbb   22');
});
