/**
 * `breakwater replay`: the text report on stdout, the JSON file, two configs compared on one
 * capture, the progress bar on a terminal only, exit codes and messages for bad input — in
 * process through the command's io, and once as a real child process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../src/capture/index.js';
import { replayCommand, type ReplayCommandIo } from '../../src/cli/commands/replay.js';
import type { ReplayReport } from '../../src/replay/index.js';
import { scenarioDescription } from '../../tools/flowgen/index.js';
import { REPLAY_CONFIG_YAML, simulatedPcap, tempDir } from './helpers.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  files: Map<string, string>;
}

async function run(args: string[], opts: { tty?: boolean; failWrite?: boolean } = {}): Promise<Run> {
  const r: Run = { code: null, stdout: '', stderr: '', files: new Map() };
  const io: Partial<ReplayCommandIo> = {
    stdout: (t) => void (r.stdout += t),
    stderr: (t) => void (r.stderr += t),
    stderrIsTTY: () => opts.tty === true,
    exit: (c) => void (r.code = c),
    writeFile: (p, t) => {
      if (opts.failWrite) throw new Error('EACCES: permission denied');
      r.files.set(p, t);
    },
  };
  const cmd = replayCommand(io).exitOverride();
  await cmd.parseAsync(args, { from: 'user' });
  return r;
}

describe('breakwater replay', () => {
  const dir = tempDir('bw-replay-cli-');
  const capture = join(dir, 'syn.pcap');
  writeFileSync(capture, simulatedPcap([{ protocol: 'sflow', description: scenarioDescription('syn-flood'), activeSeconds: [2, 8] }], 10));
  const site = join(dir, 'site.yaml');
  writeFileSync(site, REPLAY_CONFIG_YAML);
  const strict = join(dir, 'strict.yaml');
  writeFileSync(strict, REPLAY_CONFIG_YAML.replace(/pps: 40000/g, 'pps: 400000'));

  test('text report on stdout, JSON in the --json file, exit 0', async () => {
    const r = await run([capture, '-c', site, '--json', join(dir, 'out.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Replay of .*syn\.pcap \(telemetry; config .*site\.yaml\)/);
    assert.match(r.stdout, /Attacks: 1\n {2}192\.0\.2\.10 incoming syn_flood \[group global\]/);
    assert.match(r.stdout, /trigger: pps 300,000 > 40,000/);
    assert.match(r.stdout, /Mitigations that would have been announced: 1\n {2}blackhole unicast 192\.0\.2\.10\/32/);
    assert.match(r.stdout, /Peak hosts by packets\/s:\n {2}192\.0\.2\.10 incoming: 300,000 pps/);
    const report = JSON.parse(r.files.get(join(dir, 'out.json'))!) as ReplayReport;
    assert.equal(report.attacks[0].type, 'syn_flood');
    assert.equal(report.config, site);
  });

  test('two configs on the same capture', async () => {
    const a = await run([capture, '--config', site, '--json', '-']);
    const b = await run([capture, '--config', strict, '--json', '-']);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    const ra = JSON.parse(a.stdout) as ReplayReport;
    const rb = JSON.parse(b.stdout) as ReplayReport;
    assert.deepEqual([ra.attacks.length, ra.mitigations.length], [1, 1]);
    assert.deepEqual([rb.attacks.length, rb.mitigations.length], [0, 0]);
    assert.equal(rb.peakHosts.byPps[0].peakPps, 300_000);
  });

  test('progress bar on a terminal only, drawn in place and cleared', async () => {
    const tty = await run([capture, '-c', site], { tty: true });
    assert.match(tty.stderr, /^\r\[#*\.*\] +\d+% {2}[\d.]+\/[\d.]+ MB {2}[\d,]+ packets/);
    assert.ok(tty.stderr.endsWith('\r\x1b[K'));
    assert.doesNotMatch(tty.stderr, /\n/);
    const off = await run([capture, '-c', site, '--no-progress'], { tty: true });
    assert.equal(off.stderr, '');
    const pipe = await run([capture, '-c', site]);
    assert.equal(pipe.stderr, '');
  });

  test('bad input: exit 2 with a message naming the problem', async () => {
    const garbage = join(dir, 'garbage.pcap');
    writeFileSync(garbage, 'GET / HTTP/1.1\r\n\r\n');
    const cases: Array<[string[], RegExp]> = [
      [[garbage], /^breakwater replay: .*garbage\.pcap: not a capture file: not a pcap or pcapng file/],
      [[join(dir, 'missing.pcap')], /missing\.pcap: cannot read: ENOENT/],
      [[capture, '-c', join(dir, 'missing.yaml')], /invalid config .*missing\.yaml:\n {2}- cannot read/],
      [[capture, '--sampling', '0'], /--sampling must be an integer from 1 to \d+, got '0'/],
      [[capture, '--sampling', '1.5'], /--sampling must be an integer/],
      [[capture, '--top', 'x'], /--top must be an integer from 1 to 1000/],
    ];
    const badKey = join(dir, 'bad.yaml');
    writeFileSync(badKey, 'detection:\n  thresholds:\n    incoming: { ppps: 5 }\n');
    cases.push([[capture, '-c', badKey], /detection\.thresholds\.incoming\.ppps: unknown key/]);
    const badNet = join(dir, 'badnet.yaml');
    writeFileSync(badNet, `traffic:\n  networks_file: ${join(dir, 'no-such-networks.txt')}\n`);
    cases.push([[capture, '-c', badNet], /invalid config .*badnet\.yaml:\n {2}- .*no-such-networks\.txt/]);
    for (const [args, re] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stdout, '');
    }
  });

  test('a capture damaged part-way: the report, then exit 2 naming the damage', async () => {
    const whole = readFileSync(join(repoRoot(), 'src/flow/sflow/testdata/captured/sflow.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const r = await run([cut]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /Read stopped early: .*file ends inside a packet/);
    assert.match(r.stderr, /cut\.pcap: file ends inside a packet .* \[truncated\]: the report covers the 35 packets before it/);
  });

  test('--json file that cannot be written: exit 1; --sampling on telemetry: a note', async () => {
    const r = await run([capture, '--json', join(dir, 'x.json')], { failWrite: true });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot write .*x\.json: EACCES/);
    const s = await run([capture, '--sampling', '10']);
    assert.equal(s.code, 0);
    assert.match(s.stderr, /--sampling applies to raw packets only/);
  });

  test('as a real process: exit codes and output', () => {
    const mod = pathToFileURL(join(repoRoot(), 'dist/src/cli/commands/replay.js')).href;
    const script = `const { replayCommand } = await import(${JSON.stringify(mod)}); await replayCommand().parseAsync(process.argv.slice(1), { from: 'user' });`;
    const ok = spawnSync(process.execPath, ['--input-type=module', '-e', script, capture, '-c', site], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /192\.0\.2\.10 incoming syn_flood/);
    const bad = spawnSync(process.execPath, ['--input-type=module', '-e', script, join(dir, 'missing.pcap')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /missing\.pcap: cannot read/);
  });

  test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
});
