import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../config/load.js';
import { importFastnetmonCommand } from './import-fastnetmon.js';

const TESTDATA = fileURLToPath(new URL('../../../../src/cli/testdata/fastnetmon/', import.meta.url));
const MODULE = fileURLToPath(new URL('./import-fastnetmon.js', import.meta.url));

/** Runs the command in this process with captured output and exit code. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const out = { code: null as number | null, stdout: '', stderr: '' };
  const cmd = importFastnetmonCommand({
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    exit: (c) => {
      out.code = c;
    },
  });
  cmd.exitOverride();
  await cmd.parseAsync(args, { from: 'user' });
  return out;
}

describe('breakwater import-fastnetmon', () => {
  let dir: string;
  let conf: string;

  before(() => {
    // The fixture with its /etc paths moved into a temp dir: the command reads the real files.
    dir = mkdtempSync(join(tmpdir(), 'bw-import-'));
    for (const f of ['networks_list', 'networks_whitelist', 'notify_about_attack.sh']) copyFileSync(TESTDATA + f, join(dir, f));
    conf = join(dir, 'fastnetmon.conf');
    const text = readFileSync(TESTDATA + 'fastnetmon.conf', 'utf8')
      .replace('/etc/networks_list', join(dir, 'networks_list'))
      .replace('/etc/networks_whitelist', join(dir, 'networks_whitelist'))
      .replace('/usr/local/bin/notify_about_attack.sh', join(dir, 'notify_about_attack.sh'));
    writeFileSync(conf, text);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints valid YAML on stdout and the report on stderr, exit 0', async () => {
    const r = await cli([conf]);
    assert.equal(r.code, 0);
    const c = parseConfig(r.stdout, 'stdout');
    assert.equal(c.traffic.networks_file, join(dir, 'networks_list'));
    assert.equal(c.detection.thresholds.incoming.pps, 20000);
    assert.match(r.stderr, /^Carried over from .*fastnetmon\.conf \(\d+\):/);
    assert.match(r.stderr, /\nNot carried over \(\d+\):\n(.*\n)* {2}redis_enabled +=/);
    assert.match(r.stderr, /\nWarnings \(\d+\):/);
    assert.doesNotMatch(r.stderr, /cannot read/, 'the lists and the script are found');
  });

  it('writes -o, refuses to overwrite it without --force (exit 1), overwrites with --force', async () => {
    const out = join(dir, 'breakwater.yaml');
    const first = await cli([conf, '-o', out]);
    assert.equal(first.code, 0);
    assert.equal(first.stdout, '');
    assert.match(first.stderr, /Wrote .*breakwater\.yaml/);
    parseConfig(readFileSync(out, 'utf8'));
    writeFileSync(out, '# edited by hand\n');
    const again = await cli([conf, '-o', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /breakwater\.yaml exists: not overwritten \(use --force/);
    assert.equal(readFileSync(out, 'utf8'), '# edited by hand\n');
    const forced = await cli([conf, '-o', out, '--force']);
    assert.equal(forced.code, 0);
    assert.match(readFileSync(out, 'utf8'), /^# Breakwater config imported from/);
  });

  it('--json prints one JSON object on stdout', async () => {
    const r = await cli([conf, '--json', '--fastnetmon-mbps', 'si']);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const j = JSON.parse(r.stdout) as { source: string; output: null; yaml: string; carried: Array<{ key: string; to: string }>; skipped: Array<{ key: string; reason: string }>; warnings: string[]; config: { detection: { thresholds: { incoming: { mbps: number } } } } };
    assert.equal(j.source, conf);
    assert.equal(j.output, null);
    assert.equal(j.config.detection.thresholds.incoming.mbps, 1000);
    assert.equal(parseConfig(j.yaml).detection.thresholds.incoming.mbps, 1000);
    assert.ok(j.carried.some((c) => c.key === 'threshold_pps'));
    assert.ok(j.skipped.some((s) => s.key === 'redis_enabled' && /Redis/.test(s.reason)));
    assert.ok(j.warnings.length > 0);
  });

  it('exit 2 with a clear message when the file cannot be read', async () => {
    const r = await cli([join(dir, 'missing.conf')]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^breakwater import-fastnetmon: cannot read .*missing\.conf: ENOENT/);
  });

  it('exit 2 listing every problem of an invalid file (JSON too)', async () => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, `networks_list_path = ${join(dir, 'networks_list')}\nthreshold_pps = 20k\nhostgroup = web:10.0.0.1/8\n`);
    const r = await cli([bad]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /cannot convert .*bad\.conf:\n {2}- line 2: threshold_pps = '20k' is not a whole number/);
    assert.match(r.stderr, /\n {2}- line 3: hostgroup web: '10\.0\.0\.1\/8' has host bits set/);
    const j = await cli([bad, '--json']);
    assert.equal(j.code, 2);
    assert.equal((JSON.parse(j.stdout) as { problems: string[] }).problems.length, 2);
  });

  it('as a real process: exit codes 0 and 2', () => {
    const script = `const { importFastnetmonCommand } = await import(${JSON.stringify(MODULE)}); await importFastnetmonCommand().parseAsync(process.argv.slice(1), { from: 'user' });`;
    const ok = spawnSync(process.execPath, ['--input-type=module', '-e', script, conf], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^# Breakwater config imported from/);
    parseConfig(ok.stdout);
    const missing = spawnSync(process.execPath, ['--input-type=module', '-e', script, join(dir, 'nope.conf')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read .*nope\.conf/);
    const usage = spawnSync(process.execPath, ['--input-type=module', '-e', script, conf, '--fastnetmon-mbps', 'decimal'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(usage.status, 0);
    assert.match(usage.stderr, /Allowed choices are binary, si/);
  });
});
