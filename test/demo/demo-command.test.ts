/**
 * The `breakwater demo` command's argument handling, exit codes and Ctrl-C, with the demo itself
 * replaced (demo.test.ts runs the real one), plus the demo's option checks and generated config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { demoCommand, type DemoCommandIo } from '../../src/cli/commands/demo.js';
import { demoConfig, demoConfigYaml, resolveDemoOptions, DemoOptionError, type DemoOptions, type DemoResult } from '../../src/demo/index.js';

const OK: DemoResult = {
  mode: 'lab',
  dryRunReason: null,
  attackDetectedAfterSeconds: 2,
  attackType: 'udp_flood',
  mitigatedAfterSeconds: 2.3,
  frrSawRoute: true,
  attackEnded: true,
  withdrawn: true,
  interrupted: false,
  dashboardUrl: 'http://127.0.0.1:10007/ui/',
  apiUrl: 'http://127.0.0.1:10007/api/v1/',
};

/** Runs `breakwater demo <args>` with a fake demo; returns what it was given and the exit code. */
async function cli(args: string[], result: DemoResult | Error = OK, io: Partial<DemoCommandIo> = {}): Promise<{ opts: DemoOptions | null; code: number | null; stderr: string; stdout: string }> {
  let opts: DemoOptions | null = null;
  let code: number | null = null;
  let stderr = '';
  let stdout = '';
  const program = new Command('breakwater').exitOverride().configureOutput({ writeErr: (t) => (stderr += t), writeOut: (t) => (stdout += t) });
  program.addCommand(
    demoCommand({
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      exit: (c) => (code = c),
      run: async (o) => {
        opts = o;
        o.out?.('[   0.0s] hello');
        if (result instanceof Error) throw result;
        return result;
      },
      onStopSignal: () => () => {},
      ...io,
    })
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} }),
  );
  try {
    await program.parseAsync(['node', 'breakwater', 'demo', ...args]);
  } catch (e) {
    // exitOverride: commander throws instead of exiting; its message is what it would print.
    stderr += `[commander ${(e as { code?: string }).code}] ${(e as Error).message}`;
  }
  return { opts, code, stderr, stdout };
}

test('demo command: defaults', async () => {
  const r = await cli([]);
  assert.equal(r.code, 0);
  const o = r.opts!;
  assert.deepEqual(
    { apiPort: o.apiPort, bgp: o.bgp, normalSeconds: o.normalSeconds, floodSeconds: o.floodSeconds, banSeconds: o.banSeconds, attack: o.attack, exitAtEnd: o.exitAtEnd },
    { apiPort: 10007, bgp: 'auto', normalSeconds: 10, floodSeconds: 30, banSeconds: 20, attack: 'udp-flood', exitAtEnd: false },
  );
  assert.ok(o.signal instanceof AbortSignal);
  assert.equal(r.stdout, '[   0.0s] hello\n');
});

test('demo command: every option', async () => {
  const r = await cli(['--api-port', '0', '--no-bgp', '--normal-seconds', '3', '--flood-seconds', '12', '--ban-seconds', '7', '--attack', 'ntp-amplification', '--exit', '--log-level', 'silent']);
  assert.equal(r.code, 0);
  const o = r.opts!;
  assert.deepEqual(
    { apiPort: o.apiPort, bgp: o.bgp, normalSeconds: o.normalSeconds, floodSeconds: o.floodSeconds, banSeconds: o.banSeconds, attack: o.attack, exitAtEnd: o.exitAtEnd },
    { apiPort: 0, bgp: 'off', normalSeconds: 3, floodSeconds: 12, banSeconds: 7, attack: 'ntp-amplification', exitAtEnd: true },
  );
});

test('demo command: bad arguments are refused with the option named, and the demo does not run', async () => {
  for (const [args, what] of [
    [['--api-port', '70000'], '--api-port must be an integer from 0 to 65535'],
    [['--flood-seconds', '2'], '--flood-seconds must be an integer from 5 to 3600'],
    [['--normal-seconds', 'ten'], '--normal-seconds must be an integer from 1 to 3600'],
    [['--attack', 'syn-flood'], "Allowed choices are udp-flood, ntp-amplification"],
  ] as const) {
    const r = await cli([...args]);
    assert.equal(r.opts, null, args.join(' '));
    assert.ok(r.stderr.includes(what), `${args.join(' ')}: ${r.stderr}`);
  }
});

test('demo command: exit codes', async () => {
  assert.equal((await cli([], { ...OK, withdrawn: false })).code, 1);
  assert.equal((await cli([], { ...OK, frrSawRoute: false })).code, 1);
  assert.equal((await cli([], { ...OK, attackDetectedAfterSeconds: null })).code, 1);
  assert.equal((await cli([], { ...OK, mode: 'dry-run', dryRunReason: 'x', frrSawRoute: null })).code, 0, 'dry-run is a success');
  assert.equal((await cli([], { ...OK, interrupted: true })).code, 130);
  const failed = await cli([], new Error('port 10007 on 127.0.0.1 is in use (another Breakwater?): choose another with --api-port'));
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^breakwater demo: port 10007 on 127\.0\.0\.1 is in use/m);
});

test('demo command: Ctrl-C aborts the demo through its signal, and the handler is removed afterwards', async () => {
  let handler: (() => void) | null = null;
  let removed = false;
  let stderr = '';
  const r = await cli([], OK, {
    stderr: (t) => (stderr += t),
    onStopSignal: (h) => {
      handler = h;
      return () => {
        removed = true;
      };
    },
    run: (o) =>
      new Promise<DemoResult>((resolve) => {
        o.signal!.addEventListener('abort', () => resolve({ ...OK, interrupted: true }), { once: true });
        setImmediate(() => handler!());
      }),
  });
  assert.equal(r.code, 130);
  assert.equal(removed, true);
  assert.match(stderr, /stopping the demo/);
});

test('resolveDemoOptions: lists every bad option at once', () => {
  assert.throws(
    () => resolveDemoOptions({ apiPort: -1, normalSeconds: 0.5, floodSeconds: 4, banSeconds: 1e9, bgp: 'on' as never, attack: 'syn-flood' as never, exitAtEnd: false }),
    (e: unknown) => {
      assert.ok(e instanceof DemoOptionError);
      for (const t of ['apiPort must be an integer from 0 to 65535, got -1', 'normalSeconds', 'floodSeconds must be an integer from 5', 'banSeconds', "bgp must be 'auto' or 'off'", 'attack must be one of udp-flood, ntp-amplification', 'exitAtEnd false keeps the daemon up until a signal aborts']) {
        assert.ok(e.message.includes(t), `${t}: ${e.message}`);
      }
      return true;
    },
  );
  assert.deepEqual(resolveDemoOptions({ exitAtEnd: true }), { apiPort: 10007, bgp: 'auto', normalSeconds: 10, floodSeconds: 30, banSeconds: 20, attack: 'udp-flood', exitAtEnd: true });
});

test('demo config: valid, dry-run without a speaker, the ExaBGP socket with one', () => {
  const dry = demoConfig({ stateDir: '/tmp/x', apiPort: 0, banSeconds: 20, exabgpSocket: null });
  assert.equal(dry.mitigation.dry_run, true);
  assert.deepEqual(dry.bgp.speakers, []);
  assert.deepEqual(dry.traffic.networks, ['192.0.2.0/24', '2001:db8::/64']);
  assert.equal(dry.api.address, '127.0.0.1');
  assert.deepEqual(dry.api.users, []);
  assert.equal(dry.state.path, '/tmp/x/state.db');
  assert.deepEqual(dry.mitigation.actions.udp_flood, ['blackhole', 'flowspec']);
  assert.deepEqual(dry.mitigation.actions.amplification, ['blackhole', 'flowspec']);
  assert.equal(dry.mitigation.ban_time_seconds, 20);
  assert.deepEqual(dry.collectors.listeners.map((l) => `${l.protocol} ${l.address} ${l.port}`), ['sflow 127.0.0.1 0', 'netflow 127.0.0.1 0']);
  const lab = demoConfig({ stateDir: '/tmp/x', apiPort: 10007, banSeconds: 5, exabgpSocket: '/tmp/lab dir/exabgp.sock' });
  assert.equal(lab.mitigation.dry_run, false);
  assert.equal(lab.bgp.speakers.length, 1);
  assert.equal(lab.bgp.speakers[0].type, 'exabgp');
  assert.equal((lab.bgp.speakers[0] as { socket: string }).socket, '/tmp/lab dir/exabgp.sock');
  assert.match(demoConfigYaml({ stateDir: '/tmp/x', apiPort: 1, banSeconds: 5, exabgpSocket: null }), /^# Generated by breakwater demo/);
});
