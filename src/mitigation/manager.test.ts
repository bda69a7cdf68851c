import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MitigationManager, type MitigationEvent } from './manager.js';
import { MitigationStore } from './store.js';
import { ManualClock, attack, fingerprint, mitigationConfig, networks } from './test-fixtures.js';
import { routeKey, type Route } from '../bgp/route.js';
import { silentLogger } from '../log.js';
import { openStateDb } from '../state/database.js';
import { checkMitigationGroups, groupPolicy, actionsFor } from './config.js';

function setup(cfg: Record<string, unknown> = {}, opts: { allow?: string[]; store?: MitigationStore; clock?: ManualClock } = {}) {
  const clock = opts.clock ?? new ManualClock();
  const events: MitigationEvent[] = [];
  let changes = 0;
  let n = 0;
  const mgr = new MitigationManager(mitigationConfig(cfg), {
    networks: networks(undefined, opts.allow ?? []),
    store: opts.store ?? null,
    logger: silentLogger(),
    now: clock.now,
    notifier: { notify: (e) => events.push(e) },
    newId: () => `m${++n}`,
  });
  mgr.onChange(() => changes++);
  mgr.start();
  return { mgr, clock, events, changes: () => changes };
}

const keys = (routes: Route[]) => routes.map(routeKey).sort();

test('default policy: blackhole /32 with 65535:666 + no-export and the RFC 6666-style next hop', () => {
  const { mgr, events, changes } = setup();
  mgr.attackStarted(attack({ host: '10.0.1.5' }));
  assert.deepEqual(mgr.desiredRoutes(), [{ kind: 'unicast', prefix: '10.0.1.5/32', nextHop: '192.0.2.1', communities: ['65535:666', '65535:65281'] }]);
  assert.equal(changes(), 1);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'ban');
  assert.equal(events[0].host, '10.0.1.5');
  mgr.attackStarted(attack({ host: '2001:db8::7' }));
  assert.ok(keys(mgr.desiredRoutes()).includes('unicast 2001:db8::7/128'));
  assert.equal(mgr.list().find((m) => m.host === '2001:db8::7')!.route.kind === 'unicast' && (mgr.list().find((m) => m.host === '2001:db8::7')!.route as { nextHop: string }).nextHop, '100::1');
});

test('policy per attack type and per group', () => {
  const cfg = mitigationConfig({
    actions: { default: ['blackhole'], syn_flood: ['flowspec'], amplification: ['flowspec', 'blackhole'] },
    groups: { customers: { actions: { default: [] }, ban_time_seconds: 60 } },
  });
  assert.deepEqual(actionsFor(groupPolicy(cfg, 'global'), 'syn_flood'), ['flowspec']);
  assert.deepEqual(actionsFor(groupPolicy(cfg, 'global'), 'udp_flood'), ['blackhole']);
  assert.deepEqual(actionsFor(groupPolicy(cfg, 'customers'), 'udp_flood'), []);
  assert.equal(groupPolicy(cfg, 'customers').banTimeSeconds, 60);
  assert.equal(groupPolicy(cfg, 'global').banTimeSeconds, 1900);
  assert.deepEqual(checkMitigationGroups(cfg, ['servers']), [{ path: ['mitigation', 'groups', 'customers'], message: "no detection group 'customers' (detection.groups has: servers)" }]);

  const { mgr } = setup({ actions: { default: ['blackhole'], syn_flood: ['flowspec'], amplification: ['flowspec', 'blackhole'] }, groups: { customers: { actions: { default: [] } } } });
  mgr.attackStarted(attack({ host: '10.0.1.1', type: 'syn_flood', protocol: 'tcp' }));
  mgr.attackStarted(attack({ host: '10.0.1.2', type: 'amplification', amplification: { service: 'dns', port: 53 } }));
  mgr.attackStarted(attack({ host: '10.0.1.3', type: 'udp_flood', group: 'customers' }));
  assert.deepEqual(keys(mgr.desiredRoutes()), [
    'flow4 dst 10.0.1.1/32 proto 6 tcp syn,!ack',
    'flow4 dst 10.0.1.2/32 proto 17 sport 53',
    'unicast 10.0.1.2/32',
  ]);
});

test('safety: allow-listed, outside networks, too short, /0 never, cap; each refused, counted, audited', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-mit-'));
  try {
    const db = openStateDb(join(dir, 'state.db'));
    const store = new MitigationStore(db);
    const { mgr } = setup({ safety: { max_active: 2 } }, { allow: ['10.0.9.0/24'], store });
    mgr.attackStarted(attack({ host: '10.0.9.9', allowListed: true }));
    mgr.attackStarted(attack({ host: '192.168.1.1' }));
    assert.equal(mgr.ban({ host: '8.8.8.8', user: 'alice' }).ok, false);
    const short = mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '10.0.0.0/16' }, action: { type: 'discard' } }, user: 'alice' });
    assert.equal(short.ok, false);
    assert.equal(!short.ok && short.reason, 'prefix_too_short');
    const zero = mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '0.0.0.0/0' }, action: { type: 'discard' } }, user: 'alice' });
    assert.equal(!zero.ok && zero.reason, 'prefix_too_short');
    assert.equal(mgr.ban({ host: '10.0.1.1', user: 'alice' }).ok, true);
    assert.equal(mgr.ban({ host: '10.0.1.2', user: 'alice' }).ok, true);
    const capped = mgr.ban({ host: '10.0.1.3', user: 'alice' });
    assert.equal(!capped.ok && capped.reason, 'cap_reached');
    // a refusal of a detection is recorded once, not every second of the attack
    const a = attack({ host: '10.0.1.4' });
    mgr.attackStarted(a);
    mgr.attackUpdated(a);
    mgr.attackUpdated(a);
    const s = mgr.stats();
    assert.equal(s.refused.allow_listed, 1);
    assert.equal(s.refused.outside_networks, 2);
    assert.equal(s.refused.prefix_too_short, 2);
    assert.equal(s.refused.cap_reached, 2);
    assert.deepEqual(keys(mgr.desiredRoutes()), ['unicast 10.0.1.1/32', 'unicast 10.0.1.2/32']);
    const refusals = store.listAudit({ limit: 100 }).filter((e) => e.action === 'refuse');
    assert.equal(refusals.length, 7);
    assert.ok(refusals.some((e) => e.host === '10.0.9.9' && e.reason.startsWith('allow_listed') && e.actor === 'detection'));
    assert.ok(refusals.some((e) => e.host === '8.8.8.8' && e.actor === 'manual:alice'));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a covering prefix with an allow-listed address inside is refused', () => {
  const { mgr } = setup({ safety: { min_prefix_length: { ipv4: 16, ipv6: 48 } } }, { allow: ['10.0.2.77'] });
  const r = mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '10.0.2.0/24' }, action: { type: 'discard' } }, user: 'bob' });
  assert.equal(!r.ok && r.reason, 'allow_listed');
  assert.equal(mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '10.0.3.0/24' }, action: { type: 'discard' } }, user: 'bob' }).ok, true);
});

test('dry-run: decided, recorded and notified, nothing desired', () => {
  const { mgr, events } = setup({ dry_run: true });
  mgr.attackStarted(attack({ host: '10.0.1.5' }));
  assert.deepEqual(mgr.desiredRoutes(), []);
  assert.equal(mgr.list().length, 1);
  assert.equal(mgr.list()[0].dryRun, true);
  assert.equal(events[0].dryRun, true);
});

test('ban time expiry with the injected clock; unban only once the attack has finished', () => {
  const { mgr, clock, events } = setup({ ban_time_seconds: 60 });
  const a = attack({ host: '10.0.1.5' });
  mgr.attackStarted(a);
  clock.advance(59);
  mgr.tick(clock.ms);
  assert.equal(mgr.desiredRoutes().length, 1);
  clock.advance(1);
  mgr.tick(clock.ms);
  assert.equal(mgr.desiredRoutes().length, 1, 'held: the attack is still active');
  assert.equal(mgr.stats().held, 1);
  clock.advance(30);
  mgr.attackUpdated(a);
  mgr.tick(clock.ms);
  assert.equal(mgr.desiredRoutes().length, 1);
  mgr.attackEnded({ ...a, status: 'ended', endedMs: clock.ms });
  assert.deepEqual(mgr.desiredRoutes(), []);
  const unban = events.find((e) => e.type === 'unban')!;
  assert.equal(unban.host, '10.0.1.5');
  assert.equal(unban.attack?.id, a.id);
});

test('without unban_only_if_attack_finished the ban ends at its ban time', () => {
  const { mgr, clock } = setup({ ban_time_seconds: 60, unban_only_if_attack_finished: false });
  mgr.attackStarted(attack());
  clock.advance(60);
  mgr.tick(clock.ms);
  assert.deepEqual(mgr.desiredRoutes(), []);
});

test('an attack that ends before its ban time keeps the ban until the ban time', () => {
  const { mgr, clock } = setup({ ban_time_seconds: 60 });
  const a = attack();
  mgr.attackStarted(a);
  clock.advance(10);
  mgr.attackEnded(a);
  assert.equal(mgr.desiredRoutes().length, 1);
  clock.advance(50);
  mgr.tick(clock.ms);
  assert.equal(mgr.desiredRoutes().length, 0);
});

test('flowspec tier upgrade when the attack grows; refinement once a fingerprint arrives', () => {
  const { mgr } = setup({ actions: { default: ['flowspec'] } });
  const a = attack({ host: '10.0.1.5', mbps: 500 });
  mgr.attackStarted(a);
  assert.deepEqual(mgr.desiredRoutes().map((r) => r.kind === 'flowspec' && r.action), [{ type: 'rate-limit', bytesPerSecond: 10_000 }]);
  a.peak.mbps = 2000;
  mgr.attackUpdated(a);
  assert.deepEqual(mgr.desiredRoutes().map((r) => r.kind === 'flowspec' && r.action), [{ type: 'rate-limit', bytesPerSecond: 100_000 }]);
  a.fingerprint = fingerprint({ protocol: { value: 17, share: 1 }, dstPort: { value: 27015, share: 0.95 } });
  mgr.attackUpdated(a);
  assert.deepEqual(keys(mgr.desiredRoutes()), ['flow4 dst 10.0.1.5/32 proto 17 dport 27015']);
  assert.equal(mgr.list().length, 1);
  // never relaxed during the attack
  a.peak.mbps = 100;
  a.current.mbps = 100;
  mgr.attackUpdated(a);
  assert.deepEqual(mgr.desiredRoutes().map((r) => r.kind === 'flowspec' && r.action), [{ type: 'rate-limit', bytesPerSecond: 100_000 }]);
});

test('escalation: covering /24 announced once, withdrawn when no host inside needs it', () => {
  const { mgr, clock } = setup({
    ban_time_seconds: 60,
    unban_only_if_attack_finished: false,
    escalation: { enabled: true, thresholds: { incoming: { mbps: 5000 } }, communities: ['65000:999', 'no-export'], next_hop: { ipv4: '192.0.2.9' } },
  });
  const a = attack({ host: '10.0.1.5', mbps: 1000 });
  mgr.attackStarted(a);
  assert.equal(mgr.desiredRoutes().length, 1);
  a.current.mbps = 6000;
  mgr.attackUpdated(a);
  mgr.attackUpdated(a);
  const b = attack({ host: '10.0.1.6', mbps: 7000 });
  mgr.attackStarted(b);
  mgr.attackUpdated(b);
  const routes = mgr.desiredRoutes();
  assert.deepEqual(keys(routes), ['unicast 10.0.1.0/24', 'unicast 10.0.1.5/32', 'unicast 10.0.1.6/32']);
  assert.deepEqual(routes.find((r) => r.kind === 'unicast' && r.prefix === '10.0.1.0/24'), { kind: 'unicast', prefix: '10.0.1.0/24', nextHop: '192.0.2.9', communities: ['65000:999', '65535:65281'] });
  const esc = mgr.list().find((m) => m.kind === 'escalation')!;
  assert.deepEqual(esc.detail.members, ['10.0.1.5', '10.0.1.6']);
  // the first host's ban is lifted manually: still needed by the second
  mgr.unban('10.0.1.5', { user: 'carol' });
  assert.deepEqual(keys(mgr.desiredRoutes()), ['unicast 10.0.1.0/24', 'unicast 10.0.1.6/32']);
  clock.advance(60);
  mgr.tick(clock.ms);
  assert.deepEqual(mgr.desiredRoutes(), []);
  assert.equal(mgr.stats().active, 0);
  // the prefix comes back if a host crosses again (and only once)
  const c = attack({ host: '10.0.1.7', mbps: 9000 });
  mgr.attackStarted(c);
  mgr.attackUpdated(c);
  assert.deepEqual(keys(mgr.desiredRoutes()), ['unicast 10.0.1.0/24', 'unicast 10.0.1.7/32']);
});

test('escalation is off by default and needs a blackhole first', () => {
  const { mgr } = setup({ actions: { default: ['flowspec'] }, escalation: { enabled: true, thresholds: { incoming: { pps: 1 } } } });
  const a = attack({ pps: 1_000_000 });
  mgr.attackStarted(a);
  mgr.attackUpdated(a);
  assert.equal(mgr.list().filter((m) => m.kind === 'escalation').length, 0);
  const off = setup();
  const b = attack({ mbps: 1e6 });
  off.mgr.attackStarted(b);
  off.mgr.attackUpdated(b);
  assert.equal(off.mgr.list().length, 1);
});

test('manual ban, extend, unban, withdraw, FlowSpec rule; same route never desired twice', () => {
  const { mgr, clock, events } = setup({ ban_time_seconds: 100 });
  const r = mgr.ban({ host: '10.0.1.8', user: 'dave', durationSeconds: 30, reason: 'ticket 42' });
  assert.ok(r.ok);
  const id = r.mitigation.id;
  assert.equal(r.mitigation.source, 'manual');
  assert.equal(r.mitigation.user, 'dave');
  assert.equal(r.mitigation.expiresMs, clock.ms + 30_000);
  // an attack on the same host: no second route, expiry extended to the later one
  mgr.attackStarted(attack({ host: '10.0.1.8' }));
  assert.equal(mgr.desiredRoutes().length, 1);
  assert.equal(mgr.get(id)!.expiresMs, clock.ms + 100_000);
  const e = mgr.extend(id, { user: 'dave', seconds: null });
  assert.ok(e.ok && e.mitigation.expiresMs === null);
  clock.advance(10_000);
  mgr.tick(clock.ms);
  assert.equal(mgr.desiredRoutes().length, 1);
  assert.equal(mgr.unban('10.0.1.8', { user: 'dave' }).length, 1);
  assert.deepEqual(mgr.desiredRoutes(), []);
  assert.deepEqual(events.map((x) => x.type), ['ban', 'update', 'unban']);
  const f = mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '10.0.1.9/32', protocols: [17], sourcePorts: [123] }, action: { type: 'discard' } }, user: 'erin', durationSeconds: 0 });
  assert.ok(f.ok && f.mitigation.expiresMs === null && f.mitigation.host === '10.0.1.9');
  assert.equal(mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '10.0.1.9/32', protocols: [17], sourcePorts: [123] }, action: { type: 'discard' } }, user: 'erin' }).ok, true);
  assert.equal(mgr.desiredRoutes().length, 1);
  const bad = mgr.addFlowspec({ route: { kind: 'flowspec', family: 4, match: { destination: '10.0.1.9/32', protocols: [999] }, action: { type: 'discard' } }, user: 'erin' });
  assert.equal(!bad.ok && bad.reason, 'invalid_route');
  assert.ok(mgr.withdraw(f.mitigation.id, { user: 'erin' }).ok);
  assert.equal(mgr.withdraw(f.mitigation.id, { user: 'erin' }).ok, false);
  assert.deepEqual(mgr.desiredRoutes(), []);
  assert.equal(mgr.ban({ host: 'not-an-ip', user: 'x' }).ok, false);
});

test('store: restart restores active mitigations, drops expired ones, keeps the audit trail and attack history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-mit-'));
  const path = join(dir, 'state.db');
  try {
    const clock = new ManualClock();
    let db = openStateDb(path);
    const first = setup({ ban_time_seconds: 60, escalation: { enabled: true, thresholds: { incoming: { mbps: 100 } } } }, { store: new MitigationStore(db), clock });
    const a = attack({ host: '10.0.1.5', mbps: 500 });
    first.mgr.attackStarted(a);
    first.mgr.attackUpdated(a);
    first.mgr.ban({ host: '10.0.2.1', user: 'ops', durationSeconds: 3600 });
    first.mgr.ban({ host: '10.0.3.1', user: 'ops', durationSeconds: 0 });
    const before = keys(first.mgr.desiredRoutes());
    assert.equal(before.length, 4);
    // "SIGKILL": no shutdown, the database handle is simply dropped and reopened
    db.close();
    db = openStateDb(path);
    const again = setup({ ban_time_seconds: 60 }, { store: new MitigationStore(db), clock });
    assert.deepEqual(keys(again.mgr.desiredRoutes()), before);
    db.close();
    // restarted after the 60 s ban time: the detection ban and its escalation are gone
    clock.advance(120);
    db = openStateDb(path);
    const store = new MitigationStore(db);
    const third = setup({ ban_time_seconds: 60 }, { store, clock });
    assert.deepEqual(keys(third.mgr.desiredRoutes()), ['unicast 10.0.2.1/32', 'unicast 10.0.3.1/32']);
    const audit = store.listAudit({ limit: 100 });
    const withdrawn = audit.filter((e) => e.action === 'withdraw' && e.actor === 'startup').map((e) => e.host).sort();
    assert.deepEqual(withdrawn, ['10.0.1.5']);
    assert.ok(audit.some((e) => e.action === 'withdraw' && e.kind === 'escalation' && e.host === '10.0.1.0/24'));
    assert.ok(audit.some((e) => e.action === 'announce' && e.actor === 'manual:ops' && e.host === '10.0.2.1'));
    assert.ok(audit.some((e) => e.action === 'announce' && e.actor === 'escalation' && e.host === '10.0.1.0/24'));
    assert.equal(store.listAudit({ host: '10.0.2.1' }).length, 1);
    const attacks = store.listAttacks();
    assert.equal(attacks.length, 1);
    assert.equal(attacks[0].id, a.id);
    assert.equal(attacks[0].host, '10.0.1.5');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('withdraw on shutdown empties the desired set; the store keeps it for the next start', () => {
  const { mgr } = setup({ withdraw_on_shutdown: true });
  mgr.ban({ host: '10.0.1.1', user: 'ops' });
  let changed = 0;
  mgr.onChange(() => changed++);
  assert.equal(mgr.shutdown(), true);
  assert.deepEqual(mgr.desiredRoutes(), []);
  assert.equal(changed, 1);
  assert.equal(mgr.list().length, 1);
  const keep = setup();
  keep.mgr.ban({ host: '10.0.1.1', user: 'ops' });
  assert.equal(keep.mgr.shutdown(), false);
  assert.equal(keep.mgr.desiredRoutes().length, 1);
});

test('update events are throttled per attack', () => {
  const { mgr, clock, events } = setup();
  const a = attack();
  mgr.attackStarted(a);
  for (let i = 0; i < 25; i++) {
    clock.advance(1);
    mgr.attackUpdated(a);
  }
  assert.equal(events.filter((e) => e.type === 'update').length, 3);
});

test('one unban event per host listing every mitigation removed with it; audit trail through the manager', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-mit-'));
  try {
    const db = openStateDb(join(dir, 'state.db'));
    const { mgr, events } = setup({ actions: { default: ['blackhole', 'flowspec'] } }, { store: new MitigationStore(db) });
    mgr.attackStarted(attack({ host: '10.0.1.5' }));
    assert.equal(mgr.forHost('10.0.1.5').length, 2);
    assert.equal(mgr.unban('10.0.1.5', { user: 'ops' }).length, 2);
    const unbans = events.filter((e) => e.type === 'unban');
    assert.equal(unbans.length, 1);
    assert.deepEqual(unbans[0].mitigations.map((m) => m.kind).sort(), ['blackhole', 'flowspec']);
    assert.deepEqual(mgr.auditTrail({ host: '10.0.1.5' }).map((e) => `${e.action} ${e.kind} ${e.actor}`), [
      'withdraw flowspec manual:ops',
      'withdraw blackhole manual:ops',
      'announce flowspec detection',
      'announce blackhole detection',
    ]);
    assert.equal(mgr.attackHistory().length, 1);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('restart under a changed config: what is no longer safe is withdrawn, not restored', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-mit-'));
  const path = join(dir, 'state.db');
  try {
    const clock = new ManualClock();
    let db = openStateDb(path);
    const first = setup({}, { store: new MitigationStore(db), clock });
    first.mgr.ban({ host: '10.0.1.1', user: 'ops' });
    first.mgr.ban({ host: '10.0.1.2', user: 'ops' });
    db.close();
    db = openStateDb(path);
    const store = new MitigationStore(db);
    const again = setup({}, { store, clock, allow: ['10.0.1.2'] });
    assert.deepEqual(keys(again.mgr.desiredRoutes()), ['unicast 10.0.1.1/32']);
    assert.equal(again.mgr.stats().refused.allow_listed, 1);
    assert.ok(store.listAudit({ host: '10.0.1.2' }).some((e) => e.action === 'withdraw' && e.actor === 'startup' && e.reason.startsWith('allow_listed')));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
